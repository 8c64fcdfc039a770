"""Off-the-shelf features, frozen and full fine-tuning, and training from scratch.

The lecture's "freeze or fine-tune?" question, measured: a LeNet-size CNN is
pretrained inside this script on a source task, then transferred to MNIST
digits 5-9 with few labels per class. Sources: MNIST digits 0-4 (a near
task), Fashion-MNIST (a distant task, from Debian's dataset-fashion-mnist
package) and no pretraining at all (random weights). For each source and
label budget:

- features: ``DeepFeatureTransformer`` at the cut (``--cut hidden``, the
  hidden fully-connected layer, or ``--cut conv``, the output of the
  convolutions), then a standardised logistic regression;
- frozen: ``FineTunedClassifier(freeze="body")``, a new head trained on the
  frozen body;
- fine-tuned: ``FineTunedClassifier`` with every layer trained, the body at a
  tenth of the head's learning rate (from random weights, this is training
  from scratch).

Then the transferability curve of the Fashion-MNIST network on the target.

    OMP_NUM_THREADS=1 python benchmarks/finetune.py --seeds 3 [--cut conv]
"""

import argparse
import time

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch import NeuralNetClassifier
from torch import nn

from sktransfer.datasets import load_fashion_mnist, load_mnist_5k
from sktransfer.deep import (
    DeepFeatureTransformer,
    FineTunedClassifier,
    SmallCNNFeatures,
    transferability_curve,
)

# Where the features are taken and the new head goes: "3" is the ReLU after
# the hidden fully-connected layer, "0" the output of the convolutions.
CUTS = {"hidden": "3", "conv": "0"}


def _network():
    return nn.Sequential(
        SmallCNNFeatures(1, (28, 28)),
        nn.Linear(768, 100),
        nn.BatchNorm1d(100),
        nn.ReLU(),
        nn.Linear(100, 10),
    )


def _pretrain(X, y, epochs, seed):
    torch.manual_seed(seed)
    net = NeuralNetClassifier(
        _network(),
        criterion=nn.CrossEntropyLoss,  # the network returns logits
        max_epochs=epochs,
        lr=1e-3,
        optimizer=torch.optim.Adam,
        batch_size=64,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    ).fit(X, y)
    return net.module_.eval()


def _epochs(n_rows, batch_size=32, min_steps=300, min_epochs=20):
    """Enough epochs for about ``min_steps`` updates, whatever the budget."""
    return max(min_epochs, int(np.ceil(min_steps / np.ceil(n_rows / batch_size))))


def _linear_probe(network, X_train, y_train, X_test, y_test, seed, cut):
    model = make_pipeline(
        DeepFeatureTransformer(network, layer=cut),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    )
    return model.fit(X_train, y_train).score(X_test, y_test)


def _fine_tune(network, X_train, y_train, X_test, y_test, seed, cut, **params):
    net = FineTunedClassifier(
        network,
        layer=cut,
        early_stopping=False,
        max_epochs=_epochs(len(y_train)),
        random_state=seed,
        verbose=0,
        **params,
    )
    return net.fit(X_train, y_train).score(X_test, y_test)


METHODS = {
    "features + LR": _linear_probe,
    "frozen + new head": lambda *a, **kw: _fine_tune(*a, **kw, freeze="body"),
    "fine-tuned": lambda *a, **kw: _fine_tune(*a, **kw, body_lr_scale=0.1),
}


def run(seeds, budgets, source_epochs, n_fashion, cut):
    X_mnist, y_mnist = load_mnist_5k(return_X_y=True)
    near = y_mnist < 5
    X_target, y_target = X_mnist[~near], y_mnist[~near]
    X_fashion, y_fashion = load_fashion_mnist(return_X_y=True)
    results = {}  # (source, method, budget) -> list of accuracies
    seconds = {}
    curves = []
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(y_target))
        test = order[:1000]
        pool = order[1000:]
        fashion_rows = rng.choice(len(y_fashion), n_fashion, replace=False)
        start = time.perf_counter()
        sources = {
            "MNIST 0-4 (near)": _pretrain(
                X_mnist[near], y_mnist[near], source_epochs, seed
            ),
            "Fashion-MNIST (distant)": _pretrain(
                X_fashion[fashion_rows], y_fashion[fashion_rows], source_epochs, seed
            ),
        }
        torch.manual_seed(seed)
        sources["random init (scratch)"] = _network().eval()
        seconds["pretraining"] = time.perf_counter() - start
        for budget in budgets:
            train = np.concatenate(
                [pool[y_target[pool] == k][:budget] for k in range(5, 10)]
            )
            data = (X_target[train], y_target[train], X_target[test], y_target[test])
            for source, network in sources.items():
                for method, fit_score in METHODS.items():
                    start = time.perf_counter()
                    accuracy = fit_score(network, *data, seed=seed, cut=cut)
                    key = (source, method, budget)
                    results.setdefault(key, []).append(accuracy)
                    seconds[method] = (
                        seconds.get(method, 0) + time.perf_counter() - start
                    )
            print(f"seed {seed}, {budget} labels a class: done", flush=True)
        layers = ["0.2", "0.6", "0", "3", "4"]
        curve_rows = np.concatenate(
            [pool[y_target[pool] == k][:20] for k in range(5, 10)]
        )
        curves.append(
            transferability_curve(
                sources["Fashion-MNIST (distant)"],
                X_target[curve_rows],
                y_target[curve_rows],
                layers=layers,
                cv=5,
            ).feature_scores.mean(axis=1)
        )
    return results, seconds, layers, np.array(curves)


def _table(results, budgets):
    header = "| source | method | " + " | ".join(f"{b} a class" for b in budgets)
    lines = [header + " |", "| --- | --- |" + " --- |" * len(budgets)]
    sources = dict.fromkeys(source for source, _, _ in results)
    for source in sources:
        for method in METHODS:
            cells = []
            for budget in budgets:
                scores = np.array(results[source, method, budget])
                cells.append(f"{scores.mean():.3f} ± {scores.std():.3f}")
            lines.append(f"| {source} | {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budgets", type=int, nargs="+", default=[2, 10, 50, 250])
    parser.add_argument("--source-epochs", type=int, default=10)
    parser.add_argument("--n-fashion", type=int, default=20000)
    parser.add_argument("--cut", choices=sorted(CUTS), default="hidden")
    args = parser.parse_args()
    results, seconds, layers, curves = run(
        args.seeds, args.budgets, args.source_epochs, args.n_fashion, CUTS[args.cut]
    )
    print()
    print(
        "Target: MNIST digits 5-9 (1,000 test images), accuracy over "
        f"{args.seeds} seeds; labels per class in the columns; cut at the "
        f"{args.cut} layer ({CUTS[args.cut]!r})."
    )
    print()
    print(_table(results, args.budgets))
    print()
    print(
        "Seconds, all runs together: "
        + ", ".join(f"{name} {value:.0f} s" for name, value in seconds.items())
    )
    print()
    print(
        "Transferability curve of the Fashion-MNIST network (20 labels a class, "
        "5-fold CV, logistic regression):"
    )
    print()
    print("| layer | " + " | ".join(layers) + " |")
    print("| --- |" + " --- |" * len(layers))
    print("| accuracy | " + " | ".join(f"{v:.3f}" for v in curves.mean(axis=0)) + " |")


if __name__ == "__main__":
    main()

"""Off-the-shelf features, frozen and full fine-tuning, and training from scratch.

The lecture's "freeze or fine-tune?" question, measured: a LeNet-size CNN is
pretrained inside this script on a source task, then transferred to MNIST
digits 5-9 with few labels per class. Sources: MNIST digits 0-4 (a near
task), Fashion-MNIST (a distant task, from Debian's dataset-fashion-mnist
package) and no pretraining at all (random weights). For each source and
label budget:

- features: ``DeepFeatureTransformer`` at the cut (``hidden``, the hidden
  fully-connected layer, and ``conv``, the output of the convolutions, each
  with its own table), then a standardised logistic regression;
- frozen: ``FineTunedClassifier(freeze="body")``, a new head trained on the
  frozen body;
- fine-tuned: ``FineTunedClassifier`` with every layer trained, the body at a
  tenth of the head's learning rate (from random weights, this is training
  from scratch).

The test images are drawn at random, stratified by label. Then the
transferability curve of the Fashion-MNIST network on the target.

    python benchmarks/finetune.py [--seeds 3] [--cuts conv hidden]
        [--fashion-dir DIR] [--output FILE] [--quick]
"""

import argparse
import itertools
import time

import numpy as np
import torch
from _report import Report, add_arguments, progress
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
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
CURVE_LAYERS = ["0.2", "0.6", "0", "3", "4"]


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


def _epochs(n_rows, min_steps, batch_size=32):
    """Epochs for about ``min_steps`` updates; at least 20 (fewer only in a
    quick run)."""
    min_epochs = min(20, min_steps)
    return max(min_epochs, int(np.ceil(min_steps / np.ceil(n_rows / batch_size))))


def _linear_probe(network, X_train, y_train, X_test, y_test, seed, cut, steps):
    model = make_pipeline(
        DeepFeatureTransformer(network, layer=cut),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    )
    return model.fit(X_train, y_train).score(X_test, y_test)


def _fine_tune(network, X_train, y_train, X_test, y_test, seed, cut, steps, **params):
    net = FineTunedClassifier(
        network,
        layer=cut,
        early_stopping=False,
        max_epochs=_epochs(len(y_train), steps),
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


def run(args, cuts):
    X_mnist, y_mnist = load_mnist_5k(return_X_y=True)
    near = y_mnist < 5
    X_target, y_target = X_mnist[~near], y_mnist[~near]
    X_fashion, y_fashion = load_fashion_mnist(
        return_X_y=True, data_home=args.fashion_dir
    )
    results = {}  # (cut, source, method, budget) -> list of accuracies
    seconds = {}
    curves = []
    for seed in range(args.seeds):
        # Test rows at random, stratified; the labelled rows come from the rest.
        pool, test = train_test_split(
            np.arange(len(y_target)),
            test_size=args.n_test,
            stratify=y_target,
            random_state=seed,
        )
        fashion_rows = np.random.default_rng(seed).choice(
            len(y_fashion), min(args.n_fashion, len(y_fashion)), replace=False
        )
        start = time.perf_counter()
        sources = {
            "MNIST 0-4 (near)": _pretrain(
                X_mnist[near], y_mnist[near], args.source_epochs, seed
            ),
            "Fashion-MNIST (distant)": _pretrain(
                X_fashion[fashion_rows],
                y_fashion[fashion_rows],
                args.source_epochs,
                seed,
            ),
        }
        torch.manual_seed(seed)
        sources["random init (scratch)"] = _network().eval()
        seconds["pretraining"] = (
            seconds.get("pretraining", 0) + time.perf_counter() - start
        )
        for budget in args.budgets:
            train = np.concatenate(
                [pool[y_target[pool] == k][:budget] for k in range(5, 10)]
            )
            data = (X_target[train], y_target[train], X_target[test], y_target[test])
            for cut, (source, network), (method, fit_score) in itertools.product(
                cuts, sources.items(), METHODS.items()
            ):
                start = time.perf_counter()
                accuracy = fit_score(
                    network, *data, seed=seed, cut=CUTS[cut], steps=args.steps
                )
                key = (cut, source, method, budget)
                results.setdefault(key, []).append(accuracy)
                seconds[method] = seconds.get(method, 0) + time.perf_counter() - start
            progress(f"seed {seed}, {budget} labels a class: done")
        curve_rows = np.concatenate(
            [pool[y_target[pool] == k][:20] for k in range(5, 10)]
        )
        curves.append(
            transferability_curve(
                sources["Fashion-MNIST (distant)"],
                X_target[curve_rows],
                y_target[curve_rows],
                layers=CURVE_LAYERS,
                cv=StratifiedKFold(5, shuffle=True, random_state=seed),
            ).feature_scores.mean(axis=1)
        )
    return results, seconds, np.array(curves)


def _table(results, cut, budgets):
    rows = []
    sources = dict.fromkeys(source for _, source, _, _ in results)
    for source, method in itertools.product(sources, METHODS):
        cells = []
        for budget in budgets:
            scores = np.array(results[cut, source, method, budget])
            cells.append(f"{scores.mean():.3f} ± {scores.std():.3f}")
        rows.append((source, method, *cells))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budgets", type=int, nargs="+", default=[2, 10, 50, 250])
    parser.add_argument("--source-epochs", type=int, default=10)
    parser.add_argument("--n-fashion", type=int, default=20000)
    parser.add_argument("--n-test", type=int, default=1000)
    parser.add_argument(
        "--steps", type=int, default=300, help="updates of each transferred net"
    )
    parser.add_argument(
        "--cuts", choices=sorted(CUTS), nargs="+", default=["conv", "hidden"]
    )
    parser.add_argument(
        "--fashion-dir",
        default=None,
        help="folder of the Fashion-MNIST IDX files (default: Debian's)",
    )
    args = add_arguments(parser).parse_args(argv)
    if args.quick:
        args.seeds, args.budgets, args.source_epochs = 1, [2], 1
        args.n_fashion, args.n_test, args.steps = 200, 100, 2

    with Report(__doc__.split("\n\n")[0], args) as report:
        results, seconds, curves = run(args, args.cuts)
        report.write(
            f"Target: MNIST digits 5-9; {args.n_test} test images drawn at "
            "random, stratified by label, the labelled images from the others; "
            f"accuracy, mean ± std over {args.seeds} seeds; labels per class in "
            "the columns. A LeNet-size CNN (two conv blocks, a hidden layer of "
            f"100 with batch norm, ten outputs) pretrained {args.source_epochs} "
            "epochs on each source: MNIST digits 0-4 (near), Fashion-MNIST "
            f"({args.n_fashion} training images, distant), or random weights. "
            f"Every transferred net trains about {args.steps} updates (at least "
            "20 epochs), Adam, batches of 32, no early stopping (nothing to hold "
            "out with 2 labels a class); fine-tuned: every layer, the body at a "
            "tenth of the head's learning rate. Settings are fixed; none is "
            "chosen on the test rows.\n"
        )
        for cut in args.cuts:
            report.write(f"## Cut at the {cut} layer ({CUTS[cut]!r})\n")
            report.table(
                ["source", "method", *(f"{b} a class" for b in args.budgets)],
                _table(results, cut, args.budgets),
            )
        report.write(
            "Seconds, all runs together: "
            + ", ".join(f"{name} {value:.0f} s" for name, value in seconds.items())
            + "\n"
        )
        report.write(
            "## Transferability curve of the Fashion-MNIST network\n\n"
            "20 labels a class, 5-fold stratified cross-validation, logistic "
            "regression on each layer's features:\n"
        )
        report.table(
            ["layer", *CURVE_LAYERS],
            [("accuracy", *(f"{v:.3f}" for v in curves.mean(axis=0)))],
        )


if __name__ == "__main__":
    main()

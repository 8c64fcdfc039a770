"""Semi-supervised adaptation on MNIST -> MNIST-M with a few target labels per class.

Tzeng et al.'s domain confusion with soft labels against its ablations and
the usual baselines, all on the same small CNN (Adam, lr 1e-3, batches of
64). The MNIST 5,000 subset gives 2,500 source images and 2,500 target
images (MNIST-M style); half of the target images, unlabeled, join the fit,
and ``k`` of them per class keep their label (k = 1, 3, 10; the sets are
nested); the other half, never seen in training, is the test set of every
row. Every network trains ``pretrain + epochs`` epochs in all:

- source only: the source images alone, no target row;
- source only + AdaBN: the same, with the unlabeled target rows in the fit
  (no target label, lambda = 0): per-domain batch norm, then AdaBN;
- fine-tuned: the source-only network, then ``epochs`` more epochs on the
  labelled target rows alone;
- DANN: :class:`~sktransfer.DANNClassifier`, no target label;
- source + target labels: domain confusion with lambda = nu = 0, that is
  the labelled source and target rows trained jointly (with per-domain
  batch norm and AdaBN, as every row below);
- domain confusion, full, and without confusion (lambda = 0) or without
  soft labels (nu = 0).

Columns: target test accuracy, mean ± std over seeds, per number of target
labels per class (rows without target labels repeat their value), and fit
time as a ratio to source-only training.

    python benchmarks/domain_confusion.py [--seeds 3] [--epochs 15] [--pretrain 5]
        [--threads N]
"""

import argparse
import copy
import datetime
import sys
import time
import warnings

import numpy as np
import torch

from sktransfer.datasets import make_digits_shift
from sktransfer.deep import DANNClassifier
from sktransfer.deep.domain_confusion import DomainConfusionClassifier
from sktransfer.exceptions import NoTargetDomainWarning

_LABELS_PER_CLASS = (1, 3, 10)
_UNLABELED_ROWS = ("source only", "source only + AdaBN", "DANN")


def _timed(fit):
    start = time.perf_counter()
    model = fit()
    return model, time.perf_counter() - start


def _run_seed(seed, epochs, pretrain):
    """Accuracy and seconds of every row for one seed: {(name, k): (acc, s)}."""
    data = make_digits_shift("mnist", "mnist_m", random_state=seed)
    X, y, sd = data.X, data.y, data.sample_domain
    target = np.random.RandomState(seed).permutation(np.flatnonzero(sd < 0))
    test, adapt = np.array_split(target, 2)
    source = np.flatnonzero(sd > 0)
    fit_rows = np.r_[source, adapt]
    unlabeled = np.where(sd < 0, -1, y)

    def score(model):
        return model.score(X[test], y[test])

    net = {"random_state": seed, "verbose": 0}
    dc = {**net, "max_epochs": epochs, "pretrain_epochs": pretrain}
    results = {}
    with warnings.catch_warnings():
        # Source-only and fine-tuning fits have no target row, on purpose.
        warnings.simplefilter("ignore", NoTargetDomainWarning)
        source_only, seconds = _timed(
            lambda: DomainConfusionClassifier(
                lambda_confusion=0.0, nu_soft=0.0, **dc
            ).fit(X[source], y[source])
        )
    results["source only"] = (score(source_only), seconds)
    model, seconds = _timed(
        lambda: DomainConfusionClassifier(lambda_confusion=0.0, nu_soft=0.0, **dc).fit(
            X[fit_rows], unlabeled[fit_rows], sample_domain=sd[fit_rows]
        )
    )
    results["source only + AdaBN"] = (score(model), seconds)
    model, seconds = _timed(
        lambda: DANNClassifier(max_epochs=pretrain + epochs, **net).fit(
            X[fit_rows], unlabeled[fit_rows], sample_domain=sd[fit_rows]
        )
    )
    results["DANN"] = (score(model), seconds)

    variants = {
        "source + target labels": {"lambda_confusion": 0.0, "nu_soft": 0.0},
        "domain confusion": {},
        "domain confusion, lambda = 0": {"lambda_confusion": 0.0},
        "domain confusion, nu = 0": {"nu_soft": 0.0},
    }
    for k in _LABELS_PER_CLASS:
        labelled = np.concatenate([adapt[y[adapt] == c][:k] for c in range(10)])
        y_fit = unlabeled.copy()
        y_fit[labelled] = y[labelled]

        def fine_tune(labelled=labelled):
            model = copy.deepcopy(source_only)
            model.set_params(warm_start=True, max_epochs=epochs)
            return model.fit(X[labelled], y[labelled])

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoTargetDomainWarning)
            model, seconds = _timed(fine_tune)
        results["fine-tuned", k] = (score(model), results["source only"][1] + seconds)
        for name, params in variants.items():
            model, seconds = _timed(
                lambda params=params, y_fit=y_fit: DomainConfusionClassifier(
                    **{**dc, **params}
                ).fit(X[fit_rows], y_fit[fit_rows], sample_domain=sd[fit_rows])
            )
            results[name, k] = (score(model), seconds)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    # Fewer than the estimator's defaults (10 + 30): twelve domain-confusion
    # fits per seed must fit in about 20 minutes on two CPU cores.
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--pretrain", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    defaults = DomainConfusionClassifier()

    print(f"# {__doc__.splitlines()[0]}\n")
    print(f"command: python {' '.join(sys.argv)}  ")
    print(
        f"date: {datetime.date.today()}, {args.seeds} seeds, {args.pretrain} "
        f"source-only pretraining epochs + {args.epochs} epochs (every network "
        f"trains {args.pretrain + args.epochs} epochs in all), batch 64, Adam lr "
        f"1e-3, lambda_confusion={defaults.lambda_confusion}, "
        f"nu_soft={defaults.nu_soft}, temperature={defaults.temperature}, "
        "2,500 source images, 1,250 target images in the fit, 1,250 held out\n",
        flush=True,
    )
    start = time.perf_counter()
    runs = []
    for seed in range(args.seeds):
        runs.append(_run_seed(seed, args.epochs, args.pretrain))
        print(f"<!-- seed {seed}: {time.perf_counter() - start:.0f} s -->", flush=True)

    base = np.mean([run["source only"][1] for run in runs])
    header = " | ".join(f"{k} label{'s' * (k > 1)} / class" for k in _LABELS_PER_CLASS)
    print(f"\n| method | {header} | time / source only |")
    print("| --- |" + " --- |" * (len(_LABELS_PER_CLASS) + 1))
    names = dict.fromkeys(key if isinstance(key, str) else key[0] for key in runs[0])
    for name in names:
        keys = [
            name if name in _UNLABELED_ROWS else (name, k) for k in _LABELS_PER_CLASS
        ]
        cells = []
        for key in keys:
            accuracy = [run[key][0] for run in runs]
            cells.append(f"{np.mean(accuracy):.3f} ± {np.std(accuracy):.3f}")
        seconds = np.mean([run[key][1] for run in runs for key in keys])
        print(f"| {name} | {' | '.join(cells)} | {seconds / base:.2f} |")
    print(f"\n<!-- total: {time.perf_counter() - start:.0f} s -->")


if __name__ == "__main__":
    main()

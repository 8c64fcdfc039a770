"""Semi-supervised adaptation on MNIST -> MNIST-M with a few target labels per class.

Tzeng et al.'s domain confusion with soft labels against its ablations and
the usual baselines, all on the same small CNN (Adam, lr 1e-3, batches of
64). The MNIST 5,000 subset gives 2,500 source images and 2,500 target
images (MNIST-M style). The target images are split at random, stratified
by label, into 1,000 that join the fit (unlabeled but for ``k`` a class,
k = 1, 3, 10, nested), 500 for validation and 1,000 for testing; no row is
in two of them. Every network trains ``pretrain + epochs`` epochs in all.

**Choosing lambda_confusion and nu_soft.** Domain confusion is fitted for
every pair of a grid; the pair with the best validation accuracy, averaged
over seeds and label budgets, is "domain confusion" in the table, and its
ablations set one weight to zero. Test rows choose nothing.

Rows of the table:

- source only: the source images alone, no target row;
- source only + AdaBN: the same, with the unlabeled target rows in the fit
  (no target label, lambda = nu = 0): per-domain batch norm, then AdaBN;
- DANN: :class:`~sktransfer.DANNClassifier`, no target label;
- fine-tuned: the source-only network, then ``epochs`` more epochs on the
  labelled target rows alone;
- source + target labels: domain confusion with lambda = nu = 0, that is
  the labelled source and target rows trained jointly (with per-domain
  batch norm and AdaBN, as every row below);
- domain confusion with the chosen weights, and without confusion
  (lambda = 0) or without soft labels (nu = 0).

Columns: target test accuracy, mean ± std over seeds, per number of target
labels per class (rows without target labels repeat their value), and fit
time as a ratio to source-only training.

    python benchmarks/domain_confusion.py [--seeds 3] [--epochs 15] [--pretrain 5]
        [--threads N] [--output FILE] [--quick]
"""

import argparse
import copy
import itertools
import time
import warnings

import numpy as np
import torch
from _report import Report, add_arguments, progress
from sklearn.model_selection import train_test_split

from sktransfer.datasets import make_digits_shift
from sktransfer.deep import DANNClassifier
from sktransfer.deep.domain_confusion import DomainConfusionClassifier
from sktransfer.exceptions import NoTargetDomainWarning

LAMBDAS = (0.0, 0.01, 0.1, 1.0)
NUS = (0.0, 0.1, 1.0, 10.0)


def _split_target(y, target, n_test, n_valid, seed):
    """Adapt, validation and test rows of the target: disjoint, stratified."""
    rest, test = train_test_split(
        target, test_size=n_test, stratify=y[target], random_state=seed
    )
    adapt, valid = train_test_split(
        rest, test_size=n_valid, stratify=y[rest], random_state=seed
    )
    return adapt, valid, test


def _nested_labels(y, adapt, budgets, seed):
    """For each budget k, k labelled rows a class; each set holds the smaller."""
    order = np.random.RandomState(seed).permutation(adapt)
    return {
        k: np.concatenate([order[y[order] == c][:k] for c in np.unique(y)])
        for k in budgets
    }


def _run_seed(seed, args, budgets, grid):
    """Validation and test accuracy and seconds: {(name, k): (valid, test, s)}."""
    data = make_digits_shift(
        "mnist",
        "mnist_m",
        n_source=args.n_images,
        n_target=args.n_images,
        random_state=seed,
    )
    X, y, sd = data.X, data.y, data.sample_domain
    target = np.flatnonzero(sd < 0)
    n_test, n_valid = round(0.4 * len(target)), round(0.2 * len(target))
    adapt, valid, test = _split_target(y, target, n_test, n_valid, seed)
    source = np.flatnonzero(sd > 0)
    fit_rows = np.r_[source, adapt]
    unlabeled = np.where(sd < 0, -1, y)

    def fit_and_score(fit):
        start = time.perf_counter()
        model = fit()
        seconds = time.perf_counter() - start
        return model, (
            model.score(X[valid], y[valid]),
            model.score(X[test], y[test]),
            seconds,
        )

    net = {"random_state": seed, "verbose": 0}
    dc = {**net, "max_epochs": args.epochs, "pretrain_epochs": args.pretrain}
    results = {}
    with warnings.catch_warnings():
        # Source-only and fine-tuning fits have no target row, on purpose.
        warnings.simplefilter("ignore", NoTargetDomainWarning)
        source_only, results["source only"] = fit_and_score(
            lambda: DomainConfusionClassifier(
                lambda_confusion=0.0, nu_soft=0.0, **dc
            ).fit(X[source], y[source])
        )
    _, results["source only + AdaBN"] = fit_and_score(
        lambda: DomainConfusionClassifier(lambda_confusion=0.0, nu_soft=0.0, **dc).fit(
            X[fit_rows], unlabeled[fit_rows], sample_domain=sd[fit_rows]
        )
    )
    _, results["DANN"] = fit_and_score(
        lambda: DANNClassifier(max_epochs=args.pretrain + args.epochs, **net).fit(
            X[fit_rows], unlabeled[fit_rows], sample_domain=sd[fit_rows]
        )
    )
    for k, labelled in _nested_labels(y, adapt, budgets, seed).items():
        y_fit = unlabeled.copy()
        y_fit[labelled] = y[labelled]

        def fine_tune(labelled=labelled):
            model = copy.deepcopy(source_only)
            model.set_params(warm_start=True, max_epochs=args.epochs)
            return model.fit(X[labelled], y[labelled])

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoTargetDomainWarning)
            _, (v, t, s) = fit_and_score(fine_tune)
        results["fine-tuned", k] = (v, t, results["source only"][2] + s)
        for lam, nu in grid:
            _, results[(lam, nu), k] = fit_and_score(
                lambda lam=lam, nu=nu, y_fit=y_fit: DomainConfusionClassifier(
                    lambda_confusion=lam, nu_soft=nu, **dc
                ).fit(X[fit_rows], y_fit[fit_rows], sample_domain=sd[fit_rows])
            )
        progress(f"seed {seed}, {k} labels a class: done")
    return results, (len(source), len(adapt), len(valid), len(test))


def _mean_std(values):
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    # Fewer than the estimator's defaults (10 + 30): the grid and the
    # baselines must fit in about two hours on two CPU cores.
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--pretrain", type=int, default=5)
    parser.add_argument(
        "--n-images", type=int, default=None, help="images per domain (default: all)"
    )
    parser.add_argument("--threads", type=int, default=None)
    args = add_arguments(parser).parse_args(argv)
    budgets, lambdas, nus = (1, 3, 10), LAMBDAS, NUS
    if args.quick:
        args.seeds, args.epochs, args.pretrain, args.n_images = 1, 1, 1, 200
        budgets, lambdas, nus = (1,), LAMBDAS[:2], NUS[:2]
    if args.threads:
        torch.set_num_threads(args.threads)
    grid = list(itertools.product(lambdas, nus))
    defaults = DomainConfusionClassifier()

    with Report(__doc__.splitlines()[0], args) as report:
        start = time.perf_counter()
        runs = []
        for seed in range(args.seeds):
            results, sizes = _run_seed(seed, args, budgets, grid)
            runs.append(results)
        progress(f"total: {time.perf_counter() - start:.0f} s")
        n_source, n_adapt, n_valid, n_test = sizes
        report.write(
            f"{args.seeds} seeds; {args.pretrain} source-only pretraining epochs "
            f"+ {args.epochs} epochs (every network trains "
            f"{args.pretrain + args.epochs} epochs in all); batch 64, Adam lr "
            f"1e-3, temperature {defaults.temperature} (the estimator's "
            f"default, not tuned here); {n_source} source images; target "
            f"images: {n_adapt} in the fit, {n_valid} for validation, {n_test} "
            "for testing.\n"
        )

        report.write("## Choosing lambda_confusion and nu_soft on validation rows\n")
        valid = {
            cell: np.array([[run[cell, k][0] for k in budgets] for run in runs])
            for cell in grid
        }
        chosen = max(grid, key=lambda cell: valid[cell].mean())
        report.write(
            "Validation accuracy of domain confusion, mean over seeds, per "
            "label budget and averaged over the budgets:\n"
        )
        report.table(
            [
                "lambda_confusion",
                "nu_soft",
                *(f"{k} a class" for k in budgets),
                "mean",
                "",
            ],
            [
                (
                    f"{lam:g}",
                    f"{nu:g}",
                    *(f"{v:.3f}" for v in valid[lam, nu].mean(axis=0)),
                    f"{valid[lam, nu].mean():.3f}",
                    "chosen" if (lam, nu) == chosen else "",
                )
                for lam, nu in grid
            ],
        )
        lam, nu = chosen
        is_default = (lam, nu) == (defaults.lambda_confusion, defaults.nu_soft)
        report.write(
            f"Chosen: lambda_confusion = {lam:g}, nu_soft = {nu:g}; the "
            f"estimator's defaults are lambda_confusion = "
            f"{defaults.lambda_confusion:g}, nu_soft = {defaults.nu_soft:g}"
            f"{' (the same)' if is_default else ''}.\n"
        )

        report.write("## Target test accuracy\n")
        rows = {
            "source only": "source only",
            "source only + AdaBN": "source only + AdaBN",
            "DANN": "DANN",
            "fine-tuned": "fine-tuned",
            "source + target labels": (0.0, 0.0),
            f"domain confusion (lambda = {lam:g}, nu = {nu:g})": chosen,
            f"domain confusion, lambda = 0 (nu = {nu:g})": (0.0, nu),
            f"domain confusion, nu = 0 (lambda = {lam:g})": (lam, 0.0),
        }
        base = np.mean([run["source only"][2] for run in runs])
        table = []
        for name, key in rows.items():
            keys = [
                key if isinstance(key, str) and key != "fine-tuned" else (key, k)
                for k in budgets
            ]
            table.append(
                (
                    name,
                    *(_mean_std([run[cell][1] for run in runs]) for cell in keys),
                    f"{np.mean([run[c][2] for run in runs for c in keys]) / base:.2f}",
                )
            )
        report.table(
            [
                "method",
                *(f"{k} label{'s' * (k > 1)} / class" for k in budgets),
                "time / source only",
            ],
            table,
        )
        report.write(
            "Rows without target labels (source only, + AdaBN, DANN) repeat "
            "their value in each column. Fine-tuned's time includes the "
            "source-only fit."
        )


if __name__ == "__main__":
    main()

"""Every deep domain-adaptation net on real digit pairs, side by side, over seeds.

Classification rows: source only, subspace alignment and CORAL (on the
source-only network's features), each net of
:data:`sktransfer.demo.DEEP_METHODS` (DANN, CDAN, CDAN+E, MCC, Deep CORAL,
DAN and two combinations, in the settings a user would keep) and train on
target; the same small CNN, Adam, epochs and batch size for every network
(:func:`sktransfer.demo.adaptation_table`). Half of each pair's target rows,
drawn at random and stratified by label, join the fit unlabeled; the other
half is the test set of every row. Columns: target test accuracy (mean ± std
over seeds), share of the source-only -> train-on-target gap closed (of the
means), and fit time as a ratio to source-only training.

Regression rows: the same networks regress the digit's value (0 to 9) on
MNIST -> MNIST-M, scored by R^2 on the held-out target half: source only,
the regressors of DANN, Deep CORAL and DAN with their defaults, and train on
target.

    python benchmarks/deep_adaptation.py [--seeds 3] [--epochs 30] [--n-jobs 2]
        [--output FILE] [--quick]
"""

import argparse
import os
import time

import numpy as np
from _regressors import compare_regressors
from _report import Report, add_arguments, progress
from joblib import Parallel, delayed

from sktransfer import datasets
from sktransfer.demo import (
    ADAPTATION_PAIRS,
    DEEP_METHODS,
    adaptation_table,
    gap_closed,
    split_target_rows,
)

REGRESSION_PAIR = ("MNIST -> MNIST-M", "digit value")


def _classification(pair, seed, n_images, epochs):
    import torch

    torch.set_num_threads(1)
    source, target = ADAPTATION_PAIRS[pair]
    table = adaptation_table(
        source,
        target,
        methods=tuple(DEEP_METHODS),
        n_source=n_images,
        n_target=n_images,
        max_epochs=epochs,
        random_state=seed,
        keep_features=False,
        progress=lambda message: None,
    )
    return pair, seed, table


def _regression(seed, n_images, epochs):
    import torch

    torch.set_num_threads(1)
    data = datasets.make_digits_shift(
        *ADAPTATION_PAIRS[REGRESSION_PAIR[0]],
        n_source=n_images,
        n_target=n_images,
        random_state=seed,
    )
    adapt, test = split_target_rows(data.y, data.sample_domain, seed)
    rows = compare_regressors(
        data.X,
        data.y.astype(np.float64),
        data.sample_domain,
        adapt,
        test,
        max_epochs=epochs,
        random_state=seed,
        verbose=0,
    )
    return REGRESSION_PAIR, seed, rows


def _summary(tables, score="accuracy"):
    """Rows of the report: mean ± std, gap closed, time ratio, per method."""
    names = list(tables[0])
    values = {name: [t[name][score] for t in tables] for name in names}
    seconds = {name: np.mean([t[name]["seconds"] for t in tables]) for name in names}
    low, high = np.mean(values["source only"]), np.mean(values["train on target"])
    return [
        (
            name,
            f"{np.mean(v):.3f} ± {np.std(v):.3f}",
            f"{gap_closed(np.mean(v), low, high):.0%}",
            f"{seconds[name] / seconds['source only']:.2f}",
        )
        for name, v in values.items()
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--n-images", type=int, default=None, help="images per domain (default: all)"
    )
    args = add_arguments(parser).parse_args(argv)
    if args.quick:
        args.seeds, args.epochs, args.n_images = 1, 1, 100
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    with Report(__doc__.splitlines()[0], args) as report:
        report.write(
            f"Seeds: {args.seeds}; epochs: {args.epochs}; batch 64, Adam lr 1e-3; "
            f"images of each domain: {args.n_images or 'all'} (MNIST pairs: "
            "disjoint halves of the 5,000), half of the target rows held out for "
            "testing (random, stratified). No setting is chosen by this script: "
            "the nets' defaults (chosen on validation rows apart from these test "
            "rows by benchmarks/deep_adaptation_defaults.py) and the "
            "combinations of sktransfer.demo.DEEP_METHODS; SA with 40 "
            f"components. {args.n_jobs} processes of one thread each: time "
            "ratios compare fits of one process.\n"
        )
        tasks = [
            delayed(_classification)(pair, seed, args.n_images, args.epochs)
            for pair in ADAPTATION_PAIRS
            for seed in range(args.seeds)
        ] + [
            delayed(_regression)(seed, args.n_images, args.epochs)
            for seed in range(args.seeds)
        ]
        tables = {}
        start = time.perf_counter()
        for pair, seed, table in Parallel(
            n_jobs=args.n_jobs, return_as="generator_unordered"
        )(tasks):
            progress(f"{pair} seed {seed}: {time.perf_counter() - start:.0f} s")
            tables.setdefault(pair, []).append(table)
        rows = [
            (pair, *row) for pair in ADAPTATION_PAIRS for row in _summary(tables[pair])
        ]
        report.table(
            ["pair", "method", "target accuracy", "gap closed", "time / source only"],
            rows,
        )
        report.write(
            f"\nRegression, {REGRESSION_PAIR[0]}, the {REGRESSION_PAIR[1]} as "
            "target: R^2 on the held-out target half.\n"
        )
        report.table(
            ["method", "target R^2", "gap closed", "time / source only"],
            _summary(tables[REGRESSION_PAIR], score="score"),
        )


if __name__ == "__main__":
    main()

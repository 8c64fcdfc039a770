"""The deep regressors on a synthetic pair made for alignment, over seeds.

:func:`sktransfer.datasets.make_nuisance_shift`: ``y = sin(2 x_0)``, with
four nuisance features three times wider in the target than in the source
(150 source rows, 300 target rows, half of them held out for testing). The
same MLP (two layers of 100, batch norm) trained on the source rows only,
with each regressor's adaptation term at its defaults, and on the labelled
target half; R^2 on the held-out target rows, mean ± std over seeds, and fit
time as a ratio to source only. The real-image regression pair (the digit's
value on MNIST -> MNIST-M) is in ``deep_adaptation.md``.

    python benchmarks/deep_regression.py [--seeds 10] [--epochs 30]
        [--output FILE] [--quick]
"""

import argparse
import time
import warnings

import numpy as np
from _report import Report, add_arguments, progress

from sktransfer.datasets import make_nuisance_shift
from sktransfer.deep import DANNRegressor, DANRegressor, DeepCORALRegressor
from sktransfer.demo import gap_closed
from sktransfer.exceptions import NoTargetDomainWarning

METHODS = {
    "DANN": DANNRegressor,
    "Deep CORAL": DeepCORALRegressor,
    "DAN": DANRegressor,
}


def _one_seed(seed, epochs):
    X, y, sd = make_nuisance_shift(150, 300, return_X_y=True, random_state=seed)
    source = np.flatnonzero(sd > 0)
    adapt, test = np.arange(150, 300), np.arange(300, 450)
    fit_rows = np.r_[source, adapt]
    y_fit = np.where(sd[fit_rows] > 0, y[fit_rows], np.nan)
    # lr 0.01: the MLP on five features learns in 30 epochs (lr 1e-3 does not).
    net = {"lr": 0.01, "max_epochs": epochs, "random_state": seed, "verbose": 0}
    fits = {"source only": lambda: DANNRegressor(**net).fit(X[source], y[source])}
    for name, cls in METHODS.items():
        fits[name] = lambda cls=cls: cls(**net).fit(
            X[fit_rows], y_fit, sample_domain=sd[fit_rows]
        )
    fits["train on target"] = lambda: DANNRegressor(**net).fit(X[adapt], y[adapt])
    rows = {}
    for name, fit in fits.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoTargetDomainWarning)
            model = fit()
        rows[name] = (model.score(X[test], y[test]), time.perf_counter() - start)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=30)
    args = add_arguments(parser).parse_args(argv)
    if args.quick:
        args.seeds, args.epochs = 1, 1

    with Report(__doc__.splitlines()[0], args) as report:
        report.write(
            f"Seeds: {args.seeds}; epochs: {args.epochs}; batch 64, Adam lr 0.01; "
            "every regressor at its defaults, none chosen by this script.\n"
        )
        tables = []
        for seed in range(args.seeds):
            tables.append(_one_seed(seed, args.epochs))
            progress(f"seed {seed} done")
        names = list(tables[0])
        scores = {name: [t[name][0] for t in tables] for name in names}
        seconds = {name: np.mean([t[name][1] for t in tables]) for name in names}
        low = np.mean(scores["source only"])
        high = np.mean(scores["train on target"])
        wins = {
            name: sum(
                s > base
                for s, base in zip(scores[name], scores["source only"], strict=True)
            )
            for name in names
        }
        report.table(
            [
                "method",
                "target R^2",
                "gap closed",
                "seeds above source only",
                "time / source only",
            ],
            [
                (
                    name,
                    f"{np.mean(v):.3f} ± {np.std(v):.3f}",
                    f"{gap_closed(np.mean(v), low, high):.0%}",
                    f"{wins[name]} of {len(v)}",
                    f"{seconds[name] / seconds['source only']:.2f}",
                )
                for name, v in scores.items()
            ],
        )


if __name__ == "__main__":
    main()

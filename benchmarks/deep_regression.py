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

import numpy as np
from _regressors import compare_regressors
from _report import Report, add_arguments, progress

from sktransfer.datasets import make_nuisance_shift
from sktransfer.demo import gap_closed


def _one_seed(seed, epochs):
    X, y, sd = make_nuisance_shift(150, 300, return_X_y=True, random_state=seed)
    # lr 0.01: the MLP on five features learns in 30 epochs (lr 1e-3 does not).
    return compare_regressors(
        X,
        y,
        sd,
        np.arange(150, 300),
        np.arange(300, 450),
        lr=0.01,
        max_epochs=epochs,
        random_state=seed,
        verbose=0,
    )


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
        scores = {name: [t[name]["score"] for t in tables] for name in names}
        seconds = {
            name: np.mean([t[name]["seconds"] for t in tables]) for name in names
        }
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

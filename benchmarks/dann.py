"""The lecture's domain-adaptation table on real digit pairs, over several seeds.

Rows: source only, subspace alignment and CORAL (on the source-only
network's features), DANN and train on target; the same small CNN, Adam,
epochs and batch size for every network (:func:`sktransfer.demo.adaptation_table`).
Half of each domain pair's target rows, drawn at random and stratified by
label, join the fit unlabeled; the other half is the test set of every row.
Columns: target test accuracy (mean ± std over seeds), share of the
source-only -> train-on-target gap closed (of the means), and fit time as a
ratio to source-only training.

    python benchmarks/dann.py [--seeds 3] [--epochs 30] [--output FILE] [--quick]
"""

import argparse
import time

import numpy as np
from _report import Report, add_arguments, progress

from sktransfer.demo import ADAPTATION_PAIRS, adaptation_table, gap_closed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument(
        "--n-images", type=int, default=None, help="images per domain (default: all)"
    )
    args = add_arguments(parser).parse_args(argv)
    if args.quick:
        args.seeds, args.epochs, args.n_images = 1, 1, 100

    with Report(__doc__.splitlines()[0], args) as report:
        report.write(
            f"Seeds: {args.seeds}; epochs: {args.epochs}; batch 64, Adam lr 1e-3; "
            f"images of each domain: {args.n_images or 'all'} (MNIST pairs: "
            "disjoint halves of the 5,000), half of the target rows held out for "
            "testing (random, stratified). Settings are fixed, none is chosen "
            "by this script: the estimators' defaults (DANN: the paper's "
            "schedule up to lambda_max = 1), SA with 40 components.\n"
        )
        rows = []
        for pair, (source, target) in ADAPTATION_PAIRS.items():
            start = time.perf_counter()
            tables = []
            for seed in range(args.seeds):
                tables.append(
                    adaptation_table(
                        source,
                        target,
                        n_source=args.n_images,
                        n_target=args.n_images,
                        max_epochs=args.epochs,
                        random_state=seed,
                        progress=progress,
                    )
                )
            progress(f"{pair}: {time.perf_counter() - start:.0f} s")
            accuracy = {
                name: [t[name]["accuracy"] for t in tables] for name in tables[0]
            }
            seconds = {
                name: np.mean([t[name]["seconds"] for t in tables])
                for name in tables[0]
            }
            low = np.mean(accuracy["source only"])
            high = np.mean(accuracy["train on target"])
            for name, values in accuracy.items():
                rows.append(
                    (
                        pair,
                        name,
                        f"{np.mean(values):.3f} ± {np.std(values):.3f}",
                        f"{gap_closed(np.mean(values), low, high):.0%}",
                        f"{seconds[name] / seconds['source only']:.2f}",
                    )
                )
        report.table(
            ["pair", "method", "target accuracy", "gap closed", "time / source only"],
            rows,
        )


if __name__ == "__main__":
    main()

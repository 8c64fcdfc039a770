"""Domain-shift measures of every data-set pair, over several seeds.

Prints one Markdown table: per pair, the proxy A-distance, the MMD^2 and the
permutation p-value of the MMD test, and what the shift costs a linear model
(target accuracy trained on source rows vs trained on target rows), as mean
and standard deviation over seeds. Seconds are per pair and seed, to compare
pairs with each other on one machine.

    python benchmarks/shift_measures.py [--seeds 5] [--n-images 1000]
        [--output FILE] [--quick]
"""

import argparse

import numpy as np
from _report import Report, add_arguments, progress

from sktransfer.demo import SHIFT_PAIRS, measure_shift

COLUMNS = (
    "proxy_a_distance",
    "mmd2",
    "mmd_pvalue",
    "source_only",
    "train_on_target",
    "seconds",
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--n-images", type=int, default=1000)
    parser.add_argument("--permutations", type=int, default=1000)
    args = add_arguments(parser).parse_args(argv)
    if args.quick:
        args.seeds, args.n_images, args.permutations = 1, 60, 20

    with Report(__doc__.splitlines()[0], args) as report:
        report.write(
            f"Mean ± std over {args.seeds} seeds; {args.permutations} permutations; "
            f"{args.n_images} rows per image domain. source_only: a standardised "
            "logistic regression trained on the source rows, scored on every "
            "target row; train_on_target: the same model, 5-fold stratified "
            "cross-validation on the target rows.\n"
        )
        rows = []
        for pair, build in SHIFT_PAIRS.items():
            reports = [
                measure_shift(
                    pair,
                    build(seed, args.n_images),
                    n_permutations=args.permutations,
                    random_state=seed,
                )
                for seed in range(args.seeds)
            ]
            progress(f"{pair}: done")
            cells = []
            for column in COLUMNS:
                values = np.array([getattr(r, column) for r in reports])
                cells.append(f"{values.mean():.3g} ± {values.std():.2g}")
            sizes = [
                f"{np.mean([getattr(r, n) for r in reports]):.0f}"
                for n in ("n_source", "n_target")
            ]
            rows.append((pair, *sizes, *cells))
        report.table(["pair", "n_s", "n_t", *COLUMNS], rows)


if __name__ == "__main__":
    main()

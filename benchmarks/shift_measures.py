"""Domain-shift measures of every data-set pair, over several seeds.

Prints one Markdown table: per pair, the proxy A-distance, the MMD^2 and the
permutation p-value of the MMD test, and what the shift costs a linear model
(target accuracy trained on source rows vs trained on target rows), as mean
and standard deviation over seeds. Seconds are per pair and seed, to compare
pairs with each other on one machine.

    python benchmarks/shift_measures.py [--seeds 5] [--n-images 1000]
"""

import argparse
import datetime
import platform
import sys

import numpy as np

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
    args = parser.parse_args(argv)

    print(f"# {__doc__.splitlines()[0]}\n")
    print(f"command: python {' '.join(sys.argv)}  ")
    print(
        f"date: {datetime.date.today()}, {platform.processor() or platform.machine()}, "
        f"{args.seeds} seeds, {args.permutations} permutations, "
        f"{args.n_images} rows per image domain\n"
    )
    header = "| pair | n_s | n_t | " + " | ".join(COLUMNS) + " |"
    print(header)
    print("|" + " --- |" * (3 + len(COLUMNS)))
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
        cells = []
        for column in COLUMNS:
            values = np.array([getattr(r, column) for r in reports])
            cells.append(f"{values.mean():.3g} ± {values.std():.2g}")
        sizes = [
            f"{np.mean([getattr(r, n) for r in reports]):.0f}"
            for n in ("n_source", "n_target")
        ]
        print(f"| {pair} | {' | '.join(sizes)} | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()

"""The lecture's domain-adaptation table on real digit pairs, over several seeds.

Rows: source only, subspace alignment and CORAL (on the source-only
network's features), DANN and train on target; the same small CNN, Adam,
epochs and batch size for every network (:func:`sktransfer.demo.adaptation_table`).
Columns: target accuracy (mean ± std over seeds), share of the
source-only -> train-on-target gap closed (of the means), and fit time as a
ratio to source-only training.

    python benchmarks/dann.py [--seeds 3] [--epochs 30]
"""

import argparse
import datetime
import sys
import time

import numpy as np

from sktransfer.demo import ADAPTATION_PAIRS, adaptation_table, gap_closed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args(argv)

    print(f"# {__doc__.splitlines()[0]}\n")
    print(f"command: python {' '.join(sys.argv)}  ")
    print(
        f"date: {datetime.date.today()}, {args.seeds} seeds, {args.epochs} epochs, "
        "batch 64, Adam lr 1e-3, all images of each domain (MNIST pairs: disjoint "
        "halves of the 5,000), half of the target rows held out for testing\n"
    )
    print("| pair | method | target accuracy | gap closed | time / source only |")
    print("| --- | --- | --- | --- | --- |")
    for pair, (source, target) in ADAPTATION_PAIRS.items():
        start = time.perf_counter()
        tables = [
            adaptation_table(
                source,
                target,
                max_epochs=args.epochs,
                random_state=seed,
                progress=lambda message: None,
            )
            for seed in range(args.seeds)
        ]
        accuracy = {name: [t[name]["accuracy"] for t in tables] for name in tables[0]}
        seconds = {
            name: np.mean([t[name]["seconds"] for t in tables]) for name in tables[0]
        }
        low = np.mean(accuracy["source only"])
        high = np.mean(accuracy["train on target"])
        for name, values in accuracy.items():
            closed = gap_closed(np.mean(values), low, high)
            print(
                f"| {pair} | {name} | {np.mean(values):.3f} ± {np.std(values):.3f} "
                f"| {closed:.0%} | {seconds[name] / seconds['source only']:.2f} |",
                flush=True,
            )
        print(f"<!-- {pair}: {time.perf_counter() - start:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()

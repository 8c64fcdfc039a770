"""Choosing AdaptationSearchCV's margin on the development pairs, other seeds.

The margin ``n_se`` (standard errors of the per-fold gain that a candidate
must clear to replace the source-only model) decides how often the search
adapts. It is chosen here, on the development pairs of
``natural_shift.py`` only and on seeds that script does not report
(from 100), never on the held-out pairs. Each search is fitted once; the
pick under every margin is read off its report (the candidates' gains and
standard errors, the eligible ones), and its target score is that of the
candidate fitted alone on the same rows.

    python benchmarks/natural_shift_defaults.py [--seeds 3] [--first-seed 100]
        [--output FILE] [--quick]
"""

import argparse
import warnings

import numpy as np
from _report import Report, add_arguments, progress
from natural_shift import DEVELOPMENT, pairs, run_pair

MARGINS = (0.0, 0.5, 1.0, 2.0, 3.0)


def pick(report, n_se):
    """The candidate the search would refit with the margin ``n_se``."""
    eligible = [
        c for c in report.candidates if c.eligible and np.isfinite(c.mean_score)
    ]
    best = max(eligible, key=lambda c: c.mean_score)
    if best.name != report.baseline and best.gain > n_se * best.gain_se:
        return best.name
    return report.baseline


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=100)
    parser.add_argument("--max-rows", type=int, default=3000)
    add_arguments(parser)
    args = parser.parse_args(argv)
    chosen = [p for p in pairs() if p[0] in DEVELOPMENT]
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    if args.quick:
        chosen, seeds = chosen[5:6], range(args.first_seed, args.first_seed + 1)
    warnings.filterwarnings("ignore")
    changes = {
        task: {m: [] for m in MARGINS} for task in ("classification", "regression")
    }
    with Report(__doc__.splitlines()[0], args) as report:
        report.write(
            f"Development pairs ({', '.join(sorted(DEVELOPMENT))}), seeds "
            f"{seeds.start} to {seeds.stop - 1}. Change of the target score "
            "against source only (points of accuracy, R^2), mean over the "
            "pairs of the mean over seeds, and the worst pair."
        )
        report.write()
        for table, pair, task, load in chosen:
            per_margin = {m: [] for m in MARGINS}
            for seed in seeds:
                progress(f"{table} {pair} seed {seed}")
                scores, _, search_report = run_pair(load, task, seed, args.max_rows)
                for margin in MARGINS:
                    name = pick(search_report, margin)
                    per_margin[margin].append(scores[name] - scores["source only"])
            for margin in MARGINS:
                changes[task][margin].append(float(np.mean(per_margin[margin])))
        for task, by_margin in changes.items():
            if not by_margin[MARGINS[0]]:
                continue
            unit, fmt = (100, "{:+.1f}") if task == "classification" else (1, "{:+.3f}")
            report.write(f"## {task.capitalize()} ({len(by_margin[MARGINS[0]])} pairs)")
            report.write()
            report.table(
                ["n_se", "mean change", "worst change"],
                [
                    [
                        f"{margin:g}",
                        fmt.format(unit * np.mean(values)),
                        fmt.format(unit * np.min(values)),
                    ]
                    for margin, values in by_margin.items()
                ],
            )
            report.write()


if __name__ == "__main__":
    main()

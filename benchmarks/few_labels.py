"""A few target labels: learning curves on natural shifts, 10 to 200 labelled rows.

The natural pairs of ``natural_shift.py`` (cities, hospitals, nationality,
kinds of text; model year, continents, region and era, countries). For
every pair, number of labels and seed, that many target rows are drawn at
random (stratified for classification) and keep their labels; of the other
target rows half are test rows that no fit sees and half enter the fit
unlabeled. Where rows are not independent (a country's years, a woman's
interviews) the target's groups are split in half first: the test rows are
one half, the labelled rows are drawn from the other (all of it when it
holds fewer rows), and its remaining rows enter the fit unlabeled. The
preprocessing of ``natural_shift.py`` (imputation, standardisation, one-hot
categories; sentence vectors for texts) is fitted on the fit's rows,
without labels.

Rows per number of labels: the three baselines a user has without the
package (source only, target only, pooled: one model on the source and
target rows together), each method of ``sktransfer.supervised`` at its
defaults around a logistic regression (ridge for regression; continued
boosting around scikit-learn's HistGradientBoosting, whose own source-only
model is reported beside it), and with ``--search``
:class:`~sktransfer.model_selection.AdaptationSearchCV` scoring its
candidates on the few labels (about three quarters of the run's time). With
``--adapt``, ADAPT's implementations of the same methods run on the same
rows in their own environment (``make adapt-env``).

The development pairs of ``natural_shift.py`` (weather, heart disease, fuel
economy, life expectancy) are where the recommended default was chosen; the
other tables are reported as held out.

    python benchmarks/few_labels.py [--seeds 3] [--max-rows 1500]
        [--labels 10 25 50 100 200] [--search] [--adapt] [--figure PATH]
        [--output FILE] [--quick]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _report import Report, add_arguments, progress
from joblib import Parallel, delayed
from natural_shift import (
    DEVELOPMENT,
    _categories_as_text,
    _embedded,
    pairs,
    preprocessing,
)
from sklearn.base import clone
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from sktransfer.model_selection import AdaptationSearchCV
from sktransfer.supervised import (
    BalancedWeightingClassifier,
    BalancedWeightingRegressor,
    ContinuedBoostingClassifier,
    ContinuedBoostingRegressor,
    FeatureAugmentedClassifier,
    FeatureAugmentedRegressor,
    PREDClassifier,
    PREDRegressor,
    RegularTransferClassifier,
    RegularTransferRegressor,
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
    TwoStageTrAdaBoostRegressor,
)

BASELINES = ("source only", "target only", "pooled")
HGB_BASELINE = "source only (HGB)"
ADAPT_PYTHON = Path(__file__).resolve().parent.parent / ".venv-adapt" / "bin" / "python"
ADAPT_RUNNER = Path(__file__).resolve().parent / "_adapt_runner.py"
# ADAPT's counterparts of the methods, by the names both sides use.
ADAPT_METHODS = {
    "classification": [
        "feature augmentation",
        "TrAdaBoost",
        "regular transfer",
        "PRED",
        "balanced weighting",
    ],
    "regression": [
        "feature augmentation",
        "TrAdaBoostR2",
        "two-stage TrAdaBoostR2",
        "regular transfer",
        "PRED",
        "balanced weighting",
    ],
}


def _linear(task):
    if task == "classification":
        return LogisticRegression(max_iter=1000)
    return Ridge()


def methods(task, seed):
    """Each method at its defaults, by name, around the linear model."""
    linear = _linear(task)
    if task == "classification":
        return {
            "feature augmentation": FeatureAugmentedClassifier(clone(linear)),
            "balanced weighting": BalancedWeightingClassifier(
                clone(linear), random_state=seed
            ),
            "TrAdaBoost": TrAdaBoostClassifier(clone(linear), random_state=seed),
            "regular transfer": RegularTransferClassifier(
                clone(linear), random_state=seed
            ),
            "PRED": PREDClassifier(clone(linear)),
            "continued boosting": ContinuedBoostingClassifier(random_state=seed),
        }
    return {
        "feature augmentation": FeatureAugmentedRegressor(clone(linear)),
        "balanced weighting": BalancedWeightingRegressor(
            clone(linear), random_state=seed
        ),
        "TrAdaBoostR2": TrAdaBoostRegressor(clone(linear), random_state=seed),
        "two-stage TrAdaBoostR2": TwoStageTrAdaBoostRegressor(
            clone(linear), random_state=seed
        ),
        "regular transfer": RegularTransferRegressor(clone(linear), random_state=seed),
        "PRED": PREDRegressor(clone(linear)),
        "continued boosting": ContinuedBoostingRegressor(random_state=seed),
    }


def _load(load):
    data = load()
    if list(data.X.columns) == ["text"]:
        X = _embedded(list(data.X["text"]))
    else:
        X = _categories_as_text(data.X)
    groups = data.get("groups")
    return (
        X,
        np.asarray(data.y),
        data.sample_domain,
        (None if groups is None else np.asarray(groups)),
    )


def _draw(target, y, groups, n_labels, task, seed):
    """Labelled, unlabeled and test rows of the target.

    Where rows are grouped, the groups are split in two first: the test
    rows are the rows of one half, and the labelled rows are drawn from the
    other, so that no test row shares a group with a fitted row.
    """
    if groups is not None:
        fit, test = next(
            GroupShuffleSplit(1, test_size=0.5, random_state=seed).split(
                target, groups=groups[target]
            )
        )
        fit, test = target[fit], target[test]
        drawn = np.random.default_rng(seed).permutation(fit)
        return np.sort(drawn[:n_labels]), np.sort(drawn[n_labels:]), test
    stratify = y[target] if task == "classification" else None
    labelled, rest = train_test_split(
        target, train_size=n_labels, stratify=stratify, random_state=seed
    )
    stratify = y[rest] if task == "classification" else None
    unlabeled, test = train_test_split(
        rest, test_size=0.5, stratify=stratify, random_state=seed
    )
    return labelled, unlabeled, test


def run_draw(X, y, domain, groups, task, n_labels, seed, max_rows, search, adapt):
    """Every method on one draw of ``n_labels`` target labels."""
    # In a joblib worker the main process's filters do not hold.
    warnings.filterwarnings("ignore")
    rng = np.random.default_rng(seed)
    source = np.flatnonzero(domain > 0)
    target = np.flatnonzero(domain < 0)
    if max_rows and source.size > max_rows:
        source = np.sort(rng.choice(source, max_rows, replace=False))
    labelled, unlabeled, test = _draw(target, y, groups, n_labels, task, seed)
    rows = np.r_[source, labelled, unlabeled]
    missing = -1 if task == "classification" else np.nan
    y_fit = y[rows].astype(int if task == "classification" else float)
    y_fit[source.size + labelled.size :] = missing
    sample_domain = np.r_[
        np.ones(source.size, int), -np.ones(labelled.size + unlabeled.size, int)
    ]
    # The preprocessing is fitted on the fit's rows, labels unread.
    prep = preprocessing().fit(X.iloc[rows])
    Z, Z_test, y_test = (
        prep.transform(X.iloc[rows]),
        prep.transform(X.iloc[test]),
        y[test],
    )
    fitted = slice(0, source.size + labelled.size)
    metric = accuracy_score if task == "classification" else r2_score
    scores, seconds = {}, {}

    def run(name, fit, predict):
        start = time.perf_counter()
        model = fit()
        seconds[name] = time.perf_counter() - start
        scores[name] = metric(y_test, predict(model))

    linear = _linear(task)
    is_source = np.r_[np.ones(source.size, bool), np.zeros(labelled.size, bool)]
    Z_lab, y_lab = Z[fitted], y_fit[fitted]
    run(
        "source only",
        lambda: clone(linear).fit(Z_lab[is_source], y_lab[is_source]),
        lambda m: m.predict(Z_test),
    )
    if task == "classification" and np.unique(y_lab[~is_source]).size < 2:
        # Ten labels of a rare class may hold one class: a constant model.
        scores["target only"] = metric(
            y_test, np.full(y_test.shape, y_lab[~is_source][0])
        )
        seconds["target only"] = 0.0
    else:
        run(
            "target only",
            lambda: clone(linear).fit(Z_lab[~is_source], y_lab[~is_source]),
            lambda m: m.predict(Z_test),
        )
    run("pooled", lambda: clone(linear).fit(Z_lab, y_lab), lambda m: m.predict(Z_test))
    for name, method in methods(task, seed).items():
        run(
            name,
            lambda m=method: clone(m).fit(Z, y_fit, sample_domain=sample_domain),
            lambda m: m.predict(Z_test),
        )
    hgb = (
        HistGradientBoostingClassifier
        if task == "classification"
        else HistGradientBoostingRegressor
    )(random_state=seed)
    run(
        HGB_BASELINE,
        lambda: clone(hgb).fit(Z_lab[is_source], y_lab[is_source]),
        lambda m: m.predict(Z_test),
    )
    if search:
        run(
            "AdaptationSearchCV",
            lambda: AdaptationSearchCV(clone(linear), random_state=seed).fit(
                Z, y_fit, sample_domain=sample_domain
            ),
            lambda m: m.predict(Z_test),
        )
    split = None
    if adapt:
        split = {
            "X_source": Z_lab[is_source],
            "y_source": y_lab[is_source],
            "X_target_train": Z_lab[~is_source],
            "y_target_train": y_lab[~is_source],
            "X_test": Z_test,
            "y_test": y_test,
            "task": np.array(task),
            "methods": np.array(ADAPT_METHODS[task]),
            "seed": np.array(seed),
        }
    return scores, seconds, split


def run_adapt(draws, task):
    """ADAPT's methods on the draws' rows, in its own environment, in one call.

    Adds ``"ADAPT <method>"`` to each draw's scores and seconds.
    """
    if not ADAPT_PYTHON.exists():
        raise SystemExit(
            "--adapt needs ADAPT's environment: run `make adapt-env` first."
        )
    metric = accuracy_score if task == "classification" else r2_score
    with tempfile.TemporaryDirectory() as tmp:
        given, out = Path(tmp) / "in.npz", Path(tmp) / "out.npz"
        arrays = {"n_splits": np.array(len(draws))}
        for i, (_, _, split) in enumerate(draws):
            arrays.update({f"{i}/{k}": v for k, v in split.items() if k != "y_test"})
        np.savez(given, **arrays)
        subprocess.run(
            [str(ADAPT_PYTHON), str(ADAPT_RUNNER), str(given), str(out)],
            check=True,
            env=os.environ,
            stdout=sys.stderr,
        )
        with np.load(out, allow_pickle=False) as result:
            result = dict(result)
    for i, (scores, seconds, split) in enumerate(draws):
        for method, error, fit_time in zip(
            result[f"{i}/methods"],
            result[f"{i}/errors"],
            result[f"{i}/fit_times"],
            strict=True,
        ):
            name = f"ADAPT {method}"
            if error:
                progress(f"{name} failed: {error}")
                scores[name], seconds[name] = np.nan, np.nan
                continue
            predictions = result[f"{i}/predictions/{method}"]
            scores[name] = metric(split["y_test"], predictions)
            seconds[name] = float(fit_time)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-rows", type=int, default=1500)
    parser.add_argument("--labels", type=int, nargs="+", default=[10, 25, 50, 100, 200])
    parser.add_argument("--search", action="store_true")
    parser.add_argument("--adapt", action="store_true")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--tables", nargs="+", help="only these tables (names as in the results)"
    )
    parser.add_argument("--figure", help="write the curves here (PNG)")
    add_arguments(parser)
    args = parser.parse_args(argv)
    all_pairs = pairs()
    if args.tables:
        all_pairs = [p for p in all_pairs if p[0] in args.tables]
    seeds, counts = range(args.seeds), args.labels
    if args.quick:
        all_pairs = [all_pairs[5], all_pairs[17]]
        seeds, counts = range(1), [10, 25]
    warnings.filterwarnings("ignore")
    with Report(__doc__.splitlines()[0], args) as report:
        report.write(
            f"{len(seeds)} seeds; at most {args.max_rows} source rows drawn at "
            "random; labelled target rows drawn at random (stratified for "
            "classification); accuracy or R^2 on test rows no fit sees, mean over "
            "seeds. Development pairs: " + ", ".join(sorted(DEVELOPMENT)) + "."
        )
        report.write()
        results = []
        for table, pair, task, load in all_pairs:
            progress(f"{table} {pair}")
            X, y, domain, groups = _load(load)
            n_target = int((domain < 0).sum())
            kept = [n for n in counts if n <= n_target // 2]
            draws = Parallel(n_jobs=args.n_jobs)(
                delayed(run_draw)(
                    X,
                    y,
                    domain,
                    groups,
                    task,
                    n,
                    seed,
                    args.max_rows,
                    args.search,
                    args.adapt,
                )
                for n in kept
                for seed in seeds
            )
            if args.adapt:
                run_adapt(draws, task)
            for j, n in enumerate(kept):
                at_n = draws[j * len(seeds) : (j + 1) * len(seeds)]
                names = list(at_n[0][0])
                results.append(
                    {
                        "table": table,
                        "pair": pair,
                        "task": task,
                        "n": n,
                        "scores": {
                            m: float(np.mean([d[0][m] for d in at_n])) for m in names
                        },
                        "seconds": {
                            m: float(np.mean([d[1][m] for d in at_n])) for m in names
                        },
                    }
                )
        _write(report, results, counts)
        if args.figure:
            _figure(results, counts, args.figure)


def _fmt(task, value):
    return f"{100 * value:.1f}" if task == "classification" else f"{value:.3f}"


def _change(task, value):
    return f"{100 * value:+.1f}" if task == "classification" else f"{value:+.3f}"


def _ours(names):
    """The methods of sktransfer among the rows: no baseline, no ADAPT."""
    return [
        m
        for m in names
        if m not in BASELINES and m != HGB_BASELINE and not m.startswith("ADAPT ")
    ]


def _shortfalls(rows, method, counts):
    """``method``'s score minus the best baseline's, per pair, at ``counts``."""
    return [
        r["scores"][method] - max(r["scores"][b] for b in BASELINES)
        for r in rows
        if r["n"] in counts
    ]


def _write_recommendation(report, task, rows, names, counts):
    """The default to recommend, chosen on the development pairs alone.

    The rule: the method whose worst development pair, at 25 and at 100
    labels, is least below that pair's best baseline (ties: the higher
    mean). The held-out pairs then say whether the choice holds.
    """
    chosen_at = [n for n in (25, 100) if n in counts] or counts
    development = [r for r in rows if r["table"] in DEVELOPMENT]
    held_out = [r for r in rows if r["table"] not in DEVELOPMENT]
    if not development:
        return
    ours = _ours(names)
    best = max(
        ours,
        key=lambda m: (
            min(_shortfalls(development, m, chosen_at)),
            np.mean(_shortfalls(development, m, chosen_at)),
        ),
    )
    report.write(f"## {task.capitalize()}: the recommended default")
    report.write()
    report.write(
        f"Chosen on the development pairs at {', '.join(map(str, chosen_at))} "
        "labels: the method whose worst pair is least below that pair's best "
        f"baseline (source only, target only or pooled). **{best}**."
    )
    report.write()
    table = []
    for label, subset in (("development", development), ("held out", held_out)):
        for n in counts:
            gaps = _shortfalls(subset, best, [n])
            if gaps:
                table.append(
                    [
                        label,
                        str(n),
                        str(len(gaps)),
                        _change(task, np.mean(gaps)),
                        _change(task, min(gaps)),
                    ]
                )
    report.table(
        [
            "pairs",
            "labels",
            "pairs",
            f"{best} against the best baseline, mean",
            "worst pair",
        ],
        table,
    )
    report.write()


def _write_adapt(report, task, rows, names, counts):
    """Each method against ADAPT's on the same draws: score and fit time."""
    pairs_ = [m for m in names if f"ADAPT {m}" in names]
    if not pairs_:
        return
    report.write(f"## {task.capitalize()}: against ADAPT, same draws")
    report.write()
    report.write(
        "Mean over pairs of sktransfer's score minus ADAPT's at each number of "
        "labels, the pairs where sktransfer's is lower, and the ratio of mean "
        "fit times (sktransfer / ADAPT, over every draw)."
    )
    report.write()
    table = []
    for m in pairs_:
        cells = []
        for n in counts:
            at_n = [r for r in rows if r["n"] == n]
            if not at_n:
                cells.append("")
                continue
            diff = [r["scores"][m] - r["scores"][f"ADAPT {m}"] for r in at_n]
            lower = sum(d < 0 for d in diff)
            cells.append(
                f"{_change(task, np.nanmean(diff))} ({lower}/{len(diff)} lower)"
            )
        ratio = np.nanmean([r["seconds"][m] for r in rows]) / np.nanmean(
            [r["seconds"][f"ADAPT {m}"] for r in rows]
        )
        table.append([m, *cells, f"{ratio:.2f}"])
    report.table(["method", *[f"{n} labels" for n in counts], "fit time ratio"], table)
    report.write()


def _write(report, results, counts):
    for task in ("classification", "regression"):
        rows = [r for r in results if r["task"] == task]
        if not rows:
            continue
        names = list(rows[0]["scores"])
        for subset_name, keep in (
            ("all pairs", lambda r: True),
            ("held-out pairs", lambda r: r["table"] not in DEVELOPMENT),
            ("development pairs", lambda r: r["table"] in DEVELOPMENT),
        ):
            subset = [r for r in rows if keep(r)]
            if not subset:
                continue
            report.write(f"## {task.capitalize()}, {subset_name}: mean over pairs")
            report.write()
            table_rows = []
            for name in names:
                cells = []
                for n in counts:
                    at_n = [r["scores"][name] for r in subset if r["n"] == n]
                    cells.append(_fmt(task, np.mean(at_n)) if at_n else "")
                table_rows.append([name, *cells])
            pairs_at = [
                len({(r["table"], r["pair"]) for r in subset if r["n"] == n})
                for n in counts
            ]
            report.table(
                [
                    "method",
                    *[
                        f"{n} labels ({p} pairs)"
                        for n, p in zip(counts, pairs_at, strict=True)
                    ],
                ],
                table_rows,
            )
            report.write()
            report.write(
                "The best method (mean over pairs) against the best baseline, "
                "and each method's worst pair against that pair's best baseline:"
            )
            report.write()
            summary = []
            for n in counts:
                at_n = [r for r in subset if r["n"] == n]
                if not at_n:
                    continue
                means = {m: np.mean([r["scores"][m] for r in at_n]) for m in names}
                best_baseline = max(BASELINES, key=means.get)
                ours = _ours(names)
                best = max(ours, key=means.get)
                worst = {
                    m: min(
                        r["scores"][m] - max(r["scores"][b] for b in BASELINES)
                        for r in at_n
                    )
                    for m in ours
                }
                summary.append(
                    [
                        str(n),
                        f"{best_baseline} {_fmt(task, means[best_baseline])}",
                        f"{best} {_fmt(task, means[best])}",
                        _change(task, means[best] - means[best_baseline]),
                        "; ".join(f"{m} {_change(task, w)}" for m, w in worst.items()),
                    ]
                )
            report.table(
                [
                    "labels",
                    "best baseline (mean)",
                    "best method (mean)",
                    "gain",
                    "worst pair against its best baseline",
                ],
                summary,
            )
            report.write()
        _write_recommendation(report, task, rows, names, counts)
        _write_adapt(report, task, rows, names, counts)
        # Per pair, at each number of labels.
        report.write(f"## {task.capitalize()}: every pair")
        report.write()
        report.table(
            ["table", "pair", "labels", *names],
            [
                [
                    r["table"] + ("" if r["table"] in DEVELOPMENT else " (held out)"),
                    r["pair"],
                    str(r["n"]),
                    *[_fmt(task, r["scores"][m]) for m in names],
                ]
                for r in rows
            ],
        )
        report.write()
        report.write(f"## {task.capitalize()}: mean fit time (s)")
        report.write()
        report.table(
            ["method", *[f"{n} labels" for n in counts]],
            [
                [
                    m,
                    *[
                        f"{np.mean([r['seconds'][m] for r in rows if r['n'] == n]):.2f}"
                        if any(r["n"] == n for r in rows)
                        else ""
                        for n in counts
                    ],
                ]
                for m in names
            ],
        )
        report.write()


def _figure(results, counts, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sktransfer.supervised import TargetLabelCurveDisplay

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    for ax, task in zip(axes, ("classification", "regression"), strict=True):
        rows = [r for r in results if r["task"] == task]
        if not rows:
            continue
        # The numbers of labels every pair reaches: a mean over the same pairs.
        pairs_ = {(r["table"], r["pair"]) for r in rows}
        shared = [
            n
            for n in counts
            if {(r["table"], r["pair"]) for r in rows if r["n"] == n} == pairs_
        ]
        # The baselines and sktransfer's methods; ADAPT's are in the tables.
        names = [
            m
            for m in rows[0]["scores"]
            if m in BASELINES or m in _ours(rows[0]["scores"])
        ]
        scores = {
            m: [np.mean([r["scores"][m] for r in rows if r["n"] == n]) for n in shared]
            for m in names
        }
        display = TargetLabelCurveDisplay(
            n_target_labels=shared,
            scores=scores,
            score_name="accuracy" if task == "classification" else "R^2",
        ).plot(ax=ax)
        # The baselines in grey, the methods in colours of their own.
        colours = iter(plt.get_cmap("tab10").colors)
        for name, line in display.lines_.items():
            if name in BASELINES:
                line.set(
                    color="0.45", linestyle=("--", ":", "-.")[BASELINES.index(name)]
                )
            else:
                line.set_color(next(colours))
        ax.legend(fontsize=7, ncols=2)
        ax.set_title(f"{task}: mean over {len(pairs_)} pairs")
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()

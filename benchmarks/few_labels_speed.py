"""A few target labels, at ADAPT's settings: the same computation, timed side by side.

``few_labels.py`` runs each method at its defaults, which choose a
hyper-parameter on the target labels by cross-validation (several fits per
fit); ADAPT's defaults fix them. To compare the implementations rather than
the defaults, each method here runs at ADAPT's fixed settings: feature
augmentation without the domain indicator columns, balanced weighting at a
target share of one half (ADAPT's ``gamma=0.5``), TrAdaBoost and
TrAdaBoost.R2 with 10 rounds, the two-stage form with 10 steps of 10 rounds
and the step chosen by 5 folds (both sides), regularised transfer at a
penalty of 1 (ADAPT's ``lambda_=1``; ADAPT's classifier solves a least-squares
problem on the labels instead of the logistic loss), PRED as it is.

Draws of 25 and 100 labelled target rows on two development pairs, as in
``few_labels.py``; every fit on one core. ADAPT runs in its own environment
(``make adapt-env``), all its fits in one process call.

    python benchmarks/few_labels_speed.py [--seeds 5] [--output FILE] [--quick]
"""

import argparse
import time
import warnings

import numpy as np
from _report import Report, add_arguments, progress
from few_labels import (
    ADAPT_METHODS,
    ADAPT_PYTHON,
    _draw,
    _load,
    preprocessing,
    run_adapt,
)
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score

from sktransfer.datasets import load_fuel_economy, load_weather
from sktransfer.supervised import (
    BalancedWeightingClassifier,
    BalancedWeightingRegressor,
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

PAIRS = [
    (
        "weather",
        "rest -> Chicago",
        "classification",
        lambda: load_weather(["Auckland", "Beijing", "Mumbai", "San Diego"], "Chicago"),
    ),
    (
        "fuel economy",
        "2012 -> 2021",
        "regression",
        lambda: load_fuel_economy("2012", "2021"),
    ),
]


def matched(task, seed):
    """sktransfer's methods at ADAPT's fixed settings."""
    if task == "classification":
        linear = LogisticRegression()
        return {
            "feature augmentation": FeatureAugmentedClassifier(
                clone(linear), domain_indicators=False
            ),
            "TrAdaBoost": TrAdaBoostClassifier(
                clone(linear), n_estimators=10, random_state=seed
            ),
            "regular transfer": RegularTransferClassifier(clone(linear), alpha=1.0),
            "PRED": PREDClassifier(clone(linear)),
            "balanced weighting": BalancedWeightingClassifier(
                clone(linear), target_share=0.5
            ),
        }
    linear = Ridge()
    return {
        "feature augmentation": FeatureAugmentedRegressor(
            clone(linear), domain_indicators=False
        ),
        "TrAdaBoostR2": TrAdaBoostRegressor(
            clone(linear), n_estimators=10, random_state=seed
        ),
        "two-stage TrAdaBoostR2": TwoStageTrAdaBoostRegressor(
            clone(linear), random_state=seed
        ),
        "regular transfer": RegularTransferRegressor(clone(linear), alpha=1.0),
        "PRED": PREDRegressor(clone(linear)),
        "balanced weighting": BalancedWeightingRegressor(
            clone(linear), target_share=0.5
        ),
    }


def run_draw(X, y, domain, groups, task, n_labels, seed):
    source = np.flatnonzero(domain > 0)
    target = np.flatnonzero(domain < 0)
    labelled, _, test = _draw(target, y, groups, n_labels, task, seed)
    rows = np.r_[source, labelled]
    prep = preprocessing().fit(X.iloc[rows])
    Z, Z_test = prep.transform(X.iloc[rows]), prep.transform(X.iloc[test])
    y_fit, y_test = y[rows], y[test]
    sample_domain = np.r_[np.ones(source.size, int), -np.ones(labelled.size, int)]
    metric = accuracy_score if task == "classification" else r2_score
    scores, seconds = {}, {}
    for name, method in matched(task, seed).items():
        # Untimed first fit: one-time costs (imports, caches) off the clock.
        clone(method).fit(Z, y_fit, sample_domain=sample_domain)
        start = time.perf_counter()
        model = clone(method).fit(Z, y_fit, sample_domain=sample_domain)
        seconds[name] = time.perf_counter() - start
        scores[name] = metric(y_test, model.predict(Z_test))
    is_source = sample_domain > 0
    split = {
        "X_source": Z[is_source],
        "y_source": y_fit[is_source],
        "X_target_train": Z[~is_source],
        "y_target_train": y_fit[~is_source],
        "X_test": Z_test,
        "y_test": y_test,
        "task": np.array(task),
        "methods": np.array(ADAPT_METHODS[task]),
        "seed": np.array(seed),
    }
    return scores, seconds, split


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    add_arguments(parser)
    args = parser.parse_args(argv)
    seeds, counts = range(args.seeds), (25, 100)
    if args.quick:
        seeds, counts = range(1), (25,)
    warnings.filterwarnings("ignore")
    with Report(__doc__.splitlines()[0], args) as report:
        report.write(
            f"{len(seeds)} seeds; labelled target rows drawn at random (stratified "
            f"for classification), {' and '.join(map(str, counts))} of them; "
            "median fit time over the draws, and the mean score on the test rows."
        )
        adapt = ADAPT_PYTHON.exists()
        if not adapt:
            report.write(
                "ADAPT's environment is not built (`make adapt-env`): its columns "
                "are empty."
            )
        report.write()
        for table, pair, task, load in PAIRS:
            progress(f"{table} {pair}")
            X, y, domain, groups = _load(load)
            draws = [
                run_draw(X, y, domain, groups, task, n, seed)
                for n in counts
                for seed in seeds
            ]
            if adapt:
                run_adapt(draws, task)
            report.write(f"## {table}, {pair} ({task})")
            report.write()
            rows = []
            for name in matched(task, 0):
                ours = np.median([d[1][name] for d in draws])
                score = np.mean([d[0][name] for d in draws])
                if not adapt:
                    rows.append(
                        [name, f"{score:.3f}", "", f"{1000 * ours:.1f}", "", ""]
                    )
                    continue
                theirs = np.median([d[1][f"ADAPT {name}"] for d in draws])
                rows.append(
                    [
                        name,
                        f"{score:.3f}",
                        f"{np.nanmean([d[0][f'ADAPT {name}'] for d in draws]):.3f}",
                        f"{1000 * ours:.1f}",
                        f"{1000 * theirs:.1f}",
                        f"{ours / theirs:.2f}",
                    ]
                )
            report.table(
                [
                    "method",
                    "sktransfer score",
                    "ADAPT score",
                    "sktransfer ms",
                    "ADAPT ms",
                    "time ratio",
                ],
                rows,
            )


if __name__ == "__main__":
    main()

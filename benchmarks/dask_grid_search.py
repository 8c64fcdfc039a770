"""A grid search on a Dask cluster against the same search on one machine.

The grid of the model-selection guide, a domain-adaptation pipeline
(standardisation, then an importance-weighted logistic regression) over the
regularisation, the flattening and the density-ratio method, scored without
target labels (``ImportanceWeightedScorer``) on ``DomainShuffleSplit``
folds of a biased-selection digits task. It runs three times: sequentially
(``n_jobs=None``), with joblib's processes on this machine (``n_jobs=2``),
and under ``joblib.parallel_backend("dask")`` on a ``LocalCluster`` of two
worker processes (one thread each). The table gives the seconds, their
ratio to the sequential run, and whether every score of ``cv_results_`` is
identical to the sequential run's. On two cores, the cluster's overhead is
what the ratio shows; on a real cluster the same code spreads the fits over
its machines.

    python benchmarks/dask_grid_search.py [--output FILE] [--quick]
"""

import argparse
import time

import joblib
import numpy as np
import sklearn
from _report import Report, add_arguments
from distributed import Client, LocalCluster
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from sktransfer import (
    DensityRatioWeighter,
    ImportanceWeightedClassifier,
    make_da_pipeline,
)
from sktransfer.datasets import make_biased_selection
from sktransfer.model_selection import DomainShuffleSplit, ImportanceWeightedScorer

GRID = {
    "importanceweightedclassifier__estimator__C": [0.01, 0.1, 1.0, 10.0],
    "importanceweightedclassifier__flatten": [0.25, 0.5, 1.0],
    "importanceweightedclassifier__weighter__method": ["classifier", "ulsif"],
}


def _search(X, y, sample_domain, grid, n_splits, n_jobs):
    pipe = make_da_pipeline(
        StandardScaler(),
        ImportanceWeightedClassifier(
            LogisticRegression(max_iter=2000), DensityRatioWeighter(random_state=0)
        ),
    )
    search = GridSearchCV(
        pipe,
        grid,
        cv=DomainShuffleSplit(n_splits=n_splits, random_state=0),
        scoring=ImportanceWeightedScorer(),
        n_jobs=n_jobs,
        error_score="raise",
    )
    start = time.perf_counter()
    with sklearn.config_context(enable_metadata_routing=True):
        search.fit(X, y, sample_domain=sample_domain, groups=sample_domain)
    return search, time.perf_counter() - start


def _scores(search):
    results = search.cv_results_
    return np.array(
        [results[key] for key in sorted(results) if key.startswith("split")]
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args = add_arguments(parser).parse_args(argv)
    grid, n_splits = GRID, 5
    if args.quick:
        grid = {key: values[:1] for key, values in GRID.items()}
        n_splits = 2
    data = make_biased_selection("digits", bias=1.5, random_state=0)
    y = np.where(data.sample_domain < 0, -1, data.y)
    X, sample_domain = data.X, data.sample_domain
    n_fits = n_splits * int(np.prod([len(values) for values in grid.values()]))

    with Report(__doc__.splitlines()[0], args) as report:
        report.write(
            f"{n_fits} fits ({n_splits} folds) on {X.shape[0]} rows of digits "
            "(biased selection, bias 1.5).\n"
        )
        sequential, seconds = _search(X, y, sample_domain, grid, n_splits, None)
        reference = _scores(sequential)
        rows = [["sequential (n_jobs=None)", f"{seconds:.1f}", "1.00", "-"]]
        search, elapsed = _search(X, y, sample_domain, grid, n_splits, 2)
        same = np.array_equal(_scores(search), reference)
        rows.append(
            [
                "joblib processes (n_jobs=2)",
                f"{elapsed:.1f}",
                f"{elapsed / seconds:.2f}",
                same,
            ]
        )
        start = time.perf_counter()
        with (
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            Client(cluster),
        ):
            started = time.perf_counter() - start
            with joblib.parallel_backend("dask"):
                search, elapsed = _search(X, y, sample_domain, grid, n_splits, -1)
        same = np.array_equal(_scores(search), reference)
        rows.append(
            [
                "Dask LocalCluster, 2 workers (n_jobs=-1)",
                f"{elapsed:.1f}",
                f"{elapsed / seconds:.2f}",
                same,
            ]
        )
        report.table(
            ["run", "seconds", "time / sequential", "cv_results_ identical"], rows
        )
        report.write(
            f"Starting the cluster took {started:.1f} s more (not counted above); "
            f"best parameters everywhere: {sequential.best_params_}."
        )


if __name__ == "__main__":
    main()

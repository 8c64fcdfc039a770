"""On a Dask cluster: the same results as on one machine; images out of core.

A ``LocalCluster`` of two worker processes stands in for a cluster: every
estimator, scorer, splitter and net crosses a process boundary by pickling,
as on a real one.
"""

import contextlib

import dask.array as da
import joblib
import numpy as np
import pytest
import sklearn
import torch
from _estimators import INSTANCES
from distributed import Client, LocalCluster
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.preprocessing import StandardScaler
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from sktransfer import (
    DeepFeatureTransformer,
    DensityRatioWeighter,
    ImportanceWeightedClassifier,
    KMMReweighter,
    LabelShiftClassifier,
    make_da_pipeline,
)
from sktransfer.datasets import make_biased_selection, make_label_shift
from sktransfer.model_selection import (
    DomainShuffleSplit,
    ImportanceWeightedScorer,
    PredictionEntropyScorer,
)


@pytest.fixture(scope="module")
def client():
    # Processes, one thread each: what a cluster's workers are, and one
    # torch thread, so that nets repeat to the last digit.
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env={"OMP_NUM_THREADS": "1"},
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def wine():
    data = make_biased_selection("wine", bias=1.0, random_state=0)
    X = StandardScaler().fit_transform(data.X).astype(np.float32)
    y = np.where(data.sample_domain < 0, -1, data.y)
    return X, y, data.sample_domain


@contextlib.contextmanager
def _one_torch_thread():
    """As the workers run: float32 sums split over threads round differently."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _on_the_cluster(function):
    with joblib.parallel_backend("dask"):
        return function()


def _as_predictor(estimator):
    """A predictor to cross-validate: weighters and transformers get a model."""
    if is_classifier(estimator) or is_regressor(estimator):
        return estimator
    if hasattr(estimator, "transform"):
        return make_da_pipeline(estimator, LogisticRegression())
    return ImportanceWeightedClassifier(LogisticRegression(), estimator)


# Every public estimator (the instances of scikit-learn's checks), each as a
# predictor; the density-ratio weighter in every method.
_CASES = {
    type(estimator).__name__: estimator
    for instances in INSTANCES.values()
    for estimator in instances
} | {
    f"DensityRatioWeighter({method})": DensityRatioWeighter(
        method=method, random_state=0
    )
    for method in ("kde", "classifier", "kliep", "ulsif", "rulsif")
}


@pytest.fixture(scope="module")
def diabetes():
    data = make_biased_selection("diabetes", bias=1.0, random_state=0)
    X = StandardScaler().fit_transform(data.X).astype(np.float32)
    y = np.where(data.sample_domain < 0, np.nan, data.y).astype(np.float32)
    return X, y, data.sample_domain


@pytest.mark.parametrize("name", list(_CASES))
def test_cross_validation_on_the_cluster_gives_the_local_scores(
    client, wine, diabetes, name
):
    estimator = _as_predictor(_CASES[name])
    X, y, sample_domain = diabetes if is_regressor(estimator) else wine
    scoring = {"weighted": ImportanceWeightedScorer()}
    if is_classifier(estimator):
        scoring["entropy"] = PredictionEntropyScorer()

    def run(n_jobs):
        return cross_validate(
            clone(estimator),
            X,
            y,
            cv=DomainShuffleSplit(n_splits=3, random_state=0),
            scoring=scoring,
            params={"sample_domain": sample_domain, "groups": sample_domain},
            n_jobs=n_jobs,
            error_score="raise",
        )

    with sklearn.config_context(enable_metadata_routing=True), _one_torch_thread():
        local = run(None)
        remote = _on_the_cluster(lambda: run(-1))
    for key in scoring:
        np.testing.assert_array_equal(remote[f"test_{key}"], local[f"test_{key}"])
    # The folds did run on the workers.
    assert len(client.scheduler_info()["workers"]) == 2


def test_grid_search_on_the_cluster_chooses_as_locally(client, wine):
    X, y, sample_domain = wine
    pipe = make_da_pipeline(
        StandardScaler(),
        ImportanceWeightedClassifier(
            LogisticRegression(), DensityRatioWeighter(random_state=0)
        ),
    )
    grid = {
        "importanceweightedclassifier__estimator__C": [0.1, 1.0],
        "importanceweightedclassifier__flatten": [0.5, 1.0],
        "importanceweightedclassifier__weighter__method": ["classifier", "ulsif"],
    }

    def search(n_jobs):
        return GridSearchCV(
            pipe,
            grid,
            cv=DomainShuffleSplit(n_splits=3, random_state=0),
            scoring=ImportanceWeightedScorer(),
            n_jobs=n_jobs,
            error_score="raise",
        ).fit(X, y, sample_domain=sample_domain, groups=sample_domain)

    with sklearn.config_context(enable_metadata_routing=True):
        local = search(None)
        remote = _on_the_cluster(lambda: search(-1))
    for key in local.cv_results_:
        if key.startswith(("split", "mean_test", "std_test", "rank")):
            np.testing.assert_array_equal(
                remote.cv_results_[key], local.cv_results_[key]
            )
    assert remote.best_params_ == local.best_params_


def test_label_shift_folds_on_the_cluster(client):
    data = make_label_shift("digits", alpha=1.0, random_state=0)
    X = StandardScaler().fit_transform(data.X)
    y = np.where(data.sample_domain > 0, data.y, -1)

    def fit(n_jobs):
        return LabelShiftClassifier(
            LogisticRegression(max_iter=2000), n_jobs=n_jobs, random_state=0
        ).fit(X, y, sample_domain=data.sample_domain)

    local = fit(None)
    remote = _on_the_cluster(lambda: fit(2))
    np.testing.assert_array_equal(remote.target_priors_, local.target_priors_)
    np.testing.assert_array_equal(
        remote.target_priors_interval_, local.target_priors_interval_
    )


def test_features_of_a_dask_array_are_the_in_memory_features(client):
    rng = np.random.RandomState(0)
    images = rng.uniform(size=(300, 3, 16, 16)).astype(np.float32)
    body = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
    transformer = DeepFeatureTransformer(body, batch_size=64)
    expected = transformer.fit(images).transform(images)
    lazy = da.from_array(images, chunks=(70, 3, 8, 16))
    features = transformer.fit(lazy).transform(lazy)
    # Lazy: nothing computed yet, blocks of whole rows.
    assert isinstance(features, da.Array)
    assert features.chunks == ((70, 70, 70, 70, 20), (4,))
    # Computed on the cluster's workers, block by block.
    np.testing.assert_allclose(features.compute(), expected, rtol=1e-6)


def test_density_ratios_of_a_dask_array_are_the_in_memory_ones(client, wine):
    X, _, sample_domain = wine
    weighter = DensityRatioWeighter(method="ulsif").fit(X, sample_domain=sample_domain)
    lazy = da.from_array(X, chunks=(40, 4))
    weights = weighter.predict_weights(lazy)
    assert weights.shape == (X.shape[0],)
    np.testing.assert_allclose(weights.compute(), weighter.predict_weights(X))


def test_kmm_kernel_blocks_on_the_cluster(client):
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(3000, 5)), rng.normal(0.5, size=(3000, 5))]
    sample_domain = np.r_[np.ones(3000, int), -np.ones(3000, int)]
    params = {"n_components": 100, "block_size": 400, "random_state": 0, "tol": 1e-10}
    local = KMMReweighter(**params).fit(X, sample_domain=sample_domain)
    remote = _on_the_cluster(
        lambda: KMMReweighter(n_jobs=-1, **params).fit(X, sample_domain=sample_domain)
    )
    # The workers' float32 products round differently from this process's
    # (by 1.5e-5 at most in the features, measured), and L-BFGS-B's path on
    # this ill-conditioned problem follows: both end at the optimum within
    # the float32 gradients' precision (objectives 1.448e-6 and 1.458e-6).
    assert remote.objective_ == pytest.approx(local.objective_, rel=0.02)


def test_features_of_an_iterable_of_batches_are_the_in_memory_features():
    rng = np.random.RandomState(1)
    images = rng.uniform(size=(90, 3, 12, 12)).astype(np.float32)
    labels = rng.randint(3, size=90)
    body = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
    transformer = DeepFeatureTransformer(body).fit(images)
    expected = transformer.transform(images)
    loader = DataLoader(
        TensorDataset(torch.from_numpy(images), torch.from_numpy(labels)),
        batch_size=32,
    )
    batches = list(transformer.transform_batches(loader))
    assert [len(batch) for batch in batches] == [32, 32, 26]
    np.testing.assert_allclose(np.concatenate(batches), expected, rtol=1e-6)

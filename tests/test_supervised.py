"""Feature augmentation, balanced weighting, what few-labels estimators share."""

import warnings

import numpy as np
import pytest
from _shifted import few_labels_task as _few_labels
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, r2_score

from sktransfer.exceptions import NoTargetDomainWarning, NoTargetLabelsWarning
from sktransfer.supervised import (
    BalancedWeightingClassifier,
    BalancedWeightingRegressor,
    FeatureAugmentedClassifier,
    FeatureAugmentedRegressor,
    FeatureAugmenter,
)
from sktransfer.supervised._balanced import _SHARES


class _Recorder(BaseEstimator):
    """Records the labels and weights its fit is given; predicts a constant."""

    def fit(self, X, y, sample_weight=None):
        self.y_seen_ = np.asarray(y).copy()
        self.sample_weight_seen_ = (
            None if sample_weight is None else np.asarray(sample_weight).copy()
        )
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(np.asarray(X).shape[0], self.y_seen_[0])


class _RecordingClassifier(ClassifierMixin, _Recorder):
    pass


class _RecordingRegressor(RegressorMixin, _Recorder):
    pass


# ---------------------------------------------------------------- augmentation


def test_feature_augmenter_block_layout_with_several_domains():
    X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    sample_domain = np.array([2, 1, -1, 1])
    augmenter = FeatureAugmenter(domain_indicators=False)
    Z = augmenter.fit_transform(X, sample_domain=sample_domain)
    # Blocks: shared, source 1, source 2, target 1.
    expected = np.array(
        [
            [1, 2, 0, 0, 1, 2, 0, 0],
            [3, 4, 3, 4, 0, 0, 0, 0],
            [5, 6, 0, 0, 0, 0, 5, 6],
            [7, 8, 7, 8, 0, 0, 0, 0],
        ],
        dtype=float,
    )
    assert_array_equal(Z, expected)
    assert_array_equal(augmenter.domains_, [1, 2, -1])
    # New rows are target rows by default.
    assert_array_equal(augmenter.transform([[9.0, 10.0]]), [[9, 10, 0, 0, 0, 0, 9, 10]])
    indicators = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1], [1, 0, 0]])
    with_indicators = FeatureAugmenter().fit(X, sample_domain=sample_domain)
    assert_array_equal(
        with_indicators.transform(X, sample_domain=sample_domain),
        np.hstack([expected, indicators]),
    )
    assert_array_equal(
        with_indicators.get_feature_names_out(["a", "b"]),
        ["a", "b", "source1__a", "source1__b", "source2__a", "source2__b"]
        + ["target1__a", "target1__b", "source1", "source2", "target1"],
    )


def test_feature_augmenter_sparse_equals_dense_and_default_target_domain():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(6, 3))
    sample_domain = np.array([1, 1, 1, -2, -2, -2])
    augmenter = FeatureAugmenter().fit(X, sample_domain=sample_domain)
    dense = augmenter.transform(X, sample_domain=sample_domain)
    from_sparse = augmenter.transform(sparse.csr_matrix(X), sample_domain=sample_domain)
    assert sparse.issparse(from_sparse)
    assert_allclose(from_sparse.toarray(), dense)
    # The fit's single target domain is -2: rows without a domain are its rows.
    assert_array_equal(
        augmenter.transform(X), augmenter.transform(X, sample_domain=np.full(6, -2))
    )
    with pytest.raises(ValueError, match=r"domains \[-1\] that the fit did not see"):
        augmenter.transform(X, sample_domain=np.full(6, -1))


def test_feature_augmenter_without_target_rows_keeps_a_target_block():
    X = np.arange(4.0).reshape(2, 2)
    with pytest.warns(NoTargetDomainWarning):
        augmenter = FeatureAugmenter().fit(X, sample_domain=[1, 1])
    assert_array_equal(augmenter.domains_, [1, -1])
    assert_array_equal(augmenter.transform(X[:1]), [[0, 1, 0, 0, 0, 1, 0, 1]])


@pytest.mark.parametrize(
    ("estimator_class", "task"),
    [
        (FeatureAugmentedClassifier, "classification"),
        (FeatureAugmentedRegressor, "regression"),
    ],
)
def test_feature_augmented_estimator_fits_the_augmented_labelled_rows(
    estimator_class, task
):
    X, y, sample_domain, _, _ = _few_labels(task, 20, seed=0)
    model = estimator_class(
        LogisticRegression() if task == "classification" else Ridge()
    )
    model.fit(X, y, sample_domain=sample_domain)
    labelled = np.flatnonzero(~np.isnan(y) if task == "regression" else y != -1)
    Z = FeatureAugmenter().fit_transform(
        X[labelled], sample_domain=sample_domain[labelled]
    )
    reference = (LogisticRegression() if task == "classification" else Ridge()).fit(
        Z, y[labelled]
    )
    assert_allclose(model.estimator_.coef_, reference.coef_, rtol=1e-6)
    X_new = np.random.RandomState(1).normal(size=(5, 10))
    zeros, ones = np.zeros_like(X_new), np.ones((5, 1))
    Z_new = np.hstack([X_new, zeros, X_new, 0 * ones, ones])  # target rows
    assert_allclose(model.predict(X_new), reference.predict(Z_new))
    Z_source = np.hstack([X_new, X_new, zeros, ones, 0 * ones])
    assert_allclose(
        model.predict(X_new, sample_domain=np.ones(5, int)), reference.predict(Z_source)
    )


def test_feature_augmentation_beats_source_only_and_target_only():
    # Over five draws, as a single draw of 20 labels may favour either end.
    scores = []
    for seed in range(5):
        X, y, sample_domain, X_test, y_test = _few_labels("classification", 20, seed)
        source, target = sample_domain > 0, (sample_domain < 0) & (y != -1)
        models = [
            FeatureAugmentedClassifier().fit(X, y, sample_domain=sample_domain),
            LogisticRegression().fit(X[source], y[source]),
            LogisticRegression().fit(X[target], y[target]),
        ]
        scores.append([accuracy_score(y_test, m.predict(X_test)) for m in models])
    augmented, source_only, target_only = np.mean(scores, axis=0)
    assert augmented > max(source_only, target_only) + 0.02


def test_feature_augmented_regressor_learns_a_level_shift():
    X, y, sample_domain, X_test, y_test = _few_labels("regression", 25, seed=0)
    source = sample_domain > 0
    model = FeatureAugmentedRegressor().fit(X, y, sample_domain=sample_domain)
    source_only = Ridge().fit(X[source], y[source])
    assert r2_score(y_test, model.predict(X_test)) > 0.9
    assert r2_score(y_test, source_only.predict(X_test)) < 0.2
    # Without a level of its own the target's shift is out of reach.
    flat = FeatureAugmentedRegressor(domain_indicators=False)
    flat.fit(X, y, sample_domain=sample_domain)
    assert r2_score(y_test, flat.predict(X_test)) < 0.5


# ------------------------------------------------------------ balanced weighting


def test_balanced_weighting_gives_the_target_rows_their_share():
    X, y, sample_domain, _, _ = _few_labels("regression", 20, seed=0)
    model = BalancedWeightingRegressor(_RecordingRegressor(), target_share=0.3)
    model.fit(X, y, sample_domain=sample_domain)
    weights = model.estimator_.sample_weight_seen_
    n_source, n_target = 400, 20
    assert weights.shape == (n_source + n_target,)
    assert_allclose(weights.mean(), 1.0)
    assert_allclose(weights[n_source:].sum() / weights.sum(), 0.3)
    # Within a domain every row weighs the same.
    assert np.ptp(weights[:n_source]) == 0
    assert np.ptp(weights[n_source:]) == 0


@pytest.mark.parametrize(("share", "rows"), [(0.0, "source"), (1.0, "target")])
def test_balanced_weighting_ends_are_source_only_and_target_only(share, rows):
    X, y, sample_domain, X_test, _ = _few_labels("classification", 30, seed=0)
    model = BalancedWeightingClassifier(target_share=share).fit(
        X, y, sample_domain=sample_domain
    )
    mask = sample_domain > 0 if rows == "source" else (sample_domain < 0) & (y != -1)
    reference = LogisticRegression().fit(X[mask], y[mask])
    assert_allclose(model.estimator_.coef_, reference.coef_, rtol=1e-6)
    assert_allclose(
        model.predict_proba(X_test), reference.predict_proba(X_test), rtol=1e-6
    )


def test_balanced_weighting_auto_chooses_on_the_target_labels():
    X, y, sample_domain, X_test, y_test = _few_labels("regression", 25, seed=0)
    model = BalancedWeightingRegressor(random_state=0).fit(
        X, y, sample_domain=sample_domain
    )
    assert_allclose(model.shares_, np.unique(np.r_[_SHARES, 25 / 425]))
    assert model.target_share_ == model.shares_[np.argmax(model.cv_scores_)]
    # A level shift: the source-only end is the worst choice.
    assert model.cv_scores_[0] == model.cv_scores_.min()
    pooled = BalancedWeightingRegressor(target_share=25 / 425).fit(
        X, y, sample_domain=sample_domain
    )
    assert r2_score(y_test, model.predict(X_test)) > r2_score(
        y_test, pooled.predict(X_test)
    )


def test_balanced_weighting_skips_a_target_only_fit_with_one_class():
    # One labelled target row per class: no fold can train the target-only end.
    X, y, sample_domain, _, _ = _few_labels("classification", 2, seed=0)
    model = BalancedWeightingClassifier(cv=2, random_state=0).fit(
        X, y, sample_domain=sample_domain
    )
    assert model.cv_scores_[-1] == -np.inf
    assert model.target_share_ < 1.0


# ------------------------------------------------------------------ shared rules


_ESTIMATORS = [
    (FeatureAugmentedClassifier, "classification"),
    (FeatureAugmentedRegressor, "regression"),
    (BalancedWeightingClassifier, "classification"),
    (BalancedWeightingRegressor, "regression"),
]


@pytest.mark.parametrize(("estimator_class", "task"), _ESTIMATORS)
def test_unlabeled_target_rows_are_never_read_as_labels(estimator_class, task):
    X, y, sample_domain, _, _ = _few_labels(task, 10, seed=0)
    recorder = (
        _RecordingClassifier() if task == "classification" else _RecordingRegressor()
    )
    kwargs = (
        {} if estimator_class.__name__.startswith("Feature") else {"target_share": 0.5}
    )
    model = estimator_class(recorder, **kwargs).fit(X, y, sample_domain=sample_domain)
    seen = model.estimator_.y_seen_
    assert seen.shape == (410,)
    labelled = y[~np.isnan(y)] if task == "regression" else y[y != -1]
    assert_array_equal(np.sort(seen), np.sort(labelled))


@pytest.mark.parametrize(("estimator_class", "task"), _ESTIMATORS)
def test_without_target_labels_the_source_only_form_is_fitted(estimator_class, task):
    X, y, sample_domain, X_test, _ = _few_labels(task, 10, seed=0)
    source = sample_domain > 0
    # Without sample_domain every labelled row is a source row; the
    # unlabeled rows are target rows without labels.
    y_fit = np.where(source, y, -1 if task == "classification" else np.nan)
    with pytest.warns(NoTargetLabelsWarning, match="found none"):
        model = estimator_class().fit(X, y_fit)
    reference = (LogisticRegression() if task == "classification" else Ridge()).fit(
        X[source], y[source]
    )
    assert_allclose(model.predict(X_test), reference.predict(X_test))


def test_choice_on_the_target_labels_breaks_ties_toward_the_source():
    # Every share predicts the target labels equally well: the first wins.
    X, y, sample_domain, _, _ = _few_labels("regression", 20, seed=0)
    y = np.where(np.isnan(y), np.nan, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = BalancedWeightingRegressor(LinearRegression(), random_state=0).fit(
            X, y, sample_domain=sample_domain
        )
    assert np.ptp(model.cv_scores_) < 1e-20
    assert model.target_share_ == 0.0


def test_choice_on_the_target_labels_needs_two_labelled_rows():
    X, y, sample_domain, _, _ = _few_labels("regression", 1, seed=0)
    with pytest.raises(ValueError, match="at least 2 labelled target rows"):
        BalancedWeightingRegressor().fit(X, y, sample_domain=sample_domain)
    BalancedWeightingRegressor(target_share=0.5).fit(X, y, sample_domain=sample_domain)

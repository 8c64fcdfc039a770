"""Source-only baselines: fitted on labelled source rows, blind to target labels."""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_wine
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from sktransfer import SourceOnlyClassifier, SourceOnlyRegressor, make_da_pipeline


@pytest.fixture
def wine():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    rng = np.random.RandomState(0)
    sample_domain = np.where(rng.rand(len(y)) < 0.6, 1, -1)
    return X, y, sample_domain


def test_fits_exactly_the_labelled_source_rows(wine):
    X, y, sd = wine
    weights = np.random.RandomState(1).rand(len(y))
    clf = SourceOnlyClassifier(LogisticRegression()).fit(
        X, y, sample_domain=sd, sample_weight=weights
    )
    direct = LogisticRegression().fit(
        X[sd > 0], y[sd > 0], sample_weight=weights[sd > 0]
    )
    np.testing.assert_array_equal(clf.estimator_.coef_, direct.coef_)
    np.testing.assert_array_equal(clf.predict_proba(X), direct.predict_proba(X))
    assert clf.score(X[sd < 0], y[sd < 0]) == direct.score(X[sd < 0], y[sd < 0])


def test_target_labels_never_influence_the_fit(wine):
    X, y, sd = wine
    y_permuted = y.copy()
    target = np.flatnonzero(sd < 0)
    y_permuted[target] = np.random.RandomState(0).permutation(y[target])
    a = SourceOnlyClassifier().fit(X, y, sample_domain=sd)
    b = SourceOnlyClassifier().fit(X, y_permuted, sample_domain=sd)
    np.testing.assert_array_equal(a.estimator_.coef_, b.estimator_.coef_)


def test_unlabeled_rows_marked_in_y_are_left_out(wine):
    X, y, sd = wine
    y_masked = np.where(sd < 0, -1, y)
    a = SourceOnlyClassifier().fit(X, y_masked)
    b = SourceOnlyClassifier().fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(a.estimator_.coef_, b.estimator_.coef_)
    np.testing.assert_array_equal(a.classes_, [0, 1, 2])
    # score leaves unlabeled rows out instead of counting -1 as a class.
    assert a.score(X, y_masked) == a.score(X[sd > 0], y[sd > 0])


def test_string_labels_with_sample_domain(wine):
    X, y, sd = wine
    names = np.array(["barolo", "grignolino", "barbera"])[y]
    clf = SourceOnlyClassifier().fit(X, names, sample_domain=sd)
    assert set(clf.predict(X)) <= set(names)
    # Scored on the target rows, which a source-only fit never reads.
    assert clf.score(X[sd < 0], names[sd < 0]) > 0.9


def test_source_only_fit_does_not_warn_about_missing_targets(wine):
    X, y, _ = wine
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SourceOnlyClassifier().fit(X, y)


def test_regressor_leaves_nan_rows_out():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5])
    unlabeled = rng.permutation(40) < 10  # 10 rows drawn at random
    y_masked = np.where(unlabeled, np.nan, y)
    reg = SourceOnlyRegressor(LinearRegression()).fit(X, y_masked)
    np.testing.assert_allclose(reg.estimator_.coef_, [1.0, -2.0, 0.5])
    # A regression value of -1.0 is a value, not the unlabeled marker: the
    # row enters the fit and pulls it off the noiseless coefficients.
    y_with_minus_one = y_masked.copy()
    y_with_minus_one[np.flatnonzero(~unlabeled)[0]] = -1.0
    reg = SourceOnlyRegressor(LinearRegression()).fit(X, y_with_minus_one)
    direct = LinearRegression().fit(X[~unlabeled], y_with_minus_one[~unlabeled])
    np.testing.assert_allclose(reg.estimator_.coef_, direct.coef_)
    assert np.abs(reg.estimator_.coef_ - [1.0, -2.0, 0.5]).max() > 0.01


def test_predict_checks_sample_domain_length(wine):
    X, y, sd = wine
    clf = SourceOnlyClassifier().fit(X, y, sample_domain=sd)
    with pytest.raises(ValueError, match="sample_domain has 3 entries"):
        clf.predict(X[:5], sample_domain=[1, 1, -1])


def test_grid_search_routes_sample_domain_to_a_bare_estimator(wine):
    X, y, sd = wine
    search = GridSearchCV(
        SourceOnlyClassifier(LogisticRegression()), {"estimator__C": [0.01, 1.0]}, cv=3
    ).fit(X, y, sample_domain=sd)
    # Every refit saw only source rows: the final model equals a direct fit.
    direct = LogisticRegression(C=search.best_params_["estimator__C"]).fit(
        X[sd > 0], y[sd > 0]
    )
    np.testing.assert_allclose(search.best_estimator_.estimator_.coef_, direct.coef_)


def test_metadata_routing_sends_requested_metadata_to_the_estimator(wine):
    X, y, sd = wine
    weights = np.random.RandomState(1).rand(len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = LogisticRegression().set_fit_request(sample_weight=True)
        clf = SourceOnlyClassifier(estimator).fit(
            X, y, sample_domain=sd, sample_weight=weights
        )
    direct = LogisticRegression().fit(
        X[sd > 0], y[sd > 0], sample_weight=weights[sd > 0]
    )
    np.testing.assert_array_equal(clf.estimator_.coef_, direct.coef_)


def test_metadata_routing_refuses_metadata_nothing_requested(wine):
    X, y, sd = wine
    weights = np.ones(len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
            SourceOnlyClassifier(LogisticRegression()).fit(
                X, y, sample_domain=sd, sample_weight=weights
            )
        with pytest.raises(TypeError, match="not routed to any object"):
            SourceOnlyRegressor(LinearRegression()).fit(
                X, y.astype(float), sample_domain=sd, groups=weights
            )


def test_metadata_routing_keeps_sample_domain_in_a_pipeline(wine):
    X, y, sd = wine
    with sklearn.config_context(enable_metadata_routing=True):
        routing = SourceOnlyClassifier().get_metadata_routing()
        assert routing.consumes("fit", ["sample_domain", "sample_weight"]) == {
            "sample_domain"
        }
        pipe = make_da_pipeline(StandardScaler(), SourceOnlyClassifier())
        pipe.fit(X, y, sample_domain=sd)
    unrouted = SourceOnlyClassifier().fit(StandardScaler().fit_transform(X), y, sd)
    np.testing.assert_array_equal(pipe[-1].estimator_.coef_, unrouted.estimator_.coef_)

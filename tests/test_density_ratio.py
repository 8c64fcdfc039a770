import pickle
import warnings

import numpy as np
import pytest
from _shifted import held_out_task
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize
from scipy.stats import spearmanr
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from sktransfer.datasets import make_biased_selection
from sktransfer.exceptions import NoTargetDomainWarning
from sktransfer.metrics import mmd2
from sktransfer.reweight import ImportanceWeightedClassifier
from sktransfer.reweight._density_ratio import (
    DensityRatioWeighter,
    _kliep_coef,
    _lsif_coef,
    _lsif_gram,
    _lsif_loo_scores,
    _rbf_design,
)

METHODS = ["classifier", "kde", "kliep", "ulsif", "rulsif"]


def _task(name, selection, bias, n_components=None):
    """A biased-selection task, standardised (and projected) once for all methods."""
    data = make_biased_selection(name, bias=bias, selection=selection, random_state=0)
    X = StandardScaler().fit_transform(data.X)
    if n_components is not None:
        X = PCA(n_components, random_state=0).fit_transform(X)
    source = data.sample_domain > 0
    return X, data.y, data.sample_domain, 1.0 / data.selection_proba[source]


@pytest.fixture(scope="module")
def breast_cancer():
    # 30 features, 136 source and 284 target rows.
    return _task("breast_cancer", "pca", bias=2.0)


@pytest.fixture(scope="module")
def digits_5d():
    # The digits on their first 5 principal components, where a KDE still
    # works: 438 source and 898 target rows.
    return _task("digits", "pca", bias=1.0, n_components=5)


@pytest.fixture(scope="module")
def small(breast_cancer):
    """60 source and 60 target rows of the breast-cancer task, for the fast tests.

    Drawn at random from each domain, stratified by label.
    """
    X, y, sample_domain, _ = breast_cancer
    rows = []
    for domain_rows in (
        np.flatnonzero(sample_domain > 0),
        np.flatnonzero(sample_domain < 0),
    ):
        drawn, _ = train_test_split(
            domain_rows, train_size=60, stratify=y[domain_rows], random_state=0
        )
        rows.append(drawn)
    rows = np.concatenate(rows)
    return X[rows], y[rows], sample_domain[rows]


def _check_reweighting(method, task):
    X, _, sample_domain, true_ratio = task
    source = sample_domain > 0
    # These tests check that each method estimates the ratio. The KDE's
    # default, the median heuristic's width, is chosen to stay close to
    # source-only (test_kde_default_stays_within_a_point_of_source_only) and
    # gives nearly uniform weights; Scott's narrower rule estimates the ratio.
    params = {"bandwidth": "scott"} if method == "kde" else {}
    weighter = DensityRatioWeighter(method, random_state=0, **params)
    weights = weighter.fit(X, sample_domain=sample_domain).weights_
    before = mmd2(X[source], X[~source])
    after = mmd2(X[source], X[~source], sample_weight=weights)
    assert after < 0.7 * before
    assert spearmanr(weights, true_ratio).statistic > 0.3


# The KDE is left out on 30 features: there its weights lowered MMD^2 below
# 0.7x in only 2 of 6 draws (the direct methods: 6 of 6), see the docstring.
@pytest.mark.parametrize("method", ["classifier", "kliep", "ulsif", "rulsif"])
def test_weights_match_target_on_30_features(method, breast_cancer):
    _check_reweighting(method, breast_cancer)


@pytest.mark.parametrize("method", METHODS)
def test_weights_match_target_on_5_features(method, digits_5d):
    _check_reweighting(method, digits_5d)


@pytest.mark.parametrize("method", METHODS)
def test_target_labels_are_never_read(method, small):
    X, y, sample_domain = small
    target = np.flatnonzero(sample_domain < 0)
    y_permuted = y.copy()
    y_permuted[target] = np.random.RandomState(0).permutation(y[target])
    weighter = DensityRatioWeighter(method, random_state=0)
    expected = weighter.fit(X, y, sample_domain=sample_domain).weights_
    assert_array_equal(
        weighter.fit(X, y_permuted, sample_domain=sample_domain).weights_, expected
    )
    assert_array_equal(weighter.fit(X, sample_domain=sample_domain).weights_, expected)


@pytest.mark.parametrize("method", METHODS)
def test_predict_weights_on_source_rows_equals_weights(method, small):
    X, _, sample_domain = small
    weighter = DensityRatioWeighter(method, random_state=0).fit(
        X, sample_domain=sample_domain
    )
    assert_allclose(
        weighter.predict_weights(X[sample_domain > 0]), weighter.weights_, rtol=1e-12
    )
    new_rows = weighter.predict_weights(X[sample_domain < 0])
    assert new_rows.shape == (60,)
    assert np.all(np.isfinite(new_rows) & (new_rows >= 0))


@pytest.mark.parametrize("method", METHODS)
def test_fit_is_repeatable_and_pickles(method, small):
    X, _, sample_domain = small
    weighter = DensityRatioWeighter(method, random_state=0)
    first = weighter.fit(X, sample_domain=sample_domain).predict_weights(X)
    refit = clone(weighter).fit(X, sample_domain=sample_domain).predict_weights(X)
    assert_array_equal(refit, first)
    assert_array_equal(pickle.loads(pickle.dumps(weighter)).predict_weights(X), first)


@pytest.mark.parametrize("method", ["kde", "kliep", "ulsif", "rulsif"])
def test_identical_fits_give_identical_weights_by_default(method):
    # More target rows than basis centres, and more source rows than target
    # rows: the centres, the leave-one-out pairs and the folds are all drawn,
    # from a fixed seed unless random_state says otherwise.
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(120, 3)), rng.normal(0.5, size=(60, 3))]
    sample_domain = np.r_[np.ones(120, int), -np.ones(60, int)]
    params = {"bandwidth": [0.5, 1.0, 2.0]} if method == "kde" else {"n_centers": 20}
    first, second = (
        DensityRatioWeighter(method, **params).fit(X, sample_domain=sample_domain)
        for _ in range(2)
    )
    assert_array_equal(second.weights_, first.weights_)
    scores = [key for key in first.cv_results_ if key.startswith("mean_test")]
    assert scores
    for key in scores:
        assert_array_equal(second.cv_results_[key], first.cv_results_[key])
    if method == "ulsif":
        # random_state=None draws the centres afresh at each fit.
        fresh = [
            DensityRatioWeighter(method, random_state=None, **params)
            .fit(X, sample_domain=sample_domain)
            .centers_
            for _ in range(2)
        ]
        assert not np.array_equal(fresh[0], fresh[1])


def test_two_identical_grid_searches_score_alike():
    # Few target rows: which source row each leave-one-out round drops with
    # a target row moves uLSIF's choice of gamma and alpha, and with it the
    # weights and the scores; drawn afresh (random_state=None) the scores of
    # three searches were [0.84, 0.82], [0.83, 0.83], [0.83, 0.85].
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(150, 3)), rng.normal(0.7, size=(40, 3))]
    y = np.r_[(X[:150, 0] + 0.5 * rng.normal(size=150) > 0).astype(int), -np.ones(40)]
    sample_domain = np.r_[np.ones(150, int), -np.ones(40, int)]
    search = GridSearchCV(
        ImportanceWeightedClassifier(weighter=DensityRatioWeighter("ulsif")),
        {"flatten": [0.5, 1.0]},
        cv=3,
    )
    first, second = (
        clone(search).fit(X, y, sample_domain=sample_domain).cv_results_
        for _ in range(2)
    )
    assert_array_equal(second["mean_test_score"], first["mean_test_score"])


@pytest.mark.parametrize("method", METHODS)
def test_weights_do_not_depend_on_feature_units(method, small):
    # Every method standardises the pooled rows first.
    X, _, sample_domain = small
    units = np.random.RandomState(0).uniform(0.01, 100, size=X.shape[1])
    weighter = DensityRatioWeighter(method, random_state=0)
    expected = weighter.fit(X, sample_domain=sample_domain).weights_
    rescaled = weighter.fit(X * units + 5, sample_domain=sample_domain).weights_
    assert_allclose(rescaled, expected, rtol=1e-6)


def test_classifier_direction_on_two_gaussians():
    # N(0, 1) source and N(1, 1) target: beta(x) = exp(x - 1/2), which is what
    # a logistic regression of the domain can represent exactly.
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(0, 1, 3000), rng.normal(1, 1, 1000)][:, None]
    sample_domain = np.repeat([1, -1], [3000, 1000])
    weighter = DensityRatioWeighter("classifier").fit(X, sample_domain=sample_domain)
    grid = np.array([[-1.0], [0.5], [2.0]])
    weights = weighter.predict_weights(grid)
    # Rows that look like target rows get the large weights.
    assert weights[0] < 1 < weights[2]
    assert_allclose(weights, np.exp(grid[:, 0] - 0.5), rtol=0.15)


def test_classifier_accepts_any_probabilistic_classifier(small):
    X, _, sample_domain = small
    forest = RandomForestClassifier(n_estimators=20, random_state=0)
    weighter = DensityRatioWeighter("classifier", estimator=forest)
    weights = weighter.fit(X, sample_domain=sample_domain).weights_
    assert weighter.estimator_ is not forest
    assert np.all(np.isfinite(weights))


def test_kliep_meets_its_constraint_at_the_constrained_optimum(small):
    X, _, sample_domain = small
    weighter = DensityRatioWeighter("kliep", random_state=0).fit(
        X, sample_domain=sample_domain
    )
    assert_allclose(weighter.weights_.mean(), 1.0, rtol=1e-12)
    assert np.all(weighter.coef_ >= 0)

    # The penalised problem solved by L-BFGS-B reaches the optimum of the
    # constrained problem of the paper, solved here directly by SLSQP.
    Z_source, Z_target = X[sample_domain > 0], X[sample_domain < 0]
    centers = Z_target[np.random.RandomState(0).choice(len(Z_target), 8, replace=False)]
    Phi_target = _rbf_design(Z_target, centers, 0.02)
    mean_phi_source = _rbf_design(Z_source, centers, 0.02).mean(axis=0)
    coef = _kliep_coef(Phi_target, mean_phi_source)
    assert_allclose(mean_phi_source @ coef, 1.0, rtol=1e-12)
    direct = minimize(
        lambda a: -np.mean(np.log(Phi_target @ a)),
        np.full(8, 1.0 / mean_phi_source.sum()),
        method="SLSQP",
        bounds=[(0.0, None)] * 8,
        constraints={"type": "eq", "fun": lambda a: mean_phi_source @ a - 1.0},
        options={"ftol": 1e-12, "maxiter": 1000},
    )
    assert direct.success
    assert np.mean(np.log(Phi_target @ coef)) >= -direct.fun - 1e-8


@pytest.mark.parametrize("target_share", [0.0, 0.3])
def test_lsif_closed_form_leave_one_out_equals_brute_force(target_share):
    rng = np.random.RandomState(0)
    Phi_target = rng.uniform(size=(9, 4))
    Phi_source = rng.uniform(size=(7, 4))
    alphas = [1e-3, 0.1, 1.0]
    brute_force = np.zeros(len(alphas))
    for i in range(7):
        keep_target, keep_source = (
            np.delete(Phi_target, i, 0),
            np.delete(Phi_source, i, 0),
        )
        H = _lsif_gram(keep_target, keep_source, target_share)
        for k, alpha in enumerate(alphas):
            theta = _lsif_coef(H, keep_target.mean(axis=0), alpha)
            r_target, r_source = Phi_target[i] @ theta, Phi_source[i] @ theta
            brute_force[k] += (
                target_share / 2 * r_target**2
                + (1 - target_share) / 2 * r_source**2
                - r_target
            ) / 7
    closed_form = _lsif_loo_scores(Phi_target, Phi_source, target_share, alphas)
    assert_allclose(closed_form, brute_force, rtol=1e-10)


def test_ulsif_is_rulsif_at_target_share_zero(small):
    X, _, sample_domain = small
    ulsif = DensityRatioWeighter("ulsif", target_share=0.5, random_state=0)
    rulsif = DensityRatioWeighter("rulsif", target_share=0.0, random_state=0)
    assert_array_equal(
        ulsif.fit(X, sample_domain=sample_domain).weights_,
        rulsif.fit(X, sample_domain=sample_domain).weights_,
    )


def test_hyper_parameters_searched_or_fixed(small):
    X, _, sample_domain = small
    fit = DensityRatioWeighter("ulsif", random_state=0).fit(
        X, sample_domain=sample_domain
    )
    scores = fit.cv_results_["mean_test_score"]
    best = fit.cv_results_["params"][np.argmax(scores)]
    assert best == {"gamma": fit.gamma_, "alpha": fit.alpha_}
    assert scores.shape == (63,)

    fixed = DensityRatioWeighter("ulsif", gamma=0.05, alpha=0.1).fit(
        X, sample_domain=sample_domain
    )
    assert fixed.cv_results_ is None
    assert (fixed.gamma_, fixed.alpha_) == (0.05, 0.1)
    assert fixed.centers_.shape == (60, X.shape[1])

    kde = DensityRatioWeighter("kde", bandwidth=[0.5, 1.0, 2.0], random_state=0)
    kde.fit(X, sample_domain=sample_domain)
    assert kde.density_source_.bandwidth_ in (0.5, 1.0, 2.0)
    assert kde.cv_results_["mean_test_score_target"].shape == (3,)


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"method": "lsif"}, "method"),
        ({"method": "classifier", "estimator": object()}, "estimator"),
        ({"method": "kde", "bandwidth": "normal_reference"}, "bandwidth"),
        ({"method": "kde", "bandwidth": [1.0, -1.0]}, "bandwidth"),
        ({"gamma": 0.0}, "gamma"),
        ({"gamma": []}, "gamma"),
        ({"n_centers": 0}, "n_centers"),
        ({"target_share": 1.0}, "target_share"),
        ({"alpha": -0.1}, "alpha"),
        ({"alpha": [0.1, np.inf]}, "alpha"),
        ({"cv": 1}, "cv"),
    ],
)
def test_bad_parameters_name_themselves(params, name, small):
    X, _, sample_domain = small
    weighter = DensityRatioWeighter(**{"method": "rulsif", **params})
    with pytest.raises(ValueError, match=name):
        weighter.fit(X, sample_domain=sample_domain)


def test_leave_one_out_needs_two_rows_per_domain():
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="two source and two target rows"):
        DensityRatioWeighter("ulsif").fit(X, sample_domain=[1, 1, 1, -1])


@pytest.mark.parametrize("method", METHODS)
def test_no_target_rows_gives_unit_weights(method, small):
    X, y, sample_domain = small
    source = sample_domain > 0
    weighter = DensityRatioWeighter(method)
    with pytest.warns(NoTargetDomainWarning):
        weighter.fit(X[source], y[source])
    assert_array_equal(weighter.weights_, np.ones(source.sum()))
    assert_array_equal(weighter.predict_weights(X), np.ones(X.shape[0]))


def test_predict_weights_checks_fit_and_features(small):
    X, _, sample_domain = small
    weighter = DensityRatioWeighter()
    with pytest.raises(ValueError, match="not fitted"):
        weighter.predict_weights(X)
    weighter.fit(X, sample_domain=sample_domain)
    with pytest.raises(ValueError, match="features"):
        weighter.predict_weights(X[:, :3])


# sklearn's checks pass no target rows (their y is never -1), so they test
# the source-only form; the tests above cover the fits with a target.
@parametrize_with_checks(
    [
        DensityRatioWeighter(method, n_centers=10, cv=2, random_state=0)
        for method in METHODS
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoTargetDomainWarning)
        check(estimator)


def test_kde_default_stays_within_a_point_of_source_only():
    # Scott's rule fell up to 11 points below source-only on the tables of
    # benchmarks/adaptation_defaults.py (seeds 0-9 and from 100); the median
    # width is the default for that. Seeds the benchmark did not use; the
    # scored target rows (half of them, stratified by label) are unseen by
    # every fit.
    from sklearn.linear_model import LogisticRegression

    from sktransfer import SourceOnlyClassifier
    from sktransfer.reweight import ImportanceWeightedClassifier

    gains = []
    for seed in range(10, 16):
        X, y_fit, sd, X_scored, y_scored = held_out_task("breast_cancer", 3.0, seed)
        model = LogisticRegression(max_iter=5000)
        plain = SourceOnlyClassifier(model).fit(X, y_fit, sample_domain=sd)
        weighted = ImportanceWeightedClassifier(
            model, DensityRatioWeighter("kde"), flatten=1.0
        ).fit(X, y_fit, sample_domain=sd)
        gains.append(
            weighted.score(X_scored, y_scored) - plain.score(X_scored, y_scored)
        )
    assert np.mean(gains) >= -0.01

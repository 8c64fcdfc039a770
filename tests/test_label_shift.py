"""Label shift: prior estimators against hand computations, the correcting
classifier against Bayes' rule and source-only, the weighter, the test, the data."""

import warnings

import numpy as np
import pytest
from scipy.special import softmax
from scipy.stats import chi2_contingency, norm
from sklearn import datasets as skdatasets
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.preprocessing import StandardScaler

from sktransfer import make_da_pipeline
from sktransfer.datasets import make_label_shift
from sktransfer.exceptions import NoTargetDomainWarning, UnlabeledSourceRowsWarning
from sktransfer.label_shift import (
    LabelShiftClassifier,
    LabelShiftReweighter,
    estimate_target_priors,
    label_shift_test,
)
from sktransfer.label_shift._calibration import _Calibrator
from sktransfer.reweight import ImportanceWeightedClassifier

# ---------------------------------------------------------------------------
# Three Gaussian classes, x ~ N(2 y, 1): the exact posterior is known.


def _gaussian_classes(priors, n, rng):
    y = rng.choice(len(priors), size=n, p=priors)
    return rng.normal(loc=2.0 * y), y


def _posterior(x, priors):
    likelihood = norm.pdf(np.reshape(x, (-1, 1)), loc=2.0 * np.arange(len(priors)))
    joint = likelihood * priors
    return joint / joint.sum(axis=1, keepdims=True)


class _ExactPosterior(ClassifierMixin, BaseEstimator):
    """The Bayes classifier of the Gaussian classes under ``priors``."""

    def __init__(self, priors=None):
        self.priors = priors

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        return _posterior(np.asarray(X)[:, 0], np.asarray(self.priors))


def _gaussian_pair(source_priors, target_priors, n, seed):
    """One X of source then target rows, y with -1 on the target rows."""
    rng = np.random.RandomState(seed)
    x_s, y_s = _gaussian_classes(source_priors, n, rng)
    x_t, y_t = _gaussian_classes(target_priors, n, rng)
    X = np.r_[x_s, x_t][:, None]
    sample_domain = np.r_[np.ones(n, int), -np.ones(n, int)]
    return X, np.r_[y_s, np.full(n, -1)], sample_domain, y_t


# ---------------------------------------------------------------------------
# estimate_target_priors


def test_bbse_inverts_a_known_confusion_matrix():
    # Hard predictions on 10 source rows: class 0 predicted right 4 times of
    # 5, class 1 right 3 times of 5, so C = [[0.4, 0.2], [0.1, 0.3]].
    y_source = np.array([0] * 5 + [1] * 5)
    predicted = np.array([0, 0, 0, 0, 1, 0, 0, 1, 1, 1])
    proba_source = np.eye(2)[predicted]
    # 70% of the target rows predicted 0: C w = (0.7, 0.3).
    proba_target = np.eye(2)[[0] * 7 + [1] * 3]
    w = np.linalg.solve([[0.4, 0.2], [0.1, 0.3]], [0.7, 0.3])
    expected = w * 0.5 / (w * 0.5).sum()
    for method in ("bbse", "bbse-soft"):
        priors = estimate_target_priors(
            proba_source, y_source, proba_target, method=method, calibration=None
        )
        np.testing.assert_allclose(priors, expected, rtol=1e-12)


def test_one_em_step_is_bayes_rule_averaged_over_the_target():
    proba_source = np.array(
        [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.6, 0.3, 0.1]]
    )
    y_source = np.array([0, 1, 2, 0])
    proba_target = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    # From the source priors (0.5, 0.25, 0.25), the first step leaves each
    # row's probabilities as they are: the new priors are their mean.
    priors = estimate_target_priors(
        proba_source, y_source, proba_target, calibration=None, max_iter=1
    )
    np.testing.assert_allclose(priors, proba_target.mean(axis=0), rtol=1e-12)
    # The second step re-weights by (priors / source priors) and averages.
    ratio = proba_target.mean(axis=0) / np.array([0.5, 0.25, 0.25])
    adjusted = proba_target * ratio
    adjusted /= adjusted.sum(axis=1, keepdims=True)
    two = estimate_target_priors(
        proba_source, y_source, proba_target, calibration=None, max_iter=2
    )
    np.testing.assert_allclose(two, adjusted.mean(axis=0), rtol=1e-12)


@pytest.mark.parametrize("calibration", ["bcts", None])
@pytest.mark.parametrize("method", ["mlls", "bbse", "bbse-soft", "rlls"])
def test_calibrated_probabilities_recover_the_target_priors(method, calibration):
    rng = np.random.RandomState(0)
    source_priors = np.array([1 / 3, 1 / 3, 1 / 3])
    target_priors = np.array([0.7, 0.2, 0.1])
    x_s, y_s = _gaussian_classes(source_priors, 20_000, rng)
    x_t, _ = _gaussian_classes(target_priors, 20_000, rng)
    # The Bayes classifier of the source: calibrated there by construction.
    priors = estimate_target_priors(
        _posterior(x_s, source_priors),
        y_s,
        _posterior(x_t, source_priors),
        method=method,
        calibration=calibration,
    )
    assert priors.sum() == pytest.approx(1.0)
    # Sampling error of 20,000 rows and the estimators' variance: a few
    # hundredths at most.
    np.testing.assert_allclose(priors, target_priors, atol=0.03)


def test_rlls_without_penalty_solves_bbse_and_a_large_penalty_keeps_the_source():
    rng = np.random.RandomState(1)
    source_priors = np.array([0.5, 0.3, 0.2])
    x_s, y_s = _gaussian_classes(source_priors, 3000, rng)
    x_t, _ = _gaussian_classes(np.array([0.2, 0.3, 0.5]), 3000, rng)
    args = (_posterior(x_s, source_priors), y_s, _posterior(x_t, source_priors))
    bbse = estimate_target_priors(*args, method="bbse", calibration=None)
    unpenalised = estimate_target_priors(
        *args, method="rlls", calibration=None, regularization=0.0
    )
    # The same system C w = mu, solved by an optimiser instead of lstsq.
    np.testing.assert_allclose(unpenalised, bbse, atol=1e-4)
    shrunk = estimate_target_priors(
        *args, method="rlls", calibration=None, regularization=10.0
    )
    np.testing.assert_allclose(shrunk, np.bincount(y_s) / y_s.size, atol=1e-6)


def test_bcts_undoes_a_known_distortion_and_makes_mlls_accurate_again():
    rng = np.random.RandomState(2)
    uniform = np.full(3, 1 / 3)
    x_s, y_s = _gaussian_classes(uniform, 20_000, rng)
    x_t, _ = _gaussian_classes(np.array([0.6, 0.3, 0.1]), 20_000, rng)
    # Over-confident (temperature 1/2) and leaning to class 0.
    shift = np.array([1.0, 0.0, -1.0])

    def distort(x):
        return softmax(2.0 * np.log(_posterior(x, uniform)) + shift, axis=1)

    calibrator = _Calibrator("bcts").fit(distort(x_s), y_s)
    # softmax(a (2 log p + s) + b) is p for a = 1/2 and b = -s / 2 (centred).
    assert calibrator.inverse_temperature == pytest.approx(0.5, abs=0.02)
    np.testing.assert_allclose(calibrator.bias, -shift / 2, atol=0.05)
    errors = {
        calibration: np.abs(
            estimate_target_priors(
                distort(x_s), y_s, distort(x_t), calibration=calibration
            )
            - [0.6, 0.3, 0.1]
        ).sum()
        for calibration in ("bcts", "temperature", None)
    }
    assert errors["bcts"] < 0.03
    # Temperature alone leaves the lean to class 0; no calibration both.
    assert errors["bcts"] < errors["temperature"] / 3
    assert errors["bcts"] < errors[None] / 3


def test_estimate_refuses_labels_that_do_not_index_every_column():
    with pytest.raises(ValueError, match="class indices 0 .. 1"):
        estimate_target_priors(np.eye(2), np.array([0, 2]), np.eye(2))
    with pytest.raises(ValueError, match=r"classes \[1\] have none"):
        estimate_target_priors(np.eye(2), np.array([0, 0]), np.eye(2))


# ---------------------------------------------------------------------------
# LabelShiftClassifier


def test_correction_with_the_true_priors_is_bayes_rule():
    source, target = np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.3, 0.6])
    X, y, sample_domain, _ = _gaussian_pair(source, target, 2000, seed=0)
    frequencies = np.bincount(y[y >= 0]) / np.sum(y >= 0)
    clf = LabelShiftClassifier(
        _ExactPosterior(frequencies),
        target_priors=target,
        calibration=None,
        n_bootstrap=0,
    ).fit(X, y, sample_domain=sample_domain)
    np.testing.assert_allclose(clf.class_weights_, target / frequencies, rtol=1e-12)
    grid = np.linspace(-3, 7, 50)[:, None]
    # Bayes' rule computed apart: the posterior under the target priors.
    np.testing.assert_allclose(
        clf.predict_proba(grid), _posterior(grid[:, 0], target), rtol=1e-10
    )
    # Source rows keep the source posterior.
    np.testing.assert_allclose(
        clf.predict_proba(grid, sample_domain=np.ones(50, int)),
        _posterior(grid[:, 0], frequencies),
        rtol=1e-10,
    )
    np.testing.assert_array_equal(
        clf.predict(grid), _posterior(grid[:, 0], target).argmax(axis=1)
    )


class _Distorted(_ExactPosterior):
    """The Bayes classifier, over-confident (temperature 1/2), leaning to class 0."""

    def predict_proba(self, X):
        return softmax(2.0 * np.log(super().predict_proba(X)) + _LEAN, axis=1)


_LEAN = np.array([1.0, 0.0, -1.0])


def test_bcts_fitted_on_the_held_out_rows_is_applied_at_predict_time():
    X, y, sample_domain, _ = _gaussian_pair(
        np.full(3, 1 / 3), [0.6, 0.3, 0.1], 20_000, seed=3
    )
    # The Bayes classifier of the drawn source, distorted.
    frequencies = np.bincount(y[y >= 0]) / np.sum(y >= 0)
    clf = LabelShiftClassifier(
        _Distorted(frequencies), calibration="bcts", n_bootstrap=0, random_state=0
    ).fit(X, y, sample_domain=sample_domain)
    # softmax(a (2 log p + s) + b) is p for a = 1/2, b = -s / 2 (centred).
    assert clf.temperature_ == pytest.approx(2.0, rel=0.05)
    np.testing.assert_allclose(clf.logit_bias_, -_LEAN / 2, atol=0.05)
    grid = np.linspace(-0.5, 4.5, 40)[:, None]
    distorted = _Distorted(frequencies).predict_proba(grid)
    calibrated = softmax(np.log(distorted) / clf.temperature_ + clf.logit_bias_, axis=1)
    source = clf.predict_proba(grid, sample_domain=np.ones(40, int))
    np.testing.assert_allclose(source, calibrated, rtol=1e-10)
    # Calibrated, the source rows get back the true posterior (up to the
    # sampling error of the fitted temperature and biases).
    np.testing.assert_allclose(source, _posterior(grid[:, 0], frequencies), atol=0.02)
    # Target rows: the same calibrated probabilities, then Bayes' rule.
    corrected = calibrated * clf.class_weights_
    corrected /= corrected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(grid), corrected, rtol=1e-10)


def test_estimated_priors_and_their_interval_cover_the_truth():
    covered = []
    for seed in range(20):
        X, y, sample_domain, y_t = _gaussian_pair([0.5, 0.5], [0.8, 0.2], 400, seed)
        clf = LabelShiftClassifier(
            LogisticRegression(), n_bootstrap=100, random_state=seed
        ).fit(X, y, sample_domain=sample_domain)
        low, high = clf.target_priors_interval_.T
        assert np.all(low <= clf.target_priors_)
        assert np.all(clf.target_priors_ <= high)
        truth = np.bincount(y_t, minlength=2) / y_t.size
        covered.append(low[0] <= truth[0] <= high[0])
        assert clf.target_priors_ == pytest.approx(truth, abs=0.1)
    # A 95% interval: at least 16 of 20 (binomial tail below 2%).
    assert sum(covered) >= 16


def _split_target(data, seed):
    """Standardised rows to fit (target unlabeled) and target rows to score."""
    rng = np.random.RandomState(seed)
    source = data.sample_domain > 0
    X = StandardScaler().fit(data.X[source]).transform(data.X)
    target = np.flatnonzero(~source)
    scored = np.zeros(len(data.y), dtype=bool)
    for c in np.unique(data.y[target]):
        members = rng.permutation(target[data.y[target] == c])
        scored[members[: members.size // 2]] = True
    fit = ~scored
    y_fit = np.where(source, data.y, -1)[fit]
    return X[fit], y_fit, data.sample_domain[fit], X[scored], data.y[scored]


def test_correction_beats_source_only_on_shifted_digits():
    # Naive Bayes: a classifier unsure enough between digits for the priors
    # to matter (logistic regression gains 0-5 points here).
    gains = []
    for seed in range(5):
        data = make_label_shift("digits", alpha=0.1, random_state=seed)
        X, y, sample_domain, X_test, y_test = _split_target(data, seed)
        clf = LabelShiftClassifier(GaussianNB(), n_bootstrap=0, random_state=seed).fit(
            X, y, sample_domain=sample_domain
        )
        gains.append(clf.score(X_test, y_test) - clf.estimator_.score(X_test, y_test))
    # Measured: gains of 0 to 19 points, 10 on average.
    assert min(gains) >= 0
    assert np.mean(gains) > 0.05


def test_target_labels_are_never_read():
    data = make_label_shift("wine", target_priors=[0.6, 0.3, 0.1], random_state=0)
    X = StandardScaler().fit_transform(data.X)
    hidden = np.where(data.sample_domain > 0, data.y, -1)
    scrambled = np.where(data.sample_domain > 0, data.y, 2)
    for estimator in (
        LabelShiftClassifier(n_bootstrap=20, random_state=0),
        LabelShiftReweighter(n_bootstrap=20, random_state=0),
    ):
        a = estimator.fit(X, hidden, sample_domain=data.sample_domain)
        priors, interval = a.target_priors_, a.target_priors_interval_
        b = estimator.fit(X, scrambled, sample_domain=data.sample_domain)
        np.testing.assert_array_equal(b.target_priors_, priors)
        np.testing.assert_array_equal(b.target_priors_interval_, interval)


def test_without_target_rows_nothing_is_corrected():
    X, y = skdatasets.load_iris(return_X_y=True)
    with pytest.warns(NoTargetDomainWarning, match="no target rows"):
        clf = LabelShiftClassifier(calibration=None, random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.class_weights_, 1.0)
    np.testing.assert_allclose(clf.predict_proba(X), clf.estimator_.predict_proba(X))


def test_bad_target_priors_and_too_few_rows_per_fold_are_refused():
    X, y, sample_domain, _ = _gaussian_pair(np.full(3, 1 / 3), [0.2, 0.3, 0.5], 90, 0)
    with pytest.raises(ValueError, match="target_priors must hold 3"):
        LabelShiftClassifier(target_priors=[0.5, 0.5]).fit(
            X, y, sample_domain=sample_domain
        )
    y[np.flatnonzero(y == 2)[1:]] = 1  # one row of class 2 left
    with pytest.raises(ValueError, match="every class needs source rows in every"):
        LabelShiftClassifier(cv=3).fit(X, y, sample_domain=sample_domain)


# ---------------------------------------------------------------------------
# LabelShiftReweighter


def test_reweighter_gives_each_row_the_weight_of_its_class():
    data = make_label_shift("wine", target_priors=[0.6, 0.3, 0.1], random_state=1)
    X = StandardScaler().fit_transform(data.X)
    weighter = LabelShiftReweighter(
        LogisticRegression(), n_bootstrap=0, random_state=0
    ).fit(X, data.y, sample_domain=data.sample_domain)
    y_source = data.y[data.sample_domain > 0]
    np.testing.assert_array_equal(weighter.weights_, weighter.class_weights_[y_source])
    # The weighted source has the target's class mix: sum of w_y over the
    # rows of class y, over the rows, is the estimated target prior.
    mix = np.bincount(y_source, weights=weighter.weights_) / weighter.weights_.sum()
    np.testing.assert_allclose(mix, weighter.target_priors_, rtol=1e-12)


def test_importance_weighting_with_label_shift_weights_is_weighted_training():
    data = make_label_shift("wine", target_priors=[0.6, 0.3, 0.1], random_state=1)
    X = StandardScaler().fit_transform(data.X)
    source = data.sample_domain > 0
    known = np.array([0.6, 0.3, 0.1])
    clf = ImportanceWeightedClassifier(
        LogisticRegression(),
        LabelShiftReweighter(target_priors=known, n_bootstrap=0),
        flatten=1.0,
    ).fit(X, data.y, sample_domain=data.sample_domain)
    frequencies = np.bincount(data.y[source]) / source.sum()
    weights = (known / frequencies)[data.y[source]]
    expected = LogisticRegression().fit(
        X[source], data.y[source], sample_weight=weights / weights.mean()
    )
    np.testing.assert_allclose(clf.weights_, weights / weights.mean(), rtol=1e-12)
    np.testing.assert_allclose(
        clf.predict_proba(X), expected.predict_proba(X), rtol=1e-10
    )


# ---------------------------------------------------------------------------
# label_shift_test


def _test_on(data, seed, n_permutations=200):
    source = data.sample_domain > 0
    X = StandardScaler().fit(data.X[source]).transform(data.X)
    return label_shift_test(
        X[source],
        data.y[source],
        X[~source],
        estimator=LogisticRegression(max_iter=5000),
        n_permutations=n_permutations,
        random_state=seed,
    )


class _SignOfFirstFeature(ClassifierMixin, BaseEstimator):
    """Predicts the first class where ``x_0 < 0``, the last one elsewhere."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        last = self.classes_.size - 1
        return np.eye(self.classes_.size)[np.where(np.asarray(X)[:, 0] < 0, 0, last)]


def _sign_test_data():
    rng = np.random.RandomState(0)
    X_source = rng.normal(size=(60, 2))
    X_target = rng.normal(0.5, size=(40, 2))
    return X_source, np.arange(60) % 3, X_target


def test_label_shift_test_statistic_is_pearsons_on_the_prediction_table():
    X_source, y_source, X_target = _sign_test_data()
    result = label_shift_test(
        X_source,
        y_source,
        X_target,
        estimator=_SignOfFirstFeature(),
        n_permutations=50,
        random_state=0,
    )
    # The stub's predictions, counted by hand: class 0 below zero, class 2
    # above, class 1 never (a column without expected count, left out).
    source_below = np.sum(X_source[:, 0] < 0)
    target_below = np.sum(X_target[:, 0] < 0)
    table = [[source_below, 60 - source_below], [target_below, 40 - target_below]]
    expected = chi2_contingency(table, correction=False).statistic
    assert result.statistic == pytest.approx(expected, rel=1e-12)
    np.testing.assert_array_equal(
        result.source_prediction_rates,
        np.array([source_below, 0, 60 - source_below]) / 60,
    )
    np.testing.assert_array_equal(
        result.target_prediction_rates,
        np.array([target_below, 0, 40 - target_below]) / 40,
    )
    assert result.null_distribution.shape == (50,)


class _PredictsItsFold(ClassifierMixin, BaseEstimator):
    """One class for every row, set by the training fold: 1 without row 0."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.predicted_ = int(np.min(X[:, 0]) > 0)
        return self

    def predict_proba(self, X):
        return np.tile(np.eye(2)[self.predicted_], (len(X), 1))


def test_label_shift_test_permutes_the_domains_within_each_fold():
    # Column 0 is the row number: the model of fold 0 (rows 0-9 held out)
    # predicts 1 everywhere, the others 0. Within a fold every row gets the
    # same prediction, so permuting domains there leaves the table as it is.
    X_source = np.arange(30.0)[:, None]
    folds = [
        (np.setdiff1d(np.arange(30), test), test) for test in np.split(np.arange(30), 3)
    ]
    result = label_shift_test(
        X_source,
        np.arange(30) % 2,
        np.zeros((16, 1)),
        estimator=_PredictsItsFold(),
        cv=folds,
        n_permutations=100,
        random_state=0,
    )
    # 16 target rows dealt 5, 6, 5 to the folds (in proportion to their 10
    # held-out rows each): the table is known.
    expected = chi2_contingency([[20, 10], [11, 5]], correction=False).statistic
    assert result.statistic == pytest.approx(expected, rel=1e-12)
    np.testing.assert_array_equal(
        result.null_distribution, np.full(100, result.statistic)
    )
    assert result.pvalue == 1.0


@pytest.mark.parametrize("unlabeled", [-1, np.nan])
def test_label_shift_test_leaves_unlabeled_source_rows_out(unlabeled):
    X_source, y_source, X_target = _sign_test_data()
    kwargs = {"estimator": _SignOfFirstFeature(), "n_permutations": 50}
    y_marked = np.where(np.arange(60) < 12, unlabeled, y_source)
    if np.isnan(unlabeled):
        # NaN marks an unlabeled row whatever the task: nothing to warn.
        with warnings.catch_warnings():
            warnings.simplefilter("error", UnlabeledSourceRowsWarning)
            marked = label_shift_test(
                X_source, y_marked, X_target, random_state=0, **kwargs
            )
    else:
        # -1 could be a class of the problem: say that its rows are dropped.
        with pytest.warns(UnlabeledSourceRowsWarning, match="12 of the 60 rows"):
            marked = label_shift_test(
                X_source, y_marked, X_target, random_state=0, **kwargs
            )
    labelled = label_shift_test(
        X_source[12:], y_source[12:], X_target, random_state=0, **kwargs
    )
    # The same test as on the labelled rows alone: three classes, no fourth.
    assert marked.source_prediction_rates.shape == (3,)
    assert marked.statistic == labelled.statistic
    np.testing.assert_array_equal(marked.null_distribution, labelled.null_distribution)
    np.testing.assert_array_equal(
        marked.source_prediction_rates, labelled.source_prediction_rates
    )


def test_label_shift_test_leaves_nan_in_X_to_the_estimator():
    X_source, y_source, X_target = _sign_test_data()
    # The stub reads column 0 only: NaN in column 1 changes nothing.
    X_source_nan, X_target_nan = X_source.copy(), X_target.copy()
    X_source_nan[::7, 1] = np.nan
    X_target_nan[::5, 1] = np.nan
    kwargs = {"estimator": _SignOfFirstFeature(), "n_permutations": 50}
    with_nan = label_shift_test(
        X_source_nan, y_source, X_target_nan, random_state=0, **kwargs
    )
    without = label_shift_test(X_source, y_source, X_target, random_state=0, **kwargs)
    assert with_nan.statistic == without.statistic
    np.testing.assert_array_equal(with_nan.null_distribution, without.null_distribution)


def test_label_shift_test_result_prints_without_its_null_distribution():
    result = label_shift_test(
        *_sign_test_data(),
        estimator=_SignOfFirstFeature(),
        n_permutations=1000,
        random_state=0,
    )
    text = repr(result)
    assert text.startswith(f"LabelShiftTestResult(statistic={result.statistic!r}, ")
    assert f"pvalue={result.pvalue!r}" in text
    assert "null_distribution" not in text
    # The two rates of three classes, not a thousand null values.
    assert len(text) < 300
    assert result.null_distribution.shape == (1000,)


def test_label_shift_test_keeps_its_level_and_detects_a_knocked_out_class():
    pvalues = [
        _test_on(
            make_label_shift("breast_cancer", target_priors=None, random_state=s), s
        ).pvalue
        for s in range(40)
    ]
    # Level 5%: 2 rejections expected of 40; 7 or more has probability 0.4%.
    assert np.sum(np.array(pvalues) < 0.05) <= 6
    for seed in range(3):
        shifted = make_label_shift(
            "digits", target_priors="knock_out", random_state=seed
        )
        assert _test_on(shifted, seed).pvalue < 0.01


# ---------------------------------------------------------------------------
# make_label_shift


def test_make_label_shift_draws_the_asked_priors_from_the_tables_own_rows():
    table = skdatasets.load_digits()
    asked = np.array([0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.0, 0.0])
    data = make_label_shift("digits", target_priors=asked, random_state=3)
    target = data.sample_domain < 0
    # Every row is a row of the table with its own label: P(x | y) is kept.
    np.testing.assert_array_equal(data.X, table.data[data.original_index])
    np.testing.assert_array_equal(data.y, table.target[data.original_index])
    assert len(set(data.original_index)) == len(data.original_index)
    counts = np.bincount(data.y[target], minlength=10)
    # Rounded to whole rows: within one row of the asked share per class.
    assert np.all(np.abs(counts - asked * target.sum()) < 1)
    np.testing.assert_allclose(data.target_priors, counts / target.sum())
    # The source is a random half: the table's mix up to sampling (a
    # binomial standard deviation is about 0.01 here).
    table_mix = np.bincount(table.target) / table.target.size
    np.testing.assert_allclose(data.source_priors, table_mix, atol=0.04)
    np.testing.assert_allclose(
        data.source_priors, np.bincount(data.y[~target]) / (~target).sum()
    )
    again = make_label_shift("digits", target_priors=asked, random_state=3)
    np.testing.assert_array_equal(again.original_index, data.original_index)


def test_make_label_shift_knock_out_dirichlet_and_no_shift():
    knocked = make_label_shift("iris", target_priors="knock_out", random_state=0)
    assert np.count_nonzero(knocked.target_priors == 0) == 1
    # The other two keep the pool's mix: iris has 50 rows of each class.
    kept = knocked.target_priors[knocked.target_priors > 0]
    np.testing.assert_allclose(kept, [0.5, 0.5], atol=0.1)
    strong = [
        make_label_shift("digits", alpha=0.1, random_state=s).target_priors.max()
        for s in range(5)
    ]
    mild = [
        make_label_shift("digits", alpha=100.0, random_state=s).target_priors.max()
        for s in range(5)
    ]
    assert min(strong) > 0.3
    assert max(mild) < 0.15
    # No shift: the target is the whole pool, a random half of the table.
    unshifted = make_label_shift("breast_cancer", target_priors=None, random_state=0)
    np.testing.assert_allclose(
        unshifted.target_priors, unshifted.source_priors, atol=0.08
    )
    assert np.sum(unshifted.sample_domain < 0) == round(569 / 2)
    with pytest.raises(ValueError, match="one per class"):
        make_label_shift("iris", target_priors=[0.5, 0.5])


def test_make_label_shift_at_the_smallest_alpha_puts_the_target_in_one_class():
    for seed in range(10):
        priors = make_label_shift(
            "breast_cancer", alpha=0.01, random_state=seed
        ).target_priors
        assert np.all(np.isfinite(priors))
        assert priors.sum() == pytest.approx(1.0)
        # Concentration 0.01: nearly the whole target in one class.
        assert priors.max() > 0.9


def test_in_a_pipeline_and_cross_validation():
    data = make_label_shift("wine", target_priors=[0.6, 0.3, 0.1], random_state=2)
    y = np.where(data.sample_domain > 0, data.y, -1)
    model = LabelShiftClassifier(LogisticRegression(), n_bootstrap=0, random_state=0)
    pipe = make_da_pipeline(StandardScaler(), model).fit(
        data.X, y, sample_domain=data.sample_domain
    )
    direct = clone(model).fit(
        StandardScaler().fit_transform(data.X), y, sample_domain=data.sample_domain
    )
    fitted = pipe.named_steps["labelshiftclassifier"]
    np.testing.assert_array_equal(fitted.target_priors_, direct.target_priors_)
    np.testing.assert_array_equal(
        pipe.predict(data.X), direct.predict(StandardScaler().fit_transform(data.X))
    )
    # Each validation fold is scored on its labelled (source) rows only.
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(
        pipe, data.X, y, cv=folds, params={"sample_domain": data.sample_domain}
    )
    # Wine's folds hold about 30 source rows each.
    assert np.mean(scores) > 0.8

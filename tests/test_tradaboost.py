"""TrAdaBoost, TrAdaBoost.R2 and two-stage TrAdaBoost.R2 against their papers."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import brentq
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.tree import DecisionTreeRegressor

from sktransfer.exceptions import NoTargetLabelsWarning
from sktransfer.supervised._tradaboost import (
    _ROUNDS,
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
    TwoStageTrAdaBoostRegressor,
)


class _Stump(ClassifierMixin, BaseEstimator):
    """The threshold on the first feature of least weighted 0/1 error.

    Deterministic: every midpoint and both directions are tried, and the
    problems below are built without ties.
    """

    def fit(self, X, y, sample_weight):
        self.weights_seen_ = np.asarray(sample_weight).copy()
        x = np.asarray(X)[:, 0]
        values = np.unique(x)
        best = np.inf
        for threshold in (values[1:] + values[:-1]) / 2:
            for above in (0, 1):
                error = np.sum(
                    sample_weight * (np.where(x > threshold, above, 1 - above) != y)
                )
                if error < best:
                    best, self.threshold_, self.above_ = error, threshold, above
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.where(
            np.asarray(X)[:, 0] > self.threshold_, self.above_, 1 - self.above_
        )


class _WeightedMean(RegressorMixin, BaseEstimator):
    """Predicts the weighted mean of the labels; records the weights it was given."""

    fits = []

    def fit(self, X, y, sample_weight):
        _WeightedMean.fits.append(np.asarray(sample_weight).copy())
        self.mean_ = np.dot(sample_weight, y) / np.sum(sample_weight)
        return self

    def predict(self, X):
        return np.full(np.asarray(X).shape[0], self.mean_)


class _Constant(ClassifierMixin, BaseEstimator):
    """Predicts one class whatever the rows."""

    def __init__(self, label=0):
        self.label = label

    def fit(self, X, y, sample_weight):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(np.asarray(X).shape[0], self.label)


class _Recorder(BaseEstimator):
    """Records the rows and labels of every fit; predicts its first label."""

    seen = []

    def fit(self, X, y, sample_weight):
        _Recorder.seen.append((np.asarray(X).copy(), np.asarray(y).copy()))
        self.first_ = np.asarray(y)[0]
        return self

    def predict(self, X):
        return np.full(np.asarray(X).shape[0], self.first_)


class _RecordingClassifier(ClassifierMixin, _Recorder):
    pass


class _RecordingRegressor(RegressorMixin, _Recorder):
    pass


def _rotated_boundary(seed, n_labelled=30, n_source=1000, n_test=600):
    """A target whose decision boundary is turned 45 degrees from the source's.

    Thirty features; the labels follow a logistic model whose weights share
    28 coordinates between the domains, while in the plane of the first two
    the target's weight vector is the source's turned by 45 degrees. No
    reweighting of the source moves its boundary, and 30 target labels are
    few for 30 features. The labelled and test target rows are drawn at
    random, stratified by label.

    Returns
    -------
    X, y, sample_domain, X_test, y_test
    """
    rng = np.random.RandomState(seed)
    n_target = n_labelled + n_test
    shared = np.linspace(1.0, -1.0, 28)
    angle = np.pi / 4
    w_source = np.r_[6.0, 0.0, shared]
    w_target = np.r_[6 * np.cos(angle), 6 * np.sin(angle), shared]
    X_source = rng.normal(size=(n_source, 30))
    X_target = rng.normal(size=(n_target, 30))
    y_source = (rng.rand(n_source) < 1 / (1 + np.exp(-5 * X_source @ w_source))).astype(
        int
    )
    y_target = (rng.rand(n_target) < 1 / (1 + np.exp(-5 * X_target @ w_target))).astype(
        int
    )
    labelled, test = train_test_split(
        np.arange(n_target), train_size=n_labelled, stratify=y_target, random_state=seed
    )
    X = np.vstack([X_source, X_target[labelled]])
    y = np.r_[y_source, y_target[labelled]]
    sample_domain = np.r_[np.ones(n_source, int), -np.ones(n_labelled, int)]
    return X, y, sample_domain, X_target[test], y_target[test]


def _small_task(task, seed=0, n_source=120, n_labelled=20):
    """A few features, a level shift (regression) or a turned boundary."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_source + n_labelled, 3))
    if task == "classification":
        y = (X[:, 0] > 0).astype(int)
        y[n_source:] = (X[n_source:, 0] + X[n_source:, 1] > 0).astype(int)
    else:
        y = X[:, 0] + np.r_[np.zeros(n_source), 2 * np.ones(n_labelled)]
    sample_domain = np.r_[np.ones(n_source, int), -np.ones(n_labelled, int)]
    return X, y, sample_domain


# ------------------------------------------------------------------ TrAdaBoost


def test_tradaboost_weights_after_one_and_two_rounds():
    # Source rows 0..5, labelled by x > 2.5; four target rows whose concept
    # differs. Three rounds, so beta = 1 / (1 + sqrt(2 ln 6 / 3)).
    X = np.r_[0, 1, 2, 3, 4, 5, 0.625, 0.875, 1.375, 1.875].reshape(-1, 1)
    y = np.r_[0, 0, 0, 1, 1, 1, 1, 0, 1, 1]
    sample_domain = np.r_[np.ones(6, int), -np.ones(4, int)]
    clf = TrAdaBoostClassifier(_Stump(), n_estimators=3)
    clf.fit(X, y, sample_domain=sample_domain)
    beta = 1 / (1 + np.sqrt(2 * np.log(6) / 3))

    # Round 1, uniform weights: the best stump is x > 1.1875 (errors: the
    # source row 2 and the target row 0.625; every other stump errs on 3
    # rows). eps_1 = 1/4 on the target, beta_1 = 1/3.
    assert_allclose(clf.source_weights_[0], np.full(6, 0.1))
    assert clf.estimators_[0].threshold_ == 1.1875
    after_one = np.r_[1, 1, beta, 1, 1, 1, 3, 1, 1, 1]
    after_one /= after_one.sum()
    assert_allclose(clf.source_weights_[1], after_one[:6])
    assert_allclose(clf.target_weights_[1], after_one[6:])
    # The learner is given the weights with a mean of one.
    assert_allclose(clf.estimators_[1].weights_seen_, 10 * after_one)

    # Round 2: x > 0.3125 errs on the source rows 1 and 2 and the target row
    # 0.875 (weight 2 + beta, against 3 + beta for x > 1.1875). eps_2 =
    # 1 / (3 + 1 + 1 + 1), beta_2 = 1/5.
    assert clf.estimators_[1].threshold_ == 0.3125
    after_two = np.r_[1, beta, beta**2, 1, 1, 1, 3, 5, 1, 1]
    after_two /= after_two.sum()
    assert_allclose(clf.source_weights_[2], after_two[:6])
    assert_allclose(clf.target_weights_[2], after_two[6:])
    assert_allclose(clf.estimator_weights_[:2], np.log([3, 5]))

    # Round 3 goes back to x > 1.1875: eps_3 = 3/10, beta_3 = 3/7. Only
    # rounds ceil(3/2) = 2 and 3 vote: at x = 0.8 round 2 (weight log 5)
    # outvotes round 3 (log 7/3); round 1 (log 3) would tip it to 0.
    assert clf.estimators_[2].threshold_ == 1.1875
    assert_allclose(clf.estimator_weights_[2], np.log(7 / 3))
    assert_array_equal(clf.predict([[0.0], [0.8], [1.5], [3.0]]), [0, 1, 1, 1])


def test_tradaboost_clips_the_target_error_inside_zero_and_one_half():
    X = np.arange(8.0).reshape(-1, 1)
    y = np.r_[0, 1, 0, 1, 1, 1, 1, 0]
    sample_domain = np.r_[np.ones(4, int), -np.ones(4, int)]
    # Always 0: wrong on three of the four target rows, eps = 3/4 >= 1/2.
    chance = TrAdaBoostClassifier(_Constant(0), n_estimators=2)
    chance.fit(X, y, sample_domain=sample_domain)
    assert 0 < chance.estimator_weights_[0] < 1e-8
    # The target weights hardly move; the wrong source rows fall by beta.
    beta = 1 / (1 + np.sqrt(2 * np.log(4) / 2))
    expected = np.r_[1, beta, 1, beta, 1, 1, 1, 1]
    assert_allclose(
        np.r_[chance.source_weights_[1], chance.target_weights_[1]],
        expected / expected.sum(),
        rtol=1e-8,
    )
    # Always 1 errs on one target row; on a target of 1s only, eps = 0.
    perfect = TrAdaBoostClassifier(_Constant(1), n_estimators=2)
    perfect.fit(X, np.r_[0, 1, 0, 1, 1, 1, 1, 1], sample_domain=sample_domain)
    assert_allclose(perfect.estimator_weights_, np.log((1 - 1e-10) / 1e-10))


def test_tradaboost_r2_weights_after_one_and_two_rounds():
    X = np.arange(6.0).reshape(-1, 1)
    y = np.r_[0.0, 1, 2, 6, 3, 4]
    sample_domain = np.r_[np.ones(4, int), -np.ones(2, int)]
    reg = TrAdaBoostRegressor(_WeightedMean(), n_estimators=3)
    reg.fit(X, y, sample_domain=sample_domain)
    beta = 1 / (1 + np.sqrt(2 * np.log(4) / 3))

    # Round 1: the mean 8/3; errors 8/3, 5/3, 2/3, 10/3 | 1/3, 4/3 over their
    # largest, 10/3. eps_1 = (0.1 + 0.4) / 2 = 1/4, beta_1 = 1/3.
    loss = np.r_[0.8, 0.5, 0.2, 1.0, 0.1, 0.4]
    after_one = np.r_[beta ** loss[:4], 3 ** loss[4:]] / 6
    after_one /= after_one.sum()
    assert_allclose(reg.source_weights_[1], after_one[:4])
    assert_allclose(reg.target_weights_[1], after_one[4:])
    assert_allclose(reg.estimator_weights_[0], np.log(3))

    # Round 2, the same steps from those weights.
    mean = np.dot(after_one, y)
    error = np.abs(y - mean)
    loss = error / error.max()
    eps = np.dot(after_one[4:], loss[4:]) / after_one[4:].sum()
    beta_2 = eps / (1 - eps)
    after_two = after_one * np.r_[beta ** loss[:4], beta_2 ** -loss[4:]]
    after_two /= after_two.sum()
    assert_allclose(reg.source_weights_[2], after_two[:4])
    assert_allclose(reg.target_weights_[2], after_two[4:])
    assert_allclose(reg.estimator_weights_[1], np.log(1 / beta_2))

    # Rounds 2 and 3 predict: the weighted median of two constants is the
    # smaller one when it holds at least half the weight.
    means = np.array([est.mean_ for est in reg.estimators_[1:]])
    weights = reg.estimator_weights_[1:]
    low = np.argmin(means)
    median = means[low] if weights[low] >= weights.sum() / 2 else means.max()
    assert_allclose(reg.predict(X[:2]), [median, median])


def test_two_stage_schedule_and_frozen_source_weights():
    X = np.arange(7.0).reshape(-1, 1)
    y = np.r_[0.0, 1, 2, 6, 5, 3, 4]
    n_source = 5
    sample_domain = np.r_[np.ones(n_source, int), -np.ones(2, int)]
    _WeightedMean.fits.clear()
    reg = TwoStageTrAdaBoostRegressor(
        _WeightedMean(), n_steps=4, n_estimators=3, step=2
    )
    reg.fit(X, y, sample_domain=sample_domain)

    # The target's share goes from 2/7 to 1 in three equal steps.
    shares = reg.target_weights_.sum(axis=1)
    assert_allclose(shares, 2 / 7 + np.arange(4) / 3 * (5 / 7))
    assert_allclose(reg.source_weights_.sum(axis=1) + shares, 1)
    assert_array_equal(reg.source_weights_[-1], 0)

    # Step 1 -> 2: the estimator fitted with uniform weights predicts the
    # mean, 3; each source row is multiplied by beta ** loss, beta such
    # that the target holds its new share; the target rows keep theirs.
    loss = np.abs(y - 3) / 3
    share = 2 / 7 + 5 / 21

    def target_share(beta):
        return 2 / (2 + np.sum(beta ** loss[:n_source])) - share

    beta = brentq(target_share, 1e-12, 1)
    expected = np.r_[beta ** loss[:n_source], 1, 1]
    expected /= expected.sum()
    assert_allclose(reg.source_weights_[1], expected[:n_source])
    assert_allclose(reg.target_weights_[1], expected[n_source:])

    # Step 2's AdaBoost.R2 (three fits after the schedule's three): the
    # source weights stay frozen, the target rows move by beta ** (1 - loss).
    adaboost = [w / w.sum() for w in _WeightedMean.fits[3:]]
    assert len(adaboost) == reg.n_estimators_ == 3
    for weights in adaboost:
        assert_allclose(weights[:n_source], expected[:n_source])
    mean = np.dot(expected, y)
    loss = np.abs(y - mean) / np.abs(y - mean).max()
    average = np.dot(expected, loss)
    beta = average / (1 - average)
    target = expected[n_source:] * beta ** (1 - loss[n_source:])
    target *= expected[n_source:].sum() / target.sum()
    assert_allclose(adaboost[1][n_source:], target)
    assert_allclose(reg.estimator_weights_[0], np.log(1 / beta))


def test_two_stage_refuses_a_step_past_the_last():
    X, y, sample_domain = _small_task("regression")
    with pytest.raises(ValueError, match="step=5 is past the last of n_steps=4"):
        TwoStageTrAdaBoostRegressor(n_steps=4, step=5).fit(
            X, y, sample_domain=sample_domain
        )


# ------------------------------------------------------- choice on the target


@pytest.mark.parametrize(
    ("estimator_class", "task"),
    [(TrAdaBoostClassifier, "classification"), (TrAdaBoostRegressor, "regression")],
)
def test_rounds_auto_chosen_among_the_candidates_and_an_int_kept(estimator_class, task):
    X, y, sample_domain = _small_task(task)
    auto = estimator_class(random_state=0).fit(X, y, sample_domain=sample_domain)
    assert auto.cv_scores_.shape == (len(_ROUNDS),)
    assert auto.n_estimators_ == _ROUNDS[np.argmax(auto.cv_scores_)]
    assert len(auto.estimators_) == auto.n_estimators_
    assert auto.source_weights_.shape == (auto.n_estimators_, 120)
    assert auto.target_weights_.shape == (auto.n_estimators_, 20)
    # The first round of any run fits the uniform weights.
    assert_allclose(auto.source_weights_[0], np.full(120, 1 / 140))

    fixed = estimator_class(n_estimators=4).fit(X, y, sample_domain=sample_domain)
    assert fixed.n_estimators_ == len(fixed.estimators_) == 4
    assert fixed.estimator_weights_.shape == (4,)
    assert not hasattr(fixed, "cv_scores_")


def test_two_stage_step_auto_chosen_among_the_steps_and_an_int_kept():
    X, y, sample_domain = _small_task("regression")
    auto = TwoStageTrAdaBoostRegressor(n_steps=4, n_estimators=3, random_state=0)
    auto.fit(X, y, sample_domain=sample_domain)
    assert auto.cv_scores_.shape == (4,)
    assert auto.step_ == np.argmax(auto.cv_scores_) + 1
    # A level shift that the source cannot follow: pooling is the worst step.
    assert auto.cv_scores_[0] == auto.cv_scores_.min()
    fixed = TwoStageTrAdaBoostRegressor(n_steps=4, n_estimators=3, step=3)
    fixed.fit(X, y, sample_domain=sample_domain)
    assert fixed.step_ == 3
    assert not hasattr(fixed, "cv_scores_")


def test_tradaboost_beats_source_only_and_target_only_on_a_turned_boundary():
    # Averaged over five draws: one draw of 30 labels may favour either end.
    scores = []
    for seed in range(5):
        X, y, sample_domain, X_test, y_test = _rotated_boundary(seed)
        source, target = sample_domain > 0, sample_domain < 0
        models = [
            TrAdaBoostClassifier(random_state=seed).fit(
                X, y, sample_domain=sample_domain
            ),
            LogisticRegression().fit(X[source], y[source]),
            LogisticRegression().fit(X[target], y[target]),
        ]
        scores.append([model.score(X_test, y_test) for model in models])
    tradaboost, source_only, target_only = np.mean(scores, axis=0)
    assert tradaboost > max(source_only, target_only) + 0.01


# ---------------------------------------------------------------- shared rules


_ALL = [
    (TrAdaBoostClassifier, "classification"),
    (TrAdaBoostRegressor, "regression"),
    (TwoStageTrAdaBoostRegressor, "regression"),
]


def _fast(estimator_class, **params):
    if estimator_class is TwoStageTrAdaBoostRegressor:
        params.update(n_steps=3, n_estimators=3)
    return estimator_class(**params)


@pytest.mark.parametrize(("estimator_class", "task"), _ALL)
def test_unlabeled_target_rows_are_never_read_as_labels(estimator_class, task):
    X, y, sample_domain = _small_task(task)
    # Unlabeled target rows far from every other row.
    missing = -1 if task == "classification" else np.nan
    X_all = np.vstack([X, np.full((15, 3), 1e6)])
    y_all = np.r_[y, np.full(15, missing)]
    domains = np.r_[sample_domain, -np.ones(15, int)]
    recorder = (
        _RecordingClassifier() if task == "classification" else _RecordingRegressor()
    )
    _Recorder.seen.clear()
    _fast(estimator_class, estimator=recorder, random_state=0).fit(
        X_all, y_all, sample_domain=domains
    )
    assert len(_Recorder.seen) > 1
    for X_seen, y_seen in _Recorder.seen:
        assert np.abs(X_seen).max() < 1e3
        assert not np.any(np.isnan(y_seen) if task == "regression" else y_seen == -1)
    # A fit with them is the fit without them.
    with_unlabeled = _fast(estimator_class, random_state=0).fit(
        X_all, y_all, sample_domain=domains
    )
    without = _fast(estimator_class, random_state=0).fit(
        X, y, sample_domain=sample_domain
    )
    assert_allclose(with_unlabeled.predict(X), without.predict(X))


def test_predict_proba_is_the_vote_and_sums_to_one():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(150, 2))
    y = np.digitize(X[:, 0], [-0.5, 0.5])  # three classes
    y[120:] = np.digitize(X[120:, 1], [-0.5, 0.5])
    sample_domain = np.r_[np.ones(120, int), -np.ones(30, int)]
    clf = TrAdaBoostClassifier(n_estimators=6).fit(X, y, sample_domain=sample_domain)
    proba = clf.predict_proba(X)
    assert_array_equal(clf.classes_, [0, 1, 2])
    assert_allclose(proba.sum(axis=1), 1)
    assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    # Rounds 3 to 6 vote, each with its weight.
    votes = np.zeros_like(proba)
    for est, weight in zip(
        clf.estimators_[2:], clf.estimator_weights_[2:], strict=True
    ):
        votes[np.arange(150), est.predict(X)] += weight
    assert_allclose(proba, votes / clf.estimator_weights_[2:].sum())


@pytest.mark.parametrize(
    ("estimator_class", "estimator"),
    [
        (TrAdaBoostClassifier, KNeighborsClassifier()),
        (TrAdaBoostRegressor, KNeighborsRegressor()),
        (TwoStageTrAdaBoostRegressor, KNeighborsRegressor()),
    ],
)
def test_an_estimator_without_sample_weight_is_refused(estimator_class, estimator):
    task = "classification" if estimator_class is TrAdaBoostClassifier else "regression"
    X, y, sample_domain = _small_task(task)
    with pytest.raises(ValueError, match="KNeighbors.*takes no sample_weight"):
        estimator_class(estimator).fit(X, y, sample_domain=sample_domain)


@pytest.mark.parametrize(("estimator_class", "task"), _ALL)
def test_without_target_labels_one_estimator_fits_the_source(estimator_class, task):
    X, y, sample_domain = _small_task(task)
    source = sample_domain > 0
    estimator = LogisticRegression() if task == "classification" else Ridge()
    # Without sample_domain every labelled row is a source row.
    y_fit = np.where(source, y, -1 if task == "classification" else np.nan)
    with pytest.warns(NoTargetLabelsWarning, match="found none"):
        model = estimator_class(estimator).fit(X, y_fit)
    assert model.n_estimators_ == len(model.estimators_) == 1
    reference = estimator.fit(X[source], y[source])
    assert_allclose(model.predict(X), reference.predict(X))


def test_the_default_tree_is_seeded_by_random_state():
    X, y, sample_domain = _small_task("regression")
    fits = [
        TrAdaBoostRegressor(n_estimators=3, random_state=0).fit(
            X, y, sample_domain=sample_domain
        )
        for _ in range(2)
    ]
    seeds = [[est.random_state for est in fit.estimators_] for fit in fits]
    assert seeds[0] == seeds[1]
    assert all(isinstance(seed, int) for seed in seeds[0])
    assert isinstance(fits[0].estimators_[0], DecisionTreeRegressor)
    assert fits[0].estimators_[0].max_depth == 4

"""PRED and continued boosting: the source model as a prior of the target model."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import KFold
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from sktransfer.exceptions import NoTargetDomainWarning, NoTargetLabelsWarning
from sktransfer.supervised import (
    ContinuedBoostingClassifier,
    ContinuedBoostingRegressor,
    PREDClassifier,
    PREDRegressor,
)


def _source_function(X):
    return np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] ** 2


def _level_shift(seed, n_labelled=30, shift=2.0, n_source=400):
    """Regression whose target is the source function plus ``shift``.

    Three features; the labelled target rows are followed by 40 unlabeled
    target rows (``NaN``); 500 other target rows are the held-out test.

    Returns
    -------
    X, y, sample_domain, X_test, y_test
    """
    rng = np.random.RandomState(seed)
    X_source = rng.normal(size=(n_source, 3))
    X_target = rng.normal(size=(n_labelled + 40 + 500, 3))
    y_source = _source_function(X_source) + 0.1 * rng.normal(size=n_source)
    y_target = _source_function(X_target) + shift + 0.1 * rng.normal(size=len(X_target))
    fit = n_labelled + 40
    X = np.vstack([X_source, X_target[:fit]])
    y = np.r_[y_source, y_target[:n_labelled], np.full(40, np.nan)]
    sample_domain = np.r_[np.ones(n_source, int), -np.ones(fit, int)]
    return X, y, sample_domain, X_target[fit:], y_target[fit:]


def _log_odds_shift(seed, n_labelled, n_classes=2, shift=2.0, n_features=10):
    """Classification from a logistic model whose target log-odds are shifted.

    Binary: the target's log-odds are the source's minus ``shift``.
    Multiclass: class scores ``X @ W``, the target's score of class 0 raised
    by ``shift``. Labelled target rows follow the 400 source rows; 30
    unlabeled target rows (``-1``) follow them.

    Returns
    -------
    X, y, sample_domain, X_test, y_test
    """
    rng = np.random.RandomState(seed)
    n_target = n_labelled + 30 + 1000
    X_source = rng.normal(size=(400, n_features))
    X_target = rng.normal(size=(n_target, n_features))
    if n_classes == 2:
        w = rng.normal(size=n_features)
        y_source = rng.rand(400) < expit(X_source @ w)
        y_target = rng.rand(n_target) < expit(X_target @ w - shift)
        y_source, y_target = y_source.astype(int), y_target.astype(int)
    else:
        W = rng.normal(size=(n_features, n_classes))

        def draw(scores):
            proba = np.exp(scores - scores.max(axis=1, keepdims=True))
            cumulative = np.cumsum(proba / proba.sum(axis=1, keepdims=True), axis=1)
            return (rng.rand(len(scores), 1) > cumulative).sum(axis=1)

        y_source = draw(X_source @ W)
        y_target = draw(X_target @ W + shift * np.eye(n_classes)[0])
    fit = n_labelled + 30
    X = np.vstack([X_source, X_target[:fit]])
    y = np.r_[y_source, y_target[:n_labelled], -np.ones(30, int)]
    sample_domain = np.r_[np.ones(400, int), -np.ones(fit, int)]
    return X, y, sample_domain, X_target[fit:], y_target[fit:]


def _labelled(y, sample_domain):
    """Indices of the labelled source rows and of the labelled target rows."""
    known = ~np.isnan(y) if y.dtype.kind == "f" else y != -1
    return np.flatnonzero(known & (sample_domain > 0)), np.flatnonzero(
        known & (sample_domain < 0)
    )


class _Recorder(BaseEstimator):
    """Records the rows and labels of every fit, and the rows it predicts."""

    def fit(self, X, y):
        self.X_seen_ = X.copy()
        self.y_seen_ = np.asarray(y).copy()
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        self.X_predicted_ = X.copy()
        return np.full(X.shape[0], self.y_seen_[0])


class _RecordingClassifier(ClassifierMixin, _Recorder):
    def predict_proba(self, X):
        return np.full((X.shape[0], self.classes_.shape[0]), 1 / self.classes_.shape[0])


class _LabelsOnlyClassifier(ClassifierMixin, _Recorder):
    """A classifier with neither predict_proba nor decision_function."""


class _RecordingRegressor(RegressorMixin, _Recorder):
    pass


class _RecordingBoostingRegressor(HistGradientBoostingRegressor):
    """A HistGradientBoostingRegressor that keeps the labels of every fit."""

    seen = []

    def fit(self, X, y, sample_weight=None):
        type(self).seen.append(np.asarray(y).copy())
        return super().fit(X, y, sample_weight=sample_weight)


# -------------------------------------------------------------- continued boosting


@pytest.mark.parametrize("n_classes", [None, 2, 3])
@pytest.mark.parametrize("with_target_labels", [True, False])
def test_continued_boosting_without_target_rounds_is_the_source_model(
    n_classes, with_target_labels
):
    if n_classes is None:
        X, y, sample_domain, X_test, _ = _level_shift(0)
        model = ContinuedBoostingRegressor(
            HistGradientBoostingRegressor(random_state=0), n_target_rounds=0
        )
        reference = HistGradientBoostingRegressor(random_state=0)
    else:
        X, y, sample_domain, X_test, _ = _log_odds_shift(0, 30, n_classes)
        model = ContinuedBoostingClassifier(
            HistGradientBoostingClassifier(random_state=0), n_target_rounds=0
        )
        reference = HistGradientBoostingClassifier(random_state=0)
    source, target = _labelled(y, sample_domain)
    reference.fit(X[source], y[source])
    if with_target_labels:
        model.fit(X, y, sample_domain=sample_domain)
    else:
        # The source-only form: every labelled row is a source row.
        model.set_params(n_target_rounds="auto")
        with pytest.warns(NoTargetDomainWarning):
            model.fit(X[source], y[source])
        # Target rows, none of them labelled.
        rows = np.setdiff1d(np.arange(len(y)), target)
        with pytest.warns(NoTargetLabelsWarning):
            model.fit(X[rows], y[rows], sample_domain=sample_domain[rows])
        assert_array_equal(model.predict(X_test), reference.predict(X_test))
    assert model.n_target_rounds_ == 0
    assert model.target_estimator_ is None
    assert_array_equal(model.predict(X_test), reference.predict(X_test))
    if n_classes is not None:
        assert_array_equal(model.classes_, reference.classes_)
        assert_allclose(
            model.predict_proba(X_test), reference.predict_proba(X_test), atol=1e-12
        )
        assert_allclose(
            model.decision_function(X_test),
            reference.decision_function(X_test),
            atol=1e-12,
        )


def test_target_rounds_fit_the_residuals_of_the_source_model():
    # Squared error: boosting continued from the source model's predictions
    # f is boosting, from zero, of the residuals y - f. The residuals here
    # have a mean of exactly zero, so that a HistGradientBoostingRegressor
    # fitted on them starts from zero too (its intercept is their mean):
    # the two must agree tree for tree.
    X, y, sample_domain, X_test, _ = _level_shift(1)
    source, target = _labelled(y, sample_domain)
    source_model = HistGradientBoostingRegressor(random_state=0).fit(
        X[source], y[source]
    )
    rng = np.random.RandomState(1)
    residuals = np.cos(3 * X[target, 2]) + 0.3 * rng.normal(size=target.size)
    residuals -= residuals.mean()
    y = y.copy()
    y[target] = source_model.predict(X[target]) + residuals
    model = ContinuedBoostingRegressor(
        HistGradientBoostingRegressor(random_state=0),
        n_target_rounds=20,
        target_learning_rate=0.3,
        target_min_samples_leaf=4,
    ).fit(X, y, sample_domain=sample_domain)
    on_residuals = HistGradientBoostingRegressor(
        max_iter=20, learning_rate=0.3, min_samples_leaf=4, early_stopping=False
    ).fit(X[target], residuals)
    expected = source_model.predict(X_test) + on_residuals.predict(X_test)
    assert_allclose(model.predict(X_test), expected, atol=1e-10)
    assert np.ptp(on_residuals.predict(X_test)) > 0.5  # the trees do split


def test_first_target_round_is_a_newton_step_at_the_source_scores():
    # Each leaf of the first target tree moves the score of its rows by
    # -learning_rate * sum(gradient) / sum(hessian), the log loss's gradient
    # p - y and hessian p (1 - p) taken at the source model's probabilities p.
    X, y, sample_domain, _, _ = _log_odds_shift(2, 60, n_features=3)
    source, target = _labelled(y, sample_domain)
    model = ContinuedBoostingClassifier(
        n_target_rounds=1, target_learning_rate=0.5
    ).fit(X, y, sample_domain=sample_domain)
    step = model.target_estimator_.decision_function(X[target])
    p = expit(
        HistGradientBoostingClassifier()
        .fit(X[source], y[source])
        .decision_function(X[target])
    )
    gradient, hessian = p - y[target], p * (1 - p)
    leaves = np.unique(step)
    assert leaves.size > 2
    for value in leaves:
        in_leaf = step == value
        # Gradients and hessians are summed in float32 by scikit-learn.
        assert_allclose(
            value, -0.5 * gradient[in_leaf].sum() / hessian[in_leaf].sum(), rtol=1e-5
        )


def test_continued_boosting_beats_source_only_and_target_only_on_a_level_shift():
    for seed in range(3):
        X, y, sample_domain, X_test, y_test = _level_shift(seed)
        source, target = _labelled(y, sample_domain)
        model = ContinuedBoostingRegressor(random_state=seed).fit(
            X, y, sample_domain=sample_domain
        )
        source_only = HistGradientBoostingRegressor().fit(X[source], y[source])
        target_only = HistGradientBoostingRegressor(min_samples_leaf=5).fit(
            X[target], y[target]
        )
        errors = [
            mean_squared_error(y_test, m.predict(X_test))
            for m in (model, source_only, target_only)
        ]
        assert model.n_target_rounds_ >= 20, model.cv_scores_
        assert errors[0] < 0.5 * min(errors[1:]), errors


def test_auto_rounds_scores_are_out_of_fold_errors_of_separate_fits():
    # n_target_rounds="auto" scores every count from one fit per fold through
    # its stages; a separate fit per count and fold must give the same scores.
    X, y, sample_domain, _, _ = _level_shift(3, n_labelled=24, n_source=200)
    source, target = _labelled(y, sample_domain)
    cv = KFold(3, shuffle=True, random_state=0)
    model = ContinuedBoostingRegressor(cv=cv).fit(X, y, sample_domain=sample_domain)
    assert_array_equal(model.rounds_, [0, 5, 10, 20, 50, 100])
    for j in (0, 3):
        tested, predicted = [], []
        for train, test in cv.split(X[target]):
            rows = np.r_[source, target[train]]
            fitted = ContinuedBoostingRegressor(
                n_target_rounds=int(model.rounds_[j])
            ).fit(X[rows], y[rows], sample_domain=sample_domain[rows])
            tested.append(target[test])
            predicted.append(fitted.predict(X[target[test]]))
        expected = -mean_squared_error(
            y[np.concatenate(tested)], np.concatenate(predicted)
        )
        assert_allclose(model.cv_scores_[j], expected, rtol=1e-10)
    assert model.n_target_rounds_ == model.rounds_[np.argmax(model.cv_scores_)]


def test_continued_boosting_keeps_a_source_class_the_target_lacks():
    X, y, sample_domain, X_test, _ = _log_odds_shift(4, 40, n_classes=3)
    source, target = _labelled(y, sample_domain)
    y = y.copy()
    y[target] = np.where(y[target] == 2, 1, y[target])  # no labelled class 2
    model = ContinuedBoostingClassifier(n_target_rounds=20).fit(
        X, y, sample_domain=sample_domain
    )
    assert_array_equal(model.classes_, [0, 1, 2])
    proba = model.predict_proba(X_test)
    source_proba = model.source_estimator_.predict_proba(X_test)
    assert proba.shape == (X_test.shape[0], 3)
    assert_allclose(proba.sum(axis=1), 1.0)
    # The target rows all say "not class 2": its probability goes down.
    assert proba[:, 2].mean() < 0.7 * source_proba[:, 2].mean()
    # "auto" runs its folds on the same rows.
    ContinuedBoostingClassifier(random_state=0).fit(X, y, sample_domain=sample_domain)


def test_continued_boosting_reads_categorical_columns_of_a_dataframe():
    rng = np.random.RandomState(5)
    n_source, n_target = 400, 560
    categories = ["a", "b", "c"]
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n_source + n_target),
            "group": pd.Categorical(
                rng.choice(categories, n_source + n_target), categories=categories
            ),
        }
    )
    group = frame["group"].to_numpy()
    y_all = np.sin(2 * frame["x"].to_numpy()) + 2.0 * (group == "a")
    y_all[n_source:] += 1.5 * (group[n_source:] == "b")  # the target's "b" moves
    y = np.r_[y_all[: n_source + 60], np.full(n_target - 60, np.nan)]
    sample_domain = np.r_[np.ones(n_source, int), -np.ones(n_target, int)]
    test = np.arange(n_source + 60, n_source + n_target)
    estimator = HistGradientBoostingRegressor(
        categorical_features="from_dtype", random_state=0
    )
    reference = HistGradientBoostingRegressor(
        categorical_features="from_dtype", random_state=0
    ).fit(frame.iloc[:n_source], y[:n_source])
    unchanged = ContinuedBoostingRegressor(estimator, n_target_rounds=0).fit(
        frame, y, sample_domain=sample_domain
    )
    assert_array_equal(
        unchanged.predict(frame.iloc[test]), reference.predict(frame.iloc[test])
    )
    model = ContinuedBoostingRegressor(estimator, random_state=0).fit(
        frame, y, sample_domain=sample_domain
    )
    assert_array_equal(model.feature_names_in_, ["x", "group"])
    errors = {
        name: mean_squared_error(y_all[test], m.predict(frame.iloc[test]))
        for name, m in [("continued", model), ("source", reference)]
    }
    assert errors["continued"] < 0.5 * errors["source"], errors


# --------------------------------------------------------------------------- PRED


@pytest.mark.parametrize(
    ("estimator", "method", "n_classes", "name"),
    [
        (LogisticRegression(), "decision_function", 2, "source_decision_1"),
        (LogisticRegression(), "decision_function", 3, "source_decision_0"),
        (GaussianNB(), "predict_proba", 2, "source_proba_1"),
        (Ridge(), "predict", None, "source_prediction"),
    ],
)
def test_pred_appends_the_source_models_output(estimator, method, n_classes, name):
    if n_classes is None:
        X, y, sample_domain, X_test, _ = _level_shift(6)
        model = PREDRegressor(estimator, target_estimator=_RecordingRegressor())
    else:
        X, y, sample_domain, X_test, _ = _log_odds_shift(6, 25, n_classes)
        model = PREDClassifier(estimator, target_estimator=_RecordingClassifier())
    source, target = _labelled(y, sample_domain)
    model.fit(X, y, sample_domain=sample_domain)
    reference = estimator.fit(X[source], y[source])

    def expected(rows):
        output = getattr(reference, method)(rows)
        if method == "predict_proba":
            output = output[:, 1:]  # binary: the second class's column
        return np.hstack([rows, output.reshape(rows.shape[0], -1)])

    seen = model.target_estimator_
    assert_allclose(seen.X_seen_, expected(X[target]), rtol=1e-12)
    assert_array_equal(seen.y_seen_, y[target])
    model.predict(X_test)
    assert_allclose(seen.X_predicted_, expected(X_test), rtol=1e-12)
    if n_classes:
        assert model.source_output_ == method
    # A DataFrame gets the columns by name.
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    model.fit(frame, y, sample_domain=sample_domain)
    assert list(model.target_estimator_.X_seen_.columns)[X.shape[1]] == name


def test_pred_beats_target_only_on_a_log_odds_shift():
    gains = []
    for seed in range(4):
        X, y, sample_domain, X_test, y_test = _log_odds_shift(seed, 25)
        _, target = _labelled(y, sample_domain)
        model = PREDClassifier().fit(X, y, sample_domain=sample_domain)
        target_only = LogisticRegression().fit(X[target], y[target])
        gains.append(model.score(X_test, y_test) - target_only.score(X_test, y_test))
    assert np.mean(gains) > 0.02, gains
    assert min(gains) > 0, gains


def test_pred_keeps_a_dataframe_for_a_target_pipeline_that_selects_by_name():
    X, y, sample_domain, X_test, _ = _log_odds_shift(7, 25, n_features=3)
    columns = ["x0", "x1", "x2"]
    rng = np.random.RandomState(7)
    frame = pd.DataFrame(X, columns=columns).assign(
        colour=pd.Categorical(rng.choice(["red", "blue"], len(X)))
    )
    frame_test = pd.DataFrame(X_test, columns=columns).assign(
        colour=pd.Categorical(rng.choice(["red", "blue"], len(X_test)))
    )
    source_pipe = make_pipeline(
        ColumnTransformer(
            [("num", "passthrough", columns), ("cat", OneHotEncoder(), ["colour"])]
        ),
        LogisticRegression(),
    )
    target_pipe = make_pipeline(
        ColumnTransformer(
            [
                ("num", "passthrough", ["x0", "source_decision_1"]),
                ("cat", OneHotEncoder(), ["colour"]),
            ]
        ),
        LogisticRegression(),
    )
    model = PREDClassifier(source_pipe, target_estimator=target_pipe).fit(
        frame, y, sample_domain=sample_domain
    )
    source, target = _labelled(y, sample_domain)
    source_model = source_pipe.fit(frame.iloc[source], y[source])

    def augmented(rows):
        return rows.assign(source_decision_1=source_model.decision_function(rows))

    reference = target_pipe.fit(augmented(frame.iloc[target]), y[target])
    assert_allclose(
        model.predict_proba(frame_test), reference.predict_proba(augmented(frame_test))
    )
    assert_array_equal(model.classes_, [0, 1])
    clash = frame.rename(columns={"x1": "source_decision_1"})
    with pytest.raises(ValueError, match="already has columns"):
        PREDClassifier(target_estimator=target_pipe).fit(
            clash.drop(columns="colour"), y, sample_domain=sample_domain
        )


def test_pred_without_target_labels_is_the_source_model():
    X, y, sample_domain, X_test, _ = _log_odds_shift(8, 25)
    source, _ = _labelled(y, sample_domain)
    with pytest.warns(NoTargetDomainWarning):
        model = PREDClassifier().fit(X[source], y[source])
    assert model.target_estimator_ is None
    reference = LogisticRegression().fit(X[source], y[source])
    assert_allclose(model.predict_proba(X_test), reference.predict_proba(X_test))
    assert_array_equal(model.predict(X_test), reference.predict(X_test))


# ----------------------------------------------------------------- shared checks


def test_unlabeled_target_rows_are_never_read_as_labels():
    X, y, sample_domain, _, _ = _log_odds_shift(9, 25)
    unlabeled = np.flatnonzero(y == -1)
    X = X.copy()
    X[unlabeled] = 1e6  # rows that a fit reading them would notice
    model = PREDClassifier(
        _RecordingClassifier(), target_estimator=_RecordingClassifier()
    ).fit(X, y, sample_domain=sample_domain)
    source, target = _labelled(y, sample_domain)
    assert_array_equal(model.source_estimator_.y_seen_, y[source])
    assert_array_equal(model.target_estimator_.y_seen_, y[target])
    assert np.abs(model.target_estimator_.X_seen_).max() < 1e5

    X, y, sample_domain, X_test, _ = _level_shift(9)
    unlabeled = np.flatnonzero(np.isnan(y))
    X[unlabeled] = 1e6
    _RecordingBoostingRegressor.seen = []
    model = ContinuedBoostingRegressor(
        _RecordingBoostingRegressor(), random_state=0
    ).fit(X, y, sample_domain=sample_domain)
    seen = _RecordingBoostingRegressor.seen
    assert len(seen) == 1 + 5 + (model.n_target_rounds_ > 0)  # source, folds, final
    assert not any(np.isnan(labels).any() for labels in seen)
    source, target = _labelled(y, sample_domain)
    assert_array_equal(seen[0], y[source])
    if model.n_target_rounds_:
        assert_array_equal(seen[-1], y[target])
    # The fit without the unlabeled rows is the same fit.
    keep = np.setdiff1d(np.arange(len(y)), unlabeled)
    without = ContinuedBoostingRegressor(random_state=0).fit(
        X[keep], y[keep], sample_domain=sample_domain[keep]
    )
    assert_array_equal(model.predict(X_test), without.predict(X_test))


def test_bad_estimators_and_labels_are_refused():
    X, y, sample_domain, _, _ = _log_odds_shift(10, 25)
    X_reg, y_reg, sample_domain_reg, _, _ = _level_shift(10)
    wrong = [
        (ContinuedBoostingClassifier(LogisticRegression()), X, y, sample_domain),
        (
            ContinuedBoostingClassifier(HistGradientBoostingRegressor()),
            X,
            y,
            sample_domain,
        ),
        (
            ContinuedBoostingRegressor(HistGradientBoostingClassifier()),
            X_reg,
            y_reg,
            sample_domain_reg,
        ),
    ]
    for model, X_fit, y_fit, domains in wrong:
        with pytest.raises(ValueError, match="must be an instance of"):
            model.fit(X_fit, y_fit, sample_domain=domains)
    with pytest.raises(ValueError, match="differentiable loss"):
        ContinuedBoostingRegressor(
            HistGradientBoostingRegressor(loss="absolute_error")
        ).fit(X_reg, y_reg, sample_domain=sample_domain_reg)
    y_negative = np.where(sample_domain_reg < 0, y_reg - 10, np.exp(y_reg))
    with pytest.raises(ValueError, match="out of the range of the loss"):
        ContinuedBoostingRegressor(HistGradientBoostingRegressor(loss="poisson")).fit(
            X_reg, y_negative, sample_domain=sample_domain_reg
        )
    _, target = _labelled(y, sample_domain)
    y_new_class = y.copy()
    y_new_class[target[0]] = 7
    with pytest.raises(ValueError, match=r"classes \[7\] that no labelled source"):
        ContinuedBoostingClassifier().fit(X, y_new_class, sample_domain=sample_domain)
    y_one_class = y.copy()
    y_one_class[target] = 1
    with pytest.raises(ValueError, match="hold one class"):
        PREDClassifier().fit(X, y_one_class, sample_domain=sample_domain)
    with pytest.raises(ValueError, match="has neither"):
        PREDClassifier(_LabelsOnlyClassifier()).fit(X, y, sample_domain=sample_domain)

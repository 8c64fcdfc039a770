"""RegularTransferClassifier and RegularTransferRegressor: a penalty toward the source.

The expected values come from scikit-learn's own linear models or from numpy,
fitted by the tests on the rows that the penalty's limits say.
"""

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from packaging.version import Version
from scipy.optimize import check_grad
from scipy.sparse import csr_matrix
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeRegressor

from sktransfer.exceptions import NoTargetLabelsWarning
from sktransfer.supervised._regular import (
    RegularTransferClassifier,
    RegularTransferRegressor,
    _logistic_objective,
)

HUGE = 1e12


def _unpenalised_logistic():
    # scikit-learn 1.8 deprecates penalty=None in favour of C=np.inf, which
    # older releases refuse.
    if Version(sklearn.__version__) >= Version("1.8"):
        return LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000)
    return LogisticRegression(penalty=None, tol=1e-10, max_iter=10_000)


def _two_domains(task, seed, *, n_source=300, n_target=60, n_classes=2, shift=0.0):
    """Source and target rows, every row labelled; the target's concept differs.

    ``shift`` moves the target's level (regression) so that a target-only
    intercept differs from the source's.
    """
    rng = np.random.RandomState(seed)
    n_features = 3
    X = rng.normal(size=(n_source + n_target, n_features))
    is_target = np.arange(X.shape[0]) >= n_source
    if task == "regression":
        w_source = np.array([1.0, -2.0, 0.5])
        w = np.where(is_target[:, None], w_source + [0.5, 0.5, -0.5], w_source)
        y = np.sum(X * w, axis=1) + 1.0 + shift * is_target
        y = y + 0.5 * rng.normal(size=y.shape)
    else:
        W_source = rng.normal(size=(n_classes, n_features))
        W_target = W_source + 0.7 * rng.normal(size=W_source.shape)
        logits = np.where(is_target[:, None], X @ W_target.T, X @ W_source.T)
        # Labels drawn from the model's probabilities: the classes overlap, so
        # the unpenalised fit has a finite optimum.
        proba = np.exp(logits - logits.max(axis=1, keepdims=True))
        proba /= proba.sum(axis=1, keepdims=True)
        u = rng.uniform(size=(X.shape[0], 1))
        y = (u > np.cumsum(proba, axis=1)).sum(axis=1)
    sample_domain = np.where(is_target, -1, 1)
    return X, y, sample_domain


def _linear_shift(task, seed):
    """A shifted linear problem: 20 labelled target rows, 2,000 held-out ones.

    The target coefficients are the source's plus a change about half
    their size; the labelled target rows are a random (classification:
    stratified) draw of the target rows.
    """
    rng = np.random.RandomState(seed)
    n_source, n_labelled, n_test, n_features = 500, 20, 2000, 5
    scale, change = (3.0, 1.0) if task == "regression" else (4.0, 2.0)
    w_source = scale * rng.normal(size=n_features)
    w_target = w_source + change * rng.normal(size=n_features)
    X = rng.normal(size=(n_source + n_labelled + n_test, n_features))
    linear = np.r_[X[:n_source] @ w_source, X[n_source:] @ w_target]
    if task == "regression":
        y = linear + rng.normal(size=linear.shape)
    else:
        y = (rng.uniform(size=linear.shape) < 1 / (1 + np.exp(-linear))).astype(int)
    target = np.arange(n_source, X.shape[0])
    labelled, test = train_test_split(
        target,
        train_size=n_labelled,
        random_state=seed,
        stratify=y[target] if task == "classification" else None,
    )
    fit = np.r_[np.arange(n_source), labelled]
    return X[fit], y[fit], np.where(fit < n_source, 1, -1), X[test], y[test]


def _theta(model):
    """Coefficients and intercepts of a fitted classifier, one row per logit."""
    return np.hstack([model.coef_, np.reshape(model.intercept_, (-1, 1))])


def test_regressor_huge_alpha_keeps_the_source_model_intercept_included():
    X, y, sd = _two_domains("regression", 0, shift=3.0)
    source = Ridge().fit(X[sd > 0], y[sd > 0])
    target_only = LinearRegression().fit(X[sd < 0], y[sd < 0])
    # The level shift is visible to a target-only fit ...
    assert abs(target_only.intercept_ - source.intercept_) > 2
    reg = RegularTransferRegressor(alpha=HUGE).fit(X, y, sample_domain=sd)
    assert_allclose(reg.coef_, source.coef_, rtol=1e-8)
    # ... and the intercept, penalised like the coefficients, stays the source's.
    assert_allclose(reg.intercept_, source.intercept_, rtol=1e-8)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_huge_alpha_keeps_the_source_model(n_classes):
    X, y, sd = _two_domains("classification", 1, n_classes=n_classes)
    source = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    clf = RegularTransferClassifier(alpha=HUGE).fit(X, y, sample_domain=sd)
    assert_allclose(clf.coef_, source.coef_, rtol=1e-7, atol=1e-9)
    assert_allclose(clf.intercept_, source.intercept_, rtol=1e-7, atol=1e-9)
    assert_allclose(clf.predict_proba(X), source.predict_proba(X), atol=1e-9)


def test_regressor_alpha_zero_is_least_squares_on_the_target_rows():
    X, y, sd = _two_domains("regression", 2, shift=3.0)
    expected = LinearRegression().fit(X[sd < 0], y[sd < 0])
    reg = RegularTransferRegressor(alpha=0.0).fit(X, y, sample_domain=sd)
    assert_allclose(reg.coef_, expected.coef_, rtol=1e-8)
    assert_allclose(reg.intercept_, expected.intercept_, rtol=1e-8)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_alpha_zero_is_the_unpenalised_target_fit(n_classes):
    X, y, sd = _two_domains("classification", 3, n_target=300, n_classes=n_classes)
    expected = _unpenalised_logistic().fit(X[sd < 0], y[sd < 0])
    clf = RegularTransferClassifier(alpha=0.0).fit(X, y, sample_domain=sd)
    # A multinomial fit is defined up to a shift of every class's
    # parameters: compare the probabilities, which are not.
    assert_allclose(clf.predict_proba(X), expected.predict_proba(X), atol=1e-5)
    if n_classes == 2:
        assert_allclose(_theta(clf), _theta(expected), rtol=1e-4)


@pytest.mark.parametrize("n_logits", [1, 3])
def test_logistic_gradient_matches_finite_differences(n_logits):
    rng = np.random.RandomState(4)
    n_samples, n_classes = 30, max(n_logits, 2)
    X1 = np.hstack([rng.normal(size=(n_samples, 3)), np.ones((n_samples, 1))])
    Y = np.eye(n_classes)[rng.randint(n_classes, size=n_samples)]
    theta_source = rng.normal(size=(n_logits, 4))
    delta = rng.normal(size=theta_source.size)
    args = (X1, Y, theta_source, 0.7)
    grad = _logistic_objective(delta, *args)[1]
    error = check_grad(
        lambda d: _logistic_objective(d, *args)[0],
        lambda d: _logistic_objective(d, *args)[1],
        delta,
    )
    assert error < 1e-5 * np.linalg.norm(grad)


def test_regressor_matches_the_normal_equations():
    X, y, sd = _two_domains("regression", 5, shift=1.0)
    alpha = 2.5
    source = Ridge().fit(X[sd > 0], y[sd > 0])
    theta_source = np.r_[source.coef_, source.intercept_]
    X1 = np.hstack([X[sd < 0], np.ones((np.sum(sd < 0), 1))])
    # (X1'X1 + alpha I) theta = X1'y + alpha theta_source: the minimiser of
    # 1/2 ||y - X1 theta||^2 + alpha/2 ||theta - theta_source||^2.
    theta = np.linalg.solve(
        X1.T @ X1 + alpha * np.eye(X1.shape[1]),
        X1.T @ y[sd < 0] + alpha * theta_source,
    )
    reg = RegularTransferRegressor(alpha=alpha).fit(X, y, sample_domain=sd)
    assert_allclose(np.r_[reg.coef_, reg.intercept_], theta, rtol=1e-10)


@pytest.mark.parametrize("task", ["regression", "classification"])
def test_auto_alpha_beats_source_only_and_target_only(task):
    if task == "regression":
        model, default, metric = RegularTransferRegressor, Ridge, mean_squared_error
    else:
        model, default = RegularTransferClassifier, LogisticRegression

        def metric(y_true, y_pred):
            return 1 - accuracy_score(y_true, y_pred)

    losses = []
    for seed in range(8):
        X, y, sd, X_test, y_test = _linear_shift(task, seed)
        adapted = model(random_state=seed).fit(X, y, sample_domain=sd)
        source_only = default().fit(X[sd > 0], y[sd > 0])
        target_only = default().fit(X[sd < 0], y[sd < 0])
        losses.append(
            [
                metric(y_test, m.predict(X_test))
                for m in (adapted, source_only, target_only)
            ]
        )
    adapted, source_only, target_only = np.mean(losses, axis=0)
    # Squared error or error rate, a tenth below the better of the two.
    assert adapted < 0.9 * min(source_only, target_only)


class _RecordingRidge(Ridge):
    def fit(self, X, y, sample_weight=None):
        self.seen_y_ = np.array(y, copy=True)
        return super().fit(X, y, sample_weight=sample_weight)


class _RecordingLogisticRegression(LogisticRegression):
    def fit(self, X, y, sample_weight=None):
        self.seen_y_ = np.array(y, copy=True)
        return super().fit(X, y, sample_weight=sample_weight)


@pytest.mark.parametrize(
    ("model", "estimator", "task", "unlabeled"),
    [
        (RegularTransferRegressor, _RecordingRidge(), "regression", np.nan),
        (
            RegularTransferClassifier,
            _RecordingLogisticRegression(),
            "classification",
            -1,
        ),
    ],
)
def test_unlabeled_target_rows_are_never_read_as_labels(
    model, estimator, task, unlabeled
):
    X, y, sd = _two_domains(task, 6, n_target=30)
    garbage = 1e3 * np.random.RandomState(7).normal(size=(25, X.shape[1]))
    X_more = np.vstack([X, garbage])
    y_more = np.r_[y.astype(float), np.full(25, unlabeled)]
    sd_more = np.r_[sd, -np.ones(25, int)]
    plain = model(estimator, random_state=0).fit(X, y, sample_domain=sd)
    more = model(estimator, random_state=0).fit(X_more, y_more, sample_domain=sd_more)
    assert_array_equal(more.source_estimator_.seen_y_, y[sd > 0])
    assert more.alpha_ == plain.alpha_
    assert_allclose(more.cv_scores_, plain.cv_scores_)
    assert_allclose(more.coef_, plain.coef_, rtol=1e-12)
    assert_allclose(more.intercept_, plain.intercept_, rtol=1e-12)


@pytest.mark.parametrize(
    ("model", "estimator", "task"),
    [
        (RegularTransferRegressor, DecisionTreeRegressor(), "regression"),
        (RegularTransferClassifier, KNeighborsClassifier(), "classification"),
        (
            RegularTransferRegressor,
            make_pipeline(StandardScaler(), Ridge()),
            "regression",
        ),
    ],
)
def test_non_linear_estimator_is_refused(model, estimator, task):
    X, y, sd = _two_domains(task, 8)
    with pytest.raises(ValueError, match="exposes coef_ and intercept_ after fit"):
        model(estimator, alpha=1.0).fit(X, y, sample_domain=sd)


@pytest.mark.parametrize(
    ("model", "default", "task"),
    [
        (RegularTransferRegressor, Ridge, "regression"),
        (RegularTransferClassifier, LogisticRegression, "classification"),
    ],
)
def test_without_target_labels_the_model_is_the_source_model(model, default, task):
    X, y, sd = _two_domains(task, 9)
    y = y.astype(float)
    y[sd < 0] = np.nan if task == "regression" else -1
    source = default().fit(X[sd > 0], y[sd > 0])
    with pytest.warns(NoTargetLabelsWarning):
        fitted = model().fit(X, y, sample_domain=sd)
    assert fitted.alpha_ == np.inf
    assert_array_equal(fitted.coef_, source.coef_)
    assert_array_equal(fitted.intercept_, source.intercept_)
    assert_array_equal(fitted.predict(X), source.predict(X))


def test_a_class_the_source_lacks_starts_at_zero():
    X, y, sd = _two_domains("classification", 10, n_classes=3)
    y = np.where((sd > 0) & (y == 2), 0, y)  # class 2 only in the target
    source = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    clf = RegularTransferClassifier(alpha=HUGE).fit(X, y, sample_domain=sd)
    assert_array_equal(clf.classes_, [0, 1, 2])
    # The binary source's logit z becomes -z/2 and z/2; class 2 starts at 0.
    half = _theta(source)[0] / 2
    assert_allclose(_theta(clf), np.vstack([-half, half, 0 * half]), atol=1e-9)
    proba = clf.predict_proba(X)
    assert_allclose(
        proba[:, 1] / proba[:, 0],
        source.predict_proba(X)[:, 1] / source.predict_proba(X)[:, 0],
        rtol=1e-7,
    )


def test_intercepts_are_drawn_to_the_source_even_for_a_class_the_target_lacks():
    X, y, sd = _two_domains("classification", 11, n_classes=3)
    keep = (sd > 0) | (y != 2)  # no target row of class 2
    X, y, sd = X[keep], y[keep], sd[keep]
    alpha = 1.0
    source = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    clf = RegularTransferClassifier(alpha=alpha).fit(X, y, sample_domain=sd)
    assert_array_equal(clf.classes_, [0, 1, 2])
    # At the optimum the intercepts' gradient vanishes: the target rows'
    # sum of (p_ik - y_ik) equals alpha * (b_source_k - b_k). An unpenalised
    # intercept would send class 2's to -inf instead.
    shift = clf.intercept_ - source.intercept_
    residual = clf.predict_proba(X[sd < 0]) - np.eye(3)[y[sd < 0]]
    assert_allclose(residual.sum(axis=0), -alpha * shift, atol=1e-4)
    assert -np.sum(sd < 0) / alpha < shift[2] < 0


def test_auto_alpha_grid_and_scores():
    X, y, sd = _two_domains("regression", 12, n_target=20)
    reg = RegularTransferRegressor(random_state=0).fit(X, y, sample_domain=sd)
    assert_allclose(reg.alphas_, 10.0 ** np.arange(3, -3.5, -0.5))
    assert reg.cv_scores_.shape == (13,)
    assert reg.alpha_ == reg.alphas_[np.argmax(reg.cv_scores_)]
    given = RegularTransferRegressor(alphas=[0.1, 10, 1], random_state=0)
    assert_array_equal(given.fit(X, y, sample_domain=sd).alphas_, [10, 1, 0.1])


@pytest.mark.parametrize("alphas", [[], [-1.0, 1.0], [[1.0, 2.0]], [np.nan], 0])
def test_bad_alphas_are_refused(alphas):
    X, y, sd = _two_domains("regression", 13)
    with pytest.raises(ValueError, match="alphas"):
        RegularTransferRegressor(alphas=alphas).fit(X, y, sample_domain=sd)


def test_sparse_X_is_refused():
    X, y, sd = _two_domains("regression", 14)
    with pytest.raises(ValueError, match="dense X only"):
        RegularTransferRegressor(alpha=1.0).fit(csr_matrix(X), y, sample_domain=sd)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_outputs_agree(n_classes):
    X, y, sd = _two_domains("classification", 15, n_classes=n_classes)
    names = np.array(["ant", "bee", "cat"])[y]
    clf = RegularTransferClassifier(alpha=1.0).fit(X, names, sample_domain=sd)
    proba = clf.predict_proba(X)
    assert_allclose(proba.sum(axis=1), 1.0)
    assert_allclose(clf.predict_log_proba(X), np.log(proba))
    assert_array_equal(clf.predict(X), clf.classes_[np.argmax(proba, axis=1)])
    scores = clf.decision_function(X)
    assert scores.shape == ((X.shape[0],) if n_classes == 2 else proba.shape)
    if n_classes == 2:
        assert_allclose(proba[:, 1], 1 / (1 + np.exp(-scores)))

"""Regular transfer: a linear model drawn toward the source model's parameters."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.validation import check_is_fitted

from .._compat import HasMethods, Interval, StrOptions
from .._domain import DomainAwarePredictorMixin
from ._base import _CV_CONSTRAINT, _BaseFewLabels, _choose_on_target, _fit_rows

__all__ = ["RegularTransferClassifier", "RegularTransferRegressor"]

# The logistic objective is minimised as a mean over the target rows, so that
# these stopping rules mean the same whatever their number. A smaller gtol
# asks for more than float precision gives once alpha / n_rows is large: the
# line search then fails near the optimum.
_LBFGS_OPTIONS = {"maxiter": 1000, "gtol": 1e-6, "ftol": 64 * np.finfo(float).eps}


def _with_ones(X):
    """``X`` with a trailing column of ones: the intercept is the last parameter."""
    return np.hstack([X, np.ones((X.shape[0], 1))])


def _logits(X1, theta):
    """Logits of every class; a binary model's first class has the logit 0."""
    logits = X1 @ theta.T
    if theta.shape[0] == 1:
        logits = np.hstack([np.zeros_like(logits), logits])
    return logits


def _logistic_objective(delta, X1, Y, theta_source, alpha):
    """Penalised logistic loss at ``theta_source + delta``, and its gradient.

    The loss is summed over the rows: ``sum_i -log p(y_i | x_i) + alpha / 2
    * ||delta||^2``. The offset ``delta`` from the source parameters is the
    variable, so that a huge ``alpha`` (an offset near zero) loses no
    precision to the size of the source parameters.

    Parameters
    ----------
    delta : ndarray of shape (n_logits * (n_features + 1),)
        Offset from the source parameters, flattened.

    X1 : ndarray of shape (n_samples, n_features + 1)
        Rows with a trailing column of ones.

    Y : ndarray of shape (n_samples, n_classes)
        One-hot labels.

    theta_source : ndarray of shape (n_logits, n_features + 1)
        Source coefficients and intercepts; one row (the logit of the second
        class) for a binary model, one row per class otherwise.

    alpha : float
        Strength of the penalty.

    Returns
    -------
    value : float
        The objective.

    grad : ndarray of shape (n_logits * (n_features + 1),)
        Its gradient with respect to ``delta``.
    """
    delta = delta.reshape(theta_source.shape)
    logits = _logits(X1, theta_source + delta)
    log_norm = logsumexp(logits, axis=1, keepdims=True)
    value = np.sum(log_norm) - np.sum(Y * logits) + 0.5 * alpha * np.sum(delta**2)
    residual = np.exp(logits - log_norm) - Y
    if theta_source.shape[0] == 1:
        residual = residual[:, 1:]
    grad = residual.T @ X1 + alpha * delta
    return value, grad.ravel()


class _BaseRegularTransfer(_BaseFewLabels):
    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "alpha": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "cv": _CV_CONSTRAINT,
        "random_state": ["random_state"],
    }
    # The penalty compares coefficients, which only means something on dense,
    # finite numbers.
    _check_params = {
        "dtype": np.float64,
        "accept_sparse": False,
        "ensure_all_finite": True,
    }

    def __init__(
        self, estimator=None, *, alpha="auto", alphas=13, cv=5, random_state=None
    ):
        self.estimator = estimator
        self.alpha = alpha
        self.alphas = alphas
        self.cv = cv
        self.random_state = random_state

    def _alpha_grid(self):
        """The penalties tried by ``alpha="auto"``, the strongest first."""
        if isinstance(self.alphas, Integral):
            return np.logspace(3, -3, self.alphas)
        alphas = np.asarray(self.alphas, dtype=float)
        if alphas.ndim != 1 or alphas.size == 0 or not np.all(np.isfinite(alphas)):
            raise ValueError(
                f"{type(self).__name__}: alphas must be an int or a non-empty 1-D "
                f"list of finite penalties; got {self.alphas!r}."
            )
        if np.any(alphas < 0):
            raise ValueError(
                f"{type(self).__name__}: alphas must be >= 0; got {self.alphas!r}."
            )
        return np.unique(alphas)[::-1]

    def _source_linear_parameters(self, n_features):
        """The fitted source model's coefficients, shape (n_rows, n_features)."""
        source = self.source_estimator_
        name = type(self).__name__
        if not (hasattr(source, "coef_") and hasattr(source, "intercept_")):
            raise ValueError(
                f"{name} draws a linear model toward the source model's "
                "coefficients, so its estimator must be a linear model that "
                f"exposes coef_ and intercept_ after fit (such as "
                f"{type(self._fallback()).__name__}); "
                f"{type(source).__name__} has none. Put feature steps (a "
                "StandardScaler) before this estimator in a make_da_pipeline, "
                "not inside its estimator."
            )
        coef = np.asarray(source.coef_, dtype=float)
        intercept = np.ravel(np.asarray(source.intercept_, dtype=float))
        if coef.size % n_features or coef.size == 0:
            raise ValueError(
                f"{name}: the source {type(source).__name__} has coef_ of shape "
                f"{coef.shape}, which does not match the {n_features} features of X."
            )
        coef = coef.reshape(-1, n_features)
        if intercept.size not in (1, coef.shape[0]):
            raise ValueError(
                f"{name}: the source {type(source).__name__} has intercept_ of "
                f"shape {np.shape(source.intercept_)} for coef_ of shape "
                f"{np.shape(source.coef_)}."
            )
        return coef, np.broadcast_to(intercept, coef.shape[0])

    def _fit(self, data):
        """Fit the source model, then the target model drawn toward it."""
        self.source_estimator_ = _fit_rows(self._default_estimator(), data, data.source)
        theta_source = self._source_parameters(data)
        X1 = _with_ones(data.rows(data.target, checked=True))
        targets = self._encode(data.y[data.target])
        if data.target.size == 0:
            self.alpha_ = np.inf  # the source-only form
        elif self.alpha == "auto":
            self.alphas_ = self._alpha_grid()
            # _choose_on_target's folds index X; map them to rows of X1.
            position = np.empty(data.y.shape[0], dtype=np.intp)
            position[data.target] = np.arange(data.target.size)

            def fold_predictions(train, test):
                train, test = position[train], position[test]
                path = self._fit_path(X1[train], targets[train], theta_source)
                return [self._predict_theta(X1[test], theta) for theta in path]

            best, self.cv_scores_ = _choose_on_target(
                data,
                self.cv,
                self._task == "classification",
                self.random_state,
                fold_predictions,
            )
            self.alpha_ = float(self.alphas_[best])
        else:
            self.alpha_ = float(self.alpha)
        theta = (
            theta_source
            if np.isinf(self.alpha_)
            else self._fit_alpha(X1, targets, theta_source, self.alpha_)
        )
        self.coef_, self.intercept_ = self._unpack(theta)

    def _linear_input(self, X, sample_domain):
        """Validated predict-time rows, once the model is fitted."""
        check_is_fitted(self)
        _, validated, _ = self._predict_input(X, sample_domain)
        return validated


class RegularTransferClassifier(
    DomainAwarePredictorMixin, ClassifierMixin, _BaseRegularTransfer
):
    r"""Logistic regression drawn toward the parameters of a source model.

    A linear classifier (``estimator``) is fitted on the labelled source
    rows. The target model is then the logistic regression of the few
    labelled target rows whose parameters are penalised toward the source
    parameters rather than toward zero:

    .. math::

        \min_{W, b} \; \sum_{i \in \text{target}} -\log p(y_i \mid x_i; W, b)
        + \frac{\alpha}{2} \left(\lVert W - W_s \rVert^2
        + \lVert b - b_s \rVert^2\right)

    (binary: one logit, multinomial: one per class), minimised by L-BFGS
    with an exact gradient; ``alpha`` is on the scale of ``1 / C`` in
    :class:`~sklearn.linear_model.LogisticRegression`. A large ``alpha``
    keeps the source model, ``alpha=0`` is the unpenalised target-only
    model. The
    intercepts are penalised toward the source intercepts like the other
    coefficients, so that a large ``alpha`` gives back the whole source
    model and a class that the target labels lack keeps a finite
    intercept. ``classes_`` is the union of the source and target classes;
    the parameters of a class the source lacks start at zero, and a binary
    source in a multiclass model gives its classes the logits
    ``-z / 2`` and ``z / 2`` (the same probabilities). Without labelled
    target rows the model is the source model (``alpha_`` is infinite).

    The penalty compares coefficients feature by feature, which is only
    meaningful when the features have comparable scales: standardise them
    first, with a :class:`~sklearn.preprocessing.StandardScaler` fitted on
    all the rows in a :func:`~sktransfer.make_da_pipeline`, as in the
    example. ``X`` must be dense and finite.

    Parameters
    ----------
    estimator : classifier, default=None
        The linear classifier fitted on the source rows; it must expose
        ``coef_``, ``intercept_`` and ``classes_`` after fit. A
        :class:`~sklearn.linear_model.LogisticRegression` when None, whose
        coefficients are logits like the target model's; the scores of
        another linear classifier (a LinearSVC) are read as logits.

    alpha : float >= 0 or "auto", default="auto"
        Strength of the penalty toward the source parameters. ``"auto"``
        keeps the penalty in ``alphas`` whose out-of-fold accuracy on the
        target labels is best (ties go to the stronger penalty): the right
        strength depends on how far the target is from the source, which
        only the target labels tell.

    alphas : int or array-like of float, default=13
        The penalties tried by ``alpha="auto"``: an int ``n`` gives ``n``
        values on a log grid from ``1e3`` to ``1e-3``
        (``np.logspace(3, -3, n)``), which spans a model that barely moves
        from the source to an almost unpenalised target model.

    cv : int or cross-validation generator, default=5
        Folds of the labelled target rows for ``alpha="auto"``: an int gives
        stratified folds (fewer when a class has fewer labelled target
        rows), a generator splits the labelled target rows as given.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds.

    Attributes
    ----------
    source_estimator_ : classifier
        The classifier fitted on the labelled source rows.

    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients of the target model: one row (the logit of
        ``classes_[1]``) for two classes, one row per class otherwise.

    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts of the target model.

    alpha_ : float
        The penalty used; infinite without labelled target rows.

    alphas_ : ndarray
        The penalties tried, the strongest first (``alpha="auto"`` only).

    cv_scores_ : ndarray of shape (n_alphas,)
        Out-of-fold accuracy of each penalty of ``alphas_`` on the target
        labels (``alpha="auto"`` only).

    classes_ : ndarray of shape (n_classes,)
        Class labels of the source and target rows.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    RegularTransferRegressor : The regression counterpart.
    BalancedWeightingClassifier : Source and target rows in one fit, the
        target's share of the weight chosen.

    References
    ----------
    .. [1] C. Chelba and A. Acero, "Adaptation of maximum entropy capitalizer:
       Little data can help a lot", Computer Speech & Language 20(4), 2006.
    .. [2] T. Evgeniou and M. Pontil, "Regularized multi-task learning",
       KDD 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sktransfer import make_da_pipeline
    >>> from sktransfer.supervised import RegularTransferClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(430, 2))
    >>> tilt = np.r_[np.zeros(200), 0.5 * np.ones(230)]  # the boundary turns
    >>> y = (X[:, 0] + tilt * X[:, 1] > 0).astype(int)
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(230, int)]
    >>> y_fit = y.copy()
    >>> y_fit[230:] = -1  # 30 labelled target rows, the others unlabeled
    >>> clf = make_da_pipeline(StandardScaler(), RegularTransferClassifier(
    ...     random_state=0)).fit(X, y_fit, sample_domain=sample_domain)
    >>> model = clf[-1]
    >>> bool(np.isfinite(model.alpha_))
    True
    >>> bool(clf.score(X[230:], y[230:]) > model.source_estimator_.score(
    ...     clf[0].transform(X[230:]), y[230:]))
    True
    """

    _task = "classification"

    @staticmethod
    def _fallback():
        return LogisticRegression()

    def _source_parameters(self, data):
        """Source parameters per logit, shape (n_logits, n_features + 1).

        Sets ``classes_``, the union of the source and target classes.
        """
        n_features = data.X_checked.shape[1]
        coef, intercept = self._source_linear_parameters(n_features)
        source_classes = getattr(self.source_estimator_, "classes_", None)
        if source_classes is None:
            raise ValueError(
                f"{type(self).__name__} needs a linear classifier with classes_ "
                f"after fit; {type(self.source_estimator_).__name__} has none."
            )
        binary_source = coef.shape[0] == 1 and len(source_classes) == 2
        if not binary_source and coef.shape[0] != len(source_classes):
            raise ValueError(
                f"{type(self).__name__}: the source "
                f"{type(self.source_estimator_).__name__} has {coef.shape[0]} "
                f"rows of coef_ for {len(source_classes)} classes."
            )
        self.classes_ = np.union1d(source_classes, data.y[data.target])
        theta = np.hstack([coef, intercept[:, None]])
        if self.classes_.shape[0] == 2:
            return theta
        # A binary source's logit z of its second class becomes the logits
        # -z/2 and z/2 (same probabilities, the smallest norm); a class the
        # source never saw starts at zero.
        rows = np.searchsorted(self.classes_, source_classes)
        theta_multi = np.zeros((self.classes_.shape[0], n_features + 1))
        theta_multi[rows] = (
            np.vstack([-theta / 2, theta / 2]) if binary_source else theta
        )
        return theta_multi

    def _encode(self, y):
        """One-hot rows of ``y`` over ``classes_``."""
        return (y[:, None] == self.classes_[None, :]).astype(float)

    def _fit_alpha(self, X1, Y, theta_source, alpha, start=None):
        """The penalised logistic fit, from ``start`` (the source by default)."""
        n_samples = X1.shape[0]

        def objective(delta):
            value, grad = _logistic_objective(delta, X1, Y, theta_source, alpha)
            return value / n_samples, grad / n_samples

        delta = np.zeros(theta_source.size) if start is None else start - theta_source
        result = minimize(
            objective,
            delta.ravel(),
            jac=True,
            method="L-BFGS-B",
            options=_LBFGS_OPTIONS,
        )
        if not result.success:
            warnings.warn(
                f"{type(self).__name__}: L-BFGS did not converge with alpha={alpha:g} "
                f"({result.message}). Standardise the features (a StandardScaler "
                "in a make_da_pipeline) or use a larger alpha.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return theta_source + result.x.reshape(theta_source.shape)

    def _fit_path(self, X1, Y, theta_source):
        """The fits of every penalty of ``alphas_``, each started from the last."""
        path, theta = [], theta_source
        for alpha in self.alphas_:
            theta = self._fit_alpha(X1, Y, theta_source, alpha, start=theta)
            path.append(theta)
        return path

    def _predict_theta(self, X1, theta):
        return self.classes_[np.argmax(_logits(X1, theta), axis=1)]

    @staticmethod
    def _unpack(theta):
        return theta[:, :-1].copy(), theta[:, -1].copy()

    def decision_function(self, X, sample_domain=None):
        """Linear scores of the target model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; read for validation only.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The logit of ``classes_[1]`` for two classes, of each class
            otherwise.
        """
        scores = self._linear_input(X, sample_domain) @ self.coef_.T + self.intercept_
        return scores.ravel() if self.coef_.shape[0] == 1 else scores

    def _full_logits(self, X, sample_domain):
        X1 = _with_ones(self._linear_input(X, sample_domain))
        return _logits(X1, np.hstack([self.coef_, self.intercept_[:, None]]))

    def predict(self, X, sample_domain=None):
        """Predict the class of the largest logit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; read for validation only.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted classes.
        """
        logits = self._full_logits(X, sample_domain)
        return self.classes_[np.argmax(logits, axis=1)]

    def predict_proba(self, X, sample_domain=None):
        """Class probabilities: the softmax of the logits.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; read for validation only.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, columns ordered as ``classes_``.
        """
        return softmax(self._full_logits(X, sample_domain), axis=1)

    def predict_log_proba(self, X, sample_domain=None):
        """Log of the class probabilities; parameters as in :meth:`predict_proba`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class.
        """
        logits = self._full_logits(X, sample_domain)
        return logits - logsumexp(logits, axis=1, keepdims=True)


class RegularTransferRegressor(
    DomainAwarePredictorMixin, RegressorMixin, _BaseRegularTransfer
):
    r"""Linear regression drawn toward the parameters of a source model.

    A linear regressor (``estimator``) is fitted on the labelled source
    rows; the target model is the least-squares fit of the few labelled
    target rows penalised toward the source parameters rather than toward
    zero:

    .. math::

        \min_{w, b} \; \frac{1}{2} \sum_{i \in \text{target}}
        (y_i - x_i^\top w - b)^2
        + \frac{\alpha}{2} \left(\lVert w - w_s \rVert^2 + (b - b_s)^2\right)

    Substituting ``v = w - w_s`` makes it a ridge regression of the
    residuals ``y - X w_s - b_s``, solved in closed form by
    :class:`~sklearn.linear_model.Ridge` (``alpha`` is on the scale of
    Ridge's). A large ``alpha`` keeps the source model,
    ``alpha=0`` is ordinary least squares on the target rows. The
    intercept is penalised toward the source intercept like the other
    coefficients, so that a large ``alpha`` gives back the whole source
    model; on standardised features its column of ones has the scale of
    the others. Without labelled target rows the model is the source model
    (``alpha_`` is infinite).

    The penalty compares coefficients feature by feature, which is only
    meaningful when the features have comparable scales: standardise them
    first, with a :class:`~sklearn.preprocessing.StandardScaler` fitted on
    all the rows in a :func:`~sktransfer.make_da_pipeline`, as in the
    example. ``X`` must be dense and finite.

    Parameters
    ----------
    estimator : regressor, default=None
        The linear regressor fitted on the source rows; it must expose
        ``coef_`` and ``intercept_`` after fit. A
        :class:`~sklearn.linear_model.Ridge` when None.

    alpha : float >= 0 or "auto", default="auto"
        Strength of the penalty toward the source parameters. ``"auto"``
        keeps the penalty in ``alphas`` whose out-of-fold squared error on
        the target labels is smallest (ties go to the stronger penalty).

    alphas : int or array-like of float, default=13
        The penalties tried by ``alpha="auto"``: an int ``n`` gives ``n``
        values on a log grid from ``1e3`` to ``1e-3``
        (``np.logspace(3, -3, n)``).

    cv : int or cross-validation generator, default=5
        Folds of the labelled target rows for ``alpha="auto"``.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds.

    Attributes
    ----------
    source_estimator_ : regressor
        The regressor fitted on the labelled source rows.

    coef_ : ndarray of shape (n_features,)
        Coefficients of the target model.

    intercept_ : float
        Intercept of the target model.

    alpha_ : float
        The penalty used; infinite without labelled target rows.

    alphas_ : ndarray
        The penalties tried, the strongest first (``alpha="auto"`` only).

    cv_scores_ : ndarray of shape (n_alphas,)
        Minus the out-of-fold mean squared error of each penalty of
        ``alphas_`` on the target labels (``alpha="auto"`` only).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    RegularTransferClassifier : The classification counterpart.
    BalancedWeightingRegressor : Source and target rows in one fit, the
        target's share of the weight chosen.

    References
    ----------
    .. [1] C. Chelba and A. Acero, "Adaptation of maximum entropy capitalizer:
       Little data can help a lot", Computer Speech & Language 20(4), 2006.
    .. [2] T. Evgeniou and M. Pontil, "Regularized multi-task learning",
       KDD 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sktransfer import make_da_pipeline
    >>> from sktransfer.supervised import RegularTransferRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(1200, 3))
    >>> w_source, w_target = np.array([1.0, 2.0, -1.0]), np.array([1.5, 2.0, -0.5])
    >>> y = np.r_[X[:200] @ w_source, X[200:] @ w_target] + rng.normal(size=1200)
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(1000, int)]
    >>> y_fit = y.copy()
    >>> y_fit[220:] = np.nan  # 20 labelled target rows, the others unlabeled
    >>> reg = make_da_pipeline(StandardScaler(), RegularTransferRegressor(
    ...     random_state=0)).fit(X, y_fit, sample_domain=sample_domain)
    >>> model = reg[-1]
    >>> bool(0 < model.alpha_ < 1000)  # between the source and the target alone
    True
    >>> bool(reg.score(X[220:], y[220:]) > model.source_estimator_.score(
    ...     reg[0].transform(X[220:]), y[220:]))
    True
    """

    _task = "regression"

    @staticmethod
    def _fallback():
        return Ridge()

    def _source_parameters(self, data):
        """Source coefficients then intercept, shape (n_features + 1,)."""
        n_features = data.X_checked.shape[1]
        coef, intercept = self._source_linear_parameters(n_features)
        if coef.shape[0] != 1:
            raise ValueError(
                f"{type(self).__name__} fits one output; the source "
                f"{type(self.source_estimator_).__name__} has coef_ of shape "
                f"{np.shape(self.source_estimator_.coef_)}."
            )
        return np.r_[coef[0], intercept]

    @staticmethod
    def _encode(y):
        return y

    def _fit_path(self, X1, y, theta_source):
        return [self._fit_alpha(X1, y, theta_source, alpha) for alpha in self.alphas_]

    @staticmethod
    def _fit_alpha(X1, y, theta_source, alpha):
        """Closed form: a ridge of the residuals of the source model."""
        residual = y - X1 @ theta_source
        # The ones column carries the intercept, penalised like the others;
        # the SVD solver handles alpha=0 and more features than rows.
        ridge = Ridge(alpha=alpha, fit_intercept=False, solver="svd")
        return theta_source + ridge.fit(X1, residual).coef_

    @staticmethod
    def _predict_theta(X1, theta):
        return X1 @ theta

    @staticmethod
    def _unpack(theta):
        return theta[:-1].copy(), float(theta[-1])

    def predict(self, X, sample_domain=None):
        """Predict with the target model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; read for validation only.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions.
        """
        return self._linear_input(X, sample_domain) @ self.coef_ + self.intercept_

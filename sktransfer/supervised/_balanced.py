"""Balanced weighting: source and target rows in one fit, the target's share chosen."""

from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, clone
from sklearn.linear_model import LogisticRegression, Ridge

from .._compat import HasMethods, Interval, StrOptions
from .._domain import DomainAwarePredictorMixin
from ..baseline import _ClassifierDelegation
from ..reweight._importance import _weight_param
from ._base import _CV_CONSTRAINT, _BaseFewLabels, _choose_on_target

__all__ = ["BalancedWeightingClassifier", "BalancedWeightingRegressor"]

# The shares tried by target_share="auto", from the source alone to the target
# alone; the pooled share (the target's share of the rows) is added to them.
_SHARES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)


def _balanced_weights(data, rows, share):
    """Weights of ``rows``: the target rows hold ``share`` of the total weight.

    Every source row weighs ``(1 - share) / n_source`` and every target row
    ``share / n_target``, rescaled to a mean of one so that the estimator's
    regularisation keeps its meaning. Rows of weight zero are dropped, so
    that ``share=0`` is exactly the source-only fit and ``share=1`` the
    target-only fit.
    """
    is_target = np.isin(rows, data.target)
    n_target = is_target.sum()
    n_source = rows.shape[0] - n_target
    weights = np.where(
        is_target,
        share / max(n_target, 1),
        (1.0 - share) / max(n_source, 1),
    )
    keep = weights > 0
    weights = weights[keep]
    return rows[keep], weights / weights.mean()


class _BaseBalancedWeighting(_BaseFewLabels):
    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "target_share": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "cv": _CV_CONSTRAINT,
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, *, target_share="auto", cv=5, random_state=None):
        self.estimator = estimator
        self.target_share = target_share
        self.cv = cv
        self.random_state = random_state

    def _fit_share(self, data, rows, share, param):
        rows, weights = _balanced_weights(data, rows, share)
        if self._task == "classification" and np.unique(data.y[rows]).shape[0] < 2:
            return None  # a target-only fit on a fold that holds one class
        estimator = clone(self._default_estimator())
        return estimator.fit(data.rows(rows), data.y[rows], **{param: weights})

    def _fit(self, data):
        """Fit on the labelled source and target rows, the target's share chosen."""
        param = _weight_param(self._default_estimator(), type(self).__name__)
        if data.target.size == 0:
            self.target_share_ = 0.0  # the source-only form
        elif self.target_share == "auto":
            pooled = data.target.size / (data.target.size + data.source.size)
            self.shares_ = np.unique(np.append(_SHARES, pooled))

            def fold_predictions(train, test):
                rows = np.concatenate([data.source, train])
                fitted = [self._fit_share(data, rows, s, param) for s in self.shares_]
                return [
                    None if f is None else f.predict(data.rows(test)) for f in fitted
                ]

            best, self.cv_scores_ = _choose_on_target(
                data,
                self.cv,
                self._task == "classification",
                self.random_state,
                fold_predictions,
            )
            self.target_share_ = float(self.shares_[best])
        else:
            self.target_share_ = float(self.target_share)
        rows = np.concatenate([data.source, data.target])
        self.estimator_ = self._fit_share(data, rows, self.target_share_, param)
        if self.estimator_ is None:
            raise ValueError(
                f"{type(self).__name__} with target_share=1 fits the target rows "
                "alone, and their labels hold a single class: give a smaller "
                "target_share."
            )

    def predict(self, X, sample_domain=None):
        """Predict with the estimator fitted on the balanced rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; read for validation only.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions.
        """
        return self._delegate("predict", X, sample_domain)


class BalancedWeightingClassifier(
    DomainAwarePredictorMixin,
    ClassifierMixin,
    _ClassifierDelegation,
    _BaseBalancedWeighting,
):
    """Classifier fitted on source and target rows, the target's share chosen.

    One estimator is fitted on the labelled source rows and the few labelled
    target rows together, every source row weighing ``(1 - s) / n_source``
    and every target row ``s / n_target``: the target rows hold a share
    ``s`` of the total weight whatever their number. ``s = 0`` is the
    source-only model, ``s = 1`` the target-only model, and the share of
    the rows, ``n_target / (n_source + n_target)``, pooling. With
    ``target_share="auto"`` the share is chosen by cross-validation on the
    target labels (the source rows in every training fold). Without
    labelled target rows the share is 0: the source-only model.

    Parameters
    ----------
    estimator : classifier, default=None
        The classifier to fit; its ``fit`` must take ``sample_weight``. A
        :class:`~sklearn.linear_model.LogisticRegression` when None.

    target_share : float in [0, 1] or "auto", default="auto"
        The target rows' share of the total weight. ``"auto"`` tries 0,
        0.1, 0.25, 0.5, 0.75, 0.9, 1 and the pooled share, and keeps the one
        whose out-of-fold accuracy on the target labels is best (ties go to
        the smaller share).

    cv : int or cross-validation generator, default=5
        Folds of the labelled target rows for ``target_share="auto"``: an
        int gives stratified folds (fewer when a class has fewer labelled
        target rows), a generator splits the labelled target rows as given.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds.

    Attributes
    ----------
    estimator_ : classifier
        The classifier fitted on the weighted rows.

    target_share_ : float
        The share used.

    shares_ : ndarray
        The shares tried (``target_share="auto"`` only).

    cv_scores_ : ndarray of shape (n_shares,)
        Out-of-fold accuracy of each share on the target labels
        (``target_share="auto"`` only).

    classes_ : ndarray of shape (n_classes,)
        Class labels.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    BalancedWeightingRegressor : The regression counterpart.
    FeatureAugmentedClassifier : Source and target rows in one fit, with
        features of their own.

    References
    ----------
    .. [1] P. Wu and T. G. Dietterich, "Improving SVM accuracy by training on
       auxiliary data sources", ICML 2004.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.supervised import BalancedWeightingClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(220, 2))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> y[200:] = (X[200:, 1] > 0).astype(int)  # the target's concept differs
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(20, int)]
    >>> clf = BalancedWeightingClassifier(random_state=0).fit(
    ...     X, y, sample_domain=sample_domain)
    >>> bool(clf.target_share_ > 20 / 220)
    True
    """

    _task = "classification"

    @staticmethod
    def _fallback():
        return LogisticRegression()


class BalancedWeightingRegressor(
    DomainAwarePredictorMixin, RegressorMixin, _BaseBalancedWeighting
):
    """Regressor fitted on source and target rows, the target's share chosen.

    The regression counterpart of :class:`BalancedWeightingClassifier`:
    unlabeled rows carry ``NaN`` in ``y``, and ``target_share="auto"``
    keeps the share whose out-of-fold squared error on the target labels is
    smallest.

    Parameters
    ----------
    estimator : regressor, default=None
        The regressor to fit; its ``fit`` must take ``sample_weight``. A
        :class:`~sklearn.linear_model.Ridge` when None.

    target_share : float in [0, 1] or "auto", default="auto"
        The target rows' share of the total weight (see the classifier).

    cv : int or cross-validation generator, default=5
        Folds of the labelled target rows for ``target_share="auto"``.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds.

    Attributes
    ----------
    estimator_ : regressor
        The regressor fitted on the weighted rows.

    target_share_ : float
        The share used.

    shares_ : ndarray
        The shares tried (``target_share="auto"`` only).

    cv_scores_ : ndarray of shape (n_shares,)
        Minus the out-of-fold mean squared error of each share on the target
        labels (``target_share="auto"`` only).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    BalancedWeightingClassifier : The classification counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.supervised import BalancedWeightingRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(220, 1))
    >>> y = X[:, 0] + np.r_[np.zeros(200), 3 * np.ones(20)]  # a level shift
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(20, int)]
    >>> reg = BalancedWeightingRegressor(random_state=0).fit(
    ...     X, y, sample_domain=sample_domain)
    >>> reg.target_share_
    1.0
    """

    _task = "regression"

    @staticmethod
    def _fallback():
        return Ridge()

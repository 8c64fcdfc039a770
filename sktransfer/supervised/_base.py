"""What the estimators that read a few target labels share.

Each of them fits on the labelled source rows and the labelled target rows
(``sample_domain < 0`` and a label); unlabeled target rows are never read as
labels. Most of them choose one hyper-parameter (a penalty, a number of
boosting rounds, the weight of the target rows) on the target labels:
:func:`_choose_on_target` is that choice, in one place.
"""

import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.model_selection import KFold, StratifiedKFold, check_cv
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._compat import HasMethods, Interval, _fit_context, _safe_indexing
from .._domain import DomainAwareMixin
from ..baseline import _PERMISSIVE, _estimator_input, _inner_input_tags
from ..exceptions import NoTargetLabelsWarning

__all__ = []

# Folds of the target labels when cv is an int; fewer when a class (or the
# whole target) has fewer labelled rows.
_CV_CONSTRAINT = [Interval(Integral, 2, None, closed="left"), HasMethods(["split"])]


@dataclass(frozen=True)
class _FewLabelsData:
    """The rows a few-labels fit reads, in the order of ``X``.

    Attributes
    ----------
    X : DataFrame or ndarray
        Every row, as the wrapped estimator takes them (a DataFrame as given).

    X_checked : ndarray
        Every row, validated.

    y : ndarray
        The labels, unlabeled rows included.

    sample_domain : ndarray of int
        The domain of every row.

    source : ndarray of int
        Indices of the labelled source rows.

    target : ndarray of int
        Indices of the labelled target rows, the few labels.

    unlabeled : ndarray of int
        Indices of the unlabeled target rows.
    """

    X: object
    X_checked: np.ndarray
    y: np.ndarray
    sample_domain: np.ndarray
    source: np.ndarray
    target: np.ndarray
    unlabeled: np.ndarray

    def rows(self, indices, *, checked=False):
        """The rows ``indices`` of ``X`` (or of ``X_checked``)."""
        return _safe_indexing(self.X_checked if checked else self.X, indices)


class _BaseFewLabels(DomainAwareMixin, MetaEstimatorMixin, BaseEstimator):
    """A meta-estimator fitted on the labelled source rows and a few target labels.

    Public subclasses put :class:`~sktransfer.DomainAwarePredictorMixin`
    first, so that its ``score`` (which skips unlabeled rows) wins over
    scikit-learn's ``ClassifierMixin`` and ``RegressorMixin``. Subclasses set
    ``_task`` and ``_check_params`` (what
    :func:`~sklearn.utils.validation.validate_data` accepts: by default what
    the wrapped estimator accepts) and implement ``_fit(data)``, which
    :meth:`fit` calls with the validated rows (:class:`_FewLabelsData`). A
    fit without labelled target rows warns
    (:class:`~sktransfer.exceptions.NoTargetLabelsWarning`) and fits the
    method's source-only form, as every domain-aware estimator does without
    target rows: ``data.target`` is then empty, and each subclass says in
    its docstring what its source-only form is.
    """

    _check_params = _PERMISSIVE

    def _default_estimator(self):
        return self._fallback() if self.estimator is None else self.estimator

    def _few_labels_data(self, X, y, sample_domain):
        """Validate a fit's input; refuse a fit without labelled target rows."""
        data = self._validate_domain_data(
            X,
            y,
            sample_domain,
            labels="all",
            task=self._task,
            **self._check_params,
        )
        source = np.flatnonzero(data.labeled & data.source)
        target = np.flatnonzero(data.labeled & data.target)
        if target.size == 0 and data.has_target:
            # Without target rows at all, check_domain_data has warned.
            warnings.warn(
                f"{type(self).__name__} learns from a few labelled target rows and "
                "found none (a labelled target row has sample_domain < 0 and a "
                "label other than -1/NaN; without sample_domain every labelled "
                "row is a source row): fitting its source-only form.",
                NoTargetLabelsWarning,
                stacklevel=3,
            )
        return _FewLabelsData(
            X=_estimator_input(X, data.X),
            X_checked=data.X,
            y=data.y,
            sample_domain=data.sample_domain,
            source=source,
            target=target,
            unlabeled=np.flatnonzero(data.target & ~data.labeled),
        )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_domain=None):
        """Fit on the labelled source rows and the few labelled target rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Source and target rows together; a DataFrame is passed on as it
            is to an estimator that takes one.

        y : array-like of shape (n_samples,)
            Labels; ``-1`` or ``NaN`` for unlabeled rows, which are not read.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row (``> 0`` source, ``< 0`` target). Needed:
            without it every labelled row is a source row.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._fit(self._few_labels_data(X, y, sample_domain))
        return self

    def _predict_input(self, X, sample_domain=None):
        """Predict-time rows as the estimator takes them, and their domains."""
        validated, sample_domain = self._validate_predict_data(
            X, sample_domain, **self._check_params
        )
        return _estimator_input(X, validated), validated, sample_domain

    def _delegate(self, method, X, sample_domain):
        """``estimator_``'s ``method`` on ``X``, for models that are one estimator."""
        check_is_fitted(self)
        X, _, _ = self._predict_input(X, sample_domain)
        return getattr(self.estimator_, method)(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self._check_params is _PERMISSIVE:
            return _inner_input_tags(tags, self._default_estimator())
        tags.input_tags.sparse = bool(self._check_params.get("accept_sparse"))
        tags.input_tags.allow_nan = self._check_params.get("ensure_all_finite") is False
        return tags


def _fit_rows(estimator, data, rows, **fit_params):
    """A clone of ``estimator`` fitted on ``rows``, with their labels."""
    return clone(estimator).fit(data.rows(rows), data.y[rows], **fit_params)


def _target_folds(data, cv, classifier, random_state):
    """Splits of the labelled target rows: ``(train, test)`` indices into ``X``.

    An int ``cv`` gives that many folds, fewer when the target has fewer
    labelled rows (or, stratified, when a class has fewer): a fold needs one
    row of each class it can. Any other ``cv`` splits the target rows as
    given.
    """
    y_target = data.y[data.target]
    if isinstance(cv, Integral):
        n_splits = min(cv, y_target.shape[0])
        if classifier:
            smallest = np.unique(y_target, return_counts=True)[1].min()
            if smallest >= 2:
                n_splits = min(n_splits, smallest)
                cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
        if not isinstance(cv, StratifiedKFold):
            if n_splits < 2:
                raise ValueError(
                    "Choosing on the target labels needs at least 2 labelled "
                    f"target rows; got {y_target.shape[0]}. Fix the parameter "
                    "that is chosen instead of leaving it to the target labels."
                )
            cv = KFold(n_splits, shuffle=True, random_state=random_state)
    cv = check_cv(cv)
    X_target = data.rows(data.target, checked=True)
    return [
        (data.target[train], data.target[test])
        for train, test in cv.split(X_target, y_target)
    ]


def _choose_on_target(data, cv, classifier, random_state, fold_predictions):
    """The candidate whose out-of-fold predictions of the target labels are best.

    ``fold_predictions(train, test)`` returns one array of predictions of
    the rows ``test`` per candidate, trained on the labelled source rows and
    the target rows ``train``, or None for a candidate that these rows cannot
    train (a target-only model on a fold that holds one class): a candidate
    that misses a fold is never chosen. The predictions of every fold are pooled
    before they are scored (accuracy, or mean squared error), which is
    steadier than a mean of per-fold scores when folds hold a few rows. Ties
    go to the earliest candidate: callers list the candidates from the one
    that leans most on the source to the one that leans least.

    Returns
    -------
    best : int
        Index of the chosen candidate.

    scores : ndarray of shape (n_candidates,)
        Each candidate's pooled score (accuracy, or minus the mean squared
        error); ``-inf`` for a candidate that missed a fold.
    """
    random_state = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    folds = _target_folds(data, cv, classifier, random_state)
    tested, predicted = [], []
    for train, test in folds:
        tested.append(test)
        predicted.append(fold_predictions(train, test))
    y_true = data.y[np.concatenate(tested)]
    scores = np.full(len(predicted[0]), -np.inf)
    for j in range(scores.shape[0]):
        fold_parts = [fold[j] for fold in predicted]
        if any(part is None for part in fold_parts):
            continue
        y_pred = np.concatenate(fold_parts)
        scores[j] = (
            accuracy_score(y_true, y_pred)
            if classifier
            else -mean_squared_error(y_true, y_pred)
        )
    return int(np.argmax(scores)), scores

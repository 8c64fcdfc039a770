"""Is there label shift at all? A permutation test on held-out predictions."""

import warnings
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_array,
    check_consistent_length,
    column_or_1d,
)

from .._compat import HasMethods, Interval, validate_params
from .._domain import unlabeled_mask
from ..exceptions import UnlabeledSourceRowsWarning
from ._cross_fit import cross_fit_proba

__all__ = ["LabelShiftTestResult", "label_shift_test"]


@dataclass(frozen=True)
class LabelShiftTestResult:
    """Result of :func:`label_shift_test`.

    Attributes
    ----------
    statistic : float
        Pearson's chi-squared statistic of the table of predicted classes by
        domain (held-out source rows against target rows).

    pvalue : float
        Permutation p-value, ``(1 + #{null >= statistic}) / (1 + n_permutations)``.

    null_distribution : ndarray of shape (n_permutations,)
        The statistic with the domains permuted within each fold; left out
        of the ``repr``.

    source_prediction_rates : ndarray of shape (n_classes,)
        Share of the held-out source rows predicted in each class.

    target_prediction_rates : ndarray of shape (n_classes,)
        Share of the target rows predicted in each class.
    """

    statistic: float
    pvalue: float
    # A thousand numbers would drown the repr.
    null_distribution: np.ndarray = field(repr=False)
    source_prediction_rates: np.ndarray
    target_prediction_rates: np.ndarray


def _chi2_statistic(counts):
    """Pearson's statistic of a contingency table; empty columns left out."""
    counts = counts[:, counts.sum(axis=0) > 0]
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / counts.sum()
    return float(np.sum((counts - expected) ** 2 / expected))


def _table(predicted, is_target, n_classes):
    return np.stack(
        [
            np.bincount(predicted[~is_target], minlength=n_classes),
            np.bincount(predicted[is_target], minlength=n_classes),
        ]
    )


def _check_test_data(X_source, y_source, X_target):
    """The labelled source rows and the target rows, or a clear error.

    Rows of ``y_source`` marked unlabeled (``-1`` or ``NaN``, the package's
    convention) are left out: they cannot be counted in a class. NaN in
    ``X`` is left to the estimator, as in :class:`LabelShiftClassifier`.
    """
    check = {"accept_sparse": ["csr", "csc"], "dtype": None}
    X_source = check_array(
        X_source, ensure_all_finite=False, input_name="X_source", **check
    )
    X_target = check_array(
        X_target,
        ensure_all_finite=False,
        ensure_min_samples=0,
        input_name="X_target",
        **check,
    )
    y_source = column_or_1d(y_source)
    check_consistent_length(X_source, y_source)
    if X_target.shape[0] == 0:
        raise ValueError(
            "label_shift_test compares the source with the target: X_target "
            "needs at least one row."
        )
    if X_target.shape[1] != X_source.shape[1]:
        raise ValueError(
            f"X_source has {X_source.shape[1]} features and X_target "
            f"{X_target.shape[1]}: both must hold the same columns."
        )
    labeled = ~unlabeled_mask(y_source, task="classification")
    # NaN marks unlabeled rows whatever the task, -1 only in classification.
    minus_one = ~labeled & ~unlabeled_mask(y_source, task="regression")
    classes = np.unique(y_source[labeled])
    if classes.size < 2:
        raise ValueError(
            "label_shift_test needs labelled source rows of at least two "
            f"classes in y_source; got {classes.tolist()} (rows labelled -1 or "
            "NaN are unlabeled; if -1 is a class, encode y_source first, for "
            "example with sklearn.preprocessing.LabelEncoder)."
        )
    check_classification_targets(y_source[labeled])
    if np.any(minus_one):
        warnings.warn(
            f"label_shift_test: {int(np.sum(minus_one))} of the {y_source.size} "
            "rows of y_source carry the label -1, which is reserved for "
            "unlabeled rows: they are left out. If -1 is one of your classes, "
            "encode y_source first (for example with "
            "sklearn.preprocessing.LabelEncoder).",
            UnlabeledSourceRowsWarning,
            stacklevel=3,
        )
    return X_source[labeled], y_source[labeled], X_target


@validate_params(
    {
        "X_source": ["array-like", "sparse matrix"],
        "y_source": ["array-like"],
        "X_target": ["array-like", "sparse matrix"],
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "cv": ["cv_object"],
        "n_permutations": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=False,
)
def label_shift_test(
    X_source,
    y_source,
    X_target,
    *,
    estimator=None,
    cv=None,
    n_permutations=1000,
    n_jobs=None,
    random_state=None,
):
    """Permutation test of "the classifier's predictions are distributed alike".

    Under label shift (``P(x | y)`` shared) the distribution of a
    classifier's predictions on the target is ``C w`` against ``C 1`` on the
    source, so with an invertible confusion matrix ``C`` the two differ
    exactly when the class priors moved (Lipton et al. 2018). The test fits
    ``estimator`` on ``cv`` folds of the labelled source rows, predicts each
    fold's held-out rows and an equal share of the target rows, and compares
    the predicted classes of the two sides with Pearson's chi-squared
    statistic; its null distribution comes from permuting the domains within
    each fold, which keeps the level whatever the classifier.

    Parameters
    ----------
    X_source : {array-like, sparse matrix} of shape (n_source, n_features)
        Labelled source rows. NaN is left to ``estimator``.

    y_source : array-like of shape (n_source,)
        Their labels. Rows labelled ``-1`` or ``NaN`` are unlabeled and left
        out (with an
        :class:`~sktransfer.exceptions.UnlabeledSourceRowsWarning` for
        ``-1``, which a class of the problem could be).

    X_target : {array-like, sparse matrix} of shape (n_target, n_features)
        Target rows; their labels are not needed.

    estimator : classifier, default=None
        Classifier with ``predict_proba``; a
        :class:`~sklearn.linear_model.LogisticRegression` when None.

    cv : int, cross-validation generator or iterable, default=None
        Folds of the source rows; an int (None means 5) gives stratified
        folds shuffled by ``random_state``.

    n_permutations : int, default=1000
        Number of permutations; the smallest reachable p-value is
        ``1 / (n_permutations + 1)``.

    n_jobs : int, default=None
        Folds fitted in parallel (joblib); None means 1.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds, deals the target rows and draws the permutations.

    Returns
    -------
    result : LabelShiftTestResult
        ``statistic``, ``pvalue``, ``null_distribution`` and the prediction
        rates of both sides.

    See Also
    --------
    sktransfer.metrics.mmd_test : Tests a shift of ``P(x)``, whatever its kind.
    LabelShiftClassifier : Corrects a classifier when the priors moved.

    Notes
    -----
    The test rejects when the predictions are distributed differently,
    which label shift causes, and so does a covariate shift that moves the
    predictions. Read it beside :func:`~sktransfer.metrics.mmd_test`: an
    MMD test that rejects while this one does not points to a shift of
    ``P(x)`` that leaves the class mix as it was; this test rejecting says
    the class mix (of the predictions) moved, which
    :class:`LabelShiftClassifier` corrects when ``P(x | y)`` is shared.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.datasets import make_label_shift
    >>> from sktransfer.label_shift import label_shift_test
    >>> data = make_label_shift("breast_cancer", target_priors=[0.8, 0.2],
    ...                         random_state=0)
    >>> source = data.sample_domain > 0
    >>> result = label_shift_test(
    ...     data.X[source], data.y[source], data.X[~source],
    ...     estimator=LogisticRegression(max_iter=5000), n_permutations=200,
    ...     random_state=0)
    >>> result.pvalue < 0.01
    True
    """
    X_source, y_source, X_target = _check_test_data(X_source, y_source, X_target)
    if estimator is None:
        estimator = LogisticRegression()
    rng = check_random_state(random_state)
    classes, _, proba_source, proba_target, fold_source, fold_target = cross_fit_proba(
        estimator,
        X_source,
        y_source,
        X_target,
        cv=cv,
        fit_params={},
        n_jobs=n_jobs,
        random_state=rng,
    )
    n_classes = classes.size
    predicted = np.r_[proba_source.argmax(axis=1), proba_target.argmax(axis=1)]
    is_target = np.r_[np.zeros(len(fold_source), bool), np.ones(len(fold_target), bool)]
    folds = np.r_[fold_source, fold_target]
    counts = _table(predicted, is_target, n_classes)
    statistic = _chi2_statistic(counts)
    members = [np.flatnonzero(folds == k) for k in np.unique(folds)]
    null = np.empty(n_permutations)
    permuted = is_target.copy()
    for p in range(n_permutations):
        for rows in members:
            permuted[rows] = rng.permutation(is_target[rows])
        null[p] = _chi2_statistic(_table(predicted, permuted, n_classes))
    pvalue = (1.0 + np.count_nonzero(null >= statistic)) / (1.0 + n_permutations)
    return LabelShiftTestResult(
        statistic=statistic,
        pvalue=float(pvalue),
        null_distribution=null,
        source_prediction_rates=counts[0] / counts[0].sum(),
        target_prediction_rates=counts[1] / max(counts[1].sum(), 1),
    )

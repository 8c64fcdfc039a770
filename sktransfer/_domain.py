"""The source/target convention of sktransfer, in one place.

Every domain-aware estimator takes ONE ``X`` that holds source and target rows,
so that ``Pipeline``, ``cross_val_score`` and ``GridSearchCV`` split it like any
data:

- ``y`` holds the labels; an unlabeled row carries ``-1`` (classification, as in
  :mod:`sklearn.semi_supervised`) or ``NaN`` (any task).
- ``sample_domain`` (optional int array) marks each row: ``> 0`` a source domain
  id, ``< 0`` a target domain id. Without it, unlabeled rows are target rows and
  labelled rows are source rows.
- At predict, transform and score time, rows are target rows unless a
  ``sample_domain`` says otherwise: the deployed model sees the target domain.

Estimators call :func:`check_domain_data` (usually through
:class:`DomainAwareMixin`) and never read ``y`` or ``sample_domain`` directly.
"""

import contextlib
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.sparse import issparse
from sklearn.base import TransformerMixin, is_classifier
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import (
    check_consistent_length,
    column_or_1d,
    validate_data,
)

from ._compat import _num_samples
from .exceptions import NoTargetDomainWarning, UnlabeledSourceRowsWarning

__all__ = [
    "UNLABELED",
    "DomainAwareMixin",
    "DomainAwarePredictorMixin",
    "DomainAwareTransformerMixin",
    "DomainData",
    "check_domain_data",
    "check_sample_domain",
    "pack_domains",
    "unlabeled_mask",
    "unpack_domains",
]

#: Label of an unlabeled row in classification (scikit-learn's semi-supervised
#: convention). ``NaN`` marks an unlabeled row for any task.
UNLABELED = -1

SOURCE, TARGET = 1, -1

_LABEL_POLICIES = ("source", "all", None)


def unlabeled_mask(y, *, task=None):
    """Boolean mask of the rows of ``y`` that carry no label.

    ``NaN`` (or ``None`` in an object array) always means unlabeled. ``-1``
    means unlabeled in classification, and is an ordinary value in regression:
    with ``task=None`` the task is inferred from the labelled values with
    :func:`~sklearn.utils.multiclass.type_of_target` (continuous values mean
    regression).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels, unlabeled rows included.

    task : {"classification", "regression"} or None, default=None
        The task the labels belong to; inferred when None.

    Returns
    -------
    mask : ndarray of shape (n_samples,), dtype=bool
        True where the row is unlabeled.

    Examples
    --------
    >>> from sktransfer import unlabeled_mask
    >>> unlabeled_mask([0, 1, -1, 1])
    array([False, False,  True, False])
    >>> unlabeled_mask([0.5, -1.0, float("nan")])
    array([False, False,  True])
    """
    y = np.asarray(y)
    if y.dtype.kind == "f":
        missing = np.isnan(y)
    elif y.dtype.kind == "O":
        missing = np.array(
            [v is None or (isinstance(v, float) and np.isnan(v)) for v in y.ravel()],
            dtype=bool,
        ).reshape(y.shape)
    else:
        missing = np.zeros(y.shape, dtype=bool)
    if task == "regression" or y.dtype.kind not in "iufO":
        return missing
    if task is None and y.dtype.kind == "f":
        known = y[~missing & (y != UNLABELED)]
        if known.size and type_of_target(known) == "continuous":
            return missing
    with warnings.catch_warnings():
        # Comparing an array of strings with -1 is elementwise False, which
        # is what we want; numpy may still warn about the mixed comparison.
        warnings.simplefilter("ignore")
        is_minus_one = np.asarray(y == UNLABELED, dtype=bool)
    return missing | is_minus_one


def check_sample_domain(sample_domain, n_samples, *, y=None, default=TARGET, task=None):
    """Validate ``sample_domain``, or infer it when it is None.

    Parameters
    ----------
    sample_domain : array-like of shape (n_samples,) or None
        Domain id of each row: ``> 0`` source, ``< 0`` target. Zero is refused.

    n_samples : int
        Number of rows it must describe.

    y : array-like of shape (n_samples,), default=None
        Labels used for inference when ``sample_domain`` is None: unlabeled
        rows are target rows (``-1``), labelled rows source rows (``1``).

    default : {1, -1}, default=-1
        Domain of every row when both ``sample_domain`` and ``y`` are None:
        ``-1`` at predict time (the deployed model sees the target domain),
        ``1`` when fitting without labels.

    task : {"classification", "regression"} or None, default=None
        Passed to :func:`unlabeled_mask`.

    Returns
    -------
    sample_domain : ndarray of shape (n_samples,), dtype=int64
        A new array; the caller's array is never modified.
    """
    if sample_domain is None:
        if y is None:
            return np.full(n_samples, default, dtype=np.int64)
        return np.where(unlabeled_mask(y, task=task), TARGET, SOURCE).astype(np.int64)

    sample_domain = np.asarray(sample_domain)
    if sample_domain.ndim != 1:
        raise ValueError(
            "sample_domain must be a 1-D array of domain ids; got an array of "
            f"shape {sample_domain.shape}."
        )
    if sample_domain.shape[0] != n_samples:
        raise ValueError(
            f"sample_domain has {sample_domain.shape[0]} entries but X has "
            f"{n_samples} rows; give one domain id per row."
        )
    if sample_domain.dtype.kind not in "iu":
        raise ValueError(
            "sample_domain must hold integers (> 0 for source domains, < 0 for "
            f"target domains); got dtype {sample_domain.dtype}."
        )
    if np.any(sample_domain == 0):
        raise ValueError(
            "sample_domain contains 0, which is neither a source (> 0) nor a "
            "target (< 0) domain id."
        )
    return sample_domain.astype(np.int64, copy=True)


@dataclass(frozen=True)
class DomainData:
    """Validated ``X, y, sample_domain`` with the masks estimators need.

    Attributes
    ----------
    X : ndarray
        The validated input (not a copy unless validation had to convert it).

    y : ndarray of shape (n_samples,) or None
        The labels as given, unlabeled rows included. Use ``y[labeled]``.

    sample_domain : ndarray of shape (n_samples,), dtype=int64
        Domain id of every row, given or inferred.

    labeled : ndarray of shape (n_samples,), dtype=bool
        Rows whose label the estimator may read: labelled source rows for an
        unsupervised method, every labelled row for a semi-supervised one.
    """

    X: np.ndarray
    y: np.ndarray | None
    sample_domain: np.ndarray
    labeled: np.ndarray

    @property
    def source(self):
        """Boolean mask of the source rows."""
        return self.sample_domain > 0

    @property
    def target(self):
        """Boolean mask of the target rows."""
        return self.sample_domain < 0

    @property
    def has_target(self):
        """Whether any row is a target row."""
        return bool(np.any(self.sample_domain < 0))


def check_domain_data(
    estimator,
    X,
    y=None,
    sample_domain=None,
    *,
    labels="source",
    task=None,
    need_target=False,
    warn_no_target=True,
    reset=True,
    **check_params,
):
    """Validate a domain-adaptation fit's ``X, y, sample_domain``.

    This is the single entry point that applies the convention of this
    module. Nothing the caller passed is modified.

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted; receives ``n_features_in_`` (and
        ``feature_names_in_``) through
        :func:`~sklearn.utils.validation.validate_data`.

    X : array-like of shape (n_samples, ...)
        Source and target rows together.

    y : array-like of shape (n_samples,), default=None
        Labels; ``-1`` or ``NaN`` for unlabeled rows.

    sample_domain : array-like of shape (n_samples,), default=None
        Domain ids; inferred from ``y`` when None.

    labels : {"source", "all"} or None, default="source"
        Which labels the method reads. ``"source"``: an unsupervised
        method, which never reads target labels even when they are present.
        ``"all"``: a semi-supervised method, which reads every labelled row.
        None: ``y`` only serves to infer the domains.

    task : {"classification", "regression"} or None, default=None
        With ``"classification"`` the readable labels must hold at least two
        classes; with ``"regression"`` they must be finite numbers.

    need_target : bool, default=False
        Refuse a fit without target rows. When False, such a fit warns with
        :class:`~sktransfer.exceptions.NoTargetDomainWarning` (if
        ``warn_no_target``) and the estimator fits its source-only form.

    warn_no_target : bool, default=True
        Whether a fit without target rows warns.

    reset : bool, default=True
        Passed to :func:`~sklearn.utils.validation.validate_data`.

    **check_params : dict
        Passed to :func:`~sklearn.utils.validation.validate_data` for ``X``
        (for example ``allow_nd=True`` for image arrays).

    Returns
    -------
    data : DomainData
        The validated arrays and their masks.

    Warns
    -----
    UnlabeledSourceRowsWarning
        In classification, when ``sample_domain`` is given and source rows
        carry the reserved label ``-1`` beside labelled source rows.

    Raises
    ------
    ValueError
        When ``X`` holds NaN or non-numeric values, when ``y`` or
        ``sample_domain`` has the wrong length or dtype, when there is no
        source row, no labelled source row while labels are needed, only one
        class, or no target row while ``need_target`` is True.
    """
    if labels not in _LABEL_POLICIES:
        raise ValueError(f"labels must be one of {_LABEL_POLICIES}; got {labels!r}.")
    X = validate_X(estimator, X, reset=reset, **check_params)
    n_samples = X.shape[0]
    name = type(estimator).__name__

    if y is not None:
        y = np.asarray(y)
        if y.ndim > 2 or (y.ndim == 2 and y.shape[1] != 1):
            raise ValueError(
                f"{name} expects y of shape (n_samples,); got shape {y.shape}."
            )
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        if task == "regression" and y.dtype.kind not in "iuf":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Unknown label type: {name} is a regressor and needs numeric "
                    f"y; got dtype {y.dtype}."
                ) from None
    elif labels is not None and task is not None:
        raise ValueError(f"{name} requires y to be passed, but the target y is None.")

    domains_given = sample_domain is not None
    sample_domain = check_sample_domain(
        sample_domain, n_samples, y=y, default=SOURCE, task=task
    )
    source = sample_domain > 0
    if not source.any():
        raise ValueError(
            f"{name} found no source rows: mark source rows with a positive "
            "sample_domain, or give them labels when sample_domain is None."
        )

    if y is None or labels is None:
        labeled = np.zeros(n_samples, dtype=bool)
    else:
        labeled = ~unlabeled_mask(y, task=task)
        if labels == "source":
            labeled &= source
    if labels is not None and task == "classification" and domains_given:
        _warn_unlabeled_source(name, y, labeled, source)
    if labels is not None and task is not None:
        _check_labels(name, y, labeled, source, task)

    if not np.any(sample_domain < 0):
        if need_target:
            raise ValueError(
                f"{name} found no target rows: mark them with a negative "
                "sample_domain, or with the label -1 (NaN for regression)."
            )
        if warn_no_target:
            warnings.warn(
                f"{name} found no target rows (sample_domain < 0, or labels -1/NaN"
                " when sample_domain is None): fitting its source-only form, "
                "nothing is adapted.",
                NoTargetDomainWarning,
                stacklevel=3,
            )
    return DomainData(X=X, y=y, sample_domain=sample_domain, labeled=labeled)


@contextlib.contextmanager
def _numbers_needed(subject):
    """Re-raise numpy's conversion error with ``subject`` and the fix.

    numpy's "could not convert string to float" names neither the parameter
    nor the fix; ``subject`` says which input needed numbers
    ("KMMReweighter needs numeric X").
    """
    try:
        yield
    except (ValueError, TypeError) as exc:
        if "convert" not in str(exc) and "numeric" not in str(exc):
            raise
        raise ValueError(
            f"{subject}; {exc} Encode string or categorical columns first (for "
            "example with sklearn.preprocessing.OneHotEncoder in a pipeline)."
        ) from exc


def validate_X(estimator, X, **check_params):
    """:func:`~sklearn.utils.validation.validate_data` for ``X`` alone.

    The one place every estimator validates ``X`` (fit and predict time),
    with numpy's conversion error reworded by :func:`_numbers_needed`.
    """
    if issparse(X) and not check_params.get("accept_sparse", False):
        # scikit-learn's own error says "convert", which _numbers_needed
        # would take for a string column and answer with "encode with a
        # OneHotEncoder", the very step that made X sparse.
        raise ValueError(
            f"{type(estimator).__name__} takes dense X only; got a sparse matrix. "
            "A ColumnTransformer returns one when its OneHotEncoder outputs are "
            "mostly zeros: pass OneHotEncoder(sparse_output=False) (or "
            "ColumnTransformer(..., sparse_threshold=0)), or X.toarray()."
        )
    with _numbers_needed(f"{type(estimator).__name__} needs numeric X"):
        return validate_data(estimator, X, **check_params)


def _warn_unlabeled_source(name, y, labeled, source):
    # -1 is reserved for "unlabeled", and a class really called -1 would be
    # dropped without a word: say so when the user marked the rows as
    # source rows and some of them carry labels (a fully unlabeled source
    # raises in _check_labels).
    unlabeled_source = source & ~labeled
    if not (unlabeled_source.any() and (labeled & source).any()):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        minus_one = np.asarray(y == UNLABELED, dtype=bool) & unlabeled_source
    if minus_one.any():
        warnings.warn(
            f"{name}: {int(minus_one.sum())} of the {int(source.sum())} source "
            "rows (sample_domain > 0) carry the label -1, which is reserved for "
            "unlabeled rows: they are left out of the labels y the fit reads. "
            "If -1 is one of your classes, encode y first (for example with "
            "sklearn.preprocessing.LabelEncoder).",
            UnlabeledSourceRowsWarning,
            stacklevel=4,
        )


def _check_labels(name, y, labeled, source, task):
    if not np.any(labeled & source):
        raise ValueError(
            f"{name} needs labelled source rows, and every source row is "
            "unlabeled (-1 or NaN)."
        )
    y_known = y[labeled]
    if task == "classification":
        check_classification_targets(y_known)
        classes = np.unique(y_known)
        if classes.shape[0] < 2:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                minus_one = np.any(np.asarray(y == UNLABELED, dtype=bool) & source)
            hint = (
                " Rows labelled -1 are unlabeled (-1 is reserved): if -1 is a "
                "class, encode y first (sklearn.preprocessing.LabelEncoder)."
                if minus_one
                else ""
            )
            raise ValueError(
                f"{name} needs at least two classes in the labelled rows of y; "
                f"got only one class: {classes[0]}.{hint}"
            )
    elif task == "regression" and not np.all(np.isfinite(y_known)):
        raise ValueError(f"{name} found infinite values in the labels y.")


class DomainAwareMixin:
    """Mixin for estimators that follow the source/target convention.

    It declares that ``sample_domain`` is requested by default in every
    method that accepts it, so that metadata routing (for instance through
    :func:`~sktransfer.make_da_pipeline`) passes it without any
    ``set_*_request`` call, and it gives the validation helpers that
    subclasses call in ``fit`` and at predict time.
    """

    __metadata_request__fit = {"sample_domain": True}
    __metadata_request__partial_fit = {"sample_domain": True}
    __metadata_request__predict = {"sample_domain": True}
    __metadata_request__predict_proba = {"sample_domain": True}
    __metadata_request__predict_log_proba = {"sample_domain": True}
    __metadata_request__decision_function = {"sample_domain": True}
    __metadata_request__transform = {"sample_domain": True}
    __metadata_request__score = {"sample_domain": True}

    def _validate_domain_data(self, X, y=None, sample_domain=None, **kwargs):
        """Validate fit inputs; see :func:`check_domain_data` for ``kwargs``."""
        return check_domain_data(self, X, y, sample_domain, **kwargs)

    def _validate_predict_data(self, X, sample_domain=None, **check_params):
        """Validate predict-time inputs: rows are target rows by default."""
        X = validate_X(self, X, reset=False, **check_params)
        return X, check_sample_domain(sample_domain, X.shape[0], default=TARGET)


class DomainAwareTransformerMixin(DomainAwareMixin, TransformerMixin):
    """Domain-aware mixin for transformers.

    ``transform`` treats rows as target rows by default, which is right for
    new data but wrong for the training rows: :meth:`fit_transform` therefore
    transforms ``X`` with the domains the fit used (given, or inferred from
    ``y``), so that a pipeline trains its next step on correctly mapped rows.
    """

    def fit_transform(self, X, y=None, sample_domain=None, **fit_params):
        """Fit, then transform ``X`` with the domains used by the fit.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows together.

        y : array-like of shape (n_samples,), default=None
            Labels; ``-1`` or ``NaN`` for unlabeled rows.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; inferred from ``y`` when None.

        **fit_params : dict
            Other parameters of ``fit``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            The transformed rows.
        """
        self.fit(X, y, sample_domain=sample_domain, **fit_params)
        sample_domain = check_sample_domain(
            sample_domain, _num_samples(X), y=y, default=SOURCE
        )
        return self.transform(X, sample_domain=sample_domain)


class DomainAwarePredictorMixin(DomainAwareMixin):
    """Domain-aware mixin for classifiers and regressors.

    Its :meth:`score` skips unlabeled rows (``-1`` or ``NaN``), so that a test
    split that still holds unlabeled target rows can be scored, and passes
    ``sample_domain`` on to ``predict``.
    """

    def score(self, X, y, sample_weight=None, sample_domain=None):
        """Accuracy (classifiers) or R^2 (regressors) on the labelled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score; target rows unless ``sample_domain`` says otherwise.

        y : array-like of shape (n_samples,)
            True labels; rows marked ``-1`` or ``NaN`` are left out.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids of the rows, passed on to ``predict``.

        Returns
        -------
        score : float
            Mean accuracy or coefficient of determination.
        """
        y = np.asarray(y)
        task = "classification" if is_classifier(self) else "regression"
        keep = ~unlabeled_mask(y, task=task)
        if not keep.any():
            raise ValueError(
                f"{type(self).__name__}.score found no labelled rows in y: every "
                "label is -1 or NaN."
            )
        X = _take_rows(X, keep)
        if sample_domain is not None:
            sample_domain = np.asarray(sample_domain)[keep]
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight)[keep]
        y_pred = self.predict(X, sample_domain=sample_domain)
        metric = accuracy_score if task == "classification" else r2_score
        return float(metric(y[keep], y_pred, sample_weight=sample_weight))


def _take_rows(X, mask):
    """Rows of an array, a sparse matrix or a DataFrame selected by a boolean mask."""
    if hasattr(X, "iloc"):
        return X.iloc[np.flatnonzero(mask)]
    if issparse(X):  # np.asarray would wrap it in a 0-d object array
        return X[np.flatnonzero(mask)]
    return np.asarray(X)[mask]


def _as_list(arrays):
    return list(arrays) if isinstance(arrays, list | tuple) else [arrays]


def pack_domains(X_source, y_source, X_target, y_target=None):
    """Stack separate source and target sets into ``X, y, sample_domain``.

    Parameters
    ----------
    X_source : array-like of shape (n_source, ...) or list of such arrays
        Source rows; a list of arrays gives several source domains, with ids
        ``1, 2, ...``.

    y_source : array-like of shape (n_source,) or list of such arrays
        Labels of the source rows, one array per source domain.

    X_target : array-like of shape (n_target, ...) or list of such arrays
        Target rows; a list gives several target domains, ids ``-1, -2, ...``.

    y_target : array-like of shape (n_target,) or list, default=None
        Target labels, when known (for evaluation, or for semi-supervised
        methods). When None, target rows get the unlabeled marker: ``-1``
        for integer labels, ``NaN`` for float labels.

    Returns
    -------
    X : ndarray of shape (n_source + n_target, ...)
        Source rows first, then target rows.

    y : ndarray of shape (n_source + n_target,)
        Labels.

    sample_domain : ndarray of shape (n_source + n_target,), dtype=int64
        Domain id of each row.

    See Also
    --------
    unpack_domains : The way back.

    Notes
    -----
    ``-1`` is reserved for "unlabeled": a classification problem whose own
    classes include ``-1`` must encode them differently (for example with
    :class:`~sklearn.preprocessing.LabelEncoder`).

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer import pack_domains
    >>> X, y, sample_domain = pack_domains(
    ...     np.zeros((2, 3)), np.array([0, 1]), np.ones((1, 3)))
    >>> y
    array([ 0,  1, -1])
    >>> sample_domain
    array([ 1,  1, -1])
    """
    X_sources, y_sources = _as_list(X_source), _as_list(y_source)
    X_targets = _as_list(X_target)
    if len(X_sources) != len(y_sources):
        raise ValueError(
            f"Got {len(X_sources)} source arrays but {len(y_sources)} label arrays."
        )
    X_sources = [np.asarray(a) for a in X_sources]
    y_sources = [np.asarray(a) for a in y_sources]
    X_targets = [np.asarray(a) for a in X_targets]
    if y_target is None:
        y_targets = [_unlabeled_like(y_sources[0], a.shape[0]) for a in X_targets]
    else:
        y_targets = [np.asarray(a) for a in _as_list(y_target)]
        if len(y_targets) != len(X_targets):
            raise ValueError(
                f"Got {len(X_targets)} target arrays but {len(y_targets)} label arrays."
            )
    domains = [
        np.full(a.shape[0], i, dtype=np.int64) for i, a in enumerate(X_sources, 1)
    ] + [np.full(a.shape[0], -i, dtype=np.int64) for i, a in enumerate(X_targets, 1)]
    for X_part, y_part in zip(
        X_sources + X_targets, y_sources + y_targets, strict=True
    ):
        check_consistent_length(X_part, y_part)
    return (
        np.concatenate(X_sources + X_targets),
        np.concatenate(y_sources + y_targets),
        np.concatenate(domains),
    )


def _unlabeled_like(y, n):
    if y.dtype.kind == "f":
        return np.full(n, np.nan, dtype=y.dtype)
    if y.dtype.kind in "iu":
        return np.full(n, UNLABELED, dtype=np.result_type(y.dtype, np.int8))
    raise ValueError(
        f"Labels of dtype {y.dtype} cannot carry the unlabeled marker -1: encode "
        "them as integers (sklearn.preprocessing.LabelEncoder), or pass y_target."
    )


def unpack_domains(X, y=None, sample_domain=None):
    """Split ``X, y, sample_domain`` back into source and target sets.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Source and target rows together.

    y : array-like of shape (n_samples,), default=None
        Labels; when ``sample_domain`` is None, unlabeled rows are the target.

    sample_domain : array-like of shape (n_samples,), default=None
        Domain ids. Several source (or target) domains are merged.

    Returns
    -------
    X_source, y_source, X_target, y_target : ndarrays
        ``y_source`` and ``y_target`` are None when ``y`` is None.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer import unpack_domains
    >>> X = np.arange(6).reshape(3, 2)
    >>> Xs, ys, Xt, yt = unpack_domains(X, np.array([0, 1, -1]))
    >>> Xt
    array([[4, 5]])
    """
    if y is None and sample_domain is None:
        raise ValueError(
            "unpack_domains needs y or sample_domain to tell the rows apart."
        )
    X = np.asarray(X) if not hasattr(X, "iloc") else X
    n_samples = X.shape[0]
    sample_domain = check_sample_domain(sample_domain, n_samples, y=y)
    source = sample_domain > 0
    target = ~source
    if y is None:
        return _take_rows(X, source), None, _take_rows(X, target), None
    y = np.asarray(y)
    check_consistent_length(X, y)
    return _take_rows(X, source), y[source], _take_rows(X, target), y[target]

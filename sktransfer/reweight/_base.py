"""What every reweighting method shares: fit on both domains, weigh the source."""

import warnings
from abc import abstractmethod

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_array

from .._compat import _fit_context
from .._domain import DomainAwareMixin
from ..exceptions import SmallEffectiveSampleSizeWarning

__all__ = ["BaseWeighter", "effective_sample_size"]

# A fit warns when the weights are worth fewer unweighted rows than this
# fraction of the source rows, or than _MIN_ESS rows, whichever is larger
# (SmallEffectiveSampleSizeWarning).
_MIN_ESS_FRACTION = 0.05
_MIN_ESS = 10


def effective_sample_size(weights):
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` of non-negative weights.

    It equals the number of rows for uniform weights and falls towards one as
    a few rows take all the weight: how many unweighted rows the weighted
    sample is worth.

    Parameters
    ----------
    weights : array-like of shape (n_samples,)
        Non-negative, finite weights; anything else raises a ``ValueError``.

    Returns
    -------
    ess : float
        The effective sample size, 0 when every weight is 0.

    Examples
    --------
    >>> from sktransfer.reweight import effective_sample_size
    >>> effective_sample_size([1, 1, 1, 1]), effective_sample_size([4, 0, 0, 0])
    (4.0, 1.0)
    """
    weights = check_array(
        weights,
        ensure_2d=False,
        ensure_min_samples=0,
        dtype=np.float64,
        input_name="weights",
    )
    if weights.ndim != 1:
        raise ValueError(
            "effective_sample_size takes a 1-D array of weights, one per row; "
            f"got shape {weights.shape}."
        )
    if np.any(weights < 0):
        raise ValueError(
            "effective_sample_size takes non-negative weights; got a minimum of "
            f"{weights.min():.3g}."
        )
    squares = np.sum(weights**2)
    return float(np.sum(weights) ** 2 / squares) if squares > 0 else 0.0


class BaseWeighter(DomainAwareMixin, BaseEstimator):
    """Base class of the estimators of ``beta_i = P_T(x_i) / P_S(x_i)``.

    ``fit(X, y=None, sample_domain=None)`` takes source and target rows in one
    ``X`` (the convention of :mod:`sktransfer._domain`), never reads a label
    (``y`` only tells the domains apart when ``sample_domain`` is None) and
    stores the weight of every source row in ``weights_``, in row order.
    Several source (or target) domains are pooled. Without target rows the
    weights are all one, with a
    :class:`~sktransfer.exceptions.NoTargetDomainWarning`.

    Subclasses implement ``_fit_weights(X_source, X_target)``, which returns
    the source weights, and may set other fitted attributes.
    """

    #: Keyword arguments of validate_data for X; subclasses may widen them.
    _check_params = {"dtype": [np.float64, np.float32]}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_domain=None):
        """Learn the weights of the source rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows together.

        y : array-like of shape (n_samples,), default=None
            Only used to find the target rows (labels ``-1``/``NaN``) when
            ``sample_domain`` is None; labels are never read.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``> 0`` source, ``< 0`` target.

        Returns
        -------
        self : object
            Fitted weighter.
        """
        data = self._validate_domain_data(
            X, y, sample_domain, labels=None, **self._check_params
        )
        X_source = data.X[data.source]
        if data.has_target:
            weights = self._fit_weights(X_source, data.X[data.target])
        else:
            weights = self._fit_source_only(X_source)
        self.weights_ = np.asarray(weights, dtype=np.float64)
        self.effective_sample_size_ = effective_sample_size(self.weights_)
        self._warn_small_ess(X_source.shape[0])
        return self

    def _warn_small_ess(self, n_source):
        # With fewer source rows than _MIN_ESS, even uniform weights would
        # warn: the threshold is capped at the number of rows.
        threshold = min(max(_MIN_ESS, _MIN_ESS_FRACTION * n_source), n_source)
        if self.effective_sample_size_ < threshold:
            warnings.warn(
                f"{type(self).__name__}: the weights of the {n_source} source "
                "rows are worth an effective sample size of "
                f"{self.effective_sample_size_:.1f} rows (below {threshold:.0f}): "
                "a few rows take most of the weight. Flatten the weights "
                "(ImportanceWeightedClassifier's flatten), widen the kernel "
                "(gamma), or check that the domains overlap.",
                SmallEffectiveSampleSizeWarning,
                stacklevel=3,
            )

    def _fit_source_only(self, X_source):
        """Weights when there is no target: one for every row."""
        return np.ones(X_source.shape[0])

    @abstractmethod
    def _fit_weights(self, X_source, X_target):
        """Return the weight of each source row."""

"""Feature-space alignment: subspace alignment and CORAL.

Both learn a linear map that brings source rows into the target's feature
space from the unlabeled rows of both domains; a classifier trained on mapped
source rows then applies to target rows. ``transform`` maps rows as target
rows unless ``sample_domain`` marks them as source rows (see
:mod:`sktransfer._domain`), and ``fit_transform`` maps the training rows with
the domains the fit used.

**Centring.** The published methods remove each domain's own mean, which
aligns the domains' centres. That is right when the shift moves every class
alike (a change of sensor, colour or background), and wrong under sample
selection bias, where the difference of means is information about the
labels: mapping it away moves source rows across the class boundary.
``center="domain"`` follows the papers; ``center="pooled"`` removes one mean
computed on both domains, so the map aligns the spreads but keeps the
offset between the domains. ``"pooled"`` is the default, chosen by
``benchmarks/adaptation_defaults.py`` on biased-selection tables; pass
``center="domain"`` for a shift of appearance.
"""

from numbers import Integral, Real

import numpy as np
from scipy.linalg import eigh
from sklearn.base import BaseEstimator, OneToOneFeatureMixin
from sklearn.decomposition import PCA
from sklearn.utils.validation import FLOAT_DTYPES, check_is_fitted

from ._compat import Interval, StrOptions, _fit_context
from ._domain import DomainAwareTransformerMixin

__all__ = ["CORAL", "SubspaceAlignment"]


class _BaseAlignment(DomainAwareTransformerMixin, BaseEstimator):
    """Fit on both domains; map source rows one way and target rows another."""

    _parameter_constraints: dict = {"center": [StrOptions({"domain", "pooled"})]}

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_domain=None):
        """Learn the alignment from the source and target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Source and target rows together.

        y : array-like of shape (n_samples,), default=None
            Only used to find the target rows (labels ``-1``/``NaN``) when
            ``sample_domain`` is None; labels are never read.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``> 0`` source, ``< 0`` target. Several
            source (or target) domains are pooled.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        # Integer X (pixels in uint8...) is cast to float, as scikit-learn's
        # transformers do: the map's output would otherwise be truncated.
        data = self._validate_domain_data(
            X, y, sample_domain, labels=None, dtype=FLOAT_DTYPES
        )
        X_source = data.X[data.source]
        # Without target rows the target is the source: the map is the identity.
        X_target = data.X[data.target] if data.has_target else X_source
        for domain, rows in (("source", X_source), ("target", X_target)):
            if rows.shape[0] < 2:
                raise ValueError(
                    f"{type(self).__name__} estimates the spread of each domain and "
                    f"needs at least 2 {domain} rows; got n_samples={rows.shape[0]}."
                )
        pooled_mean = data.X.mean(axis=0)
        if self.center == "domain":
            self.source_mean_, self.target_mean_ = X_source.mean(0), X_target.mean(0)
        else:
            self.source_mean_ = self.target_mean_ = pooled_mean
        self._fit_map(X_source - self.source_mean_, X_target - self.target_mean_)
        return self

    def transform(self, X, sample_domain=None):
        """Map rows into the aligned space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to map; target rows unless ``sample_domain`` says otherwise.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row: ``> 0`` source, ``< 0`` target.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_out)
            The mapped rows.
        """
        check_is_fitted(self)
        X, sample_domain = self._validate_predict_data(
            X, sample_domain, dtype=FLOAT_DTYPES
        )
        source = sample_domain > 0
        out = np.empty((X.shape[0], self._n_features_out), dtype=X.dtype)
        out[source] = self._map_source(X[source])
        out[~source] = self._map_target(X[~source])
        return out


class SubspaceAlignment(_BaseAlignment):
    """Subspace alignment (Fernando et al. 2013).

    Each domain gets its ``n_components`` principal directions, ``P_s`` and
    ``P_t``; the map ``M = P_s' P_t`` aligns the source basis with the
    target's. Source rows become ``(x - m_s) P_s M`` and target rows
    ``(x - m_t) P_t``: both in the target's principal subspace, where a
    classifier trained on source rows applies to target rows. It is the "SA"
    row of the lecture's domain-adversarial results table.

    Parameters
    ----------
    n_components : int, default=20
        Dimension of the subspaces, at most the number of features and of
        rows of each domain (it is capped there). With as many components as
        features the map is a rotation that changes nothing.

    center : {"domain", "pooled"}, default="pooled"
        ``"pooled"`` removes one mean computed on both domains, which keeps
        the label information that the offset between the domains carries
        under sample selection bias; ``"domain"`` removes each domain's own
        mean, as the paper, which suits a shift of appearance. Default chosen
        by ``benchmarks/adaptation_defaults.py`` on biased-selection tables.
        See the module documentation.

    Attributes
    ----------
    components_source_ : ndarray of shape (n_components, n_features)
        Principal directions of the source rows.

    components_target_ : ndarray of shape (n_components, n_features)
        Principal directions of the target rows.

    alignment_ : ndarray of shape (n_components, n_components)
        ``M = P_s' P_t``.

    source_mean_, target_mean_ : ndarray of shape (n_features,)
        The means removed from source and target rows.

    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    CORAL : Aligns second-order statistics in the original space.

    Notes
    -----
    No default keeps subspace alignment as good as source-only on every
    covariate shift: with fewer components than features it is also a
    reduction of dimension, which loses what the dropped directions
    carried, the more so the more features there are (defaults chosen by
    ``benchmarks/adaptation_defaults.py``).
    Choose ``n_components`` and ``center`` for the task with
    :mod:`sktransfer.model_selection`, which scores a pipeline without
    target labels.

    References
    ----------
    B. Fernando, A. Habrard, M. Sebban and T. Tuytelaars, "Unsupervised
    Visual Domain Adaptation Using Subspace Alignment", ICCV 2013.

    Examples
    --------
    >>> from sktransfer import SubspaceAlignment
    >>> from sktransfer.datasets import make_digits_shift
    >>> X, y, sample_domain = make_digits_shift(
    ...     "uci", "mnist", n_source=200, n_target=200, return_X_y=True,
    ...     random_state=0)
    >>> sa = SubspaceAlignment(n_components=10)
    >>> sa.fit_transform(X.reshape(400, -1), sample_domain=sample_domain).shape
    (400, 10)
    """

    _parameter_constraints: dict = {
        **_BaseAlignment._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, n_components=20, *, center="pooled"):
        self.n_components = n_components
        self.center = center

    def _fit_map(self, source, target):
        n_components = min(
            self.n_components,
            source.shape[1],
            *(len(rows) for rows in (source, target)),
        )
        # PCA finds each domain's directions about the domain's own mean; the
        # maps apply them about the centre the user chose. An exact solver:
        # PCA's "auto" turns randomised on larger tables, which would make
        # the alignment change from one fit to the next.
        self.components_source_, self.components_target_ = (
            PCA(n_components, svd_solver="full").fit(rows).components_
            for rows in (source, target)
        )
        self.alignment_ = self.components_source_ @ self.components_target_.T
        self._n_features_out = n_components

    def _map_source(self, X):
        return (X - self.source_mean_) @ self.components_source_.T @ self.alignment_

    def _map_target(self, X):
        return (X - self.target_mean_) @ self.components_target_.T

    def get_feature_names_out(self, input_features=None):
        """Names of the aligned components, ``subspacealignment0`` and on.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; present for API consistency.

        Returns
        -------
        feature_names_out : ndarray of str
            One name per component.
        """
        check_is_fitted(self)
        return np.asarray(
            [f"subspacealignment{i}" for i in range(self._n_features_out)], dtype=object
        )


def _sqrtm(C, power):
    """``C ** power`` of a symmetric positive semi-definite matrix."""
    eigenvalues, eigenvectors = eigh(C)
    eigenvalues = np.clip(eigenvalues, np.finfo(C.dtype).eps * eigenvalues.max(), None)
    return (eigenvectors * eigenvalues**power) @ eigenvectors.T


class CORAL(OneToOneFeatureMixin, _BaseAlignment):
    """Correlation alignment (Sun, Feng and Saenko 2016).

    Source rows are whitened with the source covariance and re-coloured with
    the target's: ``x -> (x - m_s) C_s^{-1/2} C_t^{1/2} + m_t``, with
    ``C = cov + alpha * I``. Their covariance becomes the target's, so a
    classifier trained on them fits the target's second-order statistics.
    Target rows are left as they are.

    Parameters
    ----------
    alpha : float, default=1.0
        Added to the diagonal of both covariances, as the identity in the
        paper (which standardises features first: scale ``alpha`` with the
        features). It shrinks the map towards the identity, so that a small
        value follows the estimated covariances closely, noise included.
        On the standardised biased-selection tables of
        ``benchmarks/adaptation_defaults.py``, where no alignment helps, a
        larger ``alpha`` (a map closer to the identity) loses less; the
        default keeps the alignment a shift of appearance needs.

    center : {"domain", "pooled"}, default="pooled"
        ``"pooled"`` applies the map about one mean of both domains, which
        keeps the label information that the offset between the domains
        carries under sample selection bias; ``"domain"`` maps the source
        mean onto the target mean, as the paper's pipeline, which suits a
        shift of appearance. Default chosen by
        ``benchmarks/adaptation_defaults.py`` on biased-selection tables.
        See the module documentation.

    Attributes
    ----------
    coral_map_ : ndarray of shape (n_features, n_features)
        ``C_s^{-1/2} C_t^{1/2}``.

    source_mean_, target_mean_ : ndarray of shape (n_features,)
        The means removed from source rows and added back after the map.

    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    SubspaceAlignment : Aligns principal subspaces.

    Notes
    -----
    Under a pure covariate shift, where ``P(y | x)`` is shared, any map of
    the source rows alone moves them away from their labels, so no default
    can promise to do as well as source-only. ``center="pooled"`` keeps the
    offset between the domains, which under sample selection bias carries
    label information that ``center="domain"`` maps away (defaults chosen
    by ``benchmarks/adaptation_defaults.py`` on standardised
    biased-selection tables). Choose ``alpha`` and ``center`` for the task
    with :mod:`sktransfer.model_selection`, which scores a
    pipeline without target labels.

    References
    ----------
    B. Sun, J. Feng and K. Saenko, "Return of Frustratingly Easy Domain
    Adaptation", AAAI 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer import CORAL
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(200, 2)), rng.normal(size=(200, 2)) * [1, 3]]
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(200, int)]
    >>> Xa = CORAL(alpha=0).fit_transform(X, sample_domain=sample_domain)
    >>> np.allclose(np.cov(Xa[:200].T), np.cov(X[200:].T))
    True
    """

    _parameter_constraints: dict = {
        **_BaseAlignment._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, alpha=1.0, *, center="pooled"):
        self.alpha = alpha
        self.center = center

    def _fit_map(self, source, target):
        identity = np.eye(source.shape[1])
        # Covariances about each domain's own mean, whatever mean the map uses.
        C_source = (
            np.cov(source, rowvar=False).reshape(identity.shape) + self.alpha * identity
        )
        C_target = (
            np.cov(target, rowvar=False).reshape(identity.shape) + self.alpha * identity
        )
        self.coral_map_ = _sqrtm(C_source, -0.5) @ _sqrtm(C_target, 0.5)
        self._n_features_out = source.shape[1]

    def _map_source(self, X):
        return (X - self.source_mean_) @ self.coral_map_ + self.target_mean_

    def _map_target(self, X):
        return X

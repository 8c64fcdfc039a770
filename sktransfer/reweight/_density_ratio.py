"""Density-ratio estimation: ``beta(x) = P_T(x) / P_S(x)`` for any row."""

from numbers import Integral, Real

import numpy as np
from scipy.linalg import solve
from scipy.optimize import minimize
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.neighbors import KernelDensity
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import HasMethods, Interval, StrOptions
from .._dask import is_dask_array, map_row_blocks
from .._kernels import kernel_blocks, kernel_matvec, median_heuristic
from ._base import BaseWeighter

__all__ = ["DensityRatioWeighter"]

# Caps ratios that would be infinite (see predict_weights).
_EPS = np.finfo(np.float64).eps
# Candidate kernel widths, as multiples of the median-heuristic gamma.
_GAMMA_FACTORS = np.logspace(-1, 2, 7)
# Candidate ridge penalties of uLSIF / RuLSIF, as in Kanamori et al. (2009).
_ALPHAS = np.logspace(-3, 1, 9)


def _candidates(value, name):
    """The values a hyper-parameter is searched over, as a 1-D float array."""
    try:
        values = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        values = np.array([])  # Not numbers: refused below.
    if values.size == 0 or not np.all(np.isfinite(values) & (values > 0)):
        raise ValueError(
            f"{name} must be a positive number or a non-empty list of positive "
            f"numbers; got {value!r}."
        )
    return values


def _rbf_design(X, centers, gamma):
    """The matrix ``K(X, centers)`` of the Gaussian basis functions."""
    return np.concatenate(
        [K for _, K in kernel_blocks(X, centers, "rbf", {"gamma": gamma})]
    )


def _kliep_coef(Phi_target, mean_phi_source):
    """KLIEP: ``max sum_t log(Phi_t a)`` s.t. ``mean_s(Phi_s a) = 1``, ``a >= 0``.

    The log term is homogeneous in the scale of ``a``, so the penalised
    problem ``min -mean_t log(Phi_t a) + mean_s(Phi_s a)`` over ``a >= 0`` has
    the constrained optimum as its solution (its KKT conditions give
    ``a . grad = 0``, which is ``mean_s(Phi_s a) = 1``): a bound-constrained
    problem that L-BFGS-B solves.
    """
    # Solved for pi_l = a_l mean_s phi_l, which puts the constraint at
    # sum(pi) = 1: narrow kernels otherwise spread the a_l over many orders
    # of magnitude, and L-BFGS-B crawls. A basis function with (numerically)
    # no source mass would make the problem unbounded; the floor on its mass
    # caps its coefficient instead.
    scale = np.maximum(mean_phi_source, 1e-12 * mean_phi_source.max())
    Psi = Phi_target / scale
    # Scaling Psi shifts the log term by a constant: with entries at most one,
    # the fitted values stay far from overflow.
    Psi /= Psi.max()
    # A trial point of the line search may leave a row no weight; the floor
    # keeps the gradient finite and log(floor) still penalises such a point.
    floor = 1e-100

    def objective(pi):
        fitted = np.maximum(Psi @ pi, floor)
        gradient = 1.0 - Psi.T @ (1.0 / fitted) / fitted.shape[0]
        return pi.sum() - np.mean(np.log(fitted)), gradient

    n_basis = Psi.shape[1]
    pi = minimize(
        objective,
        np.full(n_basis, 1.0 / n_basis),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, None)] * n_basis,
        options={"maxiter": 1000, "ftol": 1e-12, "gtol": 1e-8},
    ).x
    # The optimum meets the constraint up to the solver's tolerance (and the
    # floor above); rescaling makes it exact.
    coef = pi / scale
    return coef / (mean_phi_source @ coef)


def _kliep_fit(Z_target, Z_source, centers, gamma):
    """KLIEP coefficients of the Gaussian basis at ``centers``."""
    return _kliep_coef(
        _rbf_design(Z_target, centers, gamma),
        _rbf_design(Z_source, centers, gamma).mean(axis=0),
    )


def _lsif_gram(Phi_target, Phi_source, share, n_left_out=0):
    """``H`` of the relative Pearson-divergence objective.

    ``share/n_t Phi_t' Phi_t + (1 - share)/n_s Phi_s' Phi_s``, where the means
    divide by ``n - n_left_out`` (the leave-one-out refits need both).
    """
    n_target = Phi_target.shape[0] - n_left_out
    n_source = Phi_source.shape[0] - n_left_out
    target_term = share / n_target * (Phi_target.T @ Phi_target)
    source_term = (1.0 - share) / n_source * (Phi_source.T @ Phi_source)
    return target_term + source_term


def _lsif_coef(H, h, alpha):
    """``max(0, (H + alpha I)^-1 h)``: the (R)uLSIF solution, clipped."""
    theta = solve(H + alpha * np.eye(H.shape[0]), h, assume_a="pos")
    return np.maximum(theta, 0.0)


def _lsif_loo_scores(Phi_target, Phi_source, share, alphas):
    """Leave-one-out relative Pearson-divergence objective, in closed form.

    Round ``i`` leaves out target row ``i`` and source row ``i`` together
    (``i < min(n_t, n_s)``; the caller shuffles the rows), refits the clipped
    solution on the rest and scores the two rows left out with
    ``share/2 r(xt)^2 + (1 - share)/2 r(xs)^2 - r(xt)``. Without the pair,
    ``H + alpha I`` is a fixed matrix minus a rank-two term, so the
    Woodbury identity gives every round's solution from one inverse, as in
    Kanamori et al. (2009), who do it for ``share = 0`` (rank one).

    Returns
    -------
    scores : ndarray of shape (n_alphas,)
        Mean leave-one-out objective (lower is better) for each penalty.
    """
    n_target, n_basis = Phi_target.shape
    n_source = Phi_source.shape[0]
    n_pairs = min(n_target, n_source)
    # H without pair i is G - U_i' D U_i, with U_i = [phi(xt_i); phi(xs_i)].
    G = _lsif_gram(Phi_target, Phi_source, share, n_left_out=1)
    D = np.array([share / (n_target - 1), (1.0 - share) / (n_source - 1)])
    U = np.stack([Phi_target[:n_pairs], Phi_source[:n_pairs]], axis=1)
    h_loo = (Phi_target.sum(axis=0) - Phi_target[:n_pairs]) / (n_target - 1)

    scores = np.empty(len(alphas))
    for k, alpha in enumerate(alphas):
        M_inv = np.linalg.inv(G + alpha * np.eye(n_basis))
        # (M - U'DU)^-1 = M^-1 + M^-1 U' (I - D U M^-1 U')^-1 D U M^-1, a form
        # that stays finite when share = 0 makes D singular.
        V = h_loo @ M_inv
        W = U @ M_inv
        S = np.eye(2) - D[:, None] * np.einsum("nkb,nlb->nkl", W, U)
        rhs = D * np.einsum("nkb,nb->nk", U, V)
        c = np.linalg.solve(S, rhs[..., None])[..., 0]
        theta = np.maximum(V + np.einsum("nk,nkb->nb", c, W), 0.0)
        r_target, r_source = np.einsum("nkb,nb->kn", U, theta)
        scores[k] = np.mean(
            share / 2 * r_target**2 + (1.0 - share) / 2 * r_source**2 - r_target
        )
    return scores


class DensityRatioWeighter(BaseWeighter):
    """Estimate the density ratio ``beta(x) = P_T(x) / P_S(x)`` and weigh any row.

    Under covariate shift (``P_S(x) != P_T(x)``, ``P(y|x)`` shared), training
    on source rows weighted by ``beta`` minimises the target risk. Unlike
    kernel mean matching, a density-ratio estimate is a function: besides the
    weights of the source rows it was fitted on (``weights_``),
    :meth:`predict_weights` weighs new rows.

    ``method`` selects the estimator:

    - ``"classifier"``: a probabilistic classifier of source (0) against
      target (1) rows; by Bayes' rule
      ``beta(x) = (n_s / n_t) p(target | x) / p(source | x)``, so rows that
      look like target rows get large weights.
    - ``"kde"``: the "simple solution": a Gaussian
      :class:`~sklearn.neighbors.KernelDensity` estimate of each density,
      divided in log space, ``beta = exp(log p_T - log p_S)``. Density
      estimates degrade fast with the number of features: in the tests,
      with Scott's bandwidth, it does well on 5 features and unreliably on
      30, where the direct methods below still do well.
    - ``"kliep"`` (Sugiyama et al. 2008): ``beta(x) = sum_l a_l k(x, c_l)``
      with Gaussian basis functions ``k`` centred on target rows ``c_l``;
      ``a >= 0`` maximises the target log-likelihood
      ``sum_t log beta(xt)`` subject to ``mean_s beta(xs) = 1`` (a
      Kullback-Leibler fit of ``P_T`` by ``beta P_S``).
    - ``"ulsif"`` (Kanamori et al. 2009): the same model fitted by least
      squares, ``min 1/2 mean_s beta(xs)^2 - mean_t beta(xt) + alpha/2 |a|^2``,
      whose solution has the closed form ``(H + alpha I)^-1 h``; negative
      coefficients are set to zero.
    - ``"rulsif"`` (Yamada et al. 2011): uLSIF for the *relative* ratio
      ``r(x) = p_T(x) / (s p_T(x) + (1 - s) p_S(x))`` with
      ``s = target_share``, which is bounded by ``1 / s`` and so stays
      smooth where ``p_S`` is small. Its weights are ``r``, not ``beta``
      (``"ulsif"`` is ``target_share=0``).

    Every method works on the features standardised with the mean and
    standard deviation of the pooled source and target rows (``scaler_``):
    a kernel or a KDE has one bandwidth for all features, which only makes
    sense when the features share a scale.

    Hyper-parameters:

    - ``"kde"``: by default one bandwidth for both densities, the width of
      the median heuristic on the pooled rows (``h = sqrt(median |x - x'|^2)``,
      the Gaussian kernel whose ``gamma`` is that of
      :func:`~sktransfer.metrics.mmd2`). Default chosen by
      ``benchmarks/adaptation_defaults.py`` on biased-selection tables:
      Scott's and Silverman's rules are narrower in many dimensions, which
      makes the ratio of two densities uneven; the median width gives
      smoother weights, close to uniform when the domains overlap. Given
      candidate bandwidths, each density takes the
      one that maximises its ``cv``-fold cross-validated log-likelihood
      (:class:`~sklearn.model_selection.GridSearchCV`).
    - ``"kliep"``: ``gamma`` maximises the likelihood cross-validation
      score of the paper, the mean of ``log beta`` on held-out target rows
      (``cv`` folds of the target rows; the basis centres are drawn from the
      training folds), over the median heuristic
      (:func:`~sktransfer.metrics.mmd2`'s default width) times
      ``logspace(-1, 2, 7)``.
    - ``"ulsif"``, ``"rulsif"``: ``gamma`` and ``alpha`` minimise
      the leave-one-out (relative) Pearson-divergence objective
      ``s/2 r(xt)^2 + (1 - s)/2 r(xs)^2 - r(xt)``, computed in closed
      form as in the papers, over the same ``gamma`` grid and
      ``alpha`` in ``logspace(-3, 1, 9)``. Each round leaves out one
      target and one source row, paired at random; ``min(n_s, n_t)`` rounds.

    A hyper-parameter given as one number is used as it is.

    Read more about ``X``, ``y`` and ``sample_domain`` in
    :func:`~sktransfer.check_domain_data`.

    Parameters
    ----------
    method : {"classifier", "kde", "kliep", "ulsif", "rulsif"}, \
            default="classifier"
        The density-ratio estimator, see above.

    estimator : classifier, default=None
        ``method="classifier"`` only: a classifier with ``predict_proba``,
        cloned and fitted to tell source from target rows. None means
        :class:`~sklearn.linear_model.LogisticRegression`, whose ratio is
        ``exp`` of a linear function.

    bandwidth : float, {"median", "scott", "silverman"} or array-like of \
            float, default="median"
        ``method="kde"`` only: the bandwidth of both densities (in standard
        deviations of the standardised features); ``"median"``, the median
        heuristic's width on the pooled rows (see above); a rule of thumb
        that :class:`~sklearn.neighbors.KernelDensity` applies to each
        density; or candidate bandwidths to choose from by cross-validated
        log-likelihood.

    gamma : float, array-like of float or None, default=None
        ``"kliep"``, ``"ulsif"``, ``"rulsif"``: width of the Gaussian basis
        functions ``exp(-gamma ||x - c||^2)`` on the standardised features;
        candidate widths to choose from, or None for the default grid.

    n_centers : int, default=100
        ``"kliep"``, ``"ulsif"``, ``"rulsif"``: number of basis functions,
        centred on target rows drawn at random (all of them when there are
        fewer).

    target_share : float, default=0.1
        ``method="rulsif"`` only: the share of the target density in the
        denominator of the relative ratio, in ``[0, 1)``; weights are bounded
        by ``1 / target_share``. The default is that of the ``densratio``
        package.

    alpha : float, array-like of float or None, default=None
        ``"ulsif"``, ``"rulsif"``: the ridge penalty ``alpha > 0`` on the
        coefficients; candidate penalties to choose from, or None for the
        default grid.

    cv : int or cross-validation splitter, default=5
        ``"kde"``, ``"kliep"``: how the rows of a domain are split to choose
        a bandwidth. An int is the number of shuffled
        :class:`~sklearn.model_selection.KFold` folds.

    random_state : int, RandomState instance or None, default=0
        Draws the basis centres (when there are more than ``n_centers``
        target rows), the pairs of the leave-one-out rounds and the shuffled
        folds of the hyper-parameter searches. The default fixes the draws,
        so that two fits on the same rows give the same weights (and a grid
        search compares its candidates on the same draws); None draws
        afresh at every fit from numpy's global generator. The classifier
        ``estimator`` keeps its own.

    Attributes
    ----------
    weights_ : ndarray of shape (n_source,)
        Weight of each source row, in row order: the fitted ratio at the
        source rows, equal (up to rounding) to ``predict_weights`` on them.
        All ones after a fit without target rows.

    effective_sample_size_ : float
        Kish's effective sample size of ``weights_``.

    n_source_ : int
        Number of source rows seen during fit.

    n_target_ : int
        Number of target rows seen during fit; 0 when there were none.

    scaler_ : :class:`~sklearn.preprocessing.StandardScaler`
        The standardisation of the pooled rows every method works on.

    estimator_ : classifier
        ``method="classifier"``: the fitted domain classifier.

    density_source_, density_target_ : :class:`~sklearn.neighbors.KernelDensity`
        ``method="kde"``: the fitted densities; their ``bandwidth_`` is the
        bandwidth used.

    centers_ : ndarray of shape (n_basis, n_features)
        ``"kliep"``, ``"ulsif"``, ``"rulsif"``: the target rows the basis
        functions are centred on, in the units of ``X``;
        ``n_basis = min(n_centers, n_target_)``.

    coef_ : ndarray of shape (n_basis,)
        ``"kliep"``, ``"ulsif"``, ``"rulsif"``: the non-negative coefficients
        of the basis functions.

    gamma_ : float
        ``"kliep"``, ``"ulsif"``, ``"rulsif"``: the basis width used.

    alpha_ : float
        ``"ulsif"``, ``"rulsif"``: the ridge penalty used.

    cv_results_ : dict or None
        The hyper-parameter search, None when nothing was searched: the
        candidates (``"params"``, a list of dicts, and ``"param_<name>"``
        arrays) and their scores, higher is better. ``"mean_test_score"`` is
        the held-out mean ``log beta`` of target rows (``"kliep"``) or minus
        the leave-one-out objective (``"ulsif"``, ``"rulsif"``); ``"kde"``
        has ``"mean_test_score_source"`` and ``"mean_test_score_target"``,
        the held-out log-likelihood of each density.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    KMMReweighter : Weights of the source rows by kernel mean matching.

    Notes
    -----
    ``-1`` in ``y`` marks an unlabeled (target) row when ``sample_domain`` is
    not given. Labels are never read.

    References
    ----------
    M. Sugiyama, S. Nakajima, H. Kashima, P. von Buenau and M. Kawanabe,
    "Direct Importance Estimation with Model Selection and Its Application to
    Covariate Shift Adaptation", NIPS 2008.

    T. Kanamori, S. Hido and M. Sugiyama, "A Least-squares Approach to Direct
    Importance Estimation", JMLR 10, 2009.

    M. Yamada, T. Suzuki, T. Kanamori, H. Hachiya and M. Sugiyama, "Relative
    Density-Ratio Estimation for Robust Distribution Comparison", NIPS 2011.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.reweight import DensityRatioWeighter
    >>> rng = np.random.RandomState(0)
    >>> X = np.concatenate([rng.normal(0, 1, (300, 1)), rng.normal(1, 1, (300, 1))])
    >>> sample_domain = np.repeat([1, -1], 300)  # source N(0, 1), target N(1, 1)
    >>> weighter = DensityRatioWeighter().fit(X, sample_domain=sample_domain)
    >>> weighter.weights_.shape
    (300,)
    >>> weighter.predict_weights([[-1.0], [0.5], [2.0]]).round(1)  # exp(x - 0.5)
    array([0.3, 1. , 3.6])
    """

    _parameter_constraints = {
        "method": [StrOptions({"classifier", "kde", "kliep", "ulsif", "rulsif"})],
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "bandwidth": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"median", "scott", "silverman"}),
            "array-like",
        ],
        "gamma": [Interval(Real, 0, None, closed="neither"), "array-like", None],
        "n_centers": [Interval(Integral, 1, None, closed="left")],
        "target_share": [Interval(Real, 0, 1, closed="left")],
        "alpha": [
            Interval(Real, 0, None, closed="neither"),
            "array-like",
            None,
        ],
        "cv": [Interval(Integral, 2, None, closed="left"), HasMethods(["split"])],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        method="classifier",
        *,
        estimator=None,
        bandwidth="median",
        gamma=None,
        n_centers=100,
        target_share=0.1,
        alpha=None,
        cv=5,
        random_state=0,
    ):
        self.method = method
        self.estimator = estimator
        self.bandwidth = bandwidth
        self.gamma = gamma
        self.n_centers = n_centers
        self.target_share = target_share
        self.alpha = alpha
        self.cv = cv
        self.random_state = random_state

    def predict_weights(self, X):
        """Estimated density ratio at any rows.

        Parameters
        ----------
        X : array-like or dask.array.Array of shape (n_samples, n_features)
            Rows to weigh, from either domain. A Dask array gives a lazy
            Dask array of weights, computed block by block of rows.

        Returns
        -------
        weights : ndarray or dask.array.Array of shape (n_samples,)
            ``beta(x)`` of each row (the relative ratio ``r(x)`` for
            ``method="rulsif"``); ones after a fit without target rows.
            Where the estimate is infinite (a classifier certain that a row
            is a target row, a KDE far from every source row) it is capped
            near ``1 / eps``, about ``4.5e15``.
        """
        check_is_fitted(self)
        if is_dask_array(X):
            return map_row_blocks(self.predict_weights, X, dtype=np.float64)
        X = validate_data(self, X, reset=False, **self._check_params)
        if self.n_target_ == 0:
            return np.ones(X.shape[0])
        return self._ratio(self._standardize(X))

    def _fit_source_only(self, X_source):
        self.n_source_, self.n_target_ = X_source.shape[0], 0
        return super()._fit_source_only(X_source)

    def _fit_weights(self, X_source, X_target):
        self.n_source_, self.n_target_ = X_source.shape[0], X_target.shape[0]
        self.scaler_ = StandardScaler().fit(
            np.concatenate([X_source, X_target]).astype(np.float64)
        )
        Z_source = self._standardize(X_source)
        Z_target = self._standardize(X_target)
        rng = check_random_state(self.random_state)
        self.cv_results_ = None
        if self.method == "classifier":
            self._fit_classifier(Z_source, Z_target)
        elif self.method == "kde":
            self._fit_kde(Z_source, Z_target, rng)
        elif self.method == "kliep":
            self._fit_kliep(X_target, Z_source, Z_target, rng)
        else:
            self._fit_lsif(X_target, Z_source, Z_target, rng)
        return self._ratio(Z_source)

    def _standardize(self, X):
        return self.scaler_.transform(np.asarray(X, dtype=np.float64))

    def _ratio(self, Z):
        """The fitted ratio at standardised rows."""
        if self.method == "classifier":
            proba = self.estimator_.predict_proba(Z)
            p_target = proba[:, np.flatnonzero(self.estimator_.classes_ == 1)[0]]
            p_source = proba[:, np.flatnonzero(self.estimator_.classes_ == 0)[0]]
            # A classifier certain that a row is a target row would give an
            # infinite weight; eps caps it at a finite (huge) value instead.
            p_source = np.maximum(p_source, _EPS)
            return self.n_source_ / self.n_target_ * p_target / p_source
        if self.method == "kde":
            log_ratio = self.density_target_.score_samples(
                Z
            ) - self.density_source_.score_samples(Z)
            # Far from every source row the ratio overflows; capped like the
            # classifier's, it stays usable as a sample weight.
            return np.exp(np.minimum(log_ratio, -np.log(_EPS)))
        centers = self._standardize(self.centers_)
        return kernel_matvec(Z, centers, self.coef_, "rbf", {"gamma": self.gamma_})

    def _folds(self, rng, n_rows, domain, parameter):
        """The folds that choose ``parameter`` on the ``n_rows`` rows of ``domain``."""
        if not isinstance(self.cv, Integral):
            return self.cv
        if n_rows < self.cv:
            raise ValueError(
                f"method={self.method!r} chooses {parameter} by cv={self.cv}-fold "
                f"cross-validation of the {domain} rows, which needs at least "
                f"{self.cv} of them; got {n_rows}. Lower cv, or pass one "
                f"{parameter}."
            )
        return KFold(self.cv, shuffle=True, random_state=rng)

    def _draw_centers(self, n_target, rng):
        """Indices of the target rows the basis functions are centred on."""
        if n_target <= self.n_centers:
            return np.arange(n_target)
        return np.sort(rng.choice(n_target, self.n_centers, replace=False))

    def _gamma_candidates(self, Z_source, Z_target):
        if self.gamma is None:
            return median_heuristic(Z_source, Z_target) * _GAMMA_FACTORS
        return _candidates(self.gamma, "gamma")

    def _fit_classifier(self, Z_source, Z_target):
        estimator = (
            LogisticRegression() if self.estimator is None else clone(self.estimator)
        )
        domain = np.r_[np.zeros(Z_source.shape[0]), np.ones(Z_target.shape[0])]
        self.estimator_ = estimator.fit(np.concatenate([Z_source, Z_target]), domain)

    def _fit_kde(self, Z_source, Z_target, rng):
        if self.bandwidth == "median":
            # The Gaussian kernel exp(-|x - x'|^2 / (2 h^2)) whose gamma is the
            # median heuristic 1 / (2 median |x - x'|^2) of the pooled rows.
            gamma = median_heuristic(Z_source, Z_target)
            bandwidths = [float(np.sqrt(0.5 / gamma))]
        elif isinstance(self.bandwidth, Real | str):
            bandwidths = [self.bandwidth]
        else:
            bandwidths = _candidates(self.bandwidth, "bandwidth")
        search = len(bandwidths) > 1
        if search:
            self.cv_results_ = {
                "params": [{"bandwidth": b} for b in bandwidths],
                "param_bandwidth": bandwidths,
            }
        densities = []
        for Z, domain in ((Z_source, "source"), (Z_target, "target")):
            density = KernelDensity(bandwidth=bandwidths[0])
            if not search:
                densities.append(density.fit(Z))
                continue
            folds = self._folds(rng, Z.shape[0], domain, "bandwidth")
            grid = GridSearchCV(density, {"bandwidth": bandwidths}, cv=folds).fit(Z)
            # KernelDensity.score sums over rows; per row, domains compare.
            n_test = Z.shape[0] / grid.n_splits_
            self.cv_results_[f"mean_test_score_{domain}"] = (
                grid.cv_results_["mean_test_score"] / n_test
            )
            densities.append(grid.best_estimator_)
        self.density_source_, self.density_target_ = densities

    def _fit_kliep(self, X_target, Z_source, Z_target, rng):
        gammas = self._gamma_candidates(Z_source, Z_target)
        if gammas.size > 1:
            scores = np.zeros(gammas.size)
            folds = self._folds(rng, Z_target.shape[0], "target", "gamma")
            folds = list(folds.split(Z_target))
            for train, test in folds:
                centers = Z_target[train[self._draw_centers(train.size, rng)]]
                for k, gamma in enumerate(gammas):
                    coef = _kliep_fit(Z_target[train], Z_source, centers, gamma)
                    fitted = _rbf_design(Z_target[test], centers, gamma) @ coef
                    # A width that gives a held-out row no weight scores -inf.
                    with np.errstate(divide="ignore"):
                        scores[k] += np.log(fitted).mean() / len(folds)
            self.cv_results_ = {
                "params": [{"gamma": g} for g in gammas],
                "param_gamma": gammas,
                "mean_test_score": scores,
            }
            gammas = gammas[[np.argmax(scores)]]
        self.gamma_ = float(gammas[0])
        index = self._draw_centers(Z_target.shape[0], rng)
        self.centers_ = X_target[index]
        self.coef_ = _kliep_fit(Z_target, Z_source, Z_target[index], self.gamma_)

    def _fit_lsif(self, X_target, Z_source, Z_target, rng):
        share = self.target_share if self.method == "rulsif" else 0.0
        gammas = self._gamma_candidates(Z_source, Z_target)
        alphas = _ALPHAS if self.alpha is None else _candidates(self.alpha, "alpha")
        index = self._draw_centers(Z_target.shape[0], rng)
        self.centers_ = X_target[index]
        centers = Z_target[index]
        if gammas.size * alphas.size > 1:
            if min(Z_source.shape[0], Z_target.shape[0]) < 2:
                raise ValueError(
                    f"method={self.method!r} chooses gamma and alpha by "
                    "leave-one-out, which needs two source and two target rows; "
                    f"got {Z_source.shape[0]} and {Z_target.shape[0]}. Pass one "
                    "value of each."
                )
            # Shuffled, so that the leave-one-out pairs are random pairs.
            order_target = rng.permutation(Z_target.shape[0])
            order_source = rng.permutation(Z_source.shape[0])
            scores = np.array(
                [
                    -_lsif_loo_scores(
                        _rbf_design(Z_target[order_target], centers, gamma),
                        _rbf_design(Z_source[order_source], centers, gamma),
                        share,
                        alphas,
                    )
                    for gamma in gammas
                ]
            )
            grid = [(g, r) for g in gammas for r in alphas]
            self.cv_results_ = {
                "params": [{"gamma": g, "alpha": r} for g, r in grid],
                "param_gamma": np.array([g for g, _ in grid]),
                "param_alpha": np.array([r for _, r in grid]),
                "mean_test_score": scores.ravel(),
            }
            best_gamma, best_alpha = np.unravel_index(np.argmax(scores), scores.shape)
            gammas = gammas[[best_gamma]]
            alphas = alphas[[best_alpha]]
        self.gamma_ = float(gammas[0])
        self.alpha_ = float(alphas[0])
        Phi_target = _rbf_design(Z_target, centers, self.gamma_)
        H = _lsif_gram(Phi_target, _rbf_design(Z_source, centers, self.gamma_), share)
        self.coef_ = _lsif_coef(H, Phi_target.mean(axis=0), self.alpha_)

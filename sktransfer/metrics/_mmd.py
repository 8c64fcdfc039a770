"""Maximum mean discrepancy: the statistic and its permutation test."""

from dataclasses import dataclass, field
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from .._compat import Interval, StrOptions, validate_params
from .._kernels import KERNELS, kernel_blocks, kernel_matvec, resolve_kernel
from ._samples import _check_pair

# Relative tolerance of mmd_test's ties: scipy.stats.permutation_test's.
_TIE_RTOL = 100 * np.finfo(np.float64).eps


def _self_terms(X, w, kernel, params, block_size):
    """``w' K(X, X) w`` and ``sum_i w_i^2 k(x_i, x_i)`` in one pass."""
    quadratic, diagonal = 0.0, 0.0
    for rows, K_block in kernel_blocks(X, X, kernel, params, block_size=block_size):
        quadratic += w[rows] @ K_block @ w
        k_ii = K_block[np.arange(K_block.shape[0]), np.arange(rows.start, rows.stop)]
        diagonal += (w[rows] ** 2) @ k_ii
    return float(quadratic), float(diagonal)


@validate_params(
    {
        "X_source": ["array-like"],
        "X_target": ["array-like"],
        "sample_weight": ["array-like", None],
        "kernel": [StrOptions(set(KERNELS)), callable],
        "gamma": [Interval(Real, 0, None, closed="neither"), None],
        "normalize": ["boolean"],
        "unbiased": ["boolean"],
        "block_size": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def mmd2(
    X_source,
    X_target,
    *,
    sample_weight=None,
    normalize=True,
    kernel="rbf",
    gamma=None,
    unbiased=False,
    block_size=None,
):
    """Squared maximum mean discrepancy between a source and a target sample.

    With source weights ``w`` normalised to sum to one, the (biased, or "V")
    estimate is::

        MMD^2 = || sum_i w_i phi(xs_i) - (1 / n_t) sum_j phi(xt_j) ||^2
              = w' K_ss w - 2 w' K_st 1/n_t + 1' K_tt 1 / n_t^2

    the distance in the kernel's feature space between the weighted source
    mean and the target mean: the quantity kernel mean matching minimises,
    so it shows whether reweighting brought the source closer to the target.
    Kernel products are computed in blocks; no ``n x n`` matrix is held.

    Parameters
    ----------
    X_source : array-like of shape (n_source, n_features) or (n_source, ...)
        Source sample.

    X_target : array-like of shape (n_target, n_features) or (n_target, ...)
        Target sample.

    sample_weight : array-like of shape (n_source,), default=None
        Non-negative weights of the source rows (for example ``beta_i`` from
        a reweighting method). Uniform when None.

    normalize : bool, default=True
        Divide the weights by their sum, so that the weighted source is a
        distribution. With False they are divided by ``n_source`` instead:
        ``beta`` whose mean is not one then also moves the source mean, and
        the value is the objective kernel mean matching minimises.

    kernel : str or callable, default="rbf"
        A kernel of :func:`sklearn.metrics.pairwise.pairwise_kernels`.

    gamma : float, default=None
        Kernel width; by default the median heuristic on the pooled sample
        for ``"rbf"`` and ``"laplacian"``.

    unbiased : bool, default=False
        Leave out the ``k(x_i, x_i)`` terms (the "U" estimate, which can be
        negative); with weights the source term is renormalised by
        ``1 - sum_i w_i^2``.

    block_size : int, default=None
        Rows per block of kernel evaluations; by default what fits in
        scikit-learn's ``working_memory``.

    Returns
    -------
    mmd2 : float
        The squared discrepancy; zero when the two samples coincide.

    See Also
    --------
    mmd_test : A permutation test of "same distribution".

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.metrics import mmd2
    >>> rng = np.random.RandomState(0)
    >>> Xs, Xt = rng.normal(size=(200, 2)), rng.normal(1.0, size=(200, 2))
    >>> mmd2(Xs, Xt) > mmd2(Xs, rng.normal(size=(200, 2)))
    True
    """
    X_source, X_target = _check_pair(X_source, X_target)
    n_source, n_target = X_source.shape[0], X_target.shape[0]
    if sample_weight is None:
        w_source = np.full(n_source, 1.0 / n_source)
    else:
        w_source = check_array(
            sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight"
        )
        if w_source.shape != (n_source,):
            raise ValueError(
                f"sample_weight has shape {w_source.shape}; expected ({n_source},), "
                "one weight per source row."
            )
        if np.any(w_source < 0) or not w_source.sum() > 0:
            raise ValueError("sample_weight must be non-negative with a positive sum.")
        w_source = w_source / (w_source.sum() if normalize else n_source)
    w_target = np.full(n_target, 1.0 / n_target)

    kernel, params = resolve_kernel(kernel, gamma, X_source, X_target)
    ss, ss_diag = _self_terms(X_source, w_source, kernel, params, block_size)
    tt, tt_diag = _self_terms(X_target, w_target, kernel, params, block_size)
    st = float(
        w_source
        @ kernel_matvec(
            X_source, X_target, w_target, kernel, params, block_size=block_size
        )
    )
    if unbiased:
        if not normalize:
            raise ValueError("unbiased=True needs normalize=True.")
        if n_target < 2 or np.count_nonzero(w_source) < 2:
            raise ValueError("unbiased=True needs at least two rows of each sample.")
        ss = (ss - ss_diag) / (1.0 - np.sum(w_source**2))
        tt = (tt - tt_diag) / (1.0 - np.sum(w_target**2))
    return float(ss - 2.0 * st + tt)


@dataclass(frozen=True)
class MMDTestResult:
    """Result of :func:`mmd_test`.

    Attributes
    ----------
    statistic : float
        The biased squared MMD between the two samples.

    pvalue : float
        Permutation p-value, ``(1 + #{null >= statistic}) / (1 + n_permutations)``,
        where a null value within rounding error of the statistic counts as
        a tie (see :func:`mmd_test`).

    null_distribution : ndarray of shape (n_permutations,)
        The statistic under random relabelling of the pooled rows; left out
        of the ``repr``.

    gamma : float or None
        The kernel width used (None for kernels without one).
    """

    statistic: float
    pvalue: float
    # A thousand numbers would drown the repr.
    null_distribution: np.ndarray = field(repr=False)
    gamma: float | None


@validate_params(
    {
        "X_source": ["array-like"],
        "X_target": ["array-like"],
        "kernel": [StrOptions(set(KERNELS)), callable],
        "gamma": [Interval(Real, 0, None, closed="neither"), None],
        "n_permutations": [Interval(Integral, 1, None, closed="left")],
        "max_samples": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def mmd_test(
    X_source,
    X_target,
    *,
    kernel="rbf",
    gamma=None,
    n_permutations=1000,
    max_samples=2000,
    random_state=None,
):
    """Permutation two-sample test of "source and target share a distribution".

    The statistic is the biased squared MMD (:func:`mmd2`). Its null
    distribution comes from reassigning the pooled rows to two groups of the
    original sizes at random; the kernel width is set once on the pooled
    sample, which permutations leave unchanged, so the test keeps its level.
    A null value within ``100`` machine epsilons (relative to the largest
    kernel value, the size of the terms the statistic sums) of the statistic
    counts as a tie, as in :func:`scipy.stats.permutation_test`: two
    identical samples get ``p = 1``, not a statistic of rounding noise that
    beats every permutation.

    Parameters
    ----------
    X_source : array-like of shape (n_source, n_features) or (n_source, ...)
        Source sample.

    X_target : array-like of shape (n_target, n_features) or (n_target, ...)
        Target sample.

    kernel : str or callable, default="rbf"
        A kernel of :func:`sklearn.metrics.pairwise.pairwise_kernels`.

    gamma : float, default=None
        Kernel width; median heuristic on the pooled sample by default.

    n_permutations : int, default=1000
        Number of random relabellings; the smallest reachable p-value is
        ``1 / (n_permutations + 1)``.

    max_samples : int or None, default=2000
        Rows used at most from each sample, drawn uniformly: the test holds
        the pooled kernel matrix, ``(2 * max_samples) ** 2`` floats. None uses
        every row.

    random_state : int, RandomState instance or None, default=None
        Draws the subsamples and the permutations.

    Returns
    -------
    result : MMDTestResult
        ``statistic``, ``pvalue``, ``null_distribution`` and ``gamma``.

    See Also
    --------
    sktransfer.label_shift.label_shift_test : Whether the class mix moved.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.metrics import mmd_test
    >>> rng = np.random.RandomState(0)
    >>> result = mmd_test(rng.normal(size=(100, 2)), rng.normal(0.5, size=(100, 2)),
    ...                   n_permutations=200, random_state=0)
    >>> result.pvalue < 0.01
    True
    """
    rng = check_random_state(random_state)
    samples = _check_pair(X_source, X_target)
    if max_samples is not None:
        samples = [
            X[rng.choice(X.shape[0], max_samples, replace=False)]
            if X.shape[0] > max_samples
            else X
            for X in samples
        ]
    X_source, X_target = samples
    n_source, n_target = X_source.shape[0], X_target.shape[0]
    pooled = np.concatenate([X_source, X_target])
    kernel, params = resolve_kernel(kernel, gamma, X_source, X_target)
    K = np.empty((pooled.shape[0], pooled.shape[0]))
    for rows, K_block in kernel_blocks(pooled, pooled, kernel, params):
        K[rows] = K_block

    # Each column of `signs` gives the mean-difference weights of one split:
    # 1/n_source on one group, -1/n_target on the other, so a' K a is MMD^2.
    labels = np.r_[
        np.full(n_source, 1.0 / n_source), np.full(n_target, -1.0 / n_target)
    ]
    statistic = float(labels @ K @ labels)
    null = np.empty(n_permutations)
    for batch in np.array_split(
        np.arange(n_permutations), max(1, n_permutations // 100)
    ):
        signs = np.stack([rng.permutation(labels) for _ in batch], axis=1)
        null[batch] = np.einsum("ij,ij->j", signs, K @ signs)
    # A null value within rounding error of the statistic is a tie, as in
    # scipy.stats.permutation_test (100 eps), but relative to the terms the
    # statistic sums, each at most the largest kernel value (the weights'
    # absolute values sum to 2, so 4 max|K| bounds them), not to the
    # statistic: between two identical samples it is rounding noise about
    # zero, and relative to itself it would beat every permutation.
    tolerance = _TIE_RTOL * 4.0 * max(K.max(), -K.min())
    ties_or_more = np.count_nonzero(null >= statistic - tolerance)
    pvalue = (1.0 + ties_or_more) / (1.0 + n_permutations)
    return MMDTestResult(
        statistic=statistic,
        pvalue=float(pvalue),
        null_distribution=null,
        gamma=params.get("gamma"),
    )

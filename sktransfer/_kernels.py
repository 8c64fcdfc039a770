"""Kernels shared by the shift measures and the reweighting methods.

One place decides how a kernel is named, how its bandwidth defaults (the
median heuristic) and how products with a kernel matrix are computed in
blocks, so that no caller ever holds an ``n x n`` matrix it does not need.
"""

import numpy as np
from joblib import Parallel, delayed
from sklearn import get_config
from sklearn.metrics.pairwise import (
    KERNEL_PARAMS,
    PAIRWISE_KERNEL_FUNCTIONS,
    pairwise_distances,
    pairwise_kernels,
)
from sklearn.utils import check_random_state, gen_batches

__all__ = [
    "KERNELS",
    "block_rows",
    "kernel_blocks",
    "kernel_diagonal",
    "kernel_matvec",
    "median_heuristic",
    "resolve_kernel",
]

#: Kernel names accepted wherever a ``kernel`` parameter appears.
KERNELS = tuple(sorted(PAIRWISE_KERNEL_FUNCTIONS))

# Kernels whose bandwidth the median heuristic sets, and the distance whose
# median it uses.
_BANDWIDTH_METRIC = {"rbf": "sqeuclidean", "laplacian": "manhattan"}


def median_heuristic(X, Y=None, *, kernel="rbf", max_samples=1000, random_state=0):
    """Kernel width ``gamma`` from the median pairwise distance.

    For the RBF kernel ``exp(-gamma ||x - x'||^2)`` this is Gretton et al.'s
    choice of ``sigma`` as the median distance between pooled points,
    ``gamma = 1 / (2 median(||x - x'||^2))``; for the Laplacian kernel
    ``exp(-gamma ||x - x'||_1)``, ``gamma = 1 / median(||x - x'||_1)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples_X, n_features)
        First sample.

    Y : ndarray of shape (n_samples_Y, n_features), default=None
        Second sample, pooled with ``X``.

    kernel : {"rbf", "laplacian"}, default="rbf"
        Kernel whose bandwidth to set.

    max_samples : int, default=1000
        Pooled points used at most (drawn uniformly), which bounds the cost at
        ``max_samples ** 2`` distances.

    random_state : int, RandomState instance or None, default=0
        Draws the subsample; fixed by default so that the same data always get
        the same bandwidth.

    Returns
    -------
    gamma : float
        The kernel parameter.
    """
    Z = X if Y is None else np.concatenate([X, Y])
    if Z.shape[0] > max_samples:
        rng = check_random_state(random_state)
        Z = Z[rng.choice(Z.shape[0], max_samples, replace=False)]
    distances = pairwise_distances(Z, metric=_BANDWIDTH_METRIC[kernel])
    median = np.median(distances[np.triu_indices_from(distances, k=1)])
    if not median > 0:
        # All points coincide: any width gives the same (zero) discrepancy.
        return 1.0
    return 1.0 / (2.0 * median) if kernel == "rbf" else 1.0 / median


def resolve_kernel(kernel, gamma, X, Y=None, **kernel_params):
    """Kernel name and parameters, with ``gamma`` defaulted by the median heuristic.

    Parameters
    ----------
    kernel : str or callable
        A name of :data:`KERNELS` or a callable accepted by
        :func:`~sklearn.metrics.pairwise.pairwise_kernels`.

    gamma : float or None
        Kernel width; None means the median heuristic for ``"rbf"`` and
        ``"laplacian"`` and scikit-learn's default for the other kernels.

    X, Y : ndarray
        The samples the kernel will compare (used by the median heuristic).

    **kernel_params : dict
        Other kernel parameters (``degree``, ``coef0``).

    Returns
    -------
    kernel : str or callable
        The kernel.

    params : dict
        Keyword arguments for :func:`~sklearn.metrics.pairwise.pairwise_kernels`.
    """
    params = dict(kernel_params)
    if callable(kernel):
        if gamma is not None:
            params["gamma"] = gamma
        return kernel, params
    if kernel not in PAIRWISE_KERNEL_FUNCTIONS:
        raise ValueError(
            f"Unknown kernel {kernel!r}; use one of {KERNELS} or a callable."
        )
    accepted = KERNEL_PARAMS[kernel]
    unknown = set(params) - set(accepted)
    if unknown:
        raise ValueError(f"Kernel {kernel!r} takes no parameter(s) {sorted(unknown)}.")
    if "gamma" in accepted:
        if gamma is None and kernel in _BANDWIDTH_METRIC:
            gamma = median_heuristic(X, Y, kernel=kernel)
        if gamma is not None:
            params["gamma"] = float(gamma)
    elif gamma is not None:
        raise ValueError(f"Kernel {kernel!r} has no gamma; leave gamma=None.")
    return kernel, params


def block_rows(n_columns, block_size):
    if block_size is not None:
        return block_size
    working_memory = get_config()["working_memory"]  # MiB
    return max(1, int(working_memory * 2**20 // (8 * max(n_columns, 1))))


def _kernel_block(X_block, Y, kernel, params, apply):
    K_block = pairwise_kernels(X_block, Y, metric=kernel, **params)
    return K_block if apply is None else apply(K_block)


def kernel_blocks(X, Y, kernel, params, *, block_size=None, apply=None, n_jobs=None):
    """Yield ``(rows, K[rows])`` for row blocks of the kernel matrix ``K(X, Y)``.

    Parameters
    ----------
    X : ndarray of shape (n_samples_X, n_features)
        Rows of the kernel matrix.

    Y : ndarray of shape (n_samples_Y, n_features)
        Columns of the kernel matrix.

    kernel, params :
        As returned by :func:`resolve_kernel`.

    block_size : int, default=None
        Rows per block; by default as many as fit in scikit-learn's
        ``working_memory`` setting.

    apply : callable, default=None
        Maps each block where it is computed (a projection, a sum), so that
        only its result travels back; it must pickle when ``n_jobs`` is set.

    n_jobs : int, default=None
        Blocks computed in parallel with joblib, on a Dask cluster under
        ``joblib.parallel_backend("dask")``; None computes them here, one
        at a time. Results come back in order, one block in memory at a time
        here.

    Yields
    ------
    rows : slice
        The rows of ``X`` of this block.

    K_block : ndarray of shape (n_rows, n_samples_Y)
        The kernel between those rows and every row of ``Y`` (or ``apply``
        of it).
    """
    batches = list(gen_batches(X.shape[0], block_rows(Y.shape[0], block_size)))
    if n_jobs is None:
        blocks = (_kernel_block(X[rows], Y, kernel, params, apply) for rows in batches)
    else:
        blocks = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_kernel_block)(X[rows], Y, kernel, params, apply)
            for rows in batches
        )
    yield from zip(batches, blocks, strict=True)


def kernel_diagonal(X, kernel, params):
    """``k(x_i, x_i)`` for every row, without the off-diagonal entries.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The rows.

    kernel, params :
        As returned by :func:`resolve_kernel`.

    Returns
    -------
    diagonal : ndarray of shape (n_samples,)
        The kernel of each row with itself.
    """
    if kernel in ("rbf", "laplacian", "cosine"):
        return np.ones(X.shape[0])
    return np.array(
        [pairwise_kernels(x[None], metric=kernel, **params)[0, 0] for x in X]
    )


def kernel_matvec(X, Y, B, kernel, params, *, block_size=None):
    """``K(X, Y) @ B`` computed block by block.

    Parameters
    ----------
    X, Y, kernel, params, block_size :
        As in :func:`kernel_blocks`.

    B : ndarray of shape (n_samples_Y,) or (n_samples_Y, n_columns)
        Vector or matrix to multiply.

    Returns
    -------
    KB : ndarray of shape (n_samples_X,) or (n_samples_X, n_columns)
        The product.
    """
    out = np.empty((X.shape[0],) + B.shape[1:], dtype=np.result_type(B, np.float64))
    for rows, K_block in kernel_blocks(X, Y, kernel, params, block_size=block_size):
        out[rows] = K_block @ B
    return out

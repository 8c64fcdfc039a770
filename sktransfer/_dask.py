"""Dask arrays, mapped block by block: the out-of-core path of the toolkit.

Dask is optional (``pip install "sktransfer[dask]"``); nothing here imports
it. A method that meets a Dask array returns a lazy Dask array whose blocks
are the in-memory method applied to blocks of whole rows, so that an image
set larger than memory is read, mapped and written one block at a time, on
the threads of this process or on the workers of a ``dask.distributed``
cluster.
"""

import numpy as np

__all__ = ["is_dask_array", "map_row_blocks"]


def is_dask_array(X):
    """Whether ``X`` is a Dask array, without importing Dask."""
    return type(X).__module__.startswith("dask.") and hasattr(X, "map_blocks")


def map_row_blocks(func, X, *, n_columns=None, dtype=np.float32):
    """``func`` over blocks of whole rows of the Dask array ``X``, lazily.

    Parameters
    ----------
    func : callable
        Maps an ndarray of rows to one output per row; it travels to the
        workers by pickling (a bound method takes its fitted estimator).

    X : dask.array.Array of shape (n_samples, ...)
        Rows; its blocks are rechunked to hold whole rows.

    n_columns : int, default=None
        Width of each output row; None for one value per row.

    dtype : dtype, default=np.float32
        Of the output.

    Returns
    -------
    out : dask.array.Array of shape (n_samples,) or (n_samples, n_columns)
        Blocks aligned with the row blocks of ``X``.
    """
    X = X.rechunk({axis: -1 for axis in range(1, X.ndim)})
    if n_columns is None:
        return X.map_blocks(
            func, dtype=dtype, chunks=(X.chunks[0],), drop_axis=list(range(1, X.ndim))
        )
    return X.map_blocks(
        func,
        dtype=dtype,
        chunks=(X.chunks[0], (n_columns,)),
        drop_axis=list(range(2, X.ndim)),
    )

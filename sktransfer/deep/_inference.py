"""Running a network over an array batch by batch, without autograd."""

import contextlib

import numpy as np
import torch
from tqdm import tqdm


def as_tensor(X, device):
    """``X`` as a float32 tensor on ``device``, sharing memory where it can."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    if any(stride < 0 for stride in X.strides):
        # numpy calls a reversed view of one row contiguous; torch refuses it.
        X = X.copy()
    return torch.from_numpy(X).to(device)


def _batch_slices(n_samples, batch_size, balanced):
    if not balanced:
        return [
            slice(start, start + batch_size)
            for start in range(0, n_samples, batch_size)
        ]
    # As many batches, of sizes that differ by one row at most: no batch of
    # a single row, which batch norm in training mode refuses.
    n_batches = int(np.ceil(n_samples / batch_size))
    sizes = np.full(n_batches, n_samples // n_batches)
    sizes[: n_samples % n_batches] += 1
    ends = np.cumsum(sizes)
    return [slice(end - size, end) for end, size in zip(ends, sizes, strict=True)]


def run_in_batches(
    forward,
    X,
    *,
    batch_size,
    device,
    out=None,
    balanced=False,
    context=None,
    progress=None,
):
    """Outputs of ``forward`` over the rows of ``X``, batch by batch, in numpy.

    Every batch goes to ``device`` as float32 and through ``forward`` under
    :func:`torch.inference_mode` (no autograd record: the fastest way to
    evaluate); its output comes back to the CPU as float32. The modes of the
    modules (``eval``/``train``) are the caller's to set.

    Parameters
    ----------
    forward : callable
        Maps a batch tensor to one output tensor with one row per input row.

    X : ndarray of shape (n_samples, ...)
        Rows to run.

    batch_size : int
        Rows per batch.

    device : str or torch.device
        Where ``forward`` runs.

    out : ndarray of shape (n_samples, ...), dtype float32, default=None
        Written batch by batch and returned: no list of batches to
        concatenate, and no copy of the whole output. None collects the
        batches' outputs into a new array.

    balanced : bool, default=False
        Split the rows into ``ceil(n_samples / batch_size)`` batches of
        sizes that differ by one row at most, instead of full batches and a
        remainder.

    context : context manager, default=None
        Entered around the pass, for instance :func:`torch.autocast`.

    progress : str, default=None
        Label of a progress bar over the batches; None shows none.

    Returns
    -------
    output : ndarray of shape (n_samples, ...), dtype float32
        ``out`` when it is given.
    """
    slices = _batch_slices(len(X), batch_size, balanced)
    outputs = []
    with torch.inference_mode(), context or contextlib.nullcontext():
        for rows in tqdm(slices, disable=progress is None, desc=progress):
            output = forward(as_tensor(X[rows], device)).float().cpu().numpy()
            if out is None:
                outputs.append(output)
            else:
                out[rows] = output
    return np.concatenate(outputs) if out is None else out

"""The IDX file format of (Fashion-)MNIST."""

import gzip

import numpy as np


def _read_idx(path):
    """An array from an IDX file (gzipped or not), the format of (Fashion-)MNIST."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    # Magic: two zero bytes, a type code (0x08: unsigned byte) and the number
    # of dimensions; then one big-endian int32 per dimension.
    if data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes.")
    n_dims = data[3]
    shape = tuple(np.frombuffer(data, ">i4", count=n_dims, offset=4))
    return np.frombuffer(data, np.uint8, offset=4 + 4 * n_dims).reshape(shape)

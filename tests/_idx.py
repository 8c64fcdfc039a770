"""Write IDX files, the format of (Fashion-)MNIST, for tests that need them."""

import gzip

import numpy as np


def write_idx(path, array):
    """Write ``array`` as a gzipped IDX file of unsigned bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def write_fashion_mnist(folder, n_images=60, seed=0):
    """A tiny stand-in for Debian's Fashion-MNIST files: random images."""
    rng = np.random.default_rng(seed)
    for prefix in ("train", "t10k"):
        write_idx(
            folder / f"{prefix}-images-idx3-ubyte.gz",
            rng.integers(0, 256, size=(n_images, 28, 28)),
        )
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", np.arange(n_images) % 10)

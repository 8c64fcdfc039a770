"""pytest set-up shared by the tests and the doctests."""

import os

import torch

# `make test` runs one pytest-xdist worker per core; torch's own thread pool
# in each worker would oversubscribe the cores, which slows the deep tests
# down many times over on a loaded machine.
if "PYTEST_XDIST_WORKER" in os.environ:
    torch.set_num_threads(1)

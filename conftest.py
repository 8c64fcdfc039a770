"""pytest set-up shared by the tests and the doctests."""

import os

import torch
from threadpoolctl import threadpool_limits

# `make test` runs one pytest-xdist worker per core; torch's and BLAS's own
# thread pools in each worker would oversubscribe the cores, which slows the
# deep tests and the solvers down many times over on a loaded machine.
if "PYTEST_XDIST_WORKER" in os.environ:
    torch.set_num_threads(1)
    threadpool_limits(1)

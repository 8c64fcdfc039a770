"""pytest set-up shared by the tests and the doctests."""

import os

# `make test` runs one pytest-xdist worker per core; torch's, BLAS's and
# OpenMP's own thread pools in each worker would oversubscribe the cores,
# which slows the deep tests, the solvers and HistGradientBoosting down many
# times over on a loaded machine. The variable reaches the OpenMP runtimes
# loaded after this point; threadpool_limits those already loaded.
if "PYTEST_XDIST_WORKER" in os.environ:
    os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch
from threadpoolctl import threadpool_limits

if "PYTEST_XDIST_WORKER" in os.environ:
    torch.set_num_threads(1)
    threadpool_limits(1)

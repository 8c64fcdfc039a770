"""Kernel mean matching at scale: seconds, peak memory and the weighted MMD^2 reached.

The problem is the one of FACTS.md: n_s = n_t = n rows in d = 20 dimensions,
an RBF kernel with gamma = 1/d; the source is standard normal, the target is
shifted along one axis and stretched along another. Each solver runs in a
fresh process; peak MB is the most memory its arrays held at once. The
weighted MMD^2 is the objective KMM minimises,
``||(1/n_s) sum beta_i phi(xs_i) - mean phi(xt)||^2``
(``mmd2(..., normalize=False)``), computed exactly in blocks for every solver.

Solvers: sktransfer's KMMReweighter (Nystroem, the default, and exact), a
generic QP solver on the same problem (cvxopt, the solver ADAPT uses) while
it stays affordable, and skada's Frank-Wolfe KMM when skada is installed.
Ratios are against skada (time) and against the exact optimum (MMD^2).

    pip install -e ".[bench]"  # skada and cvxopt, the solvers compared
    python benchmarks/kmm_scaling.py [--sizes 1000 2000 4000 8000 16000 50000]
"""

import argparse
import datetime
import multiprocessing
import sys
import time
import tracemalloc

import numpy as np

D = 20
GAMMA = 1.0 / D


def make_problem(n, seed=0):
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n, D))
    Xt = rng.normal(size=(n, D))
    Xt[:, 0] += 1.5
    Xt[:, 1] *= 2.0
    return Xs, Xt


def _sktransfer(Xs, Xt, n_components):
    from sktransfer.reweight import KMMReweighter

    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(len(Xs), int), -np.ones(len(Xt), int)]
    kmm = KMMReweighter(gamma=GAMMA, n_components=n_components, random_state=0)
    return kmm.fit(X, sample_domain=sd).weights_


def _cvxopt(Xs, Xt):
    import cvxopt
    from sklearn.metrics.pairwise import rbf_kernel

    n = len(Xs)
    K = rbf_kernel(Xs, gamma=GAMMA)
    kappa = rbf_kernel(Xs, Xt, gamma=GAMMA).mean(axis=1) * n
    eps = (np.sqrt(n) - 1) / np.sqrt(n)
    G = np.r_[np.ones((1, n)), -np.ones((1, n)), np.eye(n), -np.eye(n)]
    h = np.r_[n * (1 + eps), -n * (1 - eps), np.full(n, 1000.0), np.zeros(n)]
    cvxopt.solvers.options["show_progress"] = False
    solution = cvxopt.solvers.qp(*map(cvxopt.matrix, (K, -kappa, G, h)))
    return np.clip(np.ravel(solution["x"]), 0, None)


def _skada(Xs, Xt):
    from skada import KMMReweightAdapter

    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(len(Xs), int), -np.ones(len(Xt), int)]
    adapter = KMMReweightAdapter(gamma=GAMMA).fit(X, sample_domain=sd)
    return adapter.compute_weights(X, sample_domain=sd)[: len(Xs)]


SOLVERS = {
    "sktransfer KMM (Nystroem 1000)": (lambda Xs, Xt: _sktransfer(Xs, Xt, 1000), 10**9),
    "sktransfer KMM (exact kernel)": (lambda Xs, Xt: _sktransfer(Xs, Xt, None), 16000),
    "cvxopt QP (exact)": (_cvxopt, 4000),
    "skada Frank-Wolfe": (_skada, 16000),
}


def _run(name, n):
    """Run one solver in this (fresh) process: weights, seconds, peak MB."""
    Xs, Xt = make_problem(n)
    solver, _ = SOLVERS[name]
    # Imports are not what is measured: load every solver's modules first.
    for module in (
        "sktransfer.reweight",
        "sklearn.metrics.pairwise",
        "cvxopt",
        "skada",
    ):
        if _available(module):
            __import__(module)
    # tracemalloc sees numpy's arrays (not BLAS scratch space): the peak of
    # what the solver allocates, whatever the imports left resident.
    tracemalloc.start()
    start = time.perf_counter()
    weights = solver(Xs, Xt)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return weights, seconds, peak


_MODULES = {"cvxopt QP (exact)": "cvxopt", "skada Frank-Wolfe": "skada"}


def _importable(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _available(name):
    """Whether a solver's optional package is installed."""
    return name not in _MODULES or _importable(_MODULES[name])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000, 16000, 50000]
    )
    args = parser.parse_args(argv)
    from sktransfer.metrics import mmd2

    print(f"# {__doc__.splitlines()[0]}\n")
    print(f"command: python {' '.join(sys.argv)}  ")
    print(f"date: {datetime.date.today()}, d={D}, gamma=1/d\n")
    print(
        "| n_s = n_t | solver | seconds | peak MB | weighted MMD^2 | MMD^2 / exact "
        "| time / skada |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    context = multiprocessing.get_context("spawn")
    for n in args.sizes:
        Xs, Xt = make_problem(n)
        results = {}
        for name, (_, max_n) in SOLVERS.items():
            if n > max_n or not _available(name):
                continue
            with context.Pool(1) as pool:
                weights, seconds, peak = pool.apply(_run, (name, n))
            value = mmd2(Xs, Xt, sample_weight=weights, normalize=False, gamma=GAMMA)
            results[name] = (seconds, peak, value)
        unweighted = mmd2(Xs, Xt, gamma=GAMMA)
        exact = [results[k][2] for k in results if "exact" in k]
        skada_seconds = results.get("skada Frank-Wolfe", (None,))[0]
        print(f"| {n} | unweighted | | | {unweighted:.3g} | | |")
        for name, (seconds, peak, value) in results.items():
            vs_exact = f"{value / min(exact):.2f}" if exact else ""
            vs_skada = f"{seconds / skada_seconds:.3f}" if skada_seconds else ""
            print(
                f"| {n} | {name} | {seconds:.2f} | {peak:.0f} | {value:.3g} "
                f"| {vs_exact} | {vs_skada} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

"""Kernel mean matching at scale: seconds, peak memory and the weighted MMD^2 reached.

The problem: n_s = n_t = n rows in d = 20 dimensions,
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

    pip install -e ".[bench]"  # skada and cvxopt, the peers compared (optional)
    python benchmarks/kmm_scaling.py [--sizes 1000 2000 4000 8000 16000 50000]
        [--output FILE] [--quick]
"""

import argparse
import multiprocessing
import time
import tracemalloc

import numpy as np
from _report import Report, add_arguments, progress

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


# The optional package each peer's solver needs.
_PEER_MODULES = {"cvxopt QP (exact)": "cvxopt", "skada Frank-Wolfe": "skada"}


def _importable(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _available(solver):
    """Whether a solver's optional package is installed."""
    return solver not in _PEER_MODULES or _importable(_PEER_MODULES[solver])


def _run(name, n):
    """Run one solver in this (fresh) process: weights, seconds, peak MB."""
    Xs, Xt = make_problem(n)
    solver, _ = SOLVERS[name]
    # Imports are not what is measured: load every available solver's
    # modules first.
    import sklearn.metrics.pairwise  # noqa: F401

    import sktransfer.reweight  # noqa: F401

    for module in _PEER_MODULES.values():
        _importable(module)
    # tracemalloc sees numpy's arrays (not BLAS scratch space): the peak of
    # what the solver allocates, whatever the imports left resident.
    tracemalloc.start()
    start = time.perf_counter()
    weights = solver(Xs, Xt)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return weights, seconds, peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000, 16000, 50000]
    )
    args = add_arguments(parser).parse_args(argv)
    if args.quick:
        args.sizes = [300]
    from sktransfer.metrics import mmd2

    with Report(__doc__.splitlines()[0], args) as report:
        missing = [name for name in SOLVERS if not _available(name)]
        report.write(
            f"d = {D}, gamma = 1/d; each solver in a fresh process. "
            + (
                f"Not installed, so not compared: {', '.join(missing)}.\n"
                if missing
                else "Every solver installed.\n"
            )
        )
        rows = []
        context = multiprocessing.get_context("spawn")
        for n in args.sizes:
            Xs, Xt = make_problem(n)
            results = {}
            for name, (_, max_n) in SOLVERS.items():
                if n > max_n or name in missing:
                    continue
                with context.Pool(1) as pool:
                    weights, seconds, peak = pool.apply(_run, (name, n))
                value = mmd2(
                    Xs, Xt, sample_weight=weights, normalize=False, gamma=GAMMA
                )
                results[name] = (seconds, peak, value)
                progress(f"n = {n}, {name}: {seconds:.2f} s")
            exact = [results[k][2] for k in results if "exact" in k]
            skada_seconds = results.get("skada Frank-Wolfe", (None,))[0]
            rows.append(
                (n, "unweighted", "", "", f"{mmd2(Xs, Xt, gamma=GAMMA):.3g}", "", "")
            )
            for name, (seconds, peak, value) in results.items():
                rows.append(
                    (
                        n,
                        name,
                        f"{seconds:.2f}",
                        f"{peak:.0f}",
                        f"{value:.3g}",
                        f"{value / min(exact):.2f}" if exact else "",
                        f"{seconds / skada_seconds:.3f}" if skada_seconds else "",
                    )
                )
        report.table(
            [
                "n_s = n_t",
                "solver",
                "seconds",
                "peak MB",
                "weighted MMD^2",
                "MMD^2 / exact",
                "time / skada",
            ],
            rows,
        )


if __name__ == "__main__":
    main()

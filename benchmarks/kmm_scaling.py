"""Kernel mean matching at scale: seconds, peak memory and the weighted MMD^2 reached.

The problem: n_s = n_t = n rows in d = 20 dimensions,
an RBF kernel with gamma = 1/d; the source is standard normal, the target is
shifted along one axis and stretched along another. Each solver runs in a
fresh process; peak MB is the most memory its numpy arrays held at once
(tracemalloc). The weighted MMD^2 is measured on every row up to 20,000
rows a side, and on the same random 20,000 rows of each side, for every
solver, past that: the V statistic KMM minimises
(``mmd2(..., normalize=False)``, whose ratio to the exact kernel's optimum is
given), and the unbiased estimate (``unbiased=True``, weights normalised to
sum one), which leaves out the ``w_i^2 k(x_i, x_i)`` terms: measured on the
rows the weights were fitted on, heavy weights make it negative.
"unweighted" is the same without weights.

Solvers: sktransfer's KMMReweighter at its defaults (the exact kernel up to
4,000 source rows, else a rank-500 Nystroem kernel), with a rank-1000
Nystroem kernel, and with the exact kernel; a generic QP solver on the same
problem (cvxopt, the solver ADAPT uses) while it stays affordable, and
skada's Frank-Wolfe KMM when skada is installed. Ratios are against skada
(time) and against the exact optimum (MMD^2).

    pip install -e ".[bench]"  # skada and cvxopt, the peers compared (optional)
    python benchmarks/kmm_scaling.py [--sizes 1000 ... 1000000]
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
# Rows of each side the weighted MMD^2 is estimated on.
_MEASURED_ROWS = 20000


def make_problem(n, seed=0):
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n, D))
    Xt = rng.normal(size=(n, D))
    Xt[:, 0] += 1.5
    Xt[:, 1] *= 2.0
    return Xs, Xt


def _sktransfer(Xs, Xt, **params):
    from sktransfer.reweight import KMMReweighter

    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(len(Xs), int), -np.ones(len(Xt), int)]
    kmm = KMMReweighter(gamma=GAMMA, random_state=0, **params)
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


# The first row follows the class's defaults on purpose; the others name
# the kernel they use.
SOLVERS = {
    "sktransfer KMM (default)": (
        lambda Xs, Xt: _sktransfer(Xs, Xt, n_components="auto"),
        10**9,
    ),
    "sktransfer KMM (Nystroem 1000)": (
        lambda Xs, Xt: _sktransfer(Xs, Xt, n_components=1000),
        10**9,
    ),
    "sktransfer KMM (exact kernel)": (
        lambda Xs, Xt: _sktransfer(Xs, Xt, n_components=None),
        16000,
    ),
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
        "--sizes",
        type=int,
        nargs="+",
        default=[1000, 2000, 4000, 8000, 16000, 50000, 200000, 1000000],
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
            # One subsample for every solver of a size.
            rng = np.random.RandomState(1)
            rows_s = rng.permutation(n)[:_MEASURED_ROWS]
            rows_t = rng.permutation(n)[:_MEASURED_ROWS]

            def measure(weights, rows_s=rows_s, rows_t=rows_t, Xs=Xs, Xt=Xt):
                """The V statistic KMM minimises, and the unbiased estimate."""
                pair = (Xs[rows_s], Xt[rows_t])
                weights = None if weights is None else weights[rows_s]
                return (
                    mmd2(*pair, sample_weight=weights, gamma=GAMMA, normalize=False),
                    mmd2(*pair, sample_weight=weights, gamma=GAMMA, unbiased=True),
                )

            results = {}
            for name, (_, max_n) in SOLVERS.items():
                if n > max_n or name in missing:
                    continue
                with context.Pool(1) as pool:
                    weights, seconds, peak = pool.apply(_run, (name, n))
                results[name] = (seconds, peak, measure(weights))
                progress(f"n = {n}, {name}: {seconds:.2f} s")
            exact = [results[k][2][0] for k in results if "exact" in k]
            skada_seconds = results.get("skada Frank-Wolfe", (None,))[0]
            plain, plain_unbiased = measure(None)
            rows.append(
                (
                    n,
                    "unweighted",
                    "",
                    "",
                    f"{plain:.3g}",
                    f"{plain_unbiased:.3g}",
                    "",
                    "",
                )
            )
            for name, (seconds, peak, (value, unbiased)) in results.items():
                rows.append(
                    (
                        n,
                        name,
                        f"{seconds:.2f}",
                        f"{peak:.0f}",
                        f"{value:.3g}",
                        f"{unbiased:.3g}",
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
                "weighted MMD^2 (V)",
                "unbiased",
                "V / exact",
                "time / skada",
            ],
            rows,
        )


if __name__ == "__main__":
    main()

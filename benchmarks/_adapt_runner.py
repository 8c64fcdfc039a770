"""Fit ADAPT's few-target-label methods on one split, in ADAPT's own environment.

ADAPT (PyPI ``adapt``) needs TensorFlow and pins that clash with the project's
environment, so it lives in ``.venv-adapt`` (``make adapt-env``) and the
benchmarks call this script as a subprocess::

    .venv-adapt/bin/python benchmarks/_adapt_runner.py IN.npz OUT.npz

It imports nothing from sktransfer. Every method runs at ADAPT's defaults,
with ``random_state=seed`` and ``verbose=0``, on the same base estimator the
benchmarks give sktransfer: ``LogisticRegression()`` for classification and
``Ridge()`` for regression.

``IN.npz`` (``np.savez``; strings as plain str arrays, no objects):

- ``X_source``, ``y_source``: the labelled source rows.
- ``X_target_train``, ``y_target_train``: the few labelled target rows.
- ``X_test``: the rows to predict.
- ``task``: ``"classification"`` or ``"regression"``.
- ``methods``: names from ``CLASSIFICATION`` or ``REGRESSION`` below.
- ``seed``: an int, each method's ``random_state``.

``OUT.npz``, one entry per method, in the order of ``methods``:

- ``methods``: the names, as given.
- ``fit_times``: seconds (``time.perf_counter``) of each fit, NaN where it
  failed. Regular transfer counts the source model's fit too.
- ``errors``: ``""`` where the method ran, else ``"ExceptionType: message"``.
- ``predictions/<method>``: its predictions on ``X_test`` (labels for
  classification), only for the methods that ran.

Several splits in one call (Python's and TensorFlow's start paid once): give
``n_splits`` and every key above prefixed by the split's index, ``"0/X_source"``,
``"1/X_source"``...; ``OUT`` then holds each split's entries under the same
prefix.

The script exits 0 when some methods failed (their errors are in ``OUT``) and
non-zero only on bad input. ADAPT's own printing goes to stderr. Each call
pays Python's and TensorFlow's start (about 4.5 s on the project's machine),
outside the fit times; the environment's thread settings (``OMP_NUM_THREADS``)
pass through to it.
"""

import contextlib
import os
import sys
import time

import numpy as np

# Set before TensorFlow loads (ADAPT imports it). TensorFlow computes nothing
# here (every estimator is scikit-learn's), so oneDNN's options change no
# figure; turning them off drops the notice that TF_CPP_MIN_LOG_LEVEL misses.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

try:
    from adapt.feature_based import FA, PRED
    from adapt.instance_based import (
        BalancedWeighting,
        TrAdaBoost,
        TrAdaBoostR2,
        TwoStageTrAdaBoostR2,
    )
    from adapt.parameter_based import RegularTransferLC, RegularTransferLR
except ImportError as error:
    raise ImportError(
        f"ADAPT does not import ({error}): build its environment with "
        "`make adapt-env` and run this script with .venv-adapt/bin/python."
    ) from error
from sklearn.linear_model import LogisticRegression, Ridge


def _fit_regular_transfer(transfer):
    """ADAPT's regular transfer starts from a source model fitted beforehand."""

    def fit(base, X_source, y_source, X_target, y_target, seed):
        source_model = base.fit(X_source, y_source)
        return transfer(source_model, verbose=0, random_state=seed).fit(
            X_target, y_target
        )

    return fit


def _fit_on_both(method):
    """ADAPT's usual call: the source rows to ``fit``, the target rows aside."""

    def fit(base, X_source, y_source, X_target, y_target, seed):
        model = method(base, Xt=X_target, yt=y_target, verbose=0, random_state=seed)
        return model.fit(X_source, y_source)

    return fit


CLASSIFICATION = {
    "feature augmentation": _fit_on_both(FA),
    "TrAdaBoost": _fit_on_both(TrAdaBoost),
    "regular transfer": _fit_regular_transfer(RegularTransferLC),
    "PRED": _fit_on_both(PRED),
    "balanced weighting": _fit_on_both(BalancedWeighting),
}
REGRESSION = {
    "feature augmentation": _fit_on_both(FA),
    "TrAdaBoostR2": _fit_on_both(TrAdaBoostR2),
    "two-stage TrAdaBoostR2": _fit_on_both(TwoStageTrAdaBoostR2),
    "regular transfer": _fit_regular_transfer(RegularTransferLR),
    "PRED": _fit_on_both(PRED),
    "balanced weighting": _fit_on_both(BalancedWeighting),
}
TASKS = {
    "classification": (CLASSIFICATION, LogisticRegression),
    "regression": (REGRESSION, Ridge),
}


def run(data):
    """Fit each method of ``data["methods"]``; return the arrays of ``OUT.npz``."""
    task = str(data["task"])
    if task not in TASKS:
        raise ValueError(f"task must be one of {sorted(TASKS)}, got {task!r}.")
    fits, base = TASKS[task]
    methods = [str(method) for method in data["methods"]]
    unknown = [method for method in methods if method not in fits]
    if unknown:
        raise ValueError(
            f"Methods {unknown} are not ADAPT {task} methods here; "
            f"choose from {list(fits)}."
        )
    seed = int(data["seed"])
    fit_args = (
        data["X_source"],
        data["y_source"],
        data["X_target_train"],
        data["y_target_train"],
        seed,
    )
    # Untimed: the first fit of a process pays one-time costs (a few ms,
    # as long as a whole fit here) that would land on the first method. Data
    # it cannot fit is left for each method to report.
    with contextlib.suppress(ValueError):
        base().fit(data["X_source"], data["y_source"])
    out = {"methods": np.array(methods), "fit_times": [], "errors": []}
    for method in methods:
        start = time.perf_counter()
        try:
            # ADAPT prints even at verbose=0 (RegularTransferLC, the shape of
            # its labels): keep stdout for the caller.
            with contextlib.redirect_stdout(sys.stderr):
                model = fits[method](base(), *fit_args)
            seconds = time.perf_counter() - start
            predictions = np.asarray(model.predict(data["X_test"]))
        except Exception as error:  # reported in OUT, not raised
            out["fit_times"].append(np.nan)
            out["errors"].append(f"{type(error).__name__}: {error}")
            continue
        out["fit_times"].append(seconds)
        out["errors"].append("")
        out[f"predictions/{method}"] = predictions.ravel()
    out["fit_times"] = np.array(out["fit_times"], dtype=float)
    out["errors"] = np.array(out["errors"], dtype=str)
    return out


def main(argv):
    if len(argv) != 3:
        raise SystemExit(f"usage: {argv[0]} IN.npz OUT.npz")
    with np.load(argv[1], allow_pickle=False) as data:
        data = dict(data)
    if "n_splits" not in data:
        out = run(data)
    else:
        out = {}
        for i in range(int(data["n_splits"])):
            prefix = f"{i}/"
            split = {
                key[len(prefix) :]: value
                for key, value in data.items()
                if key.startswith(prefix)
            }
            out.update({prefix + key: value for key, value in run(split).items()})
    # A file object: np.savez would add ".npz" to a path without it.
    with open(argv[2], "wb") as file:
        np.savez(file, **out)


if __name__ == "__main__":
    main(sys.argv)

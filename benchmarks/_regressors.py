"""The deep regressors side by side on one split, as the benchmarks compare them."""

import time
import warnings

import numpy as np

from sktransfer.deep import DANNRegressor, DANRegressor, DeepCORALRegressor
from sktransfer.exceptions import NoTargetDomainWarning

METHODS = {
    "DANN": DANNRegressor,
    "Deep CORAL": DeepCORALRegressor,
    "DAN": DANRegressor,
}


def compare_regressors(X, y, sample_domain, adapt, test, **net):
    """Source only, each regressor of ``METHODS``, train on target: R^2 on ``test``.

    The same network (``net``: the parameters every regressor shares) is
    trained on the source rows only, with each method's term on the source
    rows and the target rows ``adapt`` (unlabeled), and on ``adapt`` with
    their labels.

    Returns
    -------
    rows : dict
        Method name -> ``{"score", "seconds"}``: R^2 on the ``test`` rows
        and the fit's duration.
    """
    source = np.flatnonzero(sample_domain > 0)
    fit_rows = np.r_[source, adapt]
    y_fit = np.where(sample_domain[fit_rows] > 0, y[fit_rows], np.nan)
    fits = {"source only": lambda: DANNRegressor(**net).fit(X[source], y[source])}
    for name, cls in METHODS.items():
        fits[name] = lambda cls=cls: cls(**net).fit(
            X[fit_rows], y_fit, sample_domain=sample_domain[fit_rows]
        )
    fits["train on target"] = lambda: DANNRegressor(**net).fit(X[adapt], y[adapt])
    rows = {}
    for name, fit in fits.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            # Source only and train on target fit one domain, on purpose.
            warnings.simplefilter("ignore", NoTargetDomainWarning)
            model = fit()
        seconds = time.perf_counter() - start
        rows[name] = {"score": model.score(X[test], y[test]), "seconds": seconds}
    return rows

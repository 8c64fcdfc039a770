"""Calibration of a classifier's probabilities before its priors are re-weighted.

MLLS and the Bayes-rule correction read the probabilities as the source
posterior ``P_S(y | x)``; a classifier that is over-confident or leans towards
one class biases both. Alexandari et al. (2020) showed that temperature
scaling with a bias per class (BCTS), fitted on held-out source rows, is the
calibration that makes MLLS beat the confusion-matrix estimators.
"""

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax

# Probabilities are read as logits through their logarithm; a zero would give
# -inf and an undefined gradient.
_TINY = 1e-12


def _logits(proba):
    return np.log(np.clip(proba, _TINY, None))


class _Calibrator:
    """``softmax(a * log p + b)``, fitted by likelihood on held-out rows.

    ``a`` is the inverse temperature; ``b`` the per-class biases, zero for
    plain temperature scaling. ``a = 1, b = 0`` leaves probabilities as they
    are (``kind=None``).
    """

    def __init__(self, kind):
        self.kind = kind
        self.inverse_temperature = 1.0
        self.bias = None

    def fit(self, proba, y):
        n_classes = proba.shape[1]
        self.bias = np.zeros(n_classes)
        if self.kind is None:
            return self
        logits = _logits(proba)
        onehot = np.eye(n_classes)[y]
        with_bias = self.kind == "bcts"

        def loss(params):
            # log a keeps the temperature positive without bounds.
            log_a = params[0]
            bias = params[1:] if with_bias else self.bias
            scaled = np.exp(log_a) * logits + bias
            log_p = log_softmax(scaled, axis=1)
            residual = np.exp(log_p) - onehot
            grad_log_a = np.exp(log_a) * np.mean(np.sum(residual * logits, axis=1))
            grad = [grad_log_a]
            if with_bias:
                grad = np.r_[grad_log_a, residual.mean(axis=0)]
            return -np.mean(np.sum(onehot * log_p, axis=1)), np.asarray(grad)

        start = np.zeros(1 + (n_classes if with_bias else 0))
        result = minimize(loss, start, jac=True, method="L-BFGS-B")
        self.inverse_temperature = float(np.exp(result.x[0]))
        if with_bias:
            # Adding a constant to every bias changes nothing; centre them so
            # that the fitted values are reproducible.
            self.bias = result.x[1:] - result.x[1:].mean()
        return self

    def transform(self, proba):
        if self.kind is None:
            return proba
        return softmax(self.inverse_temperature * _logits(proba) + self.bias, axis=1)

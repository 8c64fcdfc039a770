"""The target's class priors, estimated from a classifier's outputs.

Under label shift ``P(x | y)`` is shared, so the classifier's outputs on the
target rows are a mixture of its outputs on each source class, weighted by
``w_y = P_T(y) / P_S(y)``:

- **BBSE** (Lipton et al. 2018): the joint ``C[i, j] = P_S(f(x) = i, y = j)``
  measured on held-out labelled source rows and ``mu[i] = P_T(f(x) = i)``
  on the target rows satisfy ``C w = mu``; hard predictions (``"bbse"``) or
  probabilities (``"bbse-soft"``).
- **RLLS** (Azizzadenesheli et al. 2019): the same system, solved for
  ``theta = w - 1`` with a penalty ``Delta_C ||theta||`` that shrinks the
  estimate towards "no shift" where ``C`` is poorly measured.
- **MLLS** (Saerens et al. 2002): the maximum-likelihood priors, by EM over
  the target rows' probabilities, which must be calibrated.
"""

from numbers import Integral, Real

import numpy as np
from scipy.optimize import minimize
from sklearn.utils.validation import check_array, column_or_1d

from .._compat import Interval, StrOptions, validate_params
from ._calibration import _Calibrator

__all__ = ["estimate_target_priors"]

METHODS = ("mlls", "bbse", "bbse-soft", "rlls")
CALIBRATIONS = ("bcts", "temperature")

# RLLS's penalty: the confidence bound of Azizzadenesheli et al. on the error
# of C (at level _RLLS_DELTA) times _RLLS_SCALE, the scale their experiments
# use; the bound alone shrinks every estimate to "no shift" at these sizes.
_RLLS_DELTA = 0.05
_RLLS_SCALE = 0.01
_SMOOTH = 1e-12


def _joint(proba_source, y_source, n_classes):
    """``C[i, j]``: mean over source rows of ``[y = j] * f_i(x)``."""
    return proba_source.T @ np.eye(n_classes)[y_source] / len(y_source)


def _hard(proba):
    return np.eye(proba.shape[1])[proba.argmax(axis=1)]


def _bbse_weights(proba_source, y_source, proba_target):
    n_classes = proba_source.shape[1]
    joint = _joint(proba_source, y_source, n_classes)
    weights, *_ = np.linalg.lstsq(joint, proba_target.mean(axis=0), rcond=None)
    return np.clip(weights, 0.0, None)


def _rlls_penalty(n_classes, n_source):
    log_term = np.log(2 * n_classes / _RLLS_DELTA)
    bound = 3 * (2 * log_term / (3 * n_source) + np.sqrt(2 * log_term / n_source))
    return _RLLS_SCALE * bound


def _rlls_weights(proba_source, y_source, proba_target, regularization):
    n_classes = proba_source.shape[1]
    source, target = _hard(proba_source), _hard(proba_target)
    joint = _joint(source, y_source, n_classes)
    # C 1 is the marginal of the predictions on the source.
    b = target.mean(axis=0) - joint.sum(axis=1)
    penalty = (
        _rlls_penalty(n_classes, len(y_source))
        if regularization is None
        else regularization
    )

    def objective(theta):
        # Both norms are smoothed at zero, where they have no gradient.
        residual = joint @ theta - b
        fit = np.sqrt(residual @ residual + _SMOOTH)
        size = np.sqrt(theta @ theta + _SMOOTH)
        grad = joint.T @ residual / fit + penalty * theta / size
        return fit + penalty * size, grad

    result = minimize(
        objective,
        np.zeros(n_classes),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-1.0, None)] * n_classes,
    )
    return np.clip(1.0 + result.x, 0.0, None)


def _mlls_priors(proba_target, source_priors, max_iter, tol):
    priors = source_priors.copy()
    for _ in range(max_iter):
        adjusted = proba_target * (priors / source_priors)
        adjusted /= adjusted.sum(axis=1, keepdims=True)
        new = adjusted.mean(axis=0)
        converged = np.abs(new - priors).max() < tol
        priors = new
        if converged:
            break
    return priors


def _estimate(
    proba_source,
    y_source,
    proba_target,
    *,
    method,
    calibration,
    regularization=None,
    max_iter=1000,
    tol=1e-8,
):
    """Target priors, and the calibrator fitted on the held-out source rows.

    ``y_source`` holds class indices; every class has held-out rows (MLLS
    divides by the source priors).
    """
    n_classes = proba_source.shape[1]
    source_priors = np.bincount(y_source, minlength=n_classes) / len(y_source)
    calibrator = _Calibrator(calibration).fit(proba_source, y_source)
    proba_source = calibrator.transform(proba_source)
    proba_target = calibrator.transform(proba_target)
    if method == "mlls":
        return _mlls_priors(proba_target, source_priors, max_iter, tol), calibrator
    if method == "rlls":
        weights = _rlls_weights(proba_source, y_source, proba_target, regularization)
    elif method == "bbse":
        weights = _bbse_weights(_hard(proba_source), y_source, _hard(proba_target))
    else:
        weights = _bbse_weights(proba_source, y_source, proba_target)
    priors = weights * source_priors
    if not priors.sum() > 0:
        # Every weight clipped to zero: the system has no non-negative
        # solution worth the name; "no shift" is the safe answer.
        return source_priors, calibrator
    return priors / priors.sum(), calibrator


def _check_proba(proba, name):
    """``proba`` as a float array of probabilities, or a ValueError naming it."""
    proba = check_array(proba, ensure_min_samples=0, input_name=name)
    if proba.shape[0] == 0:
        raise ValueError(f"{name} needs at least one row of probabilities.")
    # Float32 probabilities sum to one only up to a few units of 1e-7.
    sums = proba.sum(axis=1)
    if np.any(proba < 0) or not np.allclose(sums, 1, atol=1e-5):
        raise ValueError(
            f"{name} must hold probabilities, non-negative rows summing to one "
            f"(a classifier's predict_proba); got values in [{proba.min():g}, "
            f"{proba.max():g}] and rows summing to [{sums.min():g}, "
            f"{sums.max():g}]. Scores such as decision_function's are not "
            "probabilities."
        )
    return proba


def _check_probabilities(proba_source, y_source, proba_target):
    proba_source = _check_proba(proba_source, "proba_source")
    proba_target = _check_proba(proba_target, "proba_target")
    y_source = column_or_1d(y_source)
    n_classes = proba_source.shape[1]
    if proba_target.shape[1] != n_classes or len(y_source) != len(proba_source):
        raise ValueError(
            "proba_source and proba_target need one column per class, and "
            f"y_source one label per source row; got shapes {proba_source.shape}, "
            f"{proba_target.shape} and {y_source.shape}."
        )
    # Whole numbers in a float array (labels read from a table) are indices.
    if y_source.dtype.kind == "f" and np.all(np.mod(y_source, 1) == 0):
        y_source = y_source.astype(np.int64)
    if not np.issubdtype(y_source.dtype, np.integer) or (
        y_source.min() < 0 or y_source.max() >= n_classes
    ):
        raise ValueError(
            f"y_source must hold the class indices 0 .. {n_classes - 1} of the "
            "probability columns."
        )
    missing = np.setdiff1d(np.arange(n_classes), y_source)
    if missing.size:
        raise ValueError(
            "Every class needs labelled source rows to measure the classifier "
            f"on; classes {missing.tolist()} have none."
        )
    return proba_source, y_source, proba_target


@validate_params(
    {
        "proba_source": ["array-like"],
        "y_source": ["array-like"],
        "proba_target": ["array-like"],
        "method": [StrOptions(set(METHODS))],
        "calibration": [StrOptions(set(CALIBRATIONS)), None],
        "regularization": [Interval(Real, 0, None, closed="left"), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def estimate_target_priors(
    proba_source,
    y_source,
    proba_target,
    *,
    method="mlls",
    calibration="bcts",
    regularization=None,
    max_iter=1000,
    tol=1e-8,
):
    """Estimate the target's class priors from a classifier's probabilities.

    Target labels are not needed: only the classifier's probabilities on
    the target rows, and its probabilities and the labels of source rows it
    was not trained on. :class:`LabelShiftClassifier` produces both from
    any classifier and corrects it with the result.

    Parameters
    ----------
    proba_source : array-like of shape (n_source, n_classes)
        The classifier's probabilities on labelled source rows it was not
        trained on (a held-out split, or out-of-fold predictions): values in
        ``[0, 1]``, each row summing to one.

    y_source : array-like of shape (n_source,)
        Their labels, encoded ``0 .. n_classes - 1`` as the columns
        (integers, or floats holding whole numbers). Every class needs at
        least one row.

    proba_target : array-like of shape (n_target, n_classes)
        The classifier's probabilities on the unlabeled target rows.

    method : {"mlls", "bbse", "bbse-soft", "rlls"}, default="mlls"
        ``"mlls"``: EM on the target probabilities from the source priors
        (the label frequencies of ``y_source``); ``"bbse"``: confusion-matrix
        inversion with hard predictions; ``"bbse-soft"``: with
        probabilities; ``"rlls"``: the regularised system of RLLS, with hard
        predictions. BBSE's weights are clipped at zero, RLLS's are
        constrained non-negative, before the priors are normalised.

    calibration : {"bcts", "temperature"} or None, default="bcts"
        Calibration of the probabilities, fitted by likelihood on
        ``proba_source`` and applied to both sides before the estimate:
        ``"bcts"``, temperature scaling with a bias per class (Alexandari et
        al. 2020), ``"temperature"`` without the biases, None keeps the
        probabilities as they are. Probabilities are read as logits through
        their logarithm.

    regularization : float, default=None
        RLLS's penalty ``Delta_C`` on ``||w - 1||``; None uses 0.01 times
        the confidence bound of Azizzadenesheli et al. on the error of
        ``C`` (level 0.05), which shrinks with more source rows. Ignored by
        the other methods.

    max_iter : int, default=1000
        EM iterations at most (``"mlls"``).

    tol : float, default=1e-8
        EM stops when no prior moves by more than ``tol``.

    Returns
    -------
    priors : ndarray of shape (n_classes,)
        Estimated ``P_T(y)``, non-negative, summing to one.

    See Also
    --------
    LabelShiftClassifier : Estimates the priors and corrects a classifier.
    label_shift_test : Tests whether the target's class priors moved.

    Notes
    -----
    BBSE and RLLS need the confusion matrix to be invertible: a classifier
    that confuses two classes cannot tell their priors apart. MLLS needs
    calibrated probabilities, which is why it is calibrated by default; with
    calibration, Alexandari et al. (2020) report lower prior-estimation
    errors for MLLS than for BBSE and RLLS.

    References
    ----------
    M. Saerens, P. Latinne and C. Decaestecker, "Adjusting the outputs of a
    classifier to new a priori probabilities", Neural Computation, 2002.
    Z. Lipton, Y.-X. Wang and A. Smola, "Detecting and correcting for label
    shift with black box predictors", ICML 2018.
    K. Azizzadenesheli, A. Liu, F. Yang and A. Anandkumar, "Regularized
    learning for domain adaptation under label shifts", ICLR 2019.
    A. Alexandari, A. Kundaje and A. Shrikumar, "Maximum likelihood with
    bias-corrected calibration is hard-to-beat at label shift adaptation",
    ICML 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.label_shift import estimate_target_priors
    >>> proba_source = np.array([[0.9, 0.1], [0.2, 0.8], [0.8, 0.2], [0.1, 0.9]])
    >>> y_source = np.array([0, 1, 0, 1])
    >>> proba_target = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.2, 0.8]])
    >>> estimate_target_priors(
    ...     proba_source, y_source, proba_target, calibration=None).round(2)
    array([0.91, 0.09])
    """
    proba_source, y_source, proba_target = _check_probabilities(
        proba_source, y_source, proba_target
    )
    priors, _ = _estimate(
        proba_source,
        y_source,
        proba_target,
        method=method,
        calibration=calibration,
        regularization=regularization,
        max_iter=max_iter,
        tol=tol,
    )
    return priors

"""Label shift: the target's class priors, estimated from unlabeled rows.

Under label shift the share of each class changes between the domains,
``P_T(y) != P_S(y)``, while ``P(x | y)`` stays. A classifier trained on the
source then only needs its probabilities re-weighted by
``w_y = P_T(y) / P_S(y)`` (Bayes' rule), and ``w`` can be estimated from the
classifier's own outputs on the unlabeled target rows:

- **BBSE** (Lipton et al. 2018, black-box shift estimation): the joint
  ``C[i, j] = P_S(prediction = i, y = j)`` measured on labelled source rows
  the classifier was not trained on, and ``mu[i] = P_T(prediction = i)`` on
  the target rows, satisfy ``C w = mu``; hard predictions (``"bbse"``) or
  probabilities (``"bbse-soft"``).
- **MLLS** (Saerens et al. 2002): the maximum-likelihood priors, by EM over
  the target rows' probabilities; it needs calibrated probabilities.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils.validation import check_array, column_or_1d

from ._compat import Interval, StrOptions, validate_params

__all__ = ["estimate_target_priors"]


def _bbse_weights(proba_source, y_source, proba_target, n_classes, hard):
    if hard:
        proba_source = np.eye(n_classes)[proba_source.argmax(axis=1)]
        proba_target = np.eye(n_classes)[proba_target.argmax(axis=1)]
    # C[i, j] = mean over source rows of [y = j] * f_i(x).
    joint = proba_source.T @ np.eye(n_classes)[y_source] / len(y_source)
    mu = proba_target.mean(axis=0)
    weights, *_ = np.linalg.lstsq(joint, mu, rcond=None)
    return np.clip(weights, 0.0, None)


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


@validate_params(
    {
        "proba_source": ["array-like"],
        "y_source": ["array-like"],
        "proba_target": ["array-like"],
        "method": [StrOptions({"mlls", "bbse", "bbse-soft"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def estimate_target_priors(
    proba_source, y_source, proba_target, *, method="mlls", max_iter=1000, tol=1e-8
):
    """Estimate the target's class priors from a classifier's probabilities.

    Parameters
    ----------
    proba_source : array-like of shape (n_source, n_classes)
        The classifier's probabilities on labelled source rows it was not
        trained on (a held-out split, or out-of-fold predictions).

    y_source : array-like of shape (n_source,)
        Their labels, encoded ``0 .. n_classes - 1`` as the columns.

    proba_target : array-like of shape (n_target, n_classes)
        The classifier's probabilities on the unlabeled target rows.

    method : {"mlls", "bbse", "bbse-soft"}, default="mlls"
        ``"mlls"``: EM on the target probabilities, from the source priors
        (the label frequencies of ``y_source``); ``"bbse"``: confusion-matrix
        inversion with hard predictions; ``"bbse-soft"``: with
        probabilities. BBSE's weights are clipped at zero before the priors
        are normalised.

    max_iter : int, default=1000
        EM iterations at most (``"mlls"``).

    tol : float, default=1e-8
        EM stops when no prior moves by more than ``tol``.

    Returns
    -------
    priors : ndarray of shape (n_classes,)
        Estimated ``P_T(y)``, non-negative, summing to one.

    References
    ----------
    M. Saerens, P. Latinne and C. Decaestecker, "Adjusting the outputs of a
    classifier to new a priori probabilities", Neural Computation, 2002.
    Z. Lipton, Y.-X. Wang and A. Smola, "Detecting and correcting for label
    shift with black box predictors", ICML 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.label_shift import estimate_target_priors
    >>> proba_source = np.array([[0.9, 0.1], [0.2, 0.8], [0.8, 0.2], [0.1, 0.9]])
    >>> y_source = np.array([0, 1, 0, 1])
    >>> proba_target = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [0.2, 0.8]])
    >>> estimate_target_priors(proba_source, y_source, proba_target).round(2)
    array([0.91, 0.09])
    """
    proba_source = check_array(proba_source, input_name="proba_source")
    proba_target = check_array(proba_target, input_name="proba_target")
    y_source = column_or_1d(y_source)
    n_classes = proba_source.shape[1]
    if proba_target.shape[1] != n_classes or len(y_source) != len(proba_source):
        raise ValueError(
            "proba_source and proba_target need one column per class, and "
            f"y_source one label per source row; got shapes {proba_source.shape}, "
            f"{proba_target.shape} and {y_source.shape}."
        )
    if not np.issubdtype(y_source.dtype, np.integer) or (
        y_source.min() < 0 or y_source.max() >= n_classes
    ):
        raise ValueError(
            f"y_source must hold the class indices 0 .. {n_classes - 1} of the "
            "probability columns."
        )
    source_priors = np.bincount(y_source, minlength=n_classes) / len(y_source)
    if method == "mlls":
        if np.any(source_priors == 0):
            raise ValueError(
                "Every class needs labelled source rows for MLLS; classes "
                f"{np.flatnonzero(source_priors == 0).tolist()} have none."
            )
        return _mlls_priors(proba_target, source_priors, max_iter, tol)
    weights = _bbse_weights(
        proba_source, y_source, proba_target, n_classes, hard=method == "bbse"
    )
    priors = weights * source_priors
    return priors / priors.sum()

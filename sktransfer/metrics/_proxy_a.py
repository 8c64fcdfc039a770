"""Proxy A-distance: how well a classifier tells the two domains apart."""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from .._compat import HasMethods, Interval, validate_params
from ._samples import _check_pair


@validate_params(
    {
        "X_source": ["array-like"],
        "X_target": ["array-like"],
        "estimator": [HasMethods(["fit", "predict"]), None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=False,
)
def proxy_a_distance(X_source, X_target, *, estimator=None, cv=5, random_state=None):
    """Proxy A-distance of Ben-David et al.: how separable the two domains are.

    A classifier learns to tell source rows from target rows; its balanced
    error ``err`` is measured out of sample by stratified ``cv``-fold
    cross-validation, and the distance is ``2 (1 - 2 err)``: ``0`` when the
    domains cannot be told apart (chance, ``err = 0.5``), ``2`` when they are
    perfectly separable. The balanced error keeps unequal sample sizes from
    passing for separability; an error above chance counts as chance.

    Parameters
    ----------
    X_source : array-like of shape (n_source, n_features) or (n_source, ...)
        Source sample.

    X_target : array-like of shape (n_target, n_features) or (n_target, ...)
        Target sample.

    estimator : classifier, default=None
        The domain classifier. Default: standardisation then
        :class:`~sklearn.linear_model.LogisticRegression`, a linear classifier
        as in Ben-David et al.

    cv : int, default=5
        Number of stratified folds.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds.

    Returns
    -------
    distance : float
        The proxy A-distance, in ``[0, 2]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.metrics import proxy_a_distance
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.normal(size=(200, 2))
    >>> proxy_a_distance(Xs, Xs + 3.0, random_state=0) > 1.9
    True
    """
    X_source, X_target = _check_pair(X_source, X_target)
    smallest = min(X_source.shape[0], X_target.shape[0])
    if smallest < cv:
        # Stratified folds need a row of each domain in every fold.
        raise ValueError(
            f"proxy_a_distance cross-validates its domain classifier over cv={cv} "
            f"stratified folds, which needs at least {cv} rows in X_source and in "
            f"X_target; got {X_source.shape[0]} and {X_target.shape[0]}. Lower "
            "cv (at least 2) or give more rows."
        )
    if estimator is None:
        estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    X = np.concatenate([X_source, X_target])
    is_target = np.r_[np.zeros(X_source.shape[0], int), np.ones(X_target.shape[0], int)]
    folds = StratifiedKFold(cv, shuffle=True, random_state=random_state)
    predicted = cross_val_predict(clone(estimator), X, is_target, cv=folds)
    error = min(1.0 - balanced_accuracy_score(is_target, predicted), 0.5)
    return 2.0 * (1.0 - 2.0 * error)

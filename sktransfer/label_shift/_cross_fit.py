"""Held-out probabilities of the source rows and of the target rows.

Every label-shift estimator compares the classifier's outputs on labelled
source rows it was not trained on with its outputs on the target rows. With
``k`` folds, each fold's model predicts its held-out source rows and a share
of the target rows dealt to it in the same proportion: the two sides then
come from the same mixture of models, so ``C w = mu`` holds for the pooled
counts and a permutation of the domains within each fold keeps the level of
:func:`label_shift_test`.
"""

from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold, check_cv
from sklearn.utils import check_random_state

from .._compat import _check_method_params, _safe_indexing

_DEFAULT_FOLDS = 5


def _fit_fold(estimator, X, y, train, fit_params):
    params = _check_method_params(X, fit_params, indices=train)
    return clone(estimator).fit(_safe_indexing(X, train), y[train], **params)


def _splitter(cv, y, rng):
    if cv is None:
        cv = _DEFAULT_FOLDS
    if isinstance(cv, Integral):
        # Labelled tables are often sorted by class: shuffle within classes.
        seed = rng.randint(np.iinfo(np.int32).max)
        return StratifiedKFold(cv, shuffle=True, random_state=seed)
    return check_cv(cv, y, classifier=True)


def _check_folds(folds, y_index, classes):
    """Refuse folds that cannot give every row one held-out prediction.

    Checked before any fold is fitted: each training fold must hold every
    class (its model must know all of them), and each source row must be
    held out exactly once.
    """
    for k, (train, _) in enumerate(folds):
        missing = np.setdiff1d(np.arange(classes.size), y_index[train])
        if missing.size:
            raise ValueError(
                f"The training rows of fold {k} hold no row of the classes "
                f"{classes[missing].tolist()} of {classes.tolist()}: every class "
                "needs source rows in every training fold. Use fewer folds (cv) "
                "or more source rows."
            )
    times = np.bincount(
        np.concatenate([test for _, test in folds]), minlength=y_index.size
    )
    if np.any(times != 1):
        raise ValueError(
            "The folds of cv must hold out every labelled source row exactly "
            f"once; {int(np.sum(times == 0))} rows are never held out and "
            f"{int(np.sum(times > 1))} more than once."
        )


def cross_fit_proba(
    estimator, X_source, y_source, X_target, *, cv, fit_params, n_jobs, random_state
):
    """Held-out probabilities of every source row and cross-fitted target rows.

    Parameters
    ----------
    estimator : classifier
        Unfitted; cloned for each fold.

    X_source, y_source : arrays
        The labelled source rows (an array, a sparse matrix or a DataFrame);
        ``y_source`` holds the original labels.

    X_target : array
        The target rows, of the same kind; possibly empty.

    cv : int, cross-validation generator, iterable or None
        Folds of the source rows; an int means stratified, shuffled folds.

    fit_params : dict
        Metadata of ``estimator.fit``, one entry per source row for arrays.

    n_jobs : int or None
        Folds fitted in parallel with joblib.

    random_state : int, RandomState instance or None
        Shuffles the folds and deals the target rows.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
    y_index : ndarray of shape (n_source,)
        The source labels as indices into ``classes``.
    proba_source : ndarray of shape (n_source, n_classes)
    proba_target : ndarray of shape (n_target, n_classes)
    fold_source, fold_target : ndarray of int
        The fold that predicted each source and each target row.
    """
    rng = check_random_state(random_state)
    classes, y_index = np.unique(y_source, return_inverse=True)
    folds = list(_splitter(cv, y_source, rng).split(X_source, y_source))
    _check_folds(folds, y_index, classes)
    n_source, n_target = len(y_source), X_target.shape[0]
    held_out = np.array([len(test) for _, test in folds])
    cuts = np.round(np.cumsum(held_out)[:-1] / held_out.sum() * n_target)
    target_parts = np.split(rng.permutation(n_target), cuts.astype(int))

    models = Parallel(n_jobs=n_jobs)(
        delayed(_fit_fold)(estimator, X_source, y_source, train, fit_params)
        for train, _ in folds
    )
    proba_source = np.empty((n_source, len(classes)))
    proba_target = np.empty((n_target, len(classes)))
    fold_source = np.empty(n_source, dtype=int)
    fold_target = np.empty(n_target, dtype=int)
    for k, (model, (_, test), part) in enumerate(
        zip(models, folds, target_parts, strict=True)
    ):
        # Every training fold holds every class, so only a model that fit
        # does not refit (a FrozenEstimator) can know other classes.
        if not np.array_equal(model.classes_, classes):
            raise ValueError(
                f"The model of fold {k} knows the classes {model.classes_.tolist()}"
                f" and the source rows hold {classes.tolist()}: a classifier "
                "fitted elsewhere must have been fitted on the same classes."
            )
        proba_source[test] = model.predict_proba(_safe_indexing(X_source, test))
        fold_source[test] = k
        if part.size:
            proba_target[part] = model.predict_proba(_safe_indexing(X_target, part))
        fold_target[part] = k
    return classes, y_index, proba_source, proba_target, fold_source, fold_target

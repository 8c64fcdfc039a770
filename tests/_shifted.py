"""Shifted data whose scored target rows no fit sees, for tests of the methods."""

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sktransfer.datasets import make_biased_selection, make_digits_shift


def held_out_task(name, bias, seed):
    """A biased-selection table split into fitted rows and scored target rows.

    The target rows are split in two halves, stratified by label: the fits
    read the features of one (unlabeled), the score the labels of the other.

    Returns
    -------
    X_fit, y_fit, sample_domain_fit, X_scored, y_scored : ndarrays
        ``y_fit`` carries -1 on the target rows.
    """
    data = make_biased_selection(name, bias=bias, random_state=seed)
    X = StandardScaler().fit_transform(data.X)
    y, sd = data.y, data.sample_domain
    target = np.flatnonzero(sd < 0)
    seen, scored = train_test_split(
        target, test_size=0.5, stratify=y[target], random_state=seed
    )
    fit_rows = np.r_[np.flatnonzero(sd > 0), seen]
    y_fit = np.where(sd < 0, -1, y)
    return X[fit_rows], y_fit[fit_rows], sd[fit_rows], X[scored], y[scored]


def held_out_digits(seed):
    """MNIST -> MNIST-M: 800 source images, 800 target images to fit on, 600 to score.

    Returns
    -------
    X, y, sample_domain, fit, test : ndarrays
        All 2,200 rows; ``fit`` indexes the source rows and the fitted
        target rows (their labels are never read by unsupervised methods),
        ``test`` the other target rows, drawn at random and stratified.
    """
    data = make_digits_shift(
        "mnist", "mnist_m", n_source=800, n_target=1400, random_state=seed
    )
    X, y, sd = data.X, data.y, data.sample_domain
    target = np.flatnonzero(sd < 0)
    fit_target, test = train_test_split(
        target, train_size=800, stratify=y[target], random_state=seed
    )
    return X, y, sd, np.r_[np.flatnonzero(sd > 0), fit_target], test


def few_labels_task(task, n_target_labeled, seed, n_source=400, n_test=600):
    """A source and a target whose concept differs, a few target rows labelled.

    Ten features. Classification: the target's boundary is rotated by 60
    degrees from the source's in the plane of the first two features;
    regression: the target's level is 2 higher and its second slope halved.
    The test rows are target rows no fit sees, drawn at random (stratified
    for classification).

    Returns
    -------
    X, y, sample_domain, X_test, y_test
        ``y`` carries -1 (NaN) on the unlabeled target rows.
    """
    rng = np.random.RandomState(seed)
    n_target = n_target_labeled + 200 + n_test
    X_source = rng.normal(size=(n_source, 10))
    X_target = rng.normal(size=(n_target, 10))
    shared = np.linspace(1.0, -1.0, 8)
    if task == "classification":
        angle = np.pi / 3
        w_source = np.r_[2.0, 0.0, shared]
        w_target = np.r_[2 * np.cos(angle), 2 * np.sin(angle), shared]
        # Labels drawn from a logistic model: no boundary is exact.
        y_source = rng.rand(n_source) < 1 / (1 + np.exp(-2 * X_source @ w_source))
        y_target = rng.rand(n_target) < 1 / (1 + np.exp(-2 * X_target @ w_target))
        y_source, y_target = y_source.astype(int), y_target.astype(int)
        stratify = y_target
    else:
        w_source = np.r_[1.0, 1.0, shared]
        w_target = np.r_[1.0, 0.5, shared]
        y_source = X_source @ w_source + 0.3 * rng.normal(size=n_source)
        y_target = X_target @ w_target + 2.0 + 0.3 * rng.normal(size=n_target)
        stratify = None
    fit, test = train_test_split(
        np.arange(n_target), test_size=n_test, stratify=stratify, random_state=seed
    )
    labelled, unlabeled = train_test_split(
        fit,
        train_size=n_target_labeled,
        stratify=None if stratify is None else stratify[fit],
        random_state=seed,
    )
    missing = -1 if task == "classification" else np.nan
    X = np.vstack([X_source, X_target[labelled], X_target[unlabeled]])
    y = np.r_[y_source, y_target[labelled], np.full(unlabeled.size, missing)]
    sample_domain = np.r_[
        np.ones(n_source, int), -np.ones(labelled.size + unlabeled.size, int)
    ]
    return X, y, sample_domain, X_target[test], y_target[test]

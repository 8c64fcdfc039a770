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

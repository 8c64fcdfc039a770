"""Shifted tables for tests: held-out target rows, and a regression shift."""

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sktransfer.datasets import make_biased_selection


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


def nuisance_shift(n_source, n_target, seed):
    """y = sin(2 x_0); four nuisance features, three times wider in the target.

    A covariate shift that per-domain standardisation does not undo: a unit
    mixing x_0 with the nuisance features is mostly x_0 in the source and
    mostly nuisance in the target, unless the features learn to ignore them.
    """
    rng = np.random.RandomState(seed)
    X, y = [], []
    for n, nuisance in ((n_source, 0.3), (n_target, 1.0)):
        x0 = rng.normal(size=(n, 1))
        X.append(np.hstack([x0, rng.normal(scale=nuisance, size=(n, 4))]))
        y.append(np.sin(2 * x0[:, 0]) + 0.1 * rng.normal(size=n))
    sd = np.r_[np.ones(n_source, dtype=int), -np.ones(n_target, dtype=int)]
    return np.vstack(X).astype(np.float32), np.concatenate(y), sd

"""The draws of the biased-selection benchmarks, split as their figures need.

``reweighting.py`` and ``adaptation_defaults.py`` measure weighters and
aligners on :func:`sktransfer.datasets.make_biased_selection` the same way:
each draw's target rows are split at random, stratified by label, into an
adaptation half, which the weighters and aligners are fitted on without its
labels, and a test half, which only scores; the features are standardised on
the source rows and the adaptation half, so that no fit sees a test row.
"""

from dataclasses import dataclass

import numpy as np
from _report import progress
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler

from sktransfer.datasets import make_biased_selection

# The defaults of the weighters and aligners are chosen on the selection
# seeds (adaptation_defaults.py); every figure is reported on the report
# seeds, which never meet them.
SELECTION_FIRST_SEED = 100
REPORT_FIRST_SEED = 0
# The logistic regression's C is chosen per draw by cross-validation on the
# labelled source rows, as a user without target labels would.
C_GRID = (0.01, 0.1, 1.0, 10.0)


def draws(params, first_seed, n_seeds):
    """``(seed, data)`` of the first ``n_seeds`` usable draws from ``first_seed``.

    A strong selection can keep fewer than ``min_source_per_class`` rows of
    a class in the source; such a seed is skipped and the next one drawn.
    """
    seed = first_seed
    while n_seeds:
        try:
            data = make_biased_selection(**params, random_state=seed)
        except ValueError as error:
            progress(f"seed {seed} skipped: {error}")
        else:
            yield seed, data
            n_seeds -= 1
        seed += 1


def seed_ranges(seeds):
    """``[0, 1, 2, 5]`` as ``"0-2, 5"``."""
    seeds = sorted(seeds)
    runs, start = [], seeds[0]
    for previous, seed in zip(seeds, [*seeds[1:], None], strict=True):
        if seed != previous + 1:
            runs.append(f"{start}" if start == previous else f"{start}-{previous}")
            start = seed
    return ", ".join(runs)


@dataclass(frozen=True)
class Split:
    """One draw, split into the rows the fits see and the rows that score.

    Attributes
    ----------
    X, y, sample_domain : ndarray
        The rows every fit sees: the source rows, then the adaptation half
        of the target rows, whose labels in ``y`` are -1.
    X_test, y_test : ndarray
        The test half of the target rows, read only to score.
    y_adaptation : ndarray
        The labels of the adaptation half, in the order of its rows in
        ``X``: read only by the "train on target" reference.
    """

    X: np.ndarray
    y: np.ndarray
    sample_domain: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    y_adaptation: np.ndarray


def split(data, seed):
    """Split a draw's target rows in halves, stratified by label; standardise."""
    sd = data.sample_domain
    target = np.flatnonzero(sd < 0)
    adaptation, test = train_test_split(
        target, test_size=0.5, stratify=data.y[target], random_state=seed
    )
    fit = np.r_[np.flatnonzero(sd > 0), adaptation]
    scaler = StandardScaler().fit(data.X[fit])
    return Split(
        X=scaler.transform(data.X[fit]),
        y=np.where(sd[fit] < 0, -1, data.y[fit]),
        sample_domain=sd[fit],
        X_test=scaler.transform(data.X[test]),
        y_test=data.y[test],
        y_adaptation=data.y[adaptation],
    )


def source_search(draw, seed):
    """A logistic regression, its C chosen by 5-fold CV on the source rows."""
    source = draw.sample_domain > 0
    return GridSearchCV(
        LogisticRegression(max_iter=5000),
        {"C": C_GRID},
        cv=StratifiedKFold(5, shuffle=True, random_state=seed),
    ).fit(draw.X[source], draw.y[source])

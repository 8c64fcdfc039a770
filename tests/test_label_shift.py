"""Target priors under label shift: BBSE and MLLS against hand computations."""

import numpy as np
import pytest
from scipy.stats import norm

from sktransfer.label_shift import estimate_target_priors


def test_bbse_inverts_a_known_confusion_matrix():
    # Hard predictions on 10 source rows: class 0 predicted right 4 times of
    # 5, class 1 right 3 times of 5, so C = [[0.4, 0.2], [0.1, 0.3]].
    y_source = np.array([0] * 5 + [1] * 5)
    predicted = np.array([0, 0, 0, 0, 1, 0, 0, 1, 1, 1])
    proba_source = np.eye(2)[predicted]
    # 70% of the target rows predicted 0: C w = (0.7, 0.3).
    proba_target = np.eye(2)[[0] * 7 + [1] * 3]
    w = np.linalg.solve([[0.4, 0.2], [0.1, 0.3]], [0.7, 0.3])
    expected = w * 0.5 / (w * 0.5).sum()
    for method in ("bbse", "bbse-soft"):
        priors = estimate_target_priors(
            proba_source, y_source, proba_target, method=method
        )
        np.testing.assert_allclose(priors, expected, rtol=1e-12)


def test_one_em_step_is_bayes_rule_averaged_over_the_target():
    proba_source = np.array(
        [[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.6, 0.3, 0.1]]
    )
    y_source = np.array([0, 1, 2, 0])
    proba_target = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    # From the source priors (0.5, 0.25, 0.25), the first step leaves each
    # row's probabilities as they are: the new priors are their mean.
    priors = estimate_target_priors(proba_source, y_source, proba_target, max_iter=1)
    np.testing.assert_allclose(priors, proba_target.mean(axis=0), rtol=1e-12)
    # The second step re-weights by (priors / source priors) and averages.
    ratio = proba_target.mean(axis=0) / np.array([0.5, 0.25, 0.25])
    adjusted = proba_target * ratio
    adjusted /= adjusted.sum(axis=1, keepdims=True)
    two = estimate_target_priors(proba_source, y_source, proba_target, max_iter=2)
    np.testing.assert_allclose(two, adjusted.mean(axis=0), rtol=1e-12)


def _gaussian_classes(priors, n, rng):
    """x ~ N(2 y, 1) for three classes; the exact posterior under ``priors``."""
    y = rng.choice(3, size=n, p=priors)
    x = rng.normal(loc=2.0 * y)
    return x, y


def _posterior(x, priors):
    likelihood = norm.pdf(x[:, None], loc=2.0 * np.arange(3))
    joint = likelihood * priors
    return joint / joint.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("method", ["mlls", "bbse", "bbse-soft"])
def test_calibrated_probabilities_recover_the_target_priors(method):
    rng = np.random.RandomState(0)
    source_priors = np.array([1 / 3, 1 / 3, 1 / 3])
    target_priors = np.array([0.7, 0.2, 0.1])
    x_s, y_s = _gaussian_classes(source_priors, 20_000, rng)
    x_t, _ = _gaussian_classes(target_priors, 20_000, rng)
    # The Bayes classifier of the source: calibrated there by construction.
    priors = estimate_target_priors(
        _posterior(x_s, source_priors),
        y_s,
        _posterior(x_t, source_priors),
        method=method,
    )
    assert priors.sum() == pytest.approx(1.0)
    # Sampling error of 20,000 rows and the estimators' variance: a few
    # hundredths at most.
    np.testing.assert_allclose(priors, target_priors, atol=0.03)


def test_labels_must_index_the_columns():
    with pytest.raises(ValueError, match="class indices 0 .. 1"):
        estimate_target_priors(np.eye(2), np.array([0, 2]), np.eye(2))
    with pytest.raises(ValueError, match="Every class needs labelled source rows"):
        estimate_target_priors(np.eye(2), np.array([0, 0]), np.eye(2))

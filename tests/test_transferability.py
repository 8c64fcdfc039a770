"""The transferability curve and its display."""

import matplotlib
import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from sktransfer.deep import (
    DeepFeatureTransformer,
    FineTunedClassifier,
    TransferabilityCurveDisplay,
    transferability_curve,
)

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    # load_digits runs through the classes in order: draw the rows at random,
    # every class in its share.
    X, _, y, _ = train_test_split(X, y, train_size=400, stratify=y, random_state=0)
    return (X / 16).astype(np.float32), y


def _net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 4), nn.Tanh())


def test_scores_are_those_of_each_layer_on_the_same_folds(digits):
    X, y = digits
    folds = KFold(3, shuffle=True, random_state=0)
    curve = transferability_curve(_net(), X, y, layers=["1", "3"], cv=folds)
    assert curve.layers == ["1", "3"]
    assert curve.fine_tune_scores is None
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    for layer, scores in zip(curve.layers, curve.feature_scores, strict=True):
        features = DeepFeatureTransformer(_net(), layer=layer).fit_transform(X)
        np.testing.assert_array_equal(
            scores, cross_val_score(model, features, y, cv=folds)
        )
    # 32 random tanh features keep more of the digits than 4 do.
    assert curve.feature_scores[0].mean() > curve.feature_scores[1].mean() + 0.2


def test_fine_tuning_from_each_cut(digits):
    X, y = digits
    template = FineTunedClassifier(
        None, lr=0.01, max_epochs=20, early_stopping=False, random_state=0, verbose=0
    )
    curve = transferability_curve(
        _net(), X, y, layers=["1", "3"], fine_tune=template, cv=3
    )
    assert curve.fine_tune_scores.shape == (2, 3)
    # Fine-tuning trains the body too: from the 4-unit cut it beats the
    # frozen random features.
    assert curve.fine_tune_scores[1].mean() > curve.feature_scores[1].mean()


def test_regression_targets_get_a_ridge():
    X = np.random.default_rng(0).normal(size=(60, 5)).astype(np.float32)
    y = X @ np.arange(5.0)
    curve = transferability_curve(nn.Sequential(nn.Identity()), X, y, layers=["0"])
    assert curve.feature_scores.mean() > 0.99


def test_display_draws_one_line_per_curve(digits):
    X, y = digits
    display = TransferabilityCurveDisplay.from_network(
        _net(), X, y, layers=["1", "3"], cv=3, score_name="Accuracy"
    )
    assert len(display.lines_) == 1
    assert display.ax_.get_ylabel() == "Accuracy"
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["1", "3"]
    np.testing.assert_allclose(
        display.lines_[0].get_ydata(), display.feature_scores.mean(axis=1)
    )
    both = TransferabilityCurveDisplay(
        layers=["a", "b"],
        feature_scores=np.ones((2, 3)),
        fine_tune_scores=np.zeros((2, 3)),
    ).plot(ax=display.ax_)
    assert both.figure_ is display.figure_
    assert len(both.lines_) == 2

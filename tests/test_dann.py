"""DANN: gradient reversal, the adaptation factor, and a real shift closed."""

import numpy as np
import pytest
import torch
from torch import nn

from sktransfer.datasets import make_biased_selection, make_digits_shift
from sktransfer.deep import DANNClassifier, DANNModule, DANNRegressor, gradient_reversal
from sktransfer.deep._modules import lambda_schedule


@pytest.mark.parametrize("coefficient", [0.0, 0.5, 2.0])
def test_gradient_reversal_flips_and_scales_gradients_exactly(coefficient):
    x = torch.randn(5, 3, requires_grad=True)
    weights = torch.randn(5, 3)
    out = gradient_reversal(x, coefficient)
    assert torch.equal(out, x)
    (out * weights).sum().backward()
    assert torch.equal(x.grad, -coefficient * weights)


def test_lambda_schedule():
    assert lambda_schedule(0.0) == 0.0
    assert lambda_schedule(1.0) == pytest.approx(2 / (1 + np.exp(-10)) - 1)
    assert lambda_schedule(0.5, gamma=1.0) == pytest.approx(2 / (1 + np.exp(-0.5)) - 1)


def test_at_lambda_zero_the_features_see_only_the_label_loss():
    torch.manual_seed(0)
    module = DANNModule((4,), 3, split_domains=False)
    X, y = torch.randn(16, 4), torch.randint(3, (16,))
    domain = (torch.arange(16) % 2).float()

    def feature_gradients(with_domain_loss):
        module.zero_grad()
        module.reversal.coefficient = 0.0
        label_output, domain_logit = module(X, domain)
        loss = nn.functional.cross_entropy(label_output, y)
        if with_domain_loss:
            loss = loss + nn.functional.binary_cross_entropy_with_logits(
                domain_logit, domain
            )
        loss.backward()
        return [p.grad.clone() for p in module.feature_extractor.parameters()]

    for with_domain, without in zip(
        feature_gradients(True), feature_gradients(False), strict=True
    ):
        assert torch.equal(with_domain, without)


@pytest.fixture(scope="module")
def digits_pair():
    data = make_digits_shift(
        "mnist", "mnist_m", n_source=300, n_target=300, random_state=0
    )
    return data.X, data.y, data.sample_domain


def test_target_labels_never_influence_the_fit(digits_pair):
    X, y, sd = digits_pair
    y_permuted = y.copy()
    target = np.flatnonzero(sd < 0)
    y_permuted[target] = np.random.RandomState(0).permutation(y[target])
    predictions = []
    for labels in (y, y_permuted):
        torch.manual_seed(0)
        net = DANNClassifier(max_epochs=2, verbose=0).fit(X, labels, sample_domain=sd)
        predictions.append(net.predict_proba(X))
    np.testing.assert_array_equal(*predictions)


def test_history_records_the_losses_and_domain_accuracy(digits_pair):
    X, y, sd = digits_pair
    torch.manual_seed(0)
    net = DANNClassifier(max_epochs=2, verbose=0).fit(X, y, sample_domain=sd)
    for key in ("label_loss", "domain_loss", "domain_acc", "train_loss"):
        assert len(net.history[:, key]) == 2
    assert 0.0 <= net.history[-1, "domain_acc"] <= 1.0
    np.testing.assert_array_equal(net.classes_, np.arange(10))


def test_dann_beats_the_same_network_trained_source_only():
    gains = []
    for seed in range(3):
        data = make_digits_shift(
            "mnist", "mnist_m", n_source=800, n_target=800, random_state=seed
        )
        X, y, sd = data.X, data.y, data.sample_domain
        target = sd < 0
        scores = []
        for lambda_max in (0.0, 1.0):
            torch.manual_seed(seed)
            net = DANNClassifier(max_epochs=6, lambda_max=lambda_max, verbose=0)
            scores.append(net.fit(X, y, sample_domain=sd).score(X[target], y[target]))
        gains.append(scores[1] - scores[0])
    assert np.mean(gains) > 0.01


def test_string_labels_and_a_validation_split(digits_pair):
    from skorch.dataset import ValidSplit

    X, y, sd = digits_pair
    names = np.array([f"digit {k}" for k in range(10)])[y]
    torch.manual_seed(0)
    net = DANNClassifier(max_epochs=2, train_split=ValidSplit(4), verbose=0)
    net.fit(X, names, sample_domain=sd)
    assert set(net.predict(X)) <= set(names)
    assert np.isfinite(net.history[-1, "valid_loss"])


def test_regressor_on_a_tabular_shift():
    data = make_biased_selection("diabetes", bias=2.0, random_state=0)
    X = (data.X - data.X.mean(0)) / data.X.std(0)
    y = (data.y - data.y.mean()) / data.y.std()
    torch.manual_seed(0)
    reg = DANNRegressor(max_epochs=20, verbose=0).fit(
        X, y, sample_domain=data.sample_domain
    )
    target = data.sample_domain < 0
    assert reg.predict(X).shape == (len(X),)
    assert reg.score(X[target], y[target]) > 0.2


def test_a_custom_feature_extractor_without_width_needs_heads(digits_pair):
    X, y, sd = digits_pair
    extractor = nn.Sequential(nn.Flatten(), nn.Linear(3 * 28 * 28, 16))
    net = DANNClassifier(module__feature_extractor=extractor, max_epochs=1, verbose=0)
    with pytest.raises(ValueError, match="needs an n_outputs attribute"):
        net.fit(X, y, sample_domain=sd)
    net.set_params(
        module__label_predictor=nn.Linear(16, 10),
        module__domain_classifier=nn.Linear(16, 1),
    )
    assert net.fit(X, y, sample_domain=sd).predict(X[:2]).shape == (2,)


def test_learning_rate_annealing_follows_the_paper(digits_pair):
    X, y, sd = digits_pair
    net = DANNClassifier(
        max_epochs=2, lr=0.01, lr_annealing=True, random_state=0, verbose=0
    )
    net.fit(X, y, sample_domain=sd)
    # 600 rows in batches of 64: 10 steps an epoch; the last ran at 19/20.
    steps = 2 * int(np.ceil(len(X) / 64))
    expected = 0.01 / (1 + 10 * (steps - 1) / steps) ** 0.75
    assert net.optimizer_.param_groups[0]["lr"] == pytest.approx(expected)
    assert net.module_.reversal.coefficient == pytest.approx(
        lambda_schedule((steps - 1) / steps)
    )

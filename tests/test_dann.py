"""DANN: gradient reversal, the adaptation factor, and a real shift closed."""

import copy

import numpy as np
import pytest
import torch
from _shifted import held_out_digits
from torch import nn

from sktransfer.datasets import make_digits_shift, make_nuisance_shift
from sktransfer.deep import DANNClassifier, DANNModule, DANNRegressor, gradient_reversal
from sktransfer.deep._modules import MLPFeatures, lambda_schedule
from sktransfer.exceptions import NoTargetDomainWarning


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


def _statistics_at_each_batch_norm(extractor, X):
    """AdaBN's statistics of rows X, computed apart from torch's batch norm.

    Per batch-norm layer, the mean and the unbiased variance (what torch's
    ``running_var`` holds) of its input over every row, and per channel over
    the image positions too, the layers below normalising with X's own
    statistics. In float64.
    """
    x = torch.as_tensor(X, dtype=torch.float64)
    statistics = []
    with torch.no_grad():
        for layer in copy.deepcopy(extractor).double():
            if not isinstance(layer, nn.modules.batchnorm._BatchNorm):
                x = layer(x)
                continue
            dims = [0, *range(2, x.dim())]
            n = x.numel() // x.shape[1]
            mean, var = x.mean(dims), x.var(dims, unbiased=False)
            statistics.append((mean, var * n / (n - 1)))
            shape = [1, -1] + [1] * (x.dim() - 2)
            x = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + layer.eps)
            x = x * layer.weight.view(shape) + layer.bias.view(shape)
    return statistics


@pytest.mark.parametrize(
    ("batch_size", "rtol"),
    [
        # The 150 target rows in one pass: the statistics up to float32.
        (256, 1e-4),
        # Three passes of 50 rows: torch's cumulative average of per-pass
        # means and variances, measured within 0.5% of the one-pass values;
        # the source's differ from the target's by 30% and more.
        (64, 0.02),
    ],
)
def test_adabn_running_statistics_are_those_of_the_target_rows(
    digits_pair, batch_size, rtol
):
    X, y, sd = digits_pair
    rows = np.r_[np.flatnonzero(sd > 0)[:150], np.flatnonzero(sd < 0)[:150]]
    X, y, sd = X[rows], y[rows], sd[rows]
    net = DANNClassifier(
        max_epochs=1, batch_size=batch_size, random_state=0, verbose=0
    ).fit(X, y, sample_domain=sd)
    extractor = net.module_.feature_extractor
    norms = [m for m in extractor if isinstance(m, nn.BatchNorm2d)]
    target = _statistics_at_each_batch_norm(extractor, X[sd < 0])
    source = _statistics_at_each_batch_norm(extractor, X[sd > 0])
    assert len(norms) == len(target) == 2
    for norm, (mean, var), (source_mean, source_var) in zip(
        norms, target, source, strict=True
    ):
        running = {"mean": norm.running_mean.double(), "var": norm.running_var.double()}
        for key, expected, other in [
            ("mean", mean, source_mean),
            ("var", var, source_var),
        ]:
            # Means near zero: the tolerance is relative to the largest one.
            atol = rtol * expected.abs().max().item()
            torch.testing.assert_close(running[key], expected, rtol=rtol, atol=atol)
            # The source rows' statistics lie far outside that tolerance.
            assert not torch.allclose(other, expected, rtol=10 * rtol, atol=10 * atol)


def test_adabn_re_estimates_batch_norm_in_the_heads_without_dropout():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4)).astype(np.float32)
    sd = np.where(np.arange(200) < 100, 1, -1)
    X[sd < 0] = 2.0 * X[sd < 0] + 3.0
    y = (X[:, 0] > 0).astype(int)
    head = nn.Sequential(
        nn.Linear(100, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2)
    )
    net = DANNClassifier(
        module__feature_extractor=MLPFeatures(4, dropout=0.5),
        module__label_predictor=head,
        max_epochs=3,
        batch_size=256,  # one pass over the 100 target rows
        random_state=0,
        verbose=0,
    ).fit(X, y, sample_domain=sd)
    # What the head's batch norm sees: the target rows through the adapted
    # feature extractor (its own batch norms on the target's statistics, its
    # dropout off), then the head's first layer.
    extractor = copy.deepcopy(net.module_.feature_extractor).eval()
    for module in extractor.modules():
        if isinstance(module, nn.BatchNorm1d):
            module.train()
    with torch.no_grad():
        hidden = net.module_.label_predictor[0](extractor(torch.as_tensor(X[sd < 0])))
    norm = net.module_.label_predictor[1]
    assert norm.num_batches_tracked.item() == 1
    torch.testing.assert_close(norm.running_mean, hidden.mean(0), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(norm.running_var, hidden.var(0), rtol=1e-4, atol=1e-5)


class _LinearBatchNorm(nn.Sequential):
    def __init__(self, n_features, width):
        super().__init__(nn.Linear(n_features, width), nn.BatchNorm1d(width))
        self.n_outputs = width


def test_in_training_each_domain_is_normalised_with_its_own_batch_statistics():
    torch.manual_seed(0)
    module = DANNModule(
        (3,), 2, feature_extractor=_LinearBatchNorm(3, 5), split_domains=True
    )
    linear, norm = module.feature_extractor
    with torch.no_grad():
        norm.weight.uniform_(0.5, 2.0)
        norm.bias.normal_()
    domain = torch.tensor([0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1], dtype=torch.float32)
    # The target rows are shifted and stretched: one shared normalisation
    # would leave each domain far from zero mean and unit variance.
    X = torch.randn(12, 3) * (1 + 3 * domain[:, None]) + 5 * domain[:, None]
    module.train()
    features = module.features(X, domain)
    with torch.no_grad():
        z = X.double() @ linear.weight.double().T + linear.bias.double()
        expected = torch.empty_like(z)
        for rows in (domain == 0, domain == 1):
            mean, var = z[rows].mean(0), z[rows].var(0, unbiased=False)
            expected[rows] = (z[rows] - mean) / torch.sqrt(var + norm.eps)
        expected = expected * norm.weight.double() + norm.bias.double()
    torch.testing.assert_close(features.double(), expected, rtol=1e-4, atol=1e-5)


def test_dann_beats_the_same_network_trained_source_only():
    gains = []
    for seed in range(3):
        # Scored on target rows the fit never saw, unlabeled ones included.
        X, y, sd, fit, test = held_out_digits(seed)
        torch.manual_seed(seed)
        dann = DANNClassifier(max_epochs=6, verbose=0)
        dann.fit(X[fit], y[fit], sample_domain=sd[fit])
        source = sd > 0
        torch.manual_seed(seed)
        with pytest.warns(NoTargetDomainWarning):
            source_only = DANNClassifier(max_epochs=6, verbose=0).fit(
                X[source], y[source], sample_domain=sd[source]
            )
        gains.append(dann.score(X[test], y[test]) - source_only.score(X[test], y[test]))
    # Measured on the 600 held-out target rows: +0.051 on average (0.62
    # against 0.57). With adapt_batchnorm doing nothing, +0.005; with
    # lambda_max=0 (per-domain batch norm and AdaBN alone), +0.008.
    assert np.mean(gains) > 0.03, gains


def test_string_labels_and_a_validation_split(digits_pair):
    from skorch.dataset import ValidSplit

    X, y, sd = digits_pair
    names = np.array([f"digit {k}" for k in range(10)])[y]
    torch.manual_seed(0)
    net = DANNClassifier(max_epochs=2, train_split=ValidSplit(4), verbose=0)
    net.fit(X, names, sample_domain=sd)
    assert set(net.predict(X)) <= set(names)
    assert np.isfinite(net.history[-1, "valid_loss"])


def test_regressor_adapts_where_the_same_network_without_adaptation_fails():
    gains = []
    for seed in range(3):
        X, y, sd = make_nuisance_shift(150, 300, return_X_y=True, random_state=seed)
        # Source and 150 target rows to fit; the other 150 target rows to score.
        fit, test = np.arange(300), np.arange(300, 450)
        scores = []
        for lambda_max in (0.0, 1.0):
            reg = DANNRegressor(
                lr=0.01,
                max_epochs=30,
                lambda_max=lambda_max,
                random_state=seed,
                verbose=0,
            ).fit(X[fit], y[fit], sample_domain=sd[fit])
            scores.append(reg.score(X[test], y[test]))
        gains.append(scores[1] - scores[0])
    assert reg.predict(X[test]).shape == (len(test),)
    # Measured: R^2 0.63 against 0.21 on average, +0.33 on the worst seed.
    # Not a general law: on make_biased_selection("diabetes"), where nothing
    # is to be ignored, DANN did no better than lambda_max=0.
    assert np.mean(gains) > 0.15, gains


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

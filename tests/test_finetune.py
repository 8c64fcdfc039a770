"""Fine-tuning: frozen layers stay frozen, learning rates per layer, early stopping."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_digits
from sklearn.model_selection import train_test_split
from skorch.callbacks import Callback
from torch import nn

from sktransfer.deep import FineTunedClassifier, FineTunedRegressor


def _body():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 8, 3),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.Conv2d(8, 16, 3),
        nn.BatchNorm2d(16),
        nn.ReLU(),
    )


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32).reshape(-1, 1, 8, 8), y


def _body_state(net):
    prefix = "body.module."
    return {
        key.removeprefix(prefix): value.clone()
        for key, value in net.module_.state_dict().items()
        if key.startswith(prefix)
    }


class _Snapshots(Callback):
    """The body's state at the end of every epoch."""

    def initialize(self):
        self.states = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.states.append(_body_state(net))


def test_frozen_body_stays_bit_identical_batchnorm_included(digits):
    X, y = digits
    X, X_test, y, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    body = _body()
    loaded = {key: value.clone() for key, value in body.state_dict().items()}
    net = FineTunedClassifier(
        body,
        freeze="body",
        lr=0.01,
        max_epochs=5,
        early_stopping=False,
        random_state=0,
        verbose=0,
    ).fit(X, y)
    after = _body_state(net)
    assert after.keys() == loaded.keys()
    for key, value in loaded.items():
        assert torch.equal(after[key], value), key
    # The head learned (chance is 0.1; measured 0.46 on the held-out digits),
    # and the module given was not touched.
    assert net.score(X_test, y_test) > 0.25
    for key, value in body.state_dict().items():
        assert torch.equal(value, loaded[key])


def test_freeze_patterns_select_parameters(digits):
    X, y = digits
    body = _body()
    net = FineTunedClassifier(
        body,
        freeze=["0.*", "1.*"],
        max_epochs=2,
        early_stopping=False,
        random_state=0,
        verbose=0,
    ).fit(X, y)
    after, loaded = _body_state(net), body.state_dict()
    # Frozen: the first convolution and its batch norm, running statistics too.
    for key in ("0.weight", "1.weight", "1.running_mean", "1.running_var"):
        assert torch.equal(after[key], loaded[key]), key
    for key in ("3.weight", "4.weight", "4.running_mean"):
        assert not torch.equal(after[key], loaded[key]), key


def test_batchnorm_statistics_follow_the_data_when_asked(digits):
    X, y = digits
    body = _body()
    net = FineTunedClassifier(
        body,
        freeze="body",
        freeze_batchnorm=False,
        max_epochs=1,
        early_stopping=False,
        verbose=0,
    ).fit(X, y)
    after = _body_state(net)
    assert torch.equal(after["0.weight"], body.state_dict()["0.weight"])
    assert not torch.equal(after["1.running_mean"], body.state_dict()["1.running_mean"])


def test_unfreeze_at_trains_everything_from_that_epoch(digits):
    X, y = digits
    body = _body()
    snapshots = _Snapshots()
    FineTunedClassifier(
        body,
        freeze="body",
        unfreeze_at=3,
        max_epochs=4,
        early_stopping=False,
        callbacks=[snapshots],
        verbose=0,
    ).fit(X, y)
    loaded = body.state_dict()
    for epoch, state in enumerate(snapshots.states, start=1):
        unchanged = torch.equal(state["0.weight"], loaded["0.weight"])
        assert unchanged == (epoch < 3), epoch


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"body_lr_scale": 0.1}, {"0": 0.1, "1": 0.1, "3": 0.1, "4": 0.1}),
        # Cut at "3": layers 0, 1, (2 has no parameters), 3 from the bottom.
        (
            {"layer": "3", "layer_decay": 0.5},
            {"0": 0.125, "1": 0.25, "3": 1.0, "4": 1.0},
        ),
        (
            {"body_lr_scale": 0.1, "layer_decay": 0.5},
            {"0": 0.1 * 0.5**5, "1": 0.1 * 0.5**4, "3": 0.1 * 0.5**2, "4": 0.05},
        ),
    ],
)
def test_learning_rates_per_layer(digits, params, expected):
    X, y = digits
    net = FineTunedClassifier(
        _body(), lr=0.01, max_epochs=1, early_stopping=False, verbose=0, **params
    ).fit(X, y)
    assert net.layer_lrs_ == pytest.approx({k: 0.01 * v for k, v in expected.items()})
    head_lr = {
        group["lr"]
        for group in net.optimizer_.param_groups
        for p in group["params"]
        if any(p is q for q in net.module_.head.parameters())
    }
    assert head_lr == {0.01}


def test_skorch_param_groups_are_scaled_too(digits):
    X, y = digits
    net = FineTunedClassifier(
        _body(),
        lr=0.01,
        body_lr_scale=0.5,
        optimizer__param_groups=[("body.module.0.*", {"lr": 0.004})],
        max_epochs=1,
        early_stopping=False,
        verbose=0,
    ).fit(X, y)
    assert net.layer_lrs_["0"] == pytest.approx(0.002)
    assert net.layer_lrs_["3"] == pytest.approx(0.005)


def test_early_stopping_restores_the_best_weights(digits):
    X, y = digits
    snapshots = _Snapshots()
    # A learning rate this high makes the validation loss go back up.
    net = FineTunedClassifier(
        _body(),
        lr=0.05,
        max_epochs=40,
        n_iter_no_change=3,
        callbacks=[snapshots],
        random_state=0,
        verbose=0,
    ).fit(X, y)
    valid_loss = net.history[:, "valid_loss"]
    best = int(np.argmin(valid_loss))
    assert len(valid_loss) < 40
    assert best == len(valid_loss) - 4
    final = _body_state(net)
    for key, value in snapshots.states[best].items():
        assert torch.equal(final[key], value), key


def test_bad_settings_are_refused(digits):
    X, y = digits
    with pytest.raises(ValueError, match="matches no parameter.*0.weight"):
        FineTunedClassifier(_body(), freeze="conv*").fit(X, y)
    with pytest.raises(ValueError, match="unfreeze_at needs freeze"):
        FineTunedClassifier(_body(), unfreeze_at=3).fit(X, y)
    with pytest.raises(ValueError, match="Unknown layer"):
        FineTunedClassifier(_body(), layer="7", early_stopping=False).fit(X, y)


def test_unlabeled_rows_are_left_out(digits):
    X, y = digits
    y_partial = y.copy()
    y_partial[::2] = -1
    kwargs = {"max_epochs": 2, "early_stopping": False, "random_state": 0, "verbose": 0}
    with_unlabeled = FineTunedClassifier(_body(), **kwargs).fit(X, y_partial)
    labelled_only = FineTunedClassifier(_body(), **kwargs).fit(X[1::2], y[1::2])
    np.testing.assert_array_equal(
        with_unlabeled.predict_proba(X), labelled_only.predict_proba(X)
    )


def _two_layer_head(n_inputs, n_outputs):
    return nn.Sequential(nn.Linear(n_inputs, 32), nn.ReLU(), nn.Linear(32, n_outputs))


def test_clone_pickle_and_custom_head(digits):
    X, y = digits
    net = FineTunedClassifier(
        _body(),
        layer="2",
        pooling="flatten",
        head=_two_layer_head,
        max_epochs=2,
        early_stopping=False,
        random_state=0,
        verbose=0,
    ).fit(X, y)
    assert net.module_.head[0].in_features == 8 * 6 * 6
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict(X), net.predict(X))
    refit = clone(net).fit(X, y)
    np.testing.assert_array_equal(refit.predict_proba(X), net.predict_proba(X))


def test_regressor_learns_through_a_frozen_random_body():
    X, y = load_diabetes(return_X_y=True)
    X = X.astype(np.float32) / X.std(axis=0).astype(np.float32)
    y = ((y - y.mean()) / y.std()).astype(np.float32)
    X, X_test, y, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    torch.manual_seed(0)
    body = nn.Sequential(nn.Linear(10, 64), nn.ReLU())
    net = FineTunedRegressor(
        body, freeze="body", lr=0.01, max_epochs=60, random_state=0, verbose=0
    ).fit(X, y)
    # On rows it did not see (predicting the mean scores 0). Measured: 0.32;
    # 0.51 on its training rows, 0.36 for a linear regression on this split.
    assert net.score(X_test, y_test) > 0.25
    assert not hasattr(net, "predict_proba")


def _small_cnn(seed):
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 64),
        nn.ReLU(),
    )


def test_fine_tuning_from_other_digits_beats_scratch_with_few_labels(digits):
    X, y = digits
    kwargs = {"early_stopping": False, "verbose": 0}
    source = y < 5
    # Pretrained on the digits 0-4 through the fine-tuning net itself.
    pretrained = FineTunedClassifier(
        _small_cnn(0), max_epochs=15, random_state=0, **kwargs
    ).fit(X[source], y[source])
    pretrained = pretrained.module_.body.module
    gains = []
    for seed in range(3):
        target = np.flatnonzero(~source)
        np.random.default_rng(seed).shuffle(target)
        train = np.concatenate([target[y[target] == k][:2] for k in range(5, 10)])
        test = np.setdiff1d(target, train)
        scores = [
            FineTunedClassifier(
                network, lr=0.01, max_epochs=100, random_state=seed, **kwargs
            )
            .fit(X[train], y[train])
            .score(X[test], y[test])
            for network in (pretrained, _small_cnn(seed + 1))
        ]
        gains.append(scores[0] - scores[1])
    # Measured: +0.08 on average (0.79 against 0.71), 2 labels a class.
    assert np.mean(gains) > 0.03, gains

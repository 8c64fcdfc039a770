"""Surrogate-task pretraining: pseudo-labels, augmentations, handing the body on."""

import math

import numpy as np
import pytest
import torch
from _estimators import feature_noise
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer import UNLABELED, make_da_pipeline
from sktransfer.datasets import load_uci_digits_28, make_digits_shift, make_mnist_m
from sktransfer.deep import (
    DANNClassifier,
    DeepFeatureTransformer,
    FineTunedClassifier,
    ImageAugmentation,
    SmallCNNFeatures,
    SurrogatePretrainer,
    rotate_images,
    transferability_curve,
)
from sktransfer.deep.losses import contrastive_loss

_FAST = {"max_epochs": 1, "batch_size": 16, "verbose": 0}


def _images(n=40, channels=1, size=16, seed=0):
    return np.random.default_rng(seed).random((n, channels, size, size), np.float32)


class _Recording(SurrogatePretrainer):
    """Keeps every surrogate batch the training step builds."""

    def surrogate_batch(self, X, positions):
        inputs, labels = super().surrogate_batch(X, positions)
        self.batches_.append((X.clone(), positions.clone(), inputs, labels))
        return inputs, labels

    def initialize_module(self):
        super().initialize_module()
        self.batches_ = []
        return self


# -- pseudo-labels ------------------------------------------------------------


def test_rotations_are_numpys_quarter_turns():
    X = torch.as_tensor(_images(3, channels=2, size=5))
    rotated, labels = rotate_images(X)
    assert rotated.shape == (12, 2, 5, 5)
    np.testing.assert_array_equal(labels.numpy(), np.tile(np.arange(4), 3))
    for i in range(3):
        for k in range(4):
            expected = np.rot90(X[i].numpy(), k, axes=(1, 2))
            np.testing.assert_array_equal(rotated[4 * i + k].numpy(), expected)


def test_rotation_needs_square_images():
    with pytest.raises(ValueError, match="square images"):
        rotate_images(torch.zeros(2, 1, 4, 5))
    with pytest.raises(ValueError, match="square images"):
        SurrogatePretrainer(task="rotation", **_FAST).fit(np.zeros((8, 1, 12, 14)))


def test_each_exemplar_view_is_labelled_with_the_position_of_its_seed():
    X = _images(40)
    net = _Recording(
        task="exemplar", n_exemplars=25, augmentation=None, random_state=0, **_FAST
    ).fit(X)
    seeds = net.exemplar_indices_
    assert len(set(seeds)) == len(seeds) == 25
    assert np.all(np.diff(seeds) > 0)
    assert seeds.max() < 40
    seen = []
    for _, positions, inputs, labels in net.batches_:
        np.testing.assert_array_equal(labels.numpy(), positions.numpy())
        # Without augmentation each view is its seed, row for row.
        np.testing.assert_array_equal(inputs.numpy(), X[seeds[labels.numpy()]])
        seen += labels.tolist()
    assert sorted(seen) == list(range(25))  # one epoch: every exemplar once
    again = SurrogatePretrainer(
        task="exemplar", n_exemplars=25, random_state=0, **_FAST
    ).fit(X)
    np.testing.assert_array_equal(again.exemplar_indices_, seeds)


def test_rotation_batches_turn_each_augmented_row_four_times():
    X = _images(20)
    net = _Recording(task="rotation", random_state=0, **_FAST).fit(X)
    for rows, _, inputs, labels in net.batches_:
        assert inputs.shape[0] == 4 * rows.shape[0]
        np.testing.assert_array_equal(labels.numpy(), np.tile(np.arange(4), len(rows)))
        upright = inputs[::4].numpy()
        assert not np.allclose(upright, rows.numpy())  # augmented first
        for k in range(4):
            expected = np.rot90(upright, k, axes=(2, 3))
            np.testing.assert_array_equal(inputs[k::4].numpy(), expected)


def test_contrastive_batches_hold_two_different_views_of_each_row():
    net = _Recording(task="contrastive", random_state=0, **_FAST).fit(_images(20))
    for rows, _, inputs, labels in net.batches_:
        assert labels is None
        views, other_views = inputs.chunk(2)
        assert views.shape == rows.shape
        assert not torch.allclose(views, other_views)


@pytest.mark.parametrize("task", ["exemplar", "rotation", "contrastive"])
def test_surrogate_batches_draw_from_the_pretrainers_generator_only(task):
    X = _images(16, channels=3)
    net = SurrogatePretrainer(task=task, n_exemplars=None, random_state=0, **_FAST)
    net.fit(X)
    rows, positions = torch.as_tensor(X[:8]), torch.arange(8)
    state = torch.random.get_rng_state()
    first, _ = net.surrogate_batch(rows, positions)
    second, _ = net.surrogate_batch(rows, positions)
    # torch's global generator is neither read nor advanced ...
    assert torch.equal(torch.random.get_rng_state(), state)
    # ... while the pretrainer's own moves on: new views every batch.
    assert not torch.allclose(first, second)


def _nt_xent_by_hand(a, b, temperature):
    z = np.concatenate([a, b])
    z = z / np.linalg.norm(z, axis=1, keepdims=True)
    n = len(a)
    losses = []
    for i in range(2 * n):
        similarities = [z[i] @ z[j] / temperature for j in range(2 * n) if j != i]
        positive = z[i] @ z[(i + n) % (2 * n)] / temperature
        losses.append(-positive + math.log(sum(math.exp(s) for s in similarities)))
    return np.mean(losses)


def test_contrastive_loss_is_nt_xent_computed_by_hand():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 5, 3))
    loss = contrastive_loss(torch.as_tensor(a), torch.as_tensor(b), temperature=0.3)
    assert loss.item() == pytest.approx(_nt_xent_by_hand(a, b, 0.3), rel=1e-10)
    same = torch.ones(4, 3, dtype=torch.float64)
    assert contrastive_loss(same, same).item() == pytest.approx(math.log(7))


# -- augmentations ------------------------------------------------------------


def test_augmentations_follow_the_generator():
    X = torch.as_tensor(_images(6, channels=3))
    augment = ImageAugmentation()

    def run(seed):
        return augment(X, generator=torch.Generator().manual_seed(seed))

    assert torch.equal(run(0), run(0))
    assert not torch.allclose(run(0), run(1))
    # The caller's global generator is neither read nor advanced.
    state = torch.random.get_rng_state()
    run(0)
    assert torch.equal(torch.random.get_rng_state(), state)


def test_augmentations_of_zero_strength_change_nothing():
    X = torch.as_tensor(_images(4, channels=3))
    none = ImageAugmentation(
        rotation=0,
        scale=0,
        translation=0,
        contrast=0,
        brightness=0,
        color=0,
        grayscale=0,
    )
    np.testing.assert_allclose(none(X).numpy(), X.numpy(), atol=1e-5)


def test_photometric_changes_are_relative_to_each_image():
    X = torch.as_tensor(_images(5, channels=3))
    contrast = ImageAugmentation(
        rotation=0, scale=0, translation=0, brightness=0, color=0, grayscale=0
    )
    out = contrast(X, generator=torch.Generator().manual_seed(0))
    # Contrast scales the spread around each image's mean, keeping the mean.
    np.testing.assert_allclose(
        out.mean(dim=(1, 2, 3)).numpy(), X.mean(dim=(1, 2, 3)).numpy(), atol=1e-5
    )
    # The same changes on pixels ten times larger give ten times the output.
    scaled = contrast(10 * X, generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(scaled.numpy(), 10 * out.numpy(), rtol=1e-4, atol=1e-4)
    grey = ImageAugmentation(grayscale=1.0)(X, generator=torch.Generator())
    assert torch.equal(grey[:, 0], grey[:, 1])
    assert torch.equal(grey[:, 0], grey[:, 2])


def test_a_rotation_by_the_warp_moves_the_content():
    X = torch.zeros(1, 1, 9, 9)
    X[0, 0, 4, 6] = 1.0  # a dot right of the centre
    quarter = ImageAugmentation(
        rotation=90, scale=0, translation=0, contrast=0, brightness=0
    )
    # Find a seed whose draw is nearly a quarter turn, then check where the dot went.
    for seed in range(200):
        generator = torch.Generator().manual_seed(seed)
        angle = float(2 * torch.rand(1, generator=generator) - 1) * 90
        if abs(abs(angle) - 90) < 3:
            break
    out = quarter(X, generator=torch.Generator().manual_seed(seed))[0, 0]
    row, col = divmod(int(out.argmax()), 9)
    assert col == 4
    assert row in (2, 6)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_augmentations_are_the_same_on_the_gpu():
    X = torch.as_tensor(_images(6, channels=3))
    augment = ImageAugmentation()
    cpu = augment(X, generator=torch.Generator().manual_seed(0))
    gpu = augment(X.cuda(), generator=torch.Generator().manual_seed(0))
    np.testing.assert_allclose(gpu.cpu().numpy(), cpu.numpy(), atol=1e-5)


# -- the estimator ------------------------------------------------------------


@pytest.mark.parametrize("task", ["exemplar", "rotation", "contrastive"])
def test_a_seeded_pretraining_repeats_and_another_seed_differs(task):
    X = _images(32)
    params = {"task": task, "n_exemplars": None, **_FAST}
    first = SurrogatePretrainer(random_state=0, **params).fit(X)
    again = SurrogatePretrainer(random_state=0, **params).fit(X)
    other = SurrogatePretrainer(random_state=1, **params).fit(X)
    np.testing.assert_array_equal(first.transform(X), again.transform(X))
    assert not np.allclose(first.transform(X), other.transform(X))
    assert 0 <= first.history[-1, "surrogate_acc"] <= 1


def test_channels_last_images_are_read_as_channels_first():
    X = _images(24, channels=3)
    first = SurrogatePretrainer(random_state=0, **_FAST).fit(X)
    last = SurrogatePretrainer(random_state=0, **_FAST).fit(X.transpose(0, 2, 3, 1))
    np.testing.assert_array_equal(
        last.transform(X.transpose(0, 2, 3, 1)), first.transform(X)
    )


def test_the_surrogate_task_is_learned():
    X = load_uci_digits_28(return_X_y=True)[0][:300]
    net = SurrogatePretrainer(
        task="rotation", max_epochs=8, random_state=0, verbose=0
    ).fit(X)
    accuracy = net.history[:, "surrogate_acc"]
    # Chance is 1/4.
    assert accuracy[-1] > 0.5
    assert accuracy[-1] > accuracy[0]


def test_the_pretrainer_is_a_transformer_only():
    net = SurrogatePretrainer(random_state=0, **_FAST).fit(_images(20))
    for method in ("predict", "predict_proba", "score"):
        assert not hasattr(net, method)
    with pytest.raises(AttributeError, match="not fitted"):
        SurrogatePretrainer().body_  # noqa: B018
    assert not net.body_.training


def test_a_verbose_pretraining_shows_a_progress_bar(capsys):
    X = _images(20)
    quiet = SurrogatePretrainer(random_state=0, **_FAST).fit(X)
    assert "progress_bar" not in dict(quiet.callbacks_)
    loud = SurrogatePretrainer(random_state=0, **{**_FAST, "verbose": 1}).fit(X)
    assert "progress_bar" in dict(loud.callbacks_)
    assert "surrogate_acc" in capsys.readouterr().out  # skorch's epoch table


def test_feature_rows_need_an_augmentation_of_their_own():
    X = np.random.default_rng(0).normal(size=(30, 5)).astype(np.float32)
    with pytest.raises(ValueError, match="square images"):
        SurrogatePretrainer(**_FAST).fit(X)
    with pytest.raises(ValueError, match="augmentation callable"):
        SurrogatePretrainer(task="exemplar", **_FAST).fit(X)
    features = SurrogatePretrainer(
        task="contrastive", augmentation=feature_noise, random_state=0, **_FAST
    ).fit_transform(X)
    assert features.shape == (30, 100)


# -- the hand-over ------------------------------------------------------------


@pytest.fixture(scope="module")
def pretrained():
    X = _images(48, size=16)
    net = SurrogatePretrainer(task="rotation", random_state=0, **_FAST).fit(X)
    return net, X, np.arange(48) % 3


def _same_weights(module, other):
    state, other_state = module.state_dict(), other.state_dict()
    assert state.keys() == other_state.keys()
    return all(torch.equal(state[key], other_state[key]) for key in state)


def test_the_body_goes_to_off_the_shelf_features_unchanged(pretrained):
    net, X, _ = pretrained
    transformer = DeepFeatureTransformer(net.body_).fit(X)
    assert _same_weights(transformer.module_.module, net.body_)
    assert transformer.module_.module is not net.body_
    np.testing.assert_array_equal(transformer.transform(X), net.transform(X))


def test_the_body_goes_to_fine_tuning_unchanged(pretrained):
    net, X, y = pretrained
    before = {k: v.clone() for k, v in net.body_.state_dict().items()}
    # Built, not trained: initialize() takes a head given as a module.
    head = torch.nn.Linear(net.transform(X).shape[1], 3)
    start = FineTunedClassifier(net.body_, head=head, verbose=0).initialize()
    assert _same_weights(start.module_.body.module, net.body_)
    frozen = FineTunedClassifier(
        net.body_, freeze="body", early_stopping=False, random_state=0, **_FAST
    ).fit(X, y)
    assert _same_weights(frozen.module_.body.module, net.body_)
    tuned = FineTunedClassifier(
        net.body_, early_stopping=False, random_state=0, **_FAST
    ).fit(X, y)
    assert not _same_weights(tuned.module_.body.module, net.body_)
    # Fine-tuning trains a copy: the pretrainer's body is as it was.
    assert all(torch.equal(before[k], v) for k, v in net.body_.state_dict().items())


def test_the_body_goes_to_a_domain_adaptation_net_unchanged(pretrained):
    net, X, y = pretrained
    # Built, not trained: initialize() takes the sizes as module__*.
    dann = DANNClassifier(
        module__feature_extractor=net.body_,
        module__input_shape=X.shape[1:],
        module__n_outputs=len(np.unique(y)),
        verbose=0,
    ).initialize()
    assert _same_weights(dann.module_.feature_extractor, net.body_)
    np.testing.assert_array_equal(dann.transform(X), net.transform(X))


def test_the_body_goes_to_the_transferability_curve(pretrained):
    net, X, y = pretrained
    layers = ["2", "6", "8"]
    curve = transferability_curve(net.body_, X, y, layers=layers, cv=3)
    by_hand = DeepFeatureTransformer(net.body_, layer="6").fit_transform(X)
    expected = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    folds = list(StratifiedKFold(3).split(X, y))
    scores = [
        expected.fit(by_hand[train], y[train]).score(by_hand[test], y[test])
        for train, test in folds
    ]
    np.testing.assert_allclose(curve.feature_scores[1], scores)


def test_in_a_pipeline_unlabeled_rows_pretrain_and_labelled_rows_train_the_head():
    X = _images(40)
    y = np.where(np.arange(40) < 12, np.arange(40) % 2, UNLABELED)
    pipeline = make_da_pipeline(
        SurrogatePretrainer(task="rotation", random_state=0, **_FAST),
        LogisticRegression(),
    ).fit(X, y)
    pretrainer, head = pipeline[0], pipeline[-1]
    assert head.n_features_in_ == pretrainer.transform(X).shape[1]
    # The pretrainer saw every row: it ends as a pretrainer fitted on X alone.
    alone = clone(pretrainer).fit(X)
    np.testing.assert_array_equal(alone.transform(X), pretrainer.transform(X))
    assert pipeline.predict(X).shape == (40,)


# -- pretraining pays -----------------------------------------------------------


@pytest.mark.slow
def test_a_body_pretrained_on_unlabeled_shifted_images_beats_scratch():
    """UCI digits on colour photos, 10 labels a class and the other images unlabeled.

    The same CNN, fine-tuned on the labelled images from random weights or
    from the body the default surrogate task (rotation) pretrained on the
    unlabeled ones; test images drawn at random, stratified, three seeds.
    """
    X_grey, y = load_uci_digits_28(return_X_y=True)
    X = make_mnist_m(X_grey, random_state=0)
    gains = []
    for seed in range(3):
        pool, test = train_test_split(
            np.arange(len(y)), test_size=500, stratify=y, random_state=seed
        )
        rng = np.random.default_rng(seed)
        labelled = np.concatenate(
            [rng.permutation(pool[y[pool] == k])[:10] for k in range(10)]
        )
        torch.manual_seed(seed)
        scratch = SmallCNNFeatures(3, (28, 28))
        pretrained = SurrogatePretrainer(random_state=seed, verbose=0).fit(X[pool])
        gains.append(
            _few_label_accuracy(pretrained.body_, X, y, labelled, test, seed)
            - _few_label_accuracy(scratch, X, y, labelled, test, seed)
        )
    # Measured: 8.2, 2.0 and 7.4 points; one seed's 500 test images move by
    # a few points between seeds, so the mean is what is asserted.
    assert np.mean(gains) > 0.03, gains


@pytest.mark.slow
def test_a_body_pretrained_on_the_target_helps_a_source_trained_classifier():
    """MNIST -> MNIST-M style, 800 images a domain, three seeds.

    The body pretrained (default task) on the unlabeled target images, frozen
    under a head trained on the labelled source images, against the same
    network trained on the source from random weights; half the target
    images, drawn at random and stratified, are scored.
    """
    gains = []
    for seed in range(3):
        X, y, sample_domain = make_digits_shift(
            "mnist",
            "mnist_m",
            n_source=800,
            n_target=800,
            return_X_y=True,
            random_state=seed,
        )
        target = np.flatnonzero(sample_domain < 0)
        seen, test = train_test_split(
            target, test_size=0.5, stratify=y[target], random_state=seed
        )
        source = np.flatnonzero(sample_domain > 0)
        pretrained = SurrogatePretrainer(random_state=seed, verbose=0).fit(X[seen])
        torch.manual_seed(seed)
        accuracies = [
            FineTunedClassifier(
                body,
                freeze=freeze,
                early_stopping=False,
                max_epochs=20,
                random_state=seed,
                verbose=0,
            )
            .fit(X[source], y[source])
            .score(X[test], y[test])
            for body, freeze in (
                (pretrained.body_, "body"),
                (SmallCNNFeatures(3, (28, 28)), None),
            )
        ]
        gains.append(accuracies[0] - accuracies[1])
    # Measured: 17.0, 15.2 and 11.5 points.
    assert min(gains) > 0.05, gains
    assert np.mean(gains) > 0.1, gains


def _few_label_accuracy(body, X, y, labelled, test, seed):
    model = FineTunedClassifier(
        body, early_stopping=False, max_epochs=40, random_state=seed, verbose=0
    )
    return model.fit(X[labelled], y[labelled]).score(X[test], y[test])

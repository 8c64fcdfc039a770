"""Off-the-shelf features: layers, pooling, layouts, loading, and real transfer."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import nn

from sktransfer.datasets import load_mnist_5k
from sktransfer.deep import (
    DeepFeatureTransformer,
    ImagePreprocessing,
    LayerOutputs,
    efficientnet_lite0_preprocessing,
    load_efficientnet_lite0,
    load_model,
    to_channels_first,
)


class _ConvNet(nn.Sequential):
    def __init__(self):
        torch.manual_seed(0)
        super().__init__(
            nn.Conv2d(3, 4, 3),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.Conv2d(4, 6, 3),
            nn.Flatten(),
            nn.Linear(6 * 8 * 8, 5),
        )


class _Forbidden(nn.Module):
    """A layer that must never run."""

    def forward(self, X):
        raise AssertionError("a layer above the cut ran")


@pytest.fixture
def images():
    return np.random.default_rng(0).random((10, 3, 12, 12)).astype(np.float32)


def _manual(net, X, upto):
    with torch.no_grad():
        return nn.Sequential(*list(net)[:upto])(torch.from_numpy(X))


@pytest.mark.parametrize(
    ("pooling", "reduce"),
    [
        ("avg", lambda out: out.mean((2, 3))),
        ("max", lambda out: out.amax((2, 3))),
        ("avgmax", lambda out: torch.cat([out.mean((2, 3)), out.amax((2, 3))], 1)),
        ("flatten", lambda out: out.flatten(1)),
    ],
)
def test_pooling_matches_a_direct_computation(images, pooling, reduce):
    net = _ConvNet().eval()
    features = DeepFeatureTransformer(net, layer="2", pooling=pooling).fit_transform(
        images
    )
    expected = reduce(_manual(net, images, 3)).numpy()
    assert features.dtype == np.float32
    np.testing.assert_allclose(features, expected, rtol=1e-6, atol=1e-6)


def test_several_layers_are_concatenated_in_order(images):
    net = _ConvNet()
    both = DeepFeatureTransformer(net, layer=["3", "2"], pooling={"3": "max"})
    features = both.fit_transform(images)
    first = DeepFeatureTransformer(net, layer="3", pooling="max").fit_transform(images)
    second = DeepFeatureTransformer(net, layer="2").fit_transform(images)
    np.testing.assert_array_equal(features, np.hstack([first, second]))
    assert both.layer_widths_ == [6, 4]
    names = both.get_feature_names_out()
    assert list(names[:2]) == ["3_0", "3_1"]
    assert names[-1] == "2_3"
    assert len(names) == features.shape[1] == both.n_features_out_


def test_forward_stops_after_the_last_requested_layer(images):
    net = nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU(), _Forbidden())
    transformer = DeepFeatureTransformer(net, layer=["0", "1"]).fit(images)
    assert transformer.transform(images).shape == (10, 4)
    # The hooks exist only during a forward pass.
    assert not any(module._forward_hooks for module in transformer.module_.modules())


def test_no_layer_takes_the_network_output(images):
    net = _ConvNet().eval()
    features = DeepFeatureTransformer(net).fit_transform(images)
    np.testing.assert_allclose(features, _manual(net, images, 6), atol=1e-6)
    assert DeepFeatureTransformer(net).fit(images).get_feature_names_out()[0] == (
        "output_0"
    )


def test_unknown_layer_lists_the_valid_names(images):
    with pytest.raises(ValueError, match=r"did you mean \['3'\].*are: 0, 1, 2, 3, 4"):
        DeepFeatureTransformer(_ConvNet(), layer="3 ").fit(images)
    with pytest.raises(ValueError, match="Unknown layer name"):
        LayerOutputs(_ConvNet(), ["conv9"])


def test_image_layouts_give_the_same_features(images):
    transformer = DeepFeatureTransformer(_ConvNet(), layer="3")
    expected = transformer.fit_transform(images)
    channels_last = np.ascontiguousarray(images.transpose(0, 2, 3, 1))
    # The same numbers in another memory layout: equal up to rounding.
    tolerance = {"rtol": 1e-5, "atol": 1e-6}
    np.testing.assert_allclose(
        transformer.fit_transform(channels_last), expected, **tolerance
    )
    forced = transformer.set_params(data_format="channels_last")
    np.testing.assert_allclose(
        forced.fit_transform(channels_last), expected, **tolerance
    )
    grey = images[:, 0]
    grey_net = nn.Sequential(nn.Conv2d(1, 2, 3))
    from_grey = DeepFeatureTransformer(grey_net).fit_transform(grey)
    from_channel = DeepFeatureTransformer(grey_net).fit_transform(grey[:, None])
    np.testing.assert_array_equal(from_grey, from_channel)


def test_to_channels_first_keeps_rows_and_refuses_odd_shapes():
    rows = torch.zeros(4, 7)
    assert to_channels_first(rows) is rows
    assert to_channels_first(torch.zeros(2, 3, 5), "none").shape == (2, 3, 5)
    with pytest.raises(ValueError, match="3 or 4 dimensions"):
        to_channels_first(torch.zeros(2, 3, 4, 5, 6))


def test_batches_and_eval_mode_make_rows_independent(images):
    transformer = DeepFeatureTransformer(_ConvNet(), layer="3", batch_size=3)
    batched = transformer.fit_transform(images)
    one = transformer.set_params(batch_size=1).fit_transform(images)
    np.testing.assert_allclose(batched, one, atol=1e-6)
    np.testing.assert_allclose(
        transformer.transform(images[::-1]), one[::-1], atol=1e-6
    )


def test_the_module_given_is_not_modified(images):
    net = _ConvNet().train()
    state = {k: v.clone() for k, v in net.state_dict().items()}
    transformer = DeepFeatureTransformer(net, layer="3").fit(images)
    transformer.transform(images)
    assert net.training
    assert transformer.module is net
    assert transformer.module_.module is not net
    for key, value in net.state_dict().items():
        assert torch.equal(value, state[key])


def test_clone_and_pickle_round_trip(images):
    transformer = DeepFeatureTransformer(
        _ConvNet(), layer="3", preprocess=ImagePreprocessing(size=10)
    ).fit(images)
    expected = transformer.transform(images)
    restored = pickle.loads(pickle.dumps(transformer))
    np.testing.assert_array_equal(restored.transform(images), expected)
    cloned = clone(transformer)
    assert not hasattr(cloned, "module_")
    np.testing.assert_array_equal(cloned.fit_transform(images), expected)


def test_progress_bar_follows_verbose(images, capsys):
    DeepFeatureTransformer(_ConvNet(), verbose=0).fit_transform(images)
    assert capsys.readouterr().err == ""
    DeepFeatureTransformer(_ConvNet(), verbose=1, batch_size=4).fit_transform(images)
    assert "3/3" in capsys.readouterr().err


def test_pandas_output(images):
    pd = pytest.importorskip("pandas", reason="pandas is in the data extra")
    rows = images.reshape(10, -1)
    transformer = DeepFeatureTransformer(nn.Linear(rows.shape[1], 3)).set_output(
        transform="pandas"
    )
    frame = transformer.fit_transform(rows)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["output_0", "output_1", "output_2"]


def test_precision_options_stay_close(images):
    net = _ConvNet()
    exact = DeepFeatureTransformer(net, layer="3").fit_transform(images)
    channels_last = DeepFeatureTransformer(net, layer="3", channels_last=True)
    np.testing.assert_allclose(channels_last.fit_transform(images), exact, atol=1e-5)
    # bfloat16 on the CPU: about three significant digits.
    autocast = DeepFeatureTransformer(net, layer="3", autocast=True)
    np.testing.assert_allclose(autocast.fit_transform(images), exact, atol=0.05)


def test_weights_from_a_file_are_loaded_safely(images, tmp_path):
    trained = _ConvNet()
    with torch.no_grad():
        trained[0].weight.mul_(3.0)
    path = tmp_path / "weights.pt"
    torch.save(trained.state_dict(), path)
    fresh = _ConvNet()
    from_file = DeepFeatureTransformer(fresh, layer="3", weights=str(path))
    expected = DeepFeatureTransformer(trained, layer="3").fit_transform(images)
    np.testing.assert_array_equal(from_file.fit_transform(images), expected)
    from_class = DeepFeatureTransformer(_ConvNet, layer="3", weights=path)
    np.testing.assert_array_equal(from_class.fit_transform(images), expected)
    # weights_only=True: a file holding arbitrary objects is refused.
    evil = tmp_path / "evil.pt"
    torch.save({"0.weight": _ConvNet}, evil)
    with pytest.raises(pickle.UnpicklingError):
        load_model(fresh, weights=evil)


def test_load_model_refuses_what_it_cannot_use():
    with pytest.raises(ValueError, match="Keyword arguments"):
        load_model(nn.Linear(2, 2), in_features=3)
    with pytest.raises(ValueError, match="state-dict file"):
        load_model(nn.Linear(2, 2), weights="DEFAULT")
    with pytest.raises(TypeError, match="torch.nn.Module"):
        load_model(42)


def test_image_preprocessing():
    prep = ImagePreprocessing(
        size=6, scale=0.5, mean=(1.0, 2.0, 3.0), std=2.0, n_channels=3
    )
    out = prep(torch.full((2, 1, 12, 12), 4.0))
    assert out.shape == (2, 3, 6, 6)
    # (4 * 0.5 - mean) / 2, channel by channel; resizing a constant keeps it.
    np.testing.assert_allclose(out[0, :, 0, 0], [0.5, 0.0, -0.5], atol=1e-6)


def test_in_a_pipeline_with_cross_validation():
    X, y = load_digits(return_X_y=True)
    X, _, y, _ = train_test_split(X, y, train_size=300, stratify=y, random_state=0)
    X = (X / 16).reshape(-1, 8, 8)
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU())
    model = make_pipeline(
        DeepFeatureTransformer(net, layer="1", pooling="flatten"),
        LogisticRegression(max_iter=500),
    )
    assert cross_val_score(model, X, y, cv=3).mean() > 0.8


@pytest.mark.vision
def test_torchvision_name_and_weight_file(tmp_path):
    # torchvision does not import beside the CPU-only torch of `make test`;
    # CI's `make test-vision` runs this in an environment that has it.
    torchvision = pytest.importorskip("torchvision", exc_type=ImportError)
    reference = torchvision.models.get_model("resnet18", weights=None).eval()
    path = tmp_path / "resnet18.pth"
    torch.save(reference.state_dict(), path)
    X = np.random.default_rng(0).random((4, 3, 64, 64)).astype(np.float32)
    transformer = DeepFeatureTransformer("resnet18", weights=path, layer="layer3")
    features = transformer.fit_transform(X)
    with torch.no_grad():
        x = torch.from_numpy(X)
        for name in ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3"):
            x = getattr(reference, name)(x)
    np.testing.assert_allclose(features, x.mean((2, 3)).numpy(), atol=1e-5)
    assert features.shape == (4, 256)


@pytest.fixture(scope="module")
def efficientnet():
    pytest.importorskip("efficientnet_lite_pytorch", exc_type=ImportError)
    return load_efficientnet_lite0()


def test_efficientnet_classifies_a_photo(efficientnet):
    # The ImageNet weights, not a random network: the cat photo of
    # scikit-image is a cat (ImageNet classes 281-285).
    skimage = pytest.importorskip("skimage")
    cat = skimage.data.chelsea().astype(np.float32) / 255
    logits = DeepFeatureTransformer(
        efficientnet, preprocess=efficientnet_lite0_preprocessing(224)
    ).fit_transform(cat[None])
    assert 281 <= logits.argmax() <= 285


def test_pretrained_features_beat_pixels_with_few_labels(efficientnet):
    X, y = load_mnist_5k(return_X_y=True)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    train = np.concatenate([order[y[order] == k][:10] for k in range(10)])
    # The file is sorted by label: the test digits are drawn, 40 per class.
    rest = np.setdiff1d(order, train)
    _, test = train_test_split(rest, test_size=400, stratify=y[rest], random_state=0)
    transformer = DeepFeatureTransformer(
        efficientnet,
        layer="_blocks.10",
        preprocess=efficientnet_lite0_preprocessing(112),
    )
    features = transformer.fit_transform(X[np.concatenate([train, test])])

    def accuracy(Z):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        return model.fit(Z[: len(train)], y[train]).score(Z[len(train) :], y[test])

    pixels = X[np.concatenate([train, test])].reshape(len(train) + len(test), -1)
    deep, raw = accuracy(features), accuracy(pixels)
    # Measured: 0.855 against 0.71 (100 labels, 400 test digits).
    assert deep >= 0.8
    assert deep >= raw + 0.08

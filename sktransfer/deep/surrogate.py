"""Pretraining a network on unlabeled images with a surrogate task of free labels."""

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from skorch.callbacks import PassthroughScoring, ProgressBar
from skorch.dataset import unpack_data
from skorch.utils import to_tensor
from torch import nn

from .._compat import Interval, StrOptions
from ._base import BaseNet, ChannelsFirstMixin, copy_module
from ._modules import default_feature_extractor, head
from .augment import ImageAugmentation
from .features import _pool
from .images import DATA_FORMATS, channels_first_array
from .losses import _other_views, contrastive_loss
from .pretrained import load_model

__all__ = ["SurrogateModule", "SurrogatePretrainer", "rotate_images"]

SURROGATE_TASKS = ("exemplar", "rotation", "contrastive")


def rotate_images(X):
    """Rotation prediction's inputs and labels: each image in its four quarter turns.

    Gidaris, Singh & Komodakis (2018): a network that can tell how far an
    image was turned must recognise what is in it, and the labels cost
    nothing.

    Parameters
    ----------
    X : torch.Tensor or ndarray of shape (n, channels, size, size)
        Square images.

    Returns
    -------
    X_rotated : torch.Tensor or ndarray of shape (4 n, channels, size, size)
        The four rotations of each image in turn: row ``4 i + k`` is image
        ``i`` turned ``k`` quarter turns counter-clockwise (as
        :func:`numpy.rot90` turns the last two axes); a numpy array for a
        numpy ``X``.

    labels : torch.Tensor or ndarray of shape (4 n,), dtype int64
        ``k`` of each row, on ``X``'s device.

    Examples
    --------
    >>> import torch
    >>> from sktransfer.deep import rotate_images
    >>> X_rotated, labels = rotate_images(torch.arange(4.0).reshape(1, 1, 2, 2))
    >>> labels.tolist()
    [0, 1, 2, 3]
    >>> X_rotated[1, 0].tolist()
    [[1.0, 3.0], [0.0, 2.0]]
    """
    if isinstance(X, np.ndarray):
        rotated, labels = rotate_images(torch.as_tensor(X))
        return rotated.numpy(), labels.numpy()
    if X.ndim != 4 or X.shape[-1] != X.shape[-2]:
        raise ValueError(
            "Rotation prediction needs square images (n, channels, size, size), "
            f"whose quarter turns keep their shape; got shape {tuple(X.shape)}."
        )
    rotated = torch.stack([torch.rot90(X, k, dims=(-2, -1)) for k in range(4)], 1)
    labels = torch.arange(4, device=X.device).repeat(X.shape[0])
    return rotated.flatten(0, 1), labels


def _unchanged(X, generator):
    return X


class SurrogateModule(nn.Module):
    """A body whose pooled output feeds the surrogate task's head.

    Parameters
    ----------
    body : torch.nn.Module
        The network being pretrained: what is handed on.

    head : torch.nn.Module
        The surrogate task's classifier (or projection), discarded after.
    """

    def __init__(self, body, head):
        super().__init__()
        self.body = body
        self.head = head

    def features(self, X):
        """The body's output, average-pooled over any spatial axes: ``(n, k)``."""
        return _pool(self.body(X), "avg")

    def forward(self, X):
        return self.head(self.features(X))


class SurrogatePretrainer(ChannelsFirstMixin, BaseNet):
    """Pretrain a network on unlabeled images with a surrogate task, then hand it on.

    The lecture's way to a network worth transferring when no nearby task
    has labels: train it on a surrogate task whose labels are generated
    from the images themselves, then cut off the surrogate head and keep
    the body. Three surrogate tasks:

    - ``"exemplar"`` (Dosovitskiy et al. 2014): each of ``n_exemplars``
      seed images is its own class; the network learns to recognise each
      under random augmentations (a new draw of each, every epoch). The
      pseudo-label of a view is the position of its seed in
      ``exemplar_indices_``.
    - ``"rotation"`` (Gidaris et al. 2018): every image in its four quarter
      turns (:func:`rotate_images`), the label being the turn.
    - ``"contrastive"`` (Chen et al. 2020): two augmentations of each image
      must be nearer each other than any other image of the batch
      (:func:`~sktransfer.deep.losses.contrastive_loss`).

    ``fit`` reads ``X`` only: labels, if given (in a pipeline), are ignored,
    and every row, source or target, is pretrained on. After the fit,
    ``body_`` is the pretrained network, ready for
    :class:`DeepFeatureTransformer`, :class:`FineTunedClassifier`,
    :func:`transferability_curve` or the domain-adaptation nets'
    ``module__feature_extractor``; ``transform`` gives its pooled features,
    so the pretrainer is also a transformer in a pipeline.

    Parameters
    ----------
    module : torch.nn.Module, torch.nn.Module class, str or None, default=None
        The body to pretrain: a module (copied; the one given is never
        modified), a class built with the ``module__*`` parameters, a
        torchvision model name (see :func:`load_model`), or None for
        :class:`SmallCNNFeatures` sized from the images. Its output is
        average-pooled over any spatial axes.

    task : {"rotation", "exemplar", "contrastive"}, default="rotation"
        The surrogate task. Rotation prediction had the largest mean gain
        over training from scratch on validation images of three digit
        sets (grey MNIST and UCI digits, and digits on colour photos, where
        it gained most); the exemplar task was level with it on grey
        digits, at a third of the time.

    n_exemplars : int or None, default=1000
        Exemplar task: the number of seed images (surrogate classes), drawn
        at random from the rows; None takes every row, and so does a number
        above the rows' (with a warning). The head has one output per
        exemplar, and each epoch shows one view of each: at a fixed cost,
        fewer exemplars are seen under more augmentations (1,000 exemplars
        did better than 3,000 in the same number of epochs on validation
        images of two digit sets).

    augmentation : "auto", callable or None, default="auto"
        Random changes of each batch: ``"auto"`` is :class:`ImageAugmentation`
        with its defaults; a callable ``augmentation(X, generator)`` maps a
        batch of images (a tensor on the device) to new ones, drawing from
        the CPU generator it is given. None augments nothing (rotation
        prediction still turns the images; the exemplar and contrastive
        tasks would have nothing to learn).

    head_units : int, default=128
        Width of the hidden layer of the surrogate head (and of the
        contrastive projection).

    temperature : float, default=0.5
        Contrastive task: the temperature of the loss.

    data_format : {"auto", "channels_first", "channels_last", "none"}, \
            default="auto"
        Layout of the images; see :func:`to_channels_first`.

    lr, max_epochs, batch_size, optimizer :
        As in skorch: Adam, ``lr=1e-3``, 10 epochs, batches of 128. An epoch
        is one augmented pass over the rows (the exemplars, for the exemplar
        task, which needs more epochs than rotation's four views a row). There is no
        validation split (``train_split`` must stay None): the surrogate
        labels exist for the augmented training batches only.

    random_state : int, RandomState instance or None, default=None
        Seeds the network's initialisation, the batch order, the choice of
        exemplars and every augmentation.

    device : str or torch.device, default="auto"
        ``"auto"`` picks CUDA when it is available, else the CPU.

    verbose : int, default=0
        1 prints skorch's table of epochs and a progress bar over the
        batches of each.

    **kwargs : dict
        Other skorch parameters.

    Attributes
    ----------
    module_ : SurrogateModule
        The network: ``module_.body`` and the surrogate ``module_.head``.

    augmentation_ : callable
        The augmentation used (a copy of the one given).

    body_ : torch.nn.Module
        The pretrained body, in eval mode: ``module_.body``.

    exemplar_indices_ : ndarray of shape (n_exemplars,)
        Exemplar task: the row of ``X`` each surrogate class was made from.

    n_features_in_ : int
        Size of the second axis of ``X`` seen in ``fit``.

    history_ : skorch.History
        Per-epoch ``train_loss`` and ``surrogate_acc`` (accuracy on the
        surrogate task's training batches; for the contrastive task, how
        often a view's nearest projection is its other view).

    Examples
    --------
    >>> from sktransfer.datasets import load_uci_digits_28
    >>> from sktransfer.deep import FineTunedClassifier, SurrogatePretrainer
    >>> X, y = load_uci_digits_28(return_X_y=True)
    >>> pretrainer = SurrogatePretrainer(
    ...     max_epochs=1, random_state=0, verbose=0).fit(X[:200])
    >>> pretrainer.transform(X[:5]).shape
    (5, 768)
    >>> net = FineTunedClassifier(pretrainer.body_, freeze="body", max_epochs=2,
    ...                           early_stopping=False, verbose=0).fit(X[:50], y[:50])
    """

    _parameter_constraints: dict = {
        **BaseNet._parameter_constraints,
        # The surrogate labels exist only for training batches (augmented
        # views, turns): there is nothing to validate on.
        "train_split": [None],
        "module": [nn.Module, type, str, None],
        "task": [StrOptions(set(SURROGATE_TASKS))],
        "n_exemplars": [Interval(Integral, 2, None, closed="left"), None],
        "augmentation": [StrOptions({"auto"}), callable, None],
        "head_units": [Interval(Integral, 1, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "data_format": [StrOptions(set(DATA_FORMATS))],
    }

    def __init__(
        self,
        module=None,
        *,
        task="rotation",
        n_exemplars=1000,
        augmentation="auto",
        head_units=128,
        temperature=0.5,
        data_format="auto",
        criterion=nn.CrossEntropyLoss,
        max_epochs=10,
        batch_size=128,
        **kwargs,
    ):
        # Set before skorch's __init__, which refuses torch modules (an
        # augmentation module) as plain attributes after it.
        self.task = task
        self.n_exemplars = n_exemplars
        self.augmentation = augmentation
        self.head_units = head_units
        self.temperature = temperature
        self.data_format = data_format
        super().__init__(
            module,
            criterion=criterion,
            max_epochs=max_epochs,
            batch_size=batch_size,
            **kwargs,
        )

    # The pretrainer has no task of its own to predict or score.
    @property
    def predict(self):
        raise AttributeError(
            f"{type(self).__name__} has no predict: use transform, or hand "
            "body_ to an estimator."
        )

    @property
    def predict_proba(self):
        raise AttributeError(f"{type(self).__name__} has no predict_proba.")

    @property
    def score(self):
        raise AttributeError(f"{type(self).__name__} has no score.")

    @property
    def _default_callbacks(self):
        callbacks = list(super()._default_callbacks)
        scoring = ("surrogate_acc", PassthroughScoring("surrogate_acc", on_train=True))
        callbacks.insert(len(callbacks) - 1, scoring)
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks

    def fit(self, X, y=None, sample_domain=None, **fit_params):
        """Pretrain the body on the surrogate task, on every row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, channels, height, width)
            Images (channels first or last; grey ``(n, h, w)`` too). With a
            callable ``augmentation``, any rows it can change.

        y : array-like of shape (n_samples,), default=None
            Ignored: the surrogate labels come from the images.

        sample_domain : array-like of shape (n_samples,), default=None
            Validated only: rows of every domain are pretrained on.

        **fit_params : dict
            Passed to skorch's ``fit``.

        Returns
        -------
        self : object
            Fitted pretrainer.
        """
        self._check_params()
        data = self._validate_domain_data(
            X, y, sample_domain, labels=None, warn_no_target=False
        )
        X_fit = channels_first_array(data.X, self.data_format)
        self._check_images(X_fit)
        n_seeds = X_fit.shape[0]
        if self.task == "exemplar":
            n_seeds = self._n_exemplars(n_seeds)
        # Each row's surrogate label, for the exemplar task: its position.
        positions = np.arange(n_seeds, dtype=np.int64)
        with self._seeded() as rng:
            if self.task == "exemplar":
                self.exemplar_indices_ = np.sort(
                    rng.choice(X_fit.shape[0], n_seeds, replace=False)
                )
                X_fit = X_fit[self.exemplar_indices_]
            self._shape_kwargs = {"sample": X_fit[:2], "n_seeds": n_seeds}
            # The augmentations' own generator, apart from torch's global one
            # (initialisation, batch order).
            self._generator = torch.Generator().manual_seed(int(rng.randint(2**31)))
            self._fit_network(X_fit, positions, **fit_params)
        self.module_.eval()
        return self

    def _n_exemplars(self, n_rows):
        """The exemplar task's number of classes: ``n_exemplars``, at most every row."""
        if self.n_exemplars is None:
            return n_rows
        if self.n_exemplars > n_rows:
            # As scikit-learn's Nystroem does with n_components: the default
            # suits large sets, and a small one takes every row, said aloud.
            warnings.warn(
                f"n_exemplars={self.n_exemplars} exceeds the {n_rows} rows of X: "
                f"every row is an exemplar ({n_rows} surrogate classes). Pass "
                f"n_exemplars=None (every row) or at most {n_rows} to say so.",
                UserWarning,
                stacklevel=3,
            )
            return n_rows
        return self.n_exemplars

    def _check_images(self, X):
        if self.task == "rotation" and (X.ndim != 4 or X.shape[2] != X.shape[3]):
            raise ValueError(
                "task='rotation' needs square images (n, channels, size, size); "
                f"got rows of shape {X.shape[1:]}."
            )
        if isinstance(self.augmentation, str) and X.ndim != 4:
            raise ValueError(
                "The default augmentation changes images (n, channels, height, "
                f"width); got rows of shape {X.shape[1:]}. Pass images, or an "
                "augmentation callable for other rows."
            )

    def _augmentation(self):
        if self.augmentation is None:
            return _unchanged
        if isinstance(self.augmentation, str):
            # The batches are channels first by now, whatever their shape.
            return ImageAugmentation(data_format="channels_first")
        return copy_module(self.augmentation)

    def initialize_module(self):
        if not hasattr(self, "_shape_kwargs"):
            # The head's width, and the exemplar task's classes, come from
            # the images; what outlives a pretraining is the body anyway.
            raise ValueError(
                f"{type(self).__name__} sizes its network from the images at "
                "fit, and initialize() before a fit has no images: fit it. To "
                "keep the pretrained body, save body_'s state dict "
                "(torch.save(pretrainer.body_.state_dict(), path)) and load it "
                "with load_model(<the body's module>, weights=path); to keep "
                "the whole pretrainer, pickle it."
            )
        sample = torch.as_tensor(self._shape_kwargs["sample"])
        if self.module is None:
            body = default_feature_extractor(tuple(sample.shape[1:]))
        else:
            body = load_model(self.module, **self.get_params_for("module"))
        body.eval()
        with torch.no_grad():
            width = _pool(body(sample), "avg").shape[1]
        n_outputs = {
            "exemplar": self._shape_kwargs["n_seeds"],
            "rotation": 4,
            "contrastive": self.head_units,
        }[self.task]
        self.module_ = SurrogateModule(body, head(width, n_outputs, self.head_units))
        self.augmentation_ = self._augmentation()
        return self

    def surrogate_batch(self, X, positions):
        """The surrogate task's inputs and labels for a batch of rows.

        Parameters
        ----------
        X : torch.Tensor of shape (n, channels, height, width)
            Rows of the training set, on the net's device.

        positions : torch.Tensor of shape (n,), dtype int64
            Their positions in the training set (the exemplars, for the
            exemplar task).

        Returns
        -------
        inputs : torch.Tensor
            Exemplar task: one augmentation of each row (``n`` rows).
            Rotation: the four quarter turns of one augmentation of each
            (``4 n``). Contrastive: two augmentations of each, all first
            views then all second views (``2 n``).

        labels : torch.Tensor of shape (len(inputs),), dtype int64, or None
            Exemplar: ``positions``; rotation: the turns; contrastive: None.
        """
        if self.task == "exemplar":
            return self._augmented(X), positions
        if self.task == "rotation":
            return rotate_images(self._augmented(X))
        views = [self._augmented(X) for _ in range(2)]
        return torch.cat(views), None

    def _augmented(self, X):
        """One augmentation of each row, drawn from the pretrainer's generator."""
        views = self.augmentation_(X, self._generator)
        if not isinstance(views, torch.Tensor) or views.shape != X.shape:
            # The network was sized from the rows as given.
            raise ValueError(
                "augmentation must return a tensor of the shape of the batch it "
                f"is given, {tuple(X.shape)}; got "
                f"{tuple(getattr(views, 'shape', ())) or type(views).__name__}."
            )
        return views

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        X = to_tensor(Xi, device=self.device)
        inputs, labels = self.surrogate_batch(X, to_tensor(yi, device=self.device))
        with self._autocast():
            output = self.module_(inputs)
            if labels is None:
                views, other_views = output.chunk(2)
                loss = contrastive_loss(views, other_views, self.temperature)
            else:
                loss = self.criterion_(output, labels)
        self._backward(loss)
        self.history.record_batch("surrogate_acc", self._accuracy(output, labels))
        return {"loss": loss, "y_pred": output}

    @staticmethod
    def _accuracy(output, labels):
        with torch.no_grad():
            if labels is None:
                # Each view's nearest other projection should be its pair.
                rows = nn.functional.normalize(output.float(), dim=1)
                similarity = rows @ rows.T
                similarity.fill_diagonal_(-float("inf"))
                labels = _other_views(len(rows) // 2, rows.device)
                output = similarity
            return (output.argmax(dim=1) == labels).float().mean().item()

    @property
    def body_(self):
        """The pretrained body (``module_.body``), to hand to another estimator."""
        if not hasattr(self, "module_"):
            raise AttributeError(f"{type(self).__name__} is not fitted: call fit.")
        return self.module_.body

    def _feature_module(self):
        return self.module_.features

"""Fine-tuning a pretrained network: a new head, frozen layers, slower lower layers."""

import fnmatch
from collections import defaultdict
from numbers import Integral, Real

import torch
from sklearn.utils import check_random_state
from skorch.callbacks import EarlyStopping, Freezer, Unfreezer
from skorch.dataset import ValidSplit
from torch import nn

from .._compat import Interval, StrOptions
from ._base import BaseNet, ClassifierNetMixin, RegressorNetMixin, copy_module
from ._modules import BATCH_NORMS
from .features import POOLINGS, LayerOutputs
from .images import DATA_FORMATS
from .pretrained import load_model

__all__ = ["FineTunedClassifier", "FineTunedRegressor", "FineTuneModule"]


class FineTuneModule(nn.Module):
    """A pretrained body cut at a layer, and a new head on its pooled output.

    In training mode, batch-norm layers of the body whose parameters are all
    frozen stay in eval mode (with ``freeze_batchnorm``): their running
    statistics are part of what was frozen. The check happens at every
    ``train()`` call, so layers unfrozen during training start to adapt.

    Parameters
    ----------
    body : LayerOutputs
        The pretrained network, cut where the features are taken.

    head : torch.nn.Module
        Maps the body's output to the outputs of the new task.

    freeze_batchnorm : bool, default=True
        Keep the running statistics of frozen batch-norm layers.
    """

    def __init__(self, body, head, freeze_batchnorm=True):
        super().__init__()
        self.body = body
        self.head = head
        self.freeze_batchnorm = freeze_batchnorm

    def forward(self, X):
        return self.head(self.body(X))

    def train(self, mode=True):
        super().train(mode)
        if mode and self.freeze_batchnorm:
            for layer in self.body.modules():
                params = list(layer.parameters(recurse=False))
                if (
                    isinstance(layer, BATCH_NORMS)
                    and params
                    and not any(p.requires_grad for p in params)
                ):
                    layer.eval()
        return self


def _units(module):
    """The network's layers from the bottom up, as the learning-rate decay sees them.

    The top-level children, with the children of a top-level ``Sequential``
    or ``ModuleList`` (a stack of blocks) counted one by one.
    """
    units = []
    for name, child in module.named_children():
        if isinstance(child, nn.Sequential | nn.ModuleList) and len(child):
            units += [f"{name}.{sub}" for sub, _ in child.named_children()]
        else:
            units.append(name)
    return units


def _contains(outer, name):
    return name == outer or name.startswith(outer + ".")


class _BaseFineTuned(BaseNet):
    """The construction and the training set-up the two fine-tuned nets share."""

    # A pretrained body pools its output: other image sizes are welcome.
    _fixed_row_shape = False

    _parameter_constraints: dict = {
        **BaseNet._parameter_constraints,
        "module": [nn.Module, type, str],
        "layer": [str, None],
        "pooling": [StrOptions(set(POOLINGS)), callable],
        "weights": "no_validation",
        "preprocess": [callable, None],
        "data_format": [StrOptions(set(DATA_FORMATS))],
        "head": [nn.Module, callable, None],
        "freeze": [str, list, tuple, None],
        "unfreeze_at": [Interval(Integral, 2, None, closed="left"), None],
        "freeze_batchnorm": ["boolean"],
        "body_lr_scale": [Interval(Real, 0, None, closed="left")],
        "layer_decay": [Interval(Real, 0, 1, closed="right"), None],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        module,
        *,
        layer=None,
        pooling="avg",
        weights=None,
        preprocess=None,
        data_format="auto",
        head=None,
        freeze=None,
        unfreeze_at=None,
        freeze_batchnorm=True,
        body_lr_scale=1.0,
        layer_decay=None,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=5,
        criterion,
        max_epochs=50,
        batch_size=32,
        **kwargs,
    ):
        # Set before skorch's __init__: after it, skorch refuses torch
        # modules (a head, a preprocessing module) as plain attributes.
        self.layer = layer
        self.pooling = pooling
        self.weights = weights
        self.preprocess = preprocess
        self.data_format = data_format
        self.head = head
        self.freeze = freeze
        self.unfreeze_at = unfreeze_at
        self.freeze_batchnorm = freeze_batchnorm
        self.body_lr_scale = body_lr_scale
        self.layer_decay = layer_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        super().__init__(
            module,
            criterion=criterion,
            max_epochs=max_epochs,
            batch_size=batch_size,
            **kwargs,
        )

    # -- parameters -------------------------------------------------------

    def _check_params(self):
        super()._check_params()
        if self.unfreeze_at is not None and self.freeze is None:
            raise ValueError(
                "unfreeze_at needs freeze: there is nothing to unfreeze; got "
                f"freeze=None, unfreeze_at={self.unfreeze_at!r}."
            )

    def _freeze_patterns(self):
        """Freeze patterns over the net's parameter names (body.module.*)."""
        if self.freeze is None:
            return []
        if self.freeze == "body":
            return ["body.*"]
        patterns = [self.freeze] if isinstance(self.freeze, str) else self.freeze
        return [f"body.module.{pattern}" for pattern in patterns]

    @property
    def _default_callbacks(self):
        callbacks = list(super()._default_callbacks)
        patterns = self._freeze_patterns()
        if patterns:
            callbacks.append(("freezer", Freezer(patterns)))
        if patterns and self.unfreeze_at is not None:
            callbacks.append(("unfreezer", Unfreezer(patterns, at=self.unfreeze_at)))
        if self.early_stopping:
            # "Fine-tune until the validation loss starts to increase", then
            # go back to the weights of its minimum.
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(patience=self.n_iter_no_change, load_best=True),
                )
            )
        return callbacks

    def get_split_datasets(self, X, y=None, **fit_params):
        if self.train_split is not None or not self.early_stopping:
            return super().get_split_datasets(X, y, **fit_params)
        seed = None
        if self.random_state is not None:
            seed = int(check_random_state(self.random_state).randint(2**31))
        split = ValidSplit(
            self.validation_fraction,
            stratified=self._task == "classification",
            random_state=seed,
        )
        try:
            return split(self.get_dataset(X, y), y, **fit_params)
        except ValueError as exc:
            # scikit-learn's message ("test_size = 6 should be greater or
            # equal to the number of classes") never says early stopping.
            raise ValueError(
                f"early_stopping holds out validation_fraction="
                f"{self.validation_fraction} of the {len(y)} labelled rows, "
                f"and that split fails: {str(exc).rstrip('.')}. Raise "
                "validation_fraction, give more labelled rows, or pass "
                "early_stopping=False."
            ) from exc

    # -- the network ------------------------------------------------------

    def initialize_module(self):
        sized = hasattr(self, "_shape_kwargs")
        if not sized and not isinstance(self.head, nn.Module):
            raise ValueError(
                f"{type(self).__name__} sizes its new head from the data at "
                "fit, and initialize() before a fit has no data: pass the head "
                "as a torch module (head=torch.nn.Linear(n_features, n_classes), "
                "or a fitted net's module_.head), or fit it. To keep a fitted "
                "net whole, classes included, pickle it."
            )
        pretrained = load_model(
            self.module, self.weights, **self.get_params_for("module")
        )
        body = LayerOutputs(
            pretrained,
            self.layer,
            self.pooling,
            copy_module(self.preprocess),
            self.data_format,
        )
        if isinstance(self.head, nn.Module):
            head = copy_module(self.head)
        else:
            sample = torch.as_tensor(self._shape_kwargs["sample"])
            body.eval()
            with torch.no_grad():
                width = body(sample).shape[1]
            n_outputs = self._shape_kwargs["n_outputs"]
            if self.head is None:
                head = nn.Linear(width, n_outputs)
            else:
                head = self.head(width, n_outputs)
        self.module_ = FineTuneModule(body, head, self.freeze_batchnorm)
        self._check_freeze_patterns()
        return self

    def _check_freeze_patterns(self):
        names = [name for name, _ in self.module_.named_parameters()]
        for pattern in self._freeze_patterns():
            if not any(fnmatch.fnmatchcase(name, pattern) for name in names):
                body = [n.removeprefix("body.module.") for n in names if "body." in n]
                raise ValueError(
                    f"freeze pattern {pattern.removeprefix('body.module.')!r} "
                    f"matches no parameter of the network; its parameters are "
                    f"{', '.join(body[:20])}{', ...' if len(body) > 20 else ''}."
                )

    def _lr_scales(self):
        """Learning-rate multiplier of every body parameter, by its layer.

        The body's layers (see :func:`_units`) up to the cut get
        ``body_lr_scale * layer_decay ** depth``, depth counted down from the
        cut: the layers nearest the input, the most generic, learn slowest.
        """
        network = self.module_.body.module
        units = _units(network)
        cut = self.module_.body.layers[-1] if self.module_.body.layers else None
        top = len(units) - 1
        if cut:
            top = max(
                i
                for i, unit in enumerate(units)
                if _contains(unit, cut) or _contains(cut, unit)
            )
        decay = 1.0 if self.layer_decay is None else self.layer_decay
        scales = {}
        for name, param in network.named_parameters():
            depth = next(
                (top - i for i, unit in enumerate(units) if _contains(unit, name)), 0
            )
            scales[id(param)] = self.body_lr_scale * decay ** max(depth, 0)
        return scales

    def get_params_for_optimizer(self, prefix, named_parameters):
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        if prefix != "optimizer":
            return args, kwargs
        scales = self._lr_scales()
        groups = []
        # Each group (skorch's optimizer__param_groups included) is split by
        # multiplier, which scales whatever learning rate the group has.
        for group in args[0]:
            by_scale = defaultdict(list)
            for param in group["params"]:
                by_scale[scales.get(id(param), 1.0)].append(param)
            for scale, params in by_scale.items():
                lr = group.get("lr", kwargs["lr"]) * scale
                groups.append({**group, "params": params, "lr": lr})
        return (groups,), kwargs

    # -- fitting ----------------------------------------------------------

    def fit(self, X, y, sample_domain=None, **fit_params):
        """Fine-tune on the labelled rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Images (channels first or last) or feature rows.

        y : array-like of shape (n_samples,)
            Labels; rows marked unlabeled (``-1`` or ``NaN``) are left out.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; every labelled row is used, whatever its domain.

        **fit_params : dict
            Passed to skorch's ``fit``.

        Returns
        -------
        self : object
            Fitted net.
        """
        self._check_params()
        data = self._validate_domain_data(
            X,
            y,
            sample_domain,
            labels="all",
            task=self._task,
            warn_no_target=False,
        )
        X_fit = data.X[data.labeled]
        self._shape_kwargs = {
            "sample": X_fit[:2],
            "n_outputs": self._set_targets(data),
        }
        targets = self._encode(data.y, data.labeled)[data.labeled]
        with self._seeded():
            self._fit_network(X_fit, targets, **fit_params)
        self.layer_lrs_ = self._layer_lrs()
        return self

    def _feature_module(self):
        """The pretrained body, cut and pooled where the new head reads it."""
        return self.module_.body

    def _layer_lrs(self):
        """The learning rate each body layer ended with, for inspection."""
        network = self.module_.body.module
        lr_of = {
            id(param): group["lr"]
            for group in self.optimizer_.param_groups
            for param in group["params"]
        }
        lrs = {}
        for unit in _units(network):
            params = list(network.get_submodule(unit).parameters())
            if params:
                lrs[unit] = lr_of[id(params[0])]
        return lrs


class FineTunedClassifier(ClassifierNetMixin, _BaseFineTuned):
    """Fine-tune a pretrained network on a new classification task.

    The lecture's second use of a pretrained network: cut it at a layer, put
    a new head sized from ``y`` on top, and train on the new task's labelled
    rows, with some layers frozen or learning more slowly. Frozen layers
    reproduce "off-the-shelf features plus a trained head"; unfrozen ones
    adapt the features, which pays once labels are plentiful.

    Parameters
    ----------
    module : torch.nn.Module, torch.nn.Module class or str
        The pretrained network: a module (copied; the one given is never
        modified), a class built with the ``module__*`` parameters, or a
        torchvision model name (see :func:`load_model`).

    layer : str or None, default=None
        Where to cut: the dotted name of the layer whose output feeds the
        new head (``"layer4"``, ``"_blocks.10"``); None keeps the whole
        network and puts the head on its output.

    pooling : {"avg", "max", "avgmax", "flatten"} or callable, default="avg"
        How the cut layer's output becomes one vector per row.

    weights : str, path-like, dict or torchvision weights, default=None
        Weights to load into ``module``; see :func:`load_model`.

    preprocess : callable, default=None
        Applied to each batch before the network, for example an
        :class:`ImagePreprocessing`.

    data_format : {"auto", "channels_first", "channels_last", "none"}, \
            default="auto"
        Layout of image inputs.

    head : None, torch.nn.Module or callable, default=None
        The new head: a linear layer when None, a module, or a callable
        ``head(n_inputs, n_outputs)`` returning one. A module makes the
        network's sizes known before a fit: ``initialize()`` then builds it,
        for skorch's ``load_params`` (a pickle keeps a fitted net whole).

    freeze : None, "body", str or list of str, default=None
        Parameters that do not train: ``"body"`` for all but the head, or
        glob patterns over the pretrained network's parameter names
        (``"_blocks.[0-5].*"``, ``"layer1.*"``). A pattern that matches
        nothing is an error. Frozen parameters stay bit for bit as loaded.

    unfreeze_at : int or None, default=None
        Epoch (counted from 1) at which the frozen parameters start to
        train: train the head first, then everything.

    freeze_batchnorm : bool, default=True
        Keep the running statistics of batch-norm layers whose parameters
        are frozen; False lets them follow the new data.

    body_lr_scale : float, default=1.0
        The body's learning rate as a multiple of ``lr`` (the head's), e.g.
        0.1 to move the pretrained weights slowly.

    layer_decay : float in (0, 1] or None, default=None
        Each layer of the body below the cut learns ``layer_decay`` times
        slower than the one above it (layers are the top-level children,
        each block of a top-level ``Sequential``/``ModuleList`` counted
        separately). The learning rates used are in ``layer_lrs_``.

    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the rows (stratified for a
        classifier), stop when the validation loss has not improved for
        ``n_iter_no_change`` epochs and restore the weights of its minimum.
        With very few labels, turn it off.

    validation_fraction : float, default=0.2
        Share of the rows held out for early stopping.

    n_iter_no_change : int, default=5
        Patience of early stopping, in epochs.

    criterion, optimizer, lr, max_epochs, batch_size, train_split :
        As in skorch (Adam, ``lr=1e-3``, at most 50 epochs, batches of 32).
        A ``train_split`` given replaces the early-stopping split.

    random_state : int, RandomState instance or None, default=None
        Seeds torch (new head, batch order) and the validation split.

    device : str or torch.device, default="auto"
        ``"auto"`` picks CUDA when it is available, else the CPU.

    **kwargs : dict
        Other skorch parameters, ``optimizer__param_groups`` included (their
        learning rates are scaled by ``body_lr_scale`` and ``layer_decay``
        too).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    module_ : FineTuneModule
        The fine-tuned network (``module_.body`` and ``module_.head``).

    layer_lrs_ : dict
        Learning rate of each layer of the body at the end of training.

    history_ : skorch.History
        Per-epoch losses; ``valid_loss`` with early stopping.

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_digits
    >>> from sktransfer.deep import FineTunedClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = (X / 16).astype("float32")
    >>> body = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU())
    >>> net = FineTunedClassifier(body, freeze=["0.weight"], max_epochs=3,
    ...                           verbose=0, random_state=0).fit(X, y)
    >>> bool(torch.equal(net.module_.body.module[0].weight, body[0].weight))
    True
    """

    _task = "classification"

    def __init__(self, module, *, criterion=nn.CrossEntropyLoss, **kwargs):
        super().__init__(module, criterion=criterion, **kwargs)


class FineTunedRegressor(RegressorNetMixin, _BaseFineTuned):
    """Fine-tune a pretrained network on a new regression task.

    As :class:`FineTunedClassifier`, with one output and a mean-squared-error
    loss; unlabeled rows carry ``NaN``.

    Parameters
    ----------
    module : torch.nn.Module, torch.nn.Module class or str
        The pretrained network.

    criterion : torch loss class, default=torch.nn.MSELoss
        The loss.

    **kwargs : dict
        The other parameters of :class:`FineTunedClassifier`.

    Attributes
    ----------
    module_ : FineTuneModule
        The fine-tuned network.

    layer_lrs_ : dict
        Learning rate of each layer of the body at the end of training.

    history_ : skorch.History
        Per-epoch losses.
    """

    _task = "regression"

    def __init__(self, module, *, criterion=nn.MSELoss, **kwargs):
        super().__init__(module, criterion=criterion, **kwargs)

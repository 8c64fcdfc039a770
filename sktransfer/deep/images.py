"""Image inputs for pretrained networks: layout and the preprocessing they expect."""

import numbers

import numpy as np
import torch
from torch import nn

__all__ = [
    "DATA_FORMATS",
    "ImagePreprocessing",
    "channels_first_array",
    "to_channels_first",
]

DATA_FORMATS = ("auto", "channels_first", "channels_last", "none")

# Channel counts of the images people pass: grey, RGB, RGBA.
_CHANNEL_COUNTS = (1, 3, 4)


def to_channels_first(X, data_format="auto"):
    """Images in torch's ``(n, channels, height, width)`` layout.

    Parameters
    ----------
    X : torch.Tensor
        A batch: ``(n, c, h, w)``, ``(n, h, w, c)``, grey ``(n, h, w)``, or
        feature rows ``(n, d)``.

    data_format : {"auto", "channels_first", "channels_last", "none"}, \
            default="auto"
        ``"auto"`` reads a 4-D batch as channels-last when its last axis
        has 1, 3 or 4 entries and its second does not, gives a 3-D batch a
        channel axis, and leaves 2-D rows alone. ``"none"`` passes every
        batch through unchanged (tabular or sequence networks).

    Returns
    -------
    X : torch.Tensor
        A view of the input; nothing is copied.
    """
    layout = _layout(tuple(X.shape), data_format)
    if layout == "grey":
        return X.unsqueeze(1)
    if layout == "channels_last":
        return X.permute(0, 3, 1, 2)
    return X


def channels_first_array(X, data_format="auto"):
    """:func:`to_channels_first` for a numpy batch, by the same rule.

    The nets that build their network from the shape of a row (DANN,
    domain confusion) call it on the data before anything else, so that
    they read images in the layouts the pretrained-network estimators read.

    Returns
    -------
    X : ndarray
        ``X`` itself when its layout is already right, else a new
        C-contiguous array; the caller's array is never modified.
    """
    layout = _layout(X.shape, data_format)
    if layout == "grey":
        return X[:, None]
    if layout == "channels_last":
        return np.ascontiguousarray(X.transpose(0, 3, 1, 2))
    return X


def _layout(shape, data_format):
    """What a batch of this shape needs to be channels first."""
    if data_format == "none" or len(shape) == 2:
        return "as_is"
    if len(shape) == 3:
        # One channel axis, added: first and last are the same layout.
        return "grey"
    if len(shape) != 4:
        raise ValueError(
            f"Images must have 3 or 4 dimensions, got shape {tuple(shape)}; "
            "pass data_format='none' for other inputs."
        )
    if data_format == "channels_last" or (
        data_format == "auto"
        and shape[-1] in _CHANNEL_COUNTS
        and shape[1] not in _CHANNEL_COUNTS
    ):
        return "channels_last"
    return "as_is"


class ImagePreprocessing(nn.Module):
    """What a pretrained CNN expects of its input, applied to torch batches.

    In order: scale the pixel values, repeat a grey channel to ``n_channels``,
    resize to ``size``, subtract ``mean`` and divide by ``std`` per channel.
    It runs on the batch's device, so on a GPU the resizing costs little, and
    it is a module so that a fitted estimator using it pickles.

    Parameters
    ----------
    size : int or tuple of int, default=None
        Output ``(height, width)``; an int gives a square. None keeps the size.

    scale : float, default=1.0
        Factor applied first, for example ``1 / 255`` for 8-bit pixels.

    mean, std : float or sequence of float, default=0.0 and 1.0
        Per-channel normalisation after scaling.

    n_channels : int, default=None
        Channels the network takes; a grey batch is repeated to that many.
        None leaves the channels alone.

    interpolation : {"bilinear", "bicubic", "nearest", "area"}, \
            default="bilinear"
        Mode of :func:`torch.nn.functional.interpolate`.

    Examples
    --------
    >>> import torch
    >>> from sktransfer.deep import ImagePreprocessing
    >>> prep = ImagePreprocessing(size=32, scale=1 / 255, mean=0.5, std=0.5,
    ...                           n_channels=3)
    >>> prep(torch.full((2, 1, 28, 28), 255.0)).shape
    torch.Size([2, 3, 32, 32])
    """

    def __init__(
        self,
        size=None,
        *,
        scale=1.0,
        mean=0.0,
        std=1.0,
        n_channels=None,
        interpolation="bilinear",
    ):
        super().__init__()
        self.size = (size, size) if isinstance(size, numbers.Integral) else size
        self.scale = scale
        self.n_channels = n_channels
        self.interpolation = interpolation
        self.register_buffer("mean", _per_channel(mean), persistent=False)
        self.register_buffer("std", _per_channel(std), persistent=False)

    def forward(self, X):
        X = X * self.scale
        if self.n_channels not in (None, X.shape[1]) and X.shape[1] == 1:
            X = X.expand(-1, self.n_channels, -1, -1)
        if self.size is not None and tuple(X.shape[-2:]) != tuple(self.size):
            # Antialiasing matters when shrinking; interpolate supports it
            # only for these two modes.
            smooth = self.interpolation in ("bilinear", "bicubic")
            X = nn.functional.interpolate(
                X,
                size=tuple(self.size),
                mode=self.interpolation,
                antialias=smooth,
                align_corners=False if smooth else None,
            )
        return (X - self.mean) / self.std

    def extra_repr(self):
        return (
            f"size={self.size}, scale={self.scale}, n_channels={self.n_channels}, "
            f"interpolation={self.interpolation!r}"
        )


def _per_channel(value):
    return torch.as_tensor(value, dtype=torch.float32).reshape(1, -1, 1, 1)

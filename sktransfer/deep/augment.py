"""Random image augmentations in plain torch, drawn from a seeded generator."""

import math
from numbers import Real

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .images import DATA_FORMATS, _layout, to_channels_first

__all__ = ["ImageAugmentation"]

# The parameters bounded above (the others are in [0, inf)).
_RANGES = {"scale": ("[0, 1)", 1.0), "grayscale": ("[0, 1]", 1.0)}
# Every layout but "none": an augmentation warps images.
_DATA_FORMATS = tuple(fmt for fmt in DATA_FORMATS if fmt != "none")


def _uniform(n, half_width, generator, center=0.0):
    """``n`` draws from ``U(center - half_width, center + half_width)``, on the CPU."""
    return center + half_width * (2 * torch.rand(n, generator=generator) - 1)


class ImageAugmentation(nn.Module):
    """Random geometric and photometric changes of a batch of images.

    Each image gets its own random rotation, scaling and translation (one
    affine warp, sampled bilinearly, borders repeated), then its own
    contrast, brightness and, for colour images, per-channel changes and a
    chance of turning grey. These are the transformations of the surrogate
    tasks of :class:`SurrogatePretrainer`: the network must recognise an
    image whatever they do to it, so the features it learns ignore them.

    The random draws are made on the CPU from the ``generator`` passed to
    :meth:`forward` and only then moved to the batch's device, so a seeded
    generator gives the same augmentations on the CPU and on a GPU. Photometric
    changes are relative to each image's own mean and standard deviation:
    they do not depend on the pixels' scale (``[0, 1]`` or ``0..255``).

    A batch comes back in the form it came in: a tensor or a numpy array,
    channels first, channels last or grey ``(n, h, w)``, of its dtype.
    Integer pixels (``uint8`` photographs) are augmented in ``float32``,
    then rounded and clipped to their dtype's range, as torchvision's
    transforms treat them.

    Parameters
    ----------
    rotation : float, default=20.0
        Largest rotation, in degrees, either way.

    scale : float, default=0.2
        Largest relative change of size: zoom factors in
        ``[1 - scale, 1 + scale]``.

    translation : float, default=0.15
        Largest shift, as a fraction of the image's width (or height).

    contrast : float, default=0.4
        Contrast factors in ``[1 - contrast, 1 + contrast]`` around the
        image's mean.

    brightness : float, default=0.3
        Shifts of up to ``brightness`` times the image's standard deviation.

    color : float, default=0.3
        Colour images only: each channel's own contrast factor in
        ``[1 - color, 1 + color]`` and shift of up to ``color`` standard
        deviations.

    grayscale : float, default=0.2
        Colour images only: probability that an image becomes grey (its
        channels replaced by their mean).

    data_format : {"auto", "channels_first", "channels_last"}, default="auto"
        Layout of the batches, read as :func:`to_channels_first` reads it:
        ``"auto"`` takes a 4-D batch whose last axis has 1, 3 or 4 entries
        and whose second does not for channels last.

    Examples
    --------
    >>> import torch
    >>> from sktransfer.deep import ImageAugmentation
    >>> augment = ImageAugmentation()
    >>> X = torch.rand(8, 3, 28, 28)
    >>> first = augment(X, generator=torch.Generator().manual_seed(0))
    >>> again = augment(X, generator=torch.Generator().manual_seed(0))
    >>> first.shape, bool(torch.equal(first, again))
    (torch.Size([8, 3, 28, 28]), True)
    """

    def __init__(
        self,
        *,
        rotation=20.0,
        scale=0.2,
        translation=0.15,
        contrast=0.4,
        brightness=0.3,
        color=0.3,
        grayscale=0.2,
        data_format="auto",
    ):
        super().__init__()
        # A module, not an estimator: checked where it is built, before it
        # augments a batch with a zoom of 0 or a probability above 1.
        values = {
            "rotation": rotation,
            "scale": scale,
            "translation": translation,
            "contrast": contrast,
            "brightness": brightness,
            "color": color,
            "grayscale": grayscale,
        }
        for name, value in values.items():
            interval, high = _RANGES.get(name, ("[0, inf)", math.inf))
            number = isinstance(value, Real) and not isinstance(value, bool)
            # A zoom factor of 1 - scale must stay above 0.
            if not (
                number
                and value >= 0
                and (value < high if name == "scale" else value <= high)
            ):
                raise ValueError(
                    f"{name} must be a number in {interval}; got {value!r}."
                )
        if data_format not in _DATA_FORMATS:
            raise ValueError(
                f"data_format must be one of {_DATA_FORMATS}; got {data_format!r}."
            )
        self.rotation = rotation
        self.scale = scale
        self.translation = translation
        self.contrast = contrast
        self.brightness = brightness
        self.color = color
        self.grayscale = grayscale
        self.data_format = data_format

    def forward(self, X, generator=None):
        """Augment a batch.

        Parameters
        ----------
        X : torch.Tensor or ndarray of shape (n, channels, height, width), \
                (n, height, width, channels) or (n, height, width)
            Images, on any device; floating-point or integer pixels.

        generator : torch.Generator, default=None
            A CPU generator for the random draws; None uses torch's global one.

        Returns
        -------
        X_new : torch.Tensor or ndarray
            The augmented images, new, of ``X``'s type, shape, dtype and
            device.
        """
        as_numpy = isinstance(X, np.ndarray)
        if not (as_numpy or isinstance(X, torch.Tensor)):
            raise TypeError(
                "ImageAugmentation takes a torch tensor or a numpy array of "
                f"images; got {type(X).__name__}."
            )
        # A copy of an array: torch.from_numpy would share (and warn about)
        # a read-only one.
        images = torch.tensor(X) if as_numpy else X
        dtype = images.dtype
        if dtype == torch.bool or dtype.is_complex:
            raise ValueError(
                "ImageAugmentation takes real-valued pixels (floating-point or "
                f"integer); got dtype {dtype}."
            )
        if images.ndim not in (3, 4):
            raise ValueError(
                "ImageAugmentation takes images (n, channels, height, width), "
                "(n, height, width, channels) or grey (n, height, width); got "
                f"shape {tuple(images.shape)}."
            )
        layout = _layout(tuple(images.shape), self.data_format)
        # Channels first and contiguous: the same arithmetic, and the same
        # result to the bit, whatever the layout given.
        images = to_channels_first(images, self.data_format).contiguous()
        if not dtype.is_floating_point:
            images = images.float()
        images = self._photometric(self._warp(images, generator), generator)
        if layout == "grey":
            images = images[:, 0]
        elif layout == "channels_last":
            images = images.permute(0, 2, 3, 1)
        if not dtype.is_floating_point:
            bounds = torch.iinfo(dtype)
            images = images.round().clamp(bounds.min, bounds.max).to(dtype)
        images = images.contiguous()
        return images.numpy() if as_numpy else images

    def _warp(self, X, generator):
        n = X.shape[0]
        angle = _uniform(n, math.radians(self.rotation), generator)
        zoom = _uniform(n, self.scale, generator, center=1.0)
        shift = _uniform(2 * n, 2 * self.translation, generator).reshape(n, 2)
        # affine_grid maps output coordinates to input ones, in [-1, 1]:
        # dividing by the zoom factor makes the content larger when it is > 1.
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        theta = torch.stack(
            [
                torch.stack([cos, -sin, shift[:, 0]], dim=1),
                torch.stack([sin, cos, shift[:, 1]], dim=1),
            ],
            dim=1,
        ).to(device=X.device, dtype=X.dtype)
        grid = F.affine_grid(theta, list(X.shape), align_corners=False)
        return F.grid_sample(X, grid, padding_mode="border", align_corners=False)

    def _photometric(self, X, generator):
        n, channels = X.shape[:2]
        draws = {
            "contrast": _uniform(n, self.contrast, generator, center=1.0),
            "brightness": _uniform(n, self.brightness, generator),
        }
        if channels > 1:
            draws["gain"] = _uniform(n * channels, self.color, generator, center=1.0)
            draws["offset"] = _uniform(n * channels, self.color, generator)
            draws["grey"] = torch.rand(n, generator=generator) < self.grayscale
        # To the batch's device, and the factors to its dtype too.
        draws = {
            key: value.to(
                X.device, X.dtype if value.is_floating_point() else value.dtype
            ).reshape(n, -1, 1, 1)
            for key, value in draws.items()
        }
        mean = X.mean(dim=(1, 2, 3), keepdim=True)
        std = X.std(dim=(1, 2, 3), keepdim=True)
        X = mean + draws["contrast"] * (X - mean) + draws["brightness"] * std
        if channels > 1:
            channel_mean = X.mean(dim=(2, 3), keepdim=True)
            X = (
                channel_mean
                + draws["gain"] * (X - channel_mean)
                + draws["offset"] * std
            )
            X = torch.where(draws["grey"], X.mean(dim=1, keepdim=True), X)
        return X

    def extra_repr(self):
        return (
            f"rotation={self.rotation}, scale={self.scale}, "
            f"translation={self.translation}, contrast={self.contrast}, "
            f"brightness={self.brightness}, color={self.color}, "
            f"grayscale={self.grayscale}, data_format={self.data_format!r}"
        )

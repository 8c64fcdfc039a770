"""Small torch modules the deep estimators share."""

import math

import torch
from torch import nn

__all__ = [
    "GradientReversal",
    "MLPFeatures",
    "MultilinearMap",
    "SmallCNNFeatures",
    "gradient_reversal",
]

# The layers whose running statistics AdaBN re-estimates and fine-tuning keeps.
BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


class _GradientReversalFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, coefficient):
        ctx.coefficient = coefficient
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return -ctx.coefficient * grad_output, None


def gradient_reversal(x, coefficient=1.0):
    """Identity in the forward pass; gradients times ``-coefficient`` backwards.

    Ganin & Lempitsky's layer: placed between a feature extractor and a
    domain classifier, the classifier learns to tell the domains apart while
    the features learn to make that impossible.

    Parameters
    ----------
    x : torch.Tensor
        Input.

    coefficient : float, default=1.0
        The adaptation factor ``lambda``.

    Returns
    -------
    out : torch.Tensor
        ``x`` itself, with reversed gradients.
    """
    return _GradientReversalFunction.apply(x, coefficient)


class GradientReversal(nn.Module):
    """Module form of :func:`gradient_reversal`; set ``coefficient`` during training.

    Parameters
    ----------
    coefficient : float, default=1.0
        The adaptation factor ``lambda``.
    """

    def __init__(self, coefficient=1.0):
        super().__init__()
        self.coefficient = coefficient

    def forward(self, x):
        return gradient_reversal(x, self.coefficient)

    def extra_repr(self):
        return f"coefficient={self.coefficient}"


class MLPFeatures(nn.Sequential):
    """A feature extractor for feature matrices: linear, batch norm, ReLU, dropout.

    Parameters
    ----------
    n_features : int
        Input width.

    hidden_units : tuple of int, default=(100, 100)
        Width of each hidden layer; the last is the feature dimension.

    dropout : float, default=0.0
        Dropout probability after each layer.
    """

    def __init__(self, n_features, hidden_units=(100, 100), dropout=0.0):
        layers = []
        for width in hidden_units:
            layers += [
                nn.Linear(n_features, width),
                nn.BatchNorm1d(width),
                nn.ReLU(),
                nn.Dropout(dropout),
            ]
            n_features = width
        super().__init__(*layers)
        self.n_outputs = n_features


class SmallCNNFeatures(nn.Sequential):
    """A LeNet-size feature extractor for images ``(n, channels, height, width)``.

    Two blocks of 5x5 convolution, batch norm, ReLU and 2x2 max-pooling (32
    and 48 channels, the architecture Ganin & Lempitsky use on MNIST), then a
    flatten.

    Parameters
    ----------
    in_channels : int
        Channels of the input images.

    image_size : tuple of int
        ``(height, width)`` of the input images, at least 16 x 16.
    """

    def __init__(self, in_channels, image_size):
        # Each 5x5 convolution takes 4 pixels and each pooling halves: an
        # image below 16 x 16 leaves nothing for the second pooling.
        if min(image_size) < 16:
            raise ValueError(
                "SmallCNNFeatures, the default network for images, takes images "
                f"of at least 16 x 16 pixels; got {image_size[0]} x "
                f"{image_size[1]}. Upsample the images, or give a network of "
                "your own (module__feature_extractor, or SurrogatePretrainer's "
                "module)."
            )
        super().__init__(
            nn.Conv2d(in_channels, 32, 5),
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 48, 5),
            nn.BatchNorm2d(48),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        height, width = (((size - 4) // 2 - 4) // 2 for size in image_size)
        self.n_outputs = 48 * height * width


class MultilinearMap(nn.Module):
    """CDAN's conditioning: the outer product of features and class probabilities.

    ``forward(features, probabilities)`` returns the flattened outer product
    ``f (x) g`` of each row, of width ``n_features * n_classes``. When that
    width exceeds ``randomized_dim``, the randomised map of Long et al.
    (2018) replaces it: ``(f R_f) * (g R_g) / sqrt(randomized_dim)`` with
    fixed Gaussian matrices ``R_f`` and ``R_g`` (drawn once, at
    construction, from torch's generator), whose inner products approximate
    those of the outer product.

    Parameters
    ----------
    n_features : int
        Width of the features ``f``.

    n_classes : int
        Width of the probabilities ``g``.

    randomized_dim : int or None, default=1024
        Largest width of the exact map; None never randomises.

    Attributes
    ----------
    n_outputs : int
        Width of the map's output.
    """

    def __init__(self, n_features, n_classes, randomized_dim=1024):
        super().__init__()
        self.randomized = (
            randomized_dim is not None and n_features * n_classes > randomized_dim
        )
        if self.randomized:
            # Buffers: they follow the module's device and its state_dict.
            self.register_buffer(
                "random_features", torch.randn(n_features, randomized_dim)
            )
            self.register_buffer(
                "random_classes", torch.randn(n_classes, randomized_dim)
            )
            self.n_outputs = randomized_dim
        else:
            self.n_outputs = n_features * n_classes

    def forward(self, features, probabilities):
        features = features.flatten(1)
        if not self.randomized:
            return (features[:, :, None] * probabilities[:, None, :]).flatten(1)
        return (
            (features @ self.random_features)
            * (probabilities @ self.random_classes)
            / math.sqrt(self.n_outputs)
        )


def default_feature_extractor(input_shape):
    """An MLP for feature rows, a small CNN for images, chosen from the input."""
    if len(input_shape) == 1:
        return MLPFeatures(input_shape[0])
    if len(input_shape) == 3:
        return SmallCNNFeatures(input_shape[0], input_shape[1:])
    raise ValueError(
        "The default feature extractor takes rows of shape (n_features,) or "
        f"images (channels, height, width); got rows of shape {input_shape}. "
        "Pass module__feature_extractor."
    )


def head(n_inputs, n_outputs, hidden_units=100):
    """A two-layer perceptron head."""
    return nn.Sequential(
        nn.Linear(n_inputs, hidden_units), nn.ReLU(), nn.Linear(hidden_units, n_outputs)
    )


def lambda_schedule(progress, gamma=10.0):
    """Ganin & Lempitsky's adaptation factor ``2 / (1 + exp(-gamma p)) - 1``."""
    return 2.0 / (1.0 + math.exp(-gamma * progress)) - 1.0

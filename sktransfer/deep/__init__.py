"""Deep transfer: skorch nets (DANN, distillation) and the modules they share."""

from ._base import BaseNet
from ._modules import GradientReversal, MLPFeatures, SmallCNNFeatures, gradient_reversal
from .dann import DANNClassifier, DANNModule, DANNRegressor
from .distillation import DistilledClassifier, distillation_loss, soft_targets

__all__ = [
    "BaseNet",
    "DANNClassifier",
    "DANNModule",
    "DANNRegressor",
    "DistilledClassifier",
    "GradientReversal",
    "MLPFeatures",
    "SmallCNNFeatures",
    "distillation_loss",
    "gradient_reversal",
    "soft_targets",
]

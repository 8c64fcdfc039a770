"""Deep transfer: skorch nets and the small torch modules they share."""

from ._modules import GradientReversal, MLPFeatures, SmallCNNFeatures, gradient_reversal
from .dann import DANNClassifier, DANNModule, DANNRegressor

__all__ = [
    "DANNClassifier",
    "DANNModule",
    "DANNRegressor",
    "GradientReversal",
    "MLPFeatures",
    "SmallCNNFeatures",
    "gradient_reversal",
]

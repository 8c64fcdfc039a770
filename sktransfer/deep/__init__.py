"""Deep transfer: features, fine-tuning, DANN, domain confusion, distillation."""

from ._base import BaseNet
from ._modules import GradientReversal, MLPFeatures, SmallCNNFeatures, gradient_reversal
from .dann import DANNClassifier, DANNModule, DANNRegressor
from .distillation import DistilledClassifier, distillation_loss, soft_targets
from .domain_confusion import DomainConfusionClassifier
from .features import DeepFeatureTransformer, LayerOutputs
from .finetune import FineTunedClassifier, FineTunedRegressor, FineTuneModule
from .images import ImagePreprocessing, to_channels_first
from .pretrained import (
    efficientnet_lite0_preprocessing,
    load_efficientnet_lite0,
    load_model,
)
from .transferability import TransferabilityCurveDisplay, transferability_curve

__all__ = [
    "BaseNet",
    "DANNClassifier",
    "DANNModule",
    "DANNRegressor",
    "DeepFeatureTransformer",
    "DistilledClassifier",
    "DomainConfusionClassifier",
    "FineTuneModule",
    "FineTunedClassifier",
    "FineTunedRegressor",
    "GradientReversal",
    "ImagePreprocessing",
    "LayerOutputs",
    "MLPFeatures",
    "SmallCNNFeatures",
    "TransferabilityCurveDisplay",
    "distillation_loss",
    "efficientnet_lite0_preprocessing",
    "gradient_reversal",
    "load_efficientnet_lite0",
    "load_model",
    "soft_targets",
    "to_channels_first",
    "transferability_curve",
]

"""Deep transfer: features, fine-tuning, domain-adaptation nets, distillation.

The domain-adaptation nets share one network (:class:`DANNModule`) and one
training step; each adds its own terms to the label loss (the functions of
:mod:`sktransfer.deep.losses`): :class:`DANNClassifier` (gradient reversal),
:class:`CDANClassifier` (conditional adversary), :class:`MCCClassifier`
(minimum class confusion), :class:`DeepCORALClassifier` (covariances) and
:class:`DANClassifier` (multi-kernel MMD), with regressors where the method
allows; :class:`DomainConfusionClassifier` is semi-supervised.
"""

from . import losses
from ._base import BaseNet
from ._display import TrainingCurvesDisplay
from ._modules import (
    GradientReversal,
    MLPFeatures,
    MultilinearMap,
    SmallCNNFeatures,
    gradient_reversal,
)
from .augment import ImageAugmentation
from .cdan import CDANClassifier
from .dann import DANNClassifier, DANNModule, DANNRegressor
from .distillation import DistilledClassifier, distillation_loss, soft_targets
from .domain_confusion import DomainConfusionClassifier
from .features import DeepFeatureTransformer, LayerOutputs
from .finetune import FineTunedClassifier, FineTunedRegressor, FineTuneModule
from .images import ImagePreprocessing, to_channels_first
from .matching import (
    DANClassifier,
    DANRegressor,
    DeepCORALClassifier,
    DeepCORALRegressor,
)
from .mcc import MCCClassifier
from .pretrained import (
    efficientnet_lite0_preprocessing,
    load_efficientnet_lite0,
    load_model,
)
from .surrogate import SurrogateModule, SurrogatePretrainer, rotate_images
from .transferability import TransferabilityCurveDisplay, transferability_curve

__all__ = [
    "BaseNet",
    "CDANClassifier",
    "DANClassifier",
    "DANRegressor",
    "DANNClassifier",
    "DANNModule",
    "DANNRegressor",
    "DeepCORALClassifier",
    "DeepCORALRegressor",
    "DeepFeatureTransformer",
    "DistilledClassifier",
    "DomainConfusionClassifier",
    "FineTuneModule",
    "FineTunedClassifier",
    "FineTunedRegressor",
    "GradientReversal",
    "ImageAugmentation",
    "ImagePreprocessing",
    "LayerOutputs",
    "MCCClassifier",
    "MLPFeatures",
    "MultilinearMap",
    "SmallCNNFeatures",
    "SurrogateModule",
    "SurrogatePretrainer",
    "TrainingCurvesDisplay",
    "TransferabilityCurveDisplay",
    "distillation_loss",
    "efficientnet_lite0_preprocessing",
    "gradient_reversal",
    "load_efficientnet_lite0",
    "load_model",
    "losses",
    "rotate_images",
    "soft_targets",
    "to_channels_first",
    "transferability_curve",
]

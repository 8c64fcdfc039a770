"""sktransfer: transfer learning and domain adaptation for scikit-learn.

Every domain-aware estimator takes ONE ``X`` holding source and target rows;
``y`` marks unlabeled rows with ``-1`` (or ``NaN``) and an optional
``sample_domain`` gives each row's domain (``> 0`` source, ``< 0`` target).
The convention lives in :mod:`sktransfer._domain`; start reading there.

Modules
-------
alignment
    Feature-space alignment: subspace alignment and CORAL.
baseline
    Source-only meta-estimators, the reference every method is measured against.
pipeline
    :func:`make_da_pipeline`, a Pipeline that passes ``sample_domain`` on.
reweight
    Instance-based transfer: KMM, density-ratio weights, importance-weighted
    estimators.
supervised
    A few target labels: feature augmentation, balanced weighting,
    TrAdaBoost, regularised transfer, the source model as a prior (PRED,
    continued boosting), and learning curves against the number of labels.
metrics
    Measures of domain shift: MMD, its permutation test, proxy A-distance.
label_shift
    Label shift: a test of it, the target's class priors estimated from
    unlabeled rows (MLLS with calibration, BBSE, RLLS), and a classifier and
    a weighter that correct for them.
model_selection
    Choosing hyper-parameters without target labels: splitters that keep
    every domain in every fold, and validation scorers (importance-weighted,
    deep embedded, reverse validation, entropy, soft neighbourhood density).
deep
    Pretrained networks: off-the-shelf features, fine-tuning, pretraining
    on unlabeled images with a surrogate task, and skorch nets for domain
    adaptation (DANN, CDAN, MCC, Deep CORAL, DAN, domain confusion) and
    distillation, with the torch modules they share.
datasets
    Shifted data sets built from data that ships with installed packages.
text
    Texts as vectors: :class:`~sktransfer.text.SentenceEmbedder`, sentence
    embeddings from a local sentence-transformers model (loaded on first use).
exceptions
    :class:`~sktransfer.exceptions.NoTargetDomainWarning` and the other
    warnings sktransfer raises.
"""

import importlib
from typing import TYPE_CHECKING

from . import (
    datasets,
    exceptions,
    label_shift,
    metrics,
    model_selection,
    reweight,
    supervised,
    text,
)
from ._domain import (
    UNLABELED,
    DomainAwareMixin,
    DomainAwarePredictorMixin,
    DomainAwareTransformerMixin,
    check_domain_data,
    pack_domains,
    unlabeled_mask,
    unpack_domains,
)
from .alignment import CORAL, SubspaceAlignment
from .baseline import SourceOnlyClassifier, SourceOnlyRegressor
from .label_shift import LabelShiftClassifier, LabelShiftReweighter
from .pipeline import DAPipeline, make_da_pipeline
from .reweight import (
    DensityRatioWeighter,
    ImportanceWeightedClassifier,
    ImportanceWeightedRegressor,
    KMMReweighter,
)
from .supervised import (
    BalancedWeightingClassifier,
    BalancedWeightingRegressor,
    ContinuedBoostingClassifier,
    ContinuedBoostingRegressor,
    FeatureAugmentedClassifier,
    FeatureAugmentedRegressor,
    FeatureAugmenter,
    PREDClassifier,
    PREDRegressor,
    RegularTransferClassifier,
    RegularTransferRegressor,
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
    TwoStageTrAdaBoostRegressor,
)

if TYPE_CHECKING:  # what static tools see; at run time, __getattr__ below
    from . import deep
    from .deep import (
        CDANClassifier,
        DANClassifier,
        DANNClassifier,
        DANNRegressor,
        DANRegressor,
        DeepCORALClassifier,
        DeepCORALRegressor,
        DeepFeatureTransformer,
        DistilledClassifier,
        DomainConfusionClassifier,
        FineTunedClassifier,
        FineTunedRegressor,
        MCCClassifier,
        SurrogatePretrainer,
    )

__version__ = "0.1.0.dev0"

# The deep estimators need torch and skorch, which take seconds to import:
# they load on first access (PEP 562), so that the tabular estimators,
# metrics and model selection import without them.
_DEEP_NAMES = frozenset(
    {
        "CDANClassifier",
        "DANClassifier",
        "DANNClassifier",
        "DANNRegressor",
        "DANRegressor",
        "DeepCORALClassifier",
        "DeepCORALRegressor",
        "DeepFeatureTransformer",
        "DistilledClassifier",
        "DomainConfusionClassifier",
        "FineTunedClassifier",
        "FineTunedRegressor",
        "MCCClassifier",
        "SurrogatePretrainer",
    }
)


def __getattr__(name):
    if name == "deep":
        return importlib.import_module(".deep", __name__)
    if name in _DEEP_NAMES:
        value = getattr(importlib.import_module(".deep", __name__), name)
        globals()[name] = value  # found directly from now on
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *__all__})


__all__ = [
    "BalancedWeightingClassifier",
    "BalancedWeightingRegressor",
    "CDANClassifier",
    "CORAL",
    "ContinuedBoostingClassifier",
    "ContinuedBoostingRegressor",
    "DANClassifier",
    "DANNClassifier",
    "DANNRegressor",
    "DANRegressor",
    "DAPipeline",
    "DeepCORALClassifier",
    "DeepCORALRegressor",
    "DeepFeatureTransformer",
    "DensityRatioWeighter",
    "DistilledClassifier",
    "DomainAwareMixin",
    "DomainAwarePredictorMixin",
    "DomainAwareTransformerMixin",
    "DomainConfusionClassifier",
    "FeatureAugmentedClassifier",
    "FeatureAugmentedRegressor",
    "FeatureAugmenter",
    "FineTunedClassifier",
    "FineTunedRegressor",
    "ImportanceWeightedClassifier",
    "ImportanceWeightedRegressor",
    "KMMReweighter",
    "LabelShiftClassifier",
    "LabelShiftReweighter",
    "MCCClassifier",
    "PREDClassifier",
    "PREDRegressor",
    "RegularTransferClassifier",
    "RegularTransferRegressor",
    "SourceOnlyClassifier",
    "SourceOnlyRegressor",
    "SubspaceAlignment",
    "SurrogatePretrainer",
    "TrAdaBoostClassifier",
    "TrAdaBoostRegressor",
    "TwoStageTrAdaBoostRegressor",
    "UNLABELED",
    "check_domain_data",
    "datasets",
    "deep",
    "exceptions",
    "label_shift",
    "make_da_pipeline",
    "metrics",
    "model_selection",
    "pack_domains",
    "reweight",
    "supervised",
    "text",
    "unlabeled_mask",
    "unpack_domains",
]

"""Supervised domain adaptation: a labelled source and a few target labels.

A new hospital, region or year often comes with a few dozen labelled rows
beside a large labelled source. The estimators here read both: the
labelled target rows are those with ``sample_domain < 0`` and a label;
unlabeled target rows are never read as labels.

- :class:`FeatureAugmenter`, :class:`FeatureAugmentedClassifier`,
  :class:`FeatureAugmentedRegressor`: shared features and features of each
  domain (Daume III), one model over both.
- :class:`BalancedWeightingClassifier`, :class:`BalancedWeightingRegressor`:
  one fit on both, the target rows' share of the weight chosen on their
  labels.

:func:`target_label_curve` and :class:`TargetLabelCurveDisplay` score
methods against the number of labelled target rows.
"""

from ._augment import (
    FeatureAugmentedClassifier,
    FeatureAugmentedRegressor,
    FeatureAugmenter,
)
from ._balanced import BalancedWeightingClassifier, BalancedWeightingRegressor
from ._curve import TargetLabelCurveDisplay, target_label_curve
from ._prior import (
    ContinuedBoostingClassifier,
    ContinuedBoostingRegressor,
    PREDClassifier,
    PREDRegressor,
)
from ._regular import RegularTransferClassifier, RegularTransferRegressor
from ._tradaboost import (
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
    TwoStageTrAdaBoostRegressor,
)

__all__ = [
    "BalancedWeightingClassifier",
    "BalancedWeightingRegressor",
    "ContinuedBoostingClassifier",
    "ContinuedBoostingRegressor",
    "FeatureAugmentedClassifier",
    "FeatureAugmentedRegressor",
    "FeatureAugmenter",
    "PREDClassifier",
    "PREDRegressor",
    "RegularTransferClassifier",
    "RegularTransferRegressor",
    "TargetLabelCurveDisplay",
    "TrAdaBoostClassifier",
    "TrAdaBoostRegressor",
    "TwoStageTrAdaBoostRegressor",
    "target_label_curve",
]

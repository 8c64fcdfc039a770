"""Instance-based transfer: weigh source rows by ``beta = P_T(x) / P_S(x)``.

Under covariate shift (``P_S(x) != P_T(x)`` while ``P(y | x)`` is shared), a
model trained on source rows weighted by ``beta`` minimises the target risk.

- :class:`KMMReweighter`: kernel mean matching, weights for the source rows.
- :class:`DensityRatioWeighter`: density-ratio estimates (KDE, classifier,
  KLIEP, uLSIF, RuLSIF) that also weigh new rows.
- :class:`ImportanceWeightedClassifier`, :class:`ImportanceWeightedRegressor`:
  fit any estimator with ``sample_weight = beta``.
- :class:`ImportanceWeightsDisplay`: where the weights went, and how many
  rows they are worth.
"""

from ._base import BaseWeighter, effective_sample_size
from ._density_ratio import DensityRatioWeighter
from ._display import ImportanceWeightsDisplay
from ._importance import ImportanceWeightedClassifier, ImportanceWeightedRegressor
from ._kmm import KMMReweighter

__all__ = [
    "BaseWeighter",
    "DensityRatioWeighter",
    "ImportanceWeightedClassifier",
    "ImportanceWeightedRegressor",
    "ImportanceWeightsDisplay",
    "KMMReweighter",
    "effective_sample_size",
]

"""Label shift: the target's class priors changed, ``P(x | y)`` did not.

The share of each class changes between the domains (prevalence between
hospitals, fraud rates between months) while each class looks the same. A
classifier trained on the source then only needs its probabilities
re-weighted by ``w_y = P_T(y) / P_S(y)`` (Bayes' rule), and ``w`` can be
estimated from its outputs on the unlabeled target rows.

- :func:`label_shift_test`: did the class mix move at all?
- :func:`estimate_target_priors`: ``P_T(y)`` from a classifier's
  probabilities (MLLS with calibration, BBSE, RLLS).
- :class:`LabelShiftClassifier`: any probabilistic classifier, corrected.
- :class:`LabelShiftReweighter`: the weights ``w_y`` of the source rows, for
  :class:`~sktransfer.reweight.ImportanceWeightedClassifier`.
- :class:`LabelShiftDisplay`: the priors of both domains, with intervals.
"""

from ._classifier import LabelShiftClassifier
from ._detection import LabelShiftTestResult, label_shift_test
from ._display import LabelShiftDisplay
from ._priors import estimate_target_priors
from ._weighter import LabelShiftReweighter

__all__ = [
    "LabelShiftClassifier",
    "LabelShiftDisplay",
    "LabelShiftReweighter",
    "LabelShiftTestResult",
    "estimate_target_priors",
    "label_shift_test",
]

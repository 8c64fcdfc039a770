"""Model selection for domain adaptation: splitters and validation scorers.

Whether to adapt at all, and how, is :class:`AdaptationSearchCV`'s
question: one estimator that compares the source-only model with the
package's adaptations around any classifier or regressor, keeps the
source-only model unless one credibly wins, and explains its choice in
``report_`` (drawn by :class:`AdaptationSearchDisplay`).

Choosing the hyper-parameters of an adaptation method needs a score of the
target risk, and the target rows carry no label. This module gives
:class:`~sklearn.model_selection.GridSearchCV` and
:func:`~sklearn.model_selection.cross_val_score` what they need:

- **splitters** that keep source and target rows in every fold:
  :class:`DomainShuffleSplit` and, with several source domains,
  :class:`LeaveOneDomainOut`;
- **scorers** that estimate the target risk without target labels:
  :class:`ImportanceWeightedScorer`, :class:`DeepEmbeddedValidationScorer`,
  :class:`ReverseValidationScorer`, :class:`PredictionEntropyScorer`,
  :class:`SoftNeighborhoodDensityScorer`; and :class:`TargetLabelScorer`
  for the semi-supervised case, where a few target rows are labelled.

Every scorer is called as ``scorer(estimator, X, y, sample_domain=None)``
and is greater-is-better. The validation fold's domains come from
``sample_domain`` when it is given (scikit-learn passes it when metadata
routing is enabled: the scorers request it by default), else from ``y``
(``-1``/``NaN`` rows are target rows), as everywhere in sktransfer (see
:mod:`sktransfer._domain`). The unsupervised scorers never read a label of a
target row.

Examples
--------
>>> import sklearn
>>> from sklearn.model_selection import cross_val_score
>>> from sklearn.preprocessing import StandardScaler
>>> from sktransfer import SourceOnlyClassifier, make_da_pipeline
>>> from sktransfer.datasets import make_biased_selection
>>> from sktransfer.model_selection import (
...     DomainShuffleSplit, PredictionEntropyScorer)
>>> X, y, sample_domain = make_biased_selection(
...     "wine", return_X_y=True, random_state=0)
>>> pipe = make_da_pipeline(StandardScaler(), SourceOnlyClassifier())
>>> with sklearn.config_context(enable_metadata_routing=True):
...     scores = cross_val_score(
...         pipe, X, y, cv=DomainShuffleSplit(n_splits=3, random_state=0),
...         scoring=PredictionEntropyScorer(),
...         params={"sample_domain": sample_domain, "groups": sample_domain})
>>> scores.shape, bool((scores <= 0).all())
((3,), True)
"""

from ._display import AdaptationSearchDisplay, ModelSelectionDisplay
from ._refit import BaselineUnlessBetter
from ._scorers import (
    DeepEmbeddedValidationScorer,
    ImportanceWeightedScorer,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SoftNeighborhoodDensityScorer,
    TargetLabelScorer,
)
from ._search import AdaptationReport, AdaptationSearchCV, CandidateResult
from ._split import DomainShuffleSplit, LeaveOneDomainOut

__all__ = [
    "AdaptationReport",
    "AdaptationSearchCV",
    "AdaptationSearchDisplay",
    "BaselineUnlessBetter",
    "CandidateResult",
    "DeepEmbeddedValidationScorer",
    "DomainShuffleSplit",
    "ImportanceWeightedScorer",
    "LeaveOneDomainOut",
    "ModelSelectionDisplay",
    "PredictionEntropyScorer",
    "ReverseValidationScorer",
    "SoftNeighborhoodDensityScorer",
    "TargetLabelScorer",
]

"""
Choosing hyper-parameters without target labels
===============================================

A grid search needs a score, and the target rows carry no label. The
scorers of :mod:`sktransfer.model_selection` estimate the target risk from
labelled source rows and unlabeled target rows; here each picks a flattening
of importance weights, and the display compares each pick with what the
target labels (held out, read only for this picture) say.
"""

import matplotlib.pyplot as plt
import numpy as np
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import StandardScaler

from sktransfer import ImportanceWeightedClassifier, make_da_pipeline
from sktransfer.datasets import make_biased_selection
from sktransfer.model_selection import (
    DomainShuffleSplit,
    ImportanceWeightedScorer,
    ModelSelectionDisplay,
    PredictionEntropyScorer,
)

data = make_biased_selection("digits", bias=1.5, random_state=0)
target = np.flatnonzero(data.sample_domain < 0)
seen, scored = train_test_split(
    target, test_size=0.5, stratify=data.y[target], random_state=0
)
fit = np.r_[np.flatnonzero(data.sample_domain > 0), seen]
X, sample_domain = data.X[fit], data.sample_domain[fit]
y = np.where(sample_domain < 0, -1, data.y[fit])

pipe = make_da_pipeline(
    StandardScaler(),
    ImportanceWeightedClassifier(LogisticRegression(max_iter=2000)),
)
grid = {"importanceweightedclassifier__flatten": [0.0, 0.25, 0.5, 1.0]}
scorers = {
    "importance weighted": ImportanceWeightedScorer(),
    "entropy": PredictionEntropyScorer(),
}
search = GridSearchCV(
    pipe,
    grid,
    scoring=scorers,
    refit=False,
    cv=DomainShuffleSplit(n_splits=3, random_state=0),
)
with sklearn.config_context(enable_metadata_routing=True):
    search.fit(X, y, sample_domain=sample_domain, groups=sample_domain)

# %%
# Each candidate on the held-out target rows, in hindsight; flatten=0 is
# source only.
target_scores = [
    clone(pipe)
    .set_params(**params)
    .fit(X, y, sample_domain=sample_domain)
    .score(data.X[scored], data.y[scored])
    for params in search.cv_results_["params"]
]
ModelSelectionDisplay.from_cv_results(
    search.cv_results_, target_scores, scorers=list(scorers), baseline_index=0
)
plt.show()

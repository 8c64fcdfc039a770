"""
Instance reweighting under covariate shift
==========================================

Under covariate shift the source's ``P(x)`` differs from the target's while
``P(y | x)`` is shared. Kernel mean matching weighs each source row so that
the weighted source matches the target in a kernel's feature space; a model
trained with those weights minimises the target risk. The display shows how
uneven the weights are (their effective sample size) and where they went.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sktransfer import ImportanceWeightedClassifier, KMMReweighter, SourceOnlyClassifier
from sktransfer.datasets import make_biased_selection
from sktransfer.reweight import ImportanceWeightsDisplay

data = make_biased_selection("breast_cancer", bias=4.0, random_state=0)
X = StandardScaler().fit_transform(data.X)
target = np.flatnonzero(data.sample_domain < 0)
# Half of the target rows are scored; the other half is seen unlabeled.
seen, scored = train_test_split(
    target, test_size=0.5, stratify=data.y[target], random_state=0
)
fit = np.r_[np.flatnonzero(data.sample_domain > 0), seen]
y = np.where(data.sample_domain < 0, -1, data.y)

for name, model in {
    "source only": SourceOnlyClassifier(LogisticRegression(max_iter=5000)),
    "KMM weights": ImportanceWeightedClassifier(
        LogisticRegression(max_iter=5000), KMMReweighter()
    ),
}.items():
    model.fit(X[fit], y[fit], sample_domain=data.sample_domain[fit])
    print(f"{name}: {model.score(X[scored], data.y[scored]):.3f} on target")

# %%
# The weights of the source rows: their spread, and each against the first
# principal component, over the densities of both domains.
kmm = KMMReweighter().fit(X[fit], sample_domain=data.sample_domain[fit])
ImportanceWeightsDisplay.from_estimator(
    kmm, X[fit], sample_domain=data.sample_domain[fit]
)
plt.show()

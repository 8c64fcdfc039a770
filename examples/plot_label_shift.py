"""
Label shift: re-weighting a classifier for new class priors
===========================================================

Under label shift the share of each class changes between the domains while
each class looks the same. A classifier trained on the source only needs its
probabilities re-weighted by ``P_T(y) / P_S(y)``, and the target's priors can
be estimated from its own outputs on the unlabeled target rows (maximum
likelihood with calibration, by default).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.naive_bayes import GaussianNB

from sktransfer.datasets import make_label_shift
from sktransfer.label_shift import (
    LabelShiftClassifier,
    LabelShiftDisplay,
    label_shift_test,
)

data = make_label_shift("digits", alpha=0.3, random_state=1)
source = data.sample_domain > 0
y = np.where(source, data.y, -1)

test = label_shift_test(
    data.X[source],
    data.y[source],
    data.X[~source],
    estimator=GaussianNB(),
    random_state=0,
)
print(f"label-shift test p-value: {test.pvalue:.3g}")

model = LabelShiftClassifier(GaussianNB(), random_state=0)
model.fit(data.X, y, sample_domain=data.sample_domain)
target = ~source
print(f"source only: {model.estimator_.score(data.X[target], data.y[target]):.3f}")
print(f"corrected:   {model.score(data.X[target], data.y[target]):.3f}")

# %%
# The estimated priors, with their bootstrap intervals, against the source's
# and the true ones (known here because the shift was drawn).
LabelShiftDisplay.from_estimator(model, true_priors=data.target_priors)
plt.show()

"""
Semi-supervised adaptation: domain confusion and soft labels
============================================================

With a few labelled target rows, Tzeng et al. (2015) train a representation
that a domain classifier cannot tell apart (domain confusion) while the
labelled target rows learn the source's soft labels: how much each class
resembles the others. Here the source is the UCI digits and the target an
MNIST sample, with three labelled target images a class.
"""

import matplotlib.pyplot as plt
import numpy as np

from sktransfer import DomainConfusionClassifier
from sktransfer.datasets import make_digits_shift
from sktransfer.deep import TrainingCurvesDisplay

data = make_digits_shift("uci", "mnist", n_source=800, n_target=800, random_state=0)
target = np.flatnonzero(data.sample_domain < 0)
rng = np.random.RandomState(0)
# Three labelled target images a class; every other target row is unlabeled
# (-1) and scored at the end.
few = np.concatenate(
    [rng.choice(target[data.y[target] == c], 3, replace=False) for c in range(10)]
)
y = np.where(data.sample_domain > 0, data.y, -1)
y[few] = data.y[few]
scored = np.setdiff1d(target, few)

params = {"pretrain_epochs": 5, "max_epochs": 10, "random_state": 0, "verbose": 0}
# Without confusion and soft labels: the same network trained on the source
# and the few target labels.
plain = DomainConfusionClassifier(lambda_confusion=0.0, nu_soft=0.0, **params)
plain.fit(data.X, y, sample_domain=data.sample_domain)
net = DomainConfusionClassifier(lambda_confusion=0.1, nu_soft=10.0, **params)
net.fit(data.X, y, sample_domain=data.sample_domain)
for name, model in (("few target labels only", plain), ("domain confusion", net)):
    print(f"{name}: {model.score(data.X[scored], data.y[scored]):.3f} on target")

# %%
# The domain classifier's accuracy falls towards chance as the features are
# confused; the label loss keeps falling.
TrainingCurvesDisplay.from_estimator(
    net, keys=["label_loss", "domain_acc"], names=["domain confusion"]
)
plt.show()

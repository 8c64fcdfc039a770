"""
Domain-adversarial training, and its training curves
====================================================

DANN trains a feature extractor to serve the label predictor while a domain
classifier, behind a gradient reversal layer, fails to tell source from
target features. The training curves show the game: the domain loss rises
towards chance as the features align. MNIST digits are the source and an
MNIST-M style target (digits blended with photo crops) the target; the
features of the trained network are drawn beside those of the same network
trained without the adversary.
"""

import matplotlib.pyplot as plt
import numpy as np

from sktransfer import DANNClassifier
from sktransfer.datasets import make_digits_shift
from sktransfer.deep import TrainingCurvesDisplay
from sktransfer.metrics import DomainShiftDisplay

data = make_digits_shift(
    "mnist", "mnist_m", n_source=1000, n_target=1000, random_state=0
)
X = data.X
y = np.where(data.sample_domain < 0, -1, data.y)

# lambda_max=0 switches the adversary off: the same network, source only.
nets = {
    "source only": DANNClassifier(lambda_max=0.0, max_epochs=8, random_state=0),
    "DANN": DANNClassifier(max_epochs=8, random_state=0),
}
for net in nets.values():
    net.set_params(verbose=0).fit(X, y, sample_domain=data.sample_domain)
target = data.sample_domain < 0
for name, net in nets.items():
    print(f"{name}: {net.score(X[target], data.y[target]):.3f} on target")

# %%
# What each net recorded per epoch.
TrainingCurvesDisplay.from_estimator(*nets.values(), names=list(nets))
plt.show()

# %%
# The learned features, coloured by class: dots source, crosses target (the
# target's labels only colour the points; the accuracies above are measured
# on target rows the nets saw unlabeled).
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, (name, net) in zip(axes, nets.items(), strict=True):
    DomainShiftDisplay.from_estimator(
        net,
        X,
        data.y,
        sample_domain=data.sample_domain,
        hue="class",
        ax=ax,
        name=name,
        random_state=0,
    )
fig.tight_layout()
plt.show()

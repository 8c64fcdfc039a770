"""
Pretraining on unlabeled images with a surrogate task
=====================================================

Without a network trained on a nearby labelled task, the unlabeled images
themselves can teach one: train a small CNN to tell how far each image was
turned (rotation prediction, a surrogate task whose labels cost nothing),
then hand its body to a classifier trained on ten labelled images a class.
The images are MNIST digits blended with colour photos (an MNIST-M style
set), whose backgrounds a network trained from scratch on a hundred labels
cannot learn to ignore.
"""

import matplotlib.pyplot as plt
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer.datasets import load_mnist_5k, make_mnist_m
from sktransfer.deep import (
    DeepFeatureTransformer,
    FineTunedClassifier,
    SmallCNNFeatures,
    SurrogatePretrainer,
    TrainingCurvesDisplay,
)

X_grey, y = load_mnist_5k(return_X_y=True)
X = make_mnist_m(X_grey, random_state=0)
# 500 images to score and 2,000 unlabeled ones, drawn at random and
# stratified; ten labelled images a class among the unlabeled ones.
X_pool, X_test, y_pool, y_test = train_test_split(
    X, y, train_size=2000, test_size=500, stratify=y, random_state=0
)
X_train, _, y_train, _ = train_test_split(
    X_pool, y_pool, train_size=100, stratify=y_pool, random_state=0
)

# %%
# Pretrain on the unlabeled images
# --------------------------------
# Each image, randomly warped and recoloured, in its four quarter turns: the
# network learns which way is up, which needs the digit's shape and not the
# photo behind it.
pretrainer = SurrogatePretrainer(
    task="rotation", max_epochs=10, random_state=0, verbose=0
).fit(X_pool)
TrainingCurvesDisplay.from_estimator(pretrainer, names=["rotation prediction"])

# %%
# Hand the body on
# ----------------
# The same CNN from random weights, fine-tuned on the hundred labelled
# images, against the pretrained body: its features with a logistic
# regression, and fine-tuned.


def fine_tuned(body):
    return FineTunedClassifier(
        body, early_stopping=False, max_epochs=75, random_state=0, verbose=0
    )


torch.manual_seed(0)  # the scratch body's random weights
scores = {
    "scratch, fine-tuned": fine_tuned(SmallCNNFeatures(3, (28, 28))),
    "pretrained, features + LR": make_pipeline(
        DeepFeatureTransformer(pretrainer.body_),
        StandardScaler(),
        LogisticRegression(C=0.1, max_iter=2000),
    ),
    "pretrained, fine-tuned": fine_tuned(pretrainer.body_),
}
scores = {
    name: model.fit(X_train, y_train).score(X_test, y_test)
    for name, model in scores.items()
}
for name, score in scores.items():
    print(f"{name}: {score:.3f}")

fig, ax = plt.subplots(figsize=(6, 2.5))
ax.barh(list(scores), list(scores.values()))
ax.set_xlim(0, 1)
ax.set_xlabel("test accuracy, 10 labels a class")
ax.invert_yaxis()
fig.tight_layout()
plt.show()

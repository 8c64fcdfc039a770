"""
Knowledge distillation with a temperature
=========================================

A large teacher's softened probabilities carry more than its hard labels:
which wrong classes it finds plausible. A small student trained on them, at
a temperature, learns from unlabeled rows too. Here a random forest teaches
a small network on the digits, with a transfer set of labelled rows and
unlabeled ones (``y == -1``, taught by the teacher's soft targets alone),
against the same student trained on the labelled rows' hard labels: the fair
control.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

from sktransfer import DistilledClassifier

X, y = load_digits(return_X_y=True)
X = (X / 16).astype(np.float32)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
# 200 labelled rows; the rest of the training half is unlabeled.
labelled = np.zeros(len(y_train), dtype=bool)
labelled[:200] = True
teacher = RandomForestClassifier(n_estimators=300, random_state=0)
teacher.fit(X_train[labelled], y_train[labelled])
print(f"teacher: {teacher.score(X_test, y_test):.3f}")

transfer_y = np.where(labelled, y_train, -1)
student = DistilledClassifier(
    teacher,
    temperature=4.0,
    soft_weight=0.9,
    max_epochs=60,
    random_state=0,
    verbose=0,
).fit(X_train, transfer_y)
print(
    f"distilled student, labelled and unlabeled rows: "
    f"{student.score(X_test, y_test):.3f}"
)

hard = DistilledClassifier(
    teacher, soft_weight=0.0, max_epochs=60, random_state=0, verbose=0
).fit(X_train[labelled], y_train[labelled])
print(
    f"same student, hard labels of the labelled rows: {hard.score(X_test, y_test):.3f}"
)

# %%
# Here the soft targets buy nothing over the hard labels: the teacher is no
# better than the student can be on 200 rows. Distillation pays when the
# teacher knows more than the labelled rows say (a larger model, other data)
# and the transfer set is large; measure it, as here, against the same
# student with hard labels (``benchmarks/results/distillation.md``).

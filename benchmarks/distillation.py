"""Knowledge distillation on the MNIST 5,000 subset: teacher, student alone, distilled.

The teacher is an ensemble (a calibrated RBF SVM and a random forest,
probabilities averaged) trained on 4,000 images; the student is DistilledClassifier's
default small MLP (one hidden layer of 100), trained for the same epochs on
hard labels alone (alpha=0) or distilled (T=4, alpha=0.9). A second block
keeps labels for only 500 of the 4,000 training images: the student alone
sees those 500; the distilled student sees them and the 3,500 others
unlabeled (soft targets only). Test errors are counts on the 1,000 held-out
images, mean ± std over seeds; prediction time is per 1,000 images, as a
ratio to the teacher's.

    python benchmarks/distillation.py [--seeds 3] [--epochs 30]
"""

import argparse
import datetime
import sys
import time

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier, VotingClassifier
from sklearn.svm import SVC

from sktransfer.datasets import load_mnist_5k
from sktransfer.deep import DistilledClassifier


def _errors(model, X, y):
    return int((model.predict(X) != y).sum())


def _predict_seconds(model, X):
    start = time.perf_counter()
    model.predict(X)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args(argv)
    X, y = load_mnist_5k(return_X_y=True)
    X = X.reshape(len(X), -1)

    rows = {}
    for seed in range(args.seeds):
        order = np.random.RandomState(seed).permutation(len(y))
        train, test = order[:4000], order[4000:]
        teacher = VotingClassifier(
            [
                ("svm", CalibratedClassifierCV(SVC(), ensemble=False)),
                ("forest", RandomForestClassifier(300, random_state=seed)),
            ],
            voting="soft",
        ).fit(X[train], y[train])
        kw = {"max_epochs": args.epochs, "random_state": seed, "verbose": 0}
        few = np.where(np.arange(4000) < 500, y[train], -1)
        models = {
            "teacher (SVM + forest)": teacher,
            "student, hard labels (4,000)": DistilledClassifier(
                teacher, alpha=0.0, **kw
            ).fit(X[train], y[train]),
            "student, distilled (4,000)": DistilledClassifier(teacher, **kw).fit(
                X[train], y[train]
            ),
            "student, hard labels (500)": DistilledClassifier(
                teacher, alpha=0.0, **kw
            ).fit(X[train][:500], y[train][:500]),
            "student, distilled (500 + 3,500 unlabeled)": DistilledClassifier(
                teacher, **kw
            ).fit(X[train], few),
        }
        for name, model in models.items():
            row = rows.setdefault(name, {"errors": [], "seconds": []})
            row["errors"].append(_errors(model, X[test], y[test]))
            row["seconds"].append(_predict_seconds(model, X[test]))

    print(f"# {__doc__.splitlines()[0]}\n")
    print(f"command: python {' '.join(sys.argv)}  ")
    print(f"date: {datetime.date.today()}, {args.seeds} seeds, {args.epochs} epochs\n")
    print("| model | test errors (of 1,000) | prediction time / teacher |")
    print("| --- | --- | --- |")
    teacher_seconds = np.mean(rows["teacher (SVM + forest)"]["seconds"])
    for name, row in rows.items():
        print(
            f"| {name} | {np.mean(row['errors']):.1f} ± {np.std(row['errors']):.1f} "
            f"| {np.mean(row['seconds']) / teacher_seconds:.3f} |"
        )


if __name__ == "__main__":
    main()

"""Knowledge distillation on the MNIST 5,000 subset: teacher, student alone, distilled.

Two teachers, each trained on 4,000 images: an ensemble (a calibrated RBF SVM
and a random forest, probabilities averaged) and a wider CNN (two conv blocks,
a hidden layer of 256, dropout) trained on the images and three shifted
copies of each (random shifts of up to 2 pixels, as Hinton et al. jitter
their teacher's inputs). The student is DistilledClassifier's default small
MLP (one hidden layer of 100), trained for the same epochs on hard labels
alone (alpha=0) or distilled (T=4, alpha=0.9), on:

- the 4,000 labelled images;
- the same plus 16,000 shifted copies without labels (``y == -1``: soft
  targets only), a larger transfer set at no labelling cost, for
  ``--transfer-epochs`` epochs; against it, the student trained on the same
  20,000 images with the labels of the originals copied to their shifts
  (plain data augmentation), for as many epochs;
- 500 labelled images (hard labels), against 500 labelled + 3,500 unlabeled.

Test errors are counts on the 1,000 held-out images, mean ± std over seeds;
"gap closed" is (hard - distilled) / (hard - teacher); prediction time is per
1,000 images, as a ratio to the teacher's.

    OMP_NUM_THREADS=1 python benchmarks/distillation.py [--seeds 3] [--epochs 30]
        [--transfer-epochs 15]
"""

import argparse
import datetime
import sys
import time

import numpy as np
import torch
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier, VotingClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import SVC
from skorch import NeuralNetClassifier
from torch import nn

from sktransfer.datasets import load_mnist_5k
from sktransfer.deep import DistilledClassifier, SmallCNNFeatures


def _flatten(X):
    return X.reshape(len(X), -1)


def _shifted(X, n_copies, seed):
    """``n_copies`` of every image, each shifted by up to 2 pixels each way."""
    rng = np.random.default_rng(seed)
    copies = []
    for _ in range(n_copies):
        shifts = rng.integers(-2, 3, size=(len(X), 2))
        copies.append(
            np.stack(
                [
                    np.roll(x, tuple(s), axis=(-2, -1))
                    for x, s in zip(X, shifts, strict=True)
                ]
            )
        )
    return np.concatenate(copies)


def _ensemble_teacher(X, y, seed):
    ensemble = VotingClassifier(
        [
            ("svm", CalibratedClassifierCV(SVC(), ensemble=False)),
            ("forest", RandomForestClassifier(300, random_state=seed)),
        ],
        voting="soft",
    )
    return make_pipeline(FunctionTransformer(_flatten), ensemble).fit(X, y)


def _cnn_teacher(X, y, seed, epochs=15):
    torch.manual_seed(seed)
    network = nn.Sequential(
        SmallCNNFeatures(1, (28, 28)),
        nn.Linear(768, 256),
        nn.ReLU(),
        nn.Dropout(0.3),
        nn.Linear(256, 10),
    )
    X_jittered = np.concatenate([X, _shifted(X, 3, seed)])
    net = NeuralNetClassifier(
        network,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=epochs,
        batch_size=64,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    )
    return net.fit(X_jittered, np.tile(y, 4))


TEACHERS = {"SVM + forest": _ensemble_teacher, "CNN": _cnn_teacher}


def _errors(model, X, y):
    return int((model.predict(X) != y).sum())


def _predict_seconds(model, X):
    start = time.perf_counter()
    model.predict(X)
    return time.perf_counter() - start


def run(seeds, epochs, transfer_epochs):
    X, y = load_mnist_5k(return_X_y=True)
    rows = {}
    for seed in range(seeds):
        order = np.random.RandomState(seed).permutation(len(y))
        train, test = order[:4000], order[4000:]
        X_train, y_train = X[train], y[train]
        X_extra = _shifted(X_train, 4, seed + 1000)
        unlabeled = np.full(len(X_extra), -1)
        few = np.where(np.arange(4000) < 500, y_train, -1)
        kw = {"max_epochs": epochs, "random_state": seed, "verbose": 0}
        for name, make_teacher in TEACHERS.items():
            teacher = make_teacher(X_train, y_train, seed)
            models = {
                "teacher": teacher,
                "hard labels (4,000)": DistilledClassifier(
                    teacher, alpha=0.0, **kw
                ).fit(X_train, y_train),
                "distilled (4,000)": DistilledClassifier(teacher, **kw).fit(
                    X_train, y_train
                ),
                "hard labels (4,000 + 16,000 shifted, labels copied)": (
                    DistilledClassifier(
                        teacher, alpha=0.0, **{**kw, "max_epochs": transfer_epochs}
                    ).fit(np.concatenate([X_train, X_extra]), np.tile(y_train, 5))
                ),
                "distilled (4,000 + 16,000 shifted, unlabeled)": DistilledClassifier(
                    teacher, **{**kw, "max_epochs": transfer_epochs}
                ).fit(
                    np.concatenate([X_train, X_extra]),
                    np.concatenate([y_train, unlabeled]),
                ),
                "hard labels (500)": DistilledClassifier(teacher, alpha=0.0, **kw).fit(
                    X_train[:500], y_train[:500]
                ),
                "distilled (500 + 3,500 unlabeled)": DistilledClassifier(
                    teacher, **kw
                ).fit(X_train, few),
            }
            for model_name, model in models.items():
                row = rows.setdefault((name, model_name), {"errors": [], "seconds": []})
                row["errors"].append(_errors(model, X[test], y[test]))
                row["seconds"].append(_predict_seconds(model, X[test]))
            print(f"seed {seed}, teacher {name}: done", file=sys.stderr, flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--transfer-epochs", type=int, default=15)
    args = parser.parse_args(argv)
    rows = run(args.seeds, args.epochs, args.transfer_epochs)

    print(f"# {__doc__.splitlines()[0]}\n")
    print(f"command: python {' '.join(sys.argv)}  ")
    print(
        f"date: {datetime.date.today()}, {args.seeds} seeds, {args.epochs} epochs "
        f"({args.transfer_epochs} on the 20,000-image transfer set)\n"
    )
    print("| teacher | model | test errors (of 1,000) | gap closed | time / teacher |")
    print("| --- | --- | --- | --- | --- |")
    for name in TEACHERS:
        teacher = np.mean(rows[name, "teacher"]["errors"])
        teacher_seconds = np.mean(rows[name, "teacher"]["seconds"])
        hard = {
            "4,000": np.mean(rows[name, "hard labels (4,000)"]["errors"]),
            "500": np.mean(rows[name, "hard labels (500)"]["errors"]),
        }
        for (teacher_name, model), row in rows.items():
            if teacher_name != name:
                continue
            errors = np.mean(row["errors"])
            gap = ""
            if model.startswith("distilled"):
                reference = hard["500" if "500" in model else "4,000"]
                gap = f"{(reference - errors) / (reference - teacher):.0%}"
            print(
                f"| {name} | {model} | {errors:.1f} ± {np.std(row['errors']):.1f} "
                f"| {gap} | {np.mean(row['seconds']) / teacher_seconds:.3f} |"
            )


if __name__ == "__main__":
    main()

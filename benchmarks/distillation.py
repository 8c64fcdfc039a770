"""Knowledge distillation on the MNIST 5,000 subset: teacher, student alone, distilled.

Two teachers, each trained on 4,000 images (drawn at random, stratified by
label; the other 1,000 are the test set): an ensemble (a calibrated RBF SVM
and a random forest, probabilities averaged) and a wider CNN (two conv
blocks, a hidden layer of 256, dropout) trained on the images and three
shifted copies of each (random shifts of up to 2 pixels, as Hinton et al.
jitter their teacher's inputs). The student is DistilledClassifier's default
small MLP (one hidden layer of 100), distilled (T=4, soft_weight=0.9) or trained
on hard labels alone (soft_weight=0), always against a control: the same student
on the same images, for as many epochs, trained on hard labels.

- 4,000 labelled images, against hard labels on them;
- the same plus 16,000 shifted copies without labels (``y == -1``: soft
  targets only), for ``--transfer-epochs`` epochs, against the same 20,000
  images with the labels of the originals copied to their shifts (plain data
  augmentation);
- 500 labelled images and 3,500 unlabeled, against the same 4,000 images
  with the 3,500 labelled by the teacher's predictions (pseudo-labels); the
  500 alone are shown too.

    python benchmarks/distillation.py [--seeds 3] [--epochs 30]
        [--transfer-epochs 15] [--output FILE] [--quick]
"""

import argparse
import functools
import time

import numpy as np
import torch
from _report import Report, add_arguments, progress
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier, VotingClassifier
from sklearn.model_selection import train_test_split
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


# Each distilled student and the student it is compared with: the same
# images, the same epochs, hard labels instead of soft targets.
CONTROLS = {
    "distilled (4,000)": "hard labels (4,000)",
    "distilled (4,000 + 16,000 shifted, unlabeled)": (
        "hard labels (4,000 + 16,000 shifted, labels copied)"
    ),
    "distilled (500 + 3,500 unlabeled)": (
        "hard labels (500 + 3,500 labelled by the teacher)"
    ),
}


def run(teachers, seeds, epochs, transfer_epochs, n_train, n_test):
    X, y = load_mnist_5k(return_X_y=True)
    n_few = n_train // 8
    rows = {}
    for seed in range(seeds):
        train, test = train_test_split(
            np.arange(len(y)),
            train_size=n_train,
            test_size=n_test,
            stratify=y,
            random_state=seed,
        )
        X_train, y_train = X[train], y[train]
        X_extra = _shifted(X_train, 4, seed + 1000)
        X_transfer = np.concatenate([X_train, X_extra])
        # The labelled few: a stratified draw, the rest of the rows unlabeled.
        few = np.full(n_train, -1)
        labelled, _ = train_test_split(
            np.arange(n_train), train_size=n_few, stratify=y_train, random_state=seed
        )
        few[labelled] = y_train[labelled]
        kw = {"max_epochs": epochs, "random_state": seed, "verbose": 0}
        transfer_kw = {**kw, "max_epochs": transfer_epochs}
        for name, make_teacher in teachers.items():
            teacher = make_teacher(X_train, y_train, seed)
            by_teacher = np.where(few == -1, teacher.predict(X_train), few)
            fits = {
                "hard labels (4,000)": (
                    {"soft_weight": 0.0, **kw},
                    X_train,
                    y_train,
                ),
                "distilled (4,000)": (kw, X_train, y_train),
                "hard labels (4,000 + 16,000 shifted, labels copied)": (
                    {"soft_weight": 0.0, **transfer_kw},
                    X_transfer,
                    np.tile(y_train, 5),
                ),
                "distilled (4,000 + 16,000 shifted, unlabeled)": (
                    transfer_kw,
                    X_transfer,
                    np.concatenate([y_train, np.full(len(X_extra), -1)]),
                ),
                "hard labels (500)": (
                    {"soft_weight": 0.0, **kw},
                    X_train[labelled],
                    y_train[labelled],
                ),
                "hard labels (500 + 3,500 labelled by the teacher)": (
                    {"soft_weight": 0.0, **kw},
                    X_train,
                    by_teacher,
                ),
                "distilled (500 + 3,500 unlabeled)": (kw, X_train, few),
            }
            models = {"teacher": teacher}
            for model_name, (params, X_fit, y_fit) in fits.items():
                models[model_name] = DistilledClassifier(teacher, **params).fit(
                    X_fit, y_fit
                )
            for model_name, model in models.items():
                row = rows.setdefault((name, model_name), {"errors": [], "seconds": []})
                row["errors"].append(_errors(model, X[test], y[test]))
                row["seconds"].append(_predict_seconds(model, X[test]))
            progress(f"seed {seed}, teacher {name}: done")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--transfer-epochs", type=int, default=15)
    args = add_arguments(parser).parse_args(argv)
    n_train, n_test, teachers = 4000, 1000, TEACHERS
    if args.quick:
        args.seeds, args.epochs, args.transfer_epochs = 1, 1, 1
        n_train, n_test = 400, 100
        teachers = {**TEACHERS, "CNN": functools.partial(_cnn_teacher, epochs=1)}

    with Report(__doc__.splitlines()[0], args) as report:
        report.write(
            f"{args.seeds} seeds; {args.epochs} epochs ({args.transfer_epochs} on "
            f"the transfer set of 4,000 + 16,000 shifted images); {n_train} "
            f"training and {n_test} test images, drawn at random and stratified "
            "by label (the 500 labelled images too). The student is "
            "DistilledClassifier's default MLP with its defaults (T = 4, "
            "soft_weight = 0.9), which this script does not tune. Test errors (of "
            f'{n_test}), mean ± std over seeds. "gap closed" compares each '
            "distilled student with its control, named in the row: the same "
            "student on the same images trained on hard labels instead of soft "
            "targets; (control - distilled) / (control - teacher), where the "
            "control makes more errors than the teacher. Prediction "
            "time is a ratio to the teacher's.\n"
        )
        rows = run(
            teachers, args.seeds, args.epochs, args.transfer_epochs, n_train, n_test
        )
        table = []
        for name in TEACHERS:
            teacher = np.mean(rows[name, "teacher"]["errors"])
            teacher_seconds = np.mean(rows[name, "teacher"]["seconds"])
            for (teacher_name, model), row in rows.items():
                if teacher_name != name:
                    continue
                errors = np.mean(row["errors"])
                control = CONTROLS.get(model, "")
                difference = gap = ""
                if control:
                    reference = np.mean(rows[name, control]["errors"])
                    difference = f"{errors - reference:+.1f}"
                    # A control that beats the teacher leaves no gap to close.
                    gap = (
                        f"{(reference - errors) / (reference - teacher):.0%}"
                        if reference > teacher
                        else "none: the control beats the teacher"
                    )
                table.append(
                    (
                        name,
                        model,
                        f"{errors:.1f} ± {np.std(row['errors']):.1f}",
                        control,
                        difference,
                        gap,
                        f"{np.mean(row['seconds']) / teacher_seconds:.3f}",
                    )
                )
        report.table(
            [
                "teacher",
                "model",
                "test errors",
                "control",
                "errors - control's",
                "gap closed vs control",
                "time / teacher",
            ],
            table,
        )


if __name__ == "__main__":
    main()

"""Distillation: the soft-target formula, the loss, and the student it trains."""

import warnings

import numpy as np
import pytest
import sklearn
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback

from sktransfer.deep import DistilledClassifier, distillation_loss, soft_targets
from sktransfer.deep.distillation import _Student
from sktransfer.exceptions import UnlabeledSourceRowsWarning


def test_soft_targets_of_probabilities_and_of_logits():
    proba = np.array([[0.09, 0.05, 0.85, 0.01], [0.25, 0.25, 0.25, 0.25]])
    T = 2.5
    expected = proba ** (1 / T) / (proba ** (1 / T)).sum(1, keepdims=True)
    np.testing.assert_allclose(soft_targets(proba, T), expected, rtol=1e-12)
    logits = np.log(proba) + 3.0
    np.testing.assert_allclose(
        soft_targets(logits, T, logits=True), expected, rtol=1e-12
    )
    np.testing.assert_allclose(soft_targets(proba, 1.0), proba, rtol=1e-12)


def test_loss_is_soft_weight_t2_kl_plus_hard_cross_entropy():
    rng = np.random.RandomState(0)
    logits = rng.normal(size=(6, 4))
    soft = soft_targets(rng.dirichlet(np.ones(4), size=6), 3.0)
    labels = np.array([0, 3, -1, 2, -1, 1])
    T, soft_weight = 3.0, 0.7

    def log_softmax(z):
        z = z - z.max(1, keepdims=True)
        return z - np.log(np.exp(z).sum(1, keepdims=True))

    kl = np.sum(soft * (np.log(soft) - log_softmax(logits / T))) / 6
    labelled = labels >= 0
    ce = -np.mean(log_softmax(logits[labelled])[np.arange(4), labels[labelled]])
    loss = distillation_loss(
        torch.tensor(logits),
        torch.tensor(soft),
        torch.tensor(labels),
        temperature=T,
        soft_weight=soft_weight,
    )
    assert loss.item() == pytest.approx(
        soft_weight * T**2 * kl + (1 - soft_weight) * ce, rel=1e-10
    )


def test_unlabeled_rows_contribute_no_hard_label_loss():
    rng = np.random.RandomState(0)
    logits = torch.tensor(rng.normal(size=(5, 3)))
    soft = torch.tensor(soft_targets(rng.dirichlet(np.ones(3), size=5), 2.0))
    only_soft = distillation_loss(
        logits, soft, torch.full((5,), -1), temperature=2.0, soft_weight=0.4
    )
    kl = torch.nn.functional.kl_div(
        torch.log_softmax(logits / 2.0, 1), soft, reduction="batchmean"
    )
    assert only_soft.item() == pytest.approx((0.4 * 4 * kl).item(), rel=1e-12)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    rng = np.random.RandomState(0)
    order = rng.permutation(len(y))
    return X[order], y[order]


def test_soft_weight_zero_is_a_plain_classifier_on_hard_labels(digits):
    X, y = digits
    kw = {"soft_weight": 0.0, "max_epochs": 3, "random_state": 0, "verbose": 0}
    forest = RandomForestClassifier(random_state=0).fit(X, y)
    linear = LogisticRegression(max_iter=500).fit(X, y)
    a = DistilledClassifier(forest, **kw).fit(X, y)
    b = DistilledClassifier(linear, **kw).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_soft_weight_zero_equals_a_plain_skorch_classifier_with_the_same_seed(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    teacher = LogisticRegression(max_iter=300).fit(X, y)
    student = DistilledClassifier(
        teacher, soft_weight=0.0, max_epochs=3, random_state=0, verbose=0
    ).fit(X, y)
    # The seed DistilledClassifier gives torch for random_state=0.
    torch.manual_seed(int(np.random.RandomState(0).randint(2**31)))
    plain = NeuralNetClassifier(
        _Student,
        module__input_shape=X.shape[1:],
        module__n_outputs=10,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=3,
        batch_size=64,
        train_split=None,
        iterator_train__shuffle=True,
        verbose=0,
    ).fit(X, y)
    np.testing.assert_allclose(
        student.predict_proba(X), plain.predict_proba(X), rtol=1e-5, atol=1e-6
    )


def test_an_unlabeled_transfer_set_helps_a_student_with_few_labels(digits):
    X, y = digits
    train, test = slice(0, 1300), slice(1300, None)
    teacher = RandomForestClassifier(n_estimators=300, random_state=0)
    teacher.fit(X[train], y[train])
    few = np.full(1300, -1)
    few[:150] = y[:150]  # 150 labelled rows, 1,150 unlabeled ones
    kw = {"max_epochs": 30, "random_state": 0, "verbose": 0}
    alone = DistilledClassifier(teacher, soft_weight=0.0, **kw).fit(X[:150], y[:150])
    distilled = DistilledClassifier(teacher, **kw).fit(X[train], few)
    assert distilled.score(X[test], y[test]) > alone.score(X[test], y[test]) + 0.03


def test_rows_without_a_label_in_a_transfer_set_are_no_warning(digits):
    # -1 is the documented "no label" of a transfer row: nothing to warn about
    # a class called -1.
    X, y = digits
    few = np.full(200, -1)
    few[:50] = y[:50]
    teacher = LogisticRegression(max_iter=1000).fit(X[:200], y[:200])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnlabeledSourceRowsWarning)
        DistilledClassifier(teacher, max_epochs=1, verbose=0).fit(X[:200], few)


def test_a_torch_module_teacher_and_an_unfitted_teacher(digits):
    X, y = digits
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(64, 10))
    student = DistilledClassifier(module, max_epochs=1, verbose=0).fit(X, y)
    assert student.predict_proba(X[:4]).shape == (4, 10)
    student = DistilledClassifier(
        LogisticRegression(max_iter=300), max_epochs=1, verbose=0
    )
    student.fit(X, y)
    assert student.teachers_[0].classes_.tolist() == list(range(10))


@pytest.mark.filterwarnings("ignore::sktransfer.exceptions.UnlabeledSourceRowsWarning")
def test_metadata_routing_fits_an_unfitted_teacher_with_its_metadata(digits):
    X, y = digits
    X, y = X[:300], y[:300].copy()
    y[200:] = -1  # the teacher is fitted on the labelled rows only
    weights = np.random.RandomState(0).rand(len(y)) + 0.5
    with sklearn.config_context(enable_metadata_routing=True):
        teacher = LogisticRegression(max_iter=300).set_fit_request(sample_weight=True)
        student = DistilledClassifier(teacher, max_epochs=1, verbose=0)
        student.fit(X, y, sample_weight=weights)
        with pytest.raises(UnsetMetadataPassedError, match="sample_weight"):
            DistilledClassifier(
                LogisticRegression(max_iter=300), max_epochs=1, verbose=0
            ).fit(X, y, sample_weight=weights)
    direct = LogisticRegression(max_iter=300).fit(
        X[:200], y[:200], sample_weight=weights[:200]
    )
    np.testing.assert_array_equal(student.teachers_[0].coef_, direct.coef_)


class _TargetsSeen(Callback):
    """The targets the student trains on: its labels, then the soft targets."""

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.y = np.asarray(y)


class _AverageOf(BaseEstimator, ClassifierMixin):
    """One teacher whose probabilities are the mean of fitted members'."""

    def __init__(self, members):
        self.members = members

    def fit(self, X, y):
        raise AssertionError("the members are fitted already")

    def __sklearn_is_fitted__(self):
        return True

    def predict_proba(self, X):
        return sum(m.predict_proba(X) for m in self.members) / len(self.members)


def _student_targets(teacher, X, y, T):
    seen = _TargetsSeen()
    student = DistilledClassifier(
        teacher,
        temperature=T,
        max_epochs=1,
        callbacks=[seen],
        random_state=0,
        verbose=0,
    ).fit(X, y)
    return student, seen.y[:, 1:]


def test_a_list_of_teachers_is_averaged_then_softened(digits):
    X, y = digits
    X, y = X[:300], y[:300]
    T = 3.0
    a = LogisticRegression(max_iter=300).fit(X, y)
    b = RandomForestClassifier(n_estimators=20, random_state=0).fit(X, y)
    student, targets = _student_targets([a, b], X, y, T)
    assert student.teachers_ == [a, b]

    # The docstring's form: the members' probabilities averaged, then raised
    # to 1/T and renormalised.
    mean = (a.predict_proba(X) + b.predict_proba(X)) / 2
    expected = mean ** (1 / T) / (mean ** (1 / T)).sum(axis=1, keepdims=True)
    # The targets travel as float32.
    np.testing.assert_allclose(targets, expected, rtol=1e-6, atol=1e-7)
    # Softening each member first, or using one member, gives other targets.
    first = a.predict_proba(X) ** (1 / T)
    first /= first.sum(axis=1, keepdims=True)
    second = b.predict_proba(X) ** (1 / T)
    second /= second.sum(axis=1, keepdims=True)
    for other in (first, (first + second) / 2):
        assert np.abs(other - expected).max() > 0.05

    averaged, same_targets = _student_targets(_AverageOf([a, b]), X, y, T)
    np.testing.assert_array_equal(same_targets, targets)
    np.testing.assert_array_equal(averaged.predict_proba(X), student.predict_proba(X))


def test_teacher_classes_must_match(digits):
    X, y = digits
    teacher = LogisticRegression(max_iter=300).fit(X[y < 5], y[y < 5])
    with pytest.raises(ValueError, match="teacher gives 5 class probabilities"):
        DistilledClassifier(teacher, max_epochs=1, verbose=0).fit(X, y)

"""The source/target convention (docs/user_guide/convention.md) and its validation."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator

from sktransfer import (
    DomainAwareMixin,
    check_domain_data,
    pack_domains,
    unlabeled_mask,
    unpack_domains,
)
from sktransfer._domain import check_sample_domain
from sktransfer.exceptions import NoTargetDomainWarning


class _Estimator(DomainAwareMixin, BaseEstimator):
    pass


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(10, 3))
    y = np.array([0, 1, 0, 1, 0, 1, -1, -1, -1, -1])
    return X, y


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        ([0, 1, -1, 2], [False, False, True, False]),
        ([0.0, 1.0, -1.0, np.nan], [False, False, True, True]),
        # Continuous labels: -1.0 is a value, only NaN is missing.
        ([0.5, -1.0, 2.25, np.nan], [False, False, False, True]),
        (np.array(["a", "b", None], dtype=object), [False, False, True]),
        (np.array(["a", "b", "c"]), [False, False, False]),
    ],
)
def test_unlabeled_mask(y, expected):
    np.testing.assert_array_equal(unlabeled_mask(y), expected)


def test_unlabeled_mask_task_overrides_inference():
    y = np.array([0.0, 1.0, -1.0])
    np.testing.assert_array_equal(unlabeled_mask(y, task="regression"), [0, 0, 0])
    np.testing.assert_array_equal(unlabeled_mask(y, task="classification"), [0, 0, 1])


def test_sample_domain_is_inferred_from_labels(data):
    X, y = data
    sd = check_sample_domain(None, len(y), y=y)
    np.testing.assert_array_equal(sd, np.where(y == -1, -1, 1))
    # At predict time, with nothing to go on, every row is a target row.
    np.testing.assert_array_equal(check_sample_domain(None, 4), [-1, -1, -1, -1])


@pytest.mark.parametrize(
    ("sample_domain", "message"),
    [
        (np.ones(9, dtype=int), "sample_domain has 9 entries but X has 10 rows"),
        (np.ones(10), "sample_domain must hold integers"),
        (np.ones((10, 1), dtype=int), "1-D array"),
        (np.r_[np.ones(9, dtype=int), 0], "contains 0"),
    ],
)
def test_bad_sample_domain_is_refused(data, sample_domain, message):
    X, y = data
    with pytest.raises(ValueError, match=re.escape(message)):
        check_domain_data(_Estimator(), X, y, sample_domain)


def test_masks_and_label_policies(data):
    X, y = data
    y_true = np.array([0, 1, 0, 1, 0, 1, 1, 0, 1, 0])
    sd = np.array([1, 1, 2, 2, 1, 2, -1, -1, -2, -2])
    unsupervised = check_domain_data(
        _Estimator(), X, y_true, sd, labels="source", task="classification"
    )
    np.testing.assert_array_equal(unsupervised.labeled, sd > 0)
    np.testing.assert_array_equal(unsupervised.target, sd < 0)
    semi = check_domain_data(_Estimator(), X, y_true, sd, labels="all")
    assert semi.labeled.all()
    none = check_domain_data(_Estimator(), X, y_true, sd, labels=None)
    assert not none.labeled.any()


def test_semi_supervised_reads_only_labelled_target_rows(data):
    X, y = data
    y = y.copy()
    y[6] = 1  # one labelled target row
    sd = np.where(np.arange(10) < 6, 1, -1)
    semi = check_domain_data(
        _Estimator(), X, y, sd, labels="all", task="classification"
    )
    np.testing.assert_array_equal(np.flatnonzero(semi.labeled & semi.target), [6])


@pytest.mark.parametrize(
    ("mutate", "kwargs", "message"),
    [
        (lambda X, y: (X, np.full(10, -1)), {}, "no source rows"),
        (
            lambda X, y: (X, np.where(y == -1, -1, -1)),
            {"sample_domain": np.r_[np.ones(6, int), -np.ones(4, int)]},
            "needs labelled source rows",
        ),
        (lambda X, y: (X, np.where(y == -1, -1, 1)), {}, "at least two classes"),
        (
            lambda X, y: (np.where(np.arange(3) == 0, np.nan, X), y),
            {},
            "Input X contains NaN",
        ),
        (
            lambda X, y: (np.full(X.shape, "a", dtype=object), y),
            {},
            "could not convert",
        ),
        (lambda X, y: (X, y[:-1]), {}, "inconsistent numbers of samples"),
        (lambda X, y: (X, y.reshape(5, 2)), {}, "expects y of shape (n_samples,)"),
        (lambda X, y: (X, None), {}, "requires y to be passed"),
        (
            lambda X, y: (X, np.array(["a", "b"] * 5)),
            {"task": "regression"},
            "Unknown label type",
        ),
        (lambda X, y: (X, np.linspace(0, 1, 10)), {}, "Unknown label type"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_problem(
    data, mutate, kwargs, message
):
    X, y = mutate(*data)
    kwargs = {"task": "classification", **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        check_domain_data(_Estimator(), X, y, **kwargs)


def test_missing_target_warns_or_raises(data):
    X, y = data
    y_source = np.abs(y)
    with pytest.warns(NoTargetDomainWarning, match="found no target rows"):
        result = check_domain_data(_Estimator(), X, y_source, task="classification")
    assert not result.has_target
    with pytest.raises(ValueError, match="found no target rows"):
        check_domain_data(_Estimator(), X, y_source, need_target=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_domain_data(_Estimator(), X, y_source, warn_no_target=False)


def test_images_need_allow_nd():
    X = np.zeros((4, 1, 2, 2))
    y = np.array([0, 1, -1, -1])
    with pytest.raises(ValueError, match="Found array with dim 4"):
        check_domain_data(_Estimator(), X, y)
    assert check_domain_data(_Estimator(), X, y, allow_nd=True).X.shape == X.shape


def test_nothing_the_caller_passed_is_modified(data):
    X, y = data
    X_frame = pd.DataFrame(X, columns=["a", "b", "c"])
    sd = np.where(y == -1, -1, 1)
    copies = X.copy(), y.copy(), sd.copy(), X_frame.copy()
    est = _Estimator()
    check_domain_data(est, X_frame, y, sd, task="classification")
    check_domain_data(est, X, y, None, labels="source", task="classification")
    np.testing.assert_array_equal(X, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    np.testing.assert_array_equal(sd, copies[2])
    pd.testing.assert_frame_equal(X_frame, copies[3])


def test_pack_and_unpack_round_trip():
    rng = np.random.RandomState(0)
    Xs, ys = rng.normal(size=(5, 2)), np.array([0, 1, 0, 1, 2])
    Xt, yt = rng.normal(size=(3, 2)), np.array([2, 1, 0])
    X, y, sd = pack_domains(Xs, ys, Xt)
    np.testing.assert_array_equal(y, [0, 1, 0, 1, 2, -1, -1, -1])
    np.testing.assert_array_equal(sd, [1] * 5 + [-1] * 3)
    Xs2, ys2, Xt2, yt2 = unpack_domains(X, y)
    np.testing.assert_array_equal(Xs2, Xs)
    np.testing.assert_array_equal(ys2, ys)
    np.testing.assert_array_equal(Xt2, Xt)

    # With known target labels the domains come from sample_domain.
    X, y, sd = pack_domains(Xs, ys, Xt, yt)
    Xs2, ys2, Xt2, yt2 = unpack_domains(X, y, sd)
    np.testing.assert_array_equal(yt2, yt)
    np.testing.assert_array_equal(Xt2, Xt)


def test_pack_several_domains_and_float_labels():
    X, y, sd = pack_domains(
        [np.zeros((2, 1)), np.ones((3, 1))],
        [np.array([0.5, 1.5]), np.array([1.0, 2.0, 3.0])],
        [np.full((1, 1), 2.0), np.full((2, 1), 3.0)],
    )
    np.testing.assert_array_equal(sd, [1, 1, 2, 2, 2, -1, -2, -2])
    assert np.isnan(y[5:]).all()
    assert unlabeled_mask(y).sum() == 3


def test_pack_refuses_what_it_cannot_mark():
    with pytest.raises(ValueError, match="cannot carry the unlabeled marker"):
        pack_domains(np.zeros((2, 1)), np.array(["a", "b"]), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="2 source arrays but 1 label arrays"):
        pack_domains([np.zeros((2, 1))] * 2, [np.zeros(2)], np.zeros((1, 1)))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        pack_domains(np.zeros((2, 1)), np.zeros(3), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="needs y or sample_domain"):
        unpack_domains(np.zeros((2, 1)))

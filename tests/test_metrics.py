"""Shift measures: exact MMD values, a test that keeps its level, proxy A-distance."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sktransfer import unpack_domains
from sktransfer._kernels import kernel_matvec, median_heuristic, resolve_kernel
from sktransfer.datasets import make_digits_shift
from sktransfer.metrics import mmd2, mmd_test, proxy_a_distance


def _direct_mmd2(Xs, Xt, gamma, w=None):
    """MMD^2 written out term by term from its definition."""

    def k(a, b):
        return np.exp(-gamma * np.sum((a - b) ** 2))

    w = np.full(len(Xs), 1.0 / len(Xs)) if w is None else w / w.sum()
    v = np.full(len(Xt), 1.0 / len(Xt))
    ss = sum(
        w[i] * w[j] * k(Xs[i], Xs[j]) for i in range(len(Xs)) for j in range(len(Xs))
    )
    tt = sum(
        v[i] * v[j] * k(Xt[i], Xt[j]) for i in range(len(Xt)) for j in range(len(Xt))
    )
    st = sum(
        w[i] * v[j] * k(Xs[i], Xt[j]) for i in range(len(Xs)) for j in range(len(Xt))
    )
    return ss + tt - 2 * st


@pytest.fixture
def small():
    rng = np.random.RandomState(0)
    return rng.normal(size=(12, 3)), rng.normal(0.7, 1.2, size=(9, 3)), rng.rand(12)


def test_mmd2_agrees_with_the_direct_formula(small):
    Xs, Xt, w = small
    np.testing.assert_allclose(
        mmd2(Xs, Xt, gamma=0.3), _direct_mmd2(Xs, Xt, 0.3), rtol=1e-12
    )
    np.testing.assert_allclose(
        mmd2(Xs, Xt, gamma=0.3, sample_weight=w),
        _direct_mmd2(Xs, Xt, 0.3, w),
        rtol=1e-12,
    )
    # Blocks change how the sums are computed, not their value.
    np.testing.assert_allclose(
        mmd2(Xs, Xt, gamma=0.3, sample_weight=w, block_size=2),
        mmd2(Xs, Xt, gamma=0.3, sample_weight=w),
        rtol=1e-12,
    )


def test_unbiased_mmd2_leaves_out_the_diagonal(small):
    Xs, Xt, _ = small
    ns, nt = len(Xs), len(Xt)
    K = lambda A, B: np.exp(-0.3 * ((A[:, None] - B[None]) ** 2).sum(-1))  # noqa: E731
    expected = (
        (K(Xs, Xs).sum() - ns) / (ns * (ns - 1))
        + (K(Xt, Xt).sum() - nt) / (nt * (nt - 1))
        - 2 * K(Xs, Xt).mean()
    )
    np.testing.assert_allclose(
        mmd2(Xs, Xt, gamma=0.3, unbiased=True), expected, rtol=1e-12
    )


def test_weighted_unbiased_mmd2_renormalises_by_the_weights(small):
    # mmd2's docstring: with weights normalised to sum to one, the unbiased
    # source term leaves out the i == j terms and divides by 1 - sum_i w_i^2
    # (the weight the off-diagonal pairs carry); the target term is the
    # usual U-statistic and the cross term is unchanged.
    Xs, Xt, w = small
    ns, nt = len(Xs), len(Xt)
    # Far from uniform: the normalised weights' sum of squares is 2.3 / ns.
    weights = w**3

    def k(a, b):
        return np.exp(-0.3 * np.sum((a - b) ** 2))

    p = weights / weights.sum()
    off_diagonal = sum(
        p[i] * p[j] * k(Xs[i], Xs[j]) for i in range(ns) for j in range(ns) if i != j
    )
    tt = sum(k(Xt[i], Xt[j]) for i in range(nt) for j in range(nt) if i != j) / (
        nt * (nt - 1)
    )
    st = sum(p[i] * k(Xs[i], Xt[j]) for i in range(ns) for j in range(nt)) / nt
    expected = off_diagonal / (1 - np.sum(p**2)) + tt - 2 * st
    value = mmd2(Xs, Xt, gamma=0.3, sample_weight=weights, unbiased=True)
    np.testing.assert_allclose(value, expected, rtol=1e-12)
    # Renormalising by 1 - 1/n, right only for uniform weights, gives a value
    # this far off, so the comparison above tells the two apart.
    uniform_renormalisation = off_diagonal / (1 - 1 / ns) + tt - 2 * st
    assert abs(uniform_renormalisation - expected) > 1e-3 * abs(expected)
    # Rescaling the weights changes nothing: they are normalised first.
    np.testing.assert_allclose(
        mmd2(Xs, Xt, gamma=0.3, sample_weight=7.0 * weights, unbiased=True),
        expected,
        rtol=1e-12,
    )


def test_mmd2_is_zero_between_a_sample_and_itself(small):
    Xs, _, _ = small
    assert mmd2(Xs, Xs) == pytest.approx(0.0, abs=1e-12)


def test_weights_that_undo_a_selection_reduce_mmd2():
    rng = np.random.RandomState(0)
    # The target is one cluster; the source over-represents a second one.
    Xt = rng.normal(size=(300, 2))
    Xs = np.r_[rng.normal(size=(100, 2)), rng.normal(4.0, size=(300, 2))]
    w = np.r_[np.ones(100), np.full(300, 0.01)]
    assert mmd2(Xs, Xt, sample_weight=w) < 0.05 * mmd2(Xs, Xt)


def test_median_heuristic_follows_its_definition(small):
    Xs, Xt, _ = small
    Z = np.r_[Xs, Xt]
    d2 = ((Z[:, None] - Z[None]) ** 2).sum(-1)[np.triu_indices(len(Z), 1)]
    assert median_heuristic(Xs, Xt) == pytest.approx(1.0 / (2.0 * np.median(d2)))
    _, params = resolve_kernel("rbf", None, Xs, Xt)
    assert params["gamma"] == median_heuristic(Xs, Xt)


def test_kernel_matvec_in_blocks_equals_the_full_product(small):
    Xs, Xt, w = small
    kernel, params = resolve_kernel("laplacian", 0.5, Xs, Xt)
    full = np.exp(-0.5 * np.abs(Xt[:, None] - Xs[None]).sum(-1)) @ w
    np.testing.assert_allclose(
        kernel_matvec(Xt, Xs, w, kernel, params, block_size=4), full
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sample_weight": -np.ones(12)}, "non-negative"),
        ({"sample_weight": np.ones(5)}, "one weight per source row"),
        ({"kernel": "linear", "gamma": 1.0}, "has no gamma"),
    ],
)
def test_mmd2_bad_input(small, kwargs, message):
    Xs, Xt, _ = small
    with pytest.raises(ValueError, match=message):
        mmd2(Xs, Xt, **kwargs)


def test_samples_must_share_features(small):
    Xs, Xt, _ = small
    with pytest.raises(
        ValueError, match="X_source has 3 features per row but X_target has 2"
    ):
        proxy_a_distance(Xs, Xt[:, :2])


@pytest.fixture(scope="module")
def uci_to_mnist_m():
    data = make_digits_shift(
        "uci", "mnist_m", n_source=300, n_target=300, random_state=0
    )
    Xs, _, Xt, _ = unpack_domains(data.X, sample_domain=data.sample_domain)
    return Xs, Xt


def test_mmd_test_detects_a_real_shift(uci_to_mnist_m):
    Xs, Xt = uci_to_mnist_m
    result = mmd_test(Xs, Xt, n_permutations=200, random_state=0)
    assert result.pvalue < 0.01
    assert result.statistic > result.null_distribution.max()


def test_mmd_test_keeps_its_level_within_one_domain():
    X = load_digits().data
    rng = np.random.RandomState(0)
    pvalues = []
    for _ in range(30):
        rows = rng.permutation(len(X))[:300]
        result = mmd_test(
            X[rows[:150]], X[rows[150:]], n_permutations=200, random_state=rng
        )
        pvalues.append(result.pvalue)
    pvalues = np.array(pvalues)
    # Under the null, p-values are uniform: about 5% below 0.05, mean near 0.5.
    assert np.mean(pvalues < 0.05) <= 0.2
    assert 0.3 < pvalues.mean() < 0.7


def test_proxy_a_distance_orders_the_pairs(uci_to_mnist_m):
    Xs, Xt = uci_to_mnist_m
    assert proxy_a_distance(Xs, Xt, random_state=0) > 1.8
    X = load_digits().data
    rows = np.random.RandomState(0).permutation(len(X))
    within = proxy_a_distance(X[rows[:800]], X[rows[800:1600]], random_state=0)
    assert within < 0.3


@pytest.mark.parametrize(
    "sample",
    [
        np.full((50, 3), 0.3),
        np.tile(np.random.RandomState(0).normal(size=(1, 3)), (50, 1)),
        np.random.RandomState(1).normal(size=(50, 3)),
    ],
    ids=["constant", "one-row-repeated", "gaussian"],
)
def test_mmd_test_of_a_sample_against_its_copy_gives_p_one(sample):
    # Every permutation of two identical samples has the statistic's exact
    # value, 0; rounding leaves it and the null values a few 1e-33 apart,
    # which must count as ties (scipy.stats.permutation_test's rule), not as
    # a statistic that beats all 200 permutations (p = 1/201).
    result = mmd_test(sample, sample.copy(), n_permutations=200, random_state=0)
    assert result.pvalue == 1.0
    # A real shift of the same sample is still found.
    shifted = mmd_test(sample, sample + 1.0, n_permutations=200, random_state=0)
    assert shifted.pvalue == 1 / 201


def test_mmd_test_result_repr_leaves_out_the_null_distribution():
    result = mmd_test(np.zeros((5, 2)), np.ones((5, 2)), n_permutations=50)
    assert repr(result) == (
        f"MMDTestResult(statistic={result.statistic!r}, pvalue={result.pvalue!r}, "
        f"gamma={result.gamma!r})"
    )
    assert result.null_distribution.shape == (50,)

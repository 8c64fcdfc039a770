"""Kernel mean matching: the optimum of its QP, its constraints, real data."""

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, minimize
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.preprocessing import StandardScaler

from sktransfer.datasets import make_biased_selection
from sktransfer.exceptions import NoTargetDomainWarning
from sktransfer.metrics import mmd2
from sktransfer.reweight import KMMReweighter


def _objective(beta, Xs, Xt, gamma):
    """The KMM objective, ||(1/n_s) sum beta_i phi(xs_i) - mean phi(xt)||^2."""
    b = beta / len(Xs)
    return (
        b @ rbf_kernel(Xs, Xs, gamma=gamma) @ b
        - 2 * b @ rbf_kernel(Xs, Xt, gamma=gamma).mean(1)
        + rbf_kernel(Xt, Xt, gamma=gamma).mean()
    )


def _generic_qp(Xs, Xt, gamma, B, eps):
    """The same QP handed to a general-purpose constrained solver (SLSQP)."""
    n = len(Xs)
    K = rbf_kernel(Xs, Xs, gamma=gamma) / n**2
    kappa = rbf_kernel(Xs, Xt, gamma=gamma).mean(1) / n
    result = minimize(
        lambda b: (0.5 * b @ K @ b - kappa @ b, K @ b - kappa),
        np.ones(n),
        jac=True,
        method="SLSQP",
        bounds=Bounds(0, B),
        constraints=[LinearConstraint(np.ones((1, n)), n * (1 - eps), n * (1 + eps))],
        options={"maxiter": 1000, "ftol": 1e-14},
    )
    return result.x


def _pair(n_source=60, n_target=40, seed=0):
    rng = np.random.RandomState(seed)
    Xs = rng.normal(size=(n_source, 3))
    Xt = rng.normal(0.8, 0.6, size=(n_target, 3))
    X = np.r_[Xs, Xt]
    sample_domain = np.r_[np.ones(n_source, int), -np.ones(n_target, int)]
    return Xs, Xt, X, sample_domain


@pytest.mark.parametrize(
    ("B", "eps"),
    [
        (1000.0, None),  # the usual problem: constraints inactive at the optimum
        (3.0, 0.05),  # both the bound and the sum constraint active
    ],
)
def test_exact_solver_reaches_the_optimum_of_a_generic_qp_solver(B, eps):
    Xs, Xt, X, sd = _pair()
    kmm = KMMReweighter(gamma=0.5, B=B, eps=eps, n_components=None, tol=1e-10)
    beta = kmm.fit(X, sample_domain=sd).weights_
    reference = _generic_qp(Xs, Xt, 0.5, B, kmm.eps_)
    n = len(Xs)
    assert np.all(beta >= 0)
    assert np.all(beta <= B + 1e-12)
    assert abs(beta.sum() - n) <= n * kmm.eps_ * (1 + 1e-9)
    assert _objective(beta, Xs, Xt, 0.5) <= _objective(reference, Xs, Xt, 0.5) + 1e-7
    if eps is not None:
        # The test must exercise the constraints, not just pass through them.
        assert np.isclose(beta.max(), B) or np.isclose(abs(beta.sum() - n), n * eps)


def test_objective_attribute_is_half_the_weighted_mmd2():
    Xs, Xt, X, sd = _pair()
    kmm = KMMReweighter(gamma=0.5, n_components=None).fit(X, sample_domain=sd)
    assert kmm.objective_ == pytest.approx(
        0.5 * _objective(kmm.weights_, Xs, Xt, 0.5), rel=1e-5
    )


def test_default_eps_and_median_heuristic():
    Xs, Xt, X, sd = _pair()
    kmm = KMMReweighter(n_components=None).fit(X, sample_domain=sd)
    assert kmm.eps_ == pytest.approx((np.sqrt(60) - 1) / np.sqrt(60))
    Z = np.r_[Xs, Xt]
    d2 = ((Z[:, None] - Z[None]) ** 2).sum(-1)[np.triu_indices(len(Z), 1)]
    assert kmm.gamma_ == pytest.approx(1 / (2 * np.median(d2)))


def test_blocks_do_not_change_the_result():
    _, _, X, sd = _pair()
    a = KMMReweighter(gamma=0.5, n_components=None).fit(X, sample_domain=sd)
    b = KMMReweighter(gamma=0.5, n_components=None, block_size=7).fit(
        X, sample_domain=sd
    )
    np.testing.assert_allclose(a.weights_, b.weights_, rtol=1e-6, atol=1e-8)


@pytest.fixture(scope="module")
def breast_cancer():
    data = make_biased_selection("breast_cancer", bias=4.0, random_state=0)
    X = StandardScaler().fit_transform(data.X)
    return X, data.y, data.sample_domain, data.selection_proba


@pytest.mark.parametrize("n_components", [None, 100])
def test_weights_reduce_the_discrepancy_on_real_data(breast_cancer, n_components):
    X, _, sd, _ = breast_cancer
    Xs, Xt = X[sd > 0], X[sd < 0]
    kmm = KMMReweighter(n_components=n_components, random_state=0)
    beta = kmm.fit(X, sample_domain=sd).weights_
    assert mmd2(Xs, Xt, sample_weight=beta) < 0.2 * mmd2(Xs, Xt)
    assert mmd2(Xs, Xt, sample_weight=beta, normalize=False) < 0.2 * mmd2(Xs, Xt)


def test_nystroem_objective_is_close_to_the_exact_optimum(breast_cancer):
    X, _, sd, _ = breast_cancer
    Xs, Xt = X[sd > 0], X[sd < 0]
    gamma = KMMReweighter(n_components=None).fit(X, sample_domain=sd).gamma_
    exact = KMMReweighter(n_components=None).fit(X, sample_domain=sd).weights_
    approx = KMMReweighter(n_components=150, random_state=0).fit(X, sample_domain=sd)
    best = _objective(exact, Xs, Xt, gamma)
    assert best <= _objective(approx.weights_, Xs, Xt, gamma) <= 1.5 * best


def test_target_labels_never_influence_the_weights(breast_cancer):
    X, y, sd, _ = breast_cancer
    y_permuted = y.copy()
    target = np.flatnonzero(sd < 0)
    y_permuted[target] = np.random.RandomState(0).permutation(y[target])
    a = KMMReweighter(random_state=0).fit(X, y, sample_domain=sd).weights_
    b = KMMReweighter(random_state=0).fit(X, y_permuted, sample_domain=sd).weights_
    np.testing.assert_array_equal(a, b)
    # Without sample_domain the -1 labels mark the target rows.
    c = KMMReweighter(random_state=0).fit(X, np.where(sd < 0, -1, y)).weights_
    np.testing.assert_array_equal(a, c)


def test_without_target_rows_the_weights_are_one(breast_cancer):
    X, y, sd, _ = breast_cancer
    with pytest.warns(NoTargetDomainWarning):
        kmm = KMMReweighter().fit(X[sd > 0], y[sd > 0])
    np.testing.assert_array_equal(kmm.weights_, np.ones((sd > 0).sum()))


def test_kmm_weighs_no_new_rows():
    assert not hasattr(KMMReweighter(), "predict_weights")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"B": 0}, "'B' parameter"),
        ({"kernel": "nope"}, "'kernel' parameter"),
        ({"B": 0.5, "eps": 0.1}, "No weights satisfy the constraints"),
    ],
)
def test_bad_parameters(params, message):
    _, _, X, sd = _pair()
    with pytest.raises(ValueError, match=message):
        KMMReweighter(**params).fit(X, sample_domain=sd)


def test_auto_uses_the_exact_kernel_for_small_sources():
    _, _, X, sd = _pair()
    auto = KMMReweighter(gamma=0.5).fit(X, sample_domain=sd)
    exact = KMMReweighter(gamma=0.5, n_components=None).fit(X, sample_domain=sd)
    np.testing.assert_array_equal(auto.weights_, exact.weights_)

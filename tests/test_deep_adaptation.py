"""The nets past DANN: their losses, the labels they read, and a shift closed.

Each loss of :mod:`sktransfer.deep.losses` is checked against a computation
written apart from it (numpy, scikit-learn's kernels, the papers' formulas
term by term); each net against the same net trained on the source rows
alone.
"""

import numpy as np
import pytest
import sklearn
import torch
from _shifted import held_out_digits
from sklearn.base import clone
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import GridSearchCV

from sktransfer import DAPipeline
from sktransfer.datasets import make_digits_shift, make_nuisance_shift
from sktransfer.deep import (
    CDANClassifier,
    DANClassifier,
    DANNClassifier,
    DANRegressor,
    DeepCORALClassifier,
    DeepCORALRegressor,
    MCCClassifier,
    MultilinearMap,
)
from sktransfer.deep.losses import (
    class_confusion_loss,
    coral_loss,
    domain_adversarial_loss,
    entropy_weights,
    mmd_loss,
    pseudo_label_loss,
)
from sktransfer.exceptions import NoTargetDomainWarning
from sktransfer.model_selection import DomainShuffleSplit, PredictionEntropyScorer

# --------------------------------------------------------------------------
# The losses, against direct computations
# --------------------------------------------------------------------------


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _entropy(p):
    return -(p * np.log(p)).sum(axis=1)


def test_entropy_weights_favour_confident_rows_and_sum_to_one_per_domain():
    rng = np.random.RandomState(0)
    p = _softmax(3 * rng.normal(size=(7, 4)))
    is_target = np.array([0, 1, 1, 0, 1, 0, 0], dtype=bool)
    raw = 1 + np.exp(-_entropy(p))
    expected = np.where(
        is_target, raw / raw[is_target].sum(), raw / raw[~is_target].sum()
    )
    weights = entropy_weights(torch.tensor(p), torch.tensor(is_target)).numpy()
    np.testing.assert_allclose(weights, expected, rtol=1e-12)
    # The most confident row of a domain weighs the most in it.
    target = np.flatnonzero(is_target)
    assert target[np.argmax(weights[target])] == target[np.argmin(_entropy(p[target]))]


def test_domain_adversarial_loss_is_the_weighted_binary_cross_entropy():
    logit = np.array([2.0, -1.0, 0.5, 0.0])
    is_target = np.array([True, False, False, True])
    w = np.array([0.1, 0.2, 0.3, 0.4])
    q = 1 / (1 + np.exp(-logit))
    bce = -(is_target * np.log(q) + (~is_target) * np.log(1 - q))
    loss = domain_adversarial_loss(
        torch.tensor(logit), torch.tensor(is_target), torch.tensor(w)
    )
    assert loss.item() == pytest.approx((w * bce).sum() / w.sum(), rel=1e-12)
    plain = domain_adversarial_loss(torch.tensor(logit), torch.tensor(is_target))
    assert plain.item() == pytest.approx(bce.mean(), rel=1e-12)


def test_class_confusion_loss_follows_the_papers_definition():
    rng = np.random.RandomState(1)
    logits, temperature = 4 * rng.normal(size=(9, 5)), 2.5
    p = _softmax(logits / temperature)
    n, k = p.shape
    raw = 1 + np.exp(-_entropy(p))
    w = n * raw / raw.sum()
    confusion = np.zeros((k, k))
    for i in range(n):
        confusion += w[i] * np.outer(p[i], p[i])
    confusion /= confusion.sum(axis=1, keepdims=True)
    expected = sum(confusion[j, m] for j in range(k) for m in range(k) if j != m) / k
    loss = class_confusion_loss(torch.tensor(logits), temperature)
    assert loss.item() == pytest.approx(expected, rel=1e-10)


def test_class_confusion_of_uniform_predictions_is_one_minus_one_over_k():
    # Every class confused with every other: each normalised row of C is
    # uniform, its off-diagonal mass (k - 1) / k.
    loss = class_confusion_loss(torch.zeros(6, 4, dtype=torch.float64))
    assert loss.item() == pytest.approx(3 / 4, rel=1e-12)


def test_coral_loss_is_the_scaled_distance_between_covariances():
    rng = np.random.RandomState(2)
    source, target = rng.normal(size=(20, 3)), 2 * rng.normal(size=(15, 3)) + 1
    expected = ((np.cov(source.T) - np.cov(target.T)) ** 2).sum() / (4 * 3**2)
    loss = coral_loss(torch.tensor(source), torch.tensor(target))
    assert loss.item() == pytest.approx(expected, rel=1e-10)
    # A shift of the mean alone leaves covariances, and the loss, unchanged.
    assert coral_loss(torch.tensor(source), torch.tensor(source + 5.0)).item() == (
        pytest.approx(0.0, abs=1e-12)
    )


def test_mmd_loss_is_the_biased_estimate_with_the_mean_of_gaussian_kernels():
    rng = np.random.RandomState(3)
    source, target = rng.normal(size=(8, 4)), rng.normal(size=(6, 4)) + 0.5
    rows = np.vstack([source, target])
    distances = ((rows[:, None] - rows[None]) ** 2).sum(-1)
    scale = distances.sum() / (len(rows) * (len(rows) - 1))
    multipliers = (0.5, 1.0, 2.0)
    kernel = np.mean(
        [rbf_kernel(rows, gamma=1 / (2 * m * scale)) for m in multipliers], axis=0
    )
    n = len(source)
    expected = kernel[:n, :n].mean() + kernel[n:, n:].mean() - 2 * kernel[:n, n:].mean()
    loss = mmd_loss(torch.tensor(source), torch.tensor(target), multipliers)
    assert loss.item() == pytest.approx(expected, rel=1e-8)
    same = mmd_loss(torch.tensor(source), torch.tensor(source), multipliers)
    assert same.item() == pytest.approx(0.0, abs=1e-12)


def test_pseudo_label_loss_trains_the_confident_rows_towards_their_prediction():
    logits = np.array([[4.0, 0.0, 0.0], [0.2, 0.1, 0.0], [0.0, 0.0, 5.0]])
    p = _softmax(logits)
    confident = p.max(axis=1) >= 0.9
    expected = (confident * -np.log(p.max(axis=1))).mean()
    loss, share = pseudo_label_loss(torch.tensor(logits), 0.9)
    assert loss.item() == pytest.approx(expected, rel=1e-12)
    assert share == pytest.approx(2 / 3)


def test_multilinear_map_is_the_outer_product_or_its_randomised_form():
    torch.manual_seed(0)
    f, g = torch.randn(5, 3), torch.softmax(torch.randn(5, 4), dim=1)
    exact = MultilinearMap(3, 4, randomized_dim=None)
    assert exact.n_outputs == 12
    expected = torch.einsum("ni,nj->nij", f, g).reshape(5, 12)
    torch.testing.assert_close(exact(f, g), expected)

    randomised = MultilinearMap(3, 4, randomized_dim=8)
    assert randomised.randomized
    assert randomised.n_outputs == 8
    expected = (
        (f @ randomised.random_features) * (g @ randomised.random_classes) / 8**0.5
    )
    torch.testing.assert_close(randomised(f, g), expected)
    # Its inner products approximate the outer product's, on average.
    wide = MultilinearMap(3, 4, randomized_dim=200_000)
    torch.testing.assert_close(
        wide(f, g) @ wide(f, g).T,
        expected_gram := exact(f, g) @ exact(f, g).T,
        rtol=0.1,
        atol=0.05 * expected_gram.abs().max().item(),
    )


# --------------------------------------------------------------------------
# The nets
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits_pair():
    data = make_digits_shift(
        "mnist", "mnist_m", n_source=200, n_target=200, random_state=0
    )
    return data.X, data.y, data.sample_domain


_CLASSIFIERS = {
    "CDAN": (CDANClassifier, {}),
    "CDAN, exact map": (CDANClassifier, {"randomized_dim": None}),
    "MCC": (MCCClassifier, {}),
    "Deep CORAL, two layers": (
        DeepCORALClassifier,
        {"layers": ("features", "label_predictor.1")},
    ),
    "DAN": (DANClassifier, {}),
    "DANN + MCC + self-training": (
        DANNClassifier,
        {"class_confusion_weight": 1.0, "pseudo_label_threshold": 0.5},
    ),
}


@pytest.mark.parametrize("name", sorted(_CLASSIFIERS))
def test_target_labels_never_influence_the_fit(digits_pair, name):
    X, y, sd = digits_pair
    cls, kwargs = _CLASSIFIERS[name]
    y_permuted = y.copy()
    target = np.flatnonzero(sd < 0)
    y_permuted[target] = np.random.RandomState(0).permutation(y[target])
    predictions = []
    for labels in (y, y_permuted):
        net = cls(max_epochs=1, random_state=0, verbose=0, **kwargs)
        predictions.append(net.fit(X, labels, sample_domain=sd).predict_proba(X))
    np.testing.assert_array_equal(*predictions)


def test_each_term_is_recorded_per_epoch(digits_pair):
    X, y, sd = digits_pair
    net = DANNClassifier(
        max_epochs=2,
        class_confusion_weight=1.0,
        pseudo_label_threshold=0.5,
        random_state=0,
        verbose=0,
    ).fit(X, y, sample_domain=sd)
    for column in ("label_loss", "domain_acc", "class_confusion_loss"):
        assert len(net.history[:, column]) == 2
    shares = net.history[:, "pseudo_label_share"]
    assert all(0 <= share <= 1 for share in shares)
    assert shares[-1] > 0
    plain = DANNClassifier(max_epochs=1, verbose=0).fit(X, y, sample_domain=sd)
    assert "class_confusion_loss" not in plain.history[-1]
    assert "pseudo_label_loss" not in plain.history[-1]


def test_cdan_conditions_the_domain_classifier_on_the_map(digits_pair):
    X, y, sd = digits_pair
    # 768 features of the small CNN times 10 classes: randomised to 1024.
    net = CDANClassifier(max_epochs=1, random_state=0, verbose=0)
    net.fit(X, y, sample_domain=sd)
    assert net.module_.conditional_map.randomized
    assert net.module_.domain_classifier[0].in_features == 1024
    exact = CDANClassifier(max_epochs=1, randomized_dim=None, random_state=0, verbose=0)
    exact.fit(X, y, sample_domain=sd)
    assert exact.module_.domain_classifier[0].in_features == 768 * 10


def _one_step(net, X, y, sd):
    """One more training step, on every row, of a fitted net; its terms."""
    net.history.new_epoch()
    net.history.new_batch()
    net.module_.train()
    batch = (
        {"X": torch.as_tensor(X), "domain": torch.as_tensor((sd < 0).astype("f4"))},
        torch.as_tensor(np.where(sd > 0, y, -1)),
    )
    net.train_step_single(batch)
    return net.history[-1, "batches", -1], batch[0]


@pytest.mark.parametrize(
    ("cls", "term", "discrepancy"),
    [
        (DeepCORALClassifier, "coral_loss", coral_loss),
        (DANClassifier, "mmd_loss", mmd_loss),
    ],
)
def test_the_discrepancy_of_several_layers_is_the_sum_over_them(
    digits_pair, cls, term, discrepancy
):
    X, y, sd = digits_pair
    X, y, sd = X[::4], y[::4], sd[::4]
    net = cls(
        layers=("features", "label_predictor.1"),
        max_epochs=1,
        random_state=0,
        verbose=0,
    ).fit(X, y, sample_domain=sd)
    recorded, inputs = _one_step(net, X, y, sd)
    module, is_target = net.module_, inputs["domain"] > 0.5
    with torch.no_grad():
        features = module.features(inputs["X"], inputs["domain"])
        hidden = module.label_predictor[:2](features)
    expected = sum(
        discrepancy(rows[~is_target], rows[is_target]).item()
        for rows in (features, hidden)
    )
    assert recorded[term] == pytest.approx(expected, rel=1e-5)


def _tabular_shift(seed=0, n=60):
    """Three classes of 4 features; the target rows shifted, labels -1."""
    rng = np.random.RandomState(seed)
    labels = np.arange(2 * n) % 3
    X = rng.normal(size=(2 * n, 4)) + 2.0 * np.eye(4)[labels]
    X[n:] += 1.0
    sd = np.r_[np.ones(n, dtype=int), -np.ones(n, dtype=int)]
    return X.astype(np.float32), np.where(sd > 0, labels, -1), sd


def _seed(seed):
    return torch.Generator().manual_seed(seed)


def _bce(logit, is_target):
    """Binary cross-entropy of each row's domain logit, target = 1, in numpy."""
    q = 1 / (1 + np.exp(-logit))
    return -(is_target * np.log(q) + (~is_target) * np.log(1 - q))


@pytest.mark.parametrize("entropy_conditioning", [True, False])
def test_cdan_e_weighs_the_domain_loss_by_the_certainty_of_each_row(
    entropy_conditioning,
):
    X, y, sd = _tabular_shift()
    net = CDANClassifier(
        entropy_conditioning=entropy_conditioning,
        randomized_dim=None,
        max_epochs=1,
        random_state=0,
        verbose=0,
    )
    net.fit(X, y, sample_domain=sd)
    # A label head confident on some rows, unsure on others (logits spread
    # over a few units): 1 + exp(-H) spans its range, from 1 + 1/3 (three
    # classes, uniform) to 2 (certain).
    # The domain classifier's logits spread too, so that rows' losses differ.
    heads = net.module_.label_predictor[-1], net.module_.domain_classifier[-1]
    with torch.no_grad():
        for seed, layer in enumerate(heads):
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=_seed(seed)))
            layer.weight.div_(2)
    recorded, inputs = _one_step(net, X, y, sd)
    module = net.module_
    with torch.no_grad():
        features = module.features(inputs["X"], inputs["domain"])
        label_output = module.label_predictor(features)
        logit = module.domain_logit(features, label_output).double().numpy()
    is_target = sd < 0
    p = _softmax(label_output.double().numpy())
    raw = 1 + np.exp(-_entropy(p))
    # Varied, some rows confident.
    assert raw.min() < 1.4
    assert raw.max() > 1.8
    # Each domain's weights sum to one (the authors' normalisation).
    w = np.where(is_target, raw / raw[is_target].sum(), raw / raw[~is_target].sum())
    bce = _bce(logit, is_target)
    weighted, plain = (w * bce).sum() / w.sum(), bce.mean()
    assert abs(weighted - plain) > 1e-3 * plain  # the test tells them apart
    expected = weighted if entropy_conditioning else plain
    assert recorded["domain_loss"] == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("layers", [("feature_extractor.0",), ("head",), ()])
def test_layers_must_follow_the_feature_extractor(digits_pair, layers):
    X, y, sd = digits_pair
    with pytest.raises(ValueError, match="layers must name 'features'"):
        DANClassifier(layers=layers, max_epochs=1, verbose=0).fit(
            X, y, sample_domain=sd
        )


def test_kernel_multipliers_must_be_positive(digits_pair):
    X, y, sd = digits_pair
    with pytest.raises(ValueError, match="kernel_multipliers must hold positive"):
        DANClassifier(kernel_multipliers=(1.0, 0.0), max_epochs=1, verbose=0).fit(
            X, y, sample_domain=sd
        )


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::sktransfer.exceptions.NoTargetDomainWarning")
@pytest.mark.parametrize(
    "cls", [CDANClassifier, MCCClassifier, DeepCORALClassifier, DANClassifier]
)
def test_each_method_beats_the_same_network_trained_source_only(cls):
    gains = []
    for seed in range(3):
        X, y, sd, fit, test = held_out_digits(seed)
        net = cls(max_epochs=6, random_state=seed, verbose=0)
        adapted = clone(net).fit(X[fit], y[fit], sample_domain=sd[fit])
        source = sd > 0
        source_only = clone(net).fit(X[source], y[source], sample_domain=sd[source])
        gains.append(
            adapted.score(X[test], y[test]) - source_only.score(X[test], y[test])
        )
    # Measured on the 600 held-out target rows, mean over the 3 seeds (and
    # the worst seed): CDAN +0.101 (+0.092), MCC +0.155 (+0.052), Deep CORAL
    # +0.075 (+0.020), DAN +0.222 (+0.173).
    assert np.mean(gains) > 0.05, gains


@pytest.mark.parametrize(
    ("cls", "weight"),
    [
        # The CORAL term of 100 features, scaled by 1 / (4 d^2), is small
        # beside the label loss: at the default weight 1 it gained +0.03.
        (DeepCORALRegressor, {"coral_weight": 100.0}),
        (DANRegressor, {}),
    ],
)
def test_regressors_adapt_where_the_same_network_without_the_term_fails(cls, weight):
    name = "coral_weight" if cls is DeepCORALRegressor else "mmd_weight"
    gains = []
    for seed in range(3):
        X, y, sd = make_nuisance_shift(150, 300, return_X_y=True, random_state=seed)
        # Source and 150 target rows to fit; the other 150 target rows to score.
        fit, test = np.arange(300), np.arange(300, 450)
        scores = [
            cls(lr=0.01, max_epochs=30, random_state=seed, verbose=0, **params)
            .fit(X[fit], y[fit], sample_domain=sd[fit])
            .score(X[test], y[test])
            for params in ({name: 0.0}, weight)
        ]
        gains.append(scores[1] - scores[0])
    assert np.mean(gains) > 0.1, gains


class _Certain(torch.nn.Module):
    """A label head sure of class 0 on every row: the prediction entropy is
    0, the best score PredictionEntropyScorer gives, whatever the features."""

    def __init__(self, n_classes=3):
        super().__init__()
        self.n_classes = n_classes

    def forward(self, features):
        logits = torch.zeros(len(features), self.n_classes, device=features.device)
        logits[:, 0] = 100.0
        # In the graph of the features, so that the label loss has gradients.
        return logits + 0.0 * features.sum(dim=1, keepdim=True)


def test_one_grid_search_ranges_over_methods_and_their_weights():
    X, y, sd = _tabular_shift()
    net = {"max_epochs": 1, "batch_size": 32, "random_state": 0, "verbose": 0}
    grid = [
        {"net": [DANNClassifier(**net)], "net__lambda_max": [0.1, 1.0]},
        {"net": [MCCClassifier(**net)], "net__class_confusion_weight": [0.5, 1.0]},
        # Must win by construction: certain of every target row.
        {"net": [DeepCORALClassifier(module__label_predictor=_Certain(), **net)]},
    ]
    pipeline = DAPipeline([("net", DANNClassifier(**net))])
    cv, scorer = (
        DomainShuffleSplit(n_splits=2, random_state=0),
        PredictionEntropyScorer(),
    )
    search = GridSearchCV(pipeline, grid, cv=cv, scoring=scorer, error_score="raise")
    with sklearn.config_context(enable_metadata_routing=True):
        search.fit(X, y, sample_domain=sd, groups=sd)
        # Every split's score is that of the candidate fitted on its training
        # rows by hand: the parameters and sample_domain reached each net.
        results, splits = search.cv_results_, list(cv.split(X, y, groups=sd))
        for i, params in enumerate(results["params"]):
            for k, (train, test) in enumerate(splits):
                by_hand = clone(pipeline).set_params(**clone(params, safe=False))
                by_hand.fit(X[train], y[train], sample_domain=sd[train])
                expected = scorer(by_hand, X[test], y[test], sample_domain=sd[test])
                assert results[f"split{k}_test_score"][i] == expected
        refit = clone(pipeline).set_params(**clone(search.best_params_, safe=False))
        refit.fit(X, y, sample_domain=sd)
    scores = results["mean_test_score"]
    assert len(scores) == 5
    # The weights reach the nets: each changes the score.
    assert len(set(scores)) == 5
    # The certain head scores 0, every trained one below it.
    assert type(search.best_estimator_[-1]) is DeepCORALClassifier
    assert scores[search.best_index_] == pytest.approx(0.0, abs=1e-6)
    assert np.all(np.delete(scores, search.best_index_) < -0.01)
    # The refit is the winner's parameters on every row.
    np.testing.assert_array_equal(
        search.best_estimator_.predict_proba(X), refit.predict_proba(X)
    )
    assert isinstance(search.best_estimator_[-1].module_.label_predictor, _Certain)


def test_a_net_without_target_rows_trains_source_only_and_warns(digits_pair):
    X, y, sd = digits_pair
    source = sd > 0
    with pytest.warns(NoTargetDomainWarning):
        net = MCCClassifier(max_epochs=1, verbose=0).fit(
            X[source], y[source], sample_domain=sd[source]
        )
    assert "class_confusion_loss" not in net.history[-1, "batches", -1]

"""Splitters and validation scorers of sktransfer.model_selection.

Expected values are computed here by hand (loops over a few rows), not with
the code under test.
"""

import math
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    cross_val_score,
    cross_validate,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sktransfer import (
    CORAL,
    ImportanceWeightedClassifier,
    LabelShiftReweighter,
    SourceOnlyClassifier,
    make_da_pipeline,
)
from sktransfer.datasets import make_biased_selection
from sktransfer.model_selection import (
    BaselineUnlessBetter,
    DeepEmbeddedValidationScorer,
    DomainShuffleSplit,
    ImportanceWeightedScorer,
    LeaveOneDomainOut,
    PredictionEntropyScorer,
    ReverseValidationScorer,
    SoftNeighborhoodDensityScorer,
    TargetLabelScorer,
)
from sktransfer.model_selection._base import (
    _control_variate_risk as control_variate_risk,
)
from sktransfer.model_selection._base import _features as features_of
from sktransfer.reweight import DensityRatioWeighter

# --------------------------------------------------------------------------
# Helpers: estimators whose outputs are fixed by a row id in X[:, 0].
# --------------------------------------------------------------------------


class Lookup(ClassifierMixin, BaseEstimator):
    """predict_proba of row ``X[i, 0]`` is ``proba[X[i, 0]]``; logs domains."""

    def __init__(self, proba=None):
        self.proba = proba

    def fit(self, X, y=None, sample_domain=None):
        self.classes_ = np.arange(np.asarray(self.proba).shape[1])
        return self

    def predict_proba(self, X, sample_domain=None):
        self.seen_domains_ = sample_domain
        return np.asarray(self.proba, dtype=float)[np.asarray(X)[:, 0].astype(int)]

    def predict(self, X, sample_domain=None):
        return self.classes_[self.predict_proba(X, sample_domain).argmax(axis=1)]


class NoProba(ClassifierMixin, BaseEstimator):
    """A classifier with predict only."""

    def fit(self, X, y=None, sample_domain=None):
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X, sample_domain=None):
        return np.zeros(len(X), dtype=int)


class ColumnWeighter(BaseEstimator):
    """A weighter whose weights are column 1 of the source rows."""

    def fit(self, X, y=None, sample_domain=None):
        self.weights_ = np.asarray(X)[np.asarray(sample_domain) > 0, 1]
        return self


def _ids(n, extra=None):
    X = np.arange(n, dtype=float)[:, None]
    return X if extra is None else np.column_stack([X, extra])


def _entropy(p):
    return -sum(pk * math.log(pk) for pk in p if pk > 0)


# Eight rows: 4 source (one unlabeled), 4 target; labels of target rows are
# true labels that the unsupervised scorers must not read.
PROBA = np.array(
    [
        [0.9, 0.1],
        [0.2, 0.8],
        [0.6, 0.4],
        [0.5, 0.5],
        [1.0, 0.0],
        [0.3, 0.7],
        [0.45, 0.55],
        [0.05, 0.95],
    ]
)
Y = np.array([0, 1, 1, -1, 0, 1, 0, 1])
SD = np.array([1, 1, 1, 1, -1, -1, -1, -1])


@pytest.fixture(scope="module")
def wine():
    X, y, sample_domain = make_biased_selection("wine", return_X_y=True, random_state=0)
    y_masked = np.where(sample_domain < 0, -1, y)
    return X, y, y_masked, sample_domain


def _pipe():
    return make_da_pipeline(StandardScaler(), SourceOnlyClassifier())


UNSUPERVISED = [
    ImportanceWeightedScorer(),
    PredictionEntropyScorer(),
    SoftNeighborhoodDensityScorer(),
    DeepEmbeddedValidationScorer(random_state=0),
    ReverseValidationScorer(),
]
UNSUPERVISED_IDS = ["iws", "entropy", "snd", "dev", "reverse"]


# --------------------------------------------------------------------------
# Values by hand
# --------------------------------------------------------------------------


def test_prediction_entropy_by_hand():
    clf = Lookup(PROBA).fit(None)
    expected = -np.mean([_entropy(PROBA[i]) for i in range(8) if SD[i] < 0])
    score = PredictionEntropyScorer()(clf, _ids(8), Y, sample_domain=SD)
    assert score == pytest.approx(expected, abs=1e-12)
    # Predicted as target rows.
    assert np.all(clf.seen_domains_ < 0)


def test_prediction_entropy_without_routing_reads_domains_from_y():
    clf = Lookup(PROBA).fit(None)
    y = np.where(SD < 0, -1, Y)
    y[3] = 1  # the unlabeled source row gets a label: it is a source row now
    expected = -np.mean([_entropy(PROBA[i]) for i in range(4, 8)])
    assert PredictionEntropyScorer()(clf, _ids(8), y) == pytest.approx(expected)


@pytest.mark.parametrize("T", [0.05, 0.5])
def test_soft_neighborhood_density_by_hand(T):
    clf = Lookup(PROBA).fit(None)
    rows = [i for i in range(8) if SD[i] < 0]
    unit = {i: PROBA[i] / math.sqrt(sum(v * v for v in PROBA[i])) for i in rows}
    entropies = []
    for i in rows:
        others = [j for j in rows if j != i]
        e = [math.exp(sum(unit[i] * unit[j]) / T) for j in others]
        entropies.append(_entropy([v / sum(e) for v in e]))
    expected = sum(entropies) / len(entropies)
    score = SoftNeighborhoodDensityScorer(T=T)(clf, _ids(8), Y, sample_domain=SD)
    assert score == pytest.approx(expected, rel=1e-10)


def test_importance_weighted_scorer_by_hand():
    clf = Lookup(PROBA).fit(None)
    weights = np.array([2.0, 0.5, 1.5, 7.0, 0, 0, 0, 0])
    X = _ids(8, weights)
    # Labelled source rows 0, 1, 2: predictions 0, 1, 0; labels 0, 1, 1.
    correct = {0: 1, 1: 1, 2: 0}
    expected = sum(weights[i] * correct[i] for i in correct) / sum(
        weights[i] for i in correct
    )
    scorer = ImportanceWeightedScorer(weighter=ColumnWeighter())
    assert scorer(clf, X, Y, sample_domain=SD) == pytest.approx(expected)
    # Source rows are predicted with their own sample_domain.
    assert np.array_equal(clf.seen_domains_, SD[:3])

    scorer = ImportanceWeightedScorer(ColumnWeighter(), scoring="neg_log_loss")
    expected = -log_loss(Y[:3], PROBA[:3], sample_weight=weights[:3])
    assert scorer(clf, X, Y, sample_domain=SD) == pytest.approx(expected)


def test_importance_weighted_scorer_weighs_each_row_with_its_own_weight():
    # The unlabeled source row comes first: the weighter's weights_ follow
    # every source row, and the scorer must pick those of the labelled ones.
    clf = Lookup(PROBA).fit(None)
    weights = np.array([7.0, 2.0, 0.5, 1.5, 0, 0, 0, 0])
    y = np.array([-1, 1, 1, 0, 0, 1, 0, 1])
    # Rows 1, 2, 3: predictions 1, 0, 0 (argmax, ties to the first class);
    # labels 1, 1, 0: rows 1 and 3 are right.
    expected = (2.0 + 1.5) / (2.0 + 0.5 + 1.5)
    scorer = ImportanceWeightedScorer(weighter=ColumnWeighter())
    score = scorer(clf, _ids(8, weights), y, sample_domain=SD)
    assert score == pytest.approx(expected, abs=1e-12)
    assert np.array_equal(clf.seen_domains_, SD[1:4])


def test_importance_weighted_scorer_gives_a_label_shift_weighter_the_labels(wine):
    # LabelShiftReweighter needs the source labels to weigh each class; the
    # scorer hands it y, whose target labels the weighter never reads.
    X, y, _, sample_domain = wine
    pipe = _pipe().fit(X, y, sample_domain=sample_domain)
    weighter = LabelShiftReweighter(n_bootstrap=5, random_state=0)
    beta = clone(weighter).fit(X, y, sample_domain=sample_domain).weights_
    source = sample_domain > 0
    correct = pipe.predict(X[source]) == y[source]
    expected = np.sum(beta * correct) / np.sum(beta)
    scorer = ImportanceWeightedScorer(weighter)
    assert scorer(pipe, X, y, sample_domain=sample_domain) == pytest.approx(expected)
    y_permuted = y.copy()
    y_permuted[~source] = np.random.default_rng(0).permutation(y[~source])
    assert scorer(pipe, X, y_permuted, sample_domain=sample_domain) == scorer(
        pipe, X, y, sample_domain=sample_domain
    )


def test_importance_weighted_scorer_default_weighter(wine):
    X, y, _, sample_domain = wine
    pipe = _pipe().fit(X, y, sample_domain=sample_domain)
    beta = DensityRatioWeighter(method="classifier").fit(X, sample_domain=sample_domain)
    source = sample_domain > 0
    correct = pipe.predict(X[source]) == y[source]
    expected = np.sum(beta.weights_ * correct) / np.sum(beta.weights_)
    score = ImportanceWeightedScorer()(pipe, X, y, sample_domain=sample_domain)
    assert score == pytest.approx(expected)


def test_control_variate_by_hand():
    losses = np.array([0.3, 1.2, 0.1, 2.0, 0.7])
    weights = np.array([0.5, 1.5, 0.8, 2.2, 0.4])
    n = len(losses)
    weighted = [w * v for w, v in zip(weights, losses, strict=True)]
    mean_l, mean_w = sum(weighted) / n, sum(weights) / n
    pairs = zip(weighted, weights, strict=True)
    cov = sum((a - mean_l) * (b - mean_w) for a, b in pairs) / (n - 1)
    var = sum((b - mean_w) ** 2 for b in weights) / (n - 1)
    eta = -cov / var
    expected = mean_l + eta * mean_w - eta
    assert control_variate_risk(losses, weights) == pytest.approx(expected)
    # Constant weights: no correction, the plain weighted mean.
    assert control_variate_risk(losses, np.ones(n)) == pytest.approx(losses.mean())


def test_deep_embedded_validation_by_hand():
    clf = Lookup(PROBA).fit(None)
    # A prior classifier gives p(target | z) = n_t / n on every training part,
    # hence weights (n_s / n_t) (n_t / n) / (n_s / n) = 1 and the plain risk.
    scorer = DeepEmbeddedValidationScorer(
        DummyClassifier(strategy="prior"), cv=2, random_state=0
    )
    expected = np.mean([-math.log(PROBA[i, Y[i]]) for i in range(3)])
    assert scorer(clf, _ids(8), Y, sample_domain=SD) == pytest.approx(-expected)
    scorer.set_params(loss="zero_one")
    assert scorer(clf, _ids(8), Y, sample_domain=SD) == pytest.approx(-1 / 3)


class SignDomainClassifier(ClassifierMixin, BaseEstimator):
    """p(target | z) = 0.8 where ``z[:, 1] > 0``, else 0.3; it learns nothing."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        p_target = np.where(np.asarray(X)[:, 1] > 0, 0.8, 0.3)
        return np.column_stack([1 - p_target, p_target])


@pytest.mark.parametrize("loss", ["log_loss", "zero_one"])
def test_deep_embedded_validation_weights_and_control_variate_by_hand(loss):
    # Eight source rows (the first unlabeled) and four target rows; column 1
    # is a 0/1 marker. With cv=2 each training part holds 4 source and 2
    # target rows, among them a source row marked 1 (only three are marked
    # 0) and a target row marked 0 (only one is marked 1): its pooled
    # standardisation keeps the marker's sign, and each labelled source row
    # weighs (4 / 2) p / (1 - p), whatever the parts.
    proba = np.array(
        [[0.5, 0.5], [0.9, 0.1], [0.3, 0.7], [0.6, 0.4]]
        + [[0.2, 0.8], [0.7, 0.3], [0.4, 0.6], [0.8, 0.2]]
        + [[0.5, 0.5]] * 4
    )
    y = np.array([-1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1])  # target labels unread
    sample_domain = np.repeat([1, -1], [8, 4])
    marker = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1])
    clf = Lookup(proba).fit(None)
    scorer = DeepEmbeddedValidationScorer(
        SignDomainClassifier(), loss=loss, cv=2, random_state=0
    )
    rows = range(1, 8)
    w = [2 * (0.8 / 0.2 if marker[i] else 0.3 / 0.7) for i in rows]
    if loss == "log_loss":
        losses = [-math.log(proba[i, y[i]]) for i in rows]
    else:
        losses = [float(int(proba[i, 1] > proba[i, 0]) != y[i]) for i in rows]
    n = len(rows)
    weighted = [wi * li for wi, li in zip(w, losses, strict=True)]
    mean_l, mean_w = sum(weighted) / n, sum(w) / n
    cov = sum((a - mean_l) * (b - mean_w) for a, b in zip(weighted, w, strict=True)) / (
        n - 1
    )
    var = sum((b - mean_w) ** 2 for b in w) / (n - 1)
    eta = -cov / var
    expected = -(mean_l + eta * mean_w - eta)
    score = scorer(clf, _ids(12, marker), y, sample_domain=sample_domain)
    assert score == pytest.approx(expected, rel=1e-12)
    # Another split of the rows into parts gives the same weights.
    scorer.set_params(random_state=1)
    score = scorer(clf, _ids(12, marker), y, sample_domain=sample_domain)
    assert score == pytest.approx(expected, rel=1e-12)


def test_features_of_pipelines_and_transformers():
    X = np.array([[0.0, 1.0], [2.0, 5.0], [4.0, 3.0]])
    y = np.array([0, 1, -1])
    pipe = make_da_pipeline(StandardScaler(), SourceOnlyClassifier()).fit(X, y)
    expected = (X - X.mean(axis=0)) / X.std(axis=0)
    assert np.allclose(features_of(pipe, X, None, "dev"), expected)
    scaler = StandardScaler().fit(X)
    assert np.allclose(features_of(scaler, X, None, "dev"), expected)
    clf = SourceOnlyClassifier().fit(X, y)
    assert np.array_equal(features_of(clf, X, None, "dev"), X)


def _nearest_label(x, xs, labels):
    return labels[int(np.argmin([abs(x - v) for v in xs]))]


def test_reverse_validation_by_hand():
    # Classes 3 and 7 (not 0/1), to check the labels survive the round trip.
    X_train = np.array([0.0, 1.0, 2.0, 6.0, 7.0, 8.0, 3.0, 5.0])
    y_train = np.array([3, 3, 3, 7, 7, 7, -1, -1])
    clf = SourceOnlyClassifier(KNeighborsClassifier(1)).fit(X_train[:, None], y_train)

    X_val = np.array([0.5, 3.5, 6.5, 4.6, 4.2, 3.0, 5.0, 7.0])
    y_val = np.array([3, 3, 7, 7, 3, 7, 3, 3])  # last three: true target labels
    sd_val = np.array([1, 1, 1, 1, 1, -1, -1, -1])
    source, target = X_val[sd_val > 0], X_val[sd_val < 0]
    pseudo = [_nearest_label(x, X_train[:6], y_train[:6]) for x in target]
    back = [_nearest_label(x, target, pseudo) for x in source]
    expected = np.mean(np.array(back) == y_val[sd_val > 0])
    assert expected == 0.8  # 4.2 goes wrong: its nearest target row is 5.0

    scorer = ReverseValidationScorer()
    assert scorer(clf, X_val[:, None], y_val, sample_domain=sd_val) == expected
    # Without sample_domain the target rows are the unlabeled ones.
    y_masked = np.where(sd_val < 0, -1, y_val)
    assert scorer(clf, X_val[:, None], y_masked) == expected


def test_reverse_validation_single_pseudo_label_warns():
    clf = Lookup(np.array([[0.9, 0.1]] * 6)).fit(None)
    y = np.array([0, 1, 0, 0, -1, -1])
    with pytest.warns(UserWarning, match="pseudo-label"):
        score = ReverseValidationScorer()(clf, _ids(6), y)
    assert score == pytest.approx(0.75)


def test_target_label_scorer_by_hand():
    clf = Lookup(PROBA).fit(None)
    y = Y.copy()
    y[6] = -1  # an unlabeled target row
    # Labelled target rows 4, 5, 7: predictions 0, 1, 1; labels 0, 1, 1.
    scorer = TargetLabelScorer()
    assert scorer(clf, _ids(8), y, sample_domain=SD) == 1.0
    y[5] = 0
    assert scorer(clf, _ids(8), y, sample_domain=SD) == pytest.approx(2 / 3)
    expected = -log_loss(y[[4, 5, 7]], PROBA[[4, 5, 7]], labels=[0, 1])
    assert TargetLabelScorer("neg_log_loss")(
        clf, _ids(8), y, sample_domain=SD
    ) == pytest.approx(expected)
    assert np.all(clf.seen_domains_ < 0)


# --------------------------------------------------------------------------
# Target labels are never read
# --------------------------------------------------------------------------


@pytest.mark.parametrize("scorer", UNSUPERVISED, ids=UNSUPERVISED_IDS)
def test_scores_ignore_target_labels(wine, scorer):
    X, y, _, sample_domain = wine
    pipe = _pipe().fit(X, y, sample_domain=sample_domain)
    rng = np.random.default_rng(0)
    y_perm = y.copy()
    target = np.flatnonzero(sample_domain < 0)
    y_perm[target] = rng.permutation(y[target])
    y_perm[target[:5]] = -1
    assert not np.array_equal(y, y_perm)
    assert scorer(pipe, X, y, sample_domain=sample_domain) == scorer(
        pipe, X, y_perm, sample_domain=sample_domain
    )

    # Same through cross_val_score with sample_domain routed to the scorer.
    cv = list(
        DomainShuffleSplit(n_splits=2, random_state=0).split(X, groups=sample_domain)
    )
    with sklearn.config_context(enable_metadata_routing=True):
        scores = [
            cross_val_score(
                _pipe(),
                X,
                labels,
                cv=cv,
                scoring=scorer,
                params={"sample_domain": sample_domain},
                error_score="raise",
            )
            for labels in (y, y_perm)
        ]
    assert np.array_equal(scores[0], scores[1])


# --------------------------------------------------------------------------
# Inside cross_val_score and GridSearchCV, routing off and on
# --------------------------------------------------------------------------


# A prior-only candidate (the same probabilities on every row) and a logistic
# regression, which separates wine's classes: the right pick of each scorer
# is known by construction, and the prior-only candidate's fold scores are
# computed by hand below.
_CANDIDATES = {
    "sourceonlyclassifier__estimator": [
        DummyClassifier(strategy="prior"),
        LogisticRegression(),
    ]
}


def _priors(labels):
    return np.bincount(labels, minlength=3) / labels.size


def _prior_only_entropy(y, train, test):
    # Minus the entropy of the training fold's class priors, on every row.
    return -_entropy(_priors(y[train][y[train] >= 0]))


def _prior_only_density(y, train, test):
    # Identical predictions: every target row is every other's neighbour
    # with P_ij = 1 / (n_t - 1), an entropy of log(n_t - 1), the largest
    # possible: the density rewards a collapsed model.
    return math.log(np.sum(y[test] == -1) - 1)


def _prior_only_reverse(y, train, test):
    # Every target row gets the majority class of the training fold; the
    # reverse model predicts it everywhere: the share of that class among
    # the test fold's labelled source rows.
    majority = np.argmax(_priors(y[train][y[train] >= 0]))
    labelled = y[test][y[test] >= 0]
    return np.mean(labelled == majority)


@pytest.mark.parametrize(
    ("scorer", "best", "prior_only_score"),
    [
        (ImportanceWeightedScorer(), 1, None),
        (PredictionEntropyScorer(), 1, _prior_only_entropy),
        (SoftNeighborhoodDensityScorer(), 0, _prior_only_density),
        (DeepEmbeddedValidationScorer(random_state=0), 1, None),
        (ReverseValidationScorer(), 1, _prior_only_reverse),
    ],
    ids=UNSUPERVISED_IDS,
)
def test_grid_search_picks_the_candidate_known_by_construction(
    wine, scorer, best, prior_only_score
):
    X, y, y_masked, sample_domain = wine
    cv = DomainShuffleSplit(n_splits=2, random_state=0)

    def search():
        return GridSearchCV(_pipe(), _CANDIDATES, cv=cv, scoring=scorer)

    with warnings.catch_warnings():
        # The prior-only candidate pseudo-labels every target row alike.
        warnings.filterwarnings("ignore", "ReverseValidationScorer", UserWarning)
        # Domains from y (-1 on target rows): in the fit and in the scorer.
        unrouted = search().fit(X, y_masked)
        # y holds the true target labels: only the routed sample_domain tells
        # the scorer which rows are target rows.
        with sklearn.config_context(enable_metadata_routing=True):
            routed = search().fit(
                X, y, sample_domain=sample_domain, groups=sample_domain
            )
    assert unrouted.best_index_ == routed.best_index_ == best
    results = unrouted.cv_results_
    for k in range(2):
        key = f"split{k}_test_score"
        np.testing.assert_array_equal(routed.cv_results_[key], results[key])
    if prior_only_score is not None:
        expected = [
            prior_only_score(y_masked, train, test)
            for train, test in cv.split(X, y_masked)
        ]
        scores = [results[f"split{k}_test_score"][0] for k in range(2)]
        np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_cross_validate_multimetric_with_and_without_routing(wine):
    X, y, y_masked, sample_domain = wine
    scoring = {
        "iws": ImportanceWeightedScorer(),
        "entropy": PredictionEntropyScorer(),
        "target": TargetLabelScorer(),
    }
    cv = DomainShuffleSplit(n_splits=2, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = cross_validate(
            _pipe(),
            X,
            y,
            cv=cv,
            scoring=scoring,
            params={"sample_domain": sample_domain, "groups": sample_domain},
            error_score="raise",
        )
    # TargetLabelScorer by hand: the accuracy on the test fold's target rows
    # of a scaler fitted on every training row and a logistic regression on
    # the training source rows.
    for k, (train, test) in enumerate(cv.split(X, y_masked)):
        scaler = StandardScaler().fit(X[train])
        source = train[sample_domain[train] > 0]
        model = LogisticRegression().fit(scaler.transform(X[source]), y[source])
        target = test[sample_domain[test] < 0]
        expected = np.mean(model.predict(scaler.transform(X[target])) == y[target])
        assert routed["test_target"][k] == pytest.approx(expected, abs=1e-12)

    del scoring["target"]  # needs sample_domain, which is not routed
    unrouted = cross_validate(
        _pipe(),
        X,
        y_masked,
        cv=cv,
        scoring=scoring,
        params={"sample_domain": sample_domain},
        error_score="raise",
    )
    # The masked labels give the scorers the same target rows.
    for key in ("test_iws", "test_entropy"):
        np.testing.assert_array_equal(unrouted[key], routed[key])


def test_target_label_scorer_in_cross_val_score(wine):
    X, y, _, sample_domain = wine
    cv = DomainShuffleSplit(n_splits=2, random_state=0)
    params = {"sample_domain": sample_domain, "groups": sample_domain}
    with sklearn.config_context(enable_metadata_routing=True):
        scores = cross_val_score(
            _pipe(), X, y, cv=cv, scoring=TargetLabelScorer(), params=params
        )
        accuracy = cross_val_score(_pipe(), X, y, cv=cv, params=params)
    # The default score of the pipeline, with every test row a target row,
    # differs: it also scores the source rows.
    assert np.all((scores > 0.5) & (scores <= 1))
    assert not np.allclose(scores, accuracy)


def test_scorers_request_sample_domain():
    scorer = PredictionEntropyScorer()
    routing = scorer.get_metadata_routing()
    assert routing.consumes("score", ["sample_domain"]) == {"sample_domain"}
    with pytest.raises(RuntimeError, match="metadata routing"):
        scorer.set_score_request(sample_domain=False)
    with sklearn.config_context(enable_metadata_routing=True):
        scorer.set_score_request(sample_domain=False)
    assert scorer.get_metadata_routing().consumes("score", ["sample_domain"]) == set()


def test_unrequested_sample_domain_is_not_routed(wine):
    X, y, _, sample_domain = wine
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = PredictionEntropyScorer().set_score_request(sample_domain=False)
        # y holds true labels everywhere: without sample_domain, no target row.
        with pytest.raises(ValueError, match="no target rows"):
            cross_val_score(
                _pipe(),
                X,
                y,
                cv=DomainShuffleSplit(n_splits=2, random_state=0),
                scoring=scorer,
                params={"sample_domain": sample_domain, "groups": sample_domain},
                error_score="raise",
            )


def test_scorer_repr_and_params():
    scorer = ImportanceWeightedScorer(scoring="accuracy")
    assert repr(scorer) == "ImportanceWeightedScorer(scoring='accuracy')"
    assert SoftNeighborhoodDensityScorer().get_params() == {"T": 0.05}


# --------------------------------------------------------------------------
# Clear errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize("scorer", UNSUPERVISED, ids=UNSUPERVISED_IDS)
def test_no_target_rows_in_fold(scorer):
    clf = Lookup(PROBA).fit(None)
    with pytest.raises(ValueError, match="no target rows"):
        scorer(clf, _ids(8), Y, sample_domain=np.ones(8, dtype=int))
    with pytest.raises(ValueError, match="no target rows"):
        scorer(clf, _ids(3), Y[:3])


@pytest.mark.parametrize(
    "scorer",
    [
        ImportanceWeightedScorer(),
        DeepEmbeddedValidationScorer(),
        ReverseValidationScorer(),
    ],
    ids=["iws", "dev", "reverse"],
)
def test_no_labelled_source_rows_in_fold(scorer):
    clf = Lookup(PROBA).fit(None)
    y = np.where(SD > 0, -1, Y)
    with pytest.raises(ValueError, match="no labelled source rows"):
        scorer(clf, _ids(8), y, sample_domain=SD)


@pytest.mark.parametrize(
    "scorer",
    [
        PredictionEntropyScorer(),
        SoftNeighborhoodDensityScorer(),
        DeepEmbeddedValidationScorer(),
    ],
    ids=["entropy", "snd", "dev"],
)
def test_estimator_without_predict_proba(scorer):
    with pytest.raises(ValueError, match="needs an estimator with predict_proba"):
        scorer(NoProba().fit(None), _ids(8), Y, sample_domain=SD)


def test_snd_needs_two_target_rows():
    clf = Lookup(PROBA).fit(None)
    sd = np.array([1, 1, 1, 1, -1, 1, 1, 1])
    with pytest.raises(ValueError, match="at least two target rows"):
        SoftNeighborhoodDensityScorer()(clf, _ids(8), Y, sample_domain=sd)


def test_target_label_scorer_errors():
    clf = Lookup(PROBA).fit(None)
    with pytest.raises(ValueError, match="needs sample_domain.*metadata routing"):
        TargetLabelScorer()(clf, _ids(8), Y)
    y = np.where(SD < 0, -1, Y)
    with pytest.raises(ValueError, match="no labelled target rows"):
        TargetLabelScorer()(clf, _ids(8), y, sample_domain=SD)


@pytest.mark.parametrize(
    "scorer",
    [
        PredictionEntropyScorer(eps=0),
        SoftNeighborhoodDensityScorer(T=-1),
        ImportanceWeightedScorer(scoring="no such metric"),
        DeepEmbeddedValidationScorer(cv=1),
        DeepEmbeddedValidationScorer(loss="hinge"),
        TargetLabelScorer(scoring=None),
    ],
)
def test_invalid_scorer_parameters(scorer):
    with pytest.raises(ValueError, match="parameter"):
        scorer(Lookup(PROBA).fit(None), _ids(8), Y, sample_domain=SD)


# --------------------------------------------------------------------------
# Splitters
# --------------------------------------------------------------------------


def _multi_domain():
    """Two source domains and one target domain, labelled and unlabeled."""
    sample_domain = np.repeat([1, 2, -1], [40, 20, 30])
    y = np.concatenate(
        [
            np.repeat([0, 1, -1], [20, 10, 10]),
            np.repeat([0, 1], [10, 10]),
            np.full(30, -1),
        ]
    )
    return np.zeros((90, 1)), y, sample_domain


def test_domain_shuffle_split_keeps_domains_and_classes_in_proportion():
    X, y, sample_domain = _multi_domain()
    cv = DomainShuffleSplit(n_splits=4, test_size=0.25, random_state=0)
    assert cv.get_n_splits() == 4
    # Each domain's labelled and unlabeled rows: ceil(0.25 * rows) in the test
    # fold; each class of a domain's labelled rows: within one of 0.25 * rows.
    labeled = y >= 0
    splits = list(cv.split(X, y, sample_domain))
    assert len(splits) == 4
    for train, test in splits:
        assert np.intersect1d(train, test).size == 0
        assert np.array_equal(np.union1d(train, test), np.arange(90))
        for domain in (1, 2, -1):
            for part in (labeled, ~labeled):
                rows = (sample_domain == domain) & part
                assert np.sum(rows[test]) == math.ceil(0.25 * np.sum(rows))
            for label in (0, 1):
                rows = (sample_domain == domain) & (y == label)
                assert abs(np.sum(rows[test]) - 0.25 * np.sum(rows)) < 1
    tests = [tuple(test) for _, test in splits]
    assert len(set(tests)) == 4  # the splits differ
    again = [tuple(test) for _, test in cv.split(X, y, sample_domain)]
    assert again == tests  # an int random_state repeats them


def test_domain_shuffle_split_reads_no_target_label():
    rng = np.random.RandomState(0)
    sample_domain = np.repeat([1, -1], 40)
    y = rng.randint(3, size=80)  # true target labels kept, as benchmarks do
    y_permuted = y.copy()
    y_permuted[40:] = rng.permutation(y[40:])
    cv = DomainShuffleSplit(n_splits=3, test_size=0.25, random_state=0)
    for (train, test), (train_p, test_p) in zip(
        cv.split(y, y, sample_domain),
        cv.split(y, y_permuted, sample_domain),
        strict=True,
    ):
        np.testing.assert_array_equal(train, train_p)
        np.testing.assert_array_equal(test, test_p)
        assert np.sum(sample_domain[test] < 0) == 10


def test_domain_shuffle_split_from_y_and_train_size():
    X, y, _ = _multi_domain()
    # Without groups, -1 rows are the target: 40 unlabeled, 50 labelled rows
    # (30 of class 0, 20 of class 1).
    cv = DomainShuffleSplit(n_splits=2, test_size=0.1, train_size=0.5, random_state=1)
    for train, test in cv.split(X, y):
        assert np.intersect1d(train, test).size == 0
        assert [np.sum(y[test] == c) for c in (0, 1, -1)] == [3, 2, 4]
        assert [np.sum(y[train] == c) for c in (0, 1, -1)] == [15, 10, 20]


def test_domain_shuffle_split_regression_labels():
    y = np.array([0.5, 1.5, 2.5, 3.5, np.nan, np.nan, np.nan, np.nan, 4.5, 5.5])
    cv = DomainShuffleSplit(n_splits=3, test_size=0.5, random_state=0)
    for _, test in cv.split(np.zeros((10, 1)), y):
        assert np.sum(np.isnan(y[test])) == 2
        assert np.sum(~np.isnan(y[test])) == 3


def test_domain_shuffle_split_integer_valued_regression_targets():
    # Whole numbers in a float array, most of them on one row (as in
    # scikit-learn's diabetes): a target to split, not classes to stratify.
    rng = np.random.RandomState(0)
    y = np.r_[rng.randint(25, 346, size=40).astype(float), np.full(20, np.nan)]
    cv = DomainShuffleSplit(n_splits=2, test_size=0.25, random_state=0)
    for train, test in cv.split(np.zeros((60, 1)), y):
        assert np.sum(~np.isnan(y[test])) == 10
        assert np.sum(np.isnan(y[test])) == 5
        assert np.intersect1d(train, test).size == 0


def test_domain_shuffle_split_errors_and_repr():
    X, y, sample_domain = _multi_domain()
    with pytest.raises(ValueError, match="groups=sample_domain, or y"):
        next(DomainShuffleSplit().split(X))
    with pytest.raises(ValueError, match="test_size"):
        next(DomainShuffleSplit(test_size=1.5).split(X, y))
    with pytest.raises(ValueError, match="at most 1"):
        next(DomainShuffleSplit(test_size=0.5, train_size=0.6).split(X, y))
    y_rare = y.copy()
    y_rare[0] = 2  # a class with one row in domain 1
    with pytest.raises(ValueError, match="domain 1.*least populated"):
        next(DomainShuffleSplit().split(X, y_rare, sample_domain))
    assert " ".join(repr(DomainShuffleSplit(n_splits=3)).split()) == (
        "DomainShuffleSplit(n_splits=3, random_state=None, test_size=0.2, "
        "train_size=None)"
    )


def test_leave_one_domain_out_by_hand():
    X, y, sample_domain = _multi_domain()
    cv = LeaveOneDomainOut()
    assert cv.get_n_splits(groups=sample_domain) == 2
    splits = list(cv.split(X, y, sample_domain))
    target = np.arange(60, 90)
    expected = [
        (np.concatenate([np.arange(40, 60), target]), np.arange(40)),
        (np.concatenate([np.arange(40), target]), np.arange(40, 60)),
    ]
    for (train, test), (train_hand, test_hand) in zip(splits, expected, strict=True):
        assert np.array_equal(train, train_hand)
        assert np.array_equal(test, test_hand)
    assert repr(cv) == "LeaveOneDomainOut()"


def test_leave_one_domain_out_errors():
    X, y, sample_domain = _multi_domain()
    with pytest.raises(ValueError, match="needs groups"):
        next(LeaveOneDomainOut().split(X, y))
    with pytest.raises(ValueError, match="needs groups"):
        LeaveOneDomainOut().get_n_splits()
    with pytest.raises(ValueError, match="at least two source domains"):
        next(LeaveOneDomainOut().split(X, y, np.where(sample_domain > 0, 1, -1)))


def test_leave_one_domain_out_in_grid_search(wine):
    X, y, y_masked, sample_domain = wine
    # Two source domains: the first half of the source rows, and the rest.
    domains = sample_domain.copy()
    source = np.flatnonzero(sample_domain > 0)
    domains[source[len(source) // 2 :]] = 2
    grid = {"sourceonlyclassifier__estimator__C": [0.01, 1.0]}
    pipe = make_da_pipeline(
        StandardScaler(), SourceOnlyClassifier(LogisticRegression())
    )
    search = GridSearchCV(pipe, grid, cv=LeaveOneDomainOut(), error_score="raise")
    search.fit(X, y_masked, groups=domains, sample_domain=domains)
    assert search.n_splits_ == 2
    assert np.all(search.cv_results_["mean_test_score"] > 0.5)
    with sklearn.config_context(enable_metadata_routing=True):
        search.fit(X, y, groups=domains, sample_domain=domains)
    assert search.n_splits_ == 2


def test_splitters_request_groups():
    for cv in (DomainShuffleSplit(), LeaveOneDomainOut()):
        routing = cv.get_metadata_routing()
        assert routing.consumes("split", ["groups"]) == {"groups"}


def test_plain_pipeline_predicts_rows_as_target_without_routing(wine):
    # Neither routing nor a sample_domain parameter: the scorer passes nothing.
    X, _, y_masked, _ = wine
    pipe = make_pipeline(StandardScaler(), SourceOnlyClassifier()).fit(X, y_masked)
    score = ImportanceWeightedScorer()(pipe, X, y_masked)
    assert 0 <= score <= 1


def test_source_rows_get_their_domains_through_a_pipeline_only_with_routing():
    weights = np.array([2.0, 0.5, 1.5, 7.0, 0, 0, 0, 0])
    X = _ids(8, weights)
    scorer = ImportanceWeightedScorer(weighter=ColumnWeighter())
    with sklearn.config_context(enable_metadata_routing=True):
        lookup = Lookup(PROBA).set_predict_request(sample_domain=True)
        lookup.set_fit_request(sample_domain=True)
        pipe = make_da_pipeline(FunctionTransformer(), lookup)
        pipe.fit(X, Y, sample_domain=SD)
        routed = scorer(pipe, X, Y, sample_domain=SD)
        assert np.array_equal(pipe[-1].seen_domains_, SD[:3])
    # Without routing a pipeline's predict takes no sample_domain.
    assert scorer(pipe, X, Y, sample_domain=SD) == routed
    assert pipe[-1].seen_domains_ is None


def _cv_results(splits, params=None):
    """``cv_results_`` of candidates with the given per-split scores."""
    splits = np.asarray(splits, dtype=float)  # (n_candidates, n_splits)
    results = {
        "params": params or [{"c": k} for k in range(splits.shape[0])],
        "mean_test_score": splits.mean(axis=1),
    }
    for k in range(splits.shape[1]):
        results[f"split{k}_test_score"] = splits[:, k]
    return results


def test_baseline_unless_better_by_hand():
    # Candidate 1 gains 0.02, 0.04, 0.00 over the baseline 0: mean 0.02,
    # standard error 0.02 / sqrt(3) = 0.0115.
    results = _cv_results([[0.8, 0.7, 0.9], [0.82, 0.74, 0.9], [0.5, 0.5, 0.5]])
    assert BaselineUnlessBetter({"c": 0})(results) == 1
    assert BaselineUnlessBetter({"c": 0}, n_se=1.7)(results) == 1
    assert BaselineUnlessBetter({"c": 0}, n_se=1.8)(results) == 0
    assert BaselineUnlessBetter(0, n_se=1.8)(results) == 0
    # The baseline being best, or no per-split scores: the best candidate.
    assert BaselineUnlessBetter({"c": 1})(results) == 1
    means_only = {key: results[key] for key in ("params", "mean_test_score")}
    assert BaselineUnlessBetter({"c": 0}, n_se=5)(means_only) == 1


def test_baseline_unless_better_reads_the_named_metric():
    results = _cv_results([[0.8, 0.7], [0.9, 0.9]])
    other = {key.replace("score", "iw"): value for key, value in results.items()}
    other["params"] = results["params"]
    other["split0_test_iw_2"] = np.array([0.0, 9.0])  # another metric's column
    # Gains 0.1 and 0.2: mean 0.15, standard error 0.05.
    assert BaselineUnlessBetter({"c": 0}, scoring="iw", n_se=2)(other) == 1
    other["split1_test_iw"] = np.array([0.7, 0.6])  # gains 0.1 and -0.1
    assert BaselineUnlessBetter({"c": 0}, scoring="iw")(other) == 0


def test_baseline_unless_better_errors():
    results = _cv_results([[0.8, 0.7], [0.9, 0.9]], params=[{"c": 1}, {"c": 1}])
    with pytest.raises(ValueError, match="matches 2 candidates"):
        BaselineUnlessBetter({"c": 1})(results)
    with pytest.raises(ValueError, match="not the index"):
        BaselineUnlessBetter(2)(results)
    with pytest.raises(ValueError, match="'n_se' parameter of BaselineUnlessBetter"):
        BaselineUnlessBetter(0, n_se=-1)(results)


def _alignment_search(rule):
    """A make_da_pipeline grid: align with CORAL or not, two values of C."""
    pipe = make_da_pipeline(StandardScaler(), CORAL(), LogisticRegression())
    grid = {
        "coral": ["passthrough", CORAL()],
        "logisticregression__estimator__C": [0.1, 1.0],
    }
    cv = DomainShuffleSplit(n_splits=2, random_state=0)
    scoring = {"iw": ImportanceWeightedScorer()}
    return GridSearchCV(pipe, grid, cv=cv, scoring=scoring, refit=rule), grid


def test_baseline_unless_better_check_finds_the_baseline_before_the_fits(wine):
    X, _, y_masked, _ = wine
    rule = BaselineUnlessBetter(
        {"coral": "passthrough", "logisticregression__estimator__C": 1.0},
        scoring="iw",
    )
    search, grid = _alignment_search(rule)
    # The candidates in the search's order (keys sorted, values as given):
    # (passthrough, 0.1), (passthrough, 1.0), (CORAL, 0.1), (CORAL, 1.0).
    assert rule.check(search) == 1
    assert rule.check(grid) == rule.check([grid]) == 1
    assert not hasattr(search, "cv_results_")  # nothing was fitted
    search.fit(X, y_masked)
    assert search.cv_results_["params"][1] == {
        "coral": "passthrough",
        "logisticregression__estimator__C": 1.0,
    }
    assert rule.check(search) == 1


def test_baseline_unless_better_check_names_what_the_search_has(wine):
    search, _ = _alignment_search(None)
    # A baseline written for a pipeline with a step named "model".
    with pytest.raises(
        ValueError,
        match=r"matches none of the 4 candidates: no candidate has the "
        r"parameter\(s\) \['model'\]\. The candidates' parameters are: coral, "
        r"logisticregression__estimator__C\.",
    ):
        BaselineUnlessBetter({"model": SourceOnlyClassifier()}, scoring="iw").check(
            search
        )
    with pytest.raises(ValueError, match=r"did you mean \['coral'\] for 'corall'"):
        BaselineUnlessBetter({"corall": "passthrough"}, scoring="iw").check(search)
    with pytest.raises(
        ValueError,
        match=r"no candidate has all of these values \(compared by repr\)\. The "
        r"candidates' values are: coral: 'passthrough', CORAL\(\)\.",
    ):
        BaselineUnlessBetter({"coral": CORAL(center="domain")}, scoring="iw").check(
            search
        )
    with pytest.raises(ValueError, match=r"matches 2 candidates \(indices \[0, 1\]\)"):
        BaselineUnlessBetter({"coral": "passthrough"}, scoring="iw").check(search)
    # A single-metric rule on a search of named scorers.
    with pytest.raises(
        ValueError,
        match=r"BaselineUnlessBetter\(scoring='score'\) names no metric of the "
        r"search\. Its metrics are \['iw'\]",
    ):
        BaselineUnlessBetter(0).check(search)
    with pytest.raises(ValueError, match=r"did you mean \['iw'\] for 'iws'"):
        BaselineUnlessBetter(0, scoring="iws").check(search)
    with pytest.raises(ValueError, match="not the index of one of the 4 candidates"):
        BaselineUnlessBetter(4, scoring="iw").check(search)
    with pytest.raises(ValueError, match="drawn at fit time"):
        BaselineUnlessBetter(0).check(
            RandomizedSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, n_iter=1)
        )


def test_baseline_unless_better_as_the_refit_of_a_grid_search(wine):
    X, _, y, _ = wine
    baseline = SourceOnlyClassifier(LogisticRegression(max_iter=1000))
    grid = {
        "importanceweightedclassifier__weighter": [
            None,
            DensityRatioWeighter(method="classifier"),
        ]
    }
    pipe = make_da_pipeline(
        StandardScaler(), ImportanceWeightedClassifier(baseline.estimator)
    )
    cv = DomainShuffleSplit(n_splits=3, random_state=0)
    rule = BaselineUnlessBetter(
        {"importanceweightedclassifier__weighter": None}, scoring="iw", n_se=0
    )
    search = GridSearchCV(
        pipe, grid, cv=cv, scoring={"iw": ImportanceWeightedScorer()}, refit=rule
    ).fit(X, y)
    assert search.best_index_ == rule(search.cv_results_)
    assert search.best_index_ == int(np.argmax(search.cv_results_["mean_test_iw"]))
    strict = GridSearchCV(
        pipe,
        grid,
        cv=cv,
        scoring={"iw": ImportanceWeightedScorer()},
        refit=BaselineUnlessBetter(0, scoring="iw", n_se=1e6),
    ).fit(X, y)
    assert strict.best_index_ == 0
    assert strict.best_estimator_[-1].weighter is None


class _UnitWeights(BaseEstimator):
    """A weighter that gives every source row the weight 1."""

    def fit(self, X, y=None, sample_domain=None):
        self.weights_ = np.ones(int(np.sum(np.asarray(sample_domain) > 0)))
        return self


class _PredictsItsDomain(ClassifierMixin, BaseEstimator):
    """Predicts 1 for target rows and 0 for source rows."""

    def fit(self, X, y, sample_domain=None):
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X, sample_domain=None):
        if sample_domain is None:
            return np.ones(len(X), dtype=int)
        return (np.asarray(sample_domain) < 0).astype(int)


@pytest.mark.parametrize(("predict_as", "expected_class"), [("own", 0), ("target", 1)])
def test_importance_weighted_scorer_predicts_source_rows_as_asked(
    predict_as, expected_class
):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = np.r_[rng.integers(0, 2, 30), -np.ones(10, int)]
    sample_domain = np.r_[np.ones(30, int), -np.ones(10, int)]
    estimator = _PredictsItsDomain().fit(X, y)
    scorer = ImportanceWeightedScorer(weighter=_UnitWeights(), predict_as=predict_as)
    score = scorer(estimator, X, y, sample_domain=sample_domain)
    assert score == pytest.approx(np.mean(y[:30] == expected_class))

"""make_da_pipeline end to end: Pipeline, cross_val_score and GridSearchCV.

The domain-aware step here is a small transformer that moves target rows onto
the source mean. It adapts only if it receives ``sample_domain`` (the data keep
true target labels in ``y``, so without ``sample_domain`` every row looks like
a source row), which makes a missing route visible as an accuracy loss.
"""

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.preprocessing import StandardScaler

from sktransfer import (
    CORAL,
    DAPipeline,
    DomainAwareTransformerMixin,
    SourceOnlyClassifier,
    SourceOnlyRegressor,
    make_da_pipeline,
    pack_domains,
)
from sktransfer.exceptions import NoTargetDomainWarning


class MeanShift(DomainAwareTransformerMixin, BaseEstimator):
    """Shift target rows by the difference of the domain means."""

    def __init__(self, strength=1.0):
        self.strength = strength

    def fit(self, X, y=None, sample_domain=None):
        data = self._validate_domain_data(X, y, sample_domain, labels=None)
        self.shift_ = np.zeros(data.X.shape[1])
        if data.has_target:
            self.shift_ = data.X[data.source].mean(0) - data.X[data.target].mean(0)
        return self

    def transform(self, X, sample_domain=None):
        X, sample_domain = self._validate_predict_data(X, sample_domain)
        return X + self.strength * np.outer(sample_domain < 0, self.shift_)


@pytest.fixture(scope="module")
def shifted():
    """Two Gaussian classes; the target is the source moved along the boundary."""
    rng = np.random.RandomState(0)

    def draw(n, offset):
        y = rng.randint(2, size=n)
        X = rng.normal(size=(n, 2)) + np.c_[2.0 * y - 1.0, np.zeros(n)] + offset
        return X, y

    Xs, ys = draw(300, np.array([0.0, 0.0]))
    Xt, yt = draw(300, np.array([1.5, 3.0]))
    return pack_domains(Xs, ys, Xt, yt)


@pytest.fixture(autouse=True)
def _routing_stays_off():
    assert not sklearn.get_config()["enable_metadata_routing"]
    yield
    assert not sklearn.get_config()["enable_metadata_routing"]


def _target_accuracy(pipe, X, y, sd):
    """Accuracy on the target rows, whose labels no fit here reads.

    The unsupervised step sees their features (unlabeled adaptation works on
    the very rows it must label); their labels reach no fit, because
    ``sample_domain`` or a ``-1`` in ``y`` marks them.
    """
    target = sd < 0
    return pipe.score(X[target], y[target])


def test_pipeline_routes_sample_domain_without_global_routing(shifted):
    X, y, sd = shifted
    adapted = make_da_pipeline(MeanShift(), SourceOnlyClassifier())
    adapted.fit(X, y, sample_domain=sd)
    assert adapted.named_steps["sourceonlyclassifier"].estimator_ is not None
    baseline = make_da_pipeline(SourceOnlyClassifier()).fit(X, y, sample_domain=sd)
    # Without sample_domain the true target labels make every row a source row.
    with pytest.warns(NoTargetDomainWarning, match="MeanShift found no target rows"):
        blind = make_da_pipeline(MeanShift(), SourceOnlyClassifier()).fit(X, y)
    assert not blind.named_steps["meanshift"].shift_.any()

    acc_adapted = _target_accuracy(adapted, X, y, sd)
    acc_baseline = _target_accuracy(baseline, X, y, sd)
    assert acc_adapted > 0.8
    assert acc_adapted > acc_baseline + 0.1


def test_pipeline_without_sample_domain_infers_targets_from_labels(shifted):
    X, y, sd = shifted
    y_unlabeled = np.where(sd < 0, -1, y)
    pipe = make_da_pipeline(StandardScaler(), MeanShift(), SourceOnlyClassifier())
    pipe.fit(X, y_unlabeled)
    routed = make_da_pipeline(StandardScaler(), MeanShift(), SourceOnlyClassifier())
    routed.fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(pipe.predict(X), routed.predict(X))
    assert _target_accuracy(pipe, X, y, sd) > 0.8


def test_predict_time_sample_domain_needs_routing(shifted):
    X, y, sd = shifted
    pipe = make_da_pipeline(MeanShift(), SourceOnlyClassifier()).fit(
        X, y, sample_domain=sd
    )
    with pytest.raises(ValueError, match=r"set_config\(enable_metadata_routing=True\)"):
        pipe.predict(X, sample_domain=sd)
    with pytest.raises(ValueError, match="needs scikit-learn's metadata routing"):
        pipe.score(X, y, sample_domain=sd)


def test_predict_time_sample_domain_with_routing(shifted):
    X, y, sd = shifted
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_da_pipeline(MeanShift(), SourceOnlyClassifier())
        pipe.fit(X, y, sample_domain=sd)
        # Source rows declared as such are not shifted: same as the plain model.
        source = sd > 0
        as_source = pipe.predict(X[source], sample_domain=sd[source])
        baseline = make_da_pipeline(SourceOnlyClassifier()).fit(X, y, sample_domain=sd)
        np.testing.assert_array_equal(as_source, baseline.predict(X[source]))
        # Scored on the target rows, whose labels the fit never read
        # (sample_domain marks them), not on the source rows it trained on.
        target = sd < 0
        assert pipe.score(X[target], y[target], sample_domain=sd[target]) > 0.8


def test_no_step_accepts_sample_domain(shifted):
    X, y, sd = shifted
    pipe = make_da_pipeline(StandardScaler(), StandardScaler())
    with pytest.raises(ValueError, match="no step's fit accepts it"):
        pipe.fit(X, y, sample_domain=sd)


def _target_folds(sd, y, n_splits=5):
    """Train on every source row and most target rows, test on held-out target rows.

    The held-out folds are drawn at random from the target rows, stratified by
    label. The target rows of the training side keep their labels in ``y``
    but are marked by ``sample_domain``, so no fit reads them.
    """
    target = np.flatnonzero(sd < 0)
    folds = StratifiedKFold(n_splits, shuffle=True, random_state=0)
    for _, test in folds.split(target, y[target]):
        yield np.setdiff1d(np.arange(sd.shape[0]), target[test]), target[test]


@pytest.mark.parametrize("routing", [False, True])
def test_cross_val_score(shifted, routing):
    X, y, sd = shifted
    with sklearn.config_context(enable_metadata_routing=routing):
        adapted, baseline = (
            cross_val_score(
                make_da_pipeline(*steps),
                X,
                y,
                cv=list(_target_folds(sd, y)),
                params={"sample_domain": sd},
            )
            for steps in [
                (MeanShift(), SourceOnlyClassifier()),
                (SourceOnlyClassifier(),),
            ]
        )
    assert adapted.mean() > 0.8
    assert adapted.mean() > baseline.mean() + 0.1


@pytest.mark.parametrize("routing", [False, True])
def test_grid_search_picks_the_adaptation(shifted, routing):
    X, y, sd = shifted
    with sklearn.config_context(enable_metadata_routing=routing):
        search = GridSearchCV(
            make_da_pipeline(MeanShift(), SourceOnlyClassifier(LogisticRegression())),
            {
                "meanshift__strength": [0.0, 1.0],
                "sourceonlyclassifier__estimator__C": [0.1, 1.0],
            },
            cv=list(_target_folds(sd, y, 3)),
        ).fit(X, y, sample_domain=sd)
    assert search.best_params_["meanshift__strength"] == 1.0
    assert search.best_estimator_.named_steps["meanshift"].shift_.any()


def test_grid_search_without_sample_domain(shifted):
    X, y, sd = shifted
    y_unlabeled = np.where(sd < 0, -1, y)
    search = GridSearchCV(
        make_da_pipeline(MeanShift(), SourceOnlyClassifier(LogisticRegression())),
        {"sourceonlyclassifier__estimator__C": [0.1, 1.0]},
        cv=3,
    ).fit(X, y_unlabeled)
    assert _target_accuracy(search, X, y, sd) > 0.8


def test_a_plain_final_classifier_is_fitted_on_the_labelled_source_rows(shifted):
    X, y, sd = shifted
    y_unlabeled = np.where(sd < 0, -1, y)
    plain = make_da_pipeline(MeanShift(), LogisticRegression()).fit(X, y_unlabeled)
    wrapped = make_da_pipeline(MeanShift(), SourceOnlyClassifier(LogisticRegression()))
    wrapped.fit(X, y_unlabeled)
    assert list(plain.classes_) == [0, 1]
    np.testing.assert_array_equal(plain.predict(X), wrapped.predict(X))
    assert plain.named_steps["logisticregression"].estimator_.coef_.shape == (1, 2)


def test_a_plain_final_step_never_reads_the_target_labels(shifted):
    X, y, sd = shifted
    rng = np.random.RandomState(0)
    y_permuted = y.copy()
    y_permuted[sd < 0] = rng.permutation(y[sd < 0])
    fits = [
        make_da_pipeline(StandardScaler(), LogisticRegression()).fit(
            X, labels, sample_domain=sd
        )
        for labels in (y, y_permuted, np.where(sd < 0, -1, y))
    ]
    for fitted in fits[1:]:
        np.testing.assert_array_equal(fitted.predict(X), fits[0].predict(X))


def test_a_plain_final_regressor_is_wrapped_too(shifted):
    X, y, sd = shifted
    y_float = np.where(sd < 0, np.nan, y.astype(float))
    pipe = make_da_pipeline(StandardScaler(), Ridge()).fit(X, y_float)
    assert isinstance(pipe.steps[-1][1], SourceOnlyRegressor)
    assert np.isfinite(pipe.score(X, y_float))


def test_a_hand_built_pipeline_refuses_a_plain_final_predictor(shifted):
    X, y, sd = shifted
    pipe = DAPipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    with pytest.raises(ValueError, match=r"SourceOnlyClassifier\(LogisticRegression"):
        pipe.fit(X, np.where(sd < 0, -1, y))
    with pytest.raises(ValueError, match="make_da_pipeline"):
        pipe.fit(X, y, sample_domain=sd)


def test_a_da_pipeline_as_a_step_is_not_wrapped_as_source_only():
    # Its aligner must see the target rows: wrapped as source-only it would
    # be fitted on the source alone, and CORAL would map nothing.
    inner = make_da_pipeline(CORAL(), LogisticRegression())
    outer = make_da_pipeline(StandardScaler(), inner)
    assert outer.steps[-1][1] is inner
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(size=(60, 3)), rng.normal(2.0, 3.0, size=(40, 3))]
    y = np.r_[(X[:60, 0] > 0).astype(int), -np.ones(40, int)]
    outer.fit(X, y)
    coral = outer.steps[-1][1].steps[0][1]
    expected = CORAL().fit(StandardScaler().fit_transform(X), y)
    np.testing.assert_allclose(coral.coral_map_, expected.coral_map_)

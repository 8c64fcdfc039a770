"""AdaptationSearchCV: the decision on built shifts, the report, the estimator API."""

import pickle
import warnings

import numpy as np
import pytest
from _shifted import few_labels_task
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer import SourceOnlyRegressor
from sktransfer.datasets import make_label_shift
from sktransfer.exceptions import NoTargetDomainWarning
from sktransfer.model_selection import AdaptationSearchCV


def _logistic():
    return make_pipeline(StandardScaler(), LogisticRegression())


def _masked(y, sample_domain):
    y_fit = y.copy()
    y_fit[sample_domain < 0] = -1
    return y_fit


def _covariate_shift(seed, n_source=800, n_target=800):
    """Shimodaira's example: a cubic fitted by a line, the inputs moved.

    The source covers a wide range and the target a narrow one around 0,
    where the best line differs from the one fitted on the source: weighting
    the source rows by ``P_T / P_S`` moves the line to the target's.
    """
    rng = np.random.default_rng(seed)
    x_source = rng.normal(0.5, 0.5, n_source)
    x_target = rng.normal(-0.3, 0.5, n_target)
    x = np.r_[x_source, x_target][:, None]
    y = -x[:, 0] + x[:, 0] ** 3 + rng.normal(0, 0.1, x.shape[0])
    sample_domain = np.r_[np.ones(n_source, int), -np.ones(n_target, int)]
    return x, y, sample_domain


def test_reweighting_wins_under_covariate_shift():
    # The weighted risk is a noisy estimate (a few source rows in the
    # target's range carry most of the weight): over five draws the rule
    # must pick reweighting on most, and its picks must pay on new rows.
    chosen, errors, baseline_errors = [], [], []
    for seed in range(5):
        x, y, sample_domain = _covariate_shift(seed)
        y_fit = np.where(sample_domain < 0, np.nan, y)
        search = AdaptationSearchCV(LinearRegression(), random_state=seed)
        search.fit(x, y_fit)
        assert search.report_.task == "regression"
        assert search.n_se_ == search.report_.n_se == 3.0  # "auto"
        assert search.report_.label_shift_pvalue is None
        chosen.append(search.best_name_.startswith("reweighting"))
        x_new, y_new, domain_new = _covariate_shift(seed + 100)
        target = domain_new < 0
        source_only = SourceOnlyRegressor(LinearRegression()).fit(x, y_fit)
        errors.append(mean_squared_error(y_new[target], search.predict(x_new[target])))
        baseline_errors.append(
            mean_squared_error(y_new[target], source_only.predict(x_new[target]))
        )
    assert sum(chosen) >= 4
    assert np.mean(errors) < 0.8 * np.mean(baseline_errors)


def _label_shift(seed, n_source=1000, n_target=1000, target_priors=(0.9, 0.1)):
    """Two overlapping classes, ``P(x | y)`` fixed, the class mix moved."""
    rng = np.random.default_rng(seed)
    y_source = rng.permutation(np.arange(n_source) % 2)
    y_target = (rng.random(n_target) >= target_priors[0]).astype(int)
    y = np.r_[y_source, y_target]
    X = rng.normal(size=(y.size, 2)) + 1.2 * y[:, None]
    sample_domain = np.r_[np.ones(n_source, int), -np.ones(n_target, int)]
    return X, y, sample_domain


def test_label_shift_wins_under_label_shift():
    X, y, sample_domain = _label_shift(0)
    search = AdaptationSearchCV(_logistic(), random_state=0)
    search.fit(X, _masked(y, sample_domain))
    assert search.best_name_ == "label shift"
    report = search.report_
    assert search.n_se_ == report.n_se == 2.0  # "auto"
    assert report.label_shift_pvalue < 0.05
    # Only the correction that assumes label shift competed with the baseline.
    eligible = {c.name for c in report.candidates if c.eligible}
    assert eligible == {"source only", "label shift"}
    assert not report.needs_target_labels
    # The correction pays on new target rows drawn apart.
    X_new, y_new, domain_new = _label_shift(1)
    target = domain_new < 0
    source_only = _logistic().fit(X[sample_domain > 0], y[sample_domain > 0])
    assert search.score(X_new[target], y_new[target]) > 0.03 + source_only.score(
        X_new[target], y_new[target]
    )


def test_nothing_is_chosen_without_shift():
    X, y = load_breast_cancer(return_X_y=True)
    X_source, X_target, y_source, y_target = train_test_split(
        X, y, test_size=0.4, stratify=y, random_state=0
    )
    X_all = np.r_[X_source, X_target]
    y_fit = np.r_[y_source, -np.ones_like(y_target)]
    search = AdaptationSearchCV(_logistic(), random_state=0).fit(X_all, y_fit)
    assert search.best_name_ == "source only"
    assert search.report_.needs_target_labels
    assert "target labels" in str(search.report_) or "Label some target" in str(
        search.report_
    )
    assert search.report_.proxy_a_distance < 0.2
    # The refitted baseline is the source-only model itself, behind the
    # scaler, which saw every row.
    scaler = StandardScaler().fit(X_all)
    expected = (
        LogisticRegression()
        .fit(scaler.transform(X_source), y_source)
        .predict(scaler.transform(X_target))
    )
    np.testing.assert_array_equal(search.predict(X_target), expected)


def test_target_labels_are_read_only_when_given():
    X, y, sample_domain = make_label_shift(
        "breast_cancer", target_priors=[0.9, 0.1], return_X_y=True, random_state=0
    )
    unlabeled = AdaptationSearchCV(_logistic(), random_state=0).fit(
        X, _masked(y, sample_domain), sample_domain=sample_domain
    )
    assert unlabeled.report_.n_target_labeled == 0
    assert unlabeled.report_.scoring != "target labels"

    # A few labelled target rows, marked by their domain: the search scores
    # the candidates on them and says so.
    y_few = _masked(y, sample_domain)
    target_rows = np.flatnonzero(sample_domain < 0)
    few = np.random.default_rng(0).choice(target_rows, 40, replace=False)
    y_few[few] = y[few]
    labelled = AdaptationSearchCV(_logistic(), random_state=0).fit(
        X, y_few, sample_domain=sample_domain
    )
    assert labelled.report_.n_target_labeled == 40
    assert labelled.report_.scoring == "target labels"
    assert "labelled target rows" in str(labelled.report_)


_FEW_LABELS_METHODS = {
    "feature augmentation",
    "balanced weighting",
    "PRED",
    "TrAdaBoost",
    "regular transfer",
}


def test_few_labels_methods_are_candidates_only_with_target_labels():
    # A concept shift: the target's boundary is rotated, which no method
    # without target labels can see.
    X, y, sample_domain, X_test, y_test = few_labels_task("classification", 40, 0)
    search = AdaptationSearchCV(LogisticRegression(), random_state=0).fit(
        X, y, sample_domain=sample_domain
    )
    assert set(search.candidates_) >= _FEW_LABELS_METHODS
    assert "continued boosting" not in search.candidates_  # not a boosting model
    eligible = {c.name for c in search.report_.candidates if c.eligible}
    assert eligible >= _FEW_LABELS_METHODS
    assert search.best_name_ in _FEW_LABELS_METHODS
    source = sample_domain > 0
    source_only = LogisticRegression().fit(X[source], y[source])
    assert search.score(X_test, y_test) > source_only.score(X_test, y_test) + 0.03

    # The same rows with the target labels hidden: none of them is a candidate.
    hidden = np.where(sample_domain < 0, -1, y)
    unlabeled = AdaptationSearchCV(LogisticRegression(), cv=2, random_state=0)
    unlabeled.fit(X, hidden, sample_domain=sample_domain)
    assert not _FEW_LABELS_METHODS & set(unlabeled.candidates_)


def test_continued_boosting_is_a_candidate_around_a_boosting_model():
    # Few rows: HistGradientBoosting bins weighted rows slowly.
    X, y, sample_domain, _, _ = few_labels_task("regression", 20, 0, n_source=100)
    search = AdaptationSearchCV(
        HistGradientBoostingRegressor(max_iter=10), cv=2, random_state=0
    ).fit(X, y, sample_domain=sample_domain)
    assert "continued boosting" in search.candidates_
    assert "regular transfer" not in search.candidates_  # not a linear model
    assert "TrAdaBoost" not in search.candidates_  # already boosted


def test_no_target_rows_fits_source_only_with_a_warning():
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.warns(NoTargetDomainWarning):
        search = AdaptationSearchCV(_logistic()).fit(X, y)
    assert search.best_name_ == "source only"
    np.testing.assert_array_equal(search.predict(X), _logistic().fit(X, y).predict(X))


def test_report_reads_like_the_decision():
    X, y, sample_domain = _label_shift(0)
    search = AdaptationSearchCV(_logistic(), random_state=0)
    search.fit(X, _masked(y, sample_domain))
    text = str(search.report_)
    assert text.startswith("AdaptationSearchCV (classification): chose 'label shift'")
    for candidate in search.report_.candidates:
        assert candidate.name in text
    assert [c.chosen for c in search.report_.candidates].count(True) == 1
    # Gains are per-fold differences with the baseline, computed apart.
    results = search.cv_results_
    folds = [key for key in results if key.startswith("split")]
    names = list(search.candidates_)
    baseline = names.index("source only")
    for i, candidate in enumerate(search.report_.candidates):
        gains = [results[key][i] - results[key][baseline] for key in folds]
        assert candidate.gain == pytest.approx(np.mean(gains))


def test_clone_pickle_and_parallel_fits_agree():
    X, y, sample_domain = make_label_shift(
        "breast_cancer", target_priors=[0.9, 0.1], return_X_y=True, random_state=1
    )
    y_fit = _masked(y, sample_domain)
    search = AdaptationSearchCV(_logistic(), cv=3, random_state=0)
    assert clone(search).get_params()["cv"] == 3
    fitted = clone(search).fit(X, y_fit)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    assert restored.best_name_ == fitted.best_name_
    parallel = clone(search).set_params(n_jobs=2).fit(X, y_fit)
    np.testing.assert_allclose(
        parallel.cv_results_["mean_test_score"],
        fitted.cv_results_["mean_test_score"],
    )


def test_grid_search_around_the_search():
    X, y, sample_domain = make_label_shift(
        "breast_cancer", target_priors=[0.9, 0.1], return_X_y=True, random_state=2
    )
    grid = GridSearchCV(
        AdaptationSearchCV(_logistic(), cv=3, random_state=0),
        {"n_se": [0.0, 2.0]},
        cv=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoTargetDomainWarning)
        grid.fit(X, _masked(y, sample_domain))
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()


def test_bad_input_is_refused():
    X, y = load_breast_cancer(return_X_y=True)
    with pytest.raises(ValueError, match="labelled source rows"):
        AdaptationSearchCV(_logistic()).fit(X, -np.ones_like(y))
    with pytest.raises(ValueError, match="classifier or a regressor"):
        AdaptationSearchCV(KMeans(2)).fit(X, y)
    with pytest.raises(ValueError, match="'estimator' parameter"):
        AdaptationSearchCV(StandardScaler()).fit(X, y)


def test_groups_stay_on_one_side_of_every_split():
    X, y, sample_domain = _label_shift(0, n_source=200, n_target=200)
    groups = np.arange(y.size) // 4  # four rows a group, domains apart
    search = AdaptationSearchCV(_logistic(), cv=3, random_state=0)
    folds = search._cv(sample_domain, _masked(y, sample_domain) == -1, groups)
    assert len(folds) == 3
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
        for domain in (1, -1):
            share = np.mean(sample_domain[test] == domain) / np.mean(
                sample_domain == domain
            )
            assert 0.1 < share * test.size / y.size < 0.3
    search.fit(X, _masked(y, sample_domain), groups=groups)
    assert search.best_name_ in search.candidates_
    with pytest.raises(ValueError, match="one group per row"):
        search.fit(X, _masked(y, sample_domain), groups=groups[:-1])


def test_display_draws_each_candidates_gain_and_the_pick():
    import matplotlib
    import matplotlib.pyplot as plt

    matplotlib.use("Agg")

    from sktransfer.model_selection import AdaptationSearchDisplay

    X, y, sample_domain = _label_shift(0, n_source=300, n_target=300)
    search = AdaptationSearchCV(_logistic(), cv=3, random_state=0)
    search.fit(X, _masked(y, sample_domain))
    display = AdaptationSearchDisplay.from_estimator(search)
    report = search.report_
    assert len(display.bars_) == len(report.candidates)
    for bar, candidate in zip(display.bars_, report.candidates, strict=True):
        assert bar.get_width() == pytest.approx(candidate.gain)
        assert (bar.get_hatch() == "//") == (not candidate.eligible)
        grey = matplotlib.colors.to_rgba("0.7")
        assert (bar.get_facecolor()[:3] != grey[:3]) == candidate.chosen
    assert repr(report.chosen) in display.ax_.get_title()
    plt.close("all")
    with pytest.raises(ValueError, match="report_ of a fitted"):
        AdaptationSearchDisplay(search)


def test_a_random_state_instance_seeds_the_search():
    X, y, sample_domain = _label_shift(0, n_source=200, n_target=200)
    y_fit = _masked(y, sample_domain)
    first = AdaptationSearchCV(
        _logistic(), cv=3, random_state=np.random.RandomState(0)
    ).fit(X, y_fit)
    second = AdaptationSearchCV(
        _logistic(), cv=3, random_state=np.random.RandomState(0)
    ).fit(X, y_fit)
    np.testing.assert_array_equal(
        first.cv_results_["mean_test_score"], second.cv_results_["mean_test_score"]
    )

"""A DataFrame with categorical columns and missing values, through DA pipelines.

The tabular user's pipeline: a ColumnTransformer (imputed, scaled numbers;
one-hot categories), a domain-aware step, an estimator, on one table whose
target rows carry ``y = -1`` (``NaN`` in regression).
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer, make_column_transformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sktransfer import (
    CORAL,
    DensityRatioWeighter,
    ImportanceWeightedClassifier,
    ImportanceWeightedRegressor,
    KMMReweighter,
    LabelShiftClassifier,
    LabelShiftReweighter,
    SourceOnlyClassifier,
    SourceOnlyRegressor,
    SubspaceAlignment,
    make_da_pipeline,
)

NUM, CAT = ["age", "income"], ["city", "plan"]
# The columns the ColumnTransformer makes of _table(), written out by hand:
# each category in sorted order, then the missing value as its own category.
COLUMNS = [
    "num__age",
    "num__income",
    "cat__city_lyon",
    "cat__city_nantes",
    "cat__city_paris",
    "cat__city_nan",
    "cat__plan_basic",
    "cat__plan_premium",
    "cat__plan_nan",
]
DENSITY_RATIO_METHODS = ["classifier", "kde", "kliep", "ulsif", "rulsif"]


def _table(n=120, seed=0):
    """Customers: two numbers, two categories (one of pandas' category dtype).

    The target customers (the last 40%) are older and live in Paris more
    often; every column misses some values.
    """
    rng = np.random.RandomState(seed)
    target = np.arange(n) >= 0.6 * n
    age = rng.normal(40, 10, n) + 8 * target
    income = rng.lognormal(3, 0.5, n)
    city = np.where(
        target & (rng.rand(n) < 0.5),
        "paris",
        rng.choice(["lyon", "nantes", "paris"], n),
    ).astype(object)
    plan = rng.choice(["basic", "premium"], n)
    score = (age - 44) / 10 + (city == "paris") + (plan == "premium") - 0.8
    y = (score + rng.normal(0, 0.5, n) > 0).astype(int)
    table = pd.DataFrame(
        {
            "age": age,
            "income": income,
            "city": city,
            "plan": pd.Categorical(plan),
        },
        index=pd.RangeIndex(1000, 1000 + n),
    )
    table.loc[table.index[::9], "age"] = np.nan
    table.loc[table.index[3::11], "income"] = np.nan
    table.loc[table.index[5::10], "city"] = np.nan
    table.loc[table.index[7::13], "plan"] = np.nan
    sample_domain = np.where(target, -1, 1)
    return table, y, score, sample_domain


def _columns():
    return ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), NUM),
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), CAT),
        ]
    )


def _weighters():
    # KLIEP's cross-validated choice of gamma costs seconds per fit here, and
    # the choice is not what this file tests.
    fixed = {"kliep": {"gamma": 0.1}}
    return {
        "kmm": KMMReweighter(),
        **{
            f"density-{m}": DensityRatioWeighter(method=m, **fixed.get(m, {}))
            for m in DENSITY_RATIO_METHODS
        },
    }


# Each case: the steps after the ColumnTransformer, and the task. A plain
# final estimator is wrapped by make_da_pipeline in SourceOnlyClassifier.
CASES = {
    "coral": (lambda: [CORAL(), LogisticRegression()], "classification"),
    "coral-regression": (lambda: [CORAL(), Ridge()], "regression"),
    "subspace-alignment": (
        lambda: [SubspaceAlignment(n_components=4), LogisticRegression()],
        "classification",
    ),
    **{
        f"iw-classifier-{name}": (
            lambda name=name: [
                ImportanceWeightedClassifier(LogisticRegression(), _weighters()[name])
            ],
            "classification",
        )
        for name in _weighters()
    },
    **{
        f"iw-regressor-{name}": (
            lambda name=name: [
                ImportanceWeightedRegressor(Ridge(), _weighters()[name])
            ],
            "regression",
        )
        for name in _weighters()
    },
    "iw-classifier-label-shift": (
        lambda: [
            ImportanceWeightedClassifier(
                LogisticRegression(),
                LabelShiftReweighter(n_bootstrap=0, random_state=0),
            )
        ],
        "classification",
    ),
    "label-shift": (
        lambda: [
            LabelShiftClassifier(LogisticRegression(), n_bootstrap=0, random_state=0)
        ],
        "classification",
    ),
    "source-only-classifier": (
        lambda: [SourceOnlyClassifier(LogisticRegression())],
        "classification",
    ),
    "source-only-regressor": (lambda: [SourceOnlyRegressor(Ridge())], "regression"),
}


def _pipeline(case):
    steps, task = CASES[case]
    return make_da_pipeline(_columns(), *steps()), task


def _labels(task, y, score, sample_domain):
    """The labels as given to fit: known for every row, and masked on the target."""
    known = score if task == "regression" else y
    masked = np.where(sample_domain < 0, np.nan if task == "regression" else -1, known)
    return known, masked


# A density-ratio or KMM fit on 120 rows may warn that its weights rest on
# a few rows, and LogisticRegression may stop before converging: neither is
# what these tests look at.
pytestmark = [
    pytest.mark.filterwarnings(
        "ignore::sktransfer.exceptions.SmallEffectiveSampleSizeWarning"
    ),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


@pytest.mark.parametrize("case", sorted(CASES))
def test_sample_domain_through_the_pipeline_keeps_target_labels_unread(case):
    table, y, score, sample_domain = _table()
    known, masked = _labels(CASES[case][1], y, score, sample_domain)
    # Domains from y = -1 (NaN), or from sample_domain with every label in
    # y: a method that never reads target labels learns the same from both.
    from_labels = _pipeline(case)[0].fit(table, masked)
    from_domains = _pipeline(case)[0].fit(table, known, sample_domain=sample_domain)
    target = table[sample_domain < 0]  # missing values and all
    predictions = from_labels.predict(target)
    assert predictions.shape == (len(target),)
    np.testing.assert_allclose(from_domains.predict(target), predictions)
    if CASES[case][1] == "classification":
        assert set(np.unique(predictions)) <= {0, 1}
    else:
        assert np.all(np.isfinite(predictions))


def _names_out(case):
    """The columns the step before the estimator gives, written out by hand."""
    if case == "subspace-alignment":
        return [f"subspacealignment{i}" for i in range(4)]
    return COLUMNS


@pytest.mark.parametrize("case", sorted(CASES))
def test_pandas_output_carries_the_column_names_to_the_estimator(case):
    table, y, score, sample_domain = _table()
    pipe, task = _pipeline(case)
    known, _ = _labels(task, y, score, sample_domain)
    params = {"sample_domain": sample_domain}
    pipe.set_output(transform="pandas").fit(table, known, **params)
    expected = _names_out(case)

    features = pipe[:-1].transform(table)
    assert isinstance(features, pd.DataFrame)
    assert list(features.columns) == expected
    assert features.index.equals(table.index)
    assert list(pipe[:-1].get_feature_names_out()) == expected
    # The last step, and the estimator it wraps, saw a DataFrame with them.
    final = pipe[-1]
    assert list(final.feature_names_in_) == expected
    assert list(final.estimator_.feature_names_in_) == expected

    without_pandas = _pipeline(case)[0].fit(table, known, **params)
    assert isinstance(without_pandas[:-1].transform(table), np.ndarray)
    np.testing.assert_allclose(
        features.to_numpy(), without_pandas[:-1].transform(table), atol=1e-12
    )
    np.testing.assert_allclose(pipe.predict(table), without_pandas.predict(table))


@pytest.mark.parametrize("step", [CORAL(), SubspaceAlignment(n_components=4)])
def test_a_domain_aware_transformer_maps_source_and_target_rows_as_a_frame(step):
    table, y, _, sample_domain = _table()
    features = _columns().set_output(transform="pandas").fit_transform(table)
    step.set_output(transform="pandas")
    mapped = step.fit_transform(features, sample_domain=sample_domain)
    assert isinstance(mapped, pd.DataFrame)
    assert mapped.index.equals(table.index)
    assert list(mapped.columns) == list(step.get_feature_names_out())
    # Source rows by the source map, target rows by the target map: the
    # frame holds the array transform gives for each domain.
    source = sample_domain > 0
    np.testing.assert_allclose(
        mapped[source].to_numpy(),
        step.transform(features[source], sample_domain=sample_domain[source]),
    )
    np.testing.assert_allclose(
        mapped[~source].to_numpy(), step.transform(features[~source])
    )


def _by_name(estimator):
    """An estimator that selects its columns by name: it needs the DataFrame."""
    return make_pipeline(
        make_column_transformer(
            (make_pipeline(SimpleImputer(), StandardScaler()), NUM),
            (OneHotEncoder(handle_unknown="ignore"), CAT),
        ),
        estimator,
    )


@pytest.mark.parametrize(
    "meta",
    [
        lambda inner: SourceOnlyClassifier(inner),
        lambda inner: LabelShiftClassifier(inner, n_bootstrap=0, random_state=0),
        lambda inner: ImportanceWeightedClassifier(
            inner, LabelShiftReweighter(inner, n_bootstrap=0, random_state=0)
        ),
    ],
    ids=["source-only", "label-shift", "iw-label-shift"],
)
@pytest.mark.parametrize(
    "inner",
    [
        lambda: _by_name(LogisticRegression()),
        # Categories from the pandas dtype; NaN handled natively.
        lambda: HistGradientBoostingClassifier(max_iter=20, random_state=0),
    ],
    ids=["columns-by-name", "hist-gradient-boosting"],
)
def test_a_meta_estimator_hands_the_dataframe_to_the_estimator_it_wraps(meta, inner):
    table, y, _, sample_domain = _table()
    table = table.assign(city=table["city"].astype("category"))
    masked = np.where(sample_domain < 0, -1, y)
    model = meta(inner()).fit(table, masked)
    source = sample_domain > 0
    # The source-only estimator, fitted apart on the labelled rows alone.
    alone = inner().fit(table[source], y[source])
    if isinstance(model, SourceOnlyClassifier):
        np.testing.assert_allclose(
            model.predict_proba(table), alone.predict_proba(table)
        )
    assert list(model.estimator_.feature_names_in_) == list(table.columns)
    assert model.predict(table[~source]).shape == (int((~source).sum()),)


def test_a_sparse_one_hot_output_names_the_fix():
    table, y, _, _ = _table()
    # Many categories: the ColumnTransformer stacks a sparse matrix.
    table = table.assign(customer=[f"c{i % 40}" for i in range(len(table))])
    columns = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), NUM),
            ("cat", OneHotEncoder(handle_unknown="ignore"), [*CAT, "customer"]),
        ]
    )
    masked = np.where(np.arange(len(table)) >= 72, -1, y)
    with pytest.raises(
        ValueError,
        match=r"CORAL takes dense X only; got a sparse matrix\..*"
        r"OneHotEncoder\(sparse_output=False\)",
    ):
        make_da_pipeline(columns, CORAL(), LogisticRegression()).fit(table, masked)
    columns.set_params(cat__sparse_output=False)
    pipe = make_da_pipeline(columns, CORAL(), LogisticRegression()).fit(table, masked)
    assert pipe.predict(table).shape == (len(table),)


@pytest.mark.parametrize(
    "step", [CORAL(), KMMReweighter(), DensityRatioWeighter()], ids=type
)
def test_a_step_given_the_raw_categories_says_to_encode_them(step):
    table, y, _, sample_domain = _table()
    with pytest.raises(
        ValueError, match="needs numeric X.*Encode string or categorical columns"
    ):
        step.fit(table.fillna({"age": 0, "income": 0}), sample_domain=sample_domain)

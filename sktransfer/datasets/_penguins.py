"""The Palmer penguins, with islands as domains."""

import numpy as np
from sklearn.utils import Bunch, check_random_state

from .._compat import validate_params
from .._domain import pack_domains
from ._base import _check_domain_names, _import_optional, _to_frame

_PENGUIN_ISLANDS = ("Biscoe", "Dream", "Torgersen")
_PENGUIN_FEATURES = [
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
]


@validate_params(
    {
        "source": [str, list, tuple],
        "target": [str, list, tuple],
        "shuffle": ["boolean"],
        "return_X_y": ["boolean"],
        "as_frame": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def load_penguins_islands(
    source="Biscoe",
    target="Dream",
    *,
    shuffle=False,
    return_X_y=False,
    as_frame=False,
    random_state=None,
):
    """Load the Palmer penguins with islands as domains, sex as the label.

    Four body measurements of the penguins of the Palmer Archipelago
    (bill length and depth, flipper length, body mass) predict the sex of
    the bird (0 female, 1 male). The rows of 11 birds with a measurement or
    the sex missing are dropped, leaving 333.

    The shift is natural: the three islands host different species, Biscoe
    Adelie and Gentoo (163 birds), Dream Adelie and Chinstrap (123),
    Torgersen Adelie only (47). Gentoo are far heavier, Chinstrap have longer
    bills, so the distribution of the measurements moves from island to
    island, and so does the size threshold between the sexes. What males
    and females of one species look like is the same everywhere.

    Requires ``palmerpenguins`` (``pip install sktransfer[data]``).

    Parameters
    ----------
    source : str or list of str, default="Biscoe"
        Source island(s) among ``"Biscoe"``, ``"Dream"`` and ``"Torgersen"``.
        Several source islands get the domain ids 1, 2, ... in the order
        given.

    target : str or list of str, default="Dream"
        Target island(s), disjoint from ``source``; several target islands
        get the domain ids -1, -2, ... in the order given.

    shuffle : bool, default=False
        Whether to shuffle the rows within each island. The rows otherwise
        keep the order of the palmerpenguins table (by species, then year).

    return_X_y : bool, default=False
        If True, return ``(X, y, sample_domain)`` instead of a Bunch.

    as_frame : bool, default=False
        If True, ``X`` is a pandas DataFrame whose columns are the feature
        names and ``y`` a Series named ``"sex"``, as scikit-learn's
        loaders give them; the Bunch's ``frame`` holds both and a
        ``sample_domain`` column. ``sample_domain`` itself stays an ndarray.
        Requires pandas (``pip install sktransfer[data]``).

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling; ignored when ``shuffle`` is False.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        The rows of the source islands, then those of the target islands,
        island by island in the order given.

        X : ndarray of shape (n_samples, 4), dtype float64
            Bill length (mm), bill depth (mm), flipper length (mm) and body
            mass (g).
        y : ndarray of shape (n_samples,), dtype int64
            Sex of every bird, target rows included: 0 female, 1 male.
        sample_domain : ndarray of shape (n_samples,), dtype int64
            ``1`` for source rows, ``-1`` for target rows.
        island : ndarray of shape (n_samples,), dtype object
            The island of each row.
        species : ndarray of shape (n_samples,), dtype object
            The species of each row.
        feature_names : list of str
            The names of the columns of ``X``.
        target_names : ndarray of shape (2,)
            The class names.
        frame : pandas DataFrame of shape (n_samples, n_features + 2)
            Only when ``as_frame`` is True (None otherwise): ``X``, ``y``
            and ``sample_domain`` as columns.
        DESCR : str
            A description of the data set.

    (X, y, sample_domain) : tuple of ndarray
        If ``return_X_y`` is True.

    References
    ----------
    K. B. Gorman, T. D. Williams and W. R. Fraser, "Ecological sexual
    dimorphism and environmental variability within a community of Antarctic
    penguins (genus Pygoscelis)", PLoS ONE 9(3), 2014.

    Examples
    --------
    >>> from sktransfer.datasets import load_penguins_islands
    >>> data = load_penguins_islands(["Dream", "Torgersen"], "Biscoe")
    >>> data.X.shape, data.sample_domain.tolist().count(-1)
    ((333, 4), 163)
    """
    sources, targets = _check_domain_names(
        source, target, _PENGUIN_ISLANDS, noun="island"
    )
    palmerpenguins = _import_optional("palmerpenguins", "load_penguins_islands")

    table = palmerpenguins.load_penguins().dropna(subset=[*_PENGUIN_FEATURES, "sex"])
    island = table["island"].to_numpy(dtype=object)
    rng = check_random_state(random_state)
    rows = {}
    for name in [*sources, *targets]:
        on_island = np.flatnonzero(island == name)
        rows[name] = rng.permutation(on_island) if shuffle else on_island
    X_all = table[_PENGUIN_FEATURES].to_numpy(dtype=np.float64)
    y_all = (table["sex"].to_numpy(dtype=object) == "male").astype(np.int64)
    # One domain per island, ids 1, 2, ... and -1, -2, ... in the order given.
    X, y, sample_domain = pack_domains(
        [X_all[rows[name]] for name in sources],
        [y_all[rows[name]] for name in sources],
        [X_all[rows[name]] for name in targets],
        [y_all[rows[name]] for name in targets],
    )
    frame = None
    if as_frame:
        X, y, frame = _to_frame(
            X, y, sample_domain, _PENGUIN_FEATURES, "sex", "load_penguins_islands"
        )
    if return_X_y:
        return X, y, sample_domain
    index = np.concatenate(list(rows.values()))
    return Bunch(
        X=X,
        y=y,
        sample_domain=sample_domain,
        frame=frame,
        island=island[index],
        species=table["species"].to_numpy(dtype=object)[index],
        feature_names=list(_PENGUIN_FEATURES),
        target_names=np.array(["female", "male"]),
        DESCR=(
            f"Palmer penguins, sex from four measurements; source island(s) "
            f"{sources}, target island(s) {targets}."
        ),
    )

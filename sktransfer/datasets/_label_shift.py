"""Label shift by drawing the target's classes with new priors."""

from numbers import Real

import numpy as np
from sklearn.utils import Bunch, check_random_state

from .._compat import Interval, StrOptions, validate_params
from ._tables import _TABLES, _check_target_fraction, _pack_table

_CLASSIFICATION_TABLES = sorted(set(_TABLES) - {"diabetes"})


# Below this concentration numpy's Dirichlet draw underflows: every gamma
# variate rounds to zero (about one draw in four at 0.001 with two classes);
# 0.01 already puts nearly the whole target in one class.
_MIN_ALPHA = 0.01


def _check_priors(target_priors, n_classes):
    """Given priors as floats, normalised, or a ValueError saying what works."""
    message = (
        f"target_priors must hold {n_classes} finite non-negative numbers, one "
        "per class in the order of the sorted labels, not all zero"
    )
    try:
        priors = np.asarray(target_priors, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{message}; got {target_priors!r}.") from None
    if (
        priors.shape != (n_classes,)
        or not np.all(np.isfinite(priors))
        or np.any(priors < 0)
        or not priors.sum() > 0
    ):
        raise ValueError(f"{message}; got {target_priors!r}.")
    return priors / priors.sum()


def _draw_priors(target_priors, alpha, pool_priors, rng):
    n_classes = pool_priors.size
    if target_priors is None:
        return pool_priors
    if isinstance(target_priors, str) and target_priors == "dirichlet":
        return rng.dirichlet(np.full(n_classes, alpha))
    if isinstance(target_priors, str):  # "knock_out"
        priors = pool_priors.copy()
        priors[rng.randint(n_classes)] = 0.0
        # A pool of the knocked-out class alone leaves zeros, which the
        # caller refuses (no target row can be drawn).
        return priors / (priors.sum() or 1.0)
    return _check_priors(target_priors, n_classes)


def _class_counts(priors, available):
    """The most rows that ``available`` rows of each class can give at ``priors``.

    The total is the largest ``n`` with ``priors * n <= available`` for every
    class; counts are rounded by largest remainder, so they sum to ``n``.
    """
    drawn = priors > 0
    n = int(np.floor(np.min(available[drawn] / priors[drawn])))
    exact = priors * n
    counts = np.floor(exact).astype(int)
    shortfall = n - counts.sum()
    room = np.flatnonzero(counts < available)
    order = room[np.argsort(-(exact - counts)[room], kind="stable")]
    counts[order[:shortfall]] += 1
    return counts


def _check_both_sides(classes, y_source, priors, available, target_fraction):
    """Refuse a split that leaves a class out of the source or the target.

    A class the priors ask for without a row in the pool leaves no target row
    at those priors; a class without source rows has no ``P_S(y)`` to shift.
    """
    if np.any((priors > 0) & (available == 0)) or not np.any(priors > 0):
        raise ValueError(
            f"target_fraction={target_fraction} leaves a target pool of "
            f"{available.sum()} rows, of the classes "
            f"{classes[available > 0].tolist()}: no target row can be drawn at "
            f"the target priors {np.round(priors, 3).tolist()}. Raise "
            "target_fraction or change random_state."
        )
    lost = np.setdiff1d(classes, y_source)
    if lost.size:
        raise ValueError(
            f"target_fraction={target_fraction} leaves a source of "
            f"{y_source.size} rows with no row of the classes {lost.tolist()}. "
            "Lower target_fraction or change random_state."
        )


@validate_params(
    {
        "name": [StrOptions(set(_CLASSIFICATION_TABLES))],
        "target_priors": [StrOptions({"dirichlet", "knock_out"}), "array-like", None],
        "alpha": [Interval(Real, _MIN_ALPHA, None, closed="left")],
        "target_fraction": [Interval(Real, 0, 1, closed="neither")],
        "return_X_y": ["boolean"],
        "as_frame": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_label_shift(
    name="digits",
    *,
    target_priors="dirichlet",
    alpha=1.0,
    target_fraction=0.5,
    return_X_y=False,
    as_frame=False,
    random_state=None,
):
    """Label shift drawn from a scikit-learn table: the target's classes re-mixed.

    The protocol of Lipton et al. (2018) and Alexandari et al. (2020): the
    rows of the table are split at random into a source (a random sample,
    with the table's class mix up to sampling) and a target pool holding
    ``target_fraction`` of them; the target is then drawn from the pool,
    without replacement, with new class priors ``P_T(y)``: as many rows as
    the pool allows at those priors. Each class keeps its own rows, so
    ``P(x | y)`` is the same in both domains: a pure label shift. Without
    shift (``target_priors=None``) the target is the whole pool, a random
    sample of the table as the source is.

    Parameters
    ----------
    name : {"breast_cancer", "digits", "iris", "wine"}, default="digits"
        The scikit-learn classification table (``"digits"``: the 8x8 UCI
        digits flattened to 64 features).

    target_priors : {"dirichlet", "knock_out"}, array-like or None, \
            default="dirichlet"
        ``"dirichlet"``: priors drawn from a symmetric Dirichlet of
        concentration ``alpha``; ``"knock_out"``: one class drawn at random
        is left out of the target, the others keep the table's proportions;
        an array: these priors, one per class in the order of the sorted
        labels (normalised to sum one); None: no shift, the whole pool.
        ``"knock_out"`` and None start from the pool's own class mix.

    alpha : float, default=1.0
        Concentration of the Dirichlet: small values give strong shifts
        (``alpha = 0.1`` puts most of the target in a class or two), large
        values priors close to uniform. At least 0.01, below which the draw
        underflows; 0.01 already puts nearly the whole target in one class.

    target_fraction : float, default=0.5
        Share of the table in the target pool, in ``(0, 1)``. The pool must
        hold a row of every class the target priors ask for, and the source
        a row of every class: a ValueError says which side ran short.

    return_X_y : bool, default=False
        If True, return ``(X, y, sample_domain)`` instead of a Bunch.

    as_frame : bool, default=False
        If True, ``X`` is a pandas DataFrame and ``y`` a Series named
        ``"target"``; the Bunch's ``frame`` holds both and a
        ``sample_domain`` column. Requires pandas (``pip install
        sktransfer[data]``).

    random_state : int, RandomState instance or None, default=None
        Seeds the split, the priors and the draw.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Source rows first, then target rows, each group in random order.

        X : ndarray of shape (n_samples, n_features), dtype float64
            The rows, in the table's own units.
        y : ndarray of shape (n_samples,), dtype int64
            True labels of every row, target rows included.
        sample_domain : ndarray of shape (n_samples,), dtype int64
            ``1`` for source rows, ``-1`` for target rows.
        source_priors, target_priors : ndarray of shape (n_classes,)
            The label frequencies of the source and of the target rows (the
            target's asked priors, up to rounding to whole rows).
        original_index : ndarray of shape (n_samples,)
            Row of the scikit-learn table each row was taken from.
        feature_names : list of str
            The names of the columns of ``X``.
        target_names : ndarray
            The class names.
        frame : pandas DataFrame or None
            Only when ``as_frame`` is True: ``X``, ``y`` and
            ``sample_domain`` as columns; None otherwise.
        DESCR : str
            A description of the data set.

    (X, y, sample_domain) : tuple of ndarray
        If ``return_X_y`` is True.

    References
    ----------
    Z. Lipton, Y.-X. Wang and A. Smola, "Detecting and correcting for label
    shift with black box predictors", ICML 2018.

    Examples
    --------
    >>> from sktransfer.datasets import make_label_shift
    >>> data = make_label_shift("wine", target_priors=[0.6, 0.3, 0.1],
    ...                         random_state=0)
    >>> data.source_priors.round(2), data.target_priors.round(2)
    (array([0.38, 0.35, 0.27]), array([0.61, 0.29, 0.1 ]))
    """
    table = _TABLES[name]()
    X_all = np.asarray(table.data, dtype=np.float64)
    y_all = np.asarray(table.target, dtype=np.int64)
    n_target_pool = _check_target_fraction(target_fraction, X_all.shape[0])

    rng = check_random_state(random_state)
    classes = np.unique(y_all)
    # A plain random split, not a stratified one: without shift the target
    # is then a random sample as the source is, its class mix varying as a
    # real sample's would (the level of a shift test depends on it).
    order = rng.permutation(X_all.shape[0])
    pool_rows, source = order[:n_target_pool], order[n_target_pool:]
    pool = [pool_rows[y_all[pool_rows] == c] for c in classes]
    available = np.array([members.size for members in pool])
    priors = _draw_priors(target_priors, alpha, available / available.sum(), rng)
    _check_both_sides(classes, y_all[source], priors, available, target_fraction)
    counts = _class_counts(priors, available)
    target = rng.permutation(
        np.concatenate(
            [members[:count] for members, count in zip(pool, counts, strict=True)]
        )
    )

    X, y, sample_domain, frame = _pack_table(
        table, X_all, y_all, source, target, as_frame, "make_label_shift"
    )
    if return_X_y:
        return X, y, sample_domain
    return Bunch(
        X=X,
        y=y,
        sample_domain=sample_domain,
        frame=frame,
        source_priors=np.bincount(y_all[source], minlength=classes.size) / source.size,
        target_priors=counts / counts.sum(),
        original_index=np.concatenate([source, target]),
        feature_names=list(table.feature_names),
        target_names=table.target_names,
        DESCR=(
            f"Label shift drawn from scikit-learn's {name!r} table: "
            f"{source.size} source rows with the table's class mix, "
            f"{target.size} target rows drawn at the priors "
            f"{np.round(counts / counts.sum(), 3).tolist()}."
        ),
    )

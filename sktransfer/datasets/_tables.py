"""Covariate shift by biased sample selection from scikit-learn's tables."""

from numbers import Integral, Real

import numpy as np
from scipy.special import expit
from sklearn import datasets as _skdatasets
from sklearn.utils import Bunch, check_random_state

from .._compat import Interval, StrOptions, validate_params
from .._domain import pack_domains
from ._base import _to_frame

_TABLES = {
    "breast_cancer": _skdatasets.load_breast_cancer,
    "diabetes": _skdatasets.load_diabetes,
    "digits": _skdatasets.load_digits,
    "iris": _skdatasets.load_iris,
    "wine": _skdatasets.load_wine,
}


def _check_target_fraction(target_fraction, n_rows):
    n_target = round(target_fraction * n_rows)
    if not 0 < n_target < n_rows:
        raise ValueError(
            f"target_fraction={target_fraction} leaves {n_target} of the "
            f"{n_rows} rows to the target domain; it must leave at least one "
            "row to the target and one to the source pool."
        )
    return n_target


def _pack_table(table, X_all, y_all, source, target, as_frame, caller):
    """``X, y, sample_domain, frame`` of the table rows ``source`` and ``target``.

    Source rows first; ``frame`` is None unless ``as_frame``, when ``X`` and
    ``y`` are pandas objects with the table's feature names.
    """
    X, y, sample_domain = pack_domains(
        X_all[source], y_all[source], X_all[target], y_all[target]
    )
    frame = None
    if as_frame:
        X, y, frame = _to_frame(
            X, y, sample_domain, table.feature_names, "target", caller
        )
    return X, y, sample_domain, frame


def _selection_proba(X, bias, selection):
    """Probability that each row of X enters the source sample.

    It is a fixed function of x: standardisation and principal axis come from
    the whole table, so the probability of a row does not depend on which
    rows the random split puts in the pool.
    """
    # Constant columns (blank pixels of the digits) must not divide by zero.
    std = X.std(axis=0)
    std[std == 0] = 1.0
    X_std = (X - X.mean(axis=0)) / std
    _, singular_values, Vt = np.linalg.svd(X_std, full_matrices=False)
    # The sign of a singular vector is arbitrary; fix it so that "the positive
    # side of the first axis" names the same region on every platform.
    axis = Vt[0] * np.sign(Vt[0][np.argmax(np.abs(Vt[0]))])
    score_std = singular_values[0] / np.sqrt(X.shape[0])

    if selection == "pca":
        return expit(bias * (X_std @ axis) / score_std)

    center = score_std * axis
    sq_dist = np.sum((X_std - center) ** 2, axis=1) / X.shape[1]
    # Measured from the closest row, so that row is kept with probability one
    # and a strong bias thins the source instead of emptying it.
    return np.exp(-bias * (sq_dist - sq_dist.min()))


@validate_params(
    {
        "name": [StrOptions(set(_TABLES))],
        "bias": [Interval(Real, 0, None, closed="left")],
        "selection": [StrOptions({"pca", "gaussian"})],
        "target_fraction": [Interval(Real, 0, 1, closed="neither")],
        "min_source_per_class": [Interval(Integral, 1, None, closed="left")],
        "return_X_y": ["boolean"],
        "as_frame": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_biased_selection(
    name="breast_cancer",
    *,
    bias=1.0,
    selection="pca",
    target_fraction=0.5,
    min_source_per_class=5,
    return_X_y=False,
    as_frame=False,
    random_state=None,
):
    """Covariate shift by biased sample selection from a scikit-learn table.

    The protocol of Huang et al. (2007): the rows of the table are shuffled,
    a uniformly drawn ``target_fraction`` of them is the (unbiased) target,
    and each remaining row enters the source independently with a
    probability ``p(x)`` that depends on its features only.

    The shift is a pure covariate shift: ``P(y | x)`` is the table's own in
    both domains, while the source density is the target density times
    ``p(x)``. The true density ratio ``P_T(x) / P_S(x)`` is therefore
    proportional to ``1 / p(x)``, returned as ``selection_proba``.

    - ``selection="pca"``: ``p(x) = sigmoid(bias * z)`` with ``z`` the
      projection of the standardised row on the first principal axis of the
      standardised table, divided by its standard deviation. The source
      leans towards the positive side of that axis (oriented so that its
      largest loading is positive).
    - ``selection="gaussian"``: ``p(x) = exp(-bias * (r(x) - min r))`` with
      ``r(x) = ||x_std - m||^2 / d``, ``d`` the number of features and ``m``
      the point one standard deviation along the first principal axis from
      the mean. The source concentrates around ``m``; the closest row of the
      table is kept with probability one.

    ``bias=0`` gives a constant ``p`` (0.5 for ``"pca"``, 1 for
    ``"gaussian"``): the source is a uniform sample and there is no shift.
    As the target is a uniform sample of the same table, it overlaps the
    source wherever ``p(x) > 0``, so even a strong bias leaves a domain
    classifier well short of perfect (its ROC AUC tends to 0.75 for
    ``"pca"`` as ``bias`` grows).

    Parameters
    ----------
    name : {"breast_cancer", "wine", "iris", "digits", "diabetes"}, \
            default="breast_cancer"
        The scikit-learn table. ``"digits"`` is the 8x8 UCI digits flattened
        to 64 features; ``"diabetes"`` is a regression table, taken unscaled
        (``load_diabetes(scaled=False)``), with float ``y``.

    bias : float, default=1.0
        Strength of the selection, ``>= 0``.

    selection : {"pca", "gaussian"}, default="pca"
        Form of the selection probability, see above.

    target_fraction : float, default=0.5
        Fraction of the table drawn uniformly as the target, in ``(0, 1)``.

    min_source_per_class : int, default=5
        Fewest source rows allowed in each class (in all of the source for
        ``"diabetes"``). A draw that keeps fewer raises a ``ValueError``:
        lower ``bias`` or try another ``random_state``.

    return_X_y : bool, default=False
        If True, return ``(X, y, sample_domain)`` instead of a Bunch.

    as_frame : bool, default=False
        If True, ``X`` is a pandas DataFrame whose columns are the feature
        names and ``y`` a Series named ``"target"``, as scikit-learn's
        loaders give them; the Bunch's ``frame`` holds both and a
        ``sample_domain`` column. ``sample_domain`` itself stays an ndarray.
        Requires pandas (``pip install sktransfer[data]``).

    random_state : int, RandomState instance or None, default=None
        Seeds the split and the selection.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Source rows first, then target rows, each group in random order.

        X : ndarray of shape (n_samples, n_features), dtype float64
            The rows, in the table's own units.
        y : ndarray of shape (n_samples,)
            True labels of every row (int64; float64 for ``"diabetes"``).
        sample_domain : ndarray of shape (n_samples,), dtype int64
            ``1`` for source rows, ``-1`` for target rows.
        selection_proba : ndarray of shape (n_samples,)
            ``p(x)`` of every row, target rows included.
        original_index : ndarray of shape (n_samples,)
            Row of the scikit-learn table each row was taken from.
        feature_names : list of str
            The names of the columns of ``X``.
        target_names : ndarray
            Class names; absent for ``"diabetes"``.
        frame : pandas DataFrame of shape (n_samples, n_features + 2)
            Only when ``as_frame`` is True (None otherwise): ``X``, ``y``
            and ``sample_domain`` as columns.
        DESCR : str
            A description of the data set.

    (X, y, sample_domain) : tuple of ndarray
        If ``return_X_y`` is True.

    References
    ----------
    J. Huang, A. Gretton, K. Borgwardt, B. Schoelkopf and A. Smola,
    "Correcting Sample Selection Bias by Unlabeled Data", NIPS 2007.

    Examples
    --------
    >>> from sktransfer.datasets import make_biased_selection
    >>> data = make_biased_selection("wine", bias=1.0, random_state=0)
    >>> data.X.shape, data.sample_domain.tolist().count(-1)
    ((135, 13), 89)
    """
    loader = _TABLES[name]
    table = loader(scaled=False) if name == "diabetes" else loader()
    X_all = np.asarray(table.data, dtype=np.float64)
    y_all = table.target
    n_rows = X_all.shape[0]
    n_target = _check_target_fraction(target_fraction, n_rows)

    rng = check_random_state(random_state)
    proba = _selection_proba(X_all, bias, selection)
    order = rng.permutation(n_rows)
    target, pool = order[:n_target], order[n_target:]
    source = pool[rng.uniform(size=pool.shape[0]) < proba[pool]]

    is_regression = name == "diabetes"
    if is_regression:
        counts = {"the source": source.shape[0]}
    else:
        counts = {
            f"class {label} of the source": np.sum(y_all[source] == label)
            for label in np.unique(y_all)
        }
    for where, count in counts.items():
        if count < min_source_per_class:
            raise ValueError(
                f"The biased selection kept {count} rows in {where}, fewer "
                f"than min_source_per_class={min_source_per_class}. Lower "
                "bias, change random_state or lower min_source_per_class."
            )

    X, y, sample_domain, frame = _pack_table(
        table, X_all, y_all, source, target, as_frame, "make_biased_selection"
    )
    if return_X_y:
        return X, y, sample_domain

    index = np.concatenate([source, target])

    bunch = Bunch(
        X=X,
        y=y,
        sample_domain=sample_domain,
        frame=frame,
        selection_proba=proba[index],
        original_index=index,
        feature_names=list(table.feature_names),
        DESCR=(
            f"Biased selection from scikit-learn's {name!r} table "
            f"(selection={selection!r}, bias={bias}): {source.shape[0]} source "
            f"rows drawn with probability p(x), {n_target} uniform target rows."
        ),
    )
    if not is_regression:
        bunch.target_names = table.target_names
    return bunch

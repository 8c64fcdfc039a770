"""A synthetic regression pair: nuisance features that widen in the target."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import Bunch, check_random_state

from .._compat import Interval, validate_params
from .._domain import pack_domains


@validate_params(
    {
        "n_source": [Interval(Integral, 2, None, closed="left")],
        "n_target": [Interval(Integral, 2, None, closed="left")],
        "n_nuisance": [Interval(Integral, 1, None, closed="left")],
        "source_scale": [Interval(Real, 0, None, closed="left")],
        "target_scale": [Interval(Real, 0, None, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "return_X_y": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_nuisance_shift(
    n_source=150,
    n_target=300,
    *,
    n_nuisance=4,
    source_scale=0.3,
    target_scale=1.0,
    noise=0.1,
    return_X_y=False,
    random_state=None,
):
    """A regression pair whose shift lies in features the target ignores.

    ``y = sin(2 x_0) + noise * e`` in both domains, with ``x_0`` and ``e``
    standard normal; ``n_nuisance`` more features are Gaussian noise of
    standard deviation ``source_scale`` in the source and ``target_scale``
    in the target. ``P(y | x)`` is the same in both domains (a covariate
    shift), but a model that mixes the nuisance features into what it
    learned from ``x_0`` -- harmless where they are small -- errs on the
    target where they are wide. Standardising each domain does not undo
    it; features that ignore the nuisance columns, which aligning the
    domains favours, do.

    Parameters
    ----------
    n_source, n_target : int, default=150, 300
        Rows of each domain.

    n_nuisance : int, default=4
        Nuisance features.

    source_scale, target_scale : float, default=0.3, 1.0
        Standard deviation of the nuisance features in each domain.

    noise : float, default=0.1
        Standard deviation of the noise on ``y``.

    return_X_y : bool, default=False
        If True, return ``(X, y, sample_domain)`` instead of a Bunch.

    random_state : int, RandomState instance or None, default=None
        Seeds the draw.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Source rows first, then target rows.

        X : ndarray of shape (n_source + n_target, 1 + n_nuisance), float32
            ``x_0`` first, then the nuisance features.
        y : ndarray of shape (n_source + n_target,), dtype float64
            The targets of every row, target rows included.
        sample_domain : ndarray of shape (n_source + n_target,), dtype int64
            ``1`` for source rows, ``-1`` for target rows.
        feature_names : list of str
            The names of the columns of ``X``.
        DESCR : str
            A description of the data set.

    (X, y, sample_domain) : tuple of ndarray
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from sktransfer.datasets import make_nuisance_shift
    >>> X, y, sample_domain = make_nuisance_shift(return_X_y=True, random_state=0)
    >>> X.shape, X[sample_domain < 0, 1:].std() > 2 * X[sample_domain > 0, 1:].std()
    ((450, 5), np.True_)
    """
    rng = check_random_state(random_state)
    parts = []
    for n, scale in ((n_source, source_scale), (n_target, target_scale)):
        x0 = rng.normal(size=(n, 1))
        X = np.hstack([x0, rng.normal(scale=scale, size=(n, n_nuisance))])
        parts.append((X, np.sin(2 * x0[:, 0]) + noise * rng.normal(size=n)))
    (X_source, y_source), (X_target, y_target) = parts
    X, y, sample_domain = pack_domains(X_source, y_source, X_target, y_target)
    X = X.astype(np.float32)
    if return_X_y:
        return X, y, sample_domain
    return Bunch(
        X=X,
        y=y,
        sample_domain=sample_domain,
        feature_names=["x0"] + [f"nuisance{k}" for k in range(n_nuisance)],
        DESCR=(
            f"y = sin(2 x0) + {noise} e; {n_nuisance} nuisance features of "
            f"scale {source_scale} in the {n_source} source rows and "
            f"{target_scale} in the {n_target} target rows."
        ),
    )

"""BaselineUnlessBetter: a search keeps the baseline unless a candidate beats it."""

import re
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import ParameterGrid

from .._compat import Interval, InvalidParameterError, validate_parameter_constraints
from ..exceptions import _did_you_mean
from ._base import _all_failed, _BaseDomainScorer, _cv_metrics


class BaselineUnlessBetter:
    """A ``refit`` rule for a search: the baseline, unless a candidate beats it.

    Scorers without target labels are noisy estimates of the target risk,
    and an adapted candidate that merely looks better on them often is not.
    This rule, given as ``refit=`` to
    :class:`~sklearn.model_selection.GridSearchCV` (or called on any
    ``cv_results_``), takes the candidate with the best mean score, then
    compares it with the baseline on the same validation folds: it keeps the
    best candidate only if its mean per-fold gain over the baseline exceeds
    ``n_se`` standard errors of that gain, and returns the baseline
    otherwise. Put the source-only model in the grid as the baseline, so
    that the search rarely ends below doing nothing.

    A search calls its ``refit`` rule only after every fit: call
    :meth:`check` on the search first to learn of a baseline that matches no
    candidate, or a ``scoring`` that names no metric of the search, before
    the fits. A candidate whose mean score is NaN (a scorer that failed on
    one of its folds) is never picked; scores that are NaN for every
    candidate, or for the baseline, raise a ``ValueError`` that says why,
    rather than a pick among failures.

    Parameters
    ----------
    baseline : dict or int
        The baseline candidate: its parameters (every item must match one
        candidate's ``params``, values compared by ``repr``, such as
        ``{"coral": "passthrough"}`` for a pipeline step that the grid
        replaces) or its index in ``cv_results_``.

    scoring : str, default="score"
        The metric to compare, as named in ``cv_results_``
        (``"mean_test_<scoring>"``): ``"score"`` for a single metric, the
        key of the scorer in a dict of scorers.

    n_se : float, default=1.0
        How many standard errors of the per-fold gain the best candidate must
        clear. ``0`` keeps the best candidate whenever its mean gain is
        positive.

    See Also
    --------
    ImportanceWeightedScorer : The scorer this rule was measured with.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.model_selection import BaselineUnlessBetter
    >>> cv_results = {
    ...     "params": [{"C": 1}, {"C": 10}],
    ...     "mean_test_score": np.array([0.80, 0.82]),
    ...     "split0_test_score": np.array([0.70, 0.80]),
    ...     "split1_test_score": np.array([0.90, 0.84]),
    ... }
    >>> BaselineUnlessBetter({"C": 1})(cv_results)  # a gain of 0.02 +- 0.04
    0
    >>> BaselineUnlessBetter({"C": 1}, n_se=0)(cv_results)
    1
    >>> BaselineUnlessBetter({"C": 1}).check({"C": [1, 10]})  # before a search
    0
    """

    _parameter_constraints: dict = {
        "baseline": [dict, Interval(Integral, 0, None, closed="left")],
        "scoring": [str],
        "n_se": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, baseline, *, scoring="score", n_se=1.0):
        self.baseline = baseline
        self.scoring = scoring
        self.n_se = n_se

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.baseline!r}, scoring={self.scoring!r}, "
            f"n_se={self.n_se!r})"
        )

    def _validate_params(self):
        name = type(self).__name__
        if isinstance(self.baseline, bool):
            # An int to Python, but surely not the index the user meant.
            raise InvalidParameterError(
                f"The 'baseline' parameter of {name} must be an instance of "
                f"'dict' or an int in the range [0, inf). Got {self.baseline!r} "
                "instead."
            )
        validate_parameter_constraints(
            self._parameter_constraints,
            {key: getattr(self, key) for key in self._parameter_constraints},
            caller_name=name,
        )

    def check(self, search):
        """Check, before fitting, that the rule applies to a search.

        A search calls its ``refit`` rule after every fit; this method finds
        the mistakes that would make the rule fail then: a baseline that
        matches no candidate (or several), or a ``scoring`` that names no
        metric of the search.

        Parameters
        ----------
        search : GridSearchCV, dict or list of dicts
            A :class:`~sklearn.model_selection.GridSearchCV` (fitted or not),
            or a parameter grid as ``GridSearchCV`` takes it.

        Returns
        -------
        index : int
            The baseline's index among the candidates, as in the search's
            ``cv_results_["params"]``.

        Raises
        ------
        ValueError
            When the baseline matches no candidate or several (the message
            names the candidates' parameters), or ``scoring`` no metric of
            the search.
        """
        self._validate_params()
        if isinstance(search, Mapping | list | tuple):
            grid = search
        elif hasattr(search, "param_grid"):
            grid = search.param_grid
            self._check_metrics(search.scoring)
        else:
            raise ValueError(
                f"{type(self).__name__}.check takes a GridSearchCV or a parameter "
                f"grid (a dict or a list of dicts); got {type(search).__name__}. "
                "The candidates of a randomized search are drawn at fit time, "
                "and cannot be checked before it."
            )
        return self._baseline_index(list(ParameterGrid(grid)))

    def _check_metrics(self, scoring):
        """Refuse a ``scoring`` that names no metric of a search's ``scoring``."""
        if isinstance(scoring, Mapping | list | tuple | set):
            metrics = list(scoring)
        elif scoring is None or isinstance(scoring, str | _BaseDomainScorer):
            metrics = ["score"]  # one metric, which a search calls "score"
        else:
            # Another callable may return a dict of metrics, which only the
            # fits tell.
            return
        if self.scoring not in metrics:
            raise ValueError(self._unknown_metric(metrics))

    def _unknown_metric(self, metrics):
        return (
            f"{type(self).__name__}(scoring={self.scoring!r}) names no metric of "
            f"the search{_did_you_mean([self.scoring], metrics)}. Its metrics are "
            f"{sorted(metrics)}: pass "
            "scoring= the key of the scorer to compare in a dict of scorers, or "
            "'score' for a single metric."
        )

    def _baseline_index(self, params):
        """The index of the baseline among the candidates ``params``."""
        if isinstance(self.baseline, Integral):
            if not self.baseline < len(params):
                raise ValueError(
                    f"baseline={self.baseline} is not the index of one of the "
                    f"{len(params)} candidates."
                )
            return int(self.baseline)
        matches = [
            index
            for index, candidate in enumerate(params)
            if all(
                key in candidate and repr(candidate[key]) == repr(value)
                for key, value in self.baseline.items()
            )
        ]
        if not matches:
            raise ValueError(
                f"baseline={self.baseline!r} matches none of the {len(params)} "
                f"candidates: {self._mismatch(params)}"
            )
        if len(matches) > 1:
            raise ValueError(
                f"baseline={self.baseline!r} matches {len(matches)} candidates "
                f"(indices {matches}); give parameters that single one out, or "
                "its index."
            )
        return matches[0]

    def _mismatch(self, params):
        """Why no candidate matches: unknown keys, or the values to choose from."""
        keys = sorted({key for candidate in params for key in candidate})
        unknown = [key for key in self.baseline if key not in keys]
        if unknown:
            hints = _did_you_mean(unknown, keys)
            return (
                f"no candidate has the parameter(s) {unknown}{hints}. The "
                f"candidates' parameters are: {', '.join(keys)}."
            )
        values = {
            key: sorted(
                {repr(candidate[key]) for candidate in params if key in candidate}
            )
            for key in self.baseline
        }
        listed = "; ".join(f"{key}: {', '.join(v)}" for key, v in values.items())
        return (
            "no candidate has all of these values (compared by repr). The "
            f"candidates' values are: {listed}."
        )

    def _scores(self, cv_results):
        """The mean scores of the metric and the keys of its split scores."""
        name = type(self).__name__
        metrics = _cv_metrics(cv_results, name)
        if "params" not in cv_results:
            raise ValueError(
                f"{name} reads the candidates' params in cv_results; it has none."
            )
        key = f"mean_test_{self.scoring}"
        if key not in cv_results:
            raise ValueError(self._unknown_metric(metrics))
        mean = np.asarray(cv_results[key], dtype=float)
        return mean, _split_keys(cv_results, self.scoring)

    def __call__(self, cv_results):
        """The index of the candidate to refit.

        Parameters
        ----------
        cv_results : dict
            A search's ``cv_results_``, with the per-split test scores.

        Returns
        -------
        index : int
            The best candidate's index, or the baseline's.

        Raises
        ------
        ValueError
            When the scores of every candidate, or of the baseline, are NaN.
        """
        self._validate_params()
        mean, split_keys = self._scores(cv_results)
        index = self._baseline_index(cv_results["params"])
        key = f"mean_test_{self.scoring}"
        if np.isnan(mean).all():
            raise _all_failed(key)
        if np.isnan(mean[index]):
            raise ValueError(
                f"The baseline's {key} (candidate {index}) is NaN: the scorer "
                "failed on some of its folds, and no candidate can be compared "
                "with it. Pass error_score='raise' to the search to see why."
            )
        best = int(np.nanargmax(mean))
        if best == index or not split_keys:
            return best
        gain, se = _fold_gains(cv_results, self.scoring, index)
        return best if gain[best] > self.n_se * se[best] else index


def _split_keys(cv_results, scoring):
    """The keys of the per-split test scores of the metric ``scoring``."""
    split_key = re.compile(rf"split\d+_test_{re.escape(scoring)}")
    return [name for name in cv_results if split_key.fullmatch(name)]


def _fold_gains(cv_results, scoring, baseline):
    """Every candidate's mean per-split gain over ``baseline``, and its standard error.

    The gain is taken split by split, on the same validation folds; its
    standard error is the spread of those gains over the square root of
    their number (0 with a single split).
    """
    scores = np.array(
        [cv_results[key] for key in _split_keys(cv_results, scoring)], dtype=float
    )
    gains = scores - scores[:, [baseline]]
    n_splits = gains.shape[0]
    se = (
        gains.std(axis=0, ddof=1) / np.sqrt(n_splits)
        if n_splits > 1
        else np.zeros(gains.shape[1])
    )
    return gains.mean(axis=0), se

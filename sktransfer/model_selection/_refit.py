"""BaselineUnlessBetter: a search keeps the baseline unless a candidate beats it."""

import re
from numbers import Integral

import numpy as np


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

    Parameters
    ----------
    baseline : dict or int
        The baseline candidate: its parameters (every item must match one
        candidate's ``params``, such as ``{"final": SourceOnlyClassifier()}``
        compared by ``repr``) or its index in ``cv_results_``.

    scoring : str, default="score"
        The metric to compare, as named in ``cv_results_``
        (``"mean_test_<scoring>"``); ``"score"`` for a single metric.

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
    """

    def __init__(self, baseline, *, scoring="score", n_se=1.0):
        self.baseline = baseline
        self.scoring = scoring
        self.n_se = n_se

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.baseline!r}, scoring={self.scoring!r}, "
            f"n_se={self.n_se!r})"
        )

    def _baseline_index(self, params):
        if isinstance(self.baseline, Integral):
            if not 0 <= self.baseline < len(params):
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
        if len(matches) != 1:
            raise ValueError(
                f"baseline={self.baseline!r} matches {len(matches)} candidates; "
                "give parameters that single one out, or its index."
            )
        return matches[0]

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
        """
        if self.n_se < 0:
            raise ValueError(f"n_se must be non-negative; got {self.n_se}.")
        index = self._baseline_index(cv_results["params"])
        mean = np.asarray(cv_results[f"mean_test_{self.scoring}"], dtype=float)
        best = int(np.nanargmax(mean))
        split_key = re.compile(rf"split\d+_test_{re.escape(self.scoring)}")
        split_keys = [key for key in cv_results if split_key.fullmatch(key)]
        if best == index or not split_keys:
            return best
        gains = np.array(
            [cv_results[key][best] - cv_results[key][index] for key in split_keys],
            dtype=float,
        )
        se = gains.std(ddof=1) / np.sqrt(gains.size) if gains.size > 1 else 0.0
        return best if gains.mean() > self.n_se * se else index

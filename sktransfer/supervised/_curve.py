"""How many target labels does a method need? Scores against the number of labels."""

import time
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch, check_random_state

from .._compat import Interval, _safe_indexing, validate_params
from .._domain import check_sample_domain, unlabeled_mask
from .._plotting import new_axes

__all__ = ["TargetLabelCurveDisplay", "target_label_curve"]


def _draw(target, y, n_labels, test_size, classifier, seed):
    """Labelled, unlabeled and test rows among the labelled target rows ``target``.

    ``n_labels`` rows drawn at random (stratified when every class can be
    represented) keep their labels; of the others ``test_size`` are the test
    rows, which no fit sees, and the rest enter the fit unlabeled.
    """
    stratify = y[target] if classifier else None
    if stratify is not None and (
        n_labels < np.unique(stratify).size
        or np.unique(stratify, return_counts=True)[1].min() < 2
    ):
        stratify = None
    labelled, rest = train_test_split(
        target, train_size=n_labels, stratify=stratify, random_state=seed
    )
    stratify = y[rest] if classifier else None
    if stratify is not None and np.unique(stratify, return_counts=True)[1].min() < 2:
        stratify = None
    if test_size >= 1.0:
        return labelled, rest[:0], rest
    unlabeled, test = train_test_split(
        rest, test_size=test_size, stratify=stratify, random_state=seed
    )
    return labelled, unlabeled, test


@validate_params(
    {
        "estimators": [dict],
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "sample_domain": ["array-like"],
        "n_target_labels": ["array-like"],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "test_size": [Interval(Real, 0, 1, closed="right")],
        "scoring": [str, callable, None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=False,
)
def target_label_curve(
    estimators,
    X,
    y,
    sample_domain,
    *,
    n_target_labels=(10, 25, 50, 100, 200),
    n_repeats=3,
    test_size=0.5,
    scoring=None,
    random_state=None,
):
    """Score each estimator with 10, 25, 50... labelled target rows.

    For every number of labels and every repeat, that many target rows are
    drawn at random (stratified for classifiers) from the target rows whose
    label is known, and keep their labels; of the other target rows,
    ``test_size`` are test rows that no fit sees, and the rest enter the fit
    unlabeled (``-1``/``NaN``), as a deployment's unlabeled rows would.
    Every estimator is fitted on the same rows and scored on the same test
    rows, so the curves compare methods at equal cost in labels.

    Parameters
    ----------
    estimators : dict of str to estimator
        The estimators to compare, by name; each follows the package's
        convention (``fit(X, y, sample_domain=...)``). Include the
        source-only model (:class:`~sktransfer.SourceOnlyClassifier`) as the
        reference.

    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Source and target rows.

    y : array-like of shape (n_samples,)
        Labels of the source rows and the known labels of the target rows
        (``-1``/``NaN`` for target rows whose label is unknown, which are
        never drawn nor scored).

    sample_domain : array-like of shape (n_samples,)
        Domain id of each row (``> 0`` source, ``< 0`` target).

    n_target_labels : array-like of int, default=(10, 25, 50, 100, 200)
        The numbers of labelled target rows; a number above half the target
        rows whose label is known is skipped.

    n_repeats : int, default=3
        Draws per number of labels.

    test_size : float in (0, 1], default=0.5
        The share of the undrawn target rows kept for the score.

    scoring : str or callable, default=None
        A scikit-learn scoring; None is each estimator's ``score`` (accuracy
        or R^2 on target rows).

    random_state : int, RandomState instance or None, default=None
        Draws the rows.

    Returns
    -------
    result : Bunch
        ``n_target_labels`` (the numbers kept), ``names``, ``scores`` and
        ``fit_times`` (seconds), the last two of shape
        ``(n_estimators, n_numbers, n_repeats)``.

    See Also
    --------
    TargetLabelCurveDisplay : The curves drawn.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer import SourceOnlyRegressor
    >>> from sktransfer.supervised import FeatureAugmentedRegressor, target_label_curve
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(400, 2))
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(200, int)]
    >>> y = X @ [1.0, 1.0] + 2.0 * (sample_domain < 0)  # the target sits higher
    >>> curve = target_label_curve(
    ...     {"source only": SourceOnlyRegressor(),
    ...      "augmented": FeatureAugmentedRegressor()},
    ...     X, y, sample_domain, n_target_labels=[5, 20], random_state=0)
    >>> curve.scores.mean(axis=2).round(2)
    array([[-1.14, -0.81],
           [ 0.96,  1.  ]])
    """
    y = np.asarray(y)
    sample_domain = check_sample_domain(sample_domain, y.shape[0])
    classifier = all(is_classifier(e) for e in estimators.values())
    task = "classification" if classifier else "regression"
    known = ~unlabeled_mask(y, task=task)
    target = np.flatnonzero((sample_domain < 0) & known)
    source = np.flatnonzero(sample_domain > 0)
    # The undrawn rows must be at least as many as the drawn ones.
    counts = [int(n) for n in n_target_labels if 2 <= int(n) <= target.size // 2]
    if not counts:
        raise ValueError(
            f"The target holds {target.size} labelled rows: too few for any of "
            f"n_target_labels={list(n_target_labels)} and its test rows."
        )
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=(len(counts), n_repeats))
    missing = -1 if classifier else np.nan
    shape = (len(estimators), len(counts), n_repeats)
    scores, fit_times = np.empty(shape), np.empty(shape)
    for j, n_labels in enumerate(counts):
        for r in range(n_repeats):
            labelled, unlabeled, test = _draw(
                target, y, n_labels, test_size, classifier, seeds[j, r]
            )
            rows = np.concatenate([source, labelled, unlabeled])
            y_fit = y[rows].astype(np.float64 if not classifier else y.dtype)
            y_fit[source.size + labelled.size :] = missing
            X_fit, X_test = _safe_indexing(X, rows), _safe_indexing(X, test)
            for i, estimator in enumerate(estimators.values()):
                model = clone(estimator)
                start = time.perf_counter()
                model.fit(X_fit, y_fit, sample_domain=sample_domain[rows])
                fit_times[i, j, r] = time.perf_counter() - start
                scorer = check_scoring(model, scoring=scoring)
                scores[i, j, r] = scorer(model, X_test, y[test])
    return Bunch(
        n_target_labels=np.asarray(counts),
        names=list(estimators),
        scores=scores,
        fit_times=fit_times,
    )


class TargetLabelCurveDisplay:
    """Scores against the number of labelled target rows, one line per method.

    Build it with :meth:`from_estimators` (which runs
    :func:`target_label_curve`) or from scores computed elsewhere (a mean
    over several tables, say). Each line is the mean over the repeats, with
    a band of one standard error when there are several.

    Parameters
    ----------
    n_target_labels : array-like of int
        The numbers of labelled target rows (the x axis).

    scores : dict of str to array-like of shape (n_numbers,) or (n_numbers, n_repeats)
        Each method's scores by number of labels.

    score_name : str, default="score"
        Label of the y axis.

    Attributes
    ----------
    lines_ : dict of str to matplotlib Line2D
        The line of each method.

    ax_ : matplotlib Axes
        The axes of the plot.

    figure_ : matplotlib Figure
        The figure of the plot.

    See Also
    --------
    target_label_curve : The scores behind the curves.

    Examples
    --------
    >>> from sktransfer.supervised import TargetLabelCurveDisplay
    >>> display = TargetLabelCurveDisplay(
    ...     n_target_labels=[10, 50], scores={"source only": [0.7, 0.7],
    ...                                       "augmented": [0.72, 0.8]})
    >>> display = display.plot()  # doctest: +SKIP
    """

    def __init__(self, *, n_target_labels, scores, score_name="score"):
        self.n_target_labels = np.asarray(n_target_labels)
        self.scores = {
            name: np.asarray(s, dtype=np.float64) for name, s in scores.items()
        }
        self.score_name = score_name

    def plot(self, ax=None, *, log_x=True):
        """Draw one line per method.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            None creates a figure.

        log_x : bool, default=True
            A logarithmic axis for the number of labels, which the defaults
            (10 to 200) spread evenly.

        Returns
        -------
        display : TargetLabelCurveDisplay
            With ``lines_``, ``ax_`` and ``figure_`` set.
        """
        caller = f"{type(self).__name__}.plot"
        ax = new_axes(ax, caller, figsize=(6, 4))
        self.lines_ = {}
        for name, values in self.scores.items():
            values = values.reshape(self.n_target_labels.shape[0], -1)
            if values.shape[0] != self.n_target_labels.shape[0]:
                raise ValueError(
                    f"The scores of {name!r} have {values.shape[0]} rows; expected "
                    f"{self.n_target_labels.shape[0]}, one per number of labels."
                )
            mean = values.mean(axis=1)
            (self.lines_[name],) = ax.plot(
                self.n_target_labels, mean, marker="o", label=name
            )
            if values.shape[1] > 1:
                se = values.std(axis=1, ddof=1) / np.sqrt(values.shape[1])
                ax.fill_between(
                    self.n_target_labels,
                    mean - se,
                    mean + se,
                    alpha=0.15,
                    color=self.lines_[name].get_color(),
                )
        if log_x:
            ax.set_xscale("log")
            ax.set_xticks(self.n_target_labels, [str(n) for n in self.n_target_labels])
            ax.minorticks_off()
        ax.set_xlabel("labelled target rows")
        ax.set_ylabel(self.score_name)
        ax.legend(fontsize=8)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimators(
        cls,
        estimators,
        X,
        y,
        sample_domain,
        *,
        n_target_labels=(10, 25, 50, 100, 200),
        n_repeats=3,
        test_size=0.5,
        scoring=None,
        random_state=None,
        ax=None,
    ):
        """Score the estimators with :func:`target_label_curve` and draw them.

        Parameters
        ----------
        estimators, X, y, sample_domain, n_target_labels, n_repeats, test_size, \
scoring, random_state
            As in :func:`target_label_curve`.

        ax : matplotlib Axes, default=None
            None creates a figure.

        Returns
        -------
        display : TargetLabelCurveDisplay
            The drawn display; ``curve_`` holds the result of
            :func:`target_label_curve`.
        """
        curve = target_label_curve(
            estimators,
            X,
            y,
            sample_domain,
            n_target_labels=n_target_labels,
            n_repeats=n_repeats,
            test_size=test_size,
            scoring=scoring,
            random_state=random_state,
        )
        display = cls(
            n_target_labels=curve.n_target_labels,
            scores=dict(zip(curve.names, curve.scores, strict=True)),
            score_name=scoring or "score (accuracy or R^2)",
        )
        display.curve_ = curve
        return display.plot(ax=ax)

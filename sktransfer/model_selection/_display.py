"""Displays of model selection: what each rule picked, and what a search saw."""

from collections.abc import Mapping
from numbers import Integral

import numpy as np

from .._plotting import DOMAIN_COLOURS, check_drawable, new_axes
from ..exceptions import _did_you_mean
from ._base import _all_failed, _cv_metrics

__all__ = ["AdaptationSearchDisplay", "ModelSelectionDisplay"]


def _draw_scores(values, name):
    """``values`` as a 1-D float array of finite scores, one per draw."""
    try:
        scores = np.atleast_1d(np.asarray(values, dtype=np.float64))
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"{name} must be an array of scores, one per draw; {error}"
        ) from None
    if scores.ndim != 1 or scores.size == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D array of scores, one per draw; got "
            f"shape {scores.shape}."
        )
    if not np.all(np.isfinite(scores)):
        raise ValueError(
            f"{name} holds NaN or infinite scores: every draw needs the target "
            "score of a fitted candidate."
        )
    return scores


def _scorer_means(cv_results, scorers):
    """``scorer name -> mean_test_<name>`` of ``cv_results``, checked."""
    names = _cv_metrics(cv_results, "ModelSelectionDisplay.from_cv_results")
    if isinstance(scorers, str) or not scorers:
        raise ValueError(
            "scorers must be a non-empty list of the scorers' names in "
            f"cv_results; got {scorers!r}."
        )
    unknown = [name for name in scorers if name not in names]
    if unknown:
        raise ValueError(
            f"cv_results has no mean_test_<name> for the scorer(s) {unknown}"
            f"{_did_you_mean(unknown, names)}. Its scorers are: {names}."
        )
    means = {
        name: np.asarray(cv_results[f"mean_test_{name}"], float) for name in scorers
    }
    lengths = {name: mean.shape for name, mean in means.items()}
    if len(set(lengths.values())) > 1 or any(
        len(shape) != 1 for shape in lengths.values()
    ):
        raise ValueError(
            "The scorers' mean_test_<name> in cv_results must be 1-D arrays with "
            f"one score per candidate, as many for each; got the shapes {lengths}."
        )
    for name, mean in means.items():
        if np.isnan(mean).all():
            raise _all_failed(f"mean_test_{name}")
    return means


class ModelSelectionDisplay:
    """The target score of each rule's pick, against source only and hindsight.

    One bar per selection rule (a scorer, or a scorer behind
    :class:`BaselineUnlessBetter`): the mean target score of the candidates
    it picked, over draws, with the standard error of that mean; a dashed
    line at source only and a solid one at the candidate best in hindsight
    (chosen on the target labels, which no rule may read), both averaged
    over the draws. Every array holds one finite score per draw, as many for
    each: other shapes, NaN or infinite scores raise a ``ValueError``.

    Parameters
    ----------
    rule_scores : dict
        ``rule name -> array of shape (n_draws,)``: the target score of the
        rule's pick in each draw.

    baseline_scores : array-like of shape (n_draws,)
        The target score of source only in each draw.

    hindsight_scores : array-like of shape (n_draws,)
        The target score of the candidate best in hindsight.

    score_name : str, default="target accuracy"
        Label of the score axis.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes of the plot.

    figure_ : matplotlib Figure
        The figure of the plot.

    bars_ : matplotlib BarContainer
        One bar per rule, in the order of ``rule_scores``.

    Examples
    --------
    >>> from sktransfer.model_selection import ModelSelectionDisplay
    >>> display = ModelSelectionDisplay(
    ...     rule_scores={"entropy": [0.81, 0.79], "importance weighted": [0.84, 0.8]},
    ...     baseline_scores=[0.78, 0.77], hindsight_scores=[0.85, 0.82])
    >>> display = display.plot()  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        rule_scores,
        baseline_scores,
        hindsight_scores,
        score_name="target accuracy",
    ):
        if not isinstance(rule_scores, Mapping) or not rule_scores:
            raise ValueError(
                "rule_scores must be a non-empty dict, rule name -> the target "
                f"score of its pick in each draw; got {rule_scores!r}."
            )
        self.rule_scores = {
            name: _draw_scores(values, f"rule_scores[{name!r}]")
            for name, values in rule_scores.items()
        }
        self.baseline_scores = _draw_scores(baseline_scores, "baseline_scores")
        self.hindsight_scores = _draw_scores(hindsight_scores, "hindsight_scores")
        lengths = {
            "baseline_scores": self.baseline_scores.size,
            "hindsight_scores": self.hindsight_scores.size,
        }
        lengths.update(
            {f"rule_scores[{name!r}]": v.size for name, v in self.rule_scores.items()}
        )
        if len(set(lengths.values())) > 1:
            raise ValueError(
                "rule_scores, baseline_scores and hindsight_scores must hold one "
                f"score per draw, as many for each; got the lengths {lengths}."
            )
        self.score_name = score_name

    def plot(self, ax=None):
        """Draw the bars and the two reference lines.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        Returns
        -------
        display : ModelSelectionDisplay
            With ``ax_``, ``figure_`` and ``bars_`` set.
        """
        names = list(self.rule_scores)
        ax = new_axes(
            ax, f"{type(self).__name__}.plot", figsize=(8, 0.45 * len(names) + 1.5)
        )
        means = np.array([self.rule_scores[name].mean() for name in names])
        errors = np.array(
            [
                self.rule_scores[name].std() / np.sqrt(self.rule_scores[name].size)
                for name in names
            ]
        )
        position = np.arange(len(names))
        self.bars_ = ax.barh(
            position, means, xerr=errors, capsize=3, color=DOMAIN_COLOURS["target"]
        )
        ax.axvline(
            self.baseline_scores.mean(),
            color="black",
            ls="--",
            label=f"source only ({self.baseline_scores.mean():.3f})",
        )
        ax.axvline(
            self.hindsight_scores.mean(),
            color="black",
            label=f"best in hindsight ({self.hindsight_scores.mean():.3f})",
        )
        ax.set_yticks(position, names)
        ax.invert_yaxis()
        low = min((means - errors).min(), self.baseline_scores.mean())
        high = max((means + errors).max(), self.hindsight_scores.mean())
        margin = 0.25 * max(high - low, 0.01)
        ax.set_xlim(low - margin, high + margin)
        ax.set_xlabel(self.score_name)
        ax.legend(loc="lower right", fontsize=8)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_cv_results(
        cls,
        cv_results,
        target_scores,
        *,
        scorers,
        baseline_index,
        score_name="target accuracy",
        ax=None,
    ):
        """One search: each scorer's pick among the candidates of ``cv_results``.

        Parameters
        ----------
        cv_results : dict
            A multi-metric ``GridSearchCV.cv_results_``, with
            ``mean_test_<scorer>`` for every scorer.

        target_scores : array-like of shape (n_candidates,)
            Each candidate's score on labelled target rows held out from the
            search (in hindsight).

        scorers : list of str
            The scorers' names in ``cv_results``; each picks its best mean.

        baseline_index : int
            The candidate that is source only.

        score_name : str, default="target accuracy"

        ax : matplotlib Axes, default=None

        Returns
        -------
        display : ModelSelectionDisplay
        """
        means = _scorer_means(cv_results, scorers)
        n_candidates = len(cv_results[f"mean_test_{scorers[0]}"])
        target_scores = np.asarray(target_scores, dtype=np.float64)
        if target_scores.shape != (n_candidates,):
            raise ValueError(
                "target_scores must hold one score per candidate of cv_results "
                f"({n_candidates}); got an array of shape {target_scores.shape}."
            )
        if not (
            isinstance(baseline_index, Integral)
            and not isinstance(baseline_index, bool)
            and 0 <= baseline_index < n_candidates
        ):
            raise ValueError(
                "baseline_index must be the index of the source-only candidate, "
                f"an int in [0, {n_candidates}); got {baseline_index!r}."
            )
        picks = {name: int(np.nanargmax(mean)) for name, mean in means.items()}
        return cls(
            rule_scores={name: target_scores[pick] for name, pick in picks.items()},
            baseline_scores=target_scores[baseline_index],
            hindsight_scores=target_scores.max(),
            score_name=score_name,
        ).plot(ax=ax)


class AdaptationSearchDisplay:
    """What :class:`AdaptationSearchCV` saw: each candidate's gain, and its pick.

    One bar per candidate: its mean label-free gain over the source-only
    model on the search's validation folds, with one standard error of that
    gain (the search's margin, in standard errors, is in the label). The
    chosen candidate is drawn in the target colour, the others in grey,
    those the search could not choose (their assumption denied by the
    shift measured) hatched. The title gives the choice and the shift
    measures.

    Parameters
    ----------
    report : AdaptationReport
        The search's ``report_``.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes of the plot.

    figure_ : matplotlib Figure
        The figure of the plot.

    bars_ : matplotlib BarContainer
        One bar per candidate, in the order of ``report.candidates``.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.datasets import make_label_shift
    >>> from sktransfer.model_selection import (
    ...     AdaptationSearchCV, AdaptationSearchDisplay)
    >>> X, y, sample_domain = make_label_shift(
    ...     "iris", target_priors=[0.8, 0.1, 0.1], return_X_y=True,
    ...     random_state=0)
    >>> y[sample_domain < 0] = -1
    >>> search = AdaptationSearchCV(LogisticRegression(), cv=3).fit(X, y)
    >>> display = AdaptationSearchDisplay.from_estimator(search)  # doctest: +SKIP
    """

    def __init__(self, report):
        if not hasattr(report, "candidates") or not hasattr(report, "chosen"):
            raise ValueError(
                "report must be the report_ of a fitted AdaptationSearchCV; got "
                f"{type(report).__name__}."
            )
        self.report = report

    @classmethod
    def from_estimator(cls, search, *, ax=None):
        """Draw the report of a fitted :class:`AdaptationSearchCV`.

        Parameters
        ----------
        search : AdaptationSearchCV
            A fitted search.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        Returns
        -------
        display : AdaptationSearchDisplay
            With ``ax_``, ``figure_`` and ``bars_`` set.
        """
        check_drawable(
            search,
            "AdaptationSearchDisplay.from_estimator",
            attributes=["report_"],
            what="the report of an AdaptationSearchCV",
        )
        return cls(search.report_).plot(ax=ax)

    def plot(self, ax=None):
        """Draw one bar per candidate.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        Returns
        -------
        display : AdaptationSearchDisplay
            With ``ax_``, ``figure_`` and ``bars_`` set.
        """
        candidates = self.report.candidates
        ax = new_axes(
            ax, f"{type(self).__name__}.plot", figsize=(8, 0.45 * len(candidates) + 1.8)
        )
        gains = np.array([c.gain for c in candidates], dtype=float)
        errors = np.array([c.gain_se for c in candidates], dtype=float)
        position = np.arange(len(candidates))
        colours = [DOMAIN_COLOURS["target"] if c.chosen else "0.7" for c in candidates]
        self.bars_ = ax.barh(
            position, np.nan_to_num(gains), xerr=errors, capsize=3, color=colours
        )
        for bar, candidate in zip(self.bars_, candidates, strict=True):
            if not candidate.eligible:
                bar.set_hatch("//")
                bar.set_alpha(0.5)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(position, [c.name for c in candidates])
        ax.invert_yaxis()
        ax.set_xlabel(
            f"gain over {self.report.baseline!r} ({self.report.scoring}); margin "
            f"{self.report.n_se:g} standard errors"
        )
        title = (
            f"chose {self.report.chosen!r}; proxy A-distance "
            f"{self.report.proxy_a_distance:.2f}"
        )
        if self.report.label_shift_pvalue is not None:
            title += f"; label-shift test p = {self.report.label_shift_pvalue:.3f}"
        ax.set_title(title, fontsize=9)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

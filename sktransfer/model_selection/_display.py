"""ModelSelectionDisplay: what each selection rule picked, against hindsight."""

import numpy as np

from .._plotting import DOMAIN_COLOURS, new_axes

__all__ = ["ModelSelectionDisplay"]


class ModelSelectionDisplay:
    """The target score of each rule's pick, against source only and hindsight.

    One bar per selection rule (a scorer, or a scorer behind
    :class:`BaselineUnlessBetter`): the mean target score of the candidates
    it picked, over draws, with the standard error of that mean; a dashed
    line at source only and a solid one at the candidate best in hindsight
    (chosen on the target labels, which no rule may read), both averaged
    over the draws.

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
        self.rule_scores = {
            name: np.atleast_1d(np.asarray(values, dtype=np.float64))
            for name, values in rule_scores.items()
        }
        self.baseline_scores = np.atleast_1d(np.asarray(baseline_scores, float))
        self.hindsight_scores = np.atleast_1d(np.asarray(hindsight_scores, float))
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
        target_scores = np.asarray(target_scores, dtype=np.float64)
        picks = {
            name: int(np.nanargmax(np.asarray(cv_results[f"mean_test_{name}"], float)))
            for name in scorers
        }
        return cls(
            rule_scores={name: target_scores[pick] for name, pick in picks.items()},
            baseline_scores=target_scores[baseline_index],
            hindsight_scores=target_scores.max(),
            score_name=score_name,
        ).plot(ax=ax)

"""LabelShiftDisplay: the source's class priors and the target's, estimated."""

import numpy as np

from .._plotting import DOMAIN_COLOURS, new_axes

__all__ = ["LabelShiftDisplay"]


class LabelShiftDisplay:
    """Class priors of the source and of the target, with intervals.

    Bars per class: the source's label frequencies and the target's
    estimated priors, with their bootstrap interval as an error bar; the
    true target priors as black marks when they are known (a benchmark).

    Parameters
    ----------
    classes : array-like of shape (n_classes,)
        The class labels.

    source_priors, target_priors : array-like of shape (n_classes,)
        ``P_S(y)`` and the estimated ``P_T(y)``.

    interval : array-like of shape (n_classes, 2), default=None
        Lower and upper bounds of each target prior.

    true_priors : array-like of shape (n_classes,), default=None
        The true target priors, when known.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes of the plot.

    figure_ : matplotlib Figure
        The figure of the plot.

    bars_ : dict
        ``"source"`` and ``"target"`` -> matplotlib BarContainer.

    Examples
    --------
    >>> from sktransfer.label_shift import LabelShiftDisplay
    >>> display = LabelShiftDisplay(
    ...     classes=[0, 1], source_priors=[0.5, 0.5], target_priors=[0.8, 0.2],
    ...     interval=[[0.75, 0.85], [0.15, 0.25]])
    >>> display = display.plot()  # doctest: +SKIP
    """

    def __init__(
        self, *, classes, source_priors, target_priors, interval=None, true_priors=None
    ):
        self.classes = np.asarray(classes)
        self.source_priors = np.asarray(source_priors, dtype=np.float64)
        self.target_priors = np.asarray(target_priors, dtype=np.float64)
        self.interval = None if interval is None else np.asarray(interval)
        self.true_priors = None if true_priors is None else np.asarray(true_priors)

    def plot(self, ax=None):
        """Draw the bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        Returns
        -------
        display : LabelShiftDisplay
            With ``ax_``, ``figure_`` and ``bars_`` set.
        """
        ax = new_axes(ax, f"{type(self).__name__}.plot")
        position = np.arange(self.classes.size)
        width = 0.4
        self.bars_ = {
            "source": ax.bar(
                position - width / 2,
                self.source_priors,
                width,
                color=DOMAIN_COLOURS["source"],
                label="source",
            )
        }
        errors = None
        if self.interval is not None:
            errors = np.abs(self.interval.T - self.target_priors)
        self.bars_["target"] = ax.bar(
            position + width / 2,
            self.target_priors,
            width,
            yerr=errors,
            capsize=3,
            color=DOMAIN_COLOURS["target"],
            label="target, estimated",
        )
        if self.true_priors is not None:
            ax.scatter(
                position + width / 2,
                self.true_priors,
                marker="_",
                s=200,
                color="black",
                label="target, true",
                zorder=3,
            )
        ax.set_xticks(position, [str(c) for c in self.classes.tolist()])
        ax.set_xlabel("class")
        ax.set_ylabel("prior")
        ax.legend(loc="best", fontsize=8)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, true_priors=None, ax=None):
        """The priors of a fitted :class:`LabelShiftClassifier` or weighter.

        Parameters
        ----------
        estimator : fitted LabelShiftClassifier or LabelShiftReweighter
            Its ``classes_``, ``source_priors_``, ``target_priors_`` and
            ``target_priors_interval_`` are drawn.

        true_priors : array-like of shape (n_classes,), default=None
            The true target priors, when known.

        ax : matplotlib Axes, default=None

        Returns
        -------
        display : LabelShiftDisplay
        """
        return cls(
            classes=estimator.classes_,
            source_priors=estimator.source_priors_,
            target_priors=estimator.target_priors_,
            interval=estimator.target_priors_interval_,
            true_priors=true_priors,
        ).plot(ax=ax)

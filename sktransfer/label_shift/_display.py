"""LabelShiftDisplay: the source's class priors and the target's, estimated."""

import numpy as np

from .._plotting import DOMAIN_COLOURS, check_drawable, check_entries, new_axes

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

    confidence_level : float, default=None
        Coverage of ``interval``, named in the legend ("95% bootstrap
        interval"); None leaves the level out.

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
    ...     interval=[[0.75, 0.85], [0.15, 0.25]], confidence_level=0.9)
    >>> display = display.plot()  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        classes,
        source_priors,
        target_priors,
        interval=None,
        true_priors=None,
        confidence_level=None,
    ):
        self.classes = np.asarray(classes)
        self.source_priors = np.asarray(source_priors, dtype=np.float64)
        self.target_priors = np.asarray(target_priors, dtype=np.float64)
        self.interval = None if interval is None else np.asarray(interval)
        self.true_priors = None if true_priors is None else np.asarray(true_priors)
        self.confidence_level = confidence_level

    def _check_shapes(self):
        """One prior (two bounds) per class in each array, or a ValueError."""
        n_classes = self.classes.size
        for name in ("source_priors", "target_priors", "true_priors"):
            values = getattr(self, name)
            if values is not None:
                check_entries(name, values, n_classes, "classes")
        if self.interval is not None and self.interval.shape != (n_classes, 2):
            raise ValueError(
                f"interval has shape {self.interval.shape}; expected "
                f"({n_classes}, 2), a lower and an upper bound per class."
            )

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
        self._check_shapes()
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
        if self.interval is not None:
            level = (
                ""
                if self.confidence_level is None
                else f"{100 * self.confidence_level:g}% "
            )
            self.bars_["target"].errorbar.set_label(f"{level}bootstrap interval")
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
            ``target_priors_interval_`` are drawn, the interval labelled
            with its ``confidence_level``. An interval that is the estimate
            on both sides (``n_bootstrap=0``, given ``target_priors``, no
            target row) is not drawn.

        true_priors : array-like of shape (n_classes,), default=None
            The true target priors, when known.

        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        Returns
        -------
        display : LabelShiftDisplay
            With ``ax_``, ``figure_`` and ``bars_`` set.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            When ``estimator`` is not fitted.

        ValueError
            When ``estimator`` is not a label-shift estimator.
        """
        check_drawable(
            estimator,
            f"{cls.__name__}.from_estimator",
            attributes=(
                "classes_",
                "source_priors_",
                "target_priors_",
                "target_priors_interval_",
                "confidence_level",
            ),
            what="the priors of a LabelShiftClassifier or LabelShiftReweighter",
        )
        interval = estimator.target_priors_interval_
        if np.array_equal(interval[:, 0], interval[:, 1]):
            interval = None
        return cls(
            classes=estimator.classes_,
            source_priors=estimator.source_priors_,
            target_priors=estimator.target_priors_,
            interval=interval,
            true_priors=true_priors,
            confidence_level=estimator.confidence_level,
        ).plot(ax=ax)

"""TrainingCurvesDisplay: what a net records per epoch, several runs overlaid."""

import numpy as np

from .._plotting import check_drawable, new_axes

__all__ = ["TrainingCurvesDisplay"]

# Epoch entries of a skorch history that are bookkeeping, not curves.
_NOT_CURVES = {"epoch", "dur", "batches", "train_batch_count", "valid_batch_count"}


def _curve_keys(histories):
    """Numeric epoch entries every run recorded, in the first run's order."""
    keys = []
    for key, value in histories[0][-1].items():
        if key in _NOT_CURVES or key.endswith("_best") or isinstance(value, bool):
            continue
        if not isinstance(value, int | float | np.floating | np.integer):
            continue
        if all(key in history[-1] for history in histories):
            keys.append(key)
    return keys


class TrainingCurvesDisplay:
    """Training curves of skorch nets: one panel per recorded value, per epoch.

    A domain-adaptation net records, every epoch, its label loss, its domain
    loss and its domain classifier's accuracy, and whatever terms its method
    adds (``coral``, ``mmd``, ``class_confusion``...); the training loss is
    their weighted sum. Several runs (methods, seeds, weights) are overlaid,
    one colour each.

    Parameters
    ----------
    curves : dict
        ``key -> list of arrays``, one array of per-epoch values per run.

    names : list of str
        One name per run, for the legend.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        One per key.

    figure_ : matplotlib Figure
        The figure of the plot.

    lines_ : dict
        ``key -> list of Line2D``, one line per run.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.deep import TrainingCurvesDisplay
    >>> display = TrainingCurvesDisplay(
    ...     curves={"domain_loss": [np.array([0.69, 0.65, 0.6])]}, names=["DANN"])
    >>> display = display.plot()  # doctest: +SKIP
    """

    def __init__(self, *, curves, names):
        self.curves = {
            key: [np.asarray(run) for run in runs] for key, runs in curves.items()
        }
        self.names = list(names)

    def plot(self, axes=None):
        """Draw one panel per key.

        Parameters
        ----------
        axes : array-like of matplotlib Axes, default=None
            One per key; None creates a row of them.

        Returns
        -------
        display : TrainingCurvesDisplay
            With ``axes_``, ``figure_`` and ``lines_`` set.
        """
        keys = list(self.curves)
        if not keys:
            raise ValueError(
                f"{type(self).__name__} has no curve to draw: curves is empty."
            )
        for key, runs in self.curves.items():
            if len(runs) != len(self.names):
                raise ValueError(
                    f"curves[{key!r}] holds {len(runs)} runs but names has "
                    f"{len(self.names)}: give one name per run."
                )
        if axes is None:
            # Constrained layout keeps the axis labels inside the figure
            # wherever it is saved.
            axes = new_axes(
                None,
                f"{type(self).__name__}.plot",
                ncols=len(keys),
                figsize=(3.2 * len(keys), 3.0),
                squeeze=False,
                layout="constrained",
            )[0]
        axes = np.atleast_1d(np.asarray(axes, dtype=object)).ravel()
        if axes.size != len(keys):
            raise ValueError(
                f"{len(keys)} curves need {len(keys)} axes; got {axes.size}."
            )
        self.lines_ = {}
        for ax, key in zip(axes, keys, strict=True):
            self.lines_[key] = [
                ax.plot(np.arange(1, len(run) + 1), run, marker=".", label=name)[0]
                for run, name in zip(self.curves[key], self.names, strict=True)
            ]
            ax.set_title(key.replace("_", " "), fontsize=9)
            ax.set_xlabel("epoch")
        axes[0].legend(loc="best", fontsize=8)
        self.axes_ = axes
        self.figure_ = axes[0].figure
        return self

    @classmethod
    def from_estimator(cls, *nets, keys=None, names=None, axes=None):
        """The curves of fitted skorch nets, overlaid.

        Parameters
        ----------
        *nets : fitted skorch nets
            Their ``history`` gives the curves.

        keys : list of str, default=None
            The epoch entries to draw; by default every numeric one that
            every net recorded (``train_loss``, ``label_loss``,
            ``domain_loss``, ``domain_acc``, a method's terms), bookkeeping
            and ``*_best`` flags left out.

        names : list of str, default=None
            One per net; the class names by default.

        axes : array-like of matplotlib Axes, default=None
            One per key.

        Returns
        -------
        display : TrainingCurvesDisplay
        """
        caller = f"{cls.__name__}.from_estimator"
        if not nets:
            raise ValueError(f"{caller} needs at least one fitted net.")
        for net in nets:
            check_drawable(
                net,
                caller,
                attributes=["history_"],
                what="the per-epoch history of a fitted skorch net",
            )
            if not len(net.history_):
                raise ValueError(
                    f"{caller}: {type(net).__name__} has recorded no epoch "
                    "(initialized, not fitted); fit it first."
                )
        histories = [net.history_ for net in nets]
        if keys is None:
            keys = _curve_keys(histories)
        if names is None:
            names = [type(net).__name__ for net in nets]
        names = list(names)
        if len(names) != len(nets):
            raise ValueError(
                f"{caller} got {len(nets)} nets and {len(names)} names: give "
                "one name per net."
            )
        curves = {
            key: [
                _epoch_values(history, key, name)
                for history, name in zip(histories, names, strict=True)
            ]
            for key in keys
        }
        return cls(curves=curves, names=names).plot(axes=axes)


def _epoch_values(history, key, name):
    """``history[:, key]`` as floats, or a ValueError naming what was recorded."""
    values = [epoch.get(key) for epoch in history]
    if any(value is None for value in values):
        recorded = sorted(set().union(*map(set, history)) - _NOT_CURVES)
        raise ValueError(
            f"{name} did not record {key!r} in every epoch; its history holds "
            f"{', '.join(recorded)}."
        )
    return np.asarray(values, dtype=np.float64)

"""ImportanceWeightsDisplay: where a weighter put the weight, and how much."""

from numbers import Integral

import numpy as np
from sklearn.decomposition import PCA

from .._compat import _num_samples
from .._domain import check_sample_domain, validate_X
from .._plotting import DOMAIN_COLOURS, check_drawable, check_entries, new_axes
from ._base import effective_sample_size

__all__ = ["ImportanceWeightsDisplay"]


class ImportanceWeightsDisplay:
    """The source weights of a weighter: their spread, and where they went.

    The left panel is the histogram of the weights, with Kish's effective
    sample size in the title; the right one each source row's weight
    against a feature (or the first principal component), over the
    densities of that feature in the source and in the target: weights that
    follow ``P_T / P_S`` rise where the target's density exceeds the
    source's.

    Parameters
    ----------
    weights : ndarray of shape (n_source,)
        The weight of each source row.

    source_values, target_values : ndarray
        The feature drawn, on the source rows and on the target rows.

    feature_name : str, default="feature"
        Label of the feature axis.

    Attributes
    ----------
    axes_ : ndarray of two matplotlib Axes
        The histogram and the scatter.

    figure_ : matplotlib Figure
        The figure of the plot.

    effective_sample_size_ : float
        Kish's effective sample size of the weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.reweight import ImportanceWeightsDisplay
    >>> display = ImportanceWeightsDisplay(
    ...     weights=np.array([0.5, 1.0, 1.5]), source_values=np.array([0., 1., 2.]),
    ...     target_values=np.array([1.5, 2.0]))
    >>> display = display.plot()  # doctest: +SKIP
    """

    def __init__(
        self, *, weights, source_values, target_values, feature_name="feature"
    ):
        self.weights = np.asarray(weights, dtype=np.float64)
        self.source_values = np.asarray(source_values, dtype=np.float64)
        self.target_values = np.asarray(target_values, dtype=np.float64)
        self.feature_name = feature_name

    def plot(self, axes=None, *, bins=30):
        """Draw the histogram and the weights against the feature.

        Parameters
        ----------
        axes : array-like of two matplotlib Axes, default=None
            None creates a figure of two panels.

        bins : int, default=30
            Bins of the histograms.

        Returns
        -------
        display : ImportanceWeightsDisplay
            With ``axes_``, ``figure_`` and ``effective_sample_size_`` set.
        """
        caller = f"{type(self).__name__}.plot"
        self._check_arrays()
        if axes is None:
            axes = new_axes(None, caller, ncols=2, figsize=(9, 3.4), squeeze=False)[0]
        axes = np.asarray(axes, dtype=object).ravel()
        if axes.size != 2:
            raise ValueError(
                f"{caller} draws two panels, the histogram and the scatter: axes "
                f"must be two matplotlib Axes; got {axes.size}."
            )
        hist_ax, scatter_ax = axes
        self.effective_sample_size_ = effective_sample_size(self.weights)
        hist_ax.hist(self.weights, bins=bins, color=DOMAIN_COLOURS["source"])
        hist_ax.set_xlabel("weight")
        hist_ax.set_ylabel("source rows")
        hist_ax.set_title(
            f"effective sample size {self.effective_sample_size_:.0f} "
            f"of {self.weights.size} rows",
            fontsize=9,
        )
        density_ax = scatter_ax.twinx()
        edges = np.histogram_bin_edges(
            np.r_[self.source_values, self.target_values], bins=bins
        )
        for domain, values in (
            ("source", self.source_values),
            ("target", self.target_values),
        ):
            if values.size == 0:
                # No target rows (a fit without them): no density to draw.
                continue
            density_ax.hist(
                values,
                bins=edges,
                density=True,
                alpha=0.25,
                color=DOMAIN_COLOURS[domain],
                label=f"{domain} density",
            )
        density_ax.set_yticks([])
        density_ax.legend(loc="upper left", fontsize=8)
        self.scatter_ = scatter_ax.scatter(
            self.source_values, self.weights, s=8, color="black", alpha=0.6
        )
        # The weights in front of the densities.
        scatter_ax.set_zorder(density_ax.get_zorder() + 1)
        scatter_ax.patch.set_visible(False)
        scatter_ax.set_xlabel(self.feature_name)
        scatter_ax.set_ylabel("weight")
        self.axes_ = np.array([hist_ax, scatter_ax], dtype=object)
        self.figure_ = hist_ax.figure
        return self

    def _check_arrays(self):
        """Refuse weights and feature values that do not fit together."""
        for name, values in (
            ("weights", self.weights),
            ("target_values", self.target_values),
        ):
            if values.ndim != 1:
                raise ValueError(
                    f"{name} must be a 1-D array, one entry per row; got shape "
                    f"{values.shape}."
                )
        check_entries(
            "source_values", self.source_values, self.weights.shape[0], "weights"
        )

    @classmethod
    def from_estimator(
        cls, weighter, X, y=None, *, sample_domain=None, feature=None, axes=None
    ):
        """The weights of a fitted weighter, against a feature of ``X``.

        Parameters
        ----------
        weighter : fitted weighter
            Its ``weights_`` (one per source row, in row order) are drawn,
            such as :class:`KMMReweighter`, :class:`DensityRatioWeighter`, or
            :class:`~sktransfer.label_shift.LabelShiftReweighter`.

        X : array-like of shape (n_samples, n_features)
            The rows the weighter was fitted on.

        y : array-like of shape (n_samples,), default=None
            Only to find the target rows when ``sample_domain`` is None.

        sample_domain : array-like of shape (n_samples,), default=None
            The domains the weighter was fitted with.

        feature : int, str or None, default=None
            The column drawn (an index, negative ones counting from the end,
            or a name of the weighter's ``feature_names_in_``); None draws the
            first principal component of all rows.

        axes : array-like of two matplotlib Axes, default=None
            As in :meth:`plot`.

        Returns
        -------
        display : ImportanceWeightsDisplay
        """
        caller = f"{cls.__name__}.from_estimator"
        check_drawable(
            weighter,
            caller,
            attributes=["weights_"],
            what="the source weights of a fitted weighter (its weights_, such as "
            "KMMReweighter's)",
        )
        n_rows = _num_samples(X)
        if y is not None:
            check_entries("y", np.asarray(y), n_rows, "X")
        sample_domain = check_sample_domain(sample_domain, n_rows, y=y, default=1)
        # The weighter's own check: X must have the columns it was fitted on.
        X = validate_X(weighter, X, reset=False, dtype=np.float64)
        source, target = sample_domain > 0, sample_domain < 0
        weights = np.asarray(weighter.weights_)
        if weights.shape != (source.sum(),):
            raise ValueError(
                f"The weighter holds weights of shape {weights.shape} and X "
                f"{int(source.sum())} source rows: pass the X and the "
                "sample_domain it was fitted on."
            )
        if feature is None:
            values = PCA(1).fit_transform(X)[:, 0]
            name = "first principal component"
        else:
            column = _column(feature, weighter, X.shape[1])
            values = X[:, column]
            name = f"feature {column}" if isinstance(feature, Integral) else feature
        return cls(
            weights=weights,
            source_values=values[source],
            target_values=values[target],
            feature_name=name,
        ).plot(axes=axes)


def _column(feature, weighter, n_features):
    """The index of the column ``feature`` names (an index or a column name)."""
    if isinstance(feature, str):
        names = list(getattr(weighter, "feature_names_in_", []))
        if not names:
            raise ValueError(
                f"feature={feature!r} names a column, but "
                f"{type(weighter).__name__} was fitted without column names; "
                "pass the column's index, or fit it on a DataFrame."
            )
        if feature not in names:
            raise ValueError(
                f"feature {feature!r} is not among the weighter's "
                f"feature_names_in_ {names}."
            )
        return names.index(feature)
    if not isinstance(feature, Integral) or isinstance(feature, bool):
        raise ValueError(
            "feature must be a column index (int), a column name (str) or None; "
            f"got {feature!r}."
        )
    if not -n_features <= feature < n_features:
        raise ValueError(
            f"feature={feature} is not a column of X, which has {n_features} features."
        )
    return int(feature) % n_features

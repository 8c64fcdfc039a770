"""DomainShiftDisplay: both domains in two dimensions, with the shift measured."""

from numbers import Integral

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.utils import check_random_state
from sklearn.utils.metadata_routing import get_routing_for_object

from .._compat import (
    Interval,
    StrOptions,
    _num_samples,
    _safe_indexing,
    validate_parameter_constraints,
)
from .._domain import check_sample_domain, unlabeled_mask
from .._plotting import (
    CLASS_MARKERS,
    DOMAIN_COLOURS,
    DOMAIN_MARKERS,
    check_drawable,
    check_entries,
    class_colour,
    new_axes,
    pyplot,
)
from ..pipeline import _accepts_sample_domain
from ._mmd import mmd_test
from ._proxy_a import proxy_a_distance
from ._samples import _check_sample

__all__ = ["DomainShiftDisplay"]

_HUE = [StrOptions({"domain", "class"})]
# The proxy A-distance of the title cross-validates over this many folds,
# so each domain drawn needs as many rows.
_PROXY_A_FOLDS = 5
# t-SNE's default perplexity, lowered below the number of rows drawn.
_PERPLEXITY = 30.0


def _features(estimator, X, sample_domain):
    """``estimator.transform`` of the rows, given their domains where it reads them.

    A domain-aware transformer maps source and target rows differently and
    is given ``sample_domain``, by name or through metadata routing (a
    pipeline with such a step says how to enable routing when it is off); a
    plain transformer (PCA, a pipeline of them) maps every row alike and is
    given none.
    """
    if _accepts_sample_domain(estimator, "transform") or get_routing_for_object(
        estimator
    ).consumes("transform", ["sample_domain"]):
        return estimator.transform(X, sample_domain=sample_domain)
    return estimator.transform(X)


def _embed(features, method, random_state):
    if method == "tsne":
        perplexity = min(_PERPLEXITY, features.shape[0] - 1.0)
        return TSNE(
            2, perplexity=perplexity, init="pca", random_state=random_state
        ).fit_transform(features)
    return PCA(2, random_state=random_state).fit_transform(features)


class DomainShiftDisplay:
    """Source and target rows in two dimensions, with the shift measured.

    Each row is a point: coloured by domain and marked by class (or, with
    ``hue="class"``, coloured by class and marked by domain: dots for
    source rows, crosses for target rows). The title gives the MMD test's
    p-value and the proxy A-distance of the features drawn. Build it with
    :meth:`from_estimator` (the features a transformer or a net's
    ``transform`` gives, or the rows themselves) and compare two estimators
    side by side by passing each its own ``ax``.

    Parameters
    ----------
    embedding : ndarray of shape (n_samples, 2)
        The two coordinates of each row.

    sample_domain : ndarray of shape (n_samples,)
        Domain of each row (``> 0`` source, ``< 0`` target).

    y : ndarray of shape (n_samples,), default=None
        Classes, only to mark the points; ``-1`` or ``NaN`` rows get no
        class. None draws domains only.

    mmd_pvalue : float, default=None
        p-value of :func:`~sktransfer.metrics.mmd_test` on the features.

    proxy_a_distance : float, default=None
        :func:`~sktransfer.metrics.proxy_a_distance` of the features.

    name : str, default=None
        What the features are (an estimator's name), first in the title.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The axes of the plot.

    figure_ : matplotlib Figure
        The figure of the plot.

    collections_ : dict
        ``(domain, class) -> PathCollection`` for every group drawn,
        ``domain`` being ``"source"`` or ``"target"`` and ``class`` None
        for unlabeled rows.

    See Also
    --------
    mmd_test : The two-sample test of the title.
    proxy_a_distance : How separable the domains are.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.metrics import DomainShiftDisplay
    >>> rng = np.random.RandomState(0)
    >>> X = np.r_[rng.normal(size=(50, 3)), rng.normal(1, size=(50, 3))]
    >>> sample_domain = np.r_[np.ones(50, int), -np.ones(50, int)]
    >>> display = DomainShiftDisplay.from_estimator(
    ...     None, X, sample_domain=sample_domain, random_state=0)  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        embedding,
        sample_domain,
        y=None,
        mmd_pvalue=None,
        proxy_a_distance=None,
        name=None,
    ):
        self.embedding = np.asarray(embedding)
        self.sample_domain = np.asarray(sample_domain)
        self.y = None if y is None else np.asarray(y)
        self.mmd_pvalue = mmd_pvalue
        self.proxy_a_distance = proxy_a_distance
        self.name = name

    def _title(self):
        parts = []
        if self.mmd_pvalue is not None:
            parts.append(f"MMD test p = {self.mmd_pvalue:.3g}")
        if self.proxy_a_distance is not None:
            parts.append(f"proxy A-distance = {self.proxy_a_distance:.2f}")
        measures = ", ".join(parts)
        if self.name is None:
            return measures
        return f"{self.name}\n{measures}" if measures else self.name

    def plot(self, ax=None, *, hue="domain", title=None):
        """Draw the points.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; None creates a figure.

        hue : {"domain", "class"}, default="domain"
            What the colours tell: the domain (classes by marker) or the
            class (domains by marker: dots source, crosses target), which
            shows best whether each class of the target lies on its class
            of the source.

        title : str, default=None
            Replaces the title (the name and the measures).

        Returns
        -------
        display : DomainShiftDisplay
            With ``ax_``, ``figure_`` and ``collections_`` set.
        """
        caller = f"{type(self).__name__}.plot"
        validate_parameter_constraints({"hue": _HUE}, {"hue": hue}, caller)
        self._check_arrays()
        ax = new_axes(ax, caller)
        # Each row's class as an index into `classes`; -1 for no class.
        index_of = np.full(self.embedding.shape[0], -1)
        classes = []
        if self.y is not None:
            labelled = ~unlabeled_mask(self.y)
            classes, index_of[labelled] = np.unique(
                self.y[labelled], return_inverse=True
            )
            classes = classes.tolist()
        rows_of = {"source": self.sample_domain > 0, "target": self.sample_domain < 0}
        self.collections_ = {}
        for domain, rows in rows_of.items():
            for index in [*range(len(classes)), -1]:
                keep = rows & (index_of == index)
                if not keep.any():
                    continue
                label = None if index < 0 else classes[index]
                colour, marker = self._style(domain, index, hue)
                self.collections_[domain, label] = ax.scatter(
                    *self.embedding[keep].T,
                    color=colour,
                    marker=marker,
                    s=14,
                    alpha=0.6,
                    linewidths=0.9,
                    label=f"{domain}" if label is None else f"{domain}, {label}",
                )
        ax.set_xlabel("component 1")
        ax.set_ylabel("component 2")
        ax.set_title(self._title() if title is None else title, fontsize=9)
        ax.legend(
            handles=self._legend_handles(
                [domain for domain, rows in rows_of.items() if rows.any()],
                classes,
                index_of,
                hue,
                caller,
            ),
            loc="best",
            fontsize=8,
        )
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @staticmethod
    def _style(domain, index, hue):
        """Colour and marker of the points of a domain and a class.

        ``index`` is the class's position in the sorted classes, ``-1`` for
        rows without a class. One of the two depends on the domain only,
        the other on the class only.
        """
        if hue == "domain":
            marker = "." if index < 0 else CLASS_MARKERS[index % 10]
            return DOMAIN_COLOURS[domain], marker
        colour = "grey" if index < 0 else class_colour(index)
        return colour, DOMAIN_MARKERS[domain]

    def _legend_handles(self, domains, classes, index_of, hue, caller):
        """One entry for each domain and each class drawn.

        What the colours tell comes first, as patches of colour; what the
        markers tell follows, as grey markers.
        """
        plt = pyplot(caller)
        # (name, (colour, marker)) of each domain and each class; the style
        # of a domain is the same for every class, and conversely.
        by_domain = [(domain, self._style(domain, -1, hue)) for domain in domains]
        by_class = [
            (f"class {label}", self._style("source", index, hue))
            for index, label in enumerate(classes)
        ]
        if self.y is not None and (index_of < 0).any():
            by_class.append(("no label", self._style("source", -1, hue)))
        by_colour, by_marker = (
            (by_domain, by_class) if hue == "domain" else (by_class, by_domain)
        )
        patches = [
            plt.Rectangle((0, 0), 1, 1, color=colour, label=name)
            for name, (colour, _) in by_colour
        ]
        markers = [
            plt.Line2D([], [], ls="", marker=marker, color="dimgrey", label=name)
            for name, (_, marker) in by_marker
        ]
        return patches + markers

    def _check_arrays(self):
        """Refuse an embedding, domains or classes that do not fit together."""
        if self.embedding.ndim != 2 or self.embedding.shape[1] != 2:
            raise ValueError(
                "embedding must hold the two coordinates of each row, an array "
                f"of shape (n_samples, 2); got shape {self.embedding.shape}."
            )
        n_rows = self.embedding.shape[0]
        check_entries("sample_domain", self.sample_domain, n_rows, "embedding")
        check_sample_domain(self.sample_domain, n_rows)
        if self.y is not None:
            check_entries("y", self.y, n_rows, "embedding")

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y=None,
        *,
        sample_domain=None,
        method="pca",
        measure=True,
        max_samples=1000,
        n_permutations=200,
        random_state=None,
        name=None,
        ax=None,
        hue="domain",
    ):
        """Draw the features ``estimator.transform`` gives, or the rows themselves.

        Parameters
        ----------
        estimator : fitted transformer, net or None
            Its ``transform`` gives the features drawn (a fitted
            domain-adaptation net gives its learned features); None draws
            ``X`` itself. A transformer that maps source and target rows
            differently (``sample_domain`` in its ``transform``, or a
            pipeline with such a step, which needs metadata routing enabled)
            is given the rows' domains; a plain one maps every row alike.

        X : array-like of shape (n_samples, ...)
            Source and target rows; images are flattened.

        y : array-like of shape (n_samples,), default=None
            Classes, to mark the points (target labels too: they only draw).

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; inferred from ``y`` (``-1``/``NaN`` rows are target
            rows) when None.

        method : {"pca", "tsne"}, default="pca"
            The two dimensions: the first principal components, or t-SNE
            (slower, and its distances mean less; its perplexity of 30 is
            lowered below the number of rows drawn).

        measure : bool, default=True
            Compute the MMD test (``n_permutations``) and the proxy
            A-distance (5-fold, so at least 5 rows of each domain) of the
            features of the rows drawn, for the title.

        max_samples : int, default=1000
            Rows drawn at most from each domain, at random.

        n_permutations : int, default=200
            Permutations of the MMD test.

        random_state : int, RandomState instance or None, default=None
            Draws the rows shown and seeds the measures and t-SNE.

        name : str, default=None
            First line of the title; the estimator's class name by default.

        ax : matplotlib Axes, default=None
            Axes to draw on.

        hue : {"domain", "class"}, default="domain"
            As in :meth:`plot`.

        Returns
        -------
        display : DomainShiftDisplay
        """
        caller = f"{cls.__name__}.from_estimator"
        validate_parameter_constraints(
            {
                "method": [StrOptions({"pca", "tsne"})],
                "measure": ["boolean"],
                "max_samples": [Interval(Integral, 1, None, closed="left")],
                "n_permutations": [Interval(Integral, 1, None, closed="left")],
                "random_state": ["random_state"],
                "hue": _HUE,
            },
            {
                "method": method,
                "measure": measure,
                "max_samples": max_samples,
                "n_permutations": n_permutations,
                "random_state": random_state,
                "hue": hue,
            },
            caller,
        )
        if estimator is not None:
            check_drawable(
                estimator,
                caller,
                attributes=["transform"],
                what="the features of a fitted transformer or net (its "
                "transform), or X itself with estimator=None",
            )
        n_rows = _num_samples(X)
        if y is not None:
            y = np.asarray(y)
            check_entries("y", y, n_rows, "X")
        sample_domain = check_sample_domain(sample_domain, n_rows, y=y)
        rng = check_random_state(random_state)
        drawn = [
            rng.permutation(np.flatnonzero(rows))[:max_samples]
            for rows in (sample_domain > 0, sample_domain < 0)
        ]
        n_drawn = [rows.size for rows in drawn]
        if measure and min(n_drawn) > 0 and min(n_drawn) < _PROXY_A_FOLDS:
            raise ValueError(
                f"{caller} measures the shift on the rows it draws, and the "
                f"proxy A-distance needs {_PROXY_A_FOLDS} rows of each domain; "
                f"got {n_drawn[0]} source and {n_drawn[1]} target rows "
                f"(max_samples={max_samples}). Raise max_samples, or pass "
                "measure=False."
            )
        shown = np.concatenate(drawn)
        X_shown = _safe_indexing(X, shown)
        domains = sample_domain[shown]
        features = (
            X_shown if estimator is None else _features(estimator, X_shown, domains)
        )
        features = _check_sample(
            features, "X" if estimator is None else "the estimator's features"
        )
        if min(features.shape) < 2:
            raise ValueError(
                f"{caller} draws two components of the features, which needs two "
                f"rows and two features; the features drawn have shape "
                f"{features.shape}."
            )
        pvalue = distance = None
        if measure and min(n_drawn) > 0:
            source, target = features[domains > 0], features[domains < 0]
            seed = rng.randint(np.iinfo(np.int32).max)
            pvalue = mmd_test(
                source, target, n_permutations=n_permutations, random_state=seed
            ).pvalue
            distance = proxy_a_distance(
                source, target, cv=_PROXY_A_FOLDS, random_state=seed
            )
        if name is None and estimator is not None:
            name = type(estimator).__name__
        display = cls(
            embedding=_embed(features, method, rng.randint(np.iinfo(np.int32).max)),
            sample_domain=domains,
            y=None if y is None else y[shown],
            mmd_pvalue=pvalue,
            proxy_a_distance=distance,
            name=name,
        )
        return display.plot(ax=ax, hue=hue)

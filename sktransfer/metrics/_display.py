"""DomainShiftDisplay: both domains in two dimensions, with the shift measured."""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.utils import check_random_state

from .._compat import _num_samples
from .._domain import check_sample_domain, unlabeled_mask
from .._plotting import (
    CLASS_MARKERS,
    DOMAIN_COLOURS,
    DOMAIN_MARKERS,
    class_colour,
    new_axes,
    pyplot,
)
from ._mmd import mmd_test
from ._proxy_a import proxy_a_distance

__all__ = ["DomainShiftDisplay"]


def _embed(features, method, random_state):
    if method not in ("pca", "tsne"):
        raise ValueError(f"method must be 'pca' or 'tsne'; got {method!r}.")
    if method == "tsne":
        return TSNE(2, init="pca", random_state=random_state).fit_transform(features)
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
        if hue not in ("domain", "class"):
            raise ValueError(f"hue must be 'domain' or 'class'; got {hue!r}.")
        ax = new_axes(ax, f"{type(self).__name__}.plot")
        plt = pyplot(f"{type(self).__name__}.plot")
        # Each row's class as an index into `classes`; -1 for no class.
        index_of = np.full(self.embedding.shape[0], -1)
        classes = []
        if self.y is not None:
            labelled = ~unlabeled_mask(self.y)
            classes, index_of[labelled] = np.unique(
                self.y[labelled], return_inverse=True
            )
            classes = classes.tolist()
        self.collections_ = {}
        for domain, rows in (
            ("source", self.sample_domain > 0),
            ("target", self.sample_domain < 0),
        ):
            for index in [*range(len(classes)), -1]:
                keep = rows & (index_of == index)
                if not keep.any():
                    continue
                label = None if index < 0 else classes[index]
                if hue == "domain":
                    colour = DOMAIN_COLOURS[domain]
                    marker = "." if index < 0 else CLASS_MARKERS[index % 10]
                else:
                    colour = "grey" if index < 0 else class_colour(index)
                    marker = DOMAIN_MARKERS[domain]
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
        handles = [
            plt.Line2D([], [], ls="", marker="o", color=DOMAIN_COLOURS[d], label=d)
            for d in ("source", "target")
        ]
        if hue == "class":
            handles = [
                plt.Line2D(
                    [], [], ls="", marker=DOMAIN_MARKERS[d], color="grey", label=d
                )
                for d in ("source", "target")
            ]
        ax.legend(handles=handles, loc="best", fontsize=8)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

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
            Its ``transform(X, sample_domain=...)`` gives the features drawn
            (a fitted domain-adaptation net gives its learned features);
            None draws ``X`` itself.

        X : array-like of shape (n_samples, ...)
            Source and target rows; images are flattened.

        y : array-like of shape (n_samples,), default=None
            Classes, to mark the points (target labels too: they only draw).

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; inferred from ``y`` (``-1``/``NaN`` rows are target
            rows) when None.

        method : {"pca", "tsne"}, default="pca"
            The two dimensions: the first principal components, or t-SNE
            (slower, and its distances mean less).

        measure : bool, default=True
            Compute the MMD test (``n_permutations``) and the proxy
            A-distance of the features for the title.

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

        rng = check_random_state(random_state)
        sample_domain = check_sample_domain(sample_domain, _num_samples(X), y=y)
        shown = np.concatenate(
            [
                rng.permutation(np.flatnonzero(rows))[:max_samples]
                for rows in (sample_domain > 0, sample_domain < 0)
            ]
        )
        X_shown = X[shown]
        if estimator is None:
            features = np.asarray(X_shown, dtype=np.float64)
        else:
            features = np.asarray(
                estimator.transform(X_shown, sample_domain=sample_domain[shown])
            )
        features = features.reshape(features.shape[0], -1)
        domains = sample_domain[shown]
        pvalue = distance = None
        if measure and (domains < 0).any():
            source, target = features[domains > 0], features[domains < 0]
            seed = rng.randint(np.iinfo(np.int32).max)
            pvalue = mmd_test(
                source, target, n_permutations=n_permutations, random_state=seed
            ).pvalue
            distance = proxy_a_distance(source, target, random_state=seed)
        if name is None and estimator is not None:
            name = type(estimator).__name__
        display = cls(
            embedding=_embed(features, method, rng.randint(np.iinfo(np.int32).max)),
            sample_domain=domains,
            y=None if y is None else np.asarray(y)[shown],
            mmd_pvalue=pvalue,
            proxy_a_distance=distance,
            name=name,
        )
        return display.plot(ax=ax, hue=hue)

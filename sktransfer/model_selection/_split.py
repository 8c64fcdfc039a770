"""Splitters that keep the rows of every domain in every fold."""

from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import (
    BaseCrossValidator,
    ShuffleSplit,
    StratifiedShuffleSplit,
)
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_consistent_length, column_or_1d

from .._compat import (
    GroupsConsumerMixin,
    Interval,
    _num_samples,
    validate_parameter_constraints,
)
from .._domain import check_sample_domain, unlabeled_mask
from ._base import _NO_TARGET_HINT


def _fold_domains(name, n_samples, y, groups):
    """Domain id of every row: ``groups`` if given, else inferred from ``y``."""
    if groups is None and y is None:
        raise ValueError(
            f"{name} needs the domains of the rows: pass groups=sample_domain, "
            "or y with -1 (or NaN) on the target rows."
        )
    if y is not None:
        check_consistent_length(np.empty(n_samples), y)
    return check_sample_domain(groups, n_samples, y=y)


class DomainShuffleSplit(GroupsConsumerMixin, BaseCrossValidator):
    """Shuffle-split every domain separately, stratified on its labelled rows.

    Each domain is split on its own: the labelled rows of a source domain
    with :class:`~sklearn.model_selection.StratifiedShuffleSplit`
    (:class:`~sklearn.model_selection.ShuffleSplit` when the labels are not
    classes, or are floats of which a value holds a single row: a regression
    target with integer values, such as scikit-learn's diabetes, looks like
    classes to :func:`~sklearn.utils.multiclass.type_of_target`), its
    unlabeled rows with
    :class:`~sklearn.model_selection.ShuffleSplit`; the labelled and the
    unlabeled rows of a target domain each with
    :class:`~sklearn.model_selection.ShuffleSplit`, so that no target label
    decides a split. The parts are put back together. Every training and
    test fold therefore holds the rows of every domain in the proportions
    ``train_size`` and ``test_size``, and the class proportions of the
    labelled source rows: the unsupervised scorers of this module always
    find target rows in the validation fold, and the labelled source rows
    they weigh.

    The domains come from ``groups`` (give ``sample_domain``, as to
    scikit-learn's group splitters; with metadata routing, pass
    ``params={"groups": sample_domain, ...}``), or, when ``groups`` is None,
    from ``y``: unlabeled rows (``-1`` or ``NaN``) are target rows. Data
    without target rows is refused with a ``ValueError``: it is most often a
    ``y`` that still holds the target labels, on which every label-free
    scorer would fail.

    Parameters
    ----------
    n_splits : int, default=5
        Number of re-shuffling and splitting iterations.

    test_size : float, default=0.2
        Proportion of every domain (and of its labelled and unlabeled parts)
        in the test fold, in ``(0, 1)``; the size of each part is rounded up.

    train_size : float or None, default=None
        Proportion in the training fold; None means the complement of
        ``test_size``.

    random_state : int, RandomState instance or None, default=None
        Controls the shuffling; an int gives the same splits at every call
        of ``split``.

    See Also
    --------
    LeaveOneDomainOut : Hold out whole source domains.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.model_selection import DomainShuffleSplit
    >>> X = np.zeros((10, 1))
    >>> y = np.array([0, 0, 1, 1, 0, 1, -1, -1, -1, -1])
    >>> cv = DomainShuffleSplit(n_splits=2, test_size=0.5, random_state=0)
    >>> for train, test in cv.split(X, y):
    ...     print(y[test])
    [ 0  1  1 -1 -1]
    [ 1  0  1 -1 -1]
    """

    _parameter_constraints: dict = {
        "n_splits": [Interval(Integral, 1, None, closed="left")],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "train_size": [Interval(Real, 0, 1, closed="neither"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self, n_splits=5, *, test_size=0.2, train_size=None, random_state=None
    ):
        self.n_splits = n_splits
        self.test_size = test_size
        self.train_size = train_size
        self.random_state = random_state

    def _check_params(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: getattr(self, name) for name in self._parameter_constraints},
            caller_name=type(self).__name__,
        )
        if self.train_size is not None and self.train_size + self.test_size > 1:
            raise ValueError(
                f"train_size + test_size must be at most 1; got train_size="
                f"{self.train_size} and test_size={self.test_size}."
            )

    def split(self, X, y=None, groups=None):
        """Generate the indices of the training and test folds.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Source and target rows; only their number is used.

        y : array-like of shape (n_samples,), default=None
            Labels, ``-1`` or ``NaN`` on unlabeled rows: the labelled rows of
            each source domain are stratified; in a target domain the labelled
            and the unlabeled rows are split apart, each at random, and no
            target label is read. Without ``groups`` the unlabeled rows are
            the target rows.

        groups : array-like of shape (n_samples,), default=None
            ``sample_domain``: ``> 0`` source, ``< 0`` target domain ids.

        Yields
        ------
        train : ndarray
            The training set indices for that split, sorted.

        test : ndarray
            The testing set indices for that split, sorted.
        """
        self._check_params()
        n_samples = _num_samples(X)
        name = type(self).__name__
        domains = _fold_domains(name, n_samples, y, groups)
        if not np.any(domains < 0):
            # Every fold would lack the target rows that the scorers of this
            # module need; inside a search they would fail on every fold.
            raise ValueError(
                f"{name} found no target rows: no negative id in groups (or, "
                "without groups, no -1 or NaN in y). "
                f"{_NO_TARGET_HINT}. To split the rows of a single domain, use "
                "sklearn.model_selection.StratifiedShuffleSplit."
            )
        if y is None:
            labeled = np.zeros(n_samples, dtype=bool)
        else:
            y = column_or_1d(np.asarray(y))
            labeled = ~unlabeled_mask(y)
        rng = check_random_state(self.random_state)
        parts = []
        for domain in np.unique(domains):
            for is_labeled in (True, False):
                rows = np.flatnonzero((domains == domain) & (labeled == is_labeled))
                if rows.size:
                    # Target labels decide no split: where a benchmark keeps
                    # them in y, stratifying on them would let them steer the
                    # selection. Only whether a target row is labelled counts.
                    labels = y[rows] if is_labeled and domain > 0 else None
                    seed = rng.randint(np.iinfo(np.int32).max)
                    parts.append(self._split_part(rows, labels, seed, domain))
        for folds in zip(*parts, strict=True):
            train = np.sort(np.concatenate([train for train, _ in folds]))
            test = np.sort(np.concatenate([test for _, test in folds]))
            yield train, test

    def _split_part(self, rows, labels, seed, domain):
        """The ``n_splits`` (train, test) pairs of one domain's rows."""
        options = {
            "n_splits": self.n_splits,
            "test_size": self.test_size,
            "train_size": self.train_size,
            "random_state": seed,
        }
        stratify = labels is not None and type_of_target(labels) in (
            "binary",
            "multiclass",
        )
        if stratify and labels.dtype.kind == "f":
            # Whole numbers in a float array, some of them on a single row:
            # a regression target (an integer class of one row still fails
            # below, with the reason).
            stratify = np.unique(labels, return_counts=True)[1].min() >= 2
        splitter = (
            StratifiedShuffleSplit(**options) if stratify else ShuffleSplit(**options)
        )
        kind = "labelled" if labels is not None else "unlabeled"
        try:
            folds = list(splitter.split(np.empty((rows.size, 1)), labels))
        except ValueError as error:
            raise ValueError(
                f"{type(self).__name__} cannot split the {rows.size} {kind} rows of "
                f"domain {domain}: {error}"
            ) from error
        return [(rows[train], rows[test]) for train, test in folds]

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splitting iterations, ``n_splits``.

        Parameters
        ----------
        X, y, groups : object
            Ignored, exist for compatibility.

        Returns
        -------
        n_splits : int
            Returns the number of splitting iterations in the cross-validator.
        """
        return self.n_splits


class LeaveOneDomainOut(GroupsConsumerMixin, BaseCrossValidator):
    """Hold each source domain out in turn, as an unseen labelled test domain.

    With several source domains, split ``k`` (in increasing order of the
    source domain ids) has:

    - **train**: every row of the other source domains, and every target row
      (so that an adaptation method still adapts to the real target);
    - **test**: every row of the ``k``-th source domain.

    The held-out domain plays the part of a shifted domain whose labels are
    known: scored with a supervised scoring (the estimator's ``score``, which
    treats rows as target rows and skips unlabeled ones, or any scikit-learn
    scorer), each split measures how well a model trained on the other
    sources carries over to a domain it never saw. That is the quantity to
    maximise when choosing hyper-parameters under the assumption that the
    target is about as far from the sources as they are from each other.
    The held-out domain's labels never reach the fit, which is why its rows
    are not in the training fold as unlabeled target rows: a splitter only
    gives indices and cannot hide labels. (skada's ``LeaveOneDomainOut``
    makes the held-out domain the target of the training fold, which needs
    a data set that holds every domain twice, once labelled and once masked.)
    The test fold holds no target row: the unsupervised scorers of this
    module, which need target rows, do not apply.

    ``groups`` (``sample_domain``: ``> 0`` source, ``< 0`` target) is
    required; with metadata routing, pass ``params={"groups": sample_domain}``.

    See Also
    --------
    DomainShuffleSplit : Shuffle-split every domain.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.model_selection import LeaveOneDomainOut
    >>> sample_domain = np.array([1, 1, 2, 2, 3, -1, -1])
    >>> cv = LeaveOneDomainOut()
    >>> cv.get_n_splits(groups=sample_domain)
    3
    >>> for train, test in cv.split(np.zeros((7, 1)), groups=sample_domain):
    ...     print(train, test)
    [2 3 4 5 6] [0 1]
    [0 1 4 5 6] [2 3]
    [0 1 2 3 5 6] [4]
    """

    def _source_domains(self, n_samples, groups):
        name = type(self).__name__
        if groups is None:
            raise ValueError(
                f"{name} needs groups=sample_domain (> 0 source, < 0 target "
                "domain ids) to hold source domains out."
            )
        domains = check_sample_domain(groups, n_samples)
        sources = np.unique(domains[domains > 0])
        if sources.size < 2:
            raise ValueError(
                f"{name} needs at least two source domains (distinct positive "
                f"ids in groups); got {sources.size}: {sources.tolist()}."
            )
        return domains, sources

    def split(self, X, y=None, groups=None):
        """Generate the indices of the training and test folds.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Source and target rows; only their number is used.

        y : object
            Ignored, exists for compatibility.

        groups : array-like of shape (n_samples,)
            ``sample_domain`` of the rows.

        Yields
        ------
        train : ndarray
            The other source domains and the target rows.

        test : ndarray
            The rows of the held-out source domain.
        """
        domains, sources = self._source_domains(_num_samples(X), groups)
        for source in sources:
            yield np.flatnonzero(domains != source), np.flatnonzero(domains == source)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of source domains in ``groups``.

        Parameters
        ----------
        X, y : object
            Ignored, exist for compatibility.

        groups : array-like of shape (n_samples,)
            ``sample_domain`` of the rows.

        Returns
        -------
        n_splits : int
            Returns the number of splitting iterations in the cross-validator.
        """
        n_samples = None if groups is None else np.asarray(groups).shape[0]
        return self._source_domains(n_samples, groups)[1].size

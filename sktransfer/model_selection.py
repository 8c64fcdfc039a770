"""Model selection for domain adaptation: splitters and validation scorers.

Choosing the hyper-parameters of an adaptation method needs a score of the
target risk, and the target rows carry no label. This module gives
:class:`~sklearn.model_selection.GridSearchCV` and
:func:`~sklearn.model_selection.cross_val_score` what they need:

- **splitters** that keep source and target rows in every fold:
  :class:`DomainShuffleSplit` and, with several source domains,
  :class:`LeaveOneDomainOut`;
- **scorers** that estimate the target risk without target labels:
  :class:`ImportanceWeightedScorer`, :class:`DeepEmbeddedValidationScorer`,
  :class:`ReverseValidationScorer`, :class:`PredictionEntropyScorer`,
  :class:`SoftNeighborhoodDensityScorer`; and :class:`TargetLabelScorer`
  for the semi-supervised case, where a few target rows are labelled.

Every scorer is called as ``scorer(estimator, X, y, sample_domain=None)``
and is greater-is-better. The validation fold's domains come from
``sample_domain`` when it is given (scikit-learn passes it when metadata
routing is enabled: the scorers request it by default), else from ``y``
(``-1``/``NaN`` rows are target rows), as everywhere in sktransfer (see
:mod:`sktransfer._domain`). The unsupervised scorers never read a label of a
target row.

Examples
--------
>>> import sklearn
>>> from sklearn.model_selection import cross_val_score
>>> from sklearn.preprocessing import StandardScaler
>>> from sktransfer import SourceOnlyClassifier, make_da_pipeline
>>> from sktransfer.datasets import make_biased_selection
>>> from sktransfer.model_selection import (
...     DomainShuffleSplit, PredictionEntropyScorer)
>>> X, y, sample_domain = make_biased_selection(
...     "wine", return_X_y=True, random_state=0)
>>> pipe = make_da_pipeline(StandardScaler(), SourceOnlyClassifier())
>>> with sklearn.config_context(enable_metadata_routing=True):
...     scores = cross_val_score(
...         pipe, X, y, cv=DomainShuffleSplit(n_splits=3, random_state=0),
...         scoring=PredictionEntropyScorer(),
...         params={"sample_domain": sample_domain, "groups": sample_domain})
>>> scores.shape, bool((scores <= 0).all())
((3,), True)
"""

import functools
import re
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy.special import logsumexp
from sklearn.base import BaseEstimator, clone, is_classifier, is_regressor
from sklearn.dummy import DummyClassifier
from sklearn.metrics import get_scorer, get_scorer_names
from sklearn.model_selection import (
    BaseCrossValidator,
    ShuffleSplit,
    StratifiedKFold,
    StratifiedShuffleSplit,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metadata_routing import (
    UNCHANGED,
    MetadataRequest,
    get_routing_for_object,
)
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ._compat import (
    GroupsConsumerMixin,
    HasMethods,
    Interval,
    StrOptions,
    _num_samples,
    _routing_enabled,
    validate_parameter_constraints,
)
from ._domain import DomainData, _take_rows, check_sample_domain, unlabeled_mask
from ._selection_display import ModelSelectionDisplay
from .pipeline import DAPipeline, _accepts_sample_domain
from .reweight import DensityRatioWeighter

__all__ = [
    "BaselineUnlessBetter",
    "DeepEmbeddedValidationScorer",
    "DomainShuffleSplit",
    "ImportanceWeightedScorer",
    "LeaveOneDomainOut",
    "ModelSelectionDisplay",
    "PredictionEntropyScorer",
    "ReverseValidationScorer",
    "SoftNeighborhoodDensityScorer",
    "TargetLabelScorer",
]

# Floor of a probability inside a log loss, as sklearn.metrics.log_loss had.
_LOG_LOSS_EPS = 1e-15
_SCORING = [StrOptions(set(get_scorer_names())), callable]
_ROUTING_HINT = (
    "enable scikit-learn's metadata routing "
    "(sklearn.set_config(enable_metadata_routing=True)) and pass "
    "params={'sample_domain': sample_domain}, or call the scorer with "
    "sample_domain=..."
)


# --------------------------------------------------------------------------
# Splitters
# --------------------------------------------------------------------------


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
    from ``y``: unlabeled rows (``-1`` or ``NaN``) are target rows.

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
        domains = _fold_domains(type(self).__name__, n_samples, y, groups)
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


# --------------------------------------------------------------------------
# What the scorers share: the fold's rows, calls with sample_domain,
# probabilities, features.
# --------------------------------------------------------------------------


def _task(estimator):
    if is_classifier(estimator):
        return "classification"
    if is_regressor(estimator):
        return "regression"
    return None


@dataclass(frozen=True)
class _Fold(DomainData):
    """The rows of a validation fold, their domains, and every labelled row.

    ``X`` is kept as given (the fitted estimator validates it), and
    ``labeled`` marks every labelled row, target rows included.
    """

    given: bool  # whether sample_domain was passed, rather than inferred

    @property
    def labeled_source(self):
        return self.labeled & self.source

    def rows(self, mask):
        """``X`` and ``sample_domain`` of the rows selected by ``mask``."""
        return _take_rows(self.X, mask), self.sample_domain[mask]


def _read_fold(estimator, X, y, sample_domain):
    n_samples = _num_samples(X)
    task = _task(estimator)
    if y is not None:
        y = column_or_1d(np.asarray(y))
        check_consistent_length(np.empty(n_samples), y)
        labeled = ~unlabeled_mask(y, task=task)
    else:
        labeled = np.zeros(n_samples, dtype=bool)
    domains = check_sample_domain(sample_domain, n_samples, y=y, task=task)
    return _Fold(X, y, domains, labeled, sample_domain is not None)


def _domain_kwargs(estimator, method, sample_domain):
    """``{"sample_domain": ...}`` when ``estimator.method`` takes it, else ``{}``.

    With metadata routing, whatever the estimator's routing says it consumes.
    Without, a pipeline's inference methods take no ``sample_domain`` (a
    :class:`~sktransfer.DAPipeline` only passes it on in ``fit``), and any
    other estimator takes it when the method has a ``sample_domain``
    parameter.
    """
    if _routing_enabled():
        consumed = get_routing_for_object(estimator).consumes(method, ["sample_domain"])
        accepts = bool(consumed)
    elif isinstance(estimator, Pipeline):
        accepts = (
            method == "fit"
            and isinstance(estimator, DAPipeline)
            and any(_accepts_sample_domain(step) for _, step in estimator.steps)
        )
    else:
        accepts = _accepts_sample_domain(estimator, method)
    return {"sample_domain": sample_domain} if accepts else {}


def _call(estimator, method, X, sample_domain):
    """``estimator.method(X)``, with ``sample_domain`` when it takes it."""
    kwargs = _domain_kwargs(estimator, method, sample_domain)
    return getattr(estimator, method)(X, **kwargs)


class _DomainBound:
    """A fitted estimator whose response methods get the rows' ``sample_domain``.

    scikit-learn scorers call ``estimator.predict(X)`` (or ``predict_proba``,
    ``decision_function``) without metadata; this view passes the
    ``sample_domain`` of the scored rows, so that any scorer scores source
    rows as source rows. With ``encoder``, the estimator was fitted on the
    label codes of that :class:`~sklearn.preprocessing.LabelEncoder`, and the
    view answers in the original labels. Everything else is the estimator's.
    """

    _METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function")

    def __init__(self, estimator, sample_domain, encoder=None):
        self._estimator = estimator
        self._sample_domain = sample_domain
        self._encoder = encoder

    def __getattr__(self, name):
        attribute = getattr(self._estimator, name)
        if name == "classes_" and self._encoder is not None:
            return self._encoder.inverse_transform(attribute)
        if name not in self._METHODS:
            return attribute

        @functools.wraps(attribute)
        def method(X):
            result = _call(self._estimator, name, X, self._sample_domain)
            if name == "predict" and self._encoder is not None:
                result = self._encoder.inverse_transform(result)
            return result

        return method

    def __sklearn_tags__(self):
        return get_tags(self._estimator)


def _resolve_scoring(scoring, estimator):
    """A scikit-learn scorer: ``scoring``, or weighted accuracy / negative MSE."""
    if scoring is None:
        if is_classifier(estimator):
            scoring = "accuracy"
        elif is_regressor(estimator):
            scoring = "neg_mean_squared_error"
        else:
            raise ValueError(
                f"Cannot tell whether {type(estimator).__name__} is a classifier "
                "or a regressor: pass scoring."
            )
    return get_scorer(scoring)


def _check_has(estimator, method, name):
    if not hasattr(estimator, method):
        raise ValueError(
            f"{name} needs an estimator with {method}; "
            f"{type(estimator).__name__} has none."
        )


def _probabilities(estimator, X, sample_domain, name):
    """``predict_proba`` of the rows, as a float array."""
    _check_has(estimator, "predict_proba", name)
    return np.asarray(_call(estimator, "predict_proba", X, sample_domain), dtype=float)


def _features(estimator, X, sample_domain):
    """The representation the estimator predicts from, as a 2-D array.

    ``estimator.transform(X)`` when the estimator has one (a deep net's
    learned features), else for a pipeline the transform of every step but
    the last, else ``X`` itself.
    """
    if hasattr(estimator, "transform"):
        Z = _call(estimator, "transform", X, sample_domain)
    elif isinstance(estimator, Pipeline) and len(estimator) > 1:
        Z = _call(estimator[:-1], "transform", X, sample_domain)
    else:
        Z = X
    if hasattr(Z, "detach"):  # a torch tensor
        Z = Z.detach().cpu().numpy()
    Z = np.asarray(Z, dtype=float)
    return Z.reshape(Z.shape[0], -1)


def _row_losses(estimator, X, y, sample_domain, loss, name):
    """The loss of every row: log loss, zero-one loss or squared error."""
    if loss == "log_loss":
        proba = _probabilities(estimator, X, sample_domain, name)
        column = {label: k for k, label in enumerate(estimator.classes_)}
        p_true = np.array(
            [
                proba[i, column[label]] if label in column else 0.0
                for i, label in enumerate(y)
            ]
        )
        return -np.log(np.clip(p_true, _LOG_LOSS_EPS, 1.0))
    y_pred = np.asarray(_call(estimator, "predict", X, sample_domain))
    if loss == "zero_one":
        return (y_pred != y).astype(float)
    return (y_pred.astype(float) - y.astype(float)) ** 2


def _control_variate_risk(losses, weights):
    """Importance-weighted risk with You et al.'s control variate.

    ``L = W * l``, ``eta = -Cov(L, W) / Var(W)`` and the risk is
    ``mean(L) + eta * mean(W) - eta``: ``W`` has expectation one under the
    source distribution, so the correction has expectation zero and cancels
    the part of ``mean(L)``'s variance that comes from the weights.
    """
    weighted = weights * losses
    var = np.var(weights, ddof=1) if weights.size > 1 else 0.0
    eta = -np.cov(weighted, weights)[0, 1] / var if var > 0 else 0.0
    return float(np.mean(weighted) + eta * np.mean(weights) - eta)


# --------------------------------------------------------------------------
# Scorers
# --------------------------------------------------------------------------


class _BaseDomainScorer(BaseEstimator):
    """``scorer(estimator, X, y, sample_domain=None)``, greater is better.

    It requests ``sample_domain`` by default, so that with metadata routing
    :func:`~sklearn.model_selection.cross_validate` and
    :class:`~sklearn.model_selection.GridSearchCV` pass the validation fold's
    domains. Subclasses implement ``_score(estimator, fold)``.
    """

    #: Whether the score needs labelled source rows in the validation fold.
    _needs_labeled_source = False

    def __call__(self, estimator, X, y=None, sample_domain=None):
        """Score a fitted estimator on a validation fold.

        Parameters
        ----------
        estimator : estimator instance
            The fitted estimator to score.

        X : array-like of shape (n_samples, ...)
            The validation fold, source and target rows together.

        y : array-like of shape (n_samples,), default=None
            Labels, ``-1`` or ``NaN`` on unlabeled rows. Without
            ``sample_domain``, unlabeled rows are the target rows.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids: ``> 0`` source, ``< 0`` target.

        Returns
        -------
        score : float
            Greater is better.
        """
        self._validate_params()
        fold = _read_fold(estimator, X, y, sample_domain)
        self._check_fold(fold)
        return float(self._score(estimator, fold))

    def _check_fold(self, fold):
        name = type(self).__name__
        if not fold.target.any():
            raise ValueError(
                f"{name} found no target rows in the validation fold: mark them "
                "with a negative sample_domain (routed to the scorer) or with the "
                "label -1 (NaN for regression), and split with a splitter that "
                "keeps target rows in every fold, such as DomainShuffleSplit."
            )
        if self._needs_labeled_source and not fold.labeled_source.any():
            raise ValueError(
                f"{name} found no labelled source rows in the validation fold; "
                "it scores the estimator on them."
            )

    def set_score_request(self, *, sample_domain=UNCHANGED):
        """Request ``sample_domain`` to be passed to the scorer, or not.

        Only available with metadata routing enabled
        (``sklearn.set_config(enable_metadata_routing=True)``). The scorer
        requests ``sample_domain`` by default.

        Parameters
        ----------
        sample_domain : bool, str or None, default=UNCHANGED
            ``True``: request it; ``False``: do not; ``None``: error if
            passed; a string: an alias.

        Returns
        -------
        self : object
            The scorer.
        """
        if not _routing_enabled():
            raise RuntimeError(
                "This method is only available when metadata routing is enabled."
                " You can enable it using"
                " sklearn.set_config(enable_metadata_routing=True)."
            )
        request = self._get_metadata_request()
        if sample_domain is not UNCHANGED:
            request.score.add_request(param="sample_domain", alias=sample_domain)
        self._metadata_request = request
        return self

    def _get_metadata_request(self):
        if hasattr(self, "_metadata_request"):
            return get_routing_for_object(self._metadata_request)
        request = MetadataRequest(owner=self)
        request.score.add_request(param="sample_domain", alias=True)
        return request


class ImportanceWeightedScorer(_BaseDomainScorer):
    """Importance-weighted validation: the source risk weighted by ``P_T / P_S``.

    Under covariate shift, the loss of labelled source rows weighted by the
    density ratio ``beta(x) = P_T(x) / P_S(x)`` estimates the target risk
    without a target label (importance-weighted cross-validation,
    Sugiyama et al. 2007). The scorer fits a clone of ``weighter`` on the
    validation fold's rows (source and target, never their labels), predicts
    the labelled source rows and returns the ``beta``-weighted ``scoring``.

    The source rows are predicted with their own ``sample_domain`` when the
    estimator takes it (see :class:`TargetLabelScorer` for the rule): with
    metadata routing off, a pipeline predicts them as target rows.

    Parameters
    ----------
    weighter : weighter, default=None
        A weighter of the package (fitted as
        ``weighter.fit(X, sample_domain=...)``, weights of the source rows in
        ``weights_``), cloned at every call. Image arrays are weighed as flat
        vectors. None means
        ``DensityRatioWeighter(method="classifier")``: a logistic regression
        of source against target rows on standardised features, which is
        fast, works in any dimension and, unlike kernel mean matching,
        returns a ratio normalised by the domain sizes, as the weighted risk
        needs.

    scoring : str or callable, default=None
        A scikit-learn scorer name, or a scorer
        ``scorer(estimator, X, y, sample_weight=...)``, weighted by ``beta``.
        None means weighted accuracy for classifiers and weighted negative
        mean squared error for regressors.

    See Also
    --------
    DeepEmbeddedValidationScorer : The same risk on learned features, with a
        control variate.

    References
    ----------
    .. [1] M. Sugiyama, M. Krauledat and K.-R. Mueller, "Covariate Shift
       Adaptation by Importance Weighted Cross Validation", Journal of
       Machine Learning Research 8, 2007.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sktransfer import SourceOnlyClassifier
    >>> from sktransfer.datasets import make_biased_selection
    >>> from sktransfer.model_selection import ImportanceWeightedScorer
    >>> X, y, sample_domain = make_biased_selection(
    ...     "wine", return_X_y=True, random_state=0)
    >>> X = StandardScaler().fit_transform(X)
    >>> clf = SourceOnlyClassifier().fit(X, y, sample_domain=sample_domain)
    >>> score = ImportanceWeightedScorer()(clf, X, y, sample_domain=sample_domain)
    >>> 0 <= score <= 1
    True
    """

    _parameter_constraints: dict = {
        "weighter": [HasMethods(["fit"]), None],
        "scoring": [*_SCORING, None],
    }
    _needs_labeled_source = True

    def __init__(self, weighter=None, scoring=None):
        self.weighter = weighter
        self.scoring = scoring

    def _score(self, estimator, fold):
        weighter = self.weighter
        if weighter is None:
            weighter = DensityRatioWeighter(method="classifier")
        X = fold.X
        if getattr(X, "ndim", 2) > 2:  # images: weighed as flat vectors
            X = np.asarray(X).reshape(X.shape[0], -1)
        weighter = clone(weighter).fit(X, sample_domain=fold.sample_domain)
        beta = np.zeros(fold.sample_domain.shape[0])
        beta[fold.source] = weighter.weights_
        weights = beta[fold.labeled_source]
        if not weights.sum() > 0:
            raise ValueError(
                f"{type(self).__name__}: every labelled source row of the "
                "validation fold got a weight of zero."
            )
        X_source, domains = fold.rows(fold.labeled_source)
        scorer = _resolve_scoring(self.scoring, estimator)
        return scorer(
            _DomainBound(estimator, domains),
            X_source,
            fold.y[fold.labeled_source],
            sample_weight=weights,
        )


class PredictionEntropyScorer(_BaseDomainScorer):
    """Minus the mean entropy of the predicted class probabilities on the target.

    A model whose target predictions are confident (low entropy) is
    preferred, as in minimum-entropy adaptation (Morerio et al. 2018):
    ``-mean_i H(p_i)`` with ``H(p) = -sum_k p_k log p_k`` over the target rows
    of the validation fold. It reads no label. Confidence is not accuracy: a
    model confidently wrong scores well, so this is a weak criterion on its
    own.

    Parameters
    ----------
    eps : float, default=1e-7
        Floor of the probabilities inside the log (``0 log 0`` counts as 0).

    See Also
    --------
    SoftNeighborhoodDensityScorer : Entropy of the neighbourhoods instead.

    References
    ----------
    .. [1] P. Morerio, J. Cavazza and V. Murino, "Minimal-Entropy Correlation
       Alignment for Unsupervised Deep Domain Adaptation", ICLR 2018.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer import SourceOnlyClassifier
    >>> from sktransfer.model_selection import PredictionEntropyScorer
    >>> X = np.array([[0.0], [1.0], [3.0], [4.0], [-1.0], [5.0]])
    >>> y = np.array([0, 0, 1, 1, -1, -1])
    >>> clf = SourceOnlyClassifier(LogisticRegression()).fit(X, y)
    >>> round(PredictionEntropyScorer()(clf, X, y), 3)
    -0.188
    """

    _parameter_constraints: dict = {"eps": [Interval(Real, 0, 1, closed="neither")]}

    def __init__(self, eps=1e-7):
        self.eps = eps

    def _score(self, estimator, fold):
        proba = _probabilities(estimator, *fold.rows(fold.target), type(self).__name__)
        entropy = -np.sum(proba * np.log(np.clip(proba, self.eps, 1.0)), axis=1)
        return -np.mean(entropy)


class SoftNeighborhoodDensityScorer(_BaseDomainScorer):
    """Soft neighbourhood density of the target predictions (Saito et al. 2021).

    A good adapted model puts target rows of a class in dense clusters. On
    the target rows of the validation fold, with ``f_i`` the L2-normalised
    ``predict_proba`` of row ``i`` (the paper finds the classifier's soft
    predictions better suited than intermediate features):

    - similarities ``s_ij = f_i . f_j``;
    - a softmax at temperature ``T`` over the other rows,
      ``P_ij = exp(s_ij / T) / sum_{l != i} exp(s_il / T)``, ``P_ii = 0``;
    - the score is the mean entropy ``mean_i -sum_{j != i} P_ij log P_ij``.

    Higher is better: many close neighbours give a flat ``P_i`` and a large
    entropy. It reads no label. It needs at least two target rows, and
    memory quadratic in their number.

    Parameters
    ----------
    T : float, default=0.05
        Temperature of the softmax, the value of the paper.

    See Also
    --------
    PredictionEntropyScorer : Entropy of the predictions themselves.

    References
    ----------
    .. [1] K. Saito, D. Kim, P. Teterwak, S. Sclaroff, T. Darrell and
       K. Saenko, "Tune it the Right Way: Unsupervised Validation of Domain
       Adaptation via Soft Neighborhood Density", ICCV 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer import SourceOnlyClassifier
    >>> from sktransfer.model_selection import SoftNeighborhoodDensityScorer
    >>> X = np.array([[0.0], [1.0], [3.0], [4.0], [0.5], [3.5], [0.2]])
    >>> y = np.array([0, 0, 1, 1, -1, -1, -1])
    >>> clf = SourceOnlyClassifier(LogisticRegression()).fit(X, y)
    >>> score = SoftNeighborhoodDensityScorer()(clf, X, y)
    >>> bool(0 < score < np.log(2))
    True
    """

    _parameter_constraints: dict = {"T": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, T=0.05):
        self.T = T

    def _score(self, estimator, fold):
        name = type(self).__name__
        proba = _probabilities(estimator, *fold.rows(fold.target), name)
        if proba.shape[0] < 2:
            raise ValueError(
                f"{name} needs at least two target rows in the validation fold; "
                f"got {proba.shape[0]}."
            )
        norms = np.linalg.norm(proba, axis=1, keepdims=True)
        features = proba / np.maximum(norms, np.finfo(float).tiny)
        logits = features @ features.T / self.T
        np.fill_diagonal(logits, -np.inf)
        log_p = logits - logsumexp(logits, axis=1, keepdims=True)
        p = np.exp(log_p)
        np.fill_diagonal(log_p, 0.0)  # P_ii = 0 adds nothing to the entropy
        return np.mean(-np.sum(p * log_p, axis=1))


class DeepEmbeddedValidationScorer(_BaseDomainScorer):
    """Deep embedded validation (You et al. 2019): weighted risk on features.

    Importance-weighted validation with the density ratio estimated where the
    model works, in its learned feature space, and a control variate that
    reduces the variance of the weighted risk:

    1. features ``z`` of every row of the validation fold: ``transform(X)``
       of the estimator when it has one (a deep net's learned features), for
       a pipeline the transform of every step but the last, else ``X``;
    2. the density ratio ``w(z) = (n_s / n_t) p(target | z) / p(source | z)``
       of each labelled source row, from a domain classifier trained on the
       features of the fold's source and target rows. The paper trains it on
       features of training source rows and target rows and weighs held-out
       source rows; here it is **cross-fitted**: the fold's rows are split
       into ``cv`` parts stratified by domain, and each part's source rows
       are weighed by a classifier fitted on the other parts, so that every
       labelled source row of the fold counts and none is weighed by a
       classifier that saw it;
    3. the loss ``l`` of each labelled source row (log loss for
       classifiers, squared error for regressors), ``L = w l``, the control
       variate ``eta = -Cov(L, w) / Var(w)`` and the risk
       ``mean(L) + eta mean(w) - eta``.

    The score is minus the risk. The source rows are predicted and
    transformed with their own ``sample_domain`` when the estimator takes
    it: with metadata routing off, a pipeline treats them as target rows.

    Parameters
    ----------
    domain_classifier : classifier, default=None
        Classifier with ``predict_proba`` of source against target features,
        cloned for every part; it sees features standardised with the
        pooled mean and standard deviation (it is the ``estimator`` of a
        :class:`~sktransfer.DensityRatioWeighter`). None means
        :class:`~sklearn.linear_model.LogisticRegression` (the paper uses a
        small network; a linear model is the stable choice on the few rows
        of a validation fold).

    loss : {"log_loss", "zero_one", "squared_error"} or None, default=None
        Loss of a row. None means ``"log_loss"`` (cross-entropy, as in the
        paper) for classifiers and ``"squared_error"`` for regressors.

    cv : int, default=5
        Number of parts of the cross-fitting, at most the number of source
        rows and of target rows of the fold.

    random_state : int, RandomState instance or None, default=None
        Shuffles the rows into parts.

    See Also
    --------
    ImportanceWeightedScorer : Weighted validation in the input space.

    References
    ----------
    .. [1] K. You, X. Wang, M. Long and M. I. Jordan, "Towards Accurate Model
       Selection in Deep Unsupervised Domain Adaptation", ICML 2019.

    Examples
    --------
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sktransfer import SourceOnlyClassifier, make_da_pipeline
    >>> from sktransfer.datasets import make_biased_selection
    >>> from sktransfer.model_selection import DeepEmbeddedValidationScorer
    >>> X, y, sample_domain = make_biased_selection(
    ...     "wine", return_X_y=True, random_state=0)
    >>> y_masked = y.copy()
    >>> y_masked[sample_domain < 0] = -1
    >>> pipe = make_da_pipeline(StandardScaler(), SourceOnlyClassifier())
    >>> pipe = pipe.fit(X, y_masked)
    >>> scorer = DeepEmbeddedValidationScorer(random_state=0)
    >>> scorer(pipe, X, y_masked) < 0
    True
    """

    _parameter_constraints: dict = {
        "domain_classifier": [HasMethods(["fit", "predict_proba"]), None],
        "loss": [StrOptions({"log_loss", "zero_one", "squared_error"}), None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
    }
    _needs_labeled_source = True

    def __init__(self, domain_classifier=None, *, loss=None, cv=5, random_state=None):
        self.domain_classifier = domain_classifier
        self.loss = loss
        self.cv = cv
        self.random_state = random_state

    def _weights(self, features, fold):
        """Cross-fitted density ratio of the labelled source rows."""
        n_splits = min(self.cv, fold.source.sum(), fold.target.sum())
        if n_splits < 2:
            raise ValueError(
                f"{type(self).__name__} cross-fits its domain classifier and needs "
                "at least two source rows and two target rows in the validation "
                "fold."
            )
        ratio = DensityRatioWeighter(
            method="classifier", estimator=self.domain_classifier
        )
        parts = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
        weights = np.zeros(fold.sample_domain.shape[0])
        for train, test in parts.split(features, fold.target):
            rows = test[fold.labeled_source[test]]
            if rows.size:
                fitted = clone(ratio).fit(
                    features[train], sample_domain=fold.sample_domain[train]
                )
                weights[rows] = fitted.predict_weights(features[rows])
        return weights[fold.labeled_source]

    def _score(self, estimator, fold):
        loss = self.loss
        if loss is None:
            loss = "log_loss" if is_classifier(estimator) else "squared_error"
        features = _features(estimator, fold.X, fold.sample_domain)
        weights = self._weights(features, fold)
        X_source, domains = fold.rows(fold.labeled_source)
        losses = _row_losses(
            estimator,
            X_source,
            fold.y[fold.labeled_source],
            domains,
            loss,
            type(self).__name__,
        )
        return -_control_variate_risk(losses, weights)


class ReverseValidationScorer(_BaseDomainScorer):
    """Reverse validation (Zhong et al. 2010): train back from the target.

    A model that labels the target well lets a model trained on those labels
    label the source well. On a validation fold:

    1. the fitted estimator pseudo-labels the fold's target rows;
    2. a clone of the estimator is fitted on the fold with the roles
       swapped: the pseudo-labelled target rows as labelled source rows, the
       source rows as unlabeled target rows (their labels are hidden, and
       ``sample_domain`` is negated when the estimator's ``fit`` takes it);
    3. the clone predicts the fold's labelled source rows (as target rows),
       and ``scoring`` compares them with their true labels.

    It reads no target label, but fits the estimator once more per call.
    When every target row gets the same pseudo-label, no classifier can be
    fitted back: the reverse model then predicts that label everywhere, with
    a warning.

    Parameters
    ----------
    scoring : str or callable, default=None
        A scikit-learn scorer name or callable, on the labelled source rows.
        None means accuracy for classifiers and negative mean squared error
        for regressors.

    See Also
    --------
    ImportanceWeightedScorer : Weighted validation on the source rows.

    References
    ----------
    .. [1] E. Zhong, W. Fan, Q. Yang, O. Verscheure and J. Ren, "Cross
       Validation Framework to Choose amongst Models and Datasets for
       Transfer Learning", ECML PKDD 2010.
    .. [2] L. Bruzzone and M. Marconcini, "Domain Adaptation Problems: A DASVM
       Classification Technique and a Circular Validation Strategy", IEEE
       TPAMI 32(5), 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sktransfer import SourceOnlyClassifier
    >>> from sktransfer.model_selection import ReverseValidationScorer
    >>> X = np.array([[0.0], [1.0], [3.0], [4.0], [0.5], [3.5]])
    >>> y = np.array([0, 0, 1, 1, -1, -1])
    >>> clf = SourceOnlyClassifier(KNeighborsClassifier(1)).fit(X, y)
    >>> ReverseValidationScorer()(clf, X, y)
    1.0
    """

    _parameter_constraints: dict = {"scoring": [*_SCORING, None]}
    _needs_labeled_source = True

    def __init__(self, scoring=None):
        self.scoring = scoring

    def _score(self, estimator, fold):
        X_target, target_domains = fold.rows(fold.target)
        pseudo = np.asarray(_call(estimator, "predict", X_target, target_domains))
        classification = is_classifier(estimator)
        X_source, source_domains = fold.rows(fold.labeled_source)
        y_source = fold.y[fold.labeled_source]
        scorer = _resolve_scoring(self.scoring, estimator)

        if classification and np.unique(pseudo).size < 2:
            warnings.warn(
                f"{type(self).__name__}: every target row got the pseudo-label "
                f"{pseudo[0]!r}; the reverse model predicts it everywhere.",
                UserWarning,
                stacklevel=3,
            )
            constant = DummyClassifier(strategy="constant", constant=pseudo[0])
            constant.fit(X_source, np.full(y_source.shape, pseudo[0]))
            return scorer(constant, X_source, y_source)

        if classification:
            # Integer codes leave -1 free to mark the (now unlabeled) source rows.
            encoder = LabelEncoder().fit(pseudo)
            y_reverse = np.full(fold.sample_domain.shape[0], -1, dtype=np.int64)
            y_reverse[fold.target] = encoder.transform(pseudo)
        else:
            encoder = None
            y_reverse = np.full(fold.sample_domain.shape[0], np.nan)
            y_reverse[fold.target] = pseudo
        swapped = -fold.sample_domain
        reverse = clone(estimator)
        reverse.fit(fold.X, y_reverse, **_domain_kwargs(reverse, "fit", swapped))
        bound = _DomainBound(reverse, swapped[fold.labeled_source], encoder)
        return scorer(bound, X_source, y_source)


class TargetLabelScorer(_BaseDomainScorer):
    """Any scikit-learn scoring on the labelled target rows only.

    In semi-supervised adaptation a few target rows are labelled: they give a
    direct, unbiased estimate of the target risk. The rows scored are those
    with ``sample_domain < 0`` and a label (not ``-1``/``NaN``); they are
    predicted with their ``sample_domain`` when the estimator takes it.

    ``sample_domain`` is required: without it, labelled rows are source rows
    by the convention, and no target row is labelled. In cross-validation
    that means metadata routing: ``sklearn.set_config(enable_metadata_routing=
    True)`` and ``params={"sample_domain": sample_domain}``.

    Parameters
    ----------
    scoring : str or callable, default="accuracy"
        A scikit-learn scorer name or callable ``scorer(estimator, X, y)``.

    See Also
    --------
    ImportanceWeightedScorer : An estimate without target labels.

    References
    ----------
    .. [1] K. Saito, D. Kim, S. Sclaroff, T. Darrell and K. Saenko,
       "Semi-supervised Domain Adaptation via Minimax Entropy", ICCV 2019
       (validation on a few labelled target rows).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sktransfer import SourceOnlyClassifier
    >>> from sktransfer.model_selection import TargetLabelScorer
    >>> X = np.array([[0.0], [1.0], [3.0], [4.0], [0.5], [3.5], [2.4]])
    >>> y = np.array([0, 0, 1, 1, 0, 0, 1])
    >>> sample_domain = np.array([1, 1, 1, 1, -1, -1, -1])
    >>> clf = SourceOnlyClassifier(KNeighborsClassifier(1)).fit(
    ...     X, y, sample_domain=sample_domain)
    >>> round(TargetLabelScorer()(clf, X, y, sample_domain=sample_domain), 3)
    0.667
    """

    _parameter_constraints: dict = {"scoring": _SCORING}

    def __init__(self, scoring="accuracy"):
        self.scoring = scoring

    def _check_fold(self, fold):
        name = type(self).__name__
        if not fold.given:
            raise ValueError(
                f"{name} needs sample_domain to tell labelled target rows from "
                "source rows (without it every labelled row is a source row): "
                f"{_ROUTING_HINT}."
            )
        if not (fold.target & fold.labeled).any():
            raise ValueError(
                f"{name} found no labelled target rows (sample_domain < 0 and a "
                "label other than -1/NaN) in the validation fold."
            )

    def _score(self, estimator, fold):
        rows = fold.target & fold.labeled
        X_target, domains = fold.rows(rows)
        scorer = get_scorer(self.scoring)
        return scorer(_DomainBound(estimator, domains), X_target, fold.y[rows])


# --------------------------------------------------------------------------
# Choosing: the best candidate only when it credibly beats the baseline
# --------------------------------------------------------------------------


class BaselineUnlessBetter:
    """A ``refit`` rule for a search: the baseline, unless a candidate beats it.

    Scorers without target labels are noisy estimates of the target risk,
    and an adapted candidate that merely looks better on them often is not.
    This rule, given as ``refit=`` to
    :class:`~sklearn.model_selection.GridSearchCV` (or called on any
    ``cv_results_``), takes the candidate with the best mean score, then
    compares it with the baseline on the same validation folds: it keeps the
    best candidate only if its mean per-fold gain over the baseline exceeds
    ``n_se`` standard errors of that gain, and returns the baseline
    otherwise. Put the source-only model in the grid as the baseline, so
    that the search rarely ends below doing nothing.

    Parameters
    ----------
    baseline : dict or int
        The baseline candidate: its parameters (every item must match one
        candidate's ``params``, such as ``{"final": SourceOnlyClassifier()}``
        compared by ``repr``) or its index in ``cv_results_``.

    scoring : str, default="score"
        The metric to compare, as named in ``cv_results_``
        (``"mean_test_<scoring>"``); ``"score"`` for a single metric.

    n_se : float, default=1.0
        How many standard errors of the per-fold gain the best candidate must
        clear. ``0`` keeps the best candidate whenever its mean gain is
        positive.

    See Also
    --------
    ImportanceWeightedScorer : The scorer this rule was measured with.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.model_selection import BaselineUnlessBetter
    >>> cv_results = {
    ...     "params": [{"C": 1}, {"C": 10}],
    ...     "mean_test_score": np.array([0.80, 0.82]),
    ...     "split0_test_score": np.array([0.70, 0.80]),
    ...     "split1_test_score": np.array([0.90, 0.84]),
    ... }
    >>> BaselineUnlessBetter({"C": 1})(cv_results)  # a gain of 0.02 +- 0.04
    0
    >>> BaselineUnlessBetter({"C": 1}, n_se=0)(cv_results)
    1
    """

    def __init__(self, baseline, *, scoring="score", n_se=1.0):
        self.baseline = baseline
        self.scoring = scoring
        self.n_se = n_se

    def __repr__(self):
        return (
            f"{type(self).__name__}({self.baseline!r}, scoring={self.scoring!r}, "
            f"n_se={self.n_se!r})"
        )

    def _baseline_index(self, params):
        if isinstance(self.baseline, Integral):
            if not 0 <= self.baseline < len(params):
                raise ValueError(
                    f"baseline={self.baseline} is not the index of one of the "
                    f"{len(params)} candidates."
                )
            return int(self.baseline)
        matches = [
            index
            for index, candidate in enumerate(params)
            if all(
                key in candidate and repr(candidate[key]) == repr(value)
                for key, value in self.baseline.items()
            )
        ]
        if len(matches) != 1:
            raise ValueError(
                f"baseline={self.baseline!r} matches {len(matches)} candidates; "
                "give parameters that single one out, or its index."
            )
        return matches[0]

    def __call__(self, cv_results):
        """The index of the candidate to refit.

        Parameters
        ----------
        cv_results : dict
            A search's ``cv_results_``, with the per-split test scores.

        Returns
        -------
        index : int
            The best candidate's index, or the baseline's.
        """
        if self.n_se < 0:
            raise ValueError(f"n_se must be non-negative; got {self.n_se}.")
        index = self._baseline_index(cv_results["params"])
        mean = np.asarray(cv_results[f"mean_test_{self.scoring}"], dtype=float)
        best = int(np.nanargmax(mean))
        split_key = re.compile(rf"split\d+_test_{re.escape(self.scoring)}")
        split_keys = [key for key in cv_results if split_key.fullmatch(key)]
        if best == index or not split_keys:
            return best
        gains = np.array(
            [cv_results[key][best] - cv_results[key][index] for key in split_keys],
            dtype=float,
        )
        se = gains.std(ddof=1) / np.sqrt(gains.size) if gains.size > 1 else 0.0
        return best if gains.mean() > self.n_se * se else index

"""What the scorers share: the fold's rows, calls with ``sample_domain``, the base.

The validation fold's rows and domains, calls that pass ``sample_domain`` to
estimators that take it, probabilities, features, row losses, and
``_BaseDomainScorer``, the scorer protocol every scorer subclasses; and the
reading of a search's ``cv_results_`` that the refit rule and the display
share.
"""

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, is_classifier, is_regressor
from sklearn.metrics import get_scorer, get_scorer_names
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import (
    UNCHANGED,
    MetadataRequest,
    get_routing_for_object,
)
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from .._compat import StrOptions, _num_samples, _routing_enabled
from .._domain import DomainData, _take_rows, check_sample_domain, unlabeled_mask
from ..pipeline import DAPipeline, _accepts_sample_domain

# Floor of a probability inside a log loss, as sklearn.metrics.log_loss had.
_LOG_LOSS_EPS = 1e-15
_SCORING = [StrOptions(set(get_scorer_names())), callable]
_ROUTING_HINT = (
    "enable scikit-learn's metadata routing "
    "(sklearn.set_config(enable_metadata_routing=True)) and pass "
    "params={'sample_domain': sample_domain}, or call the scorer with "
    "sample_domain=..."
)
# How to show the scorers the target rows, when a whole data set has none.
_NO_TARGET_HINT = (
    "If y holds the true labels of the target rows (as the data set builders' "
    "return_X_y=True gives them), mask them: y[sample_domain < 0] = -1 (NaN "
    "for regression), which works with metadata routing on or off; or enable "
    "metadata routing (sklearn.set_config(enable_metadata_routing=True)) and "
    "pass params={'sample_domain': sample_domain, 'groups': sample_domain} "
    "to the search or cross-validation"
)


def _cv_metrics(cv_results, caller):
    """The metrics of a search's ``cv_results_``: the ``<name>`` of its means."""
    if not isinstance(cv_results, Mapping):
        raise ValueError(
            f"{caller} reads a search's cv_results_, a dict; got "
            f"{type(cv_results).__name__}. Pass search.cv_results_."
        )
    prefix = "mean_test_"
    return [key[len(prefix) :] for key in cv_results if key.startswith(prefix)]


def _all_failed(key):
    """The error for a ``cv_results_`` column ``key`` that is NaN everywhere."""
    return ValueError(
        f"Every candidate's {key} is NaN: the scorer failed on the validation "
        "folds (scikit-learn's 'Scoring failed' warnings say why; "
        "error_score='raise' in the search raises the first failure). With the "
        "label-free scorers of sktransfer.model_selection this most often means "
        f"that no fold had target rows. {_NO_TARGET_HINT}."
    )


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


def _check_estimator(estimator, name):
    """Refuse an unfitted estimator, and a classifier that learned ``-1``.

    A plain classifier fitted on the one-table convention takes the
    unlabeled rows' ``-1`` for a class, and every score of it would be
    silently wrong.
    """
    check_is_fitted(estimator)
    if is_classifier(estimator):
        classes = getattr(estimator, "classes_", None)
        if (
            classes is not None
            and unlabeled_mask(np.asarray(classes), task="classification").any()
        ):
            raise ValueError(
                f"{name}: {type(estimator).__name__} has -1 among its classes_, "
                "so it was fitted on the unlabeled rows as if -1 were a class. "
                "Fit it on the labelled source rows: wrap it in "
                "SourceOnlyClassifier, or build the pipeline with "
                "make_da_pipeline, which does so (-1 is reserved for unlabeled "
                "rows; encode a class called -1 with LabelEncoder)."
            )


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


def _features(estimator, X, sample_domain, name):
    """The representation the estimator predicts from, as a dense 2-D array.

    ``estimator.transform(X)`` when the estimator has one (a deep net's
    learned features), else for a pipeline the transform of every step but
    the last, else ``X`` itself. Sparse features are refused: the domain
    classifier of ``name`` is fitted on dense ones, and making a sparse
    matrix of many columns dense can exhaust memory.
    """
    if hasattr(estimator, "transform"):
        Z = _call(estimator, "transform", X, sample_domain)
    elif isinstance(estimator, Pipeline) and len(estimator) > 1:
        Z = _call(estimator[:-1], "transform", X, sample_domain)
    else:
        Z = X
    if issparse(Z):
        raise ValueError(
            f"{name} fits its domain classifier on dense features, and the "
            f"features of {type(estimator).__name__} are a sparse matrix of shape "
            f"{Z.shape}: reduce them to a few dense columns before the model (for "
            "example with sklearn.decomposition.TruncatedSVD as a pipeline step), "
            "or score with PredictionEntropyScorer, SoftNeighborhoodDensityScorer "
            "or ReverseValidationScorer, which take sparse X."
        )
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
        _check_estimator(estimator, type(self).__name__)
        fold = _read_fold(estimator, X, y, sample_domain)
        self._check_fold(fold)
        return float(self._score(estimator, fold))

    def _check_fold(self, fold):
        name = type(self).__name__
        if not fold.target.any():
            if not fold.given and fold.labeled.all():
                # The common trap: the builders' y keeps the target labels,
                # and without routing nothing else marks the target rows.
                raise ValueError(
                    f"{name} found no target rows in the validation fold: no "
                    "sample_domain reached the scorer and y has a label on every "
                    f"row, so every row counts as a source row. {_NO_TARGET_HINT}."
                )
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

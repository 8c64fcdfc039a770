"""Source-only baselines: the "source only" row of every adaptation table.

A plain scikit-learn estimator cannot be fitted on an ``X`` that holds
unlabeled target rows: it would take ``-1`` for a class. These meta-estimators
fit any estimator on the labelled source rows alone, so that a pipeline,
cross-validation or grid search over source and target rows can compare an
adaptation method with doing nothing, under the same conventions.
"""

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    clone,
    is_classifier,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._compat import (
    HasMethods,
    _check_method_params,
    _fit_context,
    _routing_enabled,
    _safe_indexing,
)
from ._domain import DomainAwarePredictorMixin

__all__ = ["SourceOnlyClassifier", "SourceOnlyRegressor"]

# A meta-estimator leaves NaN, sparse input and dtypes to the wrapped estimator.
_PERMISSIVE = {
    "dtype": None,
    "ensure_all_finite": False,
    "accept_sparse": ["csr", "csc"],
}


def _estimator_input(X, validated):
    """What the wrapped estimator sees: a DataFrame as given, else ``validated``.

    Validation turns a DataFrame into an array, which would take from the
    wrapped estimator the column names (a ColumnTransformer that selects
    columns by name) and dtypes (HistGradientBoosting's categorical columns)
    it may need. The DataFrame holds the same rows, in the same order.
    """
    return X if hasattr(X, "iloc") else validated


def _source_only_class(estimator):
    """The source-only wrapper for ``estimator``: classifier or regressor."""
    return SourceOnlyClassifier if is_classifier(estimator) else SourceOnlyRegressor


def _fit_router(owner, children):
    """A router that sends ``owner.fit``'s metadata to each child's ``fit``.

    ``owner``'s own requests (``sample_domain``) stay with it; ``children``
    maps names to the sub-estimators that ``owner.fit`` fits.
    """
    router = MetadataRouter(owner=owner).add_self_request(owner)
    for name, child in children.items():
        router.add(
            **{name: child},
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )
    return router


def _inner_input_tags(tags, estimator):
    """``tags`` with the NaN and sparse input tags of ``estimator``, X's consumer."""
    inner = get_tags(estimator)
    tags.input_tags.allow_nan = inner.input_tags.allow_nan
    tags.input_tags.sparse = inner.input_tags.sparse
    return tags


def _estimator_has(attr):
    """Check the fitted estimator when there is one, else the unfitted one."""

    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self._default_estimator(), attr)

    return check


class _BaseSourceModel(MetaEstimatorMixin, BaseEstimator):
    """An estimator fitted on the labelled source rows, and delegation to it.

    Shared by the source-only baselines and the importance-weighted
    meta-estimators, which only differ in the ``sample_weight`` that
    :meth:`_source_weights` gives the source rows. Subclasses put
    :class:`DomainAwarePredictorMixin` first, so that its ``score`` (which
    skips unlabeled rows) wins over scikit-learn's.
    """

    _parameter_constraints: dict = {"estimator": [HasMethods(["fit", "predict"]), None]}
    # A source-only model adapts nothing, so a fit without target rows is
    # what it always does; a subclass that adapts warns.
    _warn_no_target = False

    def __init__(self, estimator=None):
        self.estimator = estimator

    def _default_estimator(self):
        return self._fallback() if self.estimator is None else self.estimator

    @_fit_context(
        # The wrapped estimator is validated by its own fit.
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, sample_domain=None, **fit_params):
        """Fit the estimator on the labelled source rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Source and target rows together.

        y : array-like of shape (n_samples,)
            Labels; ``-1`` or ``NaN`` for unlabeled rows. Target labels are
            never read, even when present.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row (``> 0`` source, ``< 0`` target); inferred
            from ``y`` when None.

        **fit_params : dict
            Metadata for the estimator's ``fit``; arrays of length
            ``n_samples`` (such as ``sample_weight``) are restricted to the
            same rows. With metadata routing off, every one is passed to the
            estimator. With it on
            (``sklearn.set_config(enable_metadata_routing=True)``), each goes
            where it is requested (``estimator.set_fit_request``), and
            metadata that nothing requests raises scikit-learn's error;
            ``sample_domain`` stays this estimator's own.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        data = self._validate_domain_data(
            X,
            y,
            sample_domain,
            labels="source",
            task=self._task,
            warn_no_target=self._warn_no_target,
            **_PERMISSIVE,
        )
        rows = data.labeled.nonzero()[0]
        self._check_source(data, rows)
        routed = self._route_fit_params(fit_params)
        fit_params = _check_method_params(
            data.X, routed["estimator"]["fit"], indices=rows
        )
        given = routed["estimator"]["fit"]
        for param, weights in self._source_weights(X, data, rows, routed).items():
            # A weight given to fit under the same name multiplies these: it
            # must be one per row of X, then restricted to the training rows.
            if np.ndim(given.get(param)) and len(given[param]) != data.X.shape[0]:
                raise ValueError(
                    f"{param} has {len(given[param])} entries but X has "
                    f"{data.X.shape[0]} rows; give one weight per row."
                )
            fit_params[param] = weights * fit_params.get(param, 1.0)
        X_estimator = _estimator_input(X, data.X)
        self.estimator_ = clone(self._default_estimator())
        self.estimator_.fit(
            _safe_indexing(X_estimator, rows), data.y[rows], **fit_params
        )
        self._fit_target(X_estimator, data, rows, fit_params)
        return self

    def _check_source(self, data, rows):
        """Refuse, before any fit, parameters the training rows ``rows`` rule out."""

    def _fit_target(self, X, data, rows, fit_params):
        """What a subclass learns beside ``estimator_``; nothing here.

        ``X`` holds every row as the estimator takes them (see
        :func:`_estimator_input`); ``fit_params`` are the estimator's,
        restricted to the training rows ``rows``.
        """

    def _route_fit_params(self, fit_params):
        """Metadata of each child's ``fit``, per :meth:`get_metadata_routing`."""
        if _routing_enabled():
            return process_routing(self, "fit", **fit_params)
        # Without routing, everything goes to the estimator, as before
        # routing existed; the other children get nothing.
        routed = {name: {"fit": {}} for name in self._children()}
        routed["estimator"]["fit"] = fit_params
        return routed

    def _children(self):
        """The sub-estimators that may receive ``fit`` metadata, by name."""
        return {"estimator": self._default_estimator()}

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        ``sample_domain`` is requested by this estimator itself; the metadata
        of ``fit`` go to the sub-estimators that request them.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter`
            encapsulating the routing information.
        """
        return _fit_router(self, self._children())

    def _source_weights(self, X, data, rows, routed):
        """Weights of the training rows ``rows``, by the estimator's fit parameter.

        ``{"sample_weight": weights}``, or the name under which the
        estimator takes them (a Pipeline's final step's); empty for uniform
        weights. ``routed`` holds the ``fit`` metadata of each child.
        """
        return {}

    def _delegate(self, method, X, sample_domain):
        check_is_fitted(self)
        validated, _ = self._validate_predict_data(X, sample_domain, **_PERMISSIVE)
        return getattr(self.estimator_, method)(_estimator_input(X, validated))

    def predict(self, X, sample_domain=None):
        """Predict with the estimator fitted on the source rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; a source-only model ignores them beyond validation.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions.
        """
        return self._delegate("predict", X, sample_domain)

    def __sklearn_tags__(self):
        return _inner_input_tags(super().__sklearn_tags__(), self._default_estimator())


class _ClassifierDelegation:
    """Classifier methods delegated to the fitted ``estimator_``."""

    @property
    def classes_(self):
        """Class labels seen in the source rows."""
        return self.estimator_.classes_

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X, sample_domain=None):
        """Class probabilities; parameters as in :meth:`predict`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, columns ordered as ``classes_``.
        """
        return self._delegate("predict_proba", X, sample_domain)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X, sample_domain=None):
        """Log of the class probabilities; parameters as in :meth:`predict`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class.
        """
        return self._delegate("predict_log_proba", X, sample_domain)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X, sample_domain=None):
        """Decision function; parameters as in :meth:`predict`.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Decision scores of the wrapped classifier.
        """
        return self._delegate("decision_function", X, sample_domain)


class SourceOnlyClassifier(
    DomainAwarePredictorMixin, ClassifierMixin, _ClassifierDelegation, _BaseSourceModel
):
    """Classifier fitted on the labelled source rows only.

    The reference every adaptation method is measured against: it ignores
    target rows in ``fit`` (and target labels, even when present) and
    predicts target rows with the source model.

    Parameters
    ----------
    estimator : classifier, default=None
        The classifier to fit; a :class:`~sklearn.linear_model.LogisticRegression`
        when None. It is cloned, never fitted in place.

    Attributes
    ----------
    estimator_ : classifier
        The classifier fitted on the labelled source rows.

    classes_ : ndarray of shape (n_classes,)
        Class labels seen in the source rows.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    SourceOnlyRegressor : The regression counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer import SourceOnlyClassifier
    >>> X = np.array([[0.0], [1.0], [0.1], [0.9], [0.5]])
    >>> y = np.array([0, 1, 0, 1, -1])  # the last row is an unlabeled target row
    >>> clf = SourceOnlyClassifier().fit(X, y)
    >>> clf.classes_
    array([0, 1])
    """

    _task = "classification"

    @staticmethod
    def _fallback():
        return LogisticRegression()


class SourceOnlyRegressor(DomainAwarePredictorMixin, RegressorMixin, _BaseSourceModel):
    """Regressor fitted on the labelled source rows only.

    Unlabeled rows carry ``NaN`` in ``y`` (or are marked by a negative
    ``sample_domain``); target values are never read.

    Parameters
    ----------
    estimator : regressor, default=None
        The regressor to fit; a :class:`~sklearn.linear_model.Ridge` when None.

    Attributes
    ----------
    estimator_ : regressor
        The regressor fitted on the labelled source rows.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    SourceOnlyClassifier : The classification counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer import SourceOnlyRegressor
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> y = np.array([0.0, 2.0, 4.0, np.nan])  # the last row is a target row
    >>> SourceOnlyRegressor().fit(X, y).predict(X[3:]).round(1)
    array([4.7])
    """

    _task = "regression"

    @staticmethod
    def _fallback():
        return Ridge()

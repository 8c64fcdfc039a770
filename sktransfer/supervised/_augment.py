"""Feature augmentation (Daume III, "frustratingly easy domain adaptation").

Every row is copied into a block shared by all domains and into a block of
its own domain, the other domains' blocks left at zero: ``[x, x, 0]`` for a
source row and ``[x, 0, x]`` for a target row. One model fitted on the
augmented rows of both domains learns weights shared by the domains (the
first block) and a correction per domain (the others); its regularisation
decides how much the few target labels move the target's correction away
from the shared weights.
"""

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.validation import check_is_fitted

from .._compat import HasMethods, _check_feature_names_in, _fit_context
from .._domain import (
    TARGET,
    DomainAwarePredictorMixin,
    DomainAwareTransformerMixin,
    check_sample_domain,
)
from ..baseline import _ClassifierDelegation
from ._base import _BaseFewLabels

__all__ = [
    "FeatureAugmentedClassifier",
    "FeatureAugmentedRegressor",
    "FeatureAugmenter",
]

# Augmentation copies values into blocks: numbers, NaN kept (a model that
# takes NaN takes them in every block), sparse kept sparse.
_NUMERIC = {"accept_sparse": ["csr", "csc"], "ensure_all_finite": "allow-nan"}


def _block_name(domain):
    return f"source{domain}" if domain > 0 else f"target{-domain}"


class FeatureAugmenter(DomainAwareTransformerMixin, BaseEstimator):
    """Copy each row into a block shared by all domains and a block of its own.

    With one source and one target domain a source row ``x`` becomes
    ``[x, x, 0]`` and a target row ``[x, 0, x]``; with several domains every
    domain seen in ``fit`` gets a block, source domains first (by id), then
    target domains (``-1``, ``-2``, ...); a fit without target rows warns and
    keeps a block for the target domain ``-1``. ``transform`` treats rows as target
    rows unless ``sample_domain`` says otherwise (the target domain of the
    fit when there is one); a row of a domain the fit did not see is refused.

    A model fitted on the augmented labelled rows of every domain learns
    what the domains share and what each adds; :class:`FeatureAugmentedClassifier`
    and :class:`FeatureAugmentedRegressor` do this around any estimator.

    Parameters
    ----------
    domain_indicators : bool, default=True
        Append one column per domain, 1 on the rows of that domain: a
        constant feature in each domain's block, so that a model learns a
        level of each domain (an intercept per domain) beside the shared
        one. Daume III's feature vectors carry such a bias feature; without
        it a shift of the target's level is out of the augmented model's
        reach.

    Attributes
    ----------
    domains_ : ndarray of int
        The domain ids, in the order of their blocks after the shared one.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    FeatureAugmentedClassifier : A classifier on the augmented rows.

    References
    ----------
    .. [1] H. Daume III, "Frustratingly easy domain adaptation", ACL 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.supervised import FeatureAugmenter
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> sample_domain = np.array([1, -1])
    >>> augmenter = FeatureAugmenter(domain_indicators=False)
    >>> augmenter.fit_transform(X, sample_domain=sample_domain)
    array([[1., 2., 1., 2., 0., 0.],
           [3., 4., 0., 0., 3., 4.]])
    >>> FeatureAugmenter().fit_transform(X, sample_domain=sample_domain)
    array([[1., 2., 1., 2., 0., 0., 1., 0.],
           [3., 4., 0., 0., 3., 4., 0., 1.]])
    """

    _parameter_constraints: dict = {"domain_indicators": ["boolean"]}

    def __init__(self, domain_indicators=True):
        self.domain_indicators = domain_indicators

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_domain=None):
        """Record the domains, one block each.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows of every domain.

        y : array-like of shape (n_samples,), default=None
            Labels; only used to infer the domains when ``sample_domain`` is
            None (unlabeled rows are target rows).

        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        data = self._validate_domain_data(X, y, sample_domain, labels=None, **_NUMERIC)
        domains = np.unique(data.sample_domain)
        sources, targets = domains[domains > 0], domains[domains < 0][::-1]
        if targets.size == 0:
            # Without target rows (a warning said so) new rows, target rows
            # by default, still get a block: an empty one at fit time.
            targets = np.array([TARGET])
        self.domains_ = np.concatenate([sources, targets])
        return self

    def _domains_of(self, sample_domain, n_samples):
        if sample_domain is None:
            targets = self.domains_[self.domains_ < 0]
            # Rows are target rows: those of the fit's target domain, when
            # it had exactly one.
            default = targets[0] if targets.shape[0] == 1 else TARGET
            return np.full(n_samples, default, dtype=np.int64)
        return check_sample_domain(sample_domain, n_samples)

    def transform(self, X, sample_domain=None):
        """Augment rows: the shared block, then one block per domain.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to augment.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row; None means the target domain.

        Returns
        -------
        X_new : ndarray or sparse matrix of shape (n_samples, n_features_out)
            The augmented rows, ``n_features_out = n_features * (1 +
            n_domains)``, plus ``n_domains`` with ``domain_indicators``;
            sparse when ``X`` is.
        """
        check_is_fitted(self)
        X, _ = self._validate_predict_data(X, None, **_NUMERIC)
        domains = self._domains_of(sample_domain, X.shape[0])
        unknown = np.setdiff1d(domains, self.domains_)
        if unknown.size:
            raise ValueError(
                f"sample_domain holds domains {unknown.tolist()} that the fit did "
                f"not see; FeatureAugmenter has blocks for {self.domains_.tolist()}."
            )
        indicators = (domains[:, None] == self.domains_).astype(X.dtype)
        if sparse.issparse(X):
            X = sparse.csr_matrix(X)
            blocks = [X] + [sparse.diags(column) @ X for column in indicators.T]
            if self.domain_indicators:
                blocks.append(sparse.csr_matrix(indicators))
            return sparse.hstack(blocks, format="csr")
        blocks = [X] + [np.where(column[:, None] > 0, X, 0) for column in indicators.T]
        if self.domain_indicators:
            blocks.append(indicators)
        return np.hstack(blocks)

    def get_feature_names_out(self, input_features=None):
        """Column names: ``x``, ``source1__x``, ``target1__x``..., ``source1``...

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; ``feature_names_in_`` or ``x0, x1, ...``
            when None.

        Returns
        -------
        feature_names_out : ndarray of str
            One name per augmented column.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        blocks = [list(names)] + [
            [f"{_block_name(d)}__{name}" for name in names] for d in self.domains_
        ]
        if self.domain_indicators:
            blocks.append([_block_name(d) for d in self.domains_])
        return np.asarray(sum(blocks, []), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags


class _BaseFeatureAugmented(_BaseFewLabels):
    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "domain_indicators": ["boolean"],
    }
    _check_params = _NUMERIC

    def __init__(self, estimator=None, *, domain_indicators=True):
        self.estimator = estimator
        self.domain_indicators = domain_indicators

    def _fit(self, data):
        """Fit the estimator on the augmented labelled rows of every domain."""
        rows = np.concatenate([data.source, data.target])
        X_rows = data.rows(rows, checked=True)
        if data.target.size:
            # Blocks for the domains that carry labels: a block no labelled
            # row fills would only ever be multiplied by zero weights.
            self.augmenter_ = FeatureAugmenter(self.domain_indicators).fit(
                X_rows, sample_domain=data.sample_domain[rows]
            )
            X_rows = self.augmenter_.transform(
                X_rows, sample_domain=data.sample_domain[rows]
            )
        else:
            # The source-only form: a model of the source rows alone would
            # split its weights between the shared and the source block, and
            # predict target rows with the shared half only.
            self.augmenter_ = None
        self.estimator_ = clone(self._default_estimator()).fit(X_rows, data.y[rows])

    def _delegate(self, method, X, sample_domain):
        check_is_fitted(self)
        # The given domains, not the validated ones: None stands for the
        # fit's target domain, whatever its id.
        _, X, _ = self._predict_input(X, sample_domain)
        if self.augmenter_ is not None:
            X = self.augmenter_.transform(X, sample_domain=sample_domain)
        return getattr(self.estimator_, method)(X)

    def predict(self, X, sample_domain=None):
        """Predict rows of a domain, the target domain by default.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row; None means the target domain of the fit.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions.
        """
        return self._delegate("predict", X, sample_domain)


class FeatureAugmentedClassifier(
    DomainAwarePredictorMixin,
    ClassifierMixin,
    _ClassifierDelegation,
    _BaseFeatureAugmented,
):
    """Classifier on augmented features: shared weights, a correction per domain.

    The labelled source rows and the few labelled target rows are augmented
    by :class:`FeatureAugmenter` (``[x, x, 0]`` for a source row, ``[x, 0,
    x]`` for a target row; a block per domain when there are several) and
    one ``estimator`` is fitted on all of them. The model's weight on a
    feature in the target domain is the sum of a shared weight, learnt from
    every row, and a target weight, learnt from the target rows; the
    estimator's regularisation shrinks the target weight toward zero, so
    that a few target labels correct the source model where they disagree
    with it. ``predict`` augments rows as target rows unless
    ``sample_domain`` says otherwise.

    Without labelled target rows the estimator is fitted on the source rows
    as they are: the source-only model.

    Parameters
    ----------
    estimator : classifier, default=None
        The classifier fitted on the augmented rows; a
        :class:`~sklearn.linear_model.LogisticRegression` when None. A
        regularised linear model is what the method was made for; its
        regularisation strength sets how far the target weights move.

    domain_indicators : bool, default=True
        Give each domain a column of its own, 1 on its rows: a level (an
        intercept) per domain beside the shared one. See
        :class:`FeatureAugmenter`.

    Attributes
    ----------
    estimator_ : classifier
        The classifier fitted on the augmented rows.

    augmenter_ : FeatureAugmenter or None
        The augmenter fitted on the labelled rows' domains; None in the
        source-only form.

    classes_ : ndarray of shape (n_classes,)
        Class labels.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    FeatureAugmentedRegressor : The regression counterpart.
    FeatureAugmenter : The augmentation alone.
    BalancedWeightingClassifier : Source and target rows in one fit, weighted.

    References
    ----------
    .. [1] H. Daume III, "Frustratingly easy domain adaptation", ACL 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.supervised import FeatureAugmentedClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(240, 2))
    >>> y = (X[:, 0] + X[:, 1] > 0).astype(int)
    >>> y[200:] = (X[200:, 0] > 0).astype(int)  # the target leans on x0 alone
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(40, int)]
    >>> clf = FeatureAugmentedClassifier().fit(
    ...     X[:230], y[:230], sample_domain=sample_domain[:230])
    >>> clf.estimator_.coef_.shape  # shared, source, target blocks; indicators
    (1, 8)
    """

    _task = "classification"

    @staticmethod
    def _fallback():
        return LogisticRegression()


class FeatureAugmentedRegressor(
    DomainAwarePredictorMixin, RegressorMixin, _BaseFeatureAugmented
):
    """Regressor on augmented features: shared weights, a correction per domain.

    The regression counterpart of :class:`FeatureAugmentedClassifier`;
    unlabeled rows carry ``NaN`` in ``y``. A level shift of the target (the
    same slopes, another intercept) is what the target block learns from a
    few labels: its constant part.

    Parameters
    ----------
    estimator : regressor, default=None
        The regressor fitted on the augmented rows; a
        :class:`~sklearn.linear_model.Ridge` when None.

    domain_indicators : bool, default=True
        Give each domain a column of its own, 1 on its rows: the target's
        level learnt apart from the source's. See :class:`FeatureAugmenter`.

    Attributes
    ----------
    estimator_ : regressor
        The regressor fitted on the augmented rows.

    augmenter_ : FeatureAugmenter or None
        The augmenter fitted on the labelled rows' domains; None in the
        source-only form.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    FeatureAugmentedClassifier : The classification counterpart.

    References
    ----------
    .. [1] H. Daume III, "Frustratingly easy domain adaptation", ACL 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.supervised import FeatureAugmentedRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(220, 1))
    >>> y = 2 * X[:, 0]
    >>> y[200:] = X[200:, 0]  # the target's slope is half the source's
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(20, int)]
    >>> reg = FeatureAugmentedRegressor().fit(X, y, sample_domain=sample_domain)
    >>> reg.predict([[1.0]]).round(1)  # a target row
    array([1.])
    """

    _task = "regression"

    @staticmethod
    def _fallback():
        return Ridge()

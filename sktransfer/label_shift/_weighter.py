"""Label-shift weights of the source rows, for retraining with sample_weight."""

import numpy as np
from sklearn.base import BaseEstimator

from .._compat import _fit_context, _safe_indexing
from .._docstrings import fill_docstring
from .._domain import DomainAwareMixin
from ..baseline import _PERMISSIVE, _estimator_input, _inner_input_tags
from ..reweight import effective_sample_size
from ._base import _attributes_doc, _LabelShiftEstimator, _parameters_doc

__all__ = ["LabelShiftReweighter"]


@fill_docstring(parameters=_parameters_doc, attributes=_attributes_doc)
class LabelShiftReweighter(DomainAwareMixin, _LabelShiftEstimator, BaseEstimator):
    """Weigh each labelled source row by ``w_y = P_T(y) / P_S(y)`` of its class.

    Under label shift, the source risk weighted by ``w_y`` is the target
    risk, as the source risk weighted by ``P_T(x) / P_S(x)`` is under
    covariate shift: this weighter plays the role of
    :class:`~sktransfer.reweight.KMMReweighter` and
    :class:`~sktransfer.reweight.DensityRatioWeighter` for that shift, for
    instance in :class:`~sktransfer.reweight.ImportanceWeightedClassifier`
    (Lipton et al. 2018 retrain with these weights). The priors are
    estimated as in :class:`LabelShiftClassifier`; target labels are never
    read.

    Parameters
    ----------
    estimator : classifier, default=None
        The classifier whose held-out outputs estimate the priors; it needs
        ``predict_proba``. A :class:`~sklearn.linear_model.LogisticRegression`
        when None. It is cloned for each fold.

    %(parameters)s

    Attributes
    ----------
    weights_ : ndarray of shape (n_source,)
        The weight of every source row, in row order: ``class_weights_`` of
        its label, and 1 for a source row without a label.

    effective_sample_size_ : float
        Kish's effective sample size of ``weights_``.

    %(attributes)s

    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    LabelShiftClassifier : Corrects a classifier's probabilities instead of
        retraining it.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.datasets import make_label_shift
    >>> from sktransfer.label_shift import LabelShiftReweighter
    >>> from sktransfer.reweight import ImportanceWeightedClassifier
    >>> X, y, sample_domain = make_label_shift(
    ...     "breast_cancer", target_priors=[0.8, 0.2], return_X_y=True,
    ...     random_state=0)
    >>> weighter = LabelShiftReweighter(
    ...     LogisticRegression(max_iter=5000), random_state=0)
    >>> clf = ImportanceWeightedClassifier(
    ...     LogisticRegression(max_iter=5000), weighter, flatten=1.0
    ... ).fit(X, y, sample_domain=sample_domain)
    >>> clf.weighter_.class_weights_.round(1)
    array([2.2, 0.3])
    """

    _parameter_constraints: dict = {**_LabelShiftEstimator._parameter_constraints}

    @_fit_context(
        # The wrapped estimator is validated by its own fit.
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, sample_domain=None):
        """Estimate the target priors and weigh the source rows.

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

        Returns
        -------
        self : object
            Fitted weighter.
        """
        data = self._validate_domain_data(
            X, y, sample_domain, labels="source", task="classification", **_PERMISSIVE
        )
        rows = data.labeled
        X_estimator = _estimator_input(X, data.X)
        self._fit_priors(
            _safe_indexing(X_estimator, np.flatnonzero(rows)),
            data.y[rows],
            _safe_indexing(X_estimator, np.flatnonzero(data.target)),
            {},
        )
        source = data.source
        weights = np.ones(int(source.sum()))
        labeled = rows[source]
        classes = np.searchsorted(self.classes_, data.y[source][labeled])
        weights[labeled] = self.class_weights_[classes]
        self.weights_ = weights
        self.effective_sample_size_ = effective_sample_size(weights)
        return self

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return _inner_input_tags(tags, self._default_estimator())

"""A classifier corrected for the target's class priors by Bayes' rule."""

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from .._compat import _safe_indexing
from .._docstrings import fill_docstring
from .._domain import DomainAwarePredictorMixin
from ..baseline import _PERMISSIVE, _BaseSourceModel, _estimator_input
from ._base import _attributes_doc, _LabelShiftEstimator, _parameters_doc

__all__ = ["LabelShiftClassifier"]


def _reweight_rows(proba, weights, rows):
    """Bayes' rule on ``rows``: ``p(y | x) w_y``, normalised.

    A row whose every likely class has weight zero keeps its probabilities:
    the estimate says such a row cannot occur, and no answer is better.
    """
    proba = np.array(proba, dtype=np.float64)
    adjusted = proba[rows] * weights
    total = adjusted.sum(axis=1, keepdims=True)
    keep = total[:, 0] > 0
    adjusted[keep] /= total[keep]
    adjusted[~keep] = proba[rows][~keep]
    proba[rows] = adjusted
    return proba


@fill_docstring(parameters=_parameters_doc, attributes=_attributes_doc)
class LabelShiftClassifier(
    DomainAwarePredictorMixin, ClassifierMixin, _LabelShiftEstimator, _BaseSourceModel
):
    """Classifier corrected for a change of the class priors (label shift).

    Under label shift the share of each class changes between the domains,
    ``P_T(y) != P_S(y)``, while ``P(x | y)`` stays. Then the target
    posterior is the source posterior re-weighted by
    ``w_y = P_T(y) / P_S(y)`` (Bayes' rule), and the target priors can be
    estimated from the classifier's outputs on the unlabeled target rows.

    ``fit`` fits the ``estimator`` on the labelled source rows; cross-fitted
    copies give held-out probabilities of the source rows and of the target
    rows, on which the calibration is fitted and the target priors
    estimated. Target labels are never read. ``predict_proba`` returns the
    calibrated probabilities of ``estimator_`` re-weighted by
    ``class_weights_`` for target rows (every row, unless ``sample_domain``
    marks source rows, which keep the calibrated source posterior);
    ``predict`` takes the most probable class.

    Parameters
    ----------
    estimator : classifier, default=None
        The classifier to correct; it needs ``predict_proba``. A
        :class:`~sklearn.linear_model.LogisticRegression` when None. It is
        cloned, never fitted in place.

    %(parameters)s

    Attributes
    ----------
    estimator_ : classifier
        The classifier fitted on every labelled source row.

    %(attributes)s

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    estimate_target_priors : The estimate from given probabilities.
    label_shift_test : Whether the priors moved at all.
    LabelShiftReweighter : The weights ``w_y`` of the source rows, for
        retraining with ``sample_weight``.

    Notes
    -----
    The correction is right when ``P(x | y)`` is shared; under covariate
    shift it is the wrong one (see :mod:`sktransfer.reweight`). It needs
    every class of the target among the source labels. ``fit`` costs one
    fit of ``estimator`` per fold besides the final one.

    References
    ----------
    M. Saerens, P. Latinne and C. Decaestecker, "Adjusting the outputs of a
    classifier to new a priori probabilities", Neural Computation, 2002.
    A. Alexandari, A. Kundaje and A. Shrikumar, "Maximum likelihood with
    bias-corrected calibration is hard-to-beat at label shift adaptation",
    ICML 2020.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.datasets import make_label_shift
    >>> from sktransfer.label_shift import LabelShiftClassifier
    >>> X, y, sample_domain = make_label_shift(
    ...     "breast_cancer", target_priors=[0.8, 0.2], return_X_y=True,
    ...     random_state=0)
    >>> clf = LabelShiftClassifier(
    ...     LogisticRegression(max_iter=5000), random_state=0
    ... ).fit(X, y, sample_domain=sample_domain)
    >>> clf.source_priors_.round(2), clf.target_priors_.round(1)
    (array([0.39, 0.61]), array([0.8, 0.2]))
    """

    _parameter_constraints: dict = {
        **_BaseSourceModel._parameter_constraints,
        **_LabelShiftEstimator._parameter_constraints,
    }
    _task = "classification"
    _warn_no_target = True

    def _check_source(self, data, rows):
        # Before estimator_ is fitted: a wrong length or sum is known now.
        if self.target_priors is not None:
            self._check_target_priors(np.unique(data.y[rows]))

    def _fit_target(self, X, data, rows, fit_params):
        self._fit_priors(
            _safe_indexing(X, rows),
            data.y[rows],
            _safe_indexing(X, np.flatnonzero(data.target)),
            fit_params,
        )

    def predict_proba(self, X, sample_domain=None):
        """Class probabilities, corrected for the target priors on target rows.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; rows are target rows when None. Source rows
            (``> 0``) keep the calibrated source probabilities.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, columns ordered as ``classes_``.
        """
        check_is_fitted(self)
        validated, sample_domain = self._validate_predict_data(
            X, sample_domain, **_PERMISSIVE
        )
        proba = self.estimator_.predict_proba(_estimator_input(X, validated))
        proba = self._calibrator.transform(proba)
        return _reweight_rows(proba, self.class_weights_, sample_domain < 0)

    def predict_log_proba(self, X, sample_domain=None):
        """Log of :meth:`predict_proba`; parameters as there.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class.
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X, sample_domain))

    def predict(self, X, sample_domain=None):
        """The most probable class after the correction.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids, as in :meth:`predict_proba`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        proba = self.predict_proba(X, sample_domain)
        return self.classes_[np.argmax(proba, axis=1)]

"""What the label-shift estimators share: held-out outputs, priors, intervals."""

from numbers import Integral, Real

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.utils import check_random_state

from .._compat import HasMethods, Interval, StrOptions
from ._calibration import _Calibrator
from ._cross_fit import cross_fit_proba
from ._priors import CALIBRATIONS, METHODS, _estimate

_PARAMETERS_DOC = """\
    method : {"mlls", "bbse", "bbse-soft", "rlls"}, default="mlls"
        Estimator of the target priors (see :func:`estimate_target_priors`):
        maximum likelihood by EM (Saerens et al. 2002), confusion-matrix
        inversion with hard or soft predictions (BBSE, Lipton et al. 2018),
        or its regularised form (RLLS, Azizzadenesheli et al. 2019). The
        default had the lowest prior error on the validation draws of
        ``benchmarks/label_shift.py``, at the best estimators' accuracy.

    calibration : {"bcts", "temperature"} or None, default="bcts"
        Calibration fitted on the held-out probabilities of the source rows
        and applied before the estimate: temperature scaling with a bias per
        class (Alexandari et al. 2020), without the biases, or none.

    target_priors : array-like of shape (n_classes,), default=None
        Known target priors, in the order of the sorted class labels (a
        prevalence from outside the data, or the true priors of a
        benchmark): nothing is estimated and no interval is drawn. None
        estimates them from the target rows.

    cv : int, cross-validation generator or iterable, default=None
        Folds of the labelled source rows that give held-out probabilities:
        each fold's model predicts its held-out rows and an equal share of
        the target rows. An int (None means 5) gives stratified folds
        shuffled by ``random_state``. A classifier fitted elsewhere, wrapped
        in :class:`~sklearn.frozen.FrozenEstimator`, is never refitted: then
        pass source rows it was not trained on.

    n_bootstrap : int, default=200
        Bootstrap resamples of the held-out source rows (within each class)
        and of the target rows for ``target_priors_interval_``; 0 skips the
        interval.

    confidence_level : float, default=0.95
        Coverage of the percentile interval.

    n_jobs : int, default=None
        Folds fitted in parallel (joblib); None means 1.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds, deals the target rows to them and draws the
        bootstrap resamples.
"""

_ATTRIBUTES_DOC = """\
    classes_ : ndarray of shape (n_classes,)
        Class labels seen in the source rows.

    source_priors_ : ndarray of shape (n_classes,)
        Label frequencies of the labelled source rows, ``P_S(y)``.

    target_priors_ : ndarray of shape (n_classes,)
        Estimated (or given) ``P_T(y)``.

    target_priors_interval_ : ndarray of shape (n_classes, 2)
        Lower and upper bootstrap bounds of each target prior; the
        estimate itself on both sides when ``n_bootstrap=0``, when
        ``target_priors`` is given or when there is no target row. The
        classifier's folds are not refitted per resample, so the interval
        leaves their variance out: it is too narrow for a class that holds
        a few rows of a small target, and never reaches a prior of zero.

    class_weights_ : ndarray of shape (n_classes,)
        ``w_y = P_T(y) / P_S(y)``.

    temperature_ : float
        Temperature of the calibration (1 without).

    logit_bias_ : ndarray of shape (n_classes,)
        Per-class bias of the calibration, centred (zeros without biases).
"""


def _parameters_doc(cls):
    return _PARAMETERS_DOC


def _attributes_doc(cls):
    return _ATTRIBUTES_DOC


def _resample_within_classes(y_index, rng):
    """Bootstrap rows of each class: the class counts stay those of the source."""
    rows = [
        rng.choice(members, size=members.size)
        for members in (np.flatnonzero(y_index == c) for c in np.unique(y_index))
    ]
    return np.concatenate(rows)


class _LabelShiftEstimator:
    """Priors of the target from held-out outputs of a cloned ``estimator``.

    Its ``__init__`` is the one of :class:`LabelShiftClassifier` and
    :class:`LabelShiftReweighter`, which put this class before any other
    base that has one.
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "method": [StrOptions(set(METHODS))],
        "calibration": [StrOptions(set(CALIBRATIONS)), None],
        "target_priors": ["array-like", None],
        "cv": ["cv_object"],
        "n_bootstrap": [Interval(Integral, 0, None, closed="left")],
        "confidence_level": [Interval(Real, 0, 1, closed="neither")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        method="mlls",
        calibration="bcts",
        target_priors=None,
        cv=None,
        n_bootstrap=200,
        confidence_level=0.95,
        n_jobs=None,
        random_state=None,
    ):
        self.estimator = estimator
        self.method = method
        self.calibration = calibration
        self.target_priors = target_priors
        self.cv = cv
        self.n_bootstrap = n_bootstrap
        self.confidence_level = confidence_level
        self.n_jobs = n_jobs
        self.random_state = random_state

    @staticmethod
    def _fallback():
        return LogisticRegression()

    def _default_estimator(self):
        return self._fallback() if self.estimator is None else self.estimator

    def _check_target_priors(self, classes):
        """The given ``target_priors`` as floats, or a ValueError saying why not."""
        n_classes = classes.size
        message = (
            f"target_priors must hold {n_classes} finite non-negative numbers, "
            f"one per class of {classes.tolist()} in that order, summing to one"
        )
        try:
            priors = np.asarray(self.target_priors, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{message}; got {self.target_priors!r}.") from None
        if priors.shape != (n_classes,):
            raise ValueError(
                f"{message}; got shape {priors.shape}: {self.target_priors!r}."
            )
        if not np.all(np.isfinite(priors)) or np.any(priors < 0):
            raise ValueError(f"{message}; got {self.target_priors!r}.")
        if not np.isclose(priors.sum(), 1.0):
            raise ValueError(
                f"{message}; they sum to {priors.sum():g}: divide them by their "
                "sum if they are class shares."
            )
        return priors

    def _fit_priors(self, X_source, y_source, X_target, fit_params):
        """Set the fitted attributes from the source and target rows."""
        given = None
        if self.target_priors is not None:
            # Before the folds are fitted: a wrong length or sum is known now.
            given = self._check_target_priors(np.unique(y_source))
        rng = check_random_state(self.random_state)
        classes, y_index, proba_source, proba_target, _, _ = cross_fit_proba(
            self._default_estimator(),
            X_source,
            y_source,
            X_target,
            cv=self.cv,
            fit_params=fit_params,
            n_jobs=self.n_jobs,
            random_state=rng,
        )
        self.classes_ = classes
        self.source_priors_ = np.bincount(y_index) / y_index.size
        estimate = self.target_priors is None and X_target.shape[0] > 0
        if estimate:
            priors, self._calibrator = _estimate(
                proba_source,
                y_index,
                proba_target,
                method=self.method,
                calibration=self.calibration,
            )
        else:
            self._calibrator = _Calibrator(self.calibration).fit(proba_source, y_index)
            priors = self.source_priors_ if given is None else given
        self.target_priors_ = priors
        self.target_priors_interval_ = np.column_stack([priors, priors])
        if estimate and self.n_bootstrap:
            self.target_priors_interval_ = self._bootstrap(
                proba_source, y_index, proba_target, rng
            )
        self.class_weights_ = self.target_priors_ / self.source_priors_
        self.temperature_ = 1.0 / self._calibrator.inverse_temperature
        self.logit_bias_ = self._calibrator.bias

    def _bootstrap(self, proba_source, y_index, proba_target, rng):
        draws = np.empty((self.n_bootstrap, proba_source.shape[1]))
        for b in range(self.n_bootstrap):
            source = _resample_within_classes(y_index, rng)
            target = rng.randint(proba_target.shape[0], size=proba_target.shape[0])
            draws[b], _ = _estimate(
                proba_source[source],
                y_index[source],
                proba_target[target],
                method=self.method,
                calibration=self.calibration,
            )
        tail = 50 * (1 - self.confidence_level)
        return np.percentile(draws, [tail, 100 - tail], axis=0).T

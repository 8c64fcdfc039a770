"""The source model as a prior: its output as a feature, or its boosting continued.

Two ways to start from a model fitted on the labelled source rows and let the
few target labels correct it:

- PRED (Daumé III, 2007) fits a target model on the labelled target rows with
  the source model's output as extra columns: the target model decides how
  much of the source model to keep, and what to change.
- Continued boosting adds boosting rounds fitted on the labelled target rows
  to a :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (or
  regressor) fitted on the source rows: the target trees fit the gradient of
  the loss at the source model's raw predictions, so that a few rounds nudge
  the source model and many rounds move away from it.

scikit-learn's ``warm_start`` cannot continue a fit on other rows: the second
fit re-fits the binning (the source trees' binned predictions of the target
rows, which the first target tree's gradients are computed from, are then
wrong), re-encodes categorical features (the source trees' category splits
then read other categories) and re-encodes the classes. Continued boosting
here fits the target rounds as a new model whose loss is evaluated at the
source model's raw predictions plus its own (:class:`_OffsetLoss`).
"""

from numbers import Integral, Real

import numpy as np
from scipy import sparse
from sklearn.base import ClassifierMixin, RegressorMixin, clone
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._compat import (
    BaseLoss,
    HasMethods,
    IdentityLink,
    Interval,
    StrOptions,
)
from .._domain import DomainAwarePredictorMixin
from ._base import _CV_CONSTRAINT, _BaseFewLabels, _choose_on_target, _fit_rows

__all__ = [
    "ContinuedBoostingClassifier",
    "ContinuedBoostingRegressor",
    "PREDClassifier",
    "PREDRegressor",
]

# The numbers of target rounds tried by n_target_rounds="auto", from the
# source model alone to a hundred rounds (HistGradientBoosting's default
# max_iter): one fit of the largest scores them all through its stages.
_ROUNDS = (0, 5, 10, 20, 50, 100)


# ------------------------------------------------------------------------ PRED


def _final_has(attr):
    """Whether the model that predicts has ``attr``, fitted or not yet."""

    def check(self):
        if hasattr(self, "source_estimator_"):
            return hasattr(self._final_estimator(), attr)
        return hasattr(self._default_target_estimator(), attr)

    return check


class _BasePRED(_BaseFewLabels):
    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "target_estimator": [HasMethods(["fit", "predict"]), None],
    }

    def __init__(self, estimator=None, *, target_estimator=None):
        self.estimator = estimator
        self.target_estimator = target_estimator

    def _default_target_estimator(self):
        if self.target_estimator is None:
            return self._default_estimator()
        return self.target_estimator

    def _source_output(self, X):
        """The source model's output on ``X``: the extra columns, and their names."""
        source = self.source_estimator_
        if self._task == "regression":
            output = np.asarray(source.predict(X), dtype=float)
            return output.reshape(-1, 1), ["source_prediction"]
        output = getattr(source, self.source_output_)(X)
        classes = source.classes_
        kind = "decision" if self.source_output_ == "decision_function" else "proba"
        if classes.shape[0] == 2:
            # One column, the score of classes_[1], as a binary
            # decision_function gives: the probability of the other class is
            # one minus it, collinear with an intercept.
            output = output[:, 1:] if output.ndim == 2 else output[:, None]
            classes = classes[1:]
        return output, [f"source_{kind}_{c}" for c in classes]

    def _augment(self, X, X_checked):
        """``X`` with the source model's output appended as columns.

        A DataFrame whose column names are strings stays a DataFrame, with
        the new columns named (``source_decision_<class>``...), so that a
        target pipeline can select columns by name and keep their dtypes
        (categorical columns); any other input becomes the validated array
        with the columns stacked on its right.
        """
        extra, names = self._source_output(X)
        if hasattr(X, "iloc") and all(isinstance(c, str) for c in X.columns):
            import pandas as pd

            clash = [name for name in names if name in X.columns]
            if clash:
                raise ValueError(
                    f"{type(self).__name__} appends the source model's output to X "
                    f"as columns {names}, and X already has columns {clash}: "
                    "rename them."
                )
            extra = pd.DataFrame(extra, index=X.index, columns=names)
            return pd.concat([X, extra], axis=1)
        if sparse.issparse(X_checked):
            return sparse.hstack([X_checked, extra], format="csr")
        return np.hstack([X_checked, extra])

    def _fit(self, data):
        """Fit the source model, then the target model on the augmented target rows."""
        self.source_estimator_ = _fit_rows(self._default_estimator(), data, data.source)
        if self._task == "classification":
            self.source_output_ = next(
                (
                    method
                    for method in ("decision_function", "predict_proba")
                    if hasattr(self.source_estimator_, method)
                ),
                None,
            )
            if self.source_output_ is None:
                raise ValueError(
                    f"{type(self).__name__} appends the source model's "
                    "decision_function (or predict_proba) to the target rows, and "
                    f"{type(self.source_estimator_).__name__} has neither: give a "
                    "classifier with one of them as estimator."
                )
        if data.target.size == 0:
            self.target_estimator_ = None  # the source-only form
            return
        y_target = data.y[data.target]
        if self._task == "classification" and np.unique(y_target).shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} fits its target model on the labelled "
                f"target rows alone, and their labels hold one class "
                f"{np.unique(y_target).tolist()}: label target rows of two classes "
                "at least."
            )
        Z = self._augment(data.rows(data.target), data.rows(data.target, checked=True))
        self.target_estimator_ = clone(self._default_target_estimator()).fit(
            Z, y_target
        )

    def _final_estimator(self):
        if self.target_estimator_ is None:
            return self.source_estimator_
        return self.target_estimator_

    def _final_call(self, method, X, sample_domain):
        """``method`` of the model that predicts, on ``X`` as it takes it."""
        check_is_fitted(self)
        X, X_checked, _ = self._predict_input(X, sample_domain)
        if self.target_estimator_ is not None:
            X = self._augment(X, X_checked)
        return getattr(self._final_estimator(), method)(X)

    def predict(self, X, sample_domain=None):
        """Predict with the target model, the source model's output appended.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; read for validation only.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions.
        """
        return self._final_call("predict", X, sample_domain)


class _ClassesOfFinal:
    """``classes_`` of the model that predicts (inherited: documented once)."""

    @property
    def classes_(self):
        """Class labels of the model that predicts."""
        return self._final_estimator().classes_


class _ClassesOfSource:
    """``classes_`` of the source model (inherited: documented once)."""

    @property
    def classes_(self):
        """Class labels seen in the source rows."""
        return self.source_estimator_.classes_


class PREDClassifier(
    DomainAwarePredictorMixin, ClassifierMixin, _ClassesOfFinal, _BasePRED
):
    """Classifier on the target rows with the source model's output as features.

    PRED ("prediction as a feature", Daumé III 2007): ``estimator`` is fitted
    on the labelled source rows; a clone of ``target_estimator`` is then
    fitted on the labelled target rows alone, with the source model's
    ``decision_function`` appended to their features (its ``predict_proba``
    when it has no ``decision_function``; binary: one column, the score of
    the second class). Predictions append the same columns. The target
    model weighs the source model's opinion against the features as the
    target labels say; unlike a fit on the source and target rows together,
    it is free to discount the source model where the target differs.

    Scores come before probabilities because a target whose odds are the
    source's shifted or scaled is linear in the source model's log-odds,
    which a linear target model fits, while probabilities flatten near 0
    and 1.

    The target model learns the classes of the target labels: a class that
    no labelled target row holds is never predicted. Without labelled target
    rows, PRED is its source-only form: the source model.

    Parameters
    ----------
    estimator : classifier, default=None
        The source model. A
        :class:`~sklearn.linear_model.LogisticRegression` when None.

    target_estimator : classifier, default=None
        The target model, fitted on the target rows and the source model's
        output; ``estimator`` when None.

    Attributes
    ----------
    source_estimator_ : classifier
        The estimator fitted on the labelled source rows.

    source_output_ : {"decision_function", "predict_proba"}
        The source model's method whose output is appended.

    target_estimator_ : classifier or None
        The target model, fitted on the augmented labelled target rows; None
        in the source-only form.

    classes_ : ndarray of shape (n_classes,)
        Class labels of the model that predicts.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    PREDRegressor : The regression counterpart.
    ContinuedBoostingClassifier : The source model's boosting continued on the
        target rows.
    FeatureAugmentedClassifier : Source and target rows in one fit, with
        features of their own.

    Notes
    -----
    When ``X`` is a DataFrame with string column names, the target model gets
    a DataFrame: ``X``'s columns, then ``source_decision_<class>`` (or
    ``source_proba_<class>``) columns, so that a
    :class:`~sklearn.compose.ColumnTransformer` in ``target_estimator`` can
    select them by name. Any other ``X`` reaches it as an array with the
    columns appended on the right.

    References
    ----------
    .. [1] H. Daumé III, "Frustratingly easy domain adaptation", ACL 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import expit
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.supervised import PREDClassifier
    >>> rng = np.random.RandomState(0)
    >>> w = rng.normal(size=10)
    >>> X = rng.normal(size=(425, 10))
    >>> shift = np.r_[np.zeros(400), -2 * np.ones(25)]  # the target's log-odds
    >>> y = (rng.rand(425) < expit(X @ w + shift)).astype(int)
    >>> sample_domain = np.r_[np.ones(400, int), -np.ones(25, int)]
    >>> clf = PREDClassifier().fit(X, y, sample_domain=sample_domain)
    >>> X_new = rng.normal(size=(1000, 10))
    >>> y_new = (rng.rand(1000) < expit(X_new @ w - 2)).astype(int)
    >>> target_only = LogisticRegression().fit(X[400:], y[400:])
    >>> source_only = clf.source_estimator_
    >>> [round(m.score(X_new, y_new), 2) for m in (clf, target_only, source_only)]
    [0.84, 0.77, 0.77]
    """

    _task = "classification"

    @staticmethod
    def _fallback():
        return LogisticRegression()

    @available_if(_final_has("predict_proba"))
    def predict_proba(self, X, sample_domain=None):
        """Class probabilities; parameters as in :meth:`predict`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, columns ordered as ``classes_``.
        """
        return self._final_call("predict_proba", X, sample_domain)

    @available_if(_final_has("predict_log_proba"))
    def predict_log_proba(self, X, sample_domain=None):
        """Log of the class probabilities; parameters as in :meth:`predict`.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class.
        """
        return self._final_call("predict_log_proba", X, sample_domain)

    @available_if(_final_has("decision_function"))
    def decision_function(self, X, sample_domain=None):
        """Decision function; parameters as in :meth:`predict`.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Decision scores of the model that predicts.
        """
        return self._final_call("decision_function", X, sample_domain)


class PREDRegressor(DomainAwarePredictorMixin, RegressorMixin, _BasePRED):
    """Regressor on the target rows with the source model's prediction as a feature.

    The regression counterpart of :class:`PREDClassifier`: the source
    model's ``predict`` is the extra column (``source_prediction``), and
    unlabeled rows carry ``NaN`` in ``y``. Without labelled target rows,
    PRED is its source-only form: the source model.

    Parameters
    ----------
    estimator : regressor, default=None
        The source model. A :class:`~sklearn.linear_model.Ridge` when None.

    target_estimator : regressor, default=None
        The target model, fitted on the target rows and the source model's
        prediction; ``estimator`` when None.

    Attributes
    ----------
    source_estimator_ : regressor
        The estimator fitted on the labelled source rows.

    target_estimator_ : regressor or None
        The target model, fitted on the augmented labelled target rows; None
        in the source-only form.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    PREDClassifier : The classification counterpart.
    ContinuedBoostingRegressor : The source model's boosting continued on the
        target rows.

    References
    ----------
    .. [1] H. Daumé III, "Frustratingly easy domain adaptation", ACL 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sktransfer.supervised import PREDRegressor
    >>> rng = np.random.RandomState(0)
    >>> w = rng.normal(size=10)
    >>> X = rng.normal(size=(210, 10))
    >>> y = X @ w
    >>> y[200:] = 2 * y[200:] + 1  # the target scales and shifts the source
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(10, int)]
    >>> reg = PREDRegressor().fit(X, y, sample_domain=sample_domain)
    >>> X_new = rng.normal(size=(1000, 10))
    >>> y_new = 2 * X_new @ w + 1
    >>> target_only = Ridge().fit(X[200:], y[200:])
    >>> round(reg.score(X_new, y_new), 2), round(target_only.score(X_new, y_new), 2)
    (1.0, 0.87)
    """

    _task = "regression"

    @staticmethod
    def _fallback():
        return Ridge()


# ---------------------------------------------------------- continued boosting


class _OffsetLoss(BaseLoss):
    """``loss`` evaluated at a fixed offset plus the raw predictions being fitted.

    HistGradientBoosting takes a loss object as its ``loss``. Fitted with this
    one on the target rows, its trees fit the gradient and hessian of
    ``loss`` at ``offset`` (the source model's raw predictions of these rows,
    in their order) plus the trees' own sum, starting from zero
    (:meth:`fit_intercept_only`): the trees are the rounds that boosting
    continued from the source model would add. The link is the identity, so
    that a regressor fitted with it predicts the trees' raw sum.

    Parameters
    ----------
    loss : BaseLoss
        The loss of the source model.

    offset : ndarray of shape (n_samples, n_trees_per_iteration)
        Raw predictions to start from, one row per training row.
    """

    def __init__(self, loss, offset):
        super().__init__(
            closs=loss.closs, link=IdentityLink(), n_classes=loss.n_classes
        )
        self.is_multiclass = loss.is_multiclass
        self.approx_hessian = loss.approx_hessian
        self.constant_hessian = loss.constant_hessian
        self.interval_y_true = loss.interval_y_true
        self.offset = np.asfortranarray(offset)

    def _shifted(self, raw_prediction):
        if raw_prediction.shape[0] != self.offset.shape[0]:
            # Early stopping would split the rows; the target fit turns it off.
            raise ValueError(
                f"The offset holds {self.offset.shape[0]} rows and the raw "
                f"predictions {raw_prediction.shape[0]}: fit on the offset's rows, "
                "without early stopping."
            )
        return raw_prediction + self.offset.reshape(raw_prediction.shape)

    def loss(self, y_true, raw_prediction, *args, **kwargs):
        return super().loss(y_true, self._shifted(raw_prediction), *args, **kwargs)

    def loss_gradient(self, y_true, raw_prediction, *args, **kwargs):
        return super().loss_gradient(
            y_true, self._shifted(raw_prediction), *args, **kwargs
        )

    def gradient(self, y_true, raw_prediction, *args, **kwargs):
        return super().gradient(y_true, self._shifted(raw_prediction), *args, **kwargs)

    def gradient_hessian(self, y_true, raw_prediction, *args, **kwargs):
        return super().gradient_hessian(
            y_true, self._shifted(raw_prediction), *args, **kwargs
        )

    def fit_intercept_only(self, y_true, sample_weight=None):
        # The source model's raw predictions are the start: no intercept.
        return np.zeros(self.n_classes if self.is_multiclass else 1)


def _source_loss(source):
    """The loss object a fitted HistGradientBoosting model was fitted with.

    Read from the fitted model so that the target rounds use exactly its loss
    (a quantile, a Tweedie power, a loss object given as ``loss``).
    """
    return source._loss


class _BaseContinuedBoosting(_BaseFewLabels):
    _parameter_constraints: dict = {
        "n_target_rounds": [
            Interval(Integral, 0, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "target_learning_rate": [Interval(Real, 0, None, closed="neither"), None],
        "target_min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "cv": _CV_CONSTRAINT,
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        n_target_rounds="auto",
        target_learning_rate=None,
        target_min_samples_leaf=5,
        cv=5,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_target_rounds = n_target_rounds
        self.target_learning_rate = target_learning_rate
        self.target_min_samples_leaf = target_min_samples_leaf
        self.cv = cv
        self.random_state = random_state

    def _source_raw(self, X):
        """The source model's raw predictions of ``X``, shape (n, n_trees)."""
        source = self.source_estimator_
        if self._task == "classification":
            raw = source.decision_function(X)
        else:
            raw = self._loss_.link.link(source.predict(X))
        return raw.reshape(raw.shape[0], -1)

    def _fit_target_rounds(self, data, rows, n_rounds):
        """The ``n_rounds`` target rounds, fitted on the target rows ``rows``."""
        y = data.y[rows]
        sample_weight = None
        if self._task == "classification":
            # The target trees score every source class, as the source trees
            # do, and a HistGradientBoostingClassifier scores the classes of
            # its labels: a source class that these rows lack gets one row of
            # weight zero, which adds nothing to the gradients, hessians or
            # leaf values (only to the row counts of min_samples_leaf, and to
            # the counts a class_weight="balanced" is computed from, which
            # scales every other row's weight alike).
            missing = np.setdiff1d(self.classes_, y)
            if missing.size:
                rows = np.r_[rows, np.repeat(rows[0], missing.size)]
                sample_weight = np.r_[np.ones(y.shape[0]), np.zeros(missing.size)]
                y = np.r_[y, missing]
        X = data.rows(rows)
        booster = clone(self._default_estimator()).set_params(
            loss=_OffsetLoss(self._loss_, self._source_raw(X)),
            max_iter=n_rounds,
            learning_rate=(
                self._default_estimator().learning_rate
                if self.target_learning_rate is None
                else self.target_learning_rate
            ),
            min_samples_leaf=self.target_min_samples_leaf,
            # Early stopping would hold out rows the offset is aligned with;
            # the number of rounds is chosen on the target labels instead.
            early_stopping=False,
            warm_start=False,
        )
        return booster.fit(X, y, sample_weight=sample_weight)

    def _staged_predictions(self, booster, X, counts):
        """Predictions of ``X`` after each number of target rounds in ``counts``."""
        raw_source = self._source_raw(X)
        staged = (
            booster.staged_decision_function(X)
            if self._task == "classification"
            else booster.staged_predict(X)  # the trees' raw sum: identity link
        )
        by_count = {0: self._from_raw(raw_source)}
        for count, raw_target in enumerate(staged, start=1):
            if count in counts:
                by_count[count] = self._from_raw(
                    raw_source + raw_target.reshape(raw_source.shape)
                )
        return [by_count[count] for count in counts]

    def _fit(self, data):
        """Fit on the source rows, then boosting rounds on the target rows."""
        self.source_estimator_ = _fit_rows(self._default_estimator(), data, data.source)
        self._loss_ = _source_loss(self.source_estimator_)
        if data.target.size:
            self._check_target(data.y[data.target])
        if data.target.size == 0:
            self.n_target_rounds_ = 0  # the source-only form
        elif self.n_target_rounds == "auto":
            self.rounds_ = np.array(_ROUNDS)

            def fold_predictions(train, test):
                booster = self._fit_target_rounds(data, train, int(self.rounds_[-1]))
                return self._staged_predictions(
                    booster, data.rows(test), list(self.rounds_)
                )

            best, self.cv_scores_ = _choose_on_target(
                data,
                self.cv,
                self._task == "classification",
                self.random_state,
                fold_predictions,
            )
            self.n_target_rounds_ = int(self.rounds_[best])
        else:
            self.n_target_rounds_ = self.n_target_rounds
        self.target_estimator_ = (
            self._fit_target_rounds(data, data.target, self.n_target_rounds_)
            if self.n_target_rounds_
            else None
        )

    def _check_target(self, y_target):
        """Refuse target labels or a loss that the target rounds cannot fit."""
        if not self._loss_.differentiable:
            raise ValueError(
                f"{type(self).__name__} cannot continue the boosting of a "
                f"{type(self._loss_).__name__} loss: HistGradientBoosting sets "
                "the leaf values of such a loss from the labels minus the new "
                "trees' predictions, which leaves the source model's out. Use a "
                "differentiable loss (squared_error, poisson, gamma, log_loss)."
            )
        if self._task == "classification":
            unknown = np.setdiff1d(y_target, self.classes_)
            if unknown.size:
                raise ValueError(
                    f"The labelled target rows hold classes {unknown.tolist()} "
                    "that no labelled source row holds: the source model scores "
                    "its own classes only, and continued boosting starts from "
                    f"them. {type(self).__name__} needs target classes among the "
                    f"source classes {self.classes_.tolist()}."
                )
        elif not self._loss_.in_y_true_range(y_target):
            raise ValueError(
                f"The labels of the labelled target rows are out of the range of "
                f"the loss {type(self._loss_).__name__} (e.g. negative values for "
                "poisson)."
            )

    def _raw_predict(self, X, sample_domain):
        check_is_fitted(self)
        X, _, _ = self._predict_input(X, sample_domain)
        raw = self._source_raw(X)
        if self.target_estimator_ is not None:
            target = (
                self.target_estimator_.decision_function(X)
                if self._task == "classification"
                else self.target_estimator_.predict(X)
            )
            raw = raw + target.reshape(raw.shape)
        return raw

    def predict(self, X, sample_domain=None):
        """Predict with the source model's boosting continued on the target rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; read for validation only.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions.
        """
        check_is_fitted(self)
        if self.target_estimator_ is None:
            X, _, _ = self._predict_input(X, sample_domain)
            return self.source_estimator_.predict(X)
        return self._from_raw(self._raw_predict(X, sample_domain))


class ContinuedBoostingClassifier(
    DomainAwarePredictorMixin,
    ClassifierMixin,
    _ClassesOfSource,
    _BaseContinuedBoosting,
):
    """Gradient boosting on the source rows, continued on the target rows.

    A :class:`~sklearn.ensemble.HistGradientBoostingClassifier` is fitted on
    the labelled source rows; then ``n_target_rounds`` more boosting rounds
    are fitted on the labelled target rows, starting from the source
    model's raw predictions (its ``decision_function``): each target tree
    fits the gradient of the log loss of the target labels at the source
    trees' output plus the target trees' so far, as one boosting run would.
    The target rounds take the estimator's parameters (tree size,
    ``l2_regularization``, categorical features, constraints), its learning
    rate unless ``target_learning_rate`` says otherwise, a
    ``min_samples_leaf`` of their own and no early stopping. With
    ``n_target_rounds="auto"`` the number of rounds is chosen by
    cross-validation on the target labels: no round is the source model,
    many rounds move away from it. Without labelled target rows there are
    no target rounds: the source model.

    The target labels must hold source classes only (a ValueError
    otherwise: the source model scores its own classes). A source class that
    no labelled target row holds is kept: the target rounds lower its score.

    Parameters
    ----------
    estimator : HistGradientBoostingClassifier, default=None
        The source model, whose boosting is continued; a
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier` with its
        defaults when None. Its loss must be differentiable (``log_loss``).

    n_target_rounds : int >= 0 or "auto", default="auto"
        Boosting rounds fitted on the target rows. ``"auto"`` tries 0, 5, 10,
        20, 50 and 100 rounds, scored from one fit per fold through its
        stages, and keeps the one whose out-of-fold accuracy on the target
        labels is best (ties go to fewer rounds).

    target_learning_rate : float > 0 or None, default=None
        Learning rate of the target rounds; the estimator's when None.

    target_min_samples_leaf : int >= 1, default=5
        ``min_samples_leaf`` of the target trees. HistGradientBoosting never
        moves a tree that cannot split (its single leaf predicts zero): with
        the default of 20, target rounds on fewer than 40 rows would change
        nothing.

    cv : int or cross-validation generator, default=5
        Folds of the labelled target rows for ``n_target_rounds="auto"``:
        an int gives stratified folds (fewer when a class has fewer labelled
        target rows), a generator splits the labelled target rows as given.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds. The estimator keeps its own ``random_state``.

    Attributes
    ----------
    source_estimator_ : HistGradientBoostingClassifier
        The estimator fitted on the labelled source rows.

    target_estimator_ : HistGradientBoostingClassifier or None
        The target rounds: a model whose trees' raw sum
        (``decision_function``) is added to the source model's; None with no
        target round.

    n_target_rounds_ : int
        The number of target rounds fitted.

    rounds_ : ndarray
        The numbers of rounds tried (``n_target_rounds="auto"`` only).

    cv_scores_ : ndarray of shape (n_rounds,)
        Out-of-fold accuracy of each number of rounds on the target labels
        (``n_target_rounds="auto"`` only).

    classes_ : ndarray of shape (n_classes,)
        Class labels seen in the source rows.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    ContinuedBoostingRegressor : The regression counterpart.
    PREDClassifier : The source model's output as a feature of a target model.

    Notes
    -----
    scikit-learn's ``warm_start`` cannot do this: a warm-started fit on other
    rows re-fits the binning and the categorical encoding, so that the source
    trees' predictions that the new trees start from are wrong. The target
    rounds are fitted instead as a model of their own, whose loss is
    evaluated at the source model's raw predictions plus its own.

    The target trees encode categorical features from the labelled target
    rows: a category that none of them holds is unknown to the target trees,
    which send it where they send missing values, so that their correction
    of the categories they saw may reach it too.

    References
    ----------
    .. [1] J. H. Friedman, "Greedy function approximation: a gradient
       boosting machine", The Annals of Statistics 29(5), 2001 (boosting from
       any initial model).
    .. [2] R. E. Schapire, M. Rochery, M. Rahim and N. Gupta, "Boosting with
       prior knowledge for call classification", IEEE Transactions on Speech
       and Audio Processing 13(2), 2005.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import expit
    >>> from sktransfer.supervised import ContinuedBoostingClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(260, 2))
    >>> shift = np.r_[np.zeros(200), 2 * np.ones(60)]  # the target's log-odds
    >>> y = (rng.rand(260) < expit(3 * X[:, 0] + shift)).astype(int)
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(60, int)]
    >>> clf = ContinuedBoostingClassifier(random_state=0).fit(
    ...     X, y, sample_domain=sample_domain)
    >>> clf.n_target_rounds_
    20
    >>> X_new = rng.normal(size=(1000, 2))
    >>> y_new = (rng.rand(1000) < expit(3 * X_new[:, 0] + 2)).astype(int)
    >>> source_only = clf.source_estimator_
    >>> round(source_only.score(X_new, y_new), 2), round(clf.score(X_new, y_new), 2)
    (0.69, 0.79)
    """

    _task = "classification"
    _parameter_constraints: dict = {
        **_BaseContinuedBoosting._parameter_constraints,
        "estimator": [HistGradientBoostingClassifier, None],
    }

    @staticmethod
    def _fallback():
        return HistGradientBoostingClassifier()

    def _from_raw(self, raw):
        return self.classes_[np.argmax(self._loss_.predict_proba(raw), axis=1)]

    def predict_proba(self, X, sample_domain=None):
        """Class probabilities; parameters as in :meth:`predict`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, columns ordered as ``classes_``.
        """
        raw = self._raw_predict(X, sample_domain)
        return self._loss_.predict_proba(raw)

    def decision_function(self, X, sample_domain=None):
        """Raw scores: the source trees' plus the target trees'.

        Parameters as in :meth:`predict`.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            One column for two classes (the score of ``classes_[1]``), one
            per class otherwise.
        """
        raw = self._raw_predict(X, sample_domain)
        return raw.ravel() if raw.shape[1] == 1 else raw


class ContinuedBoostingRegressor(
    DomainAwarePredictorMixin, RegressorMixin, _BaseContinuedBoosting
):
    """Gradient boosting on the source rows, continued on the target rows.

    The regression counterpart of :class:`ContinuedBoostingClassifier`: a
    :class:`~sklearn.ensemble.HistGradientBoostingRegressor` fitted on the
    labelled source rows, then ``n_target_rounds`` boosting rounds fitted on
    the labelled target rows from its raw predictions (for squared error,
    its predictions: the target trees fit the residuals of the source
    model). Unlabeled rows carry ``NaN`` in ``y``; ``n_target_rounds="auto"``
    keeps the number of rounds whose out-of-fold squared error on the target
    labels is smallest. Without labelled target rows there are no target
    rounds: the source model.

    Parameters
    ----------
    estimator : HistGradientBoostingRegressor, default=None
        The source model, whose boosting is continued; a
        :class:`~sklearn.ensemble.HistGradientBoostingRegressor` with its
        defaults when None. Its loss must be differentiable
        (``squared_error``, ``poisson``, ``gamma``): ``absolute_error`` and
        ``quantile`` re-fit leaf values in a way that leaves the source model
        out.

    n_target_rounds : int >= 0 or "auto", default="auto"
        Boosting rounds fitted on the target rows; ``"auto"`` tries 0, 5, 10,
        20, 50 and 100 (see the classifier).

    target_learning_rate : float > 0 or None, default=None
        Learning rate of the target rounds; the estimator's when None.

    target_min_samples_leaf : int >= 1, default=5
        ``min_samples_leaf`` of the target trees (see the classifier).

    cv : int or cross-validation generator, default=5
        Folds of the labelled target rows for ``n_target_rounds="auto"``.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds. The estimator keeps its own ``random_state``.

    Attributes
    ----------
    source_estimator_ : HistGradientBoostingRegressor
        The estimator fitted on the labelled source rows.

    target_estimator_ : HistGradientBoostingRegressor or None
        The target rounds: a model whose ``predict`` is its trees' raw sum,
        added to the source model's raw predictions; None with no target
        round.

    n_target_rounds_ : int
        The number of target rounds fitted.

    rounds_ : ndarray
        The numbers of rounds tried (``n_target_rounds="auto"`` only).

    cv_scores_ : ndarray of shape (n_rounds,)
        Minus the out-of-fold mean squared error of each number of rounds on
        the target labels (``n_target_rounds="auto"`` only).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    ContinuedBoostingClassifier : The classification counterpart.
    PREDRegressor : The source model's prediction as a feature of a target
        model.

    References
    ----------
    .. [1] J. H. Friedman, "Greedy function approximation: a gradient
       boosting machine", The Annals of Statistics 29(5), 2001.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.supervised import ContinuedBoostingRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(230, 2))
    >>> y = np.sin(2 * X[:, 0]) + np.r_[np.zeros(200), 3 * np.ones(30)]  # a shift
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(30, int)]
    >>> reg = ContinuedBoostingRegressor(random_state=0).fit(
    ...     X, y, sample_domain=sample_domain)
    >>> reg.n_target_rounds_
    50
    >>> X_new = rng.normal(size=(1000, 2))
    >>> y_new = np.sin(2 * X_new[:, 0]) + 3
    >>> source_only = reg.source_estimator_
    >>> round(source_only.score(X_new, y_new), 2), round(reg.score(X_new, y_new), 2)
    (-17.88, 0.88)
    """

    _task = "regression"
    _parameter_constraints: dict = {
        **_BaseContinuedBoosting._parameter_constraints,
        "estimator": [HistGradientBoostingRegressor, None],
    }

    @staticmethod
    def _fallback():
        return HistGradientBoostingRegressor()

    def _from_raw(self, raw):
        return self._loss_.link.inverse(raw.ravel())

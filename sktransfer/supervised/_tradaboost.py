"""TrAdaBoost and TrAdaBoost.R2: boosting in which the target labels outvote the source.

Every round fits the wrapped estimator on the labelled source and target rows
with the current weights. A source row that the round gets wrong loses
weight (it is taken for a row of the source's own concept); a target row that
it gets wrong gains weight, as in AdaBoost. The two-stage variant lowers the
source's weight on a fixed schedule instead and boosts the target alone at
each step of it.
"""

from dataclasses import dataclass
from math import ceil
from numbers import Integral

import numpy as np
from scipy.optimize import brentq
from sklearn.base import ClassifierMixin, RegressorMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._compat import HasMethods, Interval, StrOptions, _safe_indexing
from .._domain import DomainAwarePredictorMixin
from ..reweight._importance import _weight_param
from ._base import _CV_CONSTRAINT, _BaseFewLabels, _choose_on_target

__all__ = [
    "TrAdaBoostClassifier",
    "TrAdaBoostRegressor",
    "TwoStageTrAdaBoostRegressor",
]

# The counts of rounds tried by n_estimators="auto", from the fewest (the
# pooled fit of round 1, which leans most on the source) to the most. Each
# fold boosts once for the largest and scores every count from that run.
_ROUNDS = (1, 2, 3, 5, 8, 12, 20, 30)

# A round's error is kept inside (0, 1/2): an error of 0 would give its vote
# an infinite weight, and one of 1/2 or more (a round no better than chance on
# the target, which the papers rule out) a vote of weight <= 0.
_ERROR_MARGIN = 1e-10


def _seeded(estimator, seed):
    """A clone of ``estimator`` whose unset ``random_state`` parameters are ``seed``.

    So that a fit with a fixed ``random_state`` is repeatable when the
    wrapped estimator draws at random (a tree breaks ties between splits so).
    """
    estimator = clone(estimator)
    unset = {
        name: seed
        for name, value in estimator.get_params().items()
        if name.endswith("random_state") and value is None
    }
    return estimator.set_params(**unset)


def _fit_weighted(estimator, param, seed, X, y, weights):
    """``estimator`` fitted on ``X, y`` with ``weights``, rescaled to a mean of one.

    The weights are a distribution over the rows, as the papers give the
    learner; with a mean of one they keep the meaning of the estimator's
    regularisation.
    """
    return _seeded(estimator, seed).fit(X, y, **{param: weights / weights.mean()})


def _zero_one_loss(y, y_pred):
    """The 0/1 loss of each row: the paper's ``|h(x) - y|``, for any classes."""
    return (y_pred != y).astype(np.float64)


def _linear_loss(y, y_pred):
    """AdaBoost.R2's linear loss (Drucker, 1997): ``|y - h(x)|`` over its maximum."""
    errors = np.abs(np.asarray(y_pred, dtype=np.float64) - y)
    largest = errors.max()
    return errors / largest if largest > 0 else errors


def _second_half(n_rounds):
    """The rounds the output votes with: rounds ceil(N/2) to N (counted from 1)."""
    return slice(ceil(n_rounds / 2) - 1, n_rounds)


def _vote_shares(predictions, weights, classes):
    """Each class's share of the weighted vote of ``predictions``."""
    shares = np.zeros((predictions[0].shape[0], classes.shape[0]))
    every_row = np.arange(shares.shape[0])
    for predicted, weight in zip(predictions, weights, strict=True):
        shares[every_row, np.searchsorted(classes, predicted)] += weight
    return shares / np.sum(weights)


def _weighted_median(predictions, weights):
    """Drucker's weighted median: the smallest prediction holding half the weight."""
    predictions = np.asarray(predictions)
    order = np.argsort(predictions, axis=0)
    held = np.cumsum(np.asarray(weights)[order], axis=0)
    median = np.argmax(held >= 0.5 * held[-1], axis=0)
    every_row = np.arange(predictions.shape[1])
    return predictions[order[median, every_row], every_row]


@dataclass(frozen=True)
class _Run:
    """The rounds of one boosting run.

    Attributes
    ----------
    estimators : list
        The estimator fitted at each round.

    vote_weights : ndarray of shape (n_rounds,)
        ``log(1 / beta_t)`` of each round.

    weights : ndarray of shape (n_rounds, n_rows)
        The distribution over the rows each round was fitted with, source
        rows first.
    """

    estimators: list
    vote_weights: np.ndarray
    weights: np.ndarray


def _tradaboost(estimator, param, seed, X, y, n_source, n_rounds, loss):
    """TrAdaBoost's rounds (Dai et al., 2007, Algorithm 1), source rows first.

    The weights start uniform. Round ``t`` fits the estimator with them,
    measures the loss of each row, and the weighted mean loss ``eps_t`` of
    the target rows; then a source row's weight is multiplied by
    ``beta ** loss``, ``beta = 1 / (1 + sqrt(2 ln(n_source) / n_rounds))``,
    and a target row's by ``beta_t ** -loss``, ``beta_t = eps_t / (1 -
    eps_t)``. ``eps_t`` is kept inside (0, 1/2) (see ``_ERROR_MARGIN``): a
    round at or past chance on the target votes with a weight near zero and
    hardly moves the target weights, while the source weights keep falling,
    so that the rounds after it differ; stopping there instead would change
    which rounds the output votes with.
    """
    n_rows = y.shape[0]
    beta = 1.0 / (1.0 + np.sqrt(2.0 * np.log(n_source) / n_rounds))
    weights = np.full(n_rows, 1.0 / n_rows)
    estimators, vote_weights, history = [], [], []
    for _ in range(n_rounds):
        weights = weights / weights.sum()
        history.append(weights)
        fitted = _fit_weighted(estimator, param, seed, X, y, weights)
        rows_loss = loss(y, fitted.predict(X))
        target_weights = weights[n_source:]
        error = np.dot(target_weights, rows_loss[n_source:]) / target_weights.sum()
        error = np.clip(error, _ERROR_MARGIN, 0.5 - _ERROR_MARGIN)
        beta_t = error / (1.0 - error)
        estimators.append(fitted)
        vote_weights.append(np.log(1.0 / beta_t))
        weights = (
            weights
            * np.r_[beta ** rows_loss[:n_source], beta_t ** -rows_loss[n_source:]]
        )
    return _Run(estimators, np.array(vote_weights), np.array(history))


def _adaboost_r2(estimator, param, seed, X, y, n_source, weights, n_rounds):
    """AdaBoost.R2 (Drucker, 1997) with the source weights frozen.

    The first stage of a step of two-stage TrAdaBoost.R2: the weighted mean
    linear loss ``L`` over all rows gives ``beta = L / (1 - L)``; each target
    row's weight is multiplied by ``beta ** (1 - loss)`` and the target's
    total weight is restored, so that the source rows keep theirs. As in
    Drucker's algorithm, a round with ``L >= 1/2`` ends the boosting and is
    dropped (the first round is kept all the same: a model needs one); a
    perfect round ends it too, as it would leave the weights unchanged.
    Every row must weigh more than zero: the loss is scaled by its largest
    value over the rows the learner was fitted on.
    """
    weights = weights.copy()
    target_total = weights[n_source:].sum()
    estimators, vote_weights = [], []
    for _ in range(n_rounds):
        fitted = _fit_weighted(estimator, param, seed, X, y, weights)
        rows_loss = _linear_loss(y, fitted.predict(X))
        mean_loss = np.dot(weights / weights.sum(), rows_loss)
        if mean_loss >= 0.5 and estimators:
            break
        error = np.clip(mean_loss, _ERROR_MARGIN, 0.5 - _ERROR_MARGIN)
        beta = error / (1.0 - error)
        estimators.append(fitted)
        vote_weights.append(np.log(1.0 / beta))
        if not 0 < mean_loss < 0.5:
            break
        target = weights[n_source:] * beta ** (1.0 - rows_loss[n_source:])
        weights[n_source:] = target * target_total / target.sum()
    return estimators, np.array(vote_weights)


def _lower_source(weights, rows_loss, n_source, target_share):
    """Two-stage TrAdaBoost.R2's update: the source's weight falls to a set share.

    Each source row's weight is multiplied by ``beta ** loss``, with the
    ``beta`` in [0, 1] that leaves the target rows ``target_share`` of the
    total weight (Pardoe and Stone, 2010, Algorithm 4); the target rows keep
    their weights. A share of 1 drops the source. When even ``beta = 0``
    leaves the source too much weight (its rows of zero loss keep theirs),
    ``beta`` is 0.

    ``beta`` is solved for in logarithm: when the source's losses are small,
    the ``beta`` that lowers it enough can be far below any tolerance on
    ``beta`` itself (``1e-14`` for losses near 0.05).
    """
    source = weights[:n_source]
    source_loss = rows_loss[:n_source]
    goal = weights[n_source:].sum() * (1.0 - target_share) / target_share
    if target_share >= 1:
        lowered = np.zeros(n_source)
    elif np.dot(source, source_loss == 0) >= goal:
        lowered = np.where(source_loss == 0, source, 0.0)
    else:

        def excess(log_beta):
            return np.dot(source, np.exp(log_beta * source_loss)) - goal

        # The source's weight falls from above the goal (log_beta = 0, as the
        # schedule raises the target's share) to below it as log_beta falls.
        low = -1.0
        while excess(low) >= 0:
            low *= 2
        lowered = source * np.exp(brentq(excess, low, 0.0) * source_loss)
    weights = np.r_[lowered, weights[n_source:]]
    return weights / weights.sum()


class _BaseTrAdaBoost(_BaseFewLabels):
    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "n_estimators": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "cv": _CV_CONSTRAINT,
        "random_state": ["random_state"],
    }

    def __init__(self, estimator=None, *, n_estimators="auto", cv=5, random_state=None):
        self.estimator = estimator
        self.n_estimators = n_estimators
        self.cv = cv
        self.random_state = random_state

    def _boost(self, data, target, n_rounds, param, seed):
        rows = np.r_[data.source, target]
        return _tradaboost(
            self._default_estimator(),
            param,
            seed,
            data.rows(rows),
            data.y[rows],
            data.source.size,
            n_rounds,
            self._loss,
        )

    def _fit(self, data):
        """Boost on the labelled source and target rows."""
        param = _weight_param(self._default_estimator(), type(self).__name__)
        random_state = check_random_state(self.random_state)
        seed = random_state.randint(np.iinfo(np.int32).max)
        classifier = self._task == "classification"
        if classifier:
            self.classes_ = np.unique(data.y[np.r_[data.source, data.target]])
        if data.target.size == 0:
            # The source-only form: one estimator fitted on the source rows.
            estimator = _seeded(self._default_estimator(), seed)
            run = _Run(
                [estimator.fit(data.rows(data.source), data.y[data.source])],
                np.ones(1),
                np.full((1, data.source.size), 1.0 / data.source.size),
            )
        elif self.n_estimators == "auto":

            def fold_predictions(train, test):
                rows = np.r_[data.source, train]
                classes = np.unique(data.y[rows]) if classifier else None
                if classifier and classes.size < 2:
                    return [None] * len(_ROUNDS)
                fold = self._boost(data, train, _ROUNDS[-1], param, seed)
                X_test = data.rows(test)
                predictions = [fitted.predict(X_test) for fitted in fold.estimators]
                return [
                    self._combine(
                        predictions[_second_half(k)],
                        fold.vote_weights[_second_half(k)],
                        classes,
                    )
                    for k in _ROUNDS
                ]

            best, self.cv_scores_ = _choose_on_target(
                data, self.cv, classifier, random_state, fold_predictions
            )
            run = self._boost(data, data.target, _ROUNDS[-1], param, seed)
            n_rounds = _ROUNDS[best]
            run = _Run(
                run.estimators[:n_rounds],
                run.vote_weights[:n_rounds],
                run.weights[:n_rounds],
            )
        else:
            run = self._boost(data, data.target, self.n_estimators, param, seed)
        self.estimators_ = run.estimators
        self.estimator_weights_ = run.vote_weights
        self.n_estimators_ = len(run.estimators)
        self.source_weights_ = run.weights[:, : data.source.size]
        self.target_weights_ = run.weights[:, data.source.size :]

    def _members(self, X, sample_domain):
        """Predictions of the voting rounds on ``X``, and their vote weights."""
        check_is_fitted(self)
        X, _, _ = self._predict_input(X, sample_domain)
        voting = _second_half(self.n_estimators_)
        predictions = [fitted.predict(X) for fitted in self.estimators_[voting]]
        return predictions, self.estimator_weights_[voting]


class TrAdaBoostClassifier(DomainAwarePredictorMixin, ClassifierMixin, _BaseTrAdaBoost):
    """TrAdaBoost: boosting that lowers the weight of source rows it gets wrong.

    The labelled source rows and the few labelled target rows are boosted
    together (Dai et al., 2007). The weights start uniform; each round fits
    the estimator with them and computes ``eps_t``, its weighted error on
    the target rows. A source row the round misclassifies has its weight
    multiplied by ``beta = 1 / (1 + sqrt(2 ln(n_source) / N))`` (``N``
    rounds in all): it is taken for a row of the source's own concept. A
    target row it misclassifies has its weight multiplied by ``1 / beta_t``,
    ``beta_t = eps_t / (1 - eps_t)``, as in AdaBoost.

    The paper is binary and counts an error as ``|h(x) - y|``; with several
    classes this is the 0/1 loss, as in ADAPT's implementation. The paper
    requires ``eps_t < 1/2``: ``eps_t`` is clipped just inside (0, 1/2),
    so that a round at or past chance on the target votes with a weight near
    zero and leaves the target weights almost unchanged (the source weights
    still fall, so the next round differs), and a round without target error
    votes with a large, finite weight.

    The prediction is the paper's: the weighted vote of the rounds
    ``ceil(N/2)`` to ``N``, round ``t`` voting with weight
    ``log(1 / beta_t)`` (ties go to the first class of ``classes_``). The
    first rounds, in which the source still weighs much, do not vote.
    Without labelled target rows the model is one estimator fitted on the
    source rows, and predicts as it does.

    Parameters
    ----------
    estimator : classifier, default=None
        The classifier boosted; its ``fit`` must take ``sample_weight``. A
        :class:`~sklearn.linear_model.LogisticRegression` when None: the
        package's default classifier, and a linear learner as the paper's
        SVMs.

    n_estimators : int or "auto", default="auto"
        The number of rounds ``N``. ``"auto"`` boosts 30 rounds (``beta`` is
        computed with ``N = 30``) and keeps the first 1, 2, 3, 5, 8, 12, 20
        or 30 of them, those whose vote has the best out-of-fold accuracy on
        the target labels (ties go to fewer rounds): each fold boosts once,
        and every count is scored from that run.

    cv : int or cross-validation generator, default=5
        Folds of the labelled target rows for ``n_estimators="auto"``: an
        int gives stratified folds (fewer when a class has fewer labelled
        target rows), a generator splits the labelled target rows as given.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds, and seeds the estimator's unset
        ``random_state``.

    Attributes
    ----------
    estimators_ : list of classifiers
        The classifier fitted at each round; the second half votes.

    estimator_weights_ : ndarray of shape (`n_estimators_`,)
        ``log(1 / beta_t)`` of each round: its weight in the vote.

    n_estimators_ : int
        The number of rounds kept (1 in the source-only form).

    source_weights_ : ndarray of shape (`n_estimators_`, n_source)
        The weights of the labelled source rows (in the order of ``X``) that
        each round was fitted with. With ``target_weights_``, a row of each
        sums to one.

    target_weights_ : ndarray of shape (`n_estimators_`, n_target)
        The weights of the labelled target rows that each round was fitted
        with.

    cv_scores_ : ndarray of shape (8,)
        Out-of-fold accuracy on the target labels of each count of rounds
        tried (``n_estimators="auto"`` only).

    classes_ : ndarray of shape (n_classes,)
        Class labels of the labelled rows.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    TrAdaBoostRegressor : The regression counterpart (TrAdaBoost.R2).
    BalancedWeightingClassifier : One fit, the target's share of the weight
        chosen.

    References
    ----------
    .. [1] W. Dai, Q. Yang, G.-R. Xue and Y. Yu, "Boosting for transfer
       learning", ICML 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.supervised import TrAdaBoostClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(220, 2))
    >>> y = (X[:, 0] > 0).astype(int)
    >>> y[200:] = (X[200:, 1] > 0).astype(int)  # the target's concept differs
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(20, int)]
    >>> clf = TrAdaBoostClassifier(n_estimators=10).fit(
    ...     X, y, sample_domain=sample_domain)
    >>> share = clf.source_weights_.sum(axis=1)  # the source's share by round
    >>> bool(share[-1] < share[0])
    True
    """

    _task = "classification"

    @staticmethod
    def _fallback():
        return LogisticRegression()

    _loss = staticmethod(_zero_one_loss)

    @staticmethod
    def _combine(predictions, weights, classes):
        return classes[np.argmax(_vote_shares(predictions, weights, classes), axis=1)]

    def predict(self, X, sample_domain=None):
        """Predict with the weighted vote of the second half of the rounds.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; read for validation only.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted classes.
        """
        return self._combine(*self._members(X, sample_domain), self.classes_)

    def predict_proba(self, X, sample_domain=None):
        """Each class's share of the weighted vote; parameters as in :meth:`predict`.

        The paper's output is the vote: these shares are scores that rank
        the rows, not calibrated probabilities. With few voting rounds they
        take few values (0 or 1 in the source-only form).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Share of the vote of each class, columns ordered as ``classes_``.
        """
        return _vote_shares(*self._members(X, sample_domain), self.classes_)


class TrAdaBoostRegressor(DomainAwarePredictorMixin, RegressorMixin, _BaseTrAdaBoost):
    """TrAdaBoost.R2: TrAdaBoost for regression, with AdaBoost.R2's loss.

    The regression counterpart of :class:`TrAdaBoostClassifier` (Pardoe and
    Stone, 2010): each round's loss of a row is AdaBoost.R2's linear loss
    (Drucker, 1997), ``|y - h(x)|`` over its largest value on the rows of
    the round, in [0, 1]. The weights move as in TrAdaBoost: a source row's
    weight is multiplied by ``beta ** loss``, ``beta = 1 / (1 + sqrt(2
    ln(n_source) / N))``, and a target row's by ``beta_t ** -loss``, where
    ``beta_t = eps_t / (1 - eps_t)`` and ``eps_t`` is the weighted mean loss
    of the target rows, clipped just inside (0, 1/2) as in the classifier.
    The prediction is the weighted median of the predictions of the rounds
    ``ceil(N/2)`` to ``N``, round ``t`` weighing ``log(1 / beta_t)``.
    Unlabeled rows carry ``NaN`` in ``y``. Without labelled target rows the
    model is one estimator fitted on the source rows.

    Parameters
    ----------
    estimator : regressor, default=None
        The regressor boosted; its ``fit`` must take ``sample_weight``. A
        :class:`~sklearn.tree.DecisionTreeRegressor` of depth 4 when None:
        boosting needs a learner that the weights move, and AdaBoost.R2 was
        built on regression trees (Drucker, 1997).

    n_estimators : int or "auto", default="auto"
        The number of rounds ``N``; ``"auto"`` as in the classifier, keeping
        the count whose out-of-fold squared error on the target labels is
        smallest.

    cv : int or cross-validation generator, default=5
        Folds of the labelled target rows for ``n_estimators="auto"``.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds, and seeds the estimator's unset
        ``random_state``.

    Attributes
    ----------
    estimators_ : list of regressors
        The regressor fitted at each round; the second half predicts.

    estimator_weights_ : ndarray of shape (`n_estimators_`,)
        ``log(1 / beta_t)`` of each round: its weight in the median.

    n_estimators_ : int
        The number of rounds kept (1 in the source-only form).

    source_weights_ : ndarray of shape (`n_estimators_`, n_source)
        The weights of the labelled source rows that each round was fitted
        with. With ``target_weights_``, a row of each sums to one.

    target_weights_ : ndarray of shape (`n_estimators_`, n_target)
        The weights of the labelled target rows that each round was fitted
        with.

    cv_scores_ : ndarray of shape (8,)
        Minus the out-of-fold mean squared error on the target labels of
        each count of rounds tried (``n_estimators="auto"`` only).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    TrAdaBoostClassifier : The classification counterpart.
    TwoStageTrAdaBoostRegressor : Lowers the source's weight on a schedule.

    References
    ----------
    .. [1] D. Pardoe and P. Stone, "Boosting for regression transfer",
       ICML 2010.
    .. [2] H. Drucker, "Improving regressors using boosting techniques",
       ICML 1997.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.supervised import TrAdaBoostRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-2, 2, size=(220, 1))
    >>> y = X[:, 0] + np.r_[np.zeros(200), 3 * np.ones(20)]  # a level shift
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(20, int)]
    >>> reg = TrAdaBoostRegressor(n_estimators=10, random_state=0).fit(
    ...     X, y, sample_domain=sample_domain)
    >>> share = reg.source_weights_.sum(axis=1)  # the source's share by round
    >>> bool(share[-1] < share[0])
    True
    """

    _task = "regression"

    @staticmethod
    def _fallback():
        return DecisionTreeRegressor(max_depth=4)

    _loss = staticmethod(_linear_loss)

    @staticmethod
    def _combine(predictions, weights, classes):
        return _weighted_median(predictions, weights)

    def predict(self, X, sample_domain=None):
        """Predict with the weighted median of the second half of the rounds.

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
        return _weighted_median(*self._members(X, sample_domain))


class TwoStageTrAdaBoostRegressor(
    DomainAwarePredictorMixin, RegressorMixin, _BaseFewLabels
):
    """Two-stage TrAdaBoost.R2: the source's weight lowered step by step.

    Pardoe and Stone (2010) observed that TrAdaBoost.R2's source weights
    fall too fast, and separate the two movements. Over ``n_steps`` steps
    the source's share of the total weight goes from pooling,
    ``n_source / (n_source + n_target)``, to 0 in equal steps. At each step,
    a first stage boosts with AdaBoost.R2 (Drucker, 1997) from the step's
    weights, the source weights frozen: only the target weights move. The
    second stage then fits one estimator with the step's weights and
    multiplies each source row's weight by ``beta ** loss`` (AdaBoost.R2's
    linear loss), ``beta`` chosen so that the source keeps the next step's
    share: the source rows the estimator fits worst lose weight first. The
    step is chosen by cross-validation on the target labels and its
    AdaBoost.R2 model, which predicts with the weighted median of all its
    rounds, is the model.

    Each fold of the cross-validation runs the whole schedule on its own
    rows, so that the held-out target rows shape neither the source weights
    nor the model (the paper sets the source weights on every row first).
    Unlabeled rows carry ``NaN`` in ``y``. Without labelled target rows the
    model is one estimator fitted on the source rows.

    Parameters
    ----------
    estimator : regressor, default=None
        The regressor boosted; its ``fit`` must take ``sample_weight``. A
        :class:`~sklearn.tree.DecisionTreeRegressor` of depth 4 when None,
        as in :class:`TrAdaBoostRegressor`.

    n_steps : int, default=10
        The number of steps ``S`` (at least 2): from one step to the next
        the source's share falls by ``1 / (S - 1)`` of its pooled share. A
        fit costs about ``(cv + 1) * n_steps * (n_estimators + 1)`` fits of
        the estimator; 10 steps of 10 rounds keep it near 660.

    n_estimators : int, default=10
        The most rounds of each step's AdaBoost.R2 (fewer when a round is
        no better than chance or perfect).

    step : int or "auto", default="auto"
        The step whose model is kept, from 1 (pooling) to ``n_steps`` (the
        target alone). ``"auto"`` keeps the step whose out-of-fold squared
        error on the target labels is smallest (ties go to the earlier
        step), as the paper does.

    cv : int or cross-validation generator, default=5
        Folds of the labelled target rows for ``step="auto"``.

    random_state : int, RandomState instance or None, default=None
        Shuffles the folds, and seeds the estimator's unset
        ``random_state``.

    Attributes
    ----------
    step_ : int
        The step kept (1 in the source-only form).

    estimators_ : list of regressors
        The rounds of the kept step's AdaBoost.R2.

    estimator_weights_ : ndarray of shape (`n_estimators_`,)
        ``log(1 / beta)`` of each of those rounds: its weight in the median.

    n_estimators_ : int
        The number of those rounds.

    source_weights_ : ndarray of shape (n_steps, n_source)
        The weights of the labelled source rows at each step, before its
        AdaBoost.R2. With ``target_weights_``, a row of each sums to one;
        the target's share at step ``s`` is ``p + (s - 1) / (n_steps - 1) *
        (1 - p)``, ``p = n_target / (n_source + n_target)``. One row
        (uniform) in the source-only form.

    target_weights_ : ndarray of shape (n_steps, n_target)
        The weights of the labelled target rows at each step, before its
        AdaBoost.R2.

    cv_scores_ : ndarray of shape (n_steps,)
        Minus the out-of-fold mean squared error on the target labels of
        each step (``step="auto"`` only).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    TrAdaBoostRegressor : TrAdaBoost.R2, the source and target weights
        moved together.

    References
    ----------
    .. [1] D. Pardoe and P. Stone, "Boosting for regression transfer",
       ICML 2010.
    .. [2] H. Drucker, "Improving regressors using boosting techniques",
       ICML 1997.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.supervised import TwoStageTrAdaBoostRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-2, 2, size=(220, 1))
    >>> y = X[:, 0] + np.r_[np.zeros(200), 3 * np.ones(20)]  # a level shift
    >>> sample_domain = np.r_[np.ones(200, int), -np.ones(20, int)]
    >>> reg = TwoStageTrAdaBoostRegressor(n_steps=5, random_state=0).fit(
    ...     X, y, sample_domain=sample_domain)
    >>> reg.step_  # the step of least source weight
    5
    """

    _task = "regression"

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "n_steps": [Interval(Integral, 2, None, closed="left")],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "step": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "cv": _CV_CONSTRAINT,
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        n_steps=10,
        n_estimators=10,
        step="auto",
        cv=5,
        random_state=None,
    ):
        self.estimator = estimator
        self.n_steps = n_steps
        self.n_estimators = n_estimators
        self.step = step
        self.cv = cv
        self.random_state = random_state

    @staticmethod
    def _fallback():
        return DecisionTreeRegressor(max_depth=4)

    def _schedule(self, X, y, n_source, param, seed):
        """The weights of each step, over the rows ``X`` (source rows first)."""
        n_rows = y.shape[0]
        pooled_share = (n_rows - n_source) / n_rows  # the target's, pooling
        weights = np.full(n_rows, 1.0 / n_rows)
        schedule = [weights]
        for step in range(1, self.n_steps):
            fitted = _fit_weighted(
                self._default_estimator(), param, seed, X, y, weights
            )
            rows_loss = _linear_loss(y, fitted.predict(X))
            # Written so that the last step's share is exactly 1.
            share = 1.0 - (1.0 - pooled_share) * (1.0 - step / (self.n_steps - 1))
            weights = _lower_source(weights, rows_loss, n_source, share)
            schedule.append(weights)
        return schedule

    def _step_model(self, X, y, n_source, weights, param, seed):
        """A step's AdaBoost.R2, on its rows of positive weight.

        The last step gives the source no weight: its model is fitted on
        the target rows alone.
        """
        keep = np.flatnonzero(weights > 0)
        return _adaboost_r2(
            self._default_estimator(),
            param,
            seed,
            _safe_indexing(X, keep),
            y[keep],
            np.count_nonzero(keep < n_source),
            weights[keep],
            self.n_estimators,
        )

    def _fit(self, data):
        """Lower the source's weight step by step and keep one step's model."""
        if self.step != "auto" and self.step > self.n_steps:
            raise ValueError(
                f"step={self.step} is past the last of n_steps={self.n_steps} "
                "steps: give a step from 1 to n_steps, or step='auto'."
            )
        param = _weight_param(self._default_estimator(), type(self).__name__)
        random_state = check_random_state(self.random_state)
        seed = random_state.randint(np.iinfo(np.int32).max)
        n_source = data.source.size
        if data.target.size == 0:
            # The source-only form: one estimator fitted on the source rows.
            estimator = _seeded(self._default_estimator(), seed)
            self.step_ = 1
            self.estimators_ = [
                estimator.fit(data.rows(data.source), data.y[data.source])
            ]
            self.estimator_weights_ = np.ones(1)
            self.n_estimators_ = 1
            self.source_weights_ = np.full((1, n_source), 1.0 / n_source)
            self.target_weights_ = np.empty((1, 0))
            return
        if self.step == "auto":

            def fold_predictions(train, test):
                rows = np.r_[data.source, train]
                X_rows, y_rows = data.rows(rows), data.y[rows]
                X_test = data.rows(test)
                predictions = []
                for weights in self._schedule(X_rows, y_rows, n_source, param, seed):
                    estimators, vote_weights = self._step_model(
                        X_rows, y_rows, n_source, weights, param, seed
                    )
                    predictions.append(
                        _weighted_median(
                            [fitted.predict(X_test) for fitted in estimators],
                            vote_weights,
                        )
                    )
                return predictions

            best, self.cv_scores_ = _choose_on_target(
                data, self.cv, False, random_state, fold_predictions
            )
            self.step_ = best + 1
        else:
            self.step_ = self.step
        rows = np.r_[data.source, data.target]
        X_rows, y_rows = data.rows(rows), data.y[rows]
        schedule = np.array(self._schedule(X_rows, y_rows, n_source, param, seed))
        self.estimators_, self.estimator_weights_ = self._step_model(
            X_rows, y_rows, n_source, schedule[self.step_ - 1], param, seed
        )
        self.n_estimators_ = len(self.estimators_)
        self.source_weights_ = schedule[:, :n_source]
        self.target_weights_ = schedule[:, n_source:]

    def predict(self, X, sample_domain=None):
        """Predict with the weighted median of the kept step's rounds.

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
        check_is_fitted(self)
        X, _, _ = self._predict_input(X, sample_domain)
        return _weighted_median(
            [fitted.predict(X) for fitted in self.estimators_],
            self.estimator_weights_,
        )

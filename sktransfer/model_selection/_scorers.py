"""Validation scorers: the target risk estimated with few or no target labels."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.sparse import issparse
from scipy.special import logsumexp
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.dummy import DummyClassifier
from sklearn.metrics import get_scorer
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import get_tags

from .._compat import HasMethods, Interval, StrOptions
from .._domain import TARGET
from ..reweight import DensityRatioWeighter
from ._base import (
    _ROUTING_HINT,
    _SCORING,
    _BaseDomainScorer,
    _call,
    _control_variate_risk,
    _domain_kwargs,
    _DomainBound,
    _features,
    _probabilities,
    _resolve_scoring,
    _row_losses,
)


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
        ``weighter.fit(X, y, sample_domain=...)``, weights of the source rows
        in ``weights_``), cloned at every call: a weighter of the package
        reads no target label, and a label-shift weighter
        (:class:`~sktransfer.label_shift.LabelShiftReweighter`) reads the
        source labels it needs. Image arrays are weighed as flat vectors;
        sparse ``X`` needs a weighter that takes it (the default does not).
        None means
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

    predict_as : {"own", "target"}, default="own"
        How the labelled source rows are predicted: with their own
        ``sample_domain`` (``"own"``), or as target rows (``"target"``).
        Under label shift, with a label-shift weighter, a source row weighted
        by ``w_y`` stands for a target row of its class, and the risk to
        estimate is that of the model as deployed on the target: pass
        ``"target"`` (a :class:`~sktransfer.label_shift.LabelShiftClassifier`
        corrects only the rows it predicts as target rows).

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
        "predict_as": [StrOptions({"own", "target"})],
    }
    _needs_labeled_source = True

    def __init__(self, weighter=None, scoring=None, predict_as="own"):
        self.weighter = weighter
        self.scoring = scoring
        self.predict_as = predict_as

    def _score(self, estimator, fold):
        weighter = self.weighter
        if weighter is None:
            weighter = DensityRatioWeighter(method="classifier")
        X = fold.X
        if issparse(X) and not get_tags(weighter).input_tags.sparse:
            raise ValueError(
                f"{type(self).__name__}: X is sparse, and its weighter "
                f"{type(weighter).__name__} takes dense X only. Pass X.toarray() "
                "if it fits in memory, reduce X to a few dense columns first "
                "(sklearn.decomposition.TruncatedSVD), or give a weighter that "
                "takes sparse X, such as LabelShiftReweighter under label shift."
            )
        if getattr(X, "ndim", 2) > 2:  # images: weighed as flat vectors
            X = np.asarray(X).reshape(X.shape[0], -1)
        # The weighter gets y as the estimators give it theirs: a weighter of
        # the package reads the source labels alone (a label-shift weighter
        # needs them), never a target label.
        weighter = clone(weighter).fit(X, fold.y, sample_domain=fold.sample_domain)
        beta = np.zeros(fold.sample_domain.shape[0])
        beta[fold.source] = weighter.weights_
        weights = beta[fold.labeled_source]
        if not weights.sum() > 0:
            raise ValueError(
                f"{type(self).__name__}: every labelled source row of the "
                "validation fold got a weight of zero."
            )
        X_source, domains = fold.rows(fold.labeled_source)
        if self.predict_as == "target":
            domains = np.full_like(domains, TARGET)
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
    The features must be dense: sparse ones (a sparse ``X`` that reaches the
    model as it is) are refused, as the domain classifier is fitted on
    standardised dense features.

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
        paper) for classifiers and ``"squared_error"`` for regressors. A
        loss of the other task (``"squared_error"`` between class labels, a
        classification loss of real values) is refused.

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

    def _loss(self, estimator):
        """``loss``, or the default of the estimator's task; checked against it."""
        classifier = is_classifier(estimator)
        if self.loss is None:
            return "log_loss" if classifier else "squared_error"
        if classifier and self.loss == "squared_error":
            raise ValueError(
                f"{type(self).__name__}(loss='squared_error') measures the "
                f"distance between numbers, and {type(estimator).__name__} is a "
                "classifier: pass loss='log_loss' or loss='zero_one', or None."
            )
        if is_regressor(estimator) and self.loss != "squared_error":
            raise ValueError(
                f"{type(self).__name__}(loss={self.loss!r}) is a classification "
                f"loss, and {type(estimator).__name__} is a regressor: pass "
                "loss='squared_error', or None."
            )
        return self.loss

    def _score(self, estimator, fold):
        loss = self._loss(estimator)
        name = type(self).__name__
        features = _features(estimator, fold.X, fold.sample_domain, name)
        weights = self._weights(features, fold)
        X_source, domains = fold.rows(fold.labeled_source)
        losses = _row_losses(
            estimator,
            X_source,
            fold.y[fold.labeled_source],
            domains,
            loss,
            name,
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

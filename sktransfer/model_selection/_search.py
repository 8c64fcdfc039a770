"""AdaptationSearchCV: whether to adapt and how, chosen without target labels.

The search compares the user's estimator trained on the source alone with
the same estimator behind each adaptation method of the package, scores
every candidate on validation folds by a label-free estimate of the target
risk, and keeps the source-only model unless a candidate beats it by more
than the noise of that estimate (:class:`BaselineUnlessBetter`). It measures
the shift on the way (how separable the domains are, whether the class mix
moved) and explains its choice in ``report_``.
"""

import textwrap
import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import sklearn
from scipy import sparse
from sklearn.base import (
    BaseEstimator,
    MetaEstimatorMixin,
    clone,
    is_classifier,
    is_regressor,
)
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.model_selection import GridSearchCV, GroupShuffleSplit
from sklearn.pipeline import Pipeline
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    check_array,
    check_is_fitted,
    column_or_1d,
    has_fit_parameter,
)

from .._compat import (
    HasMethods,
    Interval,
    LinearClassifierMixin,
    LinearModel,
    StrOptions,
    _fit_context,
    _safe_indexing,
)
from .._domain import DomainAwareMixin, check_sample_domain, unlabeled_mask
from ..alignment import CORAL
from ..baseline import _source_only_class
from ..exceptions import NoTargetDomainWarning
from ..label_shift import LabelShiftClassifier, LabelShiftReweighter, label_shift_test
from ..metrics import proxy_a_distance
from ..pipeline import make_da_pipeline
from ..reweight import (
    DensityRatioWeighter,
    ImportanceWeightedClassifier,
    ImportanceWeightedRegressor,
)
from ..supervised import (
    BalancedWeightingClassifier,
    BalancedWeightingRegressor,
    ContinuedBoostingClassifier,
    ContinuedBoostingRegressor,
    FeatureAugmentedClassifier,
    FeatureAugmentedRegressor,
    PREDClassifier,
    PREDRegressor,
    RegularTransferClassifier,
    RegularTransferRegressor,
    TrAdaBoostClassifier,
    TrAdaBoostRegressor,
)
from ._refit import BaselineUnlessBetter, _fold_gains
from ._scorers import ImportanceWeightedScorer, TargetLabelScorer
from ._split import DomainShuffleSplit

__all__ = ["AdaptationReport", "AdaptationSearchCV", "CandidateResult"]

BASELINE = "source only"
LABEL_SHIFT = "label shift"

# The margins n_se="auto" stands for (see the n_se parameter).
_AUTO_N_SE = {"classification": 2.0, "regression": 3.0}

# Below this proxy A-distance a linear domain classifier barely tells the
# domains apart (a balanced error above 45%).
_ALIKE_PAD = 0.2


@dataclass(frozen=True)
class CandidateResult:
    """One candidate of :class:`AdaptationSearchCV`, as the search scored it.

    Attributes
    ----------
    name : str
        The candidate's name, as in ``candidates_``.

    mean_score : float
        Mean validation score (greater is better); NaN when a fold failed.

    gain : float
        Mean per-fold gain over the baseline on the same folds.

    gain_se : float
        Standard error of that gain over the folds.

    eligible : bool
        Whether the rule could pick it (the label-shift candidate is
        eligible only when the label-shift test found the class mix moved).

    chosen : bool
        Whether the search refitted it.
    """

    name: str
    mean_score: float
    gain: float
    gain_se: float
    eligible: bool
    chosen: bool


@dataclass(frozen=True)
class AdaptationReport:
    """Why :class:`AdaptationSearchCV` chose what it chose.

    ``str(report)`` gives the whole account as text.

    Attributes
    ----------
    task : {"classification", "regression"}
        The estimator's task.

    n_source, n_target, n_target_labeled : int
        Rows of the fit: source rows with a label, target rows, and target
        rows with a label (the few labels a semi-supervised user gives).

    scoring : str
        How the candidates were scored: ``"importance weighted"`` (no target
        label read) or ``"target labels"``.

    proxy_a_distance : float
        How well a linear classifier tells the domains apart, in ``[0, 2]``
        (``0`` is chance); see :func:`~sktransfer.metrics.proxy_a_distance`.

    label_shift_pvalue : float or None
        p-value of :func:`~sktransfer.label_shift.label_shift_test` (None
        for regression).

    candidates : tuple of CandidateResult
        Every candidate's scores, in the order of ``candidates_``.

    baseline : str
        The candidate kept unless another credibly beats it.

    n_se : float
        The margin, in standard errors of the gain, a candidate had to clear.

    chosen : str
        The candidate refitted.

    needs_target_labels : bool
        True when nothing the search measured without target labels calls for
        an adaptation: if the model is worse on the target all the same, the
        relation between features and label changed (a concept shift), which
        only target labels can reveal and correct.

    reasons : tuple of str
        The account, one sentence per item.
    """

    task: str
    n_source: int
    n_target: int
    n_target_labeled: int
    scoring: str
    proxy_a_distance: float
    label_shift_pvalue: float | None
    candidates: tuple
    baseline: str
    n_se: float
    chosen: str
    needs_target_labels: bool
    reasons: tuple

    def __str__(self):
        width = max(len(c.name) for c in self.candidates)
        rows = [
            f"  {c.name:<{width}}  score {c.mean_score:7.4f}  gain "
            f"{c.gain:+.4f} +- {c.gain_se:.4f}"
            + ("" if c.eligible else "  (not eligible)")
            + ("  <- chosen" if c.chosen else "")
            for c in self.candidates
        ]
        wrapped = [
            textwrap.fill(reason, 79, initial_indent="- ", subsequent_indent="  ")
            for reason in self.reasons
        ]
        return "\n".join(
            [
                f"AdaptationSearchCV ({self.task}): chose {self.chosen!r}.",
                f"Candidates, scored by {self.scoring} (gain over "
                f"{self.baseline!r}, +- its standard error):",
                *rows,
                "Why:",
                *wrapped,
            ]
        )


def _split_estimator(estimator):
    """The steps before the predictor, and the predictor."""
    if isinstance(estimator, Pipeline):
        return list(estimator.steps[:-1]), estimator.steps[-1][1]
    return [], estimator


def default_candidates(estimator, *, target_labels=False, random_state=None):
    """The candidates :class:`AdaptationSearchCV` builds around a predictor.

    Parameters
    ----------
    estimator : classifier or regressor
        The predictor (the last step of the user's pipeline).

    target_labels : bool, default=False
        Whether some target rows carry labels: the methods of
        :mod:`sktransfer.supervised` that read them join the candidates
        (:func:`few_labels_candidates`).

    random_state : int, RandomState instance or None, default=None
        Seeds the weighters.

    Returns
    -------
    candidates : dict
        Name -> unfitted estimator following the package's convention.
    """
    classifier = is_classifier(estimator)
    weighted = (
        ImportanceWeightedClassifier if classifier else ImportanceWeightedRegressor
    )
    candidates = {
        BASELINE: _source_only_class(estimator)(clone(estimator)),
        "reweighting (classifier ratio)": weighted(
            clone(estimator),
            weighter=DensityRatioWeighter(
                method="classifier", random_state=random_state
            ),
        ),
        "reweighting (uLSIF)": weighted(
            clone(estimator),
            weighter=DensityRatioWeighter(method="ulsif", random_state=random_state),
        ),
        "CORAL": make_da_pipeline(CORAL(), clone(estimator)),
    }
    if classifier and hasattr(estimator, "predict_proba"):
        # The bootstrap interval of the priors is for reading, not predicting.
        candidates[LABEL_SHIFT] = LabelShiftClassifier(
            clone(estimator), n_bootstrap=0, random_state=random_state
        )
    if target_labels:
        candidates.update(few_labels_candidates(estimator, random_state=random_state))
    return candidates


def few_labels_candidates(estimator, *, random_state=None):
    """The methods that read a few target labels, around a predictor.

    Feature augmentation, balanced weighting and PRED take any estimator;
    TrAdaBoost one whose ``fit`` takes ``sample_weight`` (not a
    HistGradientBoosting model, already boosted); regularised
    transfer a linear model (:class:`~sklearn.linear_model.LogisticRegression`,
    :class:`~sklearn.linear_model.Ridge` and their kin, which expose
    ``coef_``); continued boosting a HistGradientBoosting model.

    Parameters
    ----------
    estimator : classifier or regressor
        The predictor (the last step of the user's pipeline).

    random_state : int, RandomState instance or None, default=None
        Seeds the choices each method makes on the target labels.

    Returns
    -------
    candidates : dict
        Name -> unfitted estimator following the package's convention.
    """
    classifier = is_classifier(estimator)
    kind = 0 if classifier else 1
    candidates = {
        "feature augmentation": (
            FeatureAugmentedClassifier,
            FeatureAugmentedRegressor,
        )[kind](clone(estimator)),
        "balanced weighting": (
            BalancedWeightingClassifier,
            BalancedWeightingRegressor,
        )[kind](clone(estimator), random_state=random_state),
        "PRED": (PREDClassifier, PREDRegressor)[kind](clone(estimator)),
    }
    boosting = isinstance(
        estimator, HistGradientBoostingClassifier | HistGradientBoostingRegressor
    )
    # Boosting a boosted model fits rounds times rounds of trees, for a
    # learner far from the weak one TrAdaBoost was made for.
    if has_fit_parameter(estimator, "sample_weight") and not boosting:
        candidates["TrAdaBoost"] = (TrAdaBoostClassifier, TrAdaBoostRegressor)[kind](
            clone(estimator), random_state=random_state
        )
    if isinstance(estimator, LinearClassifierMixin | LinearModel):
        candidates["regular transfer"] = (
            RegularTransferClassifier,
            RegularTransferRegressor,
        )[kind](clone(estimator), random_state=random_state)
    if boosting:
        candidates["continued boosting"] = (
            ContinuedBoostingClassifier,
            ContinuedBoostingRegressor,
        )[kind](clone(estimator), random_state=random_state)
    return candidates


class AdaptationSearchCV(DomainAwareMixin, MetaEstimatorMixin, BaseEstimator):
    """Whether to adapt and how: the source-only model unless an adaptation wins.

    Given any classifier or regressor (or a pipeline ending in one), the
    search builds candidates around its last step: the model trained on the
    source alone (the baseline), importance weighting by two density-ratio
    estimates (a domain classifier, uLSIF), CORAL
    alignment, and for a probabilistic classifier the label-shift correction.
    It cross-validates them on folds that keep both domains
    (:class:`DomainShuffleSplit`) and scores each validation fold without a
    target label, by the importance-weighted accuracy (or negative squared
    error) of its labelled source rows (:class:`ImportanceWeightedScorer`).
    With a few labelled target rows (``sample_domain < 0`` and a label) it
    scores them instead (:class:`TargetLabelScorer`), says so, and adds the
    methods of :mod:`sktransfer.supervised` that learn from them (feature
    augmentation, balanced weighting, PRED, TrAdaBoost when the estimator
    takes ``sample_weight`` and is not already boosted, regularised
    transfer around a linear model, continued boosting around a
    HistGradientBoosting model), eligible whatever the diagnosis of the
    shift.

    The choice goes through :class:`BaselineUnlessBetter`: the candidate
    with the best mean score replaces the baseline only when its mean
    per-fold gain exceeds ``n_se`` standard errors (by default two for a
    classifier, three for a regressor). The label-shift
    correction is considered only when :func:`~sktransfer.label_shift.
    label_shift_test` finds that the predicted class mix moved (p-value below
    ``label_shift_alpha``). The chosen candidate is refitted on every row, and
    ``report_`` says why it was chosen, with the shift measured on the way.

    The steps before the last one of a pipeline are fitted once, on every row
    (source and target), and every candidate is compared on their output: they
    should be unsupervised (imputation, scaling, encoding), as such steps are
    in adaptation.

    Parameters
    ----------
    estimator : estimator instance
        A classifier or regressor, or a :class:`~sklearn.pipeline.Pipeline`
        ending in one. A plain scikit-learn estimator is fine: the candidates
        wrap it.

    candidates : dict or None, default=None
        Name -> estimator following the package's convention, fitted on the
        output of the steps before the last. None builds the defaults around
        the last step (see above). A dict without a ``"source only"`` entry
        gets the source-only model added as the baseline.

    scoring : scorer or None, default=None
        A label-free scorer of :mod:`sktransfer.model_selection`. None:
        :class:`TargetLabelScorer` when target rows carry labels, else
        :class:`ImportanceWeightedScorer`.

    cv : int or cross-validation generator, default=5
        An int is the number of :class:`DomainShuffleSplit` splits (20% of
        each domain validates); a splitter receives ``sample_domain`` as its
        ``groups``.

    n_se : float or "auto", default="auto"
        Standard errors of the per-fold gain that a candidate must clear to
        replace the baseline. ``"auto"``: 2 for a classifier, 3 for a
        regressor, whose importance-weighted squared errors hang on a few
        heavily weighted rows with large residuals. Both were chosen on real
        tables with natural shifts, as the margin with the largest mean gain
        whose worst table stayed within a point of accuracy (0.01 of R^2) of
        the source-only model; no margin did so for regressors, and the most
        cautious one tried was kept (see the benchmark notes).

    label_shift_alpha : float, default=0.05
        Level of the label-shift test below which the label-shift
        correction is a candidate.

    n_jobs : int or None, default=None
        Candidates and folds fitted in parallel (joblib).

    random_state : int, RandomState instance or None, default=None
        Seeds the folds, the weighters and the tests.

    verbose : int, default=0
        Passed to the grid search.

    Attributes
    ----------
    candidates_ : dict
        The candidates compared, unfitted, by name.

    cv_results_ : dict of ndarray
        The grid search's results, one row per candidate of ``candidates_``.

    best_name_ : str
        The name of the candidate chosen.

    n_se_ : float
        The margin used: ``n_se``, or what ``"auto"`` stands for.

    best_estimator_ : estimator
        The fitted pipeline: the steps before the last, then the chosen
        candidate, refitted on every row.

    report_ : AdaptationReport
        The account of the choice; ``print(search.report_)``.

    classes_ : ndarray of shape (n_classes,)
        The class labels (classifiers only).

    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    BaselineUnlessBetter : The refit rule.
    ImportanceWeightedScorer : The default scorer.

    Examples
    --------
    Two classes of overlapping Gaussians; the target holds 10% of class 1
    where the source holds half, and its labels are unknown:

    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.model_selection import AdaptationSearchCV
    >>> rng = np.random.default_rng(0)
    >>> y = np.r_[np.arange(1000) % 2, (rng.random(1000) > 0.9).astype(int)]
    >>> X = rng.normal(size=(2000, 2)) + 1.2 * y[:, None]
    >>> y_fit = np.r_[y[:1000], -np.ones(1000, dtype=int)]
    >>> search = AdaptationSearchCV(LogisticRegression(), random_state=0)
    >>> search = search.fit(X, y_fit)
    >>> search.best_name_
    'label shift'
    """

    # A search inside cross-validation gets ``sample_domain``; the outer
    # ``groups`` are the outer splitter's (often the domains), not the rows'
    # groups this search splits by: ask for them with set_fit_request.
    __metadata_request__fit = {"sample_domain": True, "groups": False}

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict"])],
        "candidates": [dict, None],
        "scoring": [callable, None],
        "cv": ["cv_object"],
        "n_se": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "label_shift_alpha": [Interval(Real, 0, 1, closed="both")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator,
        *,
        candidates=None,
        scoring=None,
        cv=5,
        n_se="auto",
        label_shift_alpha=0.05,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.candidates = candidates
        self.scoring = scoring
        self.cv = cv
        self.n_se = n_se
        self.label_shift_alpha = label_shift_alpha
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        _, predictor = _split_estimator(self.estimator)
        predictor_tags = predictor.__sklearn_tags__()
        tags.estimator_type = predictor_tags.estimator_type
        tags.classifier_tags = predictor_tags.classifier_tags
        tags.regressor_tags = predictor_tags.regressor_tags
        # The user's steps decide what input they take.
        tags.input_tags = get_tags(self.estimator).input_tags
        return tags

    def _task(self):
        _, predictor = _split_estimator(self.estimator)
        if is_classifier(predictor):
            return "classification"
        if is_regressor(predictor):
            return "regression"
        raise ValueError(
            "AdaptationSearchCV needs a classifier or a regressor (or a pipeline "
            f"ending in one); the last step is {type(predictor).__name__}."
        )

    def _candidates(self, predictor, random_state, target_labels):
        if self.candidates is None:
            return default_candidates(
                predictor, target_labels=target_labels, random_state=random_state
            )
        candidates = dict(self.candidates)
        if BASELINE not in candidates:
            baseline = _source_only_class(predictor)(clone(predictor))
            candidates = {BASELINE: baseline, **candidates}
        return {name: clone(candidate) for name, candidate in candidates.items()}

    def _cv(self, sample_domain, unlabeled, groups):
        if not isinstance(self.cv, Integral):
            return self.cv
        if groups is None:
            return DomainShuffleSplit(self.cv, random_state=self.random_state)
        return list(
            _grouped_domain_folds(
                sample_domain, unlabeled, groups, self.cv, self.random_state
            )
        )

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_domain=None, groups=None):
        """Compare the candidates, choose, refit the choice.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Source and target rows together.

        y : array-like of shape (n_samples,)
            Labels of the source rows; ``-1`` (classification) or ``NaN``
            (regression) for unlabeled target rows.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids (``> 0`` source, ``< 0`` target); inferred from ``y``
            when None. Target rows with a label are read only as the few
            labels of the semi-supervised case.

        groups : array-like of shape (n_samples,), default=None
            Rows that are not independent (the same patient, country or
            store over time) share a group: with an int ``cv``, each group's
            rows then stay on one side of every split, so that a candidate is
            never validated on near-copies of its training rows.

        Returns
        -------
        self : AdaptationSearchCV
            The fitted search.
        """
        task = self._task()
        self.n_se_ = _AUTO_N_SE[task] if self.n_se == "auto" else float(self.n_se)
        y = column_or_1d(y, warn=True)
        n_samples = y.shape[0]
        sample_domain = check_sample_domain(sample_domain, n_samples, y=y, task=task)
        unlabeled = unlabeled_mask(y, task=task)
        source = (sample_domain > 0) & ~unlabeled
        target = sample_domain < 0
        n_target_labeled = int(np.sum(target & ~unlabeled))
        prefix, predictor = _split_estimator(self.estimator)
        if groups is not None:
            groups = np.asarray(groups)
            if groups.shape != (n_samples,):
                raise ValueError(
                    f"groups must give one group per row ({n_samples}); got an "
                    f"array of shape {groups.shape}."
                )
        if not source.any():
            raise ValueError(
                "AdaptationSearchCV needs labelled source rows (sample_domain > 0 "
                "and a label); none was given."
            )

        # Unsupervised steps: fitted once on every row, target rows included,
        # as a pipeline of the package would fit them.
        if not prefix:
            # The predictor checks the values; the shape is checked here,
            # before the measures and the candidates' folds.
            X = check_array(X, accept_sparse=True, dtype=None, ensure_all_finite=False)
        self.preprocessor_ = Pipeline(
            [(name, clone(step)) for name, step in prefix] or [("identity", None)]
        )
        Z = _dense(self.preprocessor_.fit_transform(X, y))
        self.n_features_in_ = (
            self.preprocessor_.steps[0][1].n_features_in_
            if prefix
            else np.asarray(Z).shape[1]
        )
        if prefix and hasattr(self.preprocessor_.steps[0][1], "feature_names_in_"):
            self.feature_names_in_ = self.preprocessor_.steps[0][1].feature_names_in_

        random_state = (
            self.random_state
            if self.random_state is None or isinstance(self.random_state, Integral)
            else int(check_random_state(self.random_state).randint(2**31 - 1))
        )
        self.candidates_ = self._candidates(
            predictor, random_state, target_labels=n_target_labeled > 0
        )
        if task == "classification":
            self.classes_ = np.unique(y[source])

        if not target.any():
            warnings.warn(
                "AdaptationSearchCV found no target rows (no -1/NaN label and no "
                "negative sample_domain): it fits the source-only model.",
                NoTargetDomainWarning,
                stacklevel=2,
            )
            return self._refit_baseline(Z, y, sample_domain, task, source, target)

        measures = self._measure(Z, y, source, target, predictor, task, random_state)
        label_shift = measures["reweighted_pad"] is not None and measures[
            "reweighted_pad"
        ] < max(_ALIKE_PAD, measures["proxy_a_distance"] / 2)
        scoring, scoring_name = self._scorer(
            task, n_target_labeled, label_shift, predictor, random_state
        )
        names = list(self.candidates_)
        search = GridSearchCV(
            Pipeline([("candidate", self.candidates_[BASELINE])]),
            {"candidate": list(self.candidates_.values())},
            scoring=scoring,
            cv=self._cv(sample_domain, unlabeled, groups),
            refit=False,
            n_jobs=self.n_jobs,
            verbose=self.verbose,
            error_score=np.nan,
        )
        with sklearn.config_context(enable_metadata_routing=True):
            for candidate in self.candidates_.values():
                if hasattr(candidate, "set_fit_request"):  # a Pipeline routes itself
                    candidate.set_fit_request(sample_domain=True)
            # A splitter reads the domains as its groups; folds given as a
            # list read nothing.
            split_params = (
                {} if isinstance(search.cv, list) else {"groups": sample_domain}
            )
            search.fit(Z, y, sample_domain=sample_domain, **split_params)
        self.cv_results_ = search.cv_results_

        # Each family assumes what the other's diagnosis denies: covariate
        # shift keeps P(y | x), label shift changes it and keeps P(x | y).
        # The methods that read target labels assume neither; they are
        # candidates whenever there are labels to read.
        few_labels = set(few_labels_candidates(predictor)) if n_target_labeled else ()
        eligible = np.array(
            [
                name == BASELINE
                or name in few_labels
                or (name == LABEL_SHIFT) == label_shift
                for name in names
            ]
        )
        results = dict(self.cv_results_)
        results["mean_test_score"] = np.where(
            eligible, self.cv_results_["mean_test_score"], np.nan
        )
        results["params"] = [{"candidate": name} for name in names]
        index = BaselineUnlessBetter({"candidate": BASELINE}, n_se=self.n_se_)(results)
        self.best_name_ = names[index]
        self._fit_best(Z, y, sample_domain)
        self.report_ = self._report(
            task,
            measures,
            scoring_name,
            names,
            eligible,
            source,
            target,
            n_target_labeled,
            label_shift,
        )
        return self

    def _refit_baseline(self, Z, y, sample_domain, task, source, target):
        self.best_name_ = BASELINE
        self.cv_results_ = {}
        self._fit_best(Z, y, sample_domain)
        self.report_ = AdaptationReport(
            task=task,
            n_source=int(source.sum()),
            n_target=0,
            n_target_labeled=0,
            scoring="none",
            proxy_a_distance=float("nan"),
            label_shift_pvalue=None,
            candidates=(CandidateResult(BASELINE, np.nan, 0.0, 0.0, True, True),),
            baseline=BASELINE,
            n_se=self.n_se_,
            chosen=BASELINE,
            needs_target_labels=False,
            reasons=("No target rows were given: nothing to adapt to.",),
        )
        return self

    def _fit_best(self, Z, y, sample_domain):
        best = clone(self.candidates_[self.best_name_])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NoTargetDomainWarning)
            best.fit(Z, y, sample_domain=sample_domain)
        steps = [step for step in self.preprocessor_.steps if step[1] is not None]
        self.best_estimator_ = Pipeline([*steps, (self.best_name_, best)])

    def _scorer(self, task, n_target_labeled, label_shift, predictor, random_state):
        if self.scoring is not None:
            return self.scoring, type(self.scoring).__name__
        if n_target_labeled:
            return (
                TargetLabelScorer("accuracy" if task == "classification" else "r2"),
                "target labels",
            )
        if label_shift:
            # Under label shift the source risk weighted by the class
            # weights is the target risk; the density ratio of the features
            # is only an approximation of it.
            weighter = LabelShiftReweighter(
                clone(predictor), n_bootstrap=0, random_state=random_state
            )
            return (
                ImportanceWeightedScorer(weighter=weighter, predict_as="target"),
                "class-weighted source accuracy",
            )
        # Under covariate shift a source row weighted by the density ratio
        # stands for a target row at the same x: it is predicted as the
        # deployed model predicts the target (an aligner leaves it unmapped).
        measure = "accuracy" if task == "classification" else "squared error"
        return (
            ImportanceWeightedScorer(predict_as="target"),
            f"importance-weighted source {measure}",
        )

    def _measure(self, Z, y, source, target, predictor, task, random_state):
        """The shift, measured on the preprocessed rows."""
        Z_source, Z_target = _safe_indexing(Z, source), _safe_indexing(Z, target)
        measures = {
            "proxy_a_distance": proxy_a_distance(
                Z_source, Z_target, random_state=random_state
            ),
            "label_shift_pvalue": None,
            "class_weights": None,
            "reweighted_pad": None,
        }
        if task == "classification":
            result = label_shift_test(
                Z_source,
                y[source],
                Z_target,
                estimator=clone(predictor),
                n_permutations=200,
                random_state=random_state,
            )
            measures["label_shift_pvalue"] = result.pvalue
            if result.pvalue < self.label_shift_alpha:
                measures["class_weights"], measures["reweighted_pad"] = (
                    self._explained_by_classes(
                        Z, y, source, target, predictor, random_state
                    )
                )
        return measures

    @staticmethod
    def _explained_by_classes(Z, y, source, target, predictor, random_state):
        """Class weights, and the proxy A-distance once the source is resampled.

        Under label shift the target's rows look like the source's drawn at the
        target's class priors: source rows resampled by the class weights
        ``w_y`` become hard to tell from target rows. Under covariate shift
        they stay as separable as before, whatever the weights.
        """
        weighter = LabelShiftReweighter(
            clone(predictor), n_bootstrap=0, random_state=random_state
        )
        # The weighter, like every unsupervised estimator of the package,
        # reads no label of a row marked as target.
        fit_rows = source | target
        weighter.fit(
            _safe_indexing(Z, np.flatnonzero(fit_rows)),
            y[fit_rows],
            sample_domain=np.where(target[fit_rows], -1, 1),
        )
        weights = np.asarray(weighter.weights_, dtype=float)
        rng = check_random_state(random_state)
        source_rows = np.flatnonzero(source)
        drawn = rng.choice(
            source_rows, size=source_rows.size, p=weights / weights.sum()
        )
        pad = proxy_a_distance(
            _safe_indexing(Z, drawn),
            _safe_indexing(Z, target),
            random_state=random_state,
        )
        return weighter.class_weights_, pad

    def _report(
        self,
        task,
        measures,
        scoring_name,
        names,
        eligible,
        source,
        target,
        n_target_labeled,
        label_shift,
    ):
        gains, se = _fold_gains(self.cv_results_, "score", names.index(BASELINE))
        candidates = tuple(
            CandidateResult(
                name=name,
                mean_score=float(self.cv_results_["mean_test_score"][i]),
                gain=float(gains[i]),
                gain_se=float(se[i]),
                eligible=bool(eligible[i]),
                chosen=name == self.best_name_,
            )
            for i, name in enumerate(names)
        )
        pad = measures["proxy_a_distance"]
        pvalue = measures["label_shift_pvalue"]
        reasons = [
            f"{int(source.sum())} labelled source rows, {int(target.sum())} target "
            f"rows ({n_target_labeled} labelled).",
            _describe_separability(pad),
        ]
        if pvalue is not None and pvalue >= self.label_shift_alpha:
            reasons.append(
                f"Label-shift test p-value {pvalue:.3f}: no evidence that the "
                "class mix moved; the label-shift correction was not considered."
            )
        elif pvalue is not None:
            reweighted = measures["reweighted_pad"]
            reasons.append(
                f"Label-shift test p-value {pvalue:.3f}: the predicted class mix "
                "moved. Resampled at the estimated target class priors (weights "
                + ", ".join(f"{w:.2f}" for w in measures["class_weights"])
                + f"), the source is at a proxy A-distance of {reweighted:.2f} "
                "from the target: "
                + (
                    "the class mix explains the shift, so this is label shift: "
                    "the label-shift correction was the candidate, and the "
                    "methods that assume P(y | x) unchanged were not."
                    if label_shift
                    else "the class mix does not explain the shift (the "
                    "features moved within the classes), so the label-shift "
                    "correction, whose estimate of the priors would be biased, "
                    "was not considered."
                )
            )
        reasons.append(
            "Candidates were scored on the labelled target rows."
            if scoring_name == "target labels"
            else f"Candidates were scored without reading a target label, by the "
            f"{scoring_name}: an estimate of the target score that holds under "
            + ("label shift." if label_shift else "covariate shift.")
        )
        best = candidates[names.index(self.best_name_)]
        if self.best_name_ != BASELINE:
            reasons.append(
                f"{self.best_name_!r} beat the source-only model by "
                f"{best.gain:+.4f} (standard error {best.gain_se:.4f}, more "
                f"than {self.n_se_:g} standard errors): it was refitted on every "
                "row."
            )
        else:
            top = max(
                (c for c in candidates if c.eligible and c.name != BASELINE),
                key=lambda c: c.gain if np.isfinite(c.gain) else -np.inf,
                default=None,
            )
            if top is not None:
                reasons.append(
                    f"The best candidate, {top.name!r}, gained {top.gain:+.4f} "
                    f"(standard error {top.gain_se:.4f}), within {self.n_se_:g} "
                    "standard errors of nothing: the source-only model was kept."
                )
        needs_labels = (
            self.best_name_ == BASELINE and not label_shift and not n_target_labeled
        )
        if needs_labels:
            reasons.append(
                "Nothing measured here calls for an adaptation. If the model is "
                "nonetheless worse on the target, the relation between the "
                "features and the label changed (a concept shift): no method "
                "without target labels can see or correct it. Label some target "
                "rows to measure the gap, and fit on them."
            )
        return AdaptationReport(
            task=task,
            n_source=int(source.sum()),
            n_target=int(target.sum()),
            n_target_labeled=n_target_labeled,
            scoring=scoring_name,
            proxy_a_distance=float(pad),
            label_shift_pvalue=None if pvalue is None else float(pvalue),
            candidates=candidates,
            baseline=BASELINE,
            n_se=self.n_se_,
            chosen=self.best_name_,
            needs_target_labels=needs_labels,
            reasons=tuple(reasons),
        )

    def _delegate(method):
        def check(self):
            check_is_fitted(self, "best_estimator_")
            return hasattr(self.best_estimator_, method)

        return check

    def _call_best(self, method, X, sample_domain, *args, **kwargs):
        """``method`` of the chosen candidate on the preprocessed ``X``."""
        check_is_fitted(self, "best_estimator_")
        Z = _dense(self.preprocessor_.transform(X))
        if sample_domain is not None:
            kwargs["sample_domain"] = sample_domain
        return getattr(self.best_estimator_.steps[-1][1], method)(Z, *args, **kwargs)

    @available_if(_delegate("predict"))
    def predict(self, X, sample_domain=None):
        """Predict with the chosen candidate.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Rows to predict, target rows unless ``sample_domain`` says
            otherwise.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids of the rows, for a candidate that reads them.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The predictions.
        """
        return self._call_best("predict", X, sample_domain)

    @available_if(_delegate("predict_proba"))
    def predict_proba(self, X, sample_domain=None):
        """Class probabilities of the chosen candidate; see :meth:`predict`."""
        return self._call_best("predict_proba", X, sample_domain)

    @available_if(_delegate("decision_function"))
    def decision_function(self, X, sample_domain=None):
        """Decision function of the chosen candidate; see :meth:`predict`."""
        return self._call_best("decision_function", X, sample_domain)

    def score(self, X, y, sample_weight=None, sample_domain=None):
        """The chosen candidate's score on the labelled rows of ``X``.

        Accuracy for a classifier, R^2 for a regressor, of the rows whose
        label is known (``-1``/``NaN`` rows are left out).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Rows to score.

        y : array-like of shape (n_samples,)
            Their labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids of the rows; target rows when None.

        Returns
        -------
        score : float
            The score.
        """
        return self._call_best(
            "score", X, sample_domain, y, sample_weight=sample_weight
        )


def _dense(Z):
    """``Z`` as a dense array: the aligners and density-ratio estimators need
    dense rows, and tables one-hot encoded are small enough."""
    return Z.toarray() if sparse.issparse(Z) else Z


def _grouped_domain_folds(sample_domain, unlabeled, groups, n_splits, random_state):
    """Shuffle splits of each domain's labelled and unlabeled rows by group.

    As :class:`DomainShuffleSplit` (every domain in every fold, 20% of each
    validates), but a group's rows stay together.
    """
    rng = check_random_state(random_state)
    parts = []
    for domain in np.unique(sample_domain):
        for is_unlabeled in (False, True):
            rows = np.flatnonzero(
                (sample_domain == domain) & (unlabeled == is_unlabeled)
            )
            if not rows.size:
                continue
            splitter = GroupShuffleSplit(
                n_splits,
                test_size=0.2,
                random_state=rng.randint(np.iinfo(np.int32).max),
            )
            if np.unique(groups[rows]).size < 2:
                raise ValueError(
                    f"Domain {domain} has its {rows.size} "
                    f"{'unlabeled' if is_unlabeled else 'labelled'} rows in a "
                    "single group: they cannot be split by group."
                )
            parts.append(
                [
                    (rows[train], rows[test])
                    for train, test in splitter.split(rows, groups=groups[rows])
                ]
            )
    for folds in zip(*parts, strict=True):
        yield (
            np.sort(np.concatenate([train for train, _ in folds])),
            np.sort(np.concatenate([test for _, test in folds])),
        )


def _describe_separability(pad):
    if pad < _ALIKE_PAD:
        verdict = "the domains are hard to tell apart"
    elif pad < 1.0:
        verdict = "the domains differ"
    else:
        verdict = "the domains are far apart"
    return f"Proxy A-distance {pad:.2f} (0 chance, 2 separable): {verdict}."

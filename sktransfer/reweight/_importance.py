"""Importance-weighted estimators: the beta-weighted risk of the lecture."""

from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin, clone
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.utils.metadata_routing import get_routing_for_object
from sklearn.utils.validation import has_fit_parameter

from .._compat import HasMethods, Interval, StrOptions, _routing_enabled
from .._domain import DomainAwarePredictorMixin
from ..baseline import _BaseSourceModel, _ClassifierDelegation
from ._base import effective_sample_size
from ._density_ratio import DensityRatioWeighter

__all__ = ["ImportanceWeightedClassifier", "ImportanceWeightedRegressor"]

# flatten="auto": the share of the rows that the flattened weights must be
# worth (Kish's effective sample size), chosen by
# benchmarks/adaptation_defaults.py on biased-selection tables.
_AUTO_ESS_FRACTION = 0.5
_TINY_EXPONENT = 1e-6


def _auto_flatten(beta, fraction=_AUTO_ESS_FRACTION):
    """The largest ``lambda`` in ``[0, 1]`` with ``ESS(beta ** lambda) >= fraction n``.

    The effective sample size of ``beta ** lambda`` falls as ``lambda`` grows
    (its logarithm's derivative is twice the difference between the mean
    log-weight tilted by ``lambda`` and by ``2 lambda``). A bisection that
    keeps its lower end feasible returns an exponent that meets the floor,
    which a root finder does not promise. Weights that already meet the
    floor keep ``lambda = 1``; when even a tiny exponent misses it (most rows
    weigh zero, and ``0 ** lambda`` stays zero for any ``lambda > 0``), the
    weights are dropped (``lambda = 0``).
    """
    floor = fraction * beta.shape[0]
    if effective_sample_size(beta) >= floor:
        return 1.0
    if effective_sample_size(beta**_TINY_EXPONENT) < floor:
        return 0.0
    low, high = _TINY_EXPONENT, 1.0
    while high - low > 1e-9:
        middle = 0.5 * (low + high)
        if effective_sample_size(beta**middle) >= floor:
            low = middle
        else:
            high = middle
    return low


def _weight_param(estimator, owner):
    """The ``fit`` parameter through which ``estimator`` takes sample weights.

    ``"sample_weight"`` when its ``fit`` has one. A Pipeline's ``fit`` has
    none of its own and weighs through its final step: without metadata
    routing by ``"<step>__sample_weight"``, scikit-learn's name for a step's
    parameter; with routing on by ``"sample_weight"``, which the pipeline
    passes to the steps that request it, the final step among them.
    """
    if has_fit_parameter(estimator, "sample_weight"):
        return "sample_weight"
    if isinstance(estimator, Pipeline):
        name, final = estimator.steps[-1]
        if not _routing_enabled():
            return f"{name}__{_weight_param(final, owner)}"
        if get_routing_for_object(final).consumes("fit", ["sample_weight"]):
            return "sample_weight"
        raise ValueError(
            f"{owner} fits the final step of its Pipeline with sample_weight, "
            "and with metadata routing on a pipeline passes sample_weight only "
            f"to the steps that request it: call set_fit_request(sample_weight="
            f"True) on {type(final).__name__}, the final step."
        )
    raise ValueError(
        f"{owner} trains its estimator with sample_weight, and "
        f"{type(estimator).__name__}.fit takes no sample_weight. Use an "
        "estimator whose fit takes it (as a Pipeline's final step, too)."
    )


def _check_source_weights(weighter, n_source):
    """The fitted ``weighter``'s ``weights_``, or an error naming what is wrong."""
    name = type(weighter).__name__
    if not hasattr(weighter, "weights_"):
        raise ValueError(
            f"The weighter {name} has no weights_ after fit: pass an estimator "
            "of the source rows' weights, such as KMMReweighter, "
            "DensityRatioWeighter or LabelShiftReweighter."
        )
    weights = np.asarray(weighter.weights_, dtype=np.float64)
    if weights.shape != (n_source,):
        raise ValueError(
            f"The weighter {name} gave weights_ of shape {weights.shape}; "
            f"expected ({n_source},), one weight per source row."
        )
    if not np.all(np.isfinite(weights) & (weights >= 0)):
        raise ValueError(
            f"The weighter {name} gave weights_ that are not all finite and "
            "non-negative."
        )
    return weights


class _BaseImportanceWeighted(_BaseSourceModel):
    """Fit a weighter on all rows, then the estimator on weighted source rows."""

    _parameter_constraints: dict = {
        **_BaseSourceModel._parameter_constraints,
        "weighter": [HasMethods(["fit"]), None],
        "flatten": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "clip": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(self, estimator=None, weighter=None, *, flatten="auto", clip=None):
        self.estimator = estimator
        self.weighter = weighter
        self.flatten = flatten
        self.clip = clip

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The weighter sees X too, and weighters take dense, finite input.
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags

    def _default_weighter(self):
        if self.weighter is None:
            return DensityRatioWeighter(method="classifier")
        return self.weighter

    def _children(self):
        return {**super()._children(), "weighter": self._default_weighter()}

    def _source_weights(self, X, data, rows, routed):
        param = _weight_param(self._default_estimator(), type(self).__name__)
        # The weighter sees every row with the domains the fit uses, and the
        # labels, of which it reads the source ones at most (a label-shift
        # weighter needs them); its weights_ follow the source rows in row
        # order.
        self.weighter_ = clone(self._default_weighter()).fit(
            X, data.y, sample_domain=data.sample_domain, **routed["weighter"]["fit"]
        )
        beta = np.zeros(data.sample_domain.shape[0])
        beta[data.source] = _check_source_weights(self.weighter_, data.source.sum())
        beta = beta[rows]
        self.flatten_ = (
            _auto_flatten(beta) if self.flatten == "auto" else float(self.flatten)
        )
        beta = beta**self.flatten_
        if self.clip is not None:
            beta = np.minimum(beta, self.clip)
        if not beta.sum() > 0:
            raise ValueError(
                "Every labelled source row got a weight of zero: the weighter "
                "found no source row that looks like the target."
            )
        # Mean one over the training rows, so that the estimator's
        # regularisation strength keeps its meaning.
        self.weights_ = beta / beta.mean()
        self.effective_sample_size_ = effective_sample_size(self.weights_)
        return {param: self.weights_}


class ImportanceWeightedClassifier(
    DomainAwarePredictorMixin,
    ClassifierMixin,
    _ClassifierDelegation,
    _BaseImportanceWeighted,
):
    """Classifier trained on source rows weighted by ``beta = P_T(x) / P_S(x)``.

    Under covariate shift, minimising the beta-weighted source risk minimises
    the target risk (the lecture's instance-based transfer). ``fit`` fits the
    ``weighter`` on all rows (labels unread), then the ``estimator`` on the
    labelled source rows with ``sample_weight = beta``; target labels are
    never read. ``predict``, ``predict_proba``, ``decision_function`` and
    ``score`` use the fitted estimator.

    A ``sample_weight`` passed to ``fit`` multiplies the importance weights:
    the estimator is fitted with ``sample_weight = weights_ * sample_weight``
    on its rows. With metadata routing on, the estimator must request it
    (``estimator.set_fit_request(sample_weight=True)``), as any metadata,
    and the weighter receives the ``fit`` metadata it requests.

    A :class:`~sklearn.pipeline.Pipeline` as the estimator is weighted
    through its final step, as scikit-learn users pass a step its
    parameters: without metadata routing as ``<step>__sample_weight``
    (under which name a weight of your own, given to ``fit``, multiplies
    the importance weights); with routing on as ``sample_weight``, which the
    final step must request (``set_fit_request(sample_weight=True)``) and
    the other steps request or decline.

    Parameters
    ----------
    estimator : classifier, default=None
        The classifier to fit with ``sample_weight = beta``; a
        :class:`~sklearn.linear_model.LogisticRegression` when None. Its ``fit`` must
        accept ``sample_weight``, or, for a Pipeline, its final step's (see
        above).

    weighter : estimator, default=None
        Estimator of ``beta = P_T(x) / P_S(x)`` fitted on source and target
        rows, which stores the source weights in ``weights_``, such as
        :class:`KMMReweighter` or :class:`DensityRatioWeighter`; or of the
        label-shift weights ``P_T(y) / P_S(y)``,
        :class:`~sktransfer.label_shift.LabelShiftReweighter`. It is fitted
        as ``fit(X, y, sample_domain=...)`` and never reads target labels.
        None means ``DensityRatioWeighter(method="classifier")``. It is
        cloned.

    flatten : float or "auto", default="auto"
        Exponent ``lambda`` of ``beta ** lambda`` (Shimodaira 2000): 1 keeps
        the weights, 0 ignores them, values in between trade the bias that
        covariate shift causes for the variance that heavy weights cause.
        ``"auto"``: the largest ``lambda <= 1`` whose weights keep an
        effective sample size of at least half the training rows, a rule
        that reads the weights only (``flatten_``); weights that already do
        are kept as they are. Default chosen by
        ``benchmarks/adaptation_defaults.py`` on biased-selection tables.

    clip : float, default=None
        Upper bound on each weight after flattening (before normalisation).

    Attributes
    ----------
    estimator_ : classifier
        The classifier fitted on the weighted labelled source rows.

    weighter_ : estimator
        The fitted weighter.

    weights_ : ndarray of shape (n_train,)
        The importance weights, one per labelled source row in row order,
        after flattening and clipping, rescaled to mean one: the
        ``sample_weight`` of ``estimator_``, times the one given to ``fit``.

    flatten_ : float
        The exponent ``lambda`` used.

    effective_sample_size_ : float
        Kish's effective sample size of ``weights_``: how many unweighted
        rows the weighted sample is worth.

    classes_ : ndarray of shape (n_classes,)
        Class labels seen in the source rows.

    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    SourceOnlyClassifier : The same estimator without weights.

    Notes
    -----
    ``flatten="auto"`` bounds the variance that uneven weights cause, not
    the bias of a poor ratio estimate: a weighter whose ratios are far from
    the truth still costs accuracy, and no default promises a gain on every
    shift (defaults chosen by ``benchmarks/adaptation_defaults.py`` on
    biased-selection tables). Choose ``flatten``, ``clip`` and the weighter
    for the task with :mod:`sktransfer.model_selection`, which scores a pipeline
    without target labels.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sktransfer.datasets import make_biased_selection
    >>> from sktransfer.reweight import ImportanceWeightedClassifier, KMMReweighter
    >>> X, y, sample_domain = make_biased_selection(
    ...     "breast_cancer", return_X_y=True, random_state=0)
    >>> clf = ImportanceWeightedClassifier(
    ...     LogisticRegression(max_iter=5000), KMMReweighter())
    >>> clf.fit(X, y, sample_domain=sample_domain).classes_
    array([0, 1])
    """

    _task = "classification"

    @staticmethod
    def _fallback():
        return LogisticRegression()


class ImportanceWeightedRegressor(
    DomainAwarePredictorMixin, RegressorMixin, _BaseImportanceWeighted
):
    """Regressor trained on source rows weighted by ``beta = P_T(x) / P_S(x)``.

    The regression counterpart of :class:`ImportanceWeightedClassifier`;
    unlabeled rows carry ``NaN`` in ``y`` (or a negative ``sample_domain``).
    A ``sample_weight`` passed to ``fit`` multiplies the importance weights,
    and a Pipeline as the estimator is weighted through its final step, as
    there.

    Parameters
    ----------
    estimator : regressor, default=None
        The regressor to fit with ``sample_weight = beta``; a
        :class:`~sklearn.linear_model.Ridge` when None. Its ``fit`` must
        accept ``sample_weight``, or, for a Pipeline, its final step's.

    weighter : estimator, default=None
        Estimator of ``beta = P_T(x) / P_S(x)`` fitted on source and target
        rows, which stores the source weights in ``weights_``, such as
        :class:`KMMReweighter` or :class:`DensityRatioWeighter`. None means
        ``DensityRatioWeighter(method="classifier")``. It is cloned.

    flatten : float or "auto", default="auto"
        Exponent ``lambda`` of ``beta ** lambda`` (Shimodaira 2000): 1 keeps
        the weights, 0 ignores them, values in between trade the bias that
        covariate shift causes for the variance that heavy weights cause.
        ``"auto"``: the largest ``lambda <= 1`` whose weights keep an
        effective sample size of at least half the training rows, a rule
        that reads the weights only (``flatten_``); weights that already do
        are kept as they are. Default chosen by
        ``benchmarks/adaptation_defaults.py`` on biased-selection tables.

    clip : float, default=None
        Upper bound on each weight after flattening (before normalisation).

    Attributes
    ----------
    estimator_ : regressor
        The regressor fitted on the weighted labelled source rows.

    weighter_ : estimator
        The fitted weighter.

    weights_ : ndarray of shape (n_train,)
        The importance weights, one per labelled source row in row order,
        after flattening and clipping, rescaled to mean one: the
        ``sample_weight`` of ``estimator_``, times the one given to ``fit``.

    flatten_ : float
        The exponent ``lambda`` used.

    effective_sample_size_ : float
        Kish's effective sample size of ``weights_``: how many unweighted
        rows the weighted sample is worth.

    n_features_in_ : int
        Number of features seen during fit.

    See Also
    --------
    SourceOnlyRegressor : The same estimator without weights.

    Examples
    --------
    >>> from sktransfer.datasets import make_biased_selection
    >>> from sktransfer.reweight import ImportanceWeightedRegressor
    >>> X, y, sample_domain = make_biased_selection(
    ...     "diabetes", return_X_y=True, random_state=0)
    >>> reg = ImportanceWeightedRegressor().fit(X, y, sample_domain=sample_domain)
    >>> round(float(reg.weights_.mean()), 6)
    1.0
    """

    _task = "regression"

    @staticmethod
    def _fallback():
        return Ridge()

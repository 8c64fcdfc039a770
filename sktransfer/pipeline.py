"""A Pipeline that passes ``sample_domain`` to the steps that accept it."""

import functools
import inspect

from sklearn.base import is_classifier, is_regressor
from sklearn.pipeline import Pipeline
from sklearn.utils.metaestimators import available_if

from ._compat import _name_estimators, _routing_enabled
from ._domain import DomainAwareMixin
from .baseline import _source_only_class

__all__ = ["DAPipeline", "make_da_pipeline"]

_ROUTING_HINT = (
    "Enable metadata routing once with "
    "sklearn.set_config(enable_metadata_routing=True), or scope it with "
    "sklearn.config_context(enable_metadata_routing=True)."
)


def _accepts_sample_domain(step, method="fit"):
    func = getattr(step, method, None)
    if func is None:
        return False
    try:
        return "sample_domain" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def _is_plain_predictor(step):
    """A classifier or regressor that does not follow the domain convention.

    Fitted on source and target rows together, it would learn ``-1`` as a
    class (or read the target labels that a benchmark keeps in ``y``).
    """
    return (
        (is_classifier(step) or is_regressor(step))
        # A DAPipeline ends in a step that follows the convention: wrapping it
        # would fit its domain-aware steps (an aligner) on the source alone.
        and not isinstance(step, DomainAwareMixin | DAPipeline)
        and not _accepts_sample_domain(step)
    )


def _source_only(step):
    """Wrap a plain predictor so that it fits the labelled source rows alone."""
    if not _is_plain_predictor(step):
        return step
    return _source_only_class(step)(step)


class DAPipeline(Pipeline):
    """Pipeline whose ``fit`` passes ``sample_domain`` to the steps that accept it.

    A plain :class:`~sklearn.pipeline.Pipeline` refuses a ``sample_domain``
    fit parameter unless scikit-learn's metadata routing is enabled. This
    subclass changes no global configuration:

    - **fit without routing**: ``fit(X, y, sample_domain=...)`` (and
      ``fit_transform``, ``fit_predict``) hands ``sample_domain`` to every step
      whose ``fit`` has a ``sample_domain`` parameter. This is enough for
      :func:`~sklearn.model_selection.cross_val_score` and
      :class:`~sklearn.model_selection.GridSearchCV`, which pass fit
      parameters split along with ``X``.
    - **predict, transform and score** treat rows as target rows. Passing
      ``sample_domain`` to them goes through metadata routing, and raises a
      ``ValueError`` that says how to enable it when it is off.
    - **with routing enabled**, everything follows scikit-learn's routing;
      sktransfer's estimators request ``sample_domain`` by default.
    - **the final step** must follow the source/target convention: a plain
      scikit-learn classifier or regressor there would learn ``-1`` as a
      class, or train on target labels. ``fit`` refuses one and names the
      fix, :class:`~sktransfer.SourceOnlyClassifier` around it;
      :func:`make_da_pipeline` wraps it for you.

    Build it with :func:`make_da_pipeline`; parameters are those of
    :class:`~sklearn.pipeline.Pipeline`.

    See Also
    --------
    make_da_pipeline : Build a DAPipeline from steps, naming them.
    """

    def _split_fit_params(self, params):
        """Turn ``sample_domain`` into ``step__sample_domain`` when not routing."""
        if _routing_enabled() or "sample_domain" not in params:
            return params
        params = dict(params)
        sample_domain = params.pop("sample_domain")
        takers = [
            name
            for _, name, step in self._iter(with_final=True, filter_passthrough=True)
            if _accepts_sample_domain(step)
        ]
        if not takers:
            raise ValueError(
                "sample_domain was passed to the pipeline but no step's fit "
                "accepts it: "
                f"{[name for name, _ in self.steps]}."
            )
        for name in takers:
            params.setdefault(f"{name}__sample_domain", sample_domain)
        return params

    def _check_final_step(self):
        step = self._final_estimator
        if step is None or step == "passthrough" or not _is_plain_predictor(step):
            return
        wrapper = _source_only_class(step).__name__
        raise ValueError(
            f"The final step of {type(self).__name__}, {step!r}, does not follow "
            "the source/target convention: fitted on every row it would learn "
            "-1 as a class or read the labels of target rows. Wrap it as "
            f"sktransfer.{wrapper}({step!r}) to fit it on the labelled source "
            "rows, or build the pipeline with make_da_pipeline, which does so."
        )

    def fit(self, X, y=None, **params):
        """Fit the steps in turn, passing ``sample_domain`` where it is accepted.

        Parameters
        ----------
        X : iterable
            Training data, source and target rows together.

        y : iterable, default=None
            Labels, ``-1`` or ``NaN`` for unlabeled rows.

        **params : dict
            ``sample_domain`` and any other fit parameter, as for
            :meth:`sklearn.pipeline.Pipeline.fit`.

        Returns
        -------
        self : DAPipeline
            The fitted pipeline.
        """
        self._check_final_step()
        return super().fit(X, y, **self._split_fit_params(params))

    @available_if(lambda self: hasattr(super(), "fit_transform"))
    def fit_transform(self, X, y=None, **params):
        """Fit all steps and transform ``X``; see :meth:`fit` for the parameters.

        Returns
        -------
        Xt : ndarray of shape (n_samples, n_transformed_features)
            Transformed samples.
        """
        self._check_final_step()
        return super().fit_transform(X, y, **self._split_fit_params(params))

    @available_if(lambda self: hasattr(super(), "fit_predict"))
    def fit_predict(self, X, y=None, **params):
        """Fit all steps and predict ``X``; see :meth:`fit` for the parameters.

        Returns
        -------
        y_pred : ndarray
            Result of ``fit_predict`` of the final estimator.
        """
        self._check_final_step()
        return super().fit_predict(X, y, **self._split_fit_params(params))


def _check_routing_at_inference(method_name):
    """Give a DAPipeline method the clear error of a missing routing set-up."""

    @functools.wraps(getattr(Pipeline, method_name))
    def method(self, X, *args, **params):
        if "sample_domain" in params and not _routing_enabled():
            raise ValueError(
                f"Passing sample_domain to {type(self).__name__}.{method_name} "
                f"needs scikit-learn's metadata routing. {_ROUTING_HINT} Without "
                "it, leave sample_domain out: rows are treated as target rows."
            )
        return getattr(super(DAPipeline, self), method_name)(X, *args, **params)

    method.__qualname__ = f"DAPipeline.{method_name}"
    return available_if(lambda self: hasattr(super(DAPipeline, self), method_name))(
        method
    )


for _name in (
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "transform",
    "score",
):
    setattr(DAPipeline, _name, _check_routing_at_inference(_name))
del _name


def make_da_pipeline(*steps, memory=None, transform_input=None, verbose=False):
    """Build a :class:`DAPipeline` from estimators, naming them automatically.

    The domain-adaptation counterpart of
    :func:`~sklearn.pipeline.make_pipeline`: ``fit(X, y, sample_domain=...)``
    reaches every step whose ``fit`` accepts ``sample_domain``, with no change
    to scikit-learn's global configuration. Only passing ``sample_domain`` at
    predict, transform or score time needs metadata routing, enabled with one
    line: ``sklearn.set_config(enable_metadata_routing=True)``.

    A plain scikit-learn classifier or regressor as the last step is wrapped
    in :class:`~sktransfer.SourceOnlyClassifier` (or
    :class:`~sktransfer.SourceOnlyRegressor`), so that it is fitted on the
    labelled source rows alone and scored on labelled rows alone; the step
    keeps the name of the estimator it wraps, whose parameters are then
    reached as ``<name>__estimator__<parameter>``.

    Parameters
    ----------
    *steps : list of estimators
        The steps, the last one possibly a predictor.

    memory : str or object with the joblib.Memory interface, default=None
        Used to cache the fitted transformers, as in ``make_pipeline``.

    transform_input : list of str, default=None
        As in :func:`~sklearn.pipeline.make_pipeline` (needs routing).

    verbose : bool, default=False
        Print the time taken by each step.

    Returns
    -------
    pipeline : DAPipeline
        The pipeline.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sktransfer import SourceOnlyClassifier, make_da_pipeline
    >>> from sktransfer.datasets import make_biased_selection
    >>> X, y, sample_domain = make_biased_selection(
    ...     "breast_cancer", return_X_y=True, random_state=0)
    >>> pipe = make_da_pipeline(StandardScaler(), SourceOnlyClassifier())
    >>> pipe.fit(X, y, sample_domain=sample_domain).score(
    ...     X[sample_domain < 0], y[sample_domain < 0]) > 0.8
    True
    >>> make_da_pipeline(StandardScaler(), LogisticRegression()).steps[-1]
    ('logisticregression', SourceOnlyClassifier(estimator=LogisticRegression()))
    """
    named = _name_estimators(steps)
    if named:
        name, last = named[-1]
        named[-1] = (name, _source_only(last))
    return DAPipeline(
        named,
        memory=memory,
        transform_input=transform_input,
        verbose=verbose,
    )

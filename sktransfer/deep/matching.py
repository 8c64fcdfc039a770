"""Deep CORAL and DAN: nets that match the domains' statistics in their layers.

Both add to the label loss a discrepancy between the source and the target
rows' outputs of chosen layers: the distance between covariances (Deep
CORAL, Sun & Saenko 2016) or the multi-kernel MMD (DAN, Long et al. 2015).
No adversary: the domain classifier of :class:`DANNModule` is a probe
trained on detached features, whose ``domain_acc`` in the history says how
far apart the domains still are.
"""

import inspect
import textwrap
from numbers import Real

from torch import nn

from .._compat import Interval
from .._docstrings import fill_docstring
from ._adaptation import (
    DANNModule,
    _AdaptationLossNet,
    _TargetTermsMixin,
    _zero,
    document_target_terms,
)
from ._base import ClassifierNetMixin, RegressorNetMixin
from .losses import coral_loss, mmd_loss

__all__ = [
    "DANClassifier",
    "DANRegressor",
    "DeepCORALClassifier",
    "DeepCORALRegressor",
]

_FEATURES = "features"


class _BaseLayerMatching(_AdaptationLossNet):
    """The discrepancy of ``_discrepancy`` summed over ``layers``."""

    # Name of the term in the history, and of its weight parameter.
    _term = None
    _weight_name = None
    _parameter_constraints: dict = {
        **_AdaptationLossNet._parameter_constraints,
        "layers": [tuple, list],
    }

    def __init__(self, module=DANNModule, *, layers, **kwargs):
        super().__init__(module, **kwargs)
        self.layers = layers

    @property
    def _term_names(self):
        return (self._term,)

    @property
    def _weight(self):
        return getattr(self, self._weight_name)

    def initialize_module(self):
        super().initialize_module()
        if hasattr(self, "module_"):
            self._check_layers()
        return self

    def _check_layers(self):
        # The feature extractor runs once per domain in training (per-domain
        # batch norm): its inner layers have no single output to compare.
        # The features themselves, and every layer after them, do.
        names = {
            name
            for name, _ in self.module_.named_modules()
            if name and name.split(".")[0] not in {"feature_extractor", ""}
        }
        unknown = [
            name for name in self.layers if name != _FEATURES and name not in names
        ]
        if not self.layers or unknown:
            raise ValueError(
                f"layers must name {_FEATURES!r} or layers of the network after "
                f"the feature extractor, among {sorted(names)}; got "
                f"{list(self.layers)!r}."
            )

    def _check_domain_rows(self, data):
        # The discrepancy of a domain's single row is 0 (no covariance, no
        # spread): the term would stay 0 every batch, and nothing adapt.
        counts = {"source": int(data.source.sum()), "target": int(data.target.sum())}
        if self._weight > 0 and min(counts.values()) < 2:
            raise ValueError(
                f"{type(self).__name__} compares the source and the target rows "
                "of each batch, which needs at least 2 rows of each domain in a "
                f"batch; got {counts['source']} source and {counts['target']} "
                "target rows in all. Give at least 2 rows of each domain (many "
                f"more than 2 per batch of batch_size={self.batch_size}), or "
                f"{self._weight_name}=0 to train without the term."
            )

    def _layer_names(self):
        return tuple(name for name in self.layers if name != _FEATURES)

    def _adaptation_terms(self, outputs):
        source, target = ~outputs.is_target, outputs.is_target
        value = _zero(outputs.label_output)
        if min(int(source.sum()), int(target.sum())) >= 2:
            for name in self.layers:
                rows = outputs.features if name == _FEATURES else outputs.layers[name]
                value = value + self._discrepancy(rows[source], rows[target])
        return {self._term: (self._weight, value)}


class _BaseDeepCORAL(_BaseLayerMatching):
    _term = "coral_loss"
    _weight_name = "coral_weight"
    _parameter_constraints: dict = {
        **_BaseLayerMatching._parameter_constraints,
        "coral_weight": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(self, module=DANNModule, *, coral_weight=1.0, **kwargs):
        super().__init__(module, **kwargs)
        self.coral_weight = coral_weight

    def _discrepancy(self, source, target):
        return coral_loss(source, target)


class _BaseDAN(_BaseLayerMatching):
    _term = "mmd_loss"
    _weight_name = "mmd_weight"
    _parameter_constraints: dict = {
        **_BaseLayerMatching._parameter_constraints,
        "mmd_weight": [Interval(Real, 0, None, closed="left")],
        "kernel_multipliers": [tuple, list],
    }

    def __init__(
        self,
        module=DANNModule,
        *,
        mmd_weight=1.0,
        kernel_multipliers=(0.125, 0.25, 0.5, 1.0, 2.0),
        **kwargs,
    ):
        super().__init__(module, **kwargs)
        self.mmd_weight = mmd_weight
        self.kernel_multipliers = kernel_multipliers

    def _check_params(self):
        super()._check_params()
        if not self.kernel_multipliers or min(self.kernel_multipliers) <= 0:
            raise ValueError(
                "kernel_multipliers must hold positive bandwidth multipliers; "
                f"got {self.kernel_multipliers!r}."
            )

    def _discrepancy(self, source, target):
        return mmd_loss(source, target, self.kernel_multipliers)


_LAYERS_DOC = """\
    layers : tuple of str, default={default!r}
        Where the domains are compared: ``"features"`` (the feature
        extractor's output) and names of the network's layers after it, for
        instance ``"label_predictor.1"`` (the default label predictor's
        hidden layer) or ``"label_predictor"`` (its output); the terms of
        several layers add up.
{why}

"""


def _layers_doc(cls):
    return _LAYERS_DOC.format(
        default=inspect.signature(cls).parameters["layers"].default,
        why=textwrap.fill(
            cls._layers_why, 79, initial_indent=" " * 8, subsequent_indent=" " * 8
        ),
    )


@fill_docstring(layers=_layers_doc)
@document_target_terms
class DeepCORALClassifier(_TargetTermsMixin, ClassifierNetMixin, _BaseDeepCORAL):
    """Deep CORAL for classification: covariances of both domains made equal.

    The label loss on the labelled source rows plus ``coral_weight`` times
    the CORAL distance ``||C_S - C_T||_F^2 / (4 d^2)`` between the source and
    the target rows' covariance matrices in each of ``layers``
    (:func:`~sktransfer.deep.losses.coral_loss`), computed in every batch
    with at least two rows of each domain. The history records
    ``label_loss``, ``coral_loss`` and a probe's ``domain_loss`` and
    ``domain_acc`` per epoch (see :mod:`sktransfer.deep.matching`).
    Per-domain batch norm and AdaBN as in :class:`DANNClassifier`; target
    labels are never read.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=DANNModule
        The network, with :class:`DANNModule`'s interface.

    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        The label loss.

    coral_weight : float, default=1.0
        Weight of the CORAL term; 0 trains source-only.

    %(layers)s
    %(target_terms)s
    **kwargs : dict
        The other parameters of :class:`DANNClassifier` (``lr``,
        ``max_epochs``, ``batch_size``, ``adapt_batchnorm``,
        ``data_format``, ``train_split``, ``random_state``, ``device``) and
        skorch's.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels seen in the labelled source rows.

    module_ : DANNModule
        The trained network.

    history_ : skorch.History
        Per-epoch losses and the probe's domain accuracy.

    See Also
    --------
    sktransfer.CORAL : The same alignment, once, on fixed features.

    References
    ----------
    B. Sun and K. Saenko, "Deep CORAL: correlation alignment for deep domain
    adaptation", ECCV 2016 workshops.

    Examples
    --------
    >>> from sktransfer.deep import DeepCORALClassifier
    >>> from sktransfer.datasets import make_digits_shift
    >>> X, y, sample_domain = make_digits_shift(
    ...     "mnist", "mnist_m", n_source=64, n_target=64, return_X_y=True,
    ...     random_state=0)
    >>> net = DeepCORALClassifier(max_epochs=1, verbose=0)
    >>> net.fit(X, y, sample_domain=sample_domain).predict(X[:3]).shape
    (3,)
    """

    _task = "classification"
    _layers_why = (
        "The output, as Sun & Saenko align it; on the digit pairs' "
        "validation rows it did better than the features."
    )

    def __init__(
        self,
        module=DANNModule,
        *,
        criterion=nn.CrossEntropyLoss,
        layers=("label_predictor",),
        **kwargs,
    ):
        super().__init__(module, criterion=criterion, layers=layers, **kwargs)


@fill_docstring(layers=_layers_doc)
class DeepCORALRegressor(RegressorNetMixin, _BaseDeepCORAL):
    """Deep CORAL for regression.

    As :class:`DeepCORALClassifier`, with a mean-squared-error label loss on
    the labelled source rows (unlabeled rows carry ``NaN`` in ``y``) and a
    single output.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=DANNModule
        The network.

    criterion : torch loss class, default=torch.nn.MSELoss
        The label loss.

    coral_weight : float, default=1.0
        Weight of the CORAL term; 0 trains source-only.

    %(layers)s
    **kwargs : dict
        The other parameters of :class:`DANNClassifier`.

    Attributes
    ----------
    module_ : DANNModule
        The trained network.

    history_ : skorch.History
        Per-epoch losses and the probe's domain accuracy.
    """

    _task = "regression"
    _layers_why = "A regressor's output is a single column: the features."

    def __init__(
        self, module=DANNModule, *, criterion=nn.MSELoss, layers=(_FEATURES,), **kwargs
    ):
        super().__init__(module, criterion=criterion, layers=layers, **kwargs)


_KERNEL_DOC = """\
    mmd_weight : float, default=1.0
        Weight of the MMD term; 0 trains source-only.

    kernel_multipliers : tuple of float, default=(0.125, 0.25, 0.5, 1.0, 2.0)
        The multi-kernel family: Gaussian kernels whose squared bandwidths
        are these multiples of the batch's mean squared distance (see
        :func:`~sktransfer.deep.losses.mmd_loss`).
"""


@fill_docstring(layers=_layers_doc, kernel=lambda cls: _KERNEL_DOC)
@document_target_terms
class DANClassifier(_TargetTermsMixin, ClassifierNetMixin, _BaseDAN):
    """Deep adaptation network (multi-kernel MMD) for classification.

    The label loss on the labelled source rows plus ``mmd_weight`` times the
    squared multi-kernel maximum mean discrepancy between the source and the
    target rows in each of ``layers`` (:func:`~sktransfer.deep.losses.mmd_loss`),
    the kernel a mean of Gaussians whose bandwidths follow the batch's
    distances. DAN (Long et al. 2015) matches the task-specific layers;
    ``layers`` chooses them. The history records ``label_loss``,
    ``mmd_loss`` and a probe's ``domain_loss`` and ``domain_acc`` per epoch
    (see :mod:`sktransfer.deep.matching`). Per-domain batch norm and AdaBN
    as in :class:`DANNClassifier`; target labels are never read.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=DANNModule
        The network, with :class:`DANNModule`'s interface.

    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        The label loss.

    %(kernel)s
    %(layers)s
    %(target_terms)s
    **kwargs : dict
        The other parameters of :class:`DANNClassifier` (``lr``,
        ``max_epochs``, ``batch_size``, ``adapt_batchnorm``,
        ``data_format``, ``train_split``, ``random_state``, ``device``) and
        skorch's.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels seen in the labelled source rows.

    module_ : DANNModule
        The trained network.

    history_ : skorch.History
        Per-epoch losses and the probe's domain accuracy.

    References
    ----------
    M. Long, Y. Cao, J. Wang and M. I. Jordan, "Learning transferable
    features with deep adaptation networks", ICML 2015.

    Examples
    --------
    >>> from sktransfer.deep import DANClassifier
    >>> from sktransfer.datasets import make_digits_shift
    >>> X, y, sample_domain = make_digits_shift(
    ...     "mnist", "mnist_m", n_source=64, n_target=64, return_X_y=True,
    ...     random_state=0)
    >>> net = DANClassifier(max_epochs=1, verbose=0)
    >>> net.fit(X, y, sample_domain=sample_domain).predict(X[:3]).shape
    (3,)
    """

    _task = "classification"
    _layers_why = (
        "The features and the hidden layer of the default label predictor, "
        "as DAN matches several task-specific layers; on the digit pairs' "
        "validation rows both did better than the features alone."
    )

    def __init__(
        self,
        module=DANNModule,
        *,
        criterion=nn.CrossEntropyLoss,
        layers=(_FEATURES, "label_predictor.1"),
        **kwargs,
    ):
        super().__init__(module, criterion=criterion, layers=layers, **kwargs)


@fill_docstring(layers=_layers_doc, kernel=lambda cls: _KERNEL_DOC)
class DANRegressor(RegressorNetMixin, _BaseDAN):
    """Deep adaptation network (multi-kernel MMD) for regression.

    As :class:`DANClassifier`, with a mean-squared-error label loss on the
    labelled source rows (unlabeled rows carry ``NaN`` in ``y``) and a
    single output.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=DANNModule
        The network.

    criterion : torch loss class, default=torch.nn.MSELoss
        The label loss.

    %(kernel)s
    %(layers)s
    **kwargs : dict
        The other parameters of :class:`DANNClassifier`.

    Attributes
    ----------
    module_ : DANNModule
        The trained network.

    history_ : skorch.History
        Per-epoch losses and the probe's domain accuracy.
    """

    _task = "regression"
    _layers_why = DANClassifier._layers_why

    def __init__(
        self,
        module=DANNModule,
        *,
        criterion=nn.MSELoss,
        layers=(_FEATURES, "label_predictor.1"),
        **kwargs,
    ):
        super().__init__(module, criterion=criterion, layers=layers, **kwargs)

"""The networks over a :class:`DANNModule` and what their nets share.

:class:`DANNModule` (feature extractor, label predictor, domain classifier)
is the network of every domain-adaptation net. ``_DomainAdaptationNet`` is
their common skorch net: validation of both domains, the domain indicator
passed with every batch, the label loss on labelled rows and AdaBN.
``_AdaptationLossNet`` adds the training step of the nets whose objective is
the label loss plus adaptation terms (DANN, CDAN, MCC, Deep CORAL, DAN): a
method is the terms it adds (``_adaptation_terms``, computed by the
functions of :mod:`sktransfer.deep.losses`), not a training loop of its own.
``_TargetTermsMixin`` adds the terms any classifier among them can stack on
its own: minimum class confusion and self-training on the target rows.
"""

import inspect
from dataclasses import dataclass
from numbers import Real

import numpy as np
import torch
from skorch.callbacks import PassthroughScoring
from skorch.dataset import unpack_data
from skorch.utils import to_tensor
from torch import nn

from .._compat import Interval, StrOptions
from .._docstrings import fill_docstring
from ._base import BaseNet, ChannelsFirstMixin
from ._inference import run_in_batches
from ._modules import (
    BATCH_NORMS,
    GradientReversal,
    MultilinearMap,
    default_feature_extractor,
    head,
)
from .images import DATA_FORMATS, channels_first_array
from .losses import class_confusion_loss, domain_adversarial_loss, pseudo_label_loss

__all__ = ["DANNModule"]


class DANNModule(nn.Module):
    """Feature extractor G_f, label predictor G_y and domain classifier G_d.

    ``forward(X, domain=None)`` returns ``(label_output, domain_logit)``; the
    domain classifier sees the features through a gradient reversal layer,
    whose ``coefficient`` the net sets at every step. In training, when
    ``domain`` is given and ``split_domains`` is True, source and target rows
    go through the feature extractor separately, so that each batch-norm layer
    normalises each domain with its own statistics (AdaBN-style).

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one row (set by the net from the data).

    n_outputs : int
        Outputs of the label predictor (set by the net from ``y``).

    feature_extractor : torch.nn.Module, default=None
        G_f; an MLP for feature rows, a small CNN for images when None. A
        custom module should expose its output width as ``n_outputs``, or
        give both heads.

    label_predictor : torch.nn.Module, default=None
        G_y; a two-layer perceptron when None.

    domain_classifier : torch.nn.Module, default=None
        G_d, ending in one logit per row; a two-layer perceptron when None.

    split_domains : bool, default=True
        Normalise each domain with its own batch statistics in training.

    conditional : bool, default=False
        Condition the domain classifier on the class predictions: it reads
        CDAN's multilinear map of the features and the softmax of the label
        output (:class:`MultilinearMap`) instead of the features.

    randomized_dim : int or None, default=1024
        Width above which the conditional map is randomised (see
        :class:`MultilinearMap`); used only when ``conditional``.
    """

    def __init__(
        self,
        input_shape,
        n_outputs,
        feature_extractor=None,
        label_predictor=None,
        domain_classifier=None,
        split_domains=True,
        conditional=False,
        randomized_dim=1024,
    ):
        super().__init__()
        self.feature_extractor = feature_extractor or default_feature_extractor(
            input_shape
        )
        width = getattr(self.feature_extractor, "n_outputs", None)
        if width is None and (
            conditional or label_predictor is None or domain_classifier is None
        ):
            raise ValueError(
                "A custom feature_extractor needs an n_outputs attribute, or both "
                "a label_predictor and a domain_classifier (and no conditional "
                "map, whose size depends on it)."
            )
        self.label_predictor = label_predictor or head(width, n_outputs)
        self.conditional_map = (
            MultilinearMap(width, n_outputs, randomized_dim) if conditional else None
        )
        domain_width = (
            width if self.conditional_map is None else self.conditional_map.n_outputs
        )
        self.domain_classifier = domain_classifier or head(domain_width, 1)
        self.reversal = GradientReversal(0.0)
        self.split_domains = split_domains

    def features(self, X, domain=None):
        is_target = None if domain is None else domain > 0.5
        if (
            not (self.training and self.split_domains)
            or is_target is None
            or min(int(is_target.sum()), int((~is_target).sum())) < 2
        ):
            return self.feature_extractor(X)
        parts = [self.feature_extractor(X[mask]) for mask in (~is_target, is_target)]
        features = parts[0].new_empty((X.shape[0], *parts[0].shape[1:]))
        features[~is_target], features[is_target] = parts
        return features

    def domain_logit(self, features, label_output):
        """G_d's logit of each row, through the gradient reversal layer.

        G_d reads the features, or with ``conditional`` their multilinear
        map with the class probabilities, held constant as in CDAN.
        """
        inputs = features
        if self.conditional_map is not None:
            probabilities = torch.softmax(label_output, dim=1).detach()
            inputs = self.conditional_map(features, probabilities)
        return self.domain_classifier(self.reversal(inputs)).squeeze(-1)

    def forward(self, X, domain=None):
        features = self.features(X, domain)
        label_output = self.label_predictor(features)
        return label_output, self.domain_logit(features, label_output)


class _DomainAdaptationNet(ChannelsFirstMixin, BaseNet):
    """What the nets over a :class:`DANNModule` share (DANN, domain confusion).

    Validation of both domains, the domain indicator passed with every batch,
    per-epoch ``label_loss``/``domain_loss``/``domain_acc``, the label loss on
    labelled rows, and AdaBN after training. ``_labels`` says which labels
    ``fit`` reads: the source rows' (unsupervised) or all (semi-supervised).
    """

    _labels = "source"
    _parameter_constraints: dict = {
        **BaseNet._parameter_constraints,
        "module": [type, nn.Module],
        "adapt_batchnorm": ["boolean"],
        "data_format": [StrOptions(set(DATA_FORMATS))],
    }
    # Rows the pretraining or the first batches need (set per subclass).
    _min_labelled_source = 1
    # Per-batch values each epoch's history averages (PassthroughScoring).
    _epoch_scores = ("label_loss", "domain_loss", "domain_acc")

    def __init__(
        self,
        module=DANNModule,
        *,
        criterion,
        adapt_batchnorm=True,
        data_format="auto",
        **kwargs,
    ):
        # Shuffled batches (BaseNet's default) mix source and target rows,
        # which the domain loss and the per-domain batch statistics need.
        super().__init__(module, criterion=criterion, **kwargs)
        self.adapt_batchnorm = adapt_batchnorm
        self.data_format = data_format

    _default_module = DANNModule

    @property
    def _default_callbacks(self):
        scores = [
            (name, PassthroughScoring(name=name, on_train=True))
            for name in self._epoch_scores
        ]
        callbacks = super()._default_callbacks
        return callbacks[:-1] + scores + callbacks[-1:]

    def fit(self, X, y, sample_domain=None, **fit_params):
        """Train on labelled source rows and on all rows for the domain loss.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, c, h, w)
            Source and target rows together.

        y : array-like of shape (n_samples,)
            Labels; ``-1`` or ``NaN`` for unlabeled rows. Target labels are
            never read.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row (``> 0`` source, ``< 0`` target).

        **fit_params : dict
            Passed to skorch's ``fit``.

        Returns
        -------
        self : object
            Fitted net.
        """
        self._check_params()
        data = self._validate_domain_data(
            X,
            y,
            sample_domain,
            labels=self._labels,
            task=self._task,
        )
        n_labelled = int(np.sum(data.labeled & data.source))
        if n_labelled < self._min_labelled_source:
            raise ValueError(
                f"{type(self).__name__} trains on the labelled source rows "
                f"first, and its batch-norm layers need at least "
                f"{self._min_labelled_source} of them; got {n_labelled}. Give "
                "more labelled source rows in X and y."
            )
        if data.has_target:
            self._check_domain_rows(data)
        X_fit = channels_first_array(data.X, self.data_format)
        self._shape_kwargs = {
            "input_shape": X_fit.shape[1:],
            "n_outputs": self._set_targets(data),
        }
        targets = self._encode(data.y, data.labeled)
        domain = data.target.astype(np.float32)
        self._total_steps = self.max_epochs * int(
            np.ceil(len(targets) / self.batch_size)
        )
        self._step = 0
        # Without target rows there is nothing to adapt to: no domain loss.
        self._adapting = data.has_target
        with self._seeded():
            self._fit_network({"X": X_fit, "domain": domain}, targets, **fit_params)
        if self.adapt_batchnorm and data.has_target:
            self._adapt_batchnorm(X_fit[data.target])
        return self

    def _check_domain_rows(self, data):
        """Refuse, before training, domains too small for the method's terms."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        label_output = y_pred[0] if isinstance(y_pred, tuple) else y_pred
        return self._label_loss(label_output, y_true)

    def _label_loss(self, label_output, y_true):
        y_true = to_tensor(y_true, device=self.device)
        labelled = self._labelled(y_true)
        if not labelled.any():
            # A batch without labelled rows trains the domain classifier only.
            return _zero(label_output)
        return self.criterion_(label_output[labelled], y_true[labelled])

    def _adapt_batchnorm(self, X_target):
        """Re-estimate batch-norm statistics on the target rows (AdaBN).

        Predictions treat rows as target rows; normalising them with the
        target's own statistics is what the per-domain training prepared.
        The whole network runs over the target rows, so that batch norm in
        the heads follows the target's features too.
        """
        norms = [m for m in self.module_.modules() if isinstance(m, BATCH_NORMS)]
        if not norms or len(X_target) < 2:
            return
        momenta = [m.momentum for m in norms]
        # Only the batch norms in training mode: dropout stays off, so the
        # statistics are those of the features predictions will see.
        self.module_.eval()
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # a cumulative average over the whole pass
            m.train()
        # Balanced batches, so that no batch holds a single row; the pass is
        # for the statistics it leaves, its label outputs are not used.
        run_in_batches(
            lambda batch: self.module_(batch)[0],
            X_target,
            batch_size=self.batch_size,
            device=self.device,
            balanced=True,
        )
        for m, momentum in zip(norms, momenta, strict=True):
            m.momentum = momentum
        self.module_.eval()

    def _label_output(self, X, sample_domain):
        return super()._label_output(X, sample_domain)[0]

    def _feature_module(self):
        """G_f, whose output both heads read."""
        return self.module_.feature_extractor


@dataclass
class _BatchOutputs:
    """What the network computed on a training batch, for the adaptation terms."""

    features: torch.Tensor
    label_output: torch.Tensor
    is_target: torch.Tensor
    # Outputs of the named layers the net asked for (``_layer_names``).
    layers: dict


class _AdaptationLossNet(_DomainAdaptationNet):
    """One backward pass through the label loss plus the method's terms.

    Every batch: features and label output of all rows, the label loss on
    the labelled source rows, the domain classifier's loss, and the terms of
    ``_adaptation_terms`` (a dict ``name -> (weight, value)``), each
    recorded per batch under its name. The domain classifier is the
    method's adversary when ``_domain_logit`` goes through the gradient
    reversal layer (DANN, CDAN); otherwise it is a probe on detached
    features, trained beside the network without acting on it, so that every
    net's ``domain_acc`` tells how far apart the domains still are.
    """

    # Names of the terms of _adaptation_terms, recorded per epoch.
    _term_names = ()
    # Whether the domain loss is part of the objective (an adversary) or
    # trains a probe only.
    _adversarial = False

    @property
    def _epoch_scores(self):
        return (*_DomainAdaptationNet._epoch_scores, *self._term_names)

    def _layer_names(self):
        """Layers (besides the features) whose outputs the terms read."""
        return ()

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        X = to_tensor(Xi["X"], device=self.device)
        domain = to_tensor(Xi["domain"], device=self.device)
        layers = {}
        hooks = [
            self.module_.get_submodule(name).register_forward_hook(
                lambda module, args, output, name=name: layers.__setitem__(name, output)
            )
            for name in self._layer_names()
        ]
        with self._autocast():
            try:
                features = self.module_.features(X, domain, **fit_params)
                label_output = self.module_.label_predictor(features)
            finally:
                for hook in hooks:
                    hook.remove()
            outputs = _BatchOutputs(features, label_output, domain > 0.5, layers)
            label_loss = self._label_loss(label_output, yi)
            domain_logit = self._domain_logit(outputs)
            domain_loss = domain_adversarial_loss(
                domain_logit, outputs.is_target, self._domain_weights(outputs)
            )
            loss, probe_loss = label_loss, 0.0
            # Without target rows, a domain loss would teach nothing.
            if self._adapting:
                if self._adversarial:
                    loss = loss + domain_loss
                else:
                    # Trained with the network, outside the objective it reports.
                    probe_loss = domain_loss
                for name, (weight, value) in self._adaptation_terms(outputs).items():
                    loss = loss + weight * value
                    self.history.record_batch(name, value.item())
        self._backward(loss + probe_loss)
        self.history.record_batch("label_loss", label_loss.item())
        self.history.record_batch("domain_loss", domain_loss.item())
        self.history.record_batch(
            "domain_acc",
            ((domain_logit > 0) == outputs.is_target).float().mean().item(),
        )
        # Counted after the step, which reads the progress made before it.
        self._step += 1
        return {"loss": loss, "y_pred": label_output}

    def _domain_logit(self, outputs):
        """A probe on detached features: it measures the shift, never acts on it."""
        return self.module_.domain_classifier(outputs.features.detach()).squeeze(-1)

    def _domain_weights(self, outputs):
        """Row weights of the domain loss; None weighs every row the same."""
        return None

    def _adaptation_terms(self, outputs):
        """The method's terms: ``name -> (weight, value)``."""
        return {}


def _zero(output):
    """A zero in ``output``'s graph: the term of a batch without its rows."""
    return output.sum() * 0.0


class _TargetTermsMixin:
    """Minimum class confusion and self-training, for any classifier net.

    Both act on the target rows' predictions only, so they stack on any
    method: ``class_confusion_weight`` adds
    :func:`~sktransfer.deep.losses.class_confusion_loss` and
    ``pseudo_label_threshold`` adds
    :func:`~sktransfer.deep.losses.pseudo_label_loss`, recorded per epoch
    as ``class_confusion_loss``, ``pseudo_label_loss`` and
    ``pseudo_label_share`` when they are on.
    """

    # Merged into each subclass's _parameter_constraints (__init_subclass__):
    # as a class attribute of its own, it would hide those of the net bases.
    _target_terms_constraints: dict = {
        "class_confusion_weight": [Interval(Real, 0, None, closed="left")],
        "class_confusion_temperature": [Interval(Real, 0, None, closed="neither")],
        "pseudo_label_threshold": [Interval(Real, 0, 1, closed="right"), None],
        "pseudo_label_weight": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *args,
        class_confusion_weight=0.0,
        class_confusion_temperature=2.5,
        pseudo_label_threshold=None,
        pseudo_label_weight=1.0,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.class_confusion_weight = class_confusion_weight
        self.class_confusion_temperature = class_confusion_temperature
        self.pseudo_label_threshold = pseudo_label_threshold
        self.pseudo_label_weight = pseudo_label_weight

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._parameter_constraints = {
            **cls._parameter_constraints,
            **_TargetTermsMixin._target_terms_constraints,
        }

    @property
    def _epoch_scores(self):
        scores = super()._epoch_scores
        # Read by skorch from __init__ on, before any validation: a value of
        # the wrong type must not break it (fit refuses it later).
        weight = self.class_confusion_weight
        if not (isinstance(weight, Real) and weight == 0):
            scores = (*scores, "class_confusion_loss")
        if self.pseudo_label_threshold is not None:
            scores = (*scores, "pseudo_label_loss", "pseudo_label_share")
        return scores

    def _adaptation_terms(self, outputs):
        terms = super()._adaptation_terms(outputs)
        target_output = outputs.label_output[outputs.is_target]
        if self.class_confusion_weight > 0:
            value = (
                class_confusion_loss(target_output, self.class_confusion_temperature)
                if len(target_output)
                else _zero(outputs.label_output)
            )
            terms["class_confusion_loss"] = (self.class_confusion_weight, value)
        if self.pseudo_label_threshold is not None:
            value, share = _zero(outputs.label_output), 0.0
            if len(target_output):
                value, share = pseudo_label_loss(
                    target_output, self.pseudo_label_threshold
                )
            terms["pseudo_label_loss"] = (self.pseudo_label_weight, value)
            self.history.record_batch("pseudo_label_share", share)
        return terms


_TARGET_TERMS_DOC = """\
    class_confusion_weight : float, default={class_confusion_weight}
        Weight of the minimum class confusion loss on the target rows'
        predictions (:func:`~sktransfer.deep.losses.class_confusion_loss`,
        Jin et al. 2020); 0 leaves it out. It stacks on the method's own
        terms.

    class_confusion_temperature : float, default=2.5
        Temperature of the class confusion loss's softmax.

    pseudo_label_threshold : float in (0, 1] or None, default=None
        Self-training: target rows predicted with at least this probability
        are trained towards their predicted class
        (:func:`~sktransfer.deep.losses.pseudo_label_loss`); None leaves it
        out. It stacks on the method's own terms.

    pseudo_label_weight : float, default=1.0
        Weight of the self-training loss.
"""


def _target_terms_doc(cls):
    default = inspect.signature(cls).parameters.get("class_confusion_weight")
    return _TARGET_TERMS_DOC.format(
        class_confusion_weight=default.default if default else 0.0
    )


#: Puts the parameters of :class:`_TargetTermsMixin` in place of the line
#: ``%(target_terms)s``, with the class's own default of
#: ``class_confusion_weight``.
document_target_terms = fill_docstring(target_terms=_target_terms_doc)

"""The networks over a :class:`DANNModule` and what their nets share.

:class:`DANNModule` (feature extractor, label predictor, domain classifier)
is the network of both :class:`~sktransfer.deep.DANNClassifier` and
:class:`~sktransfer.deep.DomainConfusionClassifier`; ``_DomainAdaptationNet``
is their common skorch net: validation of both domains, the domain indicator
passed with every batch, the label loss on labelled rows and AdaBN.
"""

import numpy as np
from skorch.callbacks import PassthroughScoring
from skorch.utils import to_tensor
from torch import nn

from .._compat import StrOptions
from ._base import BaseNet
from ._inference import run_in_batches
from ._modules import BATCH_NORMS, GradientReversal, default_feature_extractor, head
from .images import DATA_FORMATS, channels_first_array

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
    """

    def __init__(
        self,
        input_shape,
        n_outputs,
        feature_extractor=None,
        label_predictor=None,
        domain_classifier=None,
        split_domains=True,
    ):
        super().__init__()
        self.feature_extractor = feature_extractor or default_feature_extractor(
            input_shape
        )
        width = getattr(self.feature_extractor, "n_outputs", None)
        if (label_predictor is None or domain_classifier is None) and width is None:
            raise ValueError(
                "A custom feature_extractor needs an n_outputs attribute, or both "
                "a label_predictor and a domain_classifier."
            )
        self.label_predictor = label_predictor or head(width, n_outputs)
        self.domain_classifier = domain_classifier or head(width, 1)
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

    def forward(self, X, domain=None):
        features = self.features(X, domain)
        return (
            self.label_predictor(features),
            self.domain_classifier(self.reversal(features)).squeeze(-1),
        )


class _DomainAdaptationNet(BaseNet):
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

    def _validated_input(self, X, sample_domain):
        return channels_first_array(
            super()._validated_input(X, sample_domain), self.data_format
        )

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training=training)
        # A last training batch of one row breaks batch norm ("expected more
        # than 1 value per channel"): drop it, as the next epoch reshuffles.
        if (
            training
            and len(dataset) > iterator.batch_size
            and len(dataset) % iterator.batch_size == 1
            and not iterator.drop_last
        ):
            kwargs = {**self.get_params_for("iterator_train"), "drop_last": True}
            kwargs.setdefault("batch_size", self.batch_size)
            iterator = self.iterator_train(dataset, **kwargs)
        return iterator

    def get_loss(self, y_pred, y_true, X=None, training=False):
        label_output = y_pred[0] if isinstance(y_pred, tuple) else y_pred
        return self._label_loss(label_output, y_true)

    def _label_loss(self, label_output, y_true):
        y_true = to_tensor(y_true, device=self.device)
        labelled = self._labelled(y_true)
        if not labelled.any():
            # A batch without labelled rows trains the domain classifier only.
            return label_output.sum() * 0.0
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

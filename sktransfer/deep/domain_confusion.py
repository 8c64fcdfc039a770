"""Domain confusion with soft labels (Tzeng, Hoffman, Darrell & Saenko 2015)."""

from numbers import Integral, Real

import numpy as np
import torch
from skorch.dataset import unpack_data
from skorch.utils import TeeGenerator, to_tensor
from torch import nn

from .._compat import Interval
from ._adaptation import DANNModule, _DomainAdaptationNet, _zero
from ._base import ClassifierNetMixin
from .distillation import soft_targets
from .losses import domain_adversarial_loss

__all__ = ["DomainConfusionClassifier"]

# Per-batch terms that are not part of the objective (pretraining, or a fit
# without target rows) are recorded as NaN rather than as a misleading zero.
_NOT_COMPUTED = float("nan")


class DomainConfusionClassifier(ClassifierNetMixin, _DomainAdaptationNet):
    """Semi-supervised domain adaptation by domain confusion and soft labels.

    Tzeng et al. (2015) train one network on the labelled source rows, the
    few labelled target rows and the unlabeled target rows, with the loss

        L_C(labelled source + labelled target)
        + lambda_confusion * L_conf + nu_soft * L_soft(labelled target).

    **Alternating optimisation.** A domain classifier G_d, with its own
    optimizer (``optimizer_domain_``), minimises its binary cross-entropy on
    the domain labels (target = 1), on features detached from the
    representation. The representation -- feature extractor G_f and label
    predictor G_y, owned by ``optimizer_`` -- then minimises the
    classification loss plus ``lambda_confusion`` times the confusion loss:
    the cross-entropy between G_d's output and the uniform distribution
    (0.5, 0.5), computed through G_d with its parameters detached. No
    gradient reversal: each optimizer only ever updates its own parameters,
    and in every batch the domain step comes first, so that the
    representation confuses the domain classifier as it now stands.

    **Soft labels.** The network is first trained for ``pretrain_epochs``
    epochs on the labelled source rows alone (the source model). The soft
    label of class ``k`` is then the average, over the labelled source rows
    of class ``k``, of that model's softmax at temperature ``T``
    (``temperature``); it records which classes the source model confuses
    with ``k``. A labelled target row of class ``k`` is trained towards it:
    ``L_soft = -sum_j l_k[j] log softmax(z / T)[j]``, averaged over the
    labelled target rows of the batch (no ``T^2`` factor: the lecture's formula).
    A class without labelled source rows gets a one-hot soft label. The
    joint training continues from the source model, for ``max_epochs``
    epochs.

    **Which labels are read.** This method is semi-supervised: every row
    whose label is not ``-1`` is trained on, target rows included. With
    ``sample_domain``, the labelled target rows are the rows with
    ``sample_domain < 0`` and a label; mark every other target row ``-1``
    (do not leave true labels there for evaluation). Without
    ``sample_domain`` the ``-1`` rows are the target and every labelled row
    is a source row: there are no labelled target rows, so the soft-label
    term is zero and only the confusion loss adapts. Without any target row
    the net trains its source-only form and warns.

    Batch-norm layers normalise each domain with its own statistics during
    the joint training and are re-estimated on the target rows after it
    (``adapt_batchnorm``), as in :class:`DANNClassifier`; ``predict`` treats
    rows as target rows.

    A skorch net: ``max_epochs``, ``batch_size``, ``lr``, ``optimizer__*``,
    ``optimizer_domain__*`` (for instance ``optimizer_domain__lr``; the
    learning rate defaults to ``lr``), ``module__*``, ``callbacks`` and
    ``device`` work as in skorch. The history holds ``pretrain_epochs +
    max_epochs`` epochs, the source-only pretraining first (where the terms
    that are not trained are NaN), and records per epoch ``label_loss``,
    ``confusion_loss``, ``soft_loss`` (zero in batches without labelled
    target rows), ``domain_loss`` and ``domain_acc``, G_d's own loss and
    accuracy before its step: near 0.5 means the domains are confused.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=DANNModule
        The network; it must have the interface of :class:`DANNModule`
        (``features``, ``label_predictor``, ``domain_classifier``), whose
        gradient reversal layer is bypassed.

    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        The classification loss L_C.

    optimizer : torch optimizer class, default=torch.optim.Adam
        The optimizer of the representation (G_f and G_y).

    lr : float, default=1e-3
        Learning rate of both optimizers, unless ``optimizer__lr`` or
        ``optimizer_domain__lr`` says otherwise.

    max_epochs : int, default=30
        Epochs of the joint training, after the pretraining; 0 keeps the
        source model (``pretrain_epochs`` must then be at least 1).

    batch_size : int, default=64
        Rows per batch.

    lambda_confusion : float, default=0.1
        Weight ``lambda`` of the confusion loss; 0 leaves the domain
        classifier without effect on the representation. A large weight
        lets confusing the domains outweigh classifying the rows.

    nu_soft : float, default=10.0
        Weight ``nu`` of the soft-label loss; 0 trains the labelled target
        rows on their hard labels only. The term carries the source's
        similarities between classes, which matter most for the classes
        with few labelled target rows. Both weights' defaults were chosen
        together on validation rows, apart from the rows the benchmark
        reports, by ``benchmarks/domain_confusion.py``.

    temperature : float, default=2.0
        Temperature ``T`` of the soft labels and of the soft-label loss.

    pretrain_epochs : int, default=10
        Epochs of source-only training before the soft labels are computed
        and the joint training starts. With 0 the soft labels come from the
        untrained network, which carries no class structure.

    optimizer_domain : torch optimizer class, default=None
        The domain classifier's optimizer; None uses ``optimizer``.

    adapt_batchnorm : bool, default=True
        Re-estimate batch-norm statistics on the target rows after training.

    data_format : {"auto", "channels_first", "channels_last", "none"}, \
            default="auto"
        Layout of image rows, read as
        :class:`~sktransfer.deep.FineTunedClassifier` reads it (see
        :func:`~sktransfer.deep.to_channels_first`): channels-last
        ``(n, h, w, c)`` and grey ``(n, h, w)`` batches are turned channels
        first before the network is built. ``"none"`` passes rows as given.

    train_split : callable or None, default=None
        skorch's validation split; None trains on every row.

    random_state : int, RandomState instance or None, default=None
        Seeds torch for the fit (initial weights, batch order), leaving the
        global generator's state as it was.

    device : str or torch.device, default="auto"
        ``"auto"`` picks CUDA when it is available, else the CPU.

    **kwargs : dict
        Other skorch parameters.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels seen in the labelled rows.

    module_ : DANNModule
        The trained network.

    soft_labels_ : ndarray of shape (n_classes, n_classes)
        Row ``k``: the soft label of class ``k`` (rows sum to one).

    optimizer_ : torch.optim.Optimizer
        The optimizer of G_f and G_y.

    optimizer_domain_ : torch.optim.Optimizer
        The optimizer of G_d.

    history_ : skorch.History
        Per-epoch losses and domain accuracy.

    See Also
    --------
    DANNClassifier : Unsupervised adaptation by gradient reversal.
    DistilledClassifier : Training on a teacher's softened probabilities.

    References
    ----------
    E. Tzeng, J. Hoffman, T. Darrell and K. Saenko, "Simultaneous deep
    transfer across domains and tasks", ICCV 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.deep import DomainConfusionClassifier
    >>> from sktransfer.datasets import make_digits_shift
    >>> X, y, sample_domain = make_digits_shift(
    ...     "mnist", "mnist_m", n_source=64, n_target=64, return_X_y=True,
    ...     random_state=0)
    >>> y[np.flatnonzero(sample_domain < 0)[20:]] = -1  # 20 labelled target rows
    >>> net = DomainConfusionClassifier(max_epochs=1, pretrain_epochs=1, verbose=0)
    >>> net.fit(X, y, sample_domain=sample_domain).predict(X[:3]).shape
    (3,)
    >>> net.soft_labels_.shape
    (10, 10)
    """

    # Semi-supervised: fit reads the labelled target rows too.
    _labels = "all"
    _epoch_scores = (
        *_DomainAdaptationNet._epoch_scores,
        "confusion_loss",
        "soft_loss",
    )
    _task = "classification"
    _pretraining = False
    _parameter_constraints: dict = {
        **_DomainAdaptationNet._parameter_constraints,
        "lambda_confusion": [Interval(Real, 0, None, closed="left")],
        "nu_soft": [Interval(Real, 0, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "pretrain_epochs": [Interval(Integral, 0, None, closed="left")],
        "optimizer_domain": [callable, None],
    }
    # Pretraining runs on the labelled source rows alone: batch norm needs two.
    _min_labelled_source = 2

    def __init__(
        self,
        module=DANNModule,
        *,
        criterion=nn.CrossEntropyLoss,
        lambda_confusion=0.1,
        nu_soft=10.0,
        temperature=2.0,
        pretrain_epochs=10,
        optimizer_domain=None,
        **kwargs,
    ):
        # optimizer, lr, max_epochs, batch_size, adapt_batchnorm, train_split,
        # random_state and device: the defaults of the shared base.
        super().__init__(module, criterion=criterion, **kwargs)
        self.lambda_confusion = lambda_confusion
        self.nu_soft = nu_soft
        self.temperature = temperature
        self.pretrain_epochs = pretrain_epochs
        self.optimizer_domain = optimizer_domain

    def fit(self, X, y, sample_domain=None, **fit_params):
        """Pretrain on the source, then train on every row with both steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, c, h, w)
            Source and target rows together.

        y : array-like of shape (n_samples,)
            Labels; ``-1`` for unlabeled rows. Every label is read, target
            rows' included.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain id of each row (``> 0`` source, ``< 0`` target).

        **fit_params : dict
            Passed to skorch's ``fit``.

        Returns
        -------
        self : object
            Fitted net.
        """
        return super().fit(X, y, sample_domain=sample_domain, **fit_params)

    def _training_epochs(self):
        # The source model alone (max_epochs=0) is a trained network.
        return self.pretrain_epochs + self.max_epochs

    def _no_epoch_message(self):
        return "max_epochs=0 with pretrain_epochs=0"

    def initialize(self):
        # A fresh network has no source model yet: the next fit_loop trains
        # one. A warm start keeps the source model and its soft labels.
        self._source_model_ready = False
        return super().initialize()

    def initialize_optimizer(self, triggered_directly=None):
        # Created here, in skorch's optimizer context, both optimizers are
        # registered: they follow the device, pickle, and take
        # ``optimizer_domain__*`` through set_params. skorch's train_step
        # would step every registered optimizer on one loss; train_step
        # below steps each on its own objective instead.
        args, kwargs = self.get_params_for_optimizer(
            "optimizer", self._representation_parameters()
        )
        self.optimizer_ = self.optimizer(*args, **kwargs)
        args, kwargs = self.get_params_for_optimizer(
            "optimizer_domain", self.module_.domain_classifier.named_parameters()
        )
        optimizer = self.optimizer_domain or self.optimizer
        self.optimizer_domain_ = optimizer(*args, **kwargs)
        return self

    def _representation_parameters(self):
        """Named learnable parameters of everything but the domain classifier."""
        domain = {id(p) for p in self.module_.domain_classifier.parameters()}
        return [
            (name, p)
            for name, p in self.get_all_learnable_params()
            if id(p) not in domain
        ]

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        if not self._source_model_ready:
            source = (X["domain"] == 0) & (y >= 0)
            self._pretraining = True
            try:
                super().fit_loop(
                    {key: value[source] for key, value in X.items()},
                    y[source],
                    epochs=self.pretrain_epochs,
                    **fit_params,
                )
            finally:
                self._pretraining = False
            self.soft_labels_ = self._soft_labels(X["X"][source], y[source])
            self._source_model_ready = True
        return super().fit_loop(X, y, epochs=epochs, **fit_params)

    def _soft_labels(self, X_source, y_source):
        """Per class, the mean softened softmax of the source model."""
        logits = self.forward(X_source)[0].cpu().numpy()
        soft = soft_targets(logits, self.temperature, logits=True)
        n_classes = len(self.classes_)
        labels = np.eye(n_classes)
        for k in np.unique(y_source):
            labels[k] = soft[y_source == k].mean(axis=0)
        return labels

    def train_step(self, batch, **fit_params):
        """One alternating step: the domain classifier, then the representation.

        Parameters
        ----------
        batch : tuple
            A batch of the training iterator: ``({"X", "domain"}, y)``.

        **fit_params : dict
            Passed to the module's ``features``; :class:`DANNModule` takes
            none.

        Returns
        -------
        step : dict
            ``{"loss": loss, "y_pred": label_output}`` of the representation
            step.
        """
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        domain = to_tensor(Xi["domain"], device=self.device)
        y = to_tensor(yi, device=self.device)
        X = to_tensor(Xi["X"], device=self.device)
        features = self.module_.features(X, domain, **fit_params)
        adapting = self._adapting and not self._pretraining
        if adapting:
            self._domain_step(features.detach(), domain)
        else:
            self.history.record_batch("domain_loss", _NOT_COMPUTED)
            self.history.record_batch("domain_acc", _NOT_COMPUTED)
        return self._representation_step(features, y, domain, batch, adapting)

    def _domain_step(self, features, domain):
        """Update G_d on detached features: the representation is untouched."""
        self.optimizer_domain_.zero_grad()
        logit = self.module_.domain_classifier(features).squeeze(-1)
        loss = domain_adversarial_loss(logit, domain > 0.5)
        loss.backward()
        self.optimizer_domain_.step()
        self.history.record_batch("domain_loss", loss.item())
        self.history.record_batch(
            "domain_acc", ((logit > 0).float() == domain).float().mean().item()
        )

    def _representation_step(self, features, y, domain, batch, adapting):
        """Update G_f and G_y; G_d enters with its parameters detached."""
        self.optimizer_.zero_grad()
        label_output = self.module_.label_predictor(features)
        label_loss = self._label_loss(label_output, y)
        loss = label_loss
        confusion_loss = soft_loss = _NOT_COMPUTED
        if adapting:
            confusion = self._confusion_loss(features)
            soft = self._soft_loss(label_output, y, domain)
            loss = loss + self.lambda_confusion * confusion + self.nu_soft * soft
            confusion_loss, soft_loss = confusion.item(), soft.item()
        loss.backward()
        self.notify(
            "on_grad_computed",
            named_parameters=TeeGenerator(iter(self._representation_parameters())),
            batch=batch,
            training=True,
        )
        self.optimizer_.step()
        self.history.record_batch("label_loss", label_loss.item())
        self.history.record_batch("confusion_loss", confusion_loss)
        self.history.record_batch("soft_loss", soft_loss)
        return {"loss": loss, "y_pred": label_output}

    def _confusion_loss(self, features):
        """Cross-entropy of G_d's output against the uniform distribution."""
        classifier = self.module_.domain_classifier
        frozen = {name: p.detach() for name, p in classifier.named_parameters()}
        logit = torch.func.functional_call(classifier, frozen, (features,))
        return nn.functional.binary_cross_entropy_with_logits(
            logit.squeeze(-1), torch.full_like(logit.squeeze(-1), 0.5)
        )

    def _soft_loss(self, label_output, y, domain):
        """Cross-entropy of the labelled target rows' softened outputs."""
        rows = (domain > 0.5) & (y >= 0)
        if not rows.any():
            return _zero(label_output)
        soft = torch.as_tensor(
            self.soft_labels_, dtype=label_output.dtype, device=label_output.device
        )[y[rows]]
        log_p = nn.functional.log_softmax(label_output[rows] / self.temperature, dim=1)
        return -(soft * log_p).sum(dim=1).mean()

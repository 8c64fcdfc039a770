"""Domain-adversarial neural networks (Ganin & Lempitsky 2015) as skorch nets."""

from numbers import Real

from torch import nn

from .._compat import Interval
from ._adaptation import (
    DANNModule,
    _AdaptationLossNet,
    _TargetTermsMixin,
    document_target_terms,
)
from ._base import ClassifierNetMixin, RegressorNetMixin
from ._modules import lambda_schedule

__all__ = ["DANNClassifier", "DANNRegressor", "DANNModule"]


class _BaseDANN(_AdaptationLossNet):
    """Gradient reversal with its adaptation schedule: DANN's adversary."""

    _adversarial = True

    _parameter_constraints: dict = {
        **_AdaptationLossNet._parameter_constraints,
        "lambda_max": [Interval(Real, 0, None, closed="left")],
        "lambda_gamma": [Interval(Real, 0, None, closed="neither")],
        "lr_annealing": ["boolean"],
    }

    def __init__(
        self,
        module=DANNModule,
        *,
        lambda_max=1.0,
        lambda_gamma=10.0,
        lr_annealing=False,
        **kwargs,
    ):
        super().__init__(module, **kwargs)
        self.lambda_max = lambda_max
        self.lambda_gamma = lambda_gamma
        self.lr_annealing = lr_annealing

    def _coefficient(self):
        progress = min(self._step / max(self._total_steps, 1), 1.0)
        return self.lambda_max * lambda_schedule(progress, self.lambda_gamma)

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        if training and self.lr_annealing:
            # Ganin & Lempitsky: mu_p = mu_0 / (1 + 10 p) ** 0.75.
            progress = self._step / max(self._total_steps, 1)
            for group in self.optimizer_.param_groups:
                group["lr"] = self.lr / (1.0 + 10.0 * progress) ** 0.75
        super().on_batch_begin(net, batch=batch, training=training, **kwargs)

    def _domain_logit(self, outputs):
        self.module_.reversal.coefficient = self._coefficient()
        return self.module_.domain_logit(outputs.features, outputs.label_output)


@document_target_terms
class DANNClassifier(_TargetTermsMixin, ClassifierNetMixin, _BaseDANN):
    """Domain-adversarial neural network for classification.

    A feature extractor G_f feeds a label predictor G_y and, through a
    gradient reversal layer, a domain classifier G_d. Every batch mixes
    source and target rows: the label loss is computed on the labelled source
    rows, the domain loss on all rows, and the reversed gradient pushes G_f
    towards features the domain classifier cannot tell apart (the lecture's
    unsupervised domain adaptation). The adaptation factor follows
    ``lambda_max * (2 / (1 + exp(-lambda_gamma p)) - 1)`` over the progress
    ``p`` of training. Batch-norm layers normalise each domain with its own
    statistics during training and, after it, are re-estimated on the target
    rows (AdaBN): predictions, for any row, use the target's statistics.

    A skorch net: ``max_epochs``, ``batch_size``, ``lr``, ``optimizer__*``,
    ``module__*`` (for instance ``module__feature_extractor``), ``callbacks``
    and ``device`` work as in skorch. The history records ``label_loss``,
    ``domain_loss`` and ``domain_acc`` per epoch: a domain accuracy near 0.5
    is what success looks like. With a ``train_split`` (for example
    ``skorch.dataset.ValidSplit(5)``), ``valid_loss`` is the label loss on
    the labelled source rows held out, which early stopping can watch.

    To keep a fitted net, pickle it. skorch's ``save_params`` and
    ``load_params`` keep the network's weights only: a new net takes them
    once it is built, with the sizes the data gave the fitted one, for
    instance ``DANNClassifier(module__input_shape=(3, 28, 28),
    module__n_outputs=10).initialize().load_params(f_params=path)``; its
    ``predict_proba`` and ``transform`` are then the fitted net's, while
    the ``classes_`` that ``fit`` learned stay with the pickle.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=DANNModule
        The network; see :class:`DANNModule` for the ``module__*`` parameters.
        A custom module needs its interface: ``features(X, domain)``,
        ``label_predictor``, ``domain_logit(features, label_output)``,
        ``domain_classifier`` and ``reversal``.

    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        The label loss.

    optimizer : torch optimizer class, default=torch.optim.Adam
        The optimizer.

    lr : float, default=1e-3
        Learning rate.

    max_epochs : int, default=30
        Number of epochs, at least 1 (``initialize()`` builds an untrained
        network).

    batch_size : int, default=64
        Rows per batch.

    lambda_max : float, default=1.0
        Final value of the adaptation factor; 0 trains source-only.

    lambda_gamma : float, default=10.0
        Speed of the adaptation factor's schedule.

    lr_annealing : bool, default=False
        Anneal the learning rate as in the paper,
        ``lr / (1 + 10 p) ** 0.75``.

    %(target_terms)s

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
        global generator's state as it was. None uses torch's global
        generator as it stands, the skorch way.

    device : str or torch.device, default="auto"
        Where to train and predict: ``"auto"`` picks CUDA when it is
        available, else the CPU; any device skorch accepts otherwise.

    **kwargs : dict
        Other skorch parameters.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels seen in the labelled source rows.

    module_ : DANNModule
        The trained network.

    history_ : skorch.History
        Per-epoch losses and domain accuracy.

    Examples
    --------
    >>> from sktransfer.deep import DANNClassifier
    >>> from sktransfer.datasets import make_digits_shift
    >>> X, y, sample_domain = make_digits_shift(
    ...     "mnist", "mnist_m", n_source=64, n_target=64, return_X_y=True,
    ...     random_state=0)
    >>> net = DANNClassifier(max_epochs=1, verbose=0)
    >>> net.fit(X, y, sample_domain=sample_domain).predict(X[:3]).shape
    (3,)
    """

    _task = "classification"

    def __init__(self, module=DANNModule, *, criterion=nn.CrossEntropyLoss, **kwargs):
        super().__init__(module, criterion=criterion, **kwargs)


class DANNRegressor(RegressorNetMixin, _BaseDANN):
    """Domain-adversarial neural network for regression.

    As :class:`DANNClassifier`, with a mean-squared-error label loss on the
    labelled source rows (unlabeled rows carry ``NaN`` in ``y``) and a single
    output.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=DANNModule
        The network.

    criterion : torch loss class, default=torch.nn.MSELoss
        The label loss.

    **kwargs : dict
        The other parameters of :class:`DANNClassifier`.

    Attributes
    ----------
    module_ : DANNModule
        The trained network.

    history_ : skorch.History
        Per-epoch losses and domain accuracy.
    """

    _task = "regression"

    def __init__(self, module=DANNModule, *, criterion=nn.MSELoss, **kwargs):
        super().__init__(module, criterion=criterion, **kwargs)

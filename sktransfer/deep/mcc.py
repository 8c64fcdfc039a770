"""Minimum class confusion (Jin et al. 2020) as a skorch net."""

from torch import nn

from ._adaptation import (
    DANNModule,
    _AdaptationLossNet,
    _TargetTermsMixin,
    document_target_terms,
)
from ._base import ClassifierNetMixin

__all__ = ["MCCClassifier"]


@document_target_terms
class MCCClassifier(_TargetTermsMixin, ClassifierNetMixin, _AdaptationLossNet):
    """Domain adaptation by minimum class confusion, for classification.

    No adversary and no distance between domains: the network is trained on
    the labelled source rows and, on the unlabeled target rows, to predict
    few classes together. The class confusion matrix of a batch's target
    predictions, ``C = p^T diag(w) p`` with ``p`` the softmax at
    ``class_confusion_temperature`` and ``w`` favouring confident rows, is
    pushed towards the diagonal (:func:`~sktransfer.deep.losses.class_confusion_loss`).
    It is the same term that ``class_confusion_weight`` adds to the other
    classifier nets (:class:`DANNClassifier`, :class:`CDANClassifier`,
    :class:`DeepCORALClassifier`, :class:`DANClassifier`); this net has it
    alone, weighted 1 as in the paper.

    The domain classifier of :class:`DANNModule` is a probe here: trained
    on detached features, it never acts on the network, and the history's
    ``domain_acc`` says how far apart the domains still are. The history
    also records ``label_loss``, ``domain_loss`` and ``class_confusion_loss``
    per epoch. Per-domain batch norm and AdaBN, as in :class:`DANNClassifier`;
    target labels are never read.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=DANNModule
        The network, with :class:`DANNModule`'s interface.

    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        The label loss.

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
    Y. Jin, X. Wang, M. Long and J. Wang, "Minimum class confusion for
    versatile domain adaptation", ECCV 2020.

    Examples
    --------
    >>> from sktransfer.deep import MCCClassifier
    >>> from sktransfer.datasets import make_digits_shift
    >>> X, y, sample_domain = make_digits_shift(
    ...     "mnist", "mnist_m", n_source=64, n_target=64, return_X_y=True,
    ...     random_state=0)
    >>> net = MCCClassifier(max_epochs=1, verbose=0)
    >>> net.fit(X, y, sample_domain=sample_domain).predict(X[:3]).shape
    (3,)
    """

    _task = "classification"

    def __init__(
        self,
        module=DANNModule,
        *,
        criterion=nn.CrossEntropyLoss,
        class_confusion_weight=1.0,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            class_confusion_weight=class_confusion_weight,
            **kwargs,
        )

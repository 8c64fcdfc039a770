"""Conditional domain-adversarial networks (Long et al. 2018) as a skorch net."""

from numbers import Integral

import torch
from torch import nn

from .._compat import Interval
from ._adaptation import DANNModule, _TargetTermsMixin, document_target_terms
from ._base import ClassifierNetMixin
from .dann import _BaseDANN
from .losses import entropy_weights

__all__ = ["CDANClassifier"]


@document_target_terms
class CDANClassifier(_TargetTermsMixin, ClassifierNetMixin, _BaseDANN):
    """Conditional domain-adversarial network (CDAN and CDAN+E) for classification.

    DANN's adversary sees the features alone, so it can align the domains
    while leaving the classes mismatched (source sevens on target ones).
    CDAN's domain classifier reads instead the multilinear map ``f (x) g``
    of the features ``f`` and the class probabilities ``g`` (held constant),
    randomised to ``randomized_dim`` when ``f (x) g`` is wider (see
    :class:`~sktransfer.deep.MultilinearMap`): the features are aligned
    class by class. With ``entropy_conditioning`` (CDAN+E), each row's domain
    loss is weighted by ``1 + exp(-H(g))``, normalised within each domain
    (:func:`~sktransfer.deep.losses.entropy_weights`), so that confident
    predictions lead the alignment and uncertain ones, which a conditional
    adversary would mislead, weigh less.

    Everything else is :class:`DANNClassifier`'s: the gradient reversal
    layer and its schedule ``lambda_max * (2 / (1 + exp(-lambda_gamma p)) -
    1)``, the label loss on the labelled source rows, per-domain batch norm
    and AdaBN, the history's ``label_loss``, ``domain_loss`` and
    ``domain_acc``; target labels are never read.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=DANNModule
        The network; the default is built with ``conditional=True``. A custom
        module needs :class:`DANNModule`'s interface, with a domain
        classifier that reads its ``domain_logit``'s input.

    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        The label loss.

    entropy_conditioning : bool, default=False
        Weight the domain loss by the predictions' certainty (CDAN+E). Off
        by default: on the digit pairs' validation rows plain CDAN did as
        well or better (``benchmarks/deep_adaptation_defaults.py``).

    randomized_dim : int or None, default=1024
        Width of the randomised multilinear map, used when the exact map
        (features times classes) is wider; None always uses the exact map.

    lambda_max : float, default=1.0
        Final value of the adaptation factor; 0 trains source-only.

    lambda_gamma : float, default=10.0
        Speed of the adaptation factor's schedule.

    lr_annealing : bool, default=False
        Anneal the learning rate as in DANN, ``lr / (1 + 10 p) ** 0.75``.

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
        The trained network; ``module_.conditional_map`` is the map.

    history_ : skorch.History
        Per-epoch losses and domain accuracy.

    See Also
    --------
    DANNClassifier : The unconditional adversary.
    MCCClassifier : Minimum class confusion, which stacks on CDAN through
        ``class_confusion_weight``.

    References
    ----------
    M. Long, Z. Cao, J. Wang and M. I. Jordan, "Conditional adversarial
    domain adaptation", NeurIPS 2018.

    Examples
    --------
    >>> from sktransfer.deep import CDANClassifier
    >>> from sktransfer.datasets import make_digits_shift
    >>> X, y, sample_domain = make_digits_shift(
    ...     "mnist", "mnist_m", n_source=64, n_target=64, return_X_y=True,
    ...     random_state=0)
    >>> net = CDANClassifier(max_epochs=1, verbose=0)
    >>> net.fit(X, y, sample_domain=sample_domain).predict(X[:3]).shape
    (3,)
    """

    _task = "classification"
    _parameter_constraints: dict = {
        **_BaseDANN._parameter_constraints,
        "entropy_conditioning": ["boolean"],
        "randomized_dim": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        module=DANNModule,
        *,
        criterion=nn.CrossEntropyLoss,
        entropy_conditioning=False,
        randomized_dim=1024,
        **kwargs,
    ):
        super().__init__(module, criterion=criterion, **kwargs)
        self.entropy_conditioning = entropy_conditioning
        self.randomized_dim = randomized_dim

    def _module_kwargs(self):
        return {"conditional": True, "randomized_dim": self.randomized_dim}

    def _domain_weights(self, outputs):
        if not self.entropy_conditioning:
            return None
        probabilities = torch.softmax(outputs.label_output, dim=1)
        return entropy_weights(probabilities, outputs.is_target)

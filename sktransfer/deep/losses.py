"""The losses of the deep nets beyond the label loss, as plain functions.

Each domain-adaptation net adds one or more of these terms to its label loss
(see :class:`~sktransfer.deep.CDANClassifier`,
:class:`~sktransfer.deep.MCCClassifier`,
:class:`~sktransfer.deep.DeepCORALClassifier`,
:class:`~sktransfer.deep.DANClassifier`), and
:class:`~sktransfer.deep.SurrogatePretrainer`'s contrastive task trains on
:func:`contrastive_loss`; they are public so that a custom training step can
use them too. All take torch tensors and return a scalar tensor that
gradients flow through.
"""

import torch
from torch import nn

__all__ = [
    "class_confusion_loss",
    "contrastive_loss",
    "coral_loss",
    "domain_adversarial_loss",
    "entropy_weights",
    "mmd_loss",
    "pseudo_label_loss",
]


def _entropy(probabilities):
    return -(probabilities * torch.log(probabilities.clamp_min(1e-12))).sum(dim=1)


def entropy_weights(probabilities, is_target):
    """CDAN+E's weights ``1 + exp(-H(p))``, summing to one within each domain.

    Confident predictions (low entropy ``H``) weigh more in the domain loss,
    so that the alignment leans on the rows the classifier already
    understands (Long et al. 2018). Normalising within each domain, as the
    authors' code does, gives both domains the same total weight whatever
    their share of the batch.

    Parameters
    ----------
    probabilities : torch.Tensor of shape (n_rows, n_classes)
        Class probabilities; treated as constants.

    is_target : torch.Tensor of bool, shape (n_rows,)
        Which rows are target rows.

    Returns
    -------
    weights : torch.Tensor of shape (n_rows,)
        Non-negative weights; those of each domain present sum to one.
    """
    weights = 1.0 + torch.exp(-_entropy(probabilities.detach()))
    for rows in (is_target, ~is_target):
        if rows.any():
            weights = torch.where(rows, weights / weights[rows].sum(), weights)
    return weights


def domain_adversarial_loss(domain_logit, is_target, weights=None):
    """Binary cross-entropy of a domain classifier (target = 1), weighted.

    Parameters
    ----------
    domain_logit : torch.Tensor of shape (n_rows,)
        The domain classifier's logits.

    is_target : torch.Tensor of bool, shape (n_rows,)
        Which rows are target rows.

    weights : torch.Tensor of shape (n_rows,), default=None
        Row weights (for instance :func:`entropy_weights`); the loss is
        their weighted mean. None weighs every row the same.

    Returns
    -------
    loss : torch.Tensor
        A scalar.
    """
    labels = is_target.to(domain_logit.dtype)
    if weights is None:
        return nn.functional.binary_cross_entropy_with_logits(domain_logit, labels)
    losses = nn.functional.binary_cross_entropy_with_logits(
        domain_logit, labels, reduction="none"
    )
    return (weights * losses).sum() / weights.sum()


def class_confusion_loss(logits, temperature=2.5):
    """Minimum class confusion (Jin et al. 2020) of a batch of target rows.

    With ``p = softmax(logits / temperature)`` and row weights
    ``w_i = n (1 + exp(-H(p_i))) / sum_j (1 + exp(-H(p_j)))``, the class
    confusion matrix is ``C = p^T diag(w) p``; each row of ``C`` is divided
    by its sum, and the loss is the mean over classes of the off-diagonal
    mass: ``sum_{j != k} C[j, k] / n_classes``. It is 0 when every row is
    predicted with certainty and no two classes are predicted together.

    Parameters
    ----------
    logits : torch.Tensor of shape (n_rows, n_classes)
        The label predictor's outputs on target rows.

    temperature : float, default=2.5
        Temperature of the softmax (the paper's default).

    Returns
    -------
    loss : torch.Tensor
        A scalar in ``[0, 1)``.
    """
    n_rows, n_classes = logits.shape
    probabilities = torch.softmax(logits / temperature, dim=1)
    weights = 1.0 + torch.exp(-_entropy(probabilities.detach()))
    weights = n_rows * weights / weights.sum()
    confusion = probabilities.T @ (weights[:, None] * probabilities)
    confusion = confusion / confusion.sum(dim=1, keepdim=True)
    return (confusion.sum() - confusion.trace()) / n_classes


def contrastive_loss(views, other_views, temperature=0.5):
    """SimCLR's NT-Xent loss (Chen et al. 2020) of two views of each image.

    The ``2n`` projections are normalised to unit length; each one's
    positive is the other view of its image, its negatives the other
    ``2n - 2`` projections of the batch. The loss is the mean over the
    ``2n`` rows of the cross-entropy of the positive among the row's
    cosine similarities divided by ``temperature``.

    Parameters
    ----------
    views, other_views : torch.Tensor of shape (n_rows, d)
        Projections of two augmentations of the same ``n_rows`` images, row
        ``i`` of each from image ``i``.

    temperature : float, default=0.5
        Divides the cosine similarities; lower values weigh the hardest
        negatives more.

    Returns
    -------
    loss : torch.Tensor
        A scalar, at least 0; ``log(2 n - 1)`` when every similarity is equal.
    """
    n_rows = views.shape[0]
    rows = nn.functional.normalize(torch.cat([views, other_views]).flatten(1), dim=1)
    similarity = rows @ rows.T / temperature
    itself = torch.eye(2 * n_rows, dtype=torch.bool, device=rows.device)
    similarity = similarity.masked_fill(itself, float("-inf"))
    return nn.functional.cross_entropy(similarity, _other_views(n_rows, rows.device))


def _other_views(n_rows, device=None):
    """Where each row's other view is, in a batch of two views stacked.

    Row ``i`` of ``2 n_rows`` (first views, then second views in the same
    order) has its pair at ``(i + n_rows) mod 2 n_rows``.
    """
    return torch.arange(2 * n_rows, device=device).roll(n_rows)


def _covariance(rows):
    centred = rows - rows.mean(dim=0, keepdim=True)
    return centred.T @ centred / (len(rows) - 1)


def coral_loss(source, target):
    """Deep CORAL's distance ``||C_S - C_T||_F^2 / (4 d^2)`` (Sun & Saenko 2016).

    Parameters
    ----------
    source, target : torch.Tensor of shape (n_rows, d)
        Features of source and of target rows, at least two rows each;
        rows beyond the first axis are flattened.

    Returns
    -------
    loss : torch.Tensor
        A scalar: the squared Frobenius distance between the unbiased
        covariance matrices, over ``4 d^2``.
    """
    source, target = source.flatten(1), target.flatten(1)
    d = source.shape[1]
    return ((_covariance(source) - _covariance(target)) ** 2).sum() / (4 * d * d)


def mmd_loss(source, target, kernel_multipliers=(0.125, 0.25, 0.5, 1.0, 2.0)):
    """Multi-kernel maximum mean discrepancy (Long et al. 2015), squared.

    The kernel is the mean of Gaussian kernels
    ``exp(-||x - y||^2 / (2 m s))`` over the ``kernel_multipliers`` ``m``,
    where ``s`` is the mean squared distance between the rows of both
    samples (a constant: the bandwidths follow the features, as in DAN's
    multi-kernel family). The estimate is the biased (V-statistic) one,
    ``mean K_SS + mean K_TT - 2 mean K_ST``, never negative.

    Parameters
    ----------
    source, target : torch.Tensor of shape (n_rows, d)
        Rows of both samples; dimensions beyond the first axis are
        flattened.

    kernel_multipliers : sequence of float, default=(0.125, 0.25, 0.5, 1.0, 2.0)
        Bandwidth multipliers ``m``.

    Returns
    -------
    loss : torch.Tensor
        A scalar, the estimated squared MMD.
    """
    rows = torch.cat([source.flatten(1), target.flatten(1)])
    distances = torch.cdist(rows, rows) ** 2
    scale = distances.detach().sum() / max(len(rows) ** 2 - len(rows), 1)
    kernel = sum(
        torch.exp(-distances / (2 * m * scale.clamp_min(1e-12)))
        for m in kernel_multipliers
    ) / len(kernel_multipliers)
    n = len(source)
    return kernel[:n, :n].mean() + kernel[n:, n:].mean() - 2 * kernel[:n, n:].mean()


def pseudo_label_loss(logits, threshold):
    """Self-training: cross-entropy towards the confident rows' own predictions.

    A row whose largest predicted probability reaches ``threshold`` is
    trained towards its predicted class (a pseudo-label, held constant);
    the other rows are left out. The loss is averaged over all rows, so
    that it grows with the share of confident rows.

    Parameters
    ----------
    logits : torch.Tensor of shape (n_rows, n_classes)
        The label predictor's outputs on target rows.

    threshold : float
        Confidence a prediction needs to become a pseudo-label.

    Returns
    -------
    loss : torch.Tensor
        A scalar.

    share : float
        The share of rows that were pseudo-labelled.
    """
    confidence, pseudo = torch.softmax(logits.detach(), dim=1).max(dim=1)
    confident = (confidence >= threshold).to(logits.dtype)
    losses = nn.functional.cross_entropy(logits, pseudo, reduction="none")
    return (confident * losses).mean(), confident.mean().item()

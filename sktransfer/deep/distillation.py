"""Knowledge distillation (Hinton, Vinyals & Dean 2015) as a skorch net."""

from numbers import Real

import numpy as np
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import check_is_fitted
from skorch.utils import to_tensor
from torch import nn

from .._compat import (
    HasMethods,
    Interval,
    _check_method_params,
    _num_samples,
    _routing_enabled,
)
from .._domain import UNLABELED, check_sample_domain, unlabeled_mask
from ..baseline import _fit_router
from ._base import BaseNet, ClassifierNetMixin
from ._inference import run_in_batches
from ._modules import MLPFeatures

__all__ = ["DistilledClassifier", "soft_targets", "distillation_loss"]


def soft_targets(teacher_output, temperature, *, logits=False):
    """The teacher's temperature-softened class distribution.

    For probabilities ``p`` (the lecture's form) it is ``p ** (1/T)``
    renormalised; for logits ``z`` it is ``softmax(z / T)`` -- the same thing,
    since ``softmax(z) ** (1/T)`` renormalised is ``softmax(z / T)``.

    Parameters
    ----------
    teacher_output : ndarray of shape (n_samples, n_classes)
        The teacher's probabilities, or its logits with ``logits=True``.

    temperature : float
        ``T``; 1 leaves the distribution as it is, higher values soften it.

    logits : bool, default=False
        Whether ``teacher_output`` holds logits.

    Returns
    -------
    soft : ndarray of shape (n_samples, n_classes)
        Rows summing to one.
    """
    output = np.asarray(teacher_output, dtype=np.float64)
    if logits:
        scaled = output / temperature
    else:
        scaled = np.log(np.clip(output, np.finfo(np.float64).tiny, None)) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    soft = np.exp(scaled)
    return soft / soft.sum(axis=1, keepdims=True)


def distillation_loss(student_logits, soft, labels, *, temperature, soft_weight):
    """``w T^2 KL(soft || student_T) + (1 - w) CE(student, labels)``, w = soft_weight.

    The KL term is averaged over every row; the cross-entropy over the rows
    whose label is not ``-1`` (none: no hard-label term). ``T^2`` keeps the
    soft term's gradients on the scale of the hard term's as ``T`` changes.

    Parameters
    ----------
    student_logits : torch.Tensor of shape (n_samples, n_classes)
        The student's logits.

    soft : torch.Tensor of shape (n_samples, n_classes)
        The teacher's soft targets at temperature ``T``.

    labels : torch.Tensor of shape (n_samples,)
        Class indices, ``-1`` for unlabeled rows.

    temperature : float
        ``T``.

    soft_weight : float
        Weight of the soft-target term, in ``[0, 1]``.

    Returns
    -------
    loss : torch.Tensor
        A scalar.
    """
    log_student = nn.functional.log_softmax(student_logits / temperature, dim=1)
    kl = nn.functional.kl_div(log_student, soft, reduction="batchmean")
    labelled = labels >= 0
    hard = (
        nn.functional.cross_entropy(student_logits[labelled], labels[labelled])
        if labelled.any()
        else student_logits.sum() * 0.0
    )
    return soft_weight * temperature**2 * kl + (1.0 - soft_weight) * hard


class _Student(nn.Sequential):
    """The default student: flatten, an MLP, a linear layer to the classes."""

    def __init__(self, input_shape, n_outputs, hidden_units=(100,)):
        features = MLPFeatures(int(np.prod(input_shape)), hidden_units)
        super().__init__(
            nn.Flatten(), features, nn.Linear(features.n_outputs, n_outputs)
        )


def _all_unlabeled(y):
    y = np.asarray(y)
    return y.ndim == 1 and bool(unlabeled_mask(y, task="classification").all())


class DistilledClassifier(ClassifierNetMixin, BaseNet):
    """A small student network trained on a teacher's softened probabilities.

    Knowledge distillation: the teacher's class probabilities carry how it
    relates the classes ("a 2 that looks like a 7"), which hard labels lack.
    The student learns from soft targets at a temperature ``T`` -- ``p **
    (1/T)`` renormalised for a teacher's probabilities, ``softmax(z / T)``
    for its logits -- with the loss ``soft_weight T^2 KL(teacher_T || student_T) +
    (1 - soft_weight) CE(student, y)``, the cross-entropy on the rows that carry a
    label. The transfer set may hold unlabeled rows (``y == -1``), which
    give only the soft-target term. The teacher's outputs are computed once
    per fit. The student predicts at ``T = 1``.

    Parameters
    ----------
    teacher : estimator, list of estimators or torch.nn.Module
        A classifier with ``predict_proba`` (a large ensemble, gradient
        boosting, a skorch net), a list of them whose probabilities are
        averaged (model compression, Bucilua et al. 2006), or a torch module
        returning logits. Its classes must be those of ``y``, in sorted
        order. A scikit-learn teacher that is not fitted yet is cloned and
        fitted on the labelled rows first.

    module : torch.nn.Module class or instance, default=None
        The student; None means flatten, an MLP (``module__hidden_units``,
        default ``(100,)``) and a linear layer to the classes, sized from
        the data at fit, or before it from ``module__input_shape`` and
        ``module__n_outputs`` (``initialize()``, for skorch's
        ``load_params``; see :class:`DANNClassifier`).

    temperature : float, default=4.0
        ``T``.

    soft_weight : float, default=0.9
        Weight of the soft-target term; 0 trains on hard labels alone.

    criterion, optimizer, lr, max_epochs, batch_size, train_split :
        As in skorch (Adam, ``lr=1e-3``, 30 epochs, batches of 64, no
        validation split by default).

    random_state : int, RandomState instance or None, default=None
        Seeds torch for the fit, leaving the global generator as it was.

    device : str or torch.device, default="auto"
        ``"auto"`` picks CUDA when it is available, else the CPU.

    **kwargs : dict
        Other skorch parameters.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    module_ : torch.nn.Module
        The trained student.

    teachers_ : list of estimators
        The scikit-learn teachers used (fitted here when they were not);
        absent for a torch-module teacher.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sktransfer.deep import DistilledClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = (X / 16).astype("float32")
    >>> teacher = RandomForestClassifier(random_state=0).fit(X, y)
    >>> student = DistilledClassifier(teacher, max_epochs=2, verbose=0).fit(X, y)
    >>> student.predict(X[:2])
    array([0, 1])
    """

    def __init__(
        self,
        teacher,
        module=None,
        *,
        temperature=4.0,
        soft_weight=0.9,
        criterion=nn.CrossEntropyLoss,
        **kwargs,
    ):
        # Set before skorch's __init__: after it, skorch refuses a torch
        # module (a teacher may be one) as a plain attribute.
        self.teacher = teacher
        self.temperature = temperature
        self.soft_weight = soft_weight
        super().__init__(module, criterion=criterion, **kwargs)

    _default_module = _Student

    _parameter_constraints: dict = {
        **BaseNet._parameter_constraints,
        "teacher": [HasMethods(["predict_proba"]), list, tuple, nn.Module],
        "module": [type, nn.Module, None],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "soft_weight": [Interval(Real, 0, 1, closed="both")],
    }

    def _named_teachers(self):
        """The scikit-learn teacher(s) by routing name; none for a torch module."""
        if isinstance(self.teacher, nn.Module):
            return {}
        if not isinstance(self.teacher, list | tuple):
            return {"teacher": self.teacher}
        return {f"teacher_{i}": teacher for i, teacher in enumerate(self.teacher)}

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        A scikit-learn teacher that ``fit`` fits receives the ``fit``
        metadata it requests; ``sample_domain`` is requested by the student.

        Returns
        -------
        routing : MetadataRouter
            A :class:`~sklearn.utils.metadata_routing.MetadataRouter`
            encapsulating the routing information.
        """
        return _fit_router(self, self._named_teachers())

    def _split_fit_params(self, fit_params):
        """``fit_params`` for skorch, and the teachers' ``fit`` metadata by name.

        Without metadata routing every parameter goes to skorch, as before
        routing existed. With it, the teachers get what they request, and
        skorch's ``fit`` (the student module's ``forward``) the rest.
        """
        teachers = self._named_teachers()
        if not _routing_enabled() or not teachers:
            return fit_params, {name: {} for name in teachers}
        router = self.get_metadata_routing()
        routed = router.route_params(caller="fit", params=fit_params)
        consumed = router.consumes("fit", list(fit_params))
        skorch_params = {k: v for k, v in fit_params.items() if k not in consumed}
        return skorch_params, {name: routed[name]["fit"] for name in teachers}

    def _fitted_teachers(self, X, y, labeled, teacher_params):
        """The teacher(s), fitted on the labelled rows first when they are not."""
        rows = np.flatnonzero(labeled)
        fitted = []
        for name, teacher in self._named_teachers().items():
            try:
                check_is_fitted(teacher)
            except NotFittedError:
                params = _check_method_params(X, teacher_params[name], indices=rows)
                teacher = clone(teacher).fit(X[rows], y[rows], **params)
            fitted.append(teacher)
        return fitted

    def _teacher_soft_targets(self, X, y, labeled, teacher_params):
        """Soft targets of every row, from one pass of the teacher."""
        if isinstance(self.teacher, nn.Module):
            # The teacher stays where the user put it; its inputs go there too.
            device = next(self.teacher.parameters(), torch.empty(0)).device
            # It predicts in eval mode, and is left in the modes it had
            # (module by module): the user's module is never modified.
            modes = [(m, m.training) for m in self.teacher.modules()]
            self.teacher.eval()
            try:
                logits = run_in_batches(
                    self.teacher, X, batch_size=self.batch_size, device=device
                )
            except RuntimeError as exc:
                raise ValueError(
                    f"The teacher ({type(self.teacher).__name__}) does not take "
                    f"rows of shape {tuple(X.shape[1:])}: {exc}. Give the "
                    "teacher the rows it was trained on."
                ) from exc
            finally:
                for module, training in modes:
                    module.training = training
            return soft_targets(logits, self.temperature, logits=True)
        self.teachers_ = self._fitted_teachers(X, y, labeled, teacher_params)
        proba = np.mean([t.predict_proba(X) for t in self.teachers_], axis=0)
        return soft_targets(proba, self.temperature)

    def fit(self, X, y=None, sample_domain=None, **fit_params):
        """Train the student on the teacher's soft targets and the labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, c, h, w)
            The transfer set.

        y : array-like of shape (n_samples,) or None
            Labels; ``-1`` for rows without one (soft-target term only).
            When no row has a label (or ``y`` is None), the student learns
            the soft targets alone; the teacher must then be fitted, and the
            classes are its ``classes_`` (``0..k-1`` for a torch module).

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids, accepted so that the student fits in a domain-adaptation
            pipeline or search; every row, whatever its domain, is in the
            transfer set and every label is read.

        **fit_params : dict
            Passed to skorch's ``fit``. With metadata routing on
            (``sklearn.set_config(enable_metadata_routing=True)``), the
            metadata that a scikit-learn teacher requests
            (``teacher.set_fit_request``) go to its ``fit`` when it is fitted
            here, restricted to the labelled rows, and not to skorch.

        Returns
        -------
        self : object
            Fitted student.
        """
        self._check_params()
        n_samples = _num_samples(X)
        if sample_domain is not None:
            # Validated only: every row, whatever its domain, is in the
            # transfer set, so that a set of target rows alone is accepted.
            check_sample_domain(sample_domain, n_samples)
        y_given = y is not None
        if not y_given:
            y = np.full(n_samples, UNLABELED)
        # A transfer set without any label trains the student on the soft
        # targets alone, which needs a fitted teacher (it has the classes).
        transfer_only = _all_unlabeled(y)
        data = self._validate_domain_data(
            X,
            y,
            # Every row is in the transfer set; -1 marks a row without a
            # label, as documented, so inferring domains from y (no warning
            # about source rows labelled -1) is right unless no row has one.
            np.ones(n_samples, dtype=np.int64) if transfer_only else None,
            labels=None if transfer_only else "all",
            task=None if transfer_only else "classification",
            warn_no_target=False,
        )
        if transfer_only:
            self._check_teacher_fitted(y_given)
        else:
            self._set_targets(data)
        fit_params, teacher_params = self._split_fit_params(fit_params)
        soft = self._teacher_soft_targets(data.X, data.y, data.labeled, teacher_params)
        soft = soft.astype(np.float32)
        if transfer_only:
            self.label_encoder_ = LabelEncoder().fit(self._teacher_classes(soft))
        n_classes = len(self.classes_)
        if soft.shape[1] != n_classes:
            raise ValueError(
                f"The teacher gives {soft.shape[1]} class probabilities but y holds "
                f"{n_classes} classes."
            )
        labels = self._encode(data.y, data.labeled).astype(np.float32)
        self._shape_kwargs = {
            "input_shape": data.X.shape[1:],
            "n_outputs": soft.shape[1],
        }
        with self._seeded():
            self._fit_network(data.X, np.c_[labels, soft], **fit_params)
        return self

    def _check_teacher_fitted(self, y_given):
        if isinstance(self.teacher, nn.Module):
            return
        # scikit-learn's wording when y is None, which its checks look for.
        what = (
            "got no label in y (every row is -1)"
            if y_given
            else "requires y to be passed, but the target y is None"
        )
        teachers = self.teacher
        for teacher in teachers if isinstance(teachers, list | tuple) else [teachers]:
            try:
                check_is_fitted(teacher)
            except NotFittedError:
                raise ValueError(
                    f"{type(self).__name__} {what}: without labels "
                    "the student learns the teacher's soft targets alone, "
                    f"which needs a fitted teacher; {type(teacher).__name__} is "
                    "not fitted. Fit the teacher first, or give labels in y to "
                    "fit it on."
                ) from None

    def _teacher_classes(self, soft):
        """The classes of a transfer set without labels: the teacher's."""
        if isinstance(self.teacher, nn.Module):
            return np.arange(soft.shape[1])
        classes = [np.asarray(t.classes_) for t in self.teachers_]
        if any(not np.array_equal(c, classes[0]) for c in classes[1:]):
            raise ValueError(
                "The teachers do not share their classes_; without labels in y "
                "the student takes its classes from them."
            )
        return classes[0]

    def _feature_module(self):
        """Every layer of a sequential student but the last, which maps to classes."""
        if not isinstance(self.module_, nn.Sequential):
            raise TypeError(
                f"{type(self).__name__}.transform reads the input of the "
                "student's last layer, which needs a torch.nn.Sequential student; "
                f"got {type(self.module_).__name__}."
            )
        return nn.Sequential(*list(self.module_)[:-1])

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        return distillation_loss(
            y_pred,
            y_true[:, 1:],
            y_true[:, 0].long(),
            temperature=self.temperature,
            soft_weight=self.soft_weight,
        )

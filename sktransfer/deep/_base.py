"""What sktransfer's skorch nets share: device, seeding, sizes from the data."""

import contextlib
import copy
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.utils import to_tensor
from torch import nn

from .._compat import Interval, Options, validate_parameter_constraints
from .._device import resolve_device
from .._domain import DomainAwarePredictorMixin, DomainAwareTransformerMixin
from ._inference import run_in_batches
from ._modules import BATCH_NORMS
from .images import channels_first_array

# What the nets take, at fit and at predict time: feature rows or images, in
# float32 (torch's default).
_INPUT = {"allow_nd": True, "dtype": np.float32}


def copy_module(module):
    """A copy of a torch module, anything else as it is.

    A fit trains (and switches the mode of) the modules it builds on; the
    ones the user passed -- ``module``, ``module__feature_extractor``, a
    fine-tuning head -- are copied first, so that they are never modified.
    """
    return copy.deepcopy(module) if isinstance(module, nn.Module) else module


class BaseNet(DomainAwarePredictorMixin, DomainAwareTransformerMixin, NeuralNet):
    """A skorch net that follows sktransfer's conventions.

    - ``device="auto"`` picks CUDA when it is available: skorch reads
      ``self.device`` wherever it moves tensors, so a property resolves it
      there, while ``get_params`` reports the value as given.
    - ``random_state`` seeds torch for a fit and restores the global
      generator's state afterwards.
    - The default module (``_default_module``) is built with sizes from the
      data (``_shape_kwargs``, set by ``fit``) plus the ``module__*``
      parameters; a module the user gives gets the ``module__*`` only.
      Before a fit, ``initialize()`` (which skorch's ``load_params`` needs)
      builds the default module when its sizes (``_size_names``) are given
      as ``module__*`` parameters, and says which are missing otherwise.
    - ``get_params`` holds the constructor's parameters and the skorch
      ``**kwargs`` given, never a fit's private state (``_shape_kwargs``,
      ``_step``, ...): ``clone`` of a fitted net is an unfitted one.
    - Training batches are shuffled (skorch does not shuffle by default).
    - Adam, ``lr=1e-3``, 30 epochs, batches of 64 and no validation split are
      the defaults; subclasses pass on only what they change.
    - ``fit`` is the only way to train (no ``partial_fit``): subclasses
      validate the data, set the sizes, then call ``_fit_network``.
    """

    _default_module = None
    # What the default module takes from the data at fit, and what each is
    # (for the message of an initialize() without them).
    _size_names = {
        "input_shape": "the shape of one row, channels first for images",
        "n_outputs": "the number of classes, 1 for a regressor",
    }
    # Whether predict-time rows must have the shape of the training rows
    # (the default networks end in layers sized from it); fine-tuned
    # pretrained networks pool and resize, and take other image sizes.
    _fixed_row_shape = True

    # Checked at fit (``_check_params``); subclasses add their own. skorch
    # takes batch_size=-1 for "all rows in one batch".
    _parameter_constraints: dict = {
        "lr": [Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), Options(int, {-1})],
        "train_split": [callable, None],
        "random_state": ["random_state"],
        "device": [str, torch.device, None],
    }

    def __init__(
        self,
        module,
        *,
        criterion,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=30,
        batch_size=64,
        train_split=None,
        random_state=None,
        device="auto",
        **kwargs,
    ):
        # The defaults every sktransfer net shares: Adam and no validation
        # split unless asked for; shuffled training batches (get_params_for).
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            device=device,
            **kwargs,
        )
        self.random_state = random_state

    @property
    def device(self):
        return resolve_device(self._device)

    @device.setter
    def device(self, value):
        self._device = value

    def _get_param_names(self):
        # skorch takes every attribute not ending in "_" for a parameter,
        # which would expose skorch's own _params_to_validate and the state
        # a fit keeps in private attributes (_shape_kwargs, _step, ...), and
        # let clone carry that state into the new net. A leading underscore
        # means private here, as in scikit-learn: never a parameter (skorch
        # refuses such keyword arguments anyway). ``device`` is a property
        # over ``_device``.
        names = super()._get_param_names()
        return [name for name in names if not name.startswith("_")] + ["device"]

    def get_params(self, deep=True, **kwargs):
        params = super().get_params(deep=deep, **kwargs)
        # As given ("auto"), not the device it resolves to.
        params["device"] = self._device
        return params

    def __setattr__(self, name, value):
        # skorch refuses a torch module given as a plain attribute outside
        # its initialize methods (it takes it for a component to register),
        # except while __init__ runs. A parameter __init__ set (a module
        # instance, a fine-tuning head, a teacher) is the user's value, and
        # set_params replaces it as __init__ set it.
        if not name.endswith("_") and name in vars(self):
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    def get_params_for(self, prefix):
        params = super().get_params_for(prefix)
        if prefix == "iterator_train":
            # Shuffled training batches by default (skorch does not shuffle),
            # set here rather than as an iterator_train__shuffle keyword in
            # __init__, where it would be an attribute no one passed.
            params.setdefault("shuffle", True)
        return params

    def __getstate__(self):
        # skorch's unpickling maps tensors onto state["device"]: a real one.
        return {**super().__getstate__(), "device": self.device}

    def __setstate__(self, state):
        device = state["_device"]
        super().__setstate__(state)
        self.__dict__.pop("device", None)
        self._device = device

    @property
    def partial_fit(self):
        """Not available: ``fit`` is the one way to train these nets.

        skorch's ``partial_fit`` trains on its input as given, past the
        validation, label encoding and domain indicator ``fit`` prepares,
        and these nets' training is defined over a whole fit: DANN's
        adaptation factor rises over its progress, domain confusion
        pretrains on the source first, batch norm is re-estimated on the
        target after it, fine-tuning unfreezes and stops early by epoch.
        To go on training from the current weights, set ``warm_start=True``
        and call ``fit`` again.
        """
        raise AttributeError(
            f"{type(self).__name__} has no partial_fit: call fit, with "
            "warm_start=True to go on from the current weights."
        )

    def _fit_network(self, X, y, **fit_params):
        """skorch's ``fit`` on prepared data, without its public ``partial_fit``."""
        if not self.warm_start or not self.initialized_:
            self.initialize()
        self._check_network_takes(X["X"] if isinstance(X, dict) else X)
        NeuralNet.partial_fit(self, X, y, _routing_method="fit", **fit_params)
        return self

    def _check_network_takes(self, X):
        """Run two rows through the network, before training, to name a mismatch.

        A module given with the wrong sizes (``module__*``, a fine-tuning
        head, a feature extractor's ``n_outputs``), images too small for
        it, or a warm start on rows of another shape would otherwise fail
        in the first batch with torch's "mat1 and mat2 shapes cannot be
        multiplied".
        """
        if self.batch_size == 1 and any(
            isinstance(m, BATCH_NORMS) for m in self.module_.modules()
        ):
            raise ValueError(
                "batch_size=1: the network's batch-norm layers need at least 2 "
                "rows per batch in training; give batch_size >= 2."
            )
        training = self.module_.training
        self.module_.eval()
        try:
            with torch.no_grad():
                self.module_(to_tensor(X[:2], device=self.device))
        except RuntimeError as exc:
            raise ValueError(
                f"The network of {type(self).__name__} does not take rows of "
                f"shape {tuple(X.shape[1:])}: {exc}. Check the sizes of the "
                "modules given (module, module__*, head) against the data, "
                "or, with warm_start=True, fit on rows of the first fit's shape."
            ) from exc
        finally:
            self.module_.train(training)

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

    def _autocast(self):
        """The precision context of a training step's forward pass.

        Hugging Face Accelerate's, when the net trains through skorch's
        ``AccelerateMixin`` (mixed precision on GPUs); none otherwise.
        """
        accelerator = getattr(self, "accelerator", None)
        if accelerator is None:
            return contextlib.nullcontext()
        return accelerator.autocast()

    def _backward(self, loss):
        """``loss.backward()``, through Accelerate's accelerator when there is one.

        The accelerator scales the loss for mixed precision and synchronises
        the gradients of the processes of a multi-GPU run.
        """
        accelerator = getattr(self, "accelerator", None)
        if accelerator is None:
            loss.backward()
        else:
            accelerator.backward(loss)

    def _check_params(self):
        """Validate the parameters against ``_parameter_constraints``, at fit.

        skorch's own ``_validate_params`` checks the ``**kwargs`` names
        only, so scikit-learn's ``_fit_context`` (which calls it) cannot be
        used; subclasses extend this with checks across parameters.
        """
        params = self.get_params(deep=False)
        validate_parameter_constraints(
            self._parameter_constraints,
            {name: params[name] for name in self._parameter_constraints},
            caller_name=type(self).__name__,
        )
        # skorch trains nothing and returns the initial weights; scikit-learn
        # refuses max_iter=0 in its own iterative estimators. An untrained
        # network is what initialize() is for.
        if self._training_epochs() == 0:
            raise ValueError(
                f"{self._no_epoch_message()} trains nothing: "
                f"{type(self).__name__}.fit would return the network with its "
                "random initial weights. Give max_epochs >= 1; to build the "
                "network without training it, call initialize()."
            )

    def _training_epochs(self):
        """The epochs a fit trains for; 0 is refused."""
        return self.max_epochs

    def _no_epoch_message(self):
        return "max_epochs=0"

    def initialize_module(self):
        module = self._default_module if self.module is None else self.module
        kwargs = {
            name: copy_module(value)
            for name, value in self.get_params_for("module").items()
        }
        if module is self._default_module:
            sizes = getattr(self, "_shape_kwargs", None)
            if sizes is None:
                self._check_sizes_given(kwargs)
                sizes = {}
            kwargs = {**self._module_kwargs(), **sizes, **kwargs}
        self.module_ = self.initialized_instance(copy_module(module), kwargs)
        return self

    def _module_kwargs(self):
        """Arguments of the default module beyond its sizes."""
        return {}

    def _check_sizes_given(self, module_params):
        """Refuse to build the default module before a fit without its sizes.

        ``fit`` sizes it from the data; ``initialize()`` before a fit (for
        skorch's ``load_params``) has only the ``module__*`` parameters.
        """
        missing = [name for name in self._size_names if name not in module_params]
        if missing:
            sizes = " and ".join(
                f"module__{name} ({what})" for name, what in self._size_names.items()
            )
            raise ValueError(
                f"{type(self).__name__} sizes its network from the data at fit; "
                f"initialize() before a fit needs the sizes as parameters: "
                f"{sizes}, as the fitted net saw them (missing: "
                f"{', '.join(f'module__{name}' for name in missing)}). Or fit "
                "it; to keep a fitted net whole, classes included, pickle it."
            )

    @contextlib.contextmanager
    def _seeded(self):
        """Seed torch from ``random_state`` for a fit, then restore its state.

        Yields the random state torch's seed was drawn from, for the fit's
        other draws.
        """
        rng = check_random_state(self.random_state)
        if self.random_state is None:
            yield rng
            return
        with torch.random.fork_rng():
            torch.manual_seed(int(rng.randint(2**31)))
            yield rng

    def _validate_domain_data(self, X, y=None, sample_domain=None, **kwargs):
        # Batch norm, in every default module, needs two rows to train on.
        data = super()._validate_domain_data(
            X, y, sample_domain, ensure_min_samples=2, **_INPUT, **kwargs
        )
        self._row_shape = data.X.shape[1:]
        return data

    def _validated_input(self, X, sample_domain):
        """Predict-time ``X`` as float32 (images allowed); rows are target rows."""
        check_is_fitted(self, "module_")
        # n_features_in_ covers the first axis after the rows only: an image
        # of another size would reach the network and fail deep inside it,
        # or be reported as a number of "features". Checked first for images.
        fitted = getattr(self, "_row_shape", None)
        shape = tuple(getattr(X, "shape", ()))[1:]
        if (
            self._fixed_row_shape
            and fitted is not None
            and len(fitted) > 1
            and shape != tuple(fitted)
        ):
            raise ValueError(
                f"X has rows of shape {shape}, but {type(self).__name__} was "
                f"fitted on rows of shape {tuple(fitted)}; resize (or reshape) "
                "X to the shape of the training rows."
            )
        X, _ = self._validate_predict_data(X, sample_domain, **_INPUT)
        return X

    def _label_output(self, X, sample_domain):
        """The network's label output for predict-time rows, as a tensor."""
        return self.forward(self._validated_input(X, sample_domain))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # transform gives the learned features, computed in float32.
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def transform(self, X, sample_domain=None):
        """The learned features of rows: what the network's label head reads.

        Model-selection scorers that compare domains in feature space (for
        instance :class:`~sktransfer.model_selection.DeepEmbeddedValidationScorer`)
        read them here; they also serve as features for another estimator.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, c, h, w)
            Rows to map.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids, validated only: a trained network maps every row the
            same way, whatever its domain.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_learned_features)
            The features, flattened to one row per sample.
        """
        X = self._validated_input(X, sample_domain)
        features = self._feature_module()
        self.module_.eval()
        return run_in_batches(
            lambda batch: features(batch).flatten(1),
            X,
            batch_size=self.batch_size,
            device=self.device,
        )


class ChannelsFirstMixin:
    """Predict-time images in the layout the net was fitted on: channels first.

    For the nets that build their network from the shape of a row (DANN,
    domain confusion, surrogate pretraining) and bring their ``fit`` input
    to channels first with :func:`~sktransfer.deep.images.channels_first_array`
    and their ``data_format``.
    """

    def _validated_input(self, X, sample_domain):
        return channels_first_array(
            super()._validated_input(X, sample_domain), self.data_format
        )


class ClassifierNetMixin(DomainAwarePredictorMixin, ClassifierMixin):
    """Classes, probabilities and predictions for sktransfer's classifier nets.

    Labels are encoded to ``0..n_classes-1`` and unlabeled rows to ``-1``;
    the net's ``_label_output`` gives logits. The domain-aware mixin comes
    first so that ``score`` skips unlabeled rows, as every estimator's does,
    instead of scikit-learn's, which would count them as errors.
    """

    def _set_targets(self, data):
        """Fit the label encoder on the labelled rows; return the output width."""
        self.label_encoder_ = LabelEncoder().fit(data.y[data.labeled])
        return len(self.label_encoder_.classes_)

    def _encode(self, y, labeled):
        targets = np.full(len(y), -1, dtype=np.int64)
        targets[labeled] = self.label_encoder_.transform(y[labeled])
        return targets

    @staticmethod
    def _labelled(y_true):
        return y_true >= 0

    @property
    def classes_(self):
        if not hasattr(self, "label_encoder_"):
            # Built by initialize() (for load_params), not fitted: the
            # network has weights but no labels to name its outputs with.
            raise NotFittedError(
                f"This {type(self).__name__} has no classes_: fit learns them "
                "from y, and this net was initialized, not fitted "
                "(load_params restores the network's weights, not its "
                "classes). predict_proba works; its columns follow the "
                "classes_ of the net whose weights were saved. Pickle a fitted "
                "net to keep its classes."
            )
        return self.label_encoder_.classes_

    def predict_proba(self, X, sample_domain=None):
        """Class probabilities of rows, target rows by default.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, c, h, w)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; None treats every row as a target row.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class, columns ordered as ``classes_``.
        """
        logits = self._label_output(X, sample_domain)
        return torch.softmax(logits, dim=1).cpu().numpy()

    def predict(self, X, sample_domain=None):
        """Predicted class of rows, target rows by default.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, c, h, w)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; None treats every row as a target row.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        proba = self.predict_proba(X, sample_domain)
        return self.classes_[proba.argmax(axis=1)]


class RegressorNetMixin(DomainAwarePredictorMixin, RegressorMixin):
    """Targets and predictions for sktransfer's regressor nets (one output).

    Unlabeled rows carry ``NaN``; ``score`` leaves them out (see
    :class:`ClassifierNetMixin`).
    """

    def _set_targets(self, data):
        return 1

    def _encode(self, y, labeled):
        return np.where(labeled, y, np.nan).astype(np.float32)[:, None]

    @staticmethod
    def _labelled(y_true):
        return ~torch.isnan(y_true[:, 0])

    @property
    def predict_proba(self):
        # skorch's NeuralNet has one; a regressor has no probabilities.
        raise AttributeError(f"{type(self).__name__} has no predict_proba.")

    def predict(self, X, sample_domain=None):
        """Predicted values of rows, target rows by default.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, c, h, w)
            Rows to predict.

        sample_domain : array-like of shape (n_samples,), default=None
            Domain ids; None treats every row as a target row.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predictions.
        """
        return self._label_output(X, sample_domain)[:, 0].cpu().numpy()

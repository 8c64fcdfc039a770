"""What sktransfer's skorch nets share: device, seeding, sizes from the data."""

import contextlib

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet

from .._domain import DomainAwarePredictorMixin

# What the nets take, at fit and at predict time: feature rows or images, in
# float32 (torch's default).
_INPUT = {"allow_nd": True, "dtype": np.float32}


class BaseNet(DomainAwarePredictorMixin, NeuralNet):
    """A skorch net that follows sktransfer's conventions.

    - ``device="auto"`` picks CUDA when it is available: skorch reads
      ``self.device`` wherever it moves tensors, so a property resolves it
      there, while ``get_params`` reports the value as given.
    - ``random_state`` seeds torch for a fit and restores the global
      generator's state afterwards.
    - The default module (``_default_module``) is built with sizes from the
      data (``_shape_kwargs``, set by ``fit``) plus the ``module__*``
      parameters; a module the user gives gets the ``module__*`` only.
    - Training batches are shuffled (skorch does not shuffle by default).
    """

    _default_module = None

    def __init__(self, module, *, random_state=None, device="auto", **kwargs):
        kwargs.setdefault("iterator_train__shuffle", True)
        super().__init__(module, device=device, **kwargs)
        self.random_state = random_state

    @property
    def device(self):
        if self._device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        return self._device

    @device.setter
    def device(self, value):
        self._device = value

    def get_params(self, deep=True, **kwargs):
        params = super().get_params(deep=deep, **kwargs)
        params["device"] = self._device
        return params

    def __getstate__(self):
        # skorch's unpickling maps tensors onto state["device"]: a real one.
        return {**super().__getstate__(), "device": self.device}

    def __setstate__(self, state):
        device = state["_device"]
        super().__setstate__(state)
        self.__dict__.pop("device", None)
        self._device = device

    def initialize_module(self):
        # Sizes come from the data: until a fit has seen some (set_params
        # before fit re-initialises), there is nothing to build.
        if not hasattr(self, "_shape_kwargs"):
            return self
        module = self._default_module if self.module is None else self.module
        kwargs = self.get_params_for("module")
        if module is self._default_module:
            kwargs = {**self._shape_kwargs, **kwargs}
        self.module_ = self.initialized_instance(module, kwargs)
        return self

    @contextlib.contextmanager
    def _seeded(self):
        """Seed torch from ``random_state`` for a fit, then restore its state."""
        if self.random_state is None:
            yield
            return
        with torch.random.fork_rng():
            torch.manual_seed(int(check_random_state(self.random_state).randint(2**31)))
            yield

    def _validate_domain_data(self, X, y=None, sample_domain=None, **kwargs):
        # Batch norm, in every default module, needs two rows to train on.
        return super()._validate_domain_data(
            X, y, sample_domain, ensure_min_samples=2, **_INPUT, **kwargs
        )

    def _validated_input(self, X, sample_domain):
        """Predict-time ``X`` as float32 (images allowed); rows are target rows."""
        check_is_fitted(self, "module_")
        X, _ = self._validate_predict_data(X, sample_domain, **_INPUT)
        return X

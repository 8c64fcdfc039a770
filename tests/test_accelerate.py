"""Several GPUs and mixed precision: the nets through skorch's AccelerateMixin.

The recipe of docs/user_guide/scale.md, run on the CPU: the accelerator
does the backward passes of sktransfer's own training step, and the net
learns what it learns without it.
"""

import numpy as np
from accelerate import Accelerator
from sklearn.preprocessing import StandardScaler
from skorch.hf import AccelerateMixin

from sktransfer import DANNClassifier
from sktransfer.datasets import make_biased_selection


class AcceleratedDANN(AccelerateMixin, DANNClassifier):
    # AccelerateMixin's step knows the label loss only; the net's own step
    # adds the domain loss and goes through the accelerator (BaseNet._backward).
    train_step_single = DANNClassifier.train_step_single


class _CountingAccelerator(Accelerator):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.backward_calls = 0

    def backward(self, loss, **kwargs):
        self.backward_calls += 1
        return super().backward(loss, **kwargs)


def test_a_net_trains_through_accelerate_as_without_it():
    data = make_biased_selection("wine", bias=1.0, random_state=0)
    X = StandardScaler().fit_transform(data.X).astype(np.float32)
    y = np.where(data.sample_domain < 0, -1, data.y)
    params = {"max_epochs": 5, "batch_size": 32, "random_state": 0, "verbose": 0}
    plain = DANNClassifier(**params).fit(X, y, sample_domain=data.sample_domain)
    accelerator = _CountingAccelerator(cpu=True)
    # device=None: the accelerator places the tensors, as on GPUs.
    net = AcceleratedDANN(accelerator=accelerator, device=None, **params)
    net.fit(X, y, sample_domain=data.sample_domain)
    n_batches = sum(len(epoch["batches"]) for epoch in net.history)
    assert accelerator.backward_calls == n_batches
    # The domain loss is the net's own step's; AccelerateMixin's would not
    # record it.
    np.testing.assert_array_equal(
        net.history[:, "domain_loss"], plain.history[:, "domain_loss"]
    )
    np.testing.assert_array_equal(net.predict_proba(X), plain.predict_proba(X))

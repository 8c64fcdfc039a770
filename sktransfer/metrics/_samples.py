"""The samples every shift measure compares, validated alike."""

import numpy as np
from sklearn.utils.validation import check_array

from .._domain import _numbers_needed


def _check_sample(X, name):
    """``X`` as a 2-D float array, rows flattened; ``name`` names it in errors."""
    with _numbers_needed(f"{name} must hold numbers"):
        X = check_array(
            X, allow_nd=True, dtype=[np.float64, np.float32], input_name=name
        )
    return X.reshape(X.shape[0], -1)


def _check_pair(X_source, X_target):
    """Validate two samples as 2-D float arrays with the same features."""
    samples = [_check_sample(X_source, "X_source"), _check_sample(X_target, "X_target")]
    if samples[0].shape[1] != samples[1].shape[1]:
        raise ValueError(
            f"X_source has {samples[0].shape[1]} features per row but X_target has "
            f"{samples[1].shape[1]}."
        )
    return samples

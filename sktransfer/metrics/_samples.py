"""The two samples every shift measure compares, validated alike."""

import numpy as np
from sklearn.utils.validation import check_array


def _check_pair(X_source, X_target):
    """Validate two samples as 2-D float arrays with the same features."""
    samples = []
    for name, X in (("X_source", X_source), ("X_target", X_target)):
        X = check_array(
            X, allow_nd=True, dtype=[np.float64, np.float32], input_name=name
        )
        samples.append(X.reshape(X.shape[0], -1))
    if samples[0].shape[1] != samples[1].shape[1]:
        raise ValueError(
            f"X_source has {samples[0].shape[1]} features per row but X_target has "
            f"{samples[1].shape[1]}."
        )
    return samples

"""What the data set builders share."""

import importlib


def _to_frame(X, y, sample_domain, feature_names, target_name, caller):
    """``X`` and ``y`` in pandas, and the frame of both with the domains.

    What scikit-learn's loaders give with ``as_frame=True``; the domains stay
    an ndarray for the estimators, and are a column of the frame.
    """
    pd = _import_optional("pandas", caller)
    X = pd.DataFrame(X, columns=list(feature_names))
    y = pd.Series(y, name=target_name)
    domains = pd.Series(sample_domain, name="sample_domain")
    return X, y, pd.concat([X, y, domains], axis=1)


def _import_optional(module, caller):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs the optional dependency {module!r}. Install it "
            "with the data extra: pip install sktransfer[data]"
        ) from exc

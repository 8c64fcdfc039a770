"""What the data set builders share."""

import importlib


def _import_optional(module, caller):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs the optional dependency {module!r}. Install it "
            "with the data extra: pip install sktransfer[data]"
        ) from exc

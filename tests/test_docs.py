"""The API reference lists every public name of the package."""

import importlib
import re
from pathlib import Path

import sktransfer

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"
_MODULES = (
    "sktransfer",
    "sktransfer.datasets",
    "sktransfer.deep",
    "sktransfer.deep.losses",
    "sktransfer.exceptions",
    "sktransfer.label_shift",
    "sktransfer.metrics",
    "sktransfer.model_selection",
    "sktransfer.reweight",
    "sktransfer.text",
)


def _documented():
    """``module.name`` of every autosummary entry of docs/api.rst."""
    names, module = set(), None
    for line in API.read_text().splitlines():
        if match := re.match(r"\.\. currentmodule:: (\S+)", line):
            module = match.group(1)
        elif re.match(r"   [A-Za-z_]\w*$", line):
            names.add(f"{module}.{line.strip()}")
    return names


def test_every_public_name_is_in_the_api_reference():
    documented = _documented()
    documented_names = {name.rsplit(".", 1)[1] for name in documented}
    missing = []
    for module_name in _MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            value = getattr(module, name)
            if type(value).__name__ == "module":
                continue
            # The deep names re-exported by sktransfer are documented once,
            # under sktransfer.deep.
            if f"{module_name}.{name}" in documented or (
                module_name == "sktransfer" and name in documented_names
            ):
                continue
            missing.append(f"{module_name}.{name}")
    assert not missing, f"add to docs/api.rst: {missing}"
    # And nothing listed that the package does not export.
    for qualified in documented:
        module_name, name = qualified.rsplit(".", 1)
        assert name in importlib.import_module(module_name).__all__, qualified
    assert sktransfer.__all__

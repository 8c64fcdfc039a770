"""The package imports without torch and skorch until a deep name is used."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import sktransfer


def _run(code):
    """Run ``code`` in a fresh interpreter: this one has imported torch already."""
    # The sktransfer under test, whatever the installed one.
    root = str(Path(sktransfer.__file__).parents[1])
    path = os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_tabular_estimators_import_without_torch_or_skorch():
    out = _run(
        """
        import sys

        import sktransfer
        import sktransfer.metrics
        import sktransfer.model_selection
        from sktransfer import (
            CORAL,
            DensityRatioWeighter,
            ImportanceWeightedClassifier,
            KMMReweighter,
            SourceOnlyClassifier,
            SubspaceAlignment,
            make_da_pipeline,
        )
        from sktransfer.datasets import make_biased_selection

        X, y, sd = make_biased_selection(return_X_y=True, random_state=0)
        make_da_pipeline(CORAL(), SourceOnlyClassifier()).fit(X, y, sample_domain=sd)
        print(sorted({"torch", "skorch"} & set(sys.modules)))
        """
    )
    assert out.strip() == "[]"


def test_the_optional_extras_load_only_when_used():
    # Dask and Accelerate are extras: a deep net, a weighter and the label
    # shift estimators run without importing them.
    out = _run(
        """
        import sys

        import numpy as np
        from sktransfer import DANNClassifier, DensityRatioWeighter
        from sktransfer.label_shift import LabelShiftClassifier

        X = np.random.RandomState(0).normal(size=(40, 3)).astype(np.float32)
        y = np.r_[np.arange(20) % 2, -np.ones(20, dtype=int)]
        DANNClassifier(max_epochs=1, verbose=0).fit(X, y)
        DensityRatioWeighter().fit(X, y).predict_weights(X)
        LabelShiftClassifier(n_bootstrap=0).fit(X, y)
        print(sorted({"dask", "distributed", "accelerate"} & set(sys.modules)))
        """
    )
    assert out.strip() == "[]"


def test_the_deep_names_still_import_from_the_package():
    out = _run(
        """
        import sys

        import sktransfer
        from sktransfer import DANNClassifier

        print("torch" in sys.modules, DANNClassifier is sktransfer.deep.DANNClassifier)
        """
    )
    assert out.split() == ["True", "True"]


def test_every_exported_name_resolves_and_is_listed():
    for name in sktransfer.__all__:
        assert getattr(sktransfer, name) is not None
    assert set(sktransfer.__all__) <= set(dir(sktransfer))
    with pytest.raises(AttributeError, match="no attribute 'DANN'"):
        sktransfer.DANN  # noqa: B018

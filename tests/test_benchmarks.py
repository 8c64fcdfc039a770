"""Every benchmark script still runs, and writes its results file whole.

Each script runs in its quick mode (tiny data, one seed, an epoch or so) in a
fresh process, as a user would run it; the figures mean nothing, the file's
form does. Slow (minutes in all): ``make test-slow`` runs them in CI.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from _idx import write_fashion_mnist

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(
    path.name for path in BENCHMARKS.glob("*.py") if not path.name.startswith("_")
)


def test_every_script_is_run_here():
    assert SCRIPTS == [
        "adaptation_defaults.py",
        "dask_grid_search.py",
        "deep_adaptation.py",
        "deep_adaptation_defaults.py",
        "deep_regression.py",
        "distillation.py",
        "domain_confusion.py",
        "features.py",
        "finetune.py",
        "kmm_scaling.py",
        "label_shift.py",
        "model_selection.py",
        "reweighting.py",
        "shift_measures.py",
        "surrogate_pretraining.py",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_script_runs_in_quick_mode_and_writes_its_results(script, tmp_path):
    output = tmp_path / "results.md"
    extra = []
    if script == "finetune.py":
        # Debian's Fashion-MNIST files are not on every machine: a stand-in.
        write_fashion_mnist(tmp_path)
        extra = ["--fashion-dir", str(tmp_path)]
    # One thread each: pytest-xdist already runs a process per core.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick", "--output", output]
        + extra,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    text = output.read_text()
    # The file is what the script printed, whole.
    assert text.strip() == completed.stdout.strip()
    lines = text.splitlines()
    assert lines[0].startswith("# ")
    assert "Quick mode" in text
    command = f"- command: `OMP_NUM_THREADS=1 python benchmarks/{script} --quick"
    assert command in text
    assert re.search(r"^- date: \d{4}-\d\d-\d\d \d\d:\d\d UTC$", text, re.M)
    assert re.search(r"^- commit: ([0-9a-f]{12}|unknown)", text, re.M)
    assert re.search(r"^- versions: Python 3\.\d+.*scikit-learn \d", text, re.M)
    assert re.search(r"^\| --- \|", text, re.M), "no table"

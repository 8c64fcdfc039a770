"""Every benchmark script still runs, and writes its results file whole.

Each script runs in its quick mode (tiny data, one seed, an epoch or so) in a
fresh process, as a user would run it; the figures mean nothing, the file's
form does. Slow (minutes in all): ``make test-slow`` runs them in CI.

Fast: the helpers that decide where the biased-selection benchmarks' figures
come from (the split of the target rows, the seeds, the rule that picks the
defaults), against answers worked out by hand.
"""

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
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
        "few_labels.py",
        "few_labels_speed.py",
        "finetune.py",
        "kmm_scaling.py",
        "label_shift.py",
        "model_selection.py",
        "natural_loaders.py",
        "natural_shift.py",
        "natural_shift_defaults.py",
        "reweighting.py",
        "shift_measures.py",
        "surrogate_pretraining.py",
    ]


# What the results file of a script must say about where its figures come
# from, beyond the header every script writes.
PROTOCOL = {
    "natural_shift.py": (
        "target halves drawn at random",
        "Development pairs (the search's defaults were looked at on them)",
    ),
    "natural_shift_defaults.py": ("Development pairs (",),
    "few_labels.py": (
        "labelled target rows drawn at random",
        "Chosen on the development pairs at 25 labels",
    ),
    "reweighting.py": (
        "into an adaptation half (fitted on without its labels) and a test half",
        "| wine (pca, bias 1) | 0 |",
    ),
    "adaptation_defaults.py": (
        "into an adaptation half (the unlabeled target rows",
        "| task | selection seeds | report seeds |",
        # Seed 100 keeps too few source rows of a class: the next is drawn.
        "| wine (bias 1) | 101 | 0 |",
        "| estimator | old default | package default | rule's pick, selection seeds |",
    ),
}


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
    for statement in PROTOCOL.get(script, ()):
        assert statement in text, statement


@pytest.fixture
def benchmark(monkeypatch):
    """Import a benchmark script as a module, as the scripts import each other."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    return importlib.import_module


@pytest.mark.parametrize(
    ("worst", "changes", "expected"),
    [
        # The old default passes (at the threshold itself): kept, even
        # where another option does better.
        ({"old": -1.0, "a": 2.0}, {"old": 0, "a": 1}, ("old", True)),
        # It fails: the fewest changes first, then the best worst mean.
        (
            {"old": -1.5, "a": -0.8, "b": -0.2, "c": 3.0},
            {"old": 0, "a": 1, "b": 1, "c": 2},
            ("b", True),
        ),
        # A tie on both: the first option.
        ({"old": -2.0, "a": 0.5, "b": 0.5}, {"old": 0, "a": 1, "b": 1}, ("a", True)),
        # None passes: the best worst mean, whatever it changes.
        (
            {"old": -5.0, "a": -3.0, "b": -2.0},
            {"old": 0, "a": 1, "b": 2},
            ("b", False),
        ),
    ],
)
def test_default_rule_picks(benchmark, worst, changes, expected):
    assert benchmark("adaptation_defaults").pick(worst, changes, "old") == expected


def test_default_decision_options_and_changes(benchmark):
    module = benchmark("adaptation_defaults")
    coral = next(d for d in module.DECISIONS if d.estimator == "CORAL")
    options = coral.options()
    # Old first, then the package's default (CORAL's own), then the others.
    assert list(options) == [
        "center='domain', alpha=1.0",
        "center='pooled', alpha=1.0",
        "center='pooled', alpha=1e-05",
        "center='pooled', alpha=10.0",
        "center='pooled', alpha=100.0",
        "center='domain', alpha=100.0",
    ]
    assert [coral.changes(o) for o in options.values()] == [0, 1, 2, 2, 2, 1]
    # KMM's old defaults are its defaults now: one option, not two.
    kmm = next(d for d in module.DECISIONS if d.estimator == "KMMReweighter")
    assert list(kmm.options())[:2] == [
        "gamma=None, B=1000.0, eps=None",
        "gamma=4 x median, B=1000.0, eps=None",
    ]


def test_seed_ranges(benchmark):
    seed_ranges = benchmark("_biased_selection").seed_ranges
    assert seed_ranges([8, 5, 0, 1, 2, 7]) == "0-2, 5, 7-8"
    assert seed_ranges([3]) == "3"


@pytest.mark.parametrize("seed", range(5))
def test_target_rows_split_in_halves_that_no_fit_mixes(benchmark, seed):
    # Six source rows, eight target rows, four of each class; the first
    # feature is the row's number.
    sd = np.r_[np.ones(6, dtype=int), -np.ones(8, dtype=int)]
    y = np.r_[0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1]
    X = np.c_[np.arange(14.0), np.random.RandomState(seed).normal(size=14)]
    draw = benchmark("_biased_selection").split(
        SimpleNamespace(X=X, y=y, sample_domain=sd), seed
    )
    np.testing.assert_array_equal(draw.sample_domain, np.r_[np.ones(6), -np.ones(4)])
    np.testing.assert_array_equal(draw.y, np.r_[y[:6], -np.ones(4)])
    # Standardised on the rows the fits see, and only on them.
    np.testing.assert_allclose(draw.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(draw.X.std(axis=0), 1)
    # The row numbers back, from the map the two first source rows give.
    scale = draw.X[1, 0] - draw.X[0, 0]
    adaptation = np.rint((draw.X[6:, 0] - draw.X[0, 0]) / scale).astype(int)
    test = np.rint((draw.X_test[:, 0] - draw.X[0, 0]) / scale).astype(int)
    np.testing.assert_array_equal(np.sort(np.r_[adaptation, test]), np.arange(6, 14))
    np.testing.assert_array_equal(draw.y_adaptation, y[adaptation])
    np.testing.assert_array_equal(draw.y_test, y[test])
    # Stratified: two rows of each class in each half.
    np.testing.assert_array_equal(np.bincount(draw.y_test), [2, 2])


def test_report_seeds_never_reach_the_selection_seeds(benchmark):
    module = benchmark("adaptation_defaults")
    with pytest.raises(ValueError, match=r"--seeds 101 .* fewer than 100 seeds"):
        module._draws({"wine (bias 1)": module.TASKS["wine (bias 1)"]}, 101)

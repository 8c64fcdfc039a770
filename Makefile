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

.PHONY: demo test test-slow lint format clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

demo: $(BIN)/.installed
	$(BIN)/python -m sktransfer demo

test: $(BIN)/.installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not slow" --doctest-modules sktransfer tests

# pytest exits 5 when no test is marked slow, which is not a failure.
test-slow: $(BIN)/.installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m slow tests || [ $$? -eq 5 ]

lint: $(BIN)/.installed
	$(BIN)/ruff check sktransfer tests benchmarks
	$(BIN)/ruff format --check sktransfer tests benchmarks

format: $(BIN)/.installed
	$(BIN)/ruff check --fix sktransfer tests benchmarks
	$(BIN)/ruff format sktransfer tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

# Two commands on a fresh machine with Python 3.11:
#   make demo   installs the assistant into .venv and runs the main job on the embedded defaults
#   make test   installs what the tests need into .venv and runs lint, types and tests
#   make test-fast   runs the tests that take well under a second each (no slow, model, postgres or packaging
#                    marker): under a minute, for the edit-test loop; make test still runs everything
#   make test-week   runs the tests on each day of one week (the wall clock moved there, see WEEK below)
# Set TORCH_INDEX=https://download.pytorch.org/whl/cpu on machines without a local CPU torch wheel.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
TORCH_INDEX ?=
PYTEST_ARGS ?=
#: What make test-fast leaves out (markers registered in pyproject.toml).
FAST_DESELECT := not slow and not model and not postgres and not packaging
# Instants test-week moves the wall clock to (ASSISTANT_TEST_NOW, read by tests/conftest.py; it keeps ticking):
# Monday 00:30 UTC, then one instant on each following day, to Sunday 23:30 UTC.
WEEK ?= 2026-11-30T00:30:00Z 2026-12-01T00:30:00Z 2026-12-02T12:00:00Z 2026-12-03T18:00:00Z \
	2026-12-04T23:45:00Z 2026-12-05T12:00:00Z 2026-12-06T23:30:00Z

.PHONY: setup setup-dev demo test test-fast test-week lint typecheck pytest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0 $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX),)
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

setup-dev: $(VENV)/.installed-dev

demo: setup
	$(BIN)/assistant demo

test: setup-dev lint typecheck pytest

lint: setup-dev
	$(BIN)/ruff check assistant evals tests
	$(BIN)/ruff format --check assistant evals tests

typecheck: setup-dev
	$(BIN)/mypy

pytest: setup-dev
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-fast: setup-dev
	$(BIN)/pytest -q -m "$(FAST_DESELECT)" $(PYTEST_ARGS)

# e.g. make test-week PYTEST_ARGS="tests/slack tests/insights"
test-week: setup-dev
	@for now in $(WEEK); do \
		echo "== pytest with the wall clock at $$now"; \
		ASSISTANT_TEST_NOW=$$now $(BIN)/pytest -q $(PYTEST_ARGS) || exit 1; \
	done

clean:
	rm -rf $(VENV) assistant-data .pytest_cache .mypy_cache .ruff_cache

# Two commands on a fresh machine with Python 3.11:
#   make demo   installs the assistant into .venv and runs the main job on the embedded defaults
#   make test   installs what the tests need into .venv and runs lint, types and tests
# Set TORCH_INDEX=https://download.pytorch.org/whl/cpu on machines without a local CPU torch wheel.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
TORCH_INDEX ?=
PYTEST_ARGS ?=

.PHONY: setup setup-dev demo test lint typecheck pytest clean

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

clean:
	rm -rf $(VENV) assistant-data .pytest_cache .mypy_cache .ruff_cache

# Quick start: `make build` builds the brief; `make test` runs the whole test suite.
# Each target does its own set-up: Debian packages (scripts/system-packages), then a virtual
# environment in .venv with the project installed in editable mode.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: build test lint clean system system-test

build: system $(VENV)/.installed
	$(BIN)/report build

test: system-test $(VENV)/.installed-test
	$(BIN)/ruff check report tests
	$(BIN)/ruff format --check report tests
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check report tests
	$(BIN)/ruff format --check report tests

system:
	scripts/system-packages

system-test:
	scripts/system-packages test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf build

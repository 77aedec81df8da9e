# Quick start: `make build` builds the brief; `make test` runs the whole test suite.
# Each target does its own set-up: Debian packages (scripts/system-packages), then a virtual
# environment in .venv with the project installed in editable mode.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: build test lint bench clean system system-test system-bench

build: system $(VENV)/.installed
	$(BIN)/report build

test: system-test $(VENV)/.installed-test node_modules/.installed
	$(BIN)/ruff check report tests bench
	$(BIN)/ruff format --check report tests bench
	$(BIN)/python -m pytest

# A benchmark, not a test: it prints and writes build/bench.md, and never fails on speed.
bench: system-bench $(VENV)/.installed-test
	$(BIN)/python bench/bench.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check report tests bench
	$(BIN)/ruff format --check report tests bench

system:
	scripts/system-packages

system-test:
	scripts/system-packages test

system-bench:
	scripts/system-packages bench

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

# DAISY Ace for the accessibility tests; it drives Debian's chromium (never a downloaded one).
node_modules/.installed: package.json package-lock.json
	PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	touch $@

clean:
	rm -rf build

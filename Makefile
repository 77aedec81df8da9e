# Quick start: `make build` builds the brief; `make test` runs the whole test suite.
# Each target does its own set-up: Debian packages (scripts/system-packages), then a virtual
# environment in .venv with the project installed in editable mode.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: build test lint bench bench-shelf gallery gallery-accept clean system system-test system-bench bytecode

build: system $(VENV)/.installed bytecode
	$(BIN)/report build

test: system-test $(VENV)/.installed-test node_modules/.installed
	$(BIN)/ruff check report tests bench
	$(BIN)/ruff format --check report tests bench
	$(BIN)/python -m pytest

# A benchmark, not a test: it prints and writes build/bench.md, and never fails on speed.
# BASELINE=DIR also times the `report` of another checkout (with its own .venv), side by side.
bench: system-bench $(VENV)/.installed-test bytecode node_modules/.installed
	$(BIN)/python bench/bench.py $(if $(BASELINE),--baseline $(BASELINE))

# A shelf of 200 briefs: -j 1, -j 2, 4 shards then collect, an up-to-date rebuild; writes
# build/bench-shelf.md (docs/performance.md, "A shelf of 200 briefs"). Never fails on speed.
bench-shelf: system $(VENV)/.installed bytecode
	$(BIN)/python bench/shelf.py $(SHELF_ARGS)

# Not a test either: every fixture brief's PDF pages, EPUB chapters (phone, tablet) and web edition
# (desktop, phone) as PNG, on one contact sheet, build/gallery/index.html. See docs/gallery.md.
gallery: system-test $(VENV)/.installed-test bytecode
	$(BIN)/python bench/gallery.py

# After a person has looked at a change of design: the brief's pages now become the reference
# images tests/test_gallery.py compares with (tests/reference/); commit them with the change.
gallery-accept: system-test $(VENV)/.installed-test bytecode
	$(BIN)/python bench/page_images.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check report tests bench
	$(BIN)/ruff format --check report tests bench

# Bytecode for the tool's own modules, as a regular install has (an editable one has none):
# where PYTHONDONTWRITEBYTECODE is set, Python would otherwise compile them at every start, about
# 30 ms of each command. Files already up to date are skipped.
bytecode: $(VENV)/.installed
	$(BIN)/python -m compileall -q report

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

# Two commands: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench bench-quick bench-1m bench-lab wheel clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Stance Coder needs Python 3.11 or newer; found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/stancecoder

test: $(STAMP)
	$(BIN)/ruff check desktop tests benchmarks
	$(BIN)/ruff format --check desktop tests benchmarks
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check desktop tests benchmarks
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format desktop tests benchmarks
	$(BIN)/ruff check --fix desktop tests benchmarks

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks

bench-quick: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks --quick

# Issue 24: 1,000,000 sentences (fixture about 10 minutes the first time, 5 GB).
bench-1m: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks --scale 1m

# The lab server: 50 simulated coders x 2 labels/s x 5 min on a local PostgreSQL.
bench-lab: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.lab

wheel: $(STAMP)
	$(BIN)/python -m pip wheel --no-deps --no-build-isolation -w dist .

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache

# -- The desktop bundle (docs/packaging.md): not part of `make test` ----------------------
DIST_STAMP := $(VENV)/.installed-dist

.PHONY: dist dist-check

$(DIST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dist]'
	touch $(DIST_STAMP)

# A one-folder bundle for this operating system, packed in dist/ (Linux: a tar.gz).
dist: $(DIST_STAMP)
	$(BIN)/python packaging/build.py

# Unpack the newest bundle in a temporary folder and try it as a user would (Xvfb :23);
# screenshots of the window in build/dist-check/.
dist-check: $(STAMP)
	$(BIN)/python packaging/dist_check.py --display :23 --shots build/dist-check

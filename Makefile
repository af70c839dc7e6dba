# needsmap: `make run` serves the dashboard, `make test` runs every check. Both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint bench fuzz clean-cache browser-deps data demo

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: setup
	$(BIN)/streamlit run app.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

test: setup lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: setup
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Property-based fuzzing of the upload path (import_file and `needsmap geocode`): FUZZ_EXAMPLES cases
# (at least 10,000) of random bytes, delimited lists, 360Giving JSON and workbooks; prints cases per
# kind, crashes by exception type (with a shrunk input each) and rows in = rows out violations.
# `make test` runs a small, derandomised part of the same harness.
FUZZ_EXAMPLES ?= 10000
fuzz: setup
	rm -rf tests/_artifacts/fuzz
	NEEDSMAP_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p tests.fuzz_inputs -n 6 -q \
		tests/test_fuzz.py -k "never_crashes"

# Debian's Chromium for the browser tests, and poppler's pdftoppm to look at PDF pages (needs root;
# skipped by the tests when absent outside CI).
browser-deps:
	(command -v chromium && command -v pdftoppm) >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils)

# Download the publishers' files for all of England and convert them (into $NEEDSMAP_DATA_DIR or the
# per-user data folder); see `needsmap data fetch --help`.
data: setup
	$(BIN)/needsmap data fetch

# Rebuild the embedded West Midlands demo from the full data folder.
demo: setup
	$(BIN)/python tools/build_demo.py

clean-cache:
	rm -rf .cache

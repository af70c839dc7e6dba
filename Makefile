# needsmap: `make run` serves the dashboard, `make test` runs every check. Both set up what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the map's renderer: deck.gl from npm (lockfile committed), its bundles copied into static/vendor/
FRONTEND := src/needsmap/ui/frontend
NPM_STAMP := $(FRONTEND)/node_modules/.installed
VENDOR_STAMP := static/vendor/.installed
NO_NPM := needsmap: npm not found, so maps cannot draw: install Node.js and npm (Debian/Ubuntu: apt-get install nodejs npm), then run make setup again

.PHONY: setup run test lint bench fuzz clean-cache browser-deps data demo

setup: $(STAMP) $(VENDOR_STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# npm ci again only when the lockfile changes; without npm, one line says what to install (the rest of
# needsmap works, and each map says the same instead of drawing)
$(NPM_STAMP): $(FRONTEND)/package.json $(FRONTEND)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		echo "npm ci (deck.gl for the map, pinned by $(FRONTEND)/package-lock.json)"; \
		cd $(FRONTEND) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "$(NO_NPM)"; fi

$(VENDOR_STAMP): $(NPM_STAMP) $(STAMP)
	@if [ -f $(NPM_STAMP) ]; then \
		$(BIN)/python -c "import streamlit.logger as log; log.set_log_level('error'); \
			from needsmap.ui.map_component import install_vendor; install_vendor()" \
		&& touch $@; fi

# serve.py runs app.py with the static files cached by the browser (see its docstring)
run: setup
	$(BIN)/streamlit run serve.py

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

test: setup lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: setup
	for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# Property-based fuzzing of the upload path (import_file and `needsmap geocode`): FUZZ_EXAMPLES cases
# (at least 10,000) of random bytes, delimited lists, 360Giving JSON and workbooks; prints cases per
# kind, crashes by exception type (with a shrunk input each) and rows in = rows out violations.
# `make test` runs a small, derandomised part of the same harness.
FUZZ_EXAMPLES ?= 10000
fuzz: setup
	rm -rf tests/_artifacts/fuzz
	NEEDSMAP_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -p tests.fuzz_inputs -n 6 -q \
		tests/test_fuzz.py -k "never_crashes"

# Debian's Chromium for the browser tests, poppler's pdftoppm to look at PDF pages, and Node.js/npm for
# the map's renderer (needs root; the browser tests are skipped when chromium is absent outside CI).
# Only what is missing is installed (a Node.js from elsewhere, e.g. NodeSource, conflicts with Debian's npm).
browser-deps:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

# Download the publishers' files for all of England and convert them (into $NEEDSMAP_DATA_DIR or the
# per-user data folder); see `needsmap data fetch --help`.
data: setup
	$(BIN)/needsmap data fetch

# Rebuild the embedded West Midlands demo from the full data folder.
demo: setup
	$(BIN)/python tools/build_demo.py

clean-cache:
	rm -rf .cache

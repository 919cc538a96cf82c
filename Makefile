# Two commands matter: `make reports` (the main job) and `make test` (the tests).
# Each creates .venv and installs the project into it when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: reports test test-fast lint browser bench lab clean-venv demo-panel constraints

PII_REPORT_ARGS ?=

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

reports: $(STAMP)
	$(BIN)/pii report $(PII_REPORT_ARGS)

test: $(STAMP) browser
	cd $(CURDIR) && $(BIN)/lint-imports --no-cache
	$(BIN)/ruff check src tests benchmarks scripts notebooks
	$(BIN)/python -m pytest

# The tests without those marked slow (whole report runs, browsers, large searches): under a minute.
test-fast: $(STAMP)
	cd $(CURDIR) && $(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts notebooks

# The browser tests need Debian's chromium: installed here (as root, with apt-get) when missing, never from
# inside the tests; elsewhere those tests are skipped with the reason.
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing and cannot be installed here (needs root and apt-get): browser tests skip"; fi; }

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b; done

# JupyterLab on notebooks/: as root it needs --allow-root; without a display (a headless server) it opens no
# browser and the URL to open (with its token) is printed below. LAB_IP=0.0.0.0 to reach it from another machine.
LAB_PORT ?= 8888
LAB_IP   ?= 127.0.0.1
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[lab]"
	@echo "JupyterLab on http://$(LAB_IP):$(LAB_PORT)/lab - open the URL with its token printed below (Ctrl-C stops it)"
	$(BIN)/jupyter lab notebooks/ --ServerApp.ip=$(LAB_IP) --ServerApp.port=$(LAB_PORT) \
	  $(if $(filter 0,$(shell id -u)),--allow-root,) $(if $(DISPLAY)$(WAYLAND_DISPLAY),,--no-browser)

demo-panel: $(STAMP)
	$(BIN)/python -m pii_analysis.demo --write

# Pin the versions of this venv (after a passing make test) as the tested set a fresh machine installs.
constraints: $(STAMP)
	{ echo "# Versions the test suite passed with (make test). make installs with -c constraints.txt,"; \
	  echo "# so a fresh machine gets this tested set; pyproject.toml keeps the package's own ranges. Regenerate: make constraints"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v "^pii-analysis"; } > constraints.txt

clean-venv:
	rm -rf $(VENV)

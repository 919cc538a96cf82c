# Two commands matter: `make reports` (the main job) and `make test` (the tests).
# Each creates .venv and installs the project into it when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: reports test bench lab clean-venv demo-panel

PII_REPORT_ARGS ?=

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

reports: $(STAMP)
	$(BIN)/pii report $(PII_REPORT_ARGS)

test: $(STAMP)
	cd $(CURDIR) && $(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b; done

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/jupyter lab notebooks/

demo-panel: $(STAMP)
	$(BIN)/python -m pii_analysis.index.demo_panel --write

clean-venv:
	rm -rf $(VENV)

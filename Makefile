# fleethub developer tasks. `make help` lists them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= ./data
PYTEST_ARGS ?=

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml package.json package-lock.json hatch_build.py
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(BIN)/python hatch_build.py  # portal assets: npm ci, then node_modules → web/static/vendor
	@touch $(STAMP)

venv: $(STAMP) ## Create or refresh .venv from pyproject.toml

run: $(STAMP) ## Serve a hub on embedded defaults (SQLite, local bus) from ./data
	$(BIN)/fleethub serve --data-dir $(DATA)

lint: $(STAMP) ## ruff, ruff format --check, mypy and import-linter
	$(BIN)/ruff check fleethub tests bench
	$(BIN)/ruff format --check fleethub tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP) ## Format the code
	$(BIN)/ruff check --fix fleethub tests bench
	$(BIN)/ruff format fleethub tests bench

browser: ## Install Debian's chromium for the Playwright tests when it is missing
	@test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium)

test: lint browser ## Lint, then the whole test suite on SQLite and PostgreSQL
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(STAMP) ## Run the benchmarks; they print figures
	$(BIN)/python -m bench.registry

clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

.PHONY: help venv run lint fmt browser test bench clean

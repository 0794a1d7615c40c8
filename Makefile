# The two commands: `make run` and `make test`. Each creates .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UNIONBOT := $(BIN)/unionbot

.PHONY: run test install install-dev catalogs migrate lint typecheck bench clean

run: install catalogs migrate
	$(UNIONBOT) demo load
	$(UNIONBOT) run

test: install-dev catalogs
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

catalogs:
	$(UNIONBOT) i18n compile > /dev/null

migrate:
	$(UNIONBOT) db upgrade

lint: install-dev
	$(BIN)/ruff check bot handlers models tests bench

typecheck: install-dev
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find locales -name '*.mo' -delete

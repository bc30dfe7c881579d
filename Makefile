# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make demo   install, load the demo content, serve the CMS (GraphiQL at http://127.0.0.1:8000/graphql)
#   make test   install, then lint, type-check and run the tests

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo serve test lint install clean

$(BIN)/cms: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 or newer is needed (python3.11, python3.12, ...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/cms

# The demo has an English edition: served beside the Vietnamese one unless CMS_LOCALES is set.
demo: $(BIN)/cms
	CMS_LOCALES=$${CMS_LOCALES:-vi,en} $(BIN)/cms demo
	CMS_LOCALES=$${CMS_LOCALES:-vi,en} $(BIN)/cms serve --host $(HOST) --port $(PORT) --open

serve: $(BIN)/cms
	$(BIN)/cms serve --host $(HOST) --port $(PORT)

lint: $(BIN)/cms
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info

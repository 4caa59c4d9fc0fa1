# `make run` starts the bot, `make test` runs every check; both create .venv and install on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
MODE ?= socket
PORT ?= 3000
# Test processes at once: most tests wait on Slack's fake, the workers or a subprocess, so two share two cores well.
TEST_PROCESSES ?= 2

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/mentorbot db upgrade
	$(BIN)/mentorbot run $(if $(filter http,$(MODE)),--http --port $(PORT))

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest -n $(TEST_PROCESSES)

bench: $(STAMP)
	@for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python -m bench.$$(basename $$b .py) || exit 1; done

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .ruff_cache

# Two commands: `make lessons` opens the lessons, `make test` runs every test.
# Both create a virtual environment in .venv the first time (needs Python 3.10+).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: lessons test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

lessons: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Two commands: `make lessons` opens the lessons, `make test` runs every test.
# Both create a virtual environment in .venv the first time (needs Python 3.10+).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# JupyterLab refuses to run as root (e.g. in a container) unless told to; extra flags: make lessons LAB_ARGS=...
AS_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)
LAB_ARGS ?=

.PHONY: lessons test site

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

lessons: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/jupyter lab $(AS_ROOT) $(LAB_ARGS) notebooks/00_start_here.ipynb

test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# The lessons as a static website that works offline (their widgets live, no kernel), with a deck of slides per
# lesson: build/site/index.html. Needs only Python: the site's JavaScript is committed in site_src/assets.
site: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python scripts/build_site.py --out build/site

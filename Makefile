# Two commands: `make lessons` opens the lessons, `make test` runs every test.
# Both create a virtual environment in .venv the first time (needs Python 3.10+), and install the project into it
# again only when pyproject.toml has changed (a stamp file in .venv named by its hash says what was installed).
# For teachers: make prepare, make student, make teacher, make reset LESSON=NN, make grade SUBMISSIONS=folder.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# JupyterLab refuses to run as root (e.g. in a container) unless told to; extra flags: make lessons LAB_ARGS=...
AS_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)
LAB_ARGS ?=
KEY := $(shell $(PYTHON) -c "import hashlib; print(hashlib.sha256(open('pyproject.toml', 'rb').read()).hexdigest()[:16])")
STAMP := $(VENV)/.installed-$(KEY)
TEST_STAMP := $(VENV)/.installed-test-$(KEY)
INSTALLING = @echo "Installing vaelessons and its dependencies into $(VENV)$(1): the first time takes a few minutes \
(PyTorch, JupyterLab and the rest, about 1 GB with the CPU build of PyTorch); later runs skip this step until pyproject.toml changes."

.PHONY: lessons test prepare student teacher reset grade site

$(BIN)/python:
	@echo "Creating a virtual environment in $(VENV) (first run only) ..."
	$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): | $(BIN)/python
	$(call INSTALLING,)
	$(BIN)/python -m pip install --quiet -e .
	@rm -f $(VENV)/.installed-*; touch $@
	@echo "Installed."

$(TEST_STAMP): | $(BIN)/python
	$(call INSTALLING, with the test tools)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@rm -f $(VENV)/.installed-*; touch $@ $(STAMP)
	@echo "Installed."

lessons: $(STAMP)
	$(BIN)/vaelessons lessons -- $(AS_ROOT) $(LAB_ARGS)

test: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

prepare: $(STAMP)
	$(BIN)/vaelessons prepare

student: $(STAMP)
	$(BIN)/vaelessons student student-edition

teacher: $(STAMP)
	$(BIN)/vaelessons teacher teacher-edition

reset: $(STAMP)
	@test -n "$(LESSON)" || { echo "Say which lesson: make reset LESSON=03"; exit 2; }
	$(BIN)/vaelessons reset $(LESSON)

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "Say where the notebooks are: make grade SUBMISSIONS=folder"; exit 2; }
	$(BIN)/vaelessons grade $(SUBMISSIONS)

# The lessons as a static website that works offline (their widgets live, no kernel), with a deck of slides per
# lesson: build/site/index.html. Needs only Python: the site's JavaScript is committed in site_src/assets.
site: $(STAMP)
	$(BIN)/python scripts/build_site.py --out build/site

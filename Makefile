# The two commands of the README:
#   make book   builds the executed book into _build/html
#   make test   runs every check: lint, the strict book build, the browser, then pytest
# Both first set up .venv (scripts/setup_env.sh: quick when nothing changed).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
BIN := .venv/bin
# Strict: warnings are errors (-W), nitpicky references (-n), report every warning (--keep-going).
# Notebook execution errors fail the build (see _config.yml).
BOOK_FLAGS := -W -n --keep-going
# Everything ruff checks and formats.
LINT_PATHS := src tests benchmarks scripts book/_ext
# nbstripout: outputs, execution counts, widget state and timings go; cell ids and tags stay.
STRIP := $(BIN)/nbstripout --keep-id --extra-keys "metadata.widgets metadata.execution\
	cell.metadata.execution cell.metadata.collapsed cell.metadata.scrolled cell.metadata.ExecuteTime"

.PHONY: help setup data book slides student test lint pytest browser strip lab bench-notebooks clean

help:
	@echo "make book   - build the executed book into _build/html"
	@echo "make test   - lint, strict book build (+ slides), headless browser set-up, pytest"
	@echo "make slides - export each executed chapter as a reveal.js deck (after make book)"
	@echo "make student - write the student edition (no solutions) to _build/student"
	@echo "make strip  - strip outputs from notebooks/*.ipynb"
	@echo "make lab    - install JupyterLab (with jupyterlab-myst) into .venv and open the notebooks"
	@echo "make bench-notebooks - time each notebook and a cold book build"
	@echo "make clean  - remove _build"

setup:
	@bash scripts/setup_env.sh

# Download/verify MIT-BIH if needed and fill the beat cache before notebooks run.
data: setup
	$(BIN)/python scripts/prepare_data.py

book: setup data
	$(BIN)/jupyter-book build . $(BOOK_FLAGS)
	$(BIN)/python scripts/build_slides.py

lint: setup
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

browser:
	@bash scripts/install_browser.sh

pytest: setup data
	$(BIN)/python -m pytest

# Every check, one step after the other (the steps are the targets above).
test: lint book browser pytest

# `make -j` must not reorder the steps of `make test`.
.NOTPARALLEL:

slides: setup
	$(BIN)/python scripts/build_slides.py

# The hand-out: every chapter without its solution cells, stubs runnable.
student: setup
	$(BIN)/python scripts/make_student.py

strip: setup
	$(STRIP) notebooks/*.ipynb

# JupyterLab and jupyterlab-myst (MyST roles render) into .venv, at the versions of
# constraints.txt; installed on first use only, then JupyterLab opens the notebooks.
lab: setup
	@$(BIN)/python -c 'import jupyterlab, jupyterlab_myst' 2>/dev/null || \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[lab]'
	$(BIN)/jupyter lab notebooks/

bench-notebooks: setup data
	$(BIN)/python benchmarks/bench_notebooks.py

clean:
	rm -rf _build

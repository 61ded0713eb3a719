# The two commands of the README:
#   make book   builds the executed book into _build/html
#   make test   runs every check: ruff, the strict book build, then pytest (HTML, browser, ...)
# Both first set up .venv (scripts/setup_env.sh: quick when nothing changed).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
BIN := .venv/bin
# Strict: warnings are errors (-W), nitpicky references (-n), report every warning (--keep-going).
# Notebook execution errors fail the build (see _config.yml).
BOOK_FLAGS := -W -n --keep-going

.PHONY: help setup data book slides student test lint pytest browser strip bench-notebooks clean

help:
	@echo "make book   - build the executed book into _build/html"
	@echo "make test   - ruff, strict book build, headless browser set-up, pytest"
	@echo "make slides - export each executed chapter as a reveal.js deck (after make book)"
	@echo "make student - write the student edition (no solutions) to _build/student"
	@echo "make strip  - strip outputs from notebooks/*.ipynb"
	@echo "make bench-notebooks - time each notebook and a cold book build"
	@echo "make clean  - remove _build"

setup:
	@bash scripts/setup_env.sh
	@bash scripts/fetch_reveal.sh

# Download/verify MIT-BIH if needed and fill the beat cache before notebooks run.
data: setup
	$(BIN)/python scripts/prepare_data.py

book: setup data
	$(BIN)/jupyter-book build . $(BOOK_FLAGS)
	$(BIN)/python scripts/build_slides.py

lint: setup
	$(BIN)/ruff check src tests benchmarks

browser:
	@bash scripts/install_browser.sh

pytest: setup
	$(BIN)/python -m pytest

test: setup data
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/jupyter-book build . $(BOOK_FLAGS)
	$(BIN)/python scripts/build_slides.py
	@bash scripts/install_browser.sh
	$(BIN)/python -m pytest

slides: setup
	$(BIN)/python scripts/build_slides.py

# The hand-out: every chapter without its solution cells, stubs runnable.
student: setup
	$(BIN)/python scripts/make_student.py

strip: setup
	$(BIN)/python scripts/strip_notebooks.py

bench-notebooks: setup data
	$(BIN)/python benchmarks/bench_notebooks.py

clean:
	rm -rf _build

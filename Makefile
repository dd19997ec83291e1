# Two commands for a fresh machine: `make demo` and `make test`.
# Each creates its own virtual environment and installs what it needs.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint typecheck unit matrix bench docs dist clean

$(VENV)/.demo: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(VENV)/.demo $@

$(VENV)/.docs: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[docs]'
	touch $@

$(VENV)/.dist: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dist]'
	touch $@

demo: $(VENV)/.demo
	$(PY) examples/quickstart.py

lint: $(VENV)/.test
	$(PY) -m ruff check src tests examples benchmarks scripts
	$(PY) -m ruff format --check src tests examples benchmarks scripts

typecheck: $(VENV)/.test
	$(PY) -m mypy

unit: $(VENV)/.test
	$(PY) -m pytest

test: lint typecheck unit

matrix:
	bash scripts/matrix.sh

bench: $(VENV)/.test
	$(PY) benchmarks/run.py

# The documentation site, warnings as errors, into site/ (opens offline from site/index.html).
# NO_MKDOCS_2_WARNING hides Material's end-of-life notice, printed on every build.
docs: $(VENV)/.docs
	rm -rf site
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site
	$(PY) scripts/check_site.py site

# The sdist and wheel in dist/, checked as a user would get them (scripts/check_dist.py).
dist: $(VENV)/.dist
	$(PY) scripts/check_dist.py

clean:
	rm -rf $(VENV) .venv-* .pytest_cache .mypy_cache .ruff_cache site dist

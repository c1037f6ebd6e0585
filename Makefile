# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint venv clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "SMVE needs Python 3.11 or newer: run make PYTHON=python3.11 ...")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	DEBUG=1 $(PY) manage.py migrate --no-input -v 0
	DEBUG=1 $(PY) manage.py load_profile fixtures/demo_site.json --activate
	DEBUG=1 $(PY) manage.py import_screens fixtures/screens > /dev/null
	DEBUG=1 $(PY) manage.py load_formulas fixtures/demo_formulas.json
	DEBUG=1 $(PY) manage.py load_formulas fixtures/plant_formulas.json
	DEBUG=1 $(PY) manage.py load_formulas fixtures/meters_formulas.json
	DEBUG=1 $(PY) manage.py create_demo_users > /dev/null
	DEBUG=1 $(PY) manage.py history_backfill --days 30 --if-empty
	DEBUG=1 $(PY) scripts/demo.py

test: $(STAMP)
	$(PY) scripts/run_tests.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) var db.sqlite3

# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test deploy-check lint venv clean

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
	DEBUG=1 $(PY) manage.py load_formulas fixtures/detector_formulas.json
	DEBUG=1 $(PY) manage.py create_demo_users > /dev/null
	DEBUG=1 $(PY) manage.py history_backfill --days 30 --if-empty
	DEBUG=1 $(PY) manage.py metering_backfill --days 60 --if-empty
	DEBUG=1 $(PY) scripts/demo.py

test: $(STAMP)
	$(PY) scripts/run_tests.py

# The deployment test alone: deploy/'s supervisor and nginx files started for a temporary
# prefix, on PostgreSQL (needs nginx, supervisor and a server on 127.0.0.1:5432).
DEPLOY_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/smve
deploy-check: $(STAMP)
	DEBUG=1 DATABASE_URL=$(DEPLOY_DATABASE_URL) $(PY) -m pytest tests/deploy -q -rs

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) var db.sqlite3

# OpenMASH: the README's two commands are `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/openmash_ci
# The browser walk on PostgreSQL has a database of its own, apart from the PostgreSQL pass's.
PG_E2E_URL ?= $(PG_URL)_e2e

.PHONY: install demo test lint typecheck test-sqlite test-postgres test-databases test-e2e test-e2e-postgres \
	test-sqlite-db test-db-free test-lane-postgres clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@PYBIN=$$(scripts/find-python.sh) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$PYBIN"; $$PYBIN -m venv $(VENV) || exit 1; fi
	@# uv installs the same packages as pip from PyPI, in seconds rather than a minute (ADR 0041, "Later").
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip install --quiet --python $(PY) -e '.[dev]'
	@touch $@

DJ := DJANGO_SETTINGS_MODULE=openmash.config.settings.dev $(PY) manage.py

# Set up and serve the synthetic demo hub; the background worker (overdue sweeps, e-mails) runs beside
# the web server and stops with it.
demo: install
	$(DJ) migrate --no-input
	$(DJ) demo_load --url http://$(HOST):$(PORT)
	$(DJ) schedule_sweeps
	@$(DJ) db_worker --no-reload --interval 5 > var/worker.log 2>&1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	echo "Background worker running (log: var/worker.log). Serving http://$(HOST):$(PORT) - Ctrl+C stops both."; \
	$(DJ) runserver --noreload $(HOST):$(PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

typecheck: install
	$(VENV)/bin/mypy openmash

# Plain-Python packages (no Django database: the linkage engine and connectors, whose SQL connector
# tests open SQLite and PostgreSQL themselves; the genogram; the synthetic area; the working-time
# clock) run once, in the SQLite pass; the PostgreSQL pass repeats everything that uses the database.
DB_FREE := openmash/linkage openmash/genogram openmash/synth openmash/core/tests/test_worktime.py
# Tests whose subject is the same Python whatever the database, and which the SQLite pass runs (ADR 0041):
# each app's permission matrix and the access findings (the policy's answers; on PostgreSQL the access
# sweep still runs every view's allowed and refused path), the consent gate's random histories, what
# `make demo` prints (the demo itself is loaded on PostgreSQL by the demo walk-through test), the long
# forms' markup, the words for a child or an adult, and the API fuzzer.
SAME_ON_EVERY_DATABASE := $(wildcard openmash/*/tests/test_permission*.py) \
	openmash/access/tests/test_findings.py openmash/consent/tests/test_gate_properties.py \
	tests/test_demo_load.py openmash/decisions/tests/test_form_markup.py \
	openmash/referrals/tests/test_subject_words.py openmash/core/tests/test_api_fuzz.py

test-sqlite: install
	$(VENV)/bin/pytest -q -m "not e2e"

test-postgres: install
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q -m "not e2e" --create-db \
		$(addprefix --ignore=,$(DB_FREE) $(SAME_ON_EVERY_DATABASE))

# Both database passes at once (two cores, two processes, two databases); each one's output is
# printed when it ends, and the target fails if either fails.
test-databases: install
	@mkdir -p var; \
	$(MAKE) --no-print-directory test-sqlite > var/test-sqlite.log 2>&1 & sqlite=$$!; \
	$(MAKE) --no-print-directory test-postgres > var/test-postgres.log 2>&1 & postgres=$$!; \
	wait $$sqlite; s=$$?; echo "== SQLite =="; cat var/test-sqlite.log; \
	wait $$postgres; p=$$?; echo "== PostgreSQL =="; cat var/test-postgres.log; \
	test $$s -eq 0 -a $$p -eq 0

# The genogram's own browser checks start their own Playwright, so they run in a separate process.
test-e2e: install
	$(VENV)/bin/pytest -q -m "e2e and not postgres" tests/e2e
	$(VENV)/bin/pytest -q -m e2e openmash/genogram

# The browser walk through a case's main pages on PostgreSQL, where each page read is one transaction
# (docs/adr/0035); the other browser tests run on SQLite, where it is not.
test-e2e-postgres: install
	DATABASE_URL=$(PG_E2E_URL) $(VENV)/bin/pytest -q -m "e2e and postgres" --create-db tests/e2e

# The SQLite pass without the plain-Python packages, and those packages on their own: the two halves
# `make test` runs in different lanes. One of the SQLite-only tests (SAME_ON_EVERY_DATABASE), the access
# findings, runs with the packages, to keep the lanes even (ADR 0041, "Later").
SQLITE_SECOND_LANE := openmash/access/tests/test_findings.py
test-sqlite-db: install
	$(VENV)/bin/pytest -q -m "not e2e" $(addprefix --ignore=,$(DB_FREE) $(SQLITE_SECOND_LANE))

test-db-free: install
	$(VENV)/bin/pytest -q -m "not e2e" $(DB_FREE) $(SQLITE_SECOND_LANE)

# Lint, typecheck, the PostgreSQL pass, the plain-Python packages and the browser walk on PostgreSQL, one
# after another (each is run even if one before it failed); fails if any failed.
test-lane-postgres: install
	@f=0; \
	echo "== Lint =="; $(MAKE) --no-print-directory lint || f=1; \
	echo "== Typecheck =="; $(MAKE) --no-print-directory typecheck || f=1; \
	echo "== PostgreSQL =="; $(MAKE) --no-print-directory test-postgres || f=1; \
	echo "== Plain-Python packages, and the access findings on SQLite =="; $(MAKE) --no-print-directory test-db-free || f=1; \
	echo "== Browser walk on PostgreSQL =="; $(MAKE) --no-print-directory test-e2e-postgres || f=1; \
	exit $$f

# Two lanes, one a core, of about the same length (ADR 0041): lint, typecheck, the PostgreSQL pass, the
# plain-Python packages and the browser walk on PostgreSQL in one; the SQLite pass and the browser tests
# in the other. Each lane's output is printed when it ends; the target fails if anything failed.
test: install
	@mkdir -p var; \
	$(MAKE) --no-print-directory test-lane-postgres > var/test-lane-postgres.log 2>&1 & lane=$$!; \
	$(MAKE) --no-print-directory test-sqlite-db > var/test-sqlite.log 2>&1; s=$$?; \
	echo "== SQLite =="; cat var/test-sqlite.log; \
	echo "== Browser tests =="; $(MAKE) --no-print-directory test-e2e; e=$$?; \
	wait $$lane; p=$$?; cat var/test-lane-postgres.log; \
	test $$s -eq 0 -a $$e -eq 0 -a $$p -eq 0

clean:
	rm -rf $(VENV) var/*.sqlite3* var/audit-anchor

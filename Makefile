# OpenMASH: the README's two commands are `make demo` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/openmash_ci
# The browser walk on PostgreSQL has a database of its own: it runs while the PostgreSQL pass uses PG_URL's.
PG_E2E_URL ?= $(PG_URL)_e2e

.PHONY: install demo test lint typecheck test-sqlite test-postgres test-databases test-e2e test-e2e-postgres clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@PYBIN=$$(scripts/find-python.sh) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$PYBIN"; $$PYBIN -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
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

test-sqlite: install
	$(VENV)/bin/pytest -q -m "not e2e"

test-postgres: install
	DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q -m "not e2e" --create-db $(addprefix --ignore=,$(DB_FREE))

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

# Lint and typecheck first; then two lanes, one a core: the PostgreSQL pass in one, the SQLite pass, the
# browser tests and the browser walk on PostgreSQL in the other (the PostgreSQL pass takes about as long
# as they do). Each pass's output is printed when it ends; the target fails if any fails.
test: lint typecheck
	@mkdir -p var; \
	$(MAKE) --no-print-directory test-postgres > var/test-postgres.log 2>&1 & postgres=$$!; \
	$(MAKE) --no-print-directory test-sqlite > var/test-sqlite.log 2>&1; s=$$?; \
	echo "== SQLite =="; cat var/test-sqlite.log; \
	echo "== Browser tests =="; $(MAKE) --no-print-directory test-e2e; e=$$?; \
	echo "== Browser walk on PostgreSQL =="; $(MAKE) --no-print-directory test-e2e-postgres; w=$$?; \
	wait $$postgres; p=$$?; echo "== PostgreSQL =="; cat var/test-postgres.log; \
	test $$s -eq 0 -a $$e -eq 0 -a $$w -eq 0 -a $$p -eq 0

clean:
	rm -rf $(VENV) var/*.sqlite3* var/audit-anchor

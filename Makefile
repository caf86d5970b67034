# Casework Assurance: build, run and test.
#
#   make demo   set up and run the demo on http://127.0.0.1:8000 (PORT=... to change)
#   make test   everything CI checks (lint, types, deploy checks, SQLite, PostgreSQL, browser)
#
# See docs/development.md for what each target does.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

# Never let uv fetch its own Python: use the interpreter the machine has.
export UV_PYTHON_DOWNLOADS := never

UV ?= uv
RUN := $(UV) run
PYTEST := $(RUN) pytest -p no:cacheprovider
ARTIFACTS := test-artifacts

# Stamps: re-run `uv sync` / `npm ci` only when the lock files change.
VENV_STAMP := .venv/.casework-synced
NODE_STAMP := node_modules/.casework-installed

.PHONY: help setup tools node-tools assets demo test test-fast lint typecheck check-migrations check-deploy \
        check-static test-sqlite test-postgres test-browser test-lane-sqlite-browser test-lane-postgres bench load faults restore-drill clean

help:
	@echo "make setup          install Python and npm dependencies, copy GOV.UK Frontend assets"
	@echo "make demo           setup, then run the demo (http://127.0.0.1:8000; PORT=... to change)"
	@echo "make test           everything CI checks: lint, types, deploy checks, SQLite, PostgreSQL, browser"
	@echo "make test-fast      lint and the test suite on SQLite"
	@echo "make test-postgres  the test suite on a throwaway PostgreSQL server"
	@echo "make test-browser   headless Chromium journeys and accessibility checks"
	@echo "make bench          performance benchmarks (JSON report)"
	@echo "make load           60 concurrent users against gunicorn on PostgreSQL (LOAD_DURATION=180 seconds)"
	@echo "make faults         fault tests: kill -9 during import, database restart, disk full, concurrent edits, restore drill"
	@echo "make restore-drill  back up, restore and verify the audit chain against exported checkpoints"
	@echo "make clean          remove caches, npm packages, copied assets and test artifacts (keeps var/)"

# --- Setup ---------------------------------------------------------------------------------

tools:
	@command -v python3 >/dev/null || { echo "python3 (3.11 or newer) is required" >&2; exit 1; }
	@python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "Python 3.11 or newer is required (found $$(python3 --version))" >&2; exit 1; }
	@command -v $(UV) >/dev/null || { echo "uv not found: installing it with pip"; \
		python3 -m pip install --quiet uv || python3 -m pip install --quiet --user --break-system-packages uv; }
	@command -v $(UV) >/dev/null || { echo "uv is installed but not on PATH (try: export PATH=\"$$HOME/.local/bin:$$PATH\")" >&2; exit 1; }

node-tools:
	@command -v npm >/dev/null || { echo "npm (Node.js 18 or newer) is required for the GOV.UK Frontend assets" >&2; exit 1; }

$(VENV_STAMP): pyproject.toml uv.lock | tools
	$(UV) sync --frozen
	@touch $@

$(NODE_STAMP): package.json package-lock.json | node-tools
	npm ci --no-audit --no-fund
	@touch $@

assets: $(VENV_STAMP) $(NODE_STAMP)
	$(RUN) python scripts/copy_assets.py

setup: tools $(VENV_STAMP) $(NODE_STAMP) assets

demo: setup
	$(RUN) casework demo

# --- Checks --------------------------------------------------------------------------------

# lint-imports checks the layer contracts in pyproject.toml ([tool.importlinter]; docs/development.md).
lint: $(VENV_STAMP)
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports --no-logo

typecheck: $(VENV_STAMP)
	$(RUN) mypy

check-migrations: $(VENV_STAMP)
	$(RUN) casework makemigrations --check --dry-run

# Production-like settings: DEBUG off, a long random key, a real host name, HTTPS on. Any
# warning fails. A temporary var dir keeps the check away from the developer's data.
check-deploy: $(VENV_STAMP)
	@echo "casework check --deploy --fail-level WARNING (production-like settings)"
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	env -u DATABASE_URL DEBUG=0 SECURE_HTTPS=1 ALLOWED_HOSTS=casework.example.org CASEWORK_VAR_DIR="$$tmp" \
		SECRET_KEY="$$(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		$(RUN) casework check --deploy --fail-level WARNING

# collectstatic with the production (manifest) storage: fails if a stylesheet points at a
# file that is not there, which is how a missing GOV.UK font or image would show up.
check-static: assets
	@echo "casework collectstatic (manifest storage, production settings) into a temporary directory"
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	env -u DATABASE_URL DEBUG=0 STATIC_MANIFEST=1 CASEWORK_VAR_DIR="$$tmp" STATIC_ROOT="$$tmp/static" \
		$(RUN) casework collectstatic --noinput -v 1

SQLITE_SUITE := env -u DATABASE_URL $(PYTEST) -m "not browser" --durations=15
POSTGRES_SUITE := PG_REPLICA=1 scripts/with-postgres.sh $(PYTEST) -m "not browser" --durations=15
BROWSER_SUITE := env -u DATABASE_URL $(PYTEST) -m browser tests/browser

test-sqlite: $(VENV_STAMP) $(NODE_STAMP)
	$(SQLITE_SUITE)

test-postgres: $(VENV_STAMP) $(NODE_STAMP)
	$(POSTGRES_SUITE)

test-browser: assets
	@mkdir -p $(ARTIFACTS)
	$(BROWSER_SUITE)

test-fast: lint test-sqlite

# The three suites take most of `make test`'s time, so they run in two lanes side by side, one
# per core: the SQLite suite then the browser suite in one, the PostgreSQL suite (its server and
# replica mostly wait on disk) in the other. The PostgreSQL lane gets its own var directory so
# the files tests write there (outbox, checkpoints) never meet the other lane's. make prints
# each lane's output in one piece when the lane ends (--output-sync), so the log reads in order.
# Each suite ends by naming its fifteen slowest tests, where CI time is best looked for.
test: lint typecheck check-migrations check-deploy check-static
	@echo "make test: the SQLite and browser suites run beside the PostgreSQL suite; each lane's log appears when it ends"
	$(MAKE) --no-print-directory -j2 --output-sync=target test-lane-sqlite-browser test-lane-postgres
	@echo "make test: all checks passed"

test-lane-sqlite-browser: assets
	@mkdir -p $(ARTIFACTS)
	@echo "=== Tests on SQLite ==="
	$(SQLITE_SUITE)
	@echo "=== Browser and accessibility tests ==="
	$(BROWSER_SUITE)

test-lane-postgres: $(VENV_STAMP) $(NODE_STAMP)
	@echo "=== Tests on PostgreSQL, with a streaming replica ==="
	@var=$$(mktemp -d); trap 'rm -rf "$$var"' EXIT; CASEWORK_VAR_DIR="$$var" $(POSTGRES_SUITE)

bench: $(VENV_STAMP)
	$(RUN) python benchmarks/run.py --cases 10000 --backend both

load: assets
	scripts/load.sh

faults: $(VENV_STAMP)
	scripts/faults.sh

restore-drill: $(VENV_STAMP)
	scripts/restore-drill.sh

clean:
	rm -rf $(ARTIFACTS) .pytest_cache .mypy_cache .ruff_cache node_modules var/staticfiles src/casework/static/govuk
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

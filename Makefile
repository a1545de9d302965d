# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev migrate demo serve lint assets check-deploy production-setup \
	serve-production backup-drill bench-load clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install python3.11 (or set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements/base.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	$(BIN)/pip install --quiet --no-deps -e .  # the `reoffending` command
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps -e .  # the `reoffending` command
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --verbosity 0

demo: migrate
	$(BIN)/python manage.py demo_data

## make run: set everything up, load the demo data, start the task worker, serve on :8000
run: demo
	@echo "Diversion is starting on http://$(HOST):$(PORT)/ with a background task worker (Ctrl+C stops both)"
	@$(BIN)/python manage.py delivery_sweep --schedule  # provider delivery: repeating reminder sweep
	@$(BIN)/python manage.py retention_sweep --schedule  # retention: daily sweep for records past their retention date
	@$(BIN)/python manage.py checkpoint_processing_log --schedule  # repeating signed checkpoint of the log
	@$(BIN)/python manage.py db_worker --no-startup-delay --interval 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: the whole suite (SQLite by default; set DATABASE_URL for PostgreSQL)
PYTEST_WORKERS ?= auto
test: install-dev
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## make lint: ruff, the layers contract (import-linter) and the type check (mypy)
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

## make production-setup: with the production environment set (README), everything a server
## needs before it serves: static files collected, database migrated, deployment checks
production-setup: install
	$(BIN)/python manage.py collectstatic --noinput --clear --verbosity 0
	$(BIN)/python manage.py migrate --verbosity 0
	$(BIN)/python manage.py createcachetable  # the shared cache (again if CACHE_URL was dropped)
	$(BIN)/python manage.py check --deploy --fail-level WARNING

## make serve-production: with the production environment set and `make production-setup`
## done, serve with gunicorn (src/diversion/gunicorn_conf.py; GUNICORN_* override it) on
## $(HOST):$(PORT) and run the task worker beside it (Ctrl+C stops both). Run this on as many
## servers as you like behind one proxy and one database; run one worker or more anywhere.
serve-production: install
	@$(BIN)/python manage.py delivery_sweep --schedule
	@$(BIN)/python manage.py checkpoint_processing_log --schedule
	@$(BIN)/python manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	GUNICORN_BIND=$${GUNICORN_BIND:-$(HOST):$(PORT)} \
		$(BIN)/gunicorn -c python:diversion.gunicorn_conf diversion.wsgi

## make backup-drill: back up the configured PostgreSQL database, restore it into a scratch
## database and verify the copy (README "Backups"); exits non-zero on any finding
backup-drill: install
	$(BIN)/python manage.py backup_drill

## make bench-load: the load benchmark (bench/load.py; production environment and demo data)
bench-load: install-dev
	$(BIN)/python bench/load.py

# CI: the deployment checks on production settings with throwaway keys (static files are
# collected into var/ so the check that they exist has something to find; the virus scanner's
# address is only checked for its form, never reached).
CHECK_DEPLOY_ENV := DIVERSION_ENV=production DEBUG=false ALLOWED_HOSTS=diversion.example.org \
	SECRET_KEY=check-deploy-only-0123456789abcdefghijklmnopqrstuvwxyz-0123456789 \
	DIVERSION_FIELD_KEYS=Y2hlY2stZGVwbG95LW9ubHkta2V5LTAxMjM0NTY3ODk= \
	DIVERSION_LOG_KEYS=check-deploy-only-processing-log-key-0123456789 \
	DIVERSION_STATIC_ROOT=var/check-deploy-static DIVERSION_CLAMD=unix:///run/clamav/clamd.ctl
check-deploy: install
	$(CHECK_DEPLOY_ENV) $(BIN)/python manage.py collectstatic --noinput --clear --verbosity 0
	$(CHECK_DEPLOY_ENV) $(BIN)/python manage.py check --deploy --fail-level WARNING

## make assets: refresh the committed GOV.UK / MoJ Frontend and axe-core files from npm
assets:
	npm ci --no-audit --no-fund
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js src/diversion/static/govuk/
	cp node_modules/@ministryofjustice/frontend/moj/moj-frontend.min.css node_modules/@ministryofjustice/frontend/moj/moj-frontend.min.js src/diversion/static/moj/
	cp node_modules/govuk-frontend/dist/govuk/assets/fonts/* src/diversion/static/fonts/
	cp node_modules/@ministryofjustice/frontend/moj/assets/images/* node_modules/govuk-frontend/dist/govuk/assets/images/* src/diversion/static/images/
	cp node_modules/govuk-frontend/dist/govuk/assets/manifest.json src/diversion/static/
	cp node_modules/axe-core/axe.min.js tests/browser/

clean:
	rm -rf $(VENV) var staticfiles

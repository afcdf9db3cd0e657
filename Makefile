# Two commands for a fresh machine: `make run` (demo on SQLite) and `make test`;
# `make serve` runs it in production (gunicorn), `make bench` measures it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run worker serve bench test install axe gallery mlflow lint format migrate seed reset-demo check-deploy clean

# The demo and the tests run with DEBUG on; everything else (serve) is production by default.
run seed reset-demo: export DEBUG = true

# Re-install only when the declared dependencies change.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# The filter hides setuptools' editable-install banner (a warning about flat layouts).
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# MLflow in its own virtualenv: the import tests start a real tracking server from it, and its
# many dependencies stay out of the app's.
MLFLOW_VENV := .venv-mlflow
$(MLFLOW_VENV)/.installed:
	test -x $(MLFLOW_VENV)/bin/python || $(PYTHON) -m venv $(MLFLOW_VENV)
	$(MLFLOW_VENV)/bin/python -m pip install --quiet --upgrade pip
	@# psycopg: `make bench BENCH_ARGS=--mlflow` runs MLflow's registry on the bench's PostgreSQL.
	$(MLFLOW_VENV)/bin/python -m pip install --quiet 'mlflow>=3.0,<4' 'psycopg[binary]>=3.2'
	touch $@

mlflow: $(MLFLOW_VENV)/.installed

# The demo: the server and one background worker (notifications, emails on the console,
# webhooks to receivers on this machine); Ctrl-C stops both.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Serving http://$(HOST):$(PORT)/ with a background worker (Ctrl-C stops both)"
	@WEBHOOK_ALLOW_PRIVATE=$${WEBHOOK_ALLOW_PRIVATE:-true} $(BIN)/python manage.py db_worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  WEBHOOK_ALLOW_PRIVATE=$${WEBHOOK_ALLOW_PRIVATE:-true} $(BIN)/python manage.py runserver $(HOST):$(PORT)

# One background worker for production (run as many as you like, on any host that reaches the
# database): it takes tasks from the database queue, retries webhooks, sends emails.
worker: install
	$(BIN)/python manage.py db_worker

# Production: needs SECRET_KEY (and ALLOWED_HOSTS, DATABASE_URL); refuses to start without a key.
serve: install
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py migrate --noinput
	HOST=$(HOST) PORT=$(PORT) exec $(BIN)/gunicorn --config gunicorn.conf.py

# 2,000 models × 5 versions on PostgreSQL, gunicorn with 2 workers, wrk at concurrency 8.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/mlteam_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/0
BENCH_PORT ?= 8099
bench: install
	@# A new benchmark database each run (the command migrates and seeds it): the writes measured
	@# last time (thousands of versions) must not make this run's lists longer.
	@$(BIN)/python -c 'import sys, psycopg; url = sys.argv[1]; base, name = url.rsplit("/", 1); \
	  c = psycopg.connect(base + "/postgres", autocommit=True); \
	  c.execute(f"drop database if exists \"{name}\" with (force)"); c.execute(f"create database \"{name}\""); \
	  c.close()' $(BENCH_DATABASE_URL)
	DEBUG=true REQUEST_LOG=false DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py bench \
		--port $(BENCH_PORT) --redis-url $(BENCH_REDIS_URL) $(BENCH_ARGS)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# Start the demo again from scratch (the SQLite demo database only; the virtualenv stays).
reset-demo: install
	@if [ -n "$$DATABASE_URL" ]; then echo "reset-demo resets the default SQLite demo database; unset DATABASE_URL" >&2; exit 1; fi
	rm -f var/mlteam.sqlite3
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo

# axe-core for the browser tests' accessibility checks, from the npm registry into an ignored
# folder (never served to users). Without npm the accessibility tests skip (fail under CI=true).
AXE := .cache/axe/node_modules/axe-core/axe.min.js
# Node trusts only its own CA list: the system's is added, for machines whose registry access
# goes through a proxy with a CA of its own (npm's `cafile` alone was not enough there).
$(AXE):
	@if command -v npm >/dev/null 2>&1; then \
	  if [ -z "$$NODE_EXTRA_CA_CERTS" ] && [ -r /etc/ssl/certs/ca-certificates.crt ]; then \
	    export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt; fi; \
	  npm install --silent --no-audit --no-fund --prefix .cache/axe axe-core@4; \
	else echo "npm not found: the accessibility tests will skip (apt-get install -y npm)"; fi

axe: $(AXE)

# SQLite by default; PostgreSQL when DATABASE_URL=postgres://... is set.
# tests/settings.py turns DEBUG on for the test run (pytest's DJANGO_SETTINGS_MODULE).
test: install axe
	DEBUG=true $(BIN)/python -m pytest $(PYTEST_ARGS)

# README's gallery (docs/gallery/*.png) from the demo that `make run` is serving.
gallery: install
	$(BIN)/python tests/browser/gallery.py http://$(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: install
	DEBUG=false SECRET_KEY=$$(openssl rand -hex 32) ALLOWED_HOSTS=mlteam.example.com $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) $(MLFLOW_VENV) var .pytest_cache

# Two commands for a fresh machine: `make run` (demo on SQLite) and `make test`;
# `make serve` runs it in production (gunicorn), `make bench` measures it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve bench worker test install lint format migrate seed check-deploy clean

# The demo and the tests run with DEBUG on; everything else (serve) is production by default.
run seed: export DEBUG = true

# Re-install only when the declared dependencies change.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

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
	DEBUG=true REQUEST_LOG=false DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py bench \
		--port $(BENCH_PORT) --redis-url $(BENCH_REDIS_URL) $(BENCH_ARGS)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# SQLite by default; PostgreSQL when DATABASE_URL=postgres://... is set.
# tests/settings.py turns DEBUG on for the test run (pytest's DJANGO_SETTINGS_MODULE).
test: install
	DEBUG=true $(BIN)/python -m pytest $(PYTEST_ARGS)

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
	rm -rf $(VENV) var .pytest_cache

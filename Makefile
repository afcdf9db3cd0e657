# Two commands for a fresh machine: `make run` (demo on SQLite) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run worker test install axe gallery lint format migrate seed reset-demo check-deploy clean

# Re-install only when the declared dependencies change.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# The filter hides setuptools' editable-install banner (a warning about flat layouts).
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet -e '.[dev]'
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
$(AXE):
	@if command -v npm >/dev/null 2>&1; then npm install --silent --no-audit --no-fund --prefix .cache/axe axe-core@4; \
	else echo "npm not found: the accessibility tests will skip (apt-get install -y npm)"; fi

axe: $(AXE)

# SQLite by default; PostgreSQL when DATABASE_URL=postgres://... is set.
test: install axe
	$(BIN)/python -m pytest $(PYTEST_ARGS)

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
	rm -rf $(VENV) var .pytest_cache

# The README's two commands: `make run` (the whole site with demo data) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Tests run against the real services (PostgreSQL and Redis on this machine); override to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bizdevops
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test venv frontend chromium lint check-migrations clean messages

$(BIN)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.lock
	touch $@

venv: $(BIN)/.installed

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/.built: frontend/node_modules/.installed frontend/vite.config.js $(shell find frontend/src -type f 2>/dev/null)
	cd frontend && npm run build --silent
	touch $@

frontend: static/dist/.built

chromium:
	@command -v chromium >/dev/null 2>&1 || command -v /usr/bin/chromium >/dev/null 2>&1 || \
	  { echo "Installing chromium (Debian package) for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; }

# Compiled message catalogs are build output (.mo); the .po sources are committed.
messages: venv
	@command -v msgfmt >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext) >/dev/null
	DEBUG=1 $(BIN)/python manage.py compilemessages -v0 --ignore=.venv --ignore=frontend

run: venv frontend messages
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py quickstart --port $(PORT)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

check-migrations: venv
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run >/dev/null

test: venv frontend messages chromium lint check-migrations
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) frontend/node_modules static/dist data

# Jishi: `make run` serves the platform with demo data; `make test` checks everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

PY_STAMP := $(VENV)/.installed
WEB_STAMP := web/node_modules/.installed
WEB_BUILD := web/dist/index.html
WEB_SOURCES := $(shell find web/src web/index.html web/vite.config.ts web/tsconfig*.json \
                 -type f 2>/dev/null)

# The suite runs on SQLite always, then again on PostgreSQL and Redis when these are set.
SERVICE_URLS := $(strip $(JISHI_TEST_DATABASE_URL)$(JISHI_TEST_REDIS_URL))

.PHONY: run test test-all lint typecheck test-py test-services test-web test-e2e install web openapi clean

run: $(PY_STAMP) $(WEB_BUILD)
	$(BIN)/jishi migrate
	$(BIN)/jishi demo
	@echo "Jishi 集市 is serving http://$(HOST):$(PORT)  (API /api/v1, docs /docs)"
	$(BIN)/jishi serve --host $(HOST) --port $(PORT)

install: $(PY_STAMP) $(WEB_STAMP)

$(PY_STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web: $(WEB_BUILD)

$(WEB_BUILD): $(WEB_STAMP) $(WEB_SOURCES)
	cd web && npm run build

openapi: $(PY_STAMP) $(WEB_STAMP)
	$(BIN)/jishi openapi
	cd web && npm run gen:api

# The whole suite, and how long it took (it is meant to stay well under 15 minutes).
test:
	@start=$$(date +%s); $(MAKE) --no-print-directory test-all; status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s, exit $$status"; exit $$status

test-all: lint typecheck test-py test-services test-web test-e2e

lint: $(PY_STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(PY_STAMP)
	$(BIN)/mypy

test-py: $(PY_STAMP)
	env -u JISHI_TEST_DATABASE_URL -u JISHI_TEST_REDIS_URL $(BIN)/pytest -m "not e2e"

test-services: $(PY_STAMP)
ifneq ($(SERVICE_URLS),)
	$(BIN)/pytest -m "not e2e"
else
	@echo "JISHI_TEST_DATABASE_URL / JISHI_TEST_REDIS_URL not set: PostgreSQL and Redis run skipped"
endif

test-web: $(WEB_STAMP)
	cd web && npm test

test-e2e: $(PY_STAMP) $(WEB_BUILD)
	env -u JISHI_TEST_DATABASE_URL -u JISHI_TEST_REDIS_URL $(BIN)/pytest -m e2e tests/e2e

clean:
	rm -rf $(VENV) web/node_modules web/dist test-output .pytest_cache .mypy_cache .ruff_cache

# Rabta — the two commands a newcomer needs:
#   make run    set up everything, load demo data, serve http://localhost:8000 (PORT=8101 make run: :8101)
#   make test   set up everything the tests need and run the whole suite

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: prod run test install install-dev lint format migrations-check deploy-check lock clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Rabta needs Python 3.12 or newer; found " + sys.version.split()[0] + ". Set PYTHON=python3.12.")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-base: $(VENV)/bin/python requirements/base.txt
	$(BIN)/pip install --quiet -r requirements/base.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-base requirements/dev.txt
	$(BIN)/pip install --quiet -r requirements/dev.txt
	@touch $@

install: $(VENV)/.installed-base

install-dev: $(VENV)/.installed-dev

# The production configuration on this machine (PostgreSQL, Redis, several workers): see bin/run-prod.
prod: install
	bin/run-prod

# SITE_URL (links in emails, calendars, the sitemap; the Wagtail site's address, set by migrate) follows
# HOST and PORT unless it is set (bin/site-url).
run: install
	export HOST=$(HOST) PORT=$(PORT) && export SITE_URL="$$(bin/site-url)" && \
	$(BIN)/python manage.py migrate --noinput && $(BIN)/python manage.py seed_demo && bin/run-dev

test: install-dev
	bin/ensure-chromium
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

deploy-check: install
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=check-deploy-$$RANDOM-$$RANDOM-$$RANDOM-$$RANDOM-$$RANDOM-long-enough-key \
	DJANGO_ALLOWED_HOSTS=rabta.example.org SITE_URL=https://rabta.example.org $(BIN)/python manage.py check --deploy --fail-level WARNING

# Re-pin every dependency from pyproject.toml's ranges in a clean environment.
lock:
	$(PYTHON) bin/lock

clean:
	rm -rf $(VENV) staticfiles

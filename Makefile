# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-fast install translations lint check clean bench audit hub

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

install: $(VENV)/.installed

translations: install
	$(FLASK) i18n compile

## run: install, build the database, load the curriculum and demo accounts, serve
run: translations
	$(FLASK) content check
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

## hub: a workshop hub on this laptop (SEED=file from `flask hub prepare`; HUB_PORT=8000)
HUB_PORT ?= 8000
hub: translations
	@test -n "$(SEED)" || { echo "usage: make hub SEED=hub-seed-workshop-N.zip" >&2; exit 2; }
	$(FLASK) content check
	$(FLASK) hub serve --seed "$(SEED)" --port $(HUB_PORT)

## test: install and run the whole suite
test: translations
	$(BIN)/pytest

## test-fast: the suite without the browser tests (they take most of its time)
test-fast: translations
	$(BIN)/pytest --ignore=tests/browser

## check: content, translations and static checks, as CI runs them
check: translations lint
	$(FLASK) content check --strict
	$(FLASK) i18n check

## lint: ruff (style, bugs, gettext misuse) and bandit (no high-severity finding)
lint: install
	$(BIN)/ruff check curriculum tests
	$(BIN)/ruff format --check curriculum tests
	$(BIN)/bandit -q -r curriculum -x curriculum/migrations --severity-level high

## audit: known vulnerabilities in the pinned dependencies; fails when it cannot check
audit: install
	$(BIN)/pip install --quiet pip-audit==2.10.1
	$(BIN)/pip freeze --exclude-editable > instance/requirements-audit.txt
	$(BIN)/pip-audit --strict --progress-spinner off -r instance/requirements-audit.txt

clean:
	rm -rf $(VENV) instance/*.sqlite3* .pytest_cache

## bench: serve synthetic data with gunicorn and measure the key pages (BENCH_SCALE, DATABASE_URL)
bench: translations
	$(BIN)/python -m curriculum.bench

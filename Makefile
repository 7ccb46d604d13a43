# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install translations lint check clean bench

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

## test: install and run the whole suite
test: translations
	$(BIN)/pytest

## check: content, translations and lint, as CI runs them
check: translations
	$(FLASK) content check
	$(FLASK) i18n check

clean:
	rm -rf $(VENV) instance/*.sqlite3* .pytest_cache

## bench: serve synthetic data with gunicorn and measure the key pages (BENCH_SCALE, DATABASE_URL)
bench: translations
	$(BIN)/python -m curriculum.bench

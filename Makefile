# eWTP Hub: every task a person runs. `make demo` and `make test` work on a fresh machine
# with only Python 3.11 and make.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
PORT   ?= 8000
DEMO_ORDERS ?= 150
DEMO_DAYS ?= 90

.DEFAULT_GOAL := help
.PHONY: help install demo serve test test-fast browsers lint fmt contracts migrations-check \
        deploy-check messages bench clean

help:
	@echo "make demo    start the hub with demo data (web + Celery worker + beat) on http://127.0.0.1:$(PORT)/"
	@echo "make test    install and run the test suite"
	@echo "make lint    ruff, import contracts, migrations check"
	@echo "make fmt     format the code"
	@echo "make bench   run the benchmarks (needs DATABASE_URL pointing at PostgreSQL)"

$(PY):
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "eWTP Hub needs Python 3.11; set PYTHON=/path/to/python3.11"' \
	  || { echo "Python 3.11 is required (found: $$($(PYTHON) --version 2>&1)). Try: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --orders $(DEMO_ORDERS) --days $(DEMO_DAYS)
	@echo ""
	@echo "  eWTP Hub is starting at http://127.0.0.1:$(PORT)/   (Ctrl-C stops web, worker and beat)"
	@echo ""
	PORT=$(PORT) $(BIN)/honcho start -f Procfile.demo

# Chromium for the browser tests comes from Debian's package when this machine can install it,
# with a CJK font so that the Chinese pages' screenshots show their characters; elsewhere the
# browser tests are skipped with a reason (unless EWTP_REQUIRE_BROWSER=1).
BROWSER_PACKAGES = chromium fonts-wqy-zenhei
browsers:
	@if [ -x /usr/bin/chromium ] && [ -d /usr/share/fonts/truetype/wqy ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian's $(BROWSER_PACKAGES) for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; \
	elif [ -x /usr/bin/chromium ]; then :; \
	else echo "chromium not installed and cannot be installed here: browser tests will be skipped"; fi

test: install browsers
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

lint: install contracts migrations-check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

contracts: install
	$(BIN)/lint-imports

migrations-check: install
	$(PY) manage.py makemigrations --check --dry-run

deploy-check: install
	DJANGO_SETTINGS_MODULE=ewtp.settings.production $(PY) manage.py check --deploy --fail-level WARNING

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install
	$(PY) manage.py makemessages -l ms -l zh_Hans --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages -l ms -l zh_Hans --ignore=.venv

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache

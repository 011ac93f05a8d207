# GridGov — 常用命令 / common commands
#
#   make run                       依赖 + 数据库 + 演示数据(长春市)+ 启动 / everything, then start
#                                  (web http://127.0.0.1:8000/, Celery worker and beat)
#   make run DEMO_ARGS=--province  载入全省演示数据 / demo data for the whole province (~50,000 grids)
#   make run DEMO_ARGS="--county 220102 --county 220103"
#   make run PORT=8080
#   make test PYTEST_ARGS="-k scoping -x"   (runs `make lint` first)
#   make test TEST_WORKERS=0       one process (default: one pytest-xdist worker per core)
#
# Operations (docs/operations.md):
#   make backup                    数据库与文件备份到 backups/<时间>/ / database and files
#   make backup KEYS_TO=/safe/gridgov.keys   also the keys, apart (never inside backups/)
#   make restore BACKUP=backups/<时间>       into an empty database (keys from .env)
#
# DEMO_ARGS only matters while no demo data is loaded (`--if-empty`).

SHELL := /bin/bash
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PY := .venv/bin/python
DEMO_ARGS ?=
PYTEST_ARGS ?=
TEST_WORKERS ?= auto
PORT ?= 8000
export PORT DEMO_ARGS

.PHONY: help deps system python messages db demo run test lint bench bench-import bench-load clean \
	backup restore

help:
	@echo "make deps | db | demo | run | test | lint | bench | bench-import | bench-load | clean"
	@echo "make backup [KEYS_TO=path] | restore BACKUP=backups/<timestamp>"
	@echo "  make run DEMO_ARGS=--province   (default: one city, 长春市 220100)"
	@echo "  make test PYTEST_ARGS='-k name'"

deps: system python messages

# English translations are compiled from every locale/en/LC_MESSAGES/django.po (the .mo
# files are build output, not committed); redone only when a .po is newer than the stamp.
PO_FILES := $(shell find . -path ./.venv -prune -o -name django.po -print)
messages: var/.messages-stamp

var/.messages-stamp: $(PO_FILES) | system python
	@$(PY) manage.py compilemessages -l en --ignore=.venv -v0
	@mkdir -p var && touch $@

system:
	@bash scripts/install-system.sh

python:
	@bash scripts/install-python.sh

# migrate runs as the owner role (DATABASE_OWNER_URL) and grants the application role
# its privileges; everything else runs as the application role (DATABASE_URL).
# check_keys refuses to go on when the keys in .env cannot read the stored data (a .env
# lost and made anew by ensure-env.sh on a machine whose database holds data).
db: deps
	@bash scripts/ensure-env.sh
	@bash scripts/setup-db.sh
	@$(PY) manage.py migrate --noinput
	@$(PY) manage.py check_keys
	@$(PY) manage.py seed_calendar

demo: db
	@$(PY) manage.py load_demo_province --if-empty $(DEMO_ARGS)

# Dev settings serve static files themselves: no collectstatic needed.
# scripts/run.sh re-prints the demo logins (load_demo_province --if-empty) before starting.
run: db
	@bash scripts/run.sh

# PostgreSQL/PostGIS and Redis must run (deps ensures it). setup-db.sh --test makes the
# database roles and the PostGIS template; pytest-django creates test_gridgov from it as
# the owner role, and the tests run as the application role (conftest.py). The recipe
# fails with pytest's exit code (5 = no tests collected counts as a failure too); make
# reports it as "Error <code>". `make lint` runs first, so a new upward import or import
# cycle fails the tests too. The tests run in one pytest-xdist worker per core, each with its
# own test database (test_gridgov_gw0, …) and Redis database (governance/settings/test.py).
test: deps lint
	@bash scripts/ensure-env.sh
	@bash scripts/setup-db.sh --test
	@env -u DJANGO_SETTINGS_MODULE $(PY) -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) $(PYTEST_ARGS)

# ruff, then the import contracts of pyproject.toml [tool.importlinter] (docs/layers.md):
# no app imports one above it, no import cycle between the modules of a package.
# ruff (lint and format, one setting for the whole tree) and the import contracts
# (pyproject.toml [tool.importlinter]: no upward import, no cycle). `make test` runs it.
lint: python
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@.venv/bin/lint-imports --no-logo

# A consistent dump of the database and the stored files, without the keys (KEYS_TO writes
# them apart); restore refuses a database that is not empty (governance/backup.py).
KEYS_TO ?=
BACKUP ?=
backup:
	@bash scripts/backup.sh $(if $(KEYS_TO),--keys-to $(KEYS_TO))

restore:
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=backups/<timestamp>" >&2; exit 2; }
	@bash scripts/restore.sh $(BACKUP)

# Benchmarks run on their own whole-province database (bench/README.md).
BENCH_DB ?= postgis://postgres@localhost:5432/gridgov_bench
bench: deps
	@DATABASE_URL=$(BENCH_DB) $(PY) bench/locate.py

bench-import: deps
	@DATABASE_URL=$(BENCH_DB) $(PY) bench/import_people.py --people $(or $(PEOPLE),1000000)

# The load test of the real stack on loopback (bench/load/run.py; its own database
# gridgov_bench_load, created when missing): BENCH_LOAD_ARGS="--step-seconds 30" etc.
bench-load: deps
	@$(PY) bench/load/run.py $(BENCH_LOAD_ARGS)

clean:
	rm -rf var staticfiles test-artifacts .pytest_cache .ruff_cache .hypothesis .import_linter_cache
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

# Hartis — developer entry points. Real logic lives in scripts/bootstrap.sh
# (system packages + .venv) and scripts/local_postgres.sh (project-local PostGIS).
# Every target is idempotent. Environment: PYTHON, HARTIS_PG_PORT, DATABASE_URL, PORT.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

PYTHON ?= python3
export PYTHON

MANAGE := .venv/bin/python manage.py
PG := bash scripts/local_postgres.sh

# settings.py defaults to postgres://hartis@127.0.0.1:54329/hartis. For another
# local port, point Django at it; local_postgres.sh must not see that URL (it
# would take it for an external database and skip the local cluster).
ifndef DATABASE_URL
ifdef HARTIS_PG_PORT
export DATABASE_URL := postgres://hartis@127.0.0.1:$(HARTIS_PG_PORT)/hartis
PG := env -u DATABASE_URL $(PG)
endif
endif

.PHONY: help setup run test bench lint format db-start db-stop db-status clean

help:
	@echo "make setup | run | test | bench | lint | format | db-start | db-stop | db-status | clean"

setup:
	@bash scripts/bootstrap.sh $(BOOTSTRAP_FLAGS)
	@$(PG) start
	@echo "==> migrate" && $(MANAGE) migrate --noinput
	@echo "==> compilemessages" && $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0
	@echo "==> collectstatic" && $(MANAGE) collectstatic --noinput -v 0
	@echo "==> load_athens" && $(MANAGE) load_athens
	@echo "==> load_services" && $(MANAGE) load_services
	@echo "==> load_demo" && $(MANAGE) load_demo
	@echo "==> refresh_tiles" && $(MANAGE) refresh_tiles
	@echo "==> refresh_coverage" && $(MANAGE) refresh_coverage

run: setup
	@echo "==> runserver on http://127.0.0.1:$${PORT:-8000}/"
	exec $(MANAGE) runserver 127.0.0.1:$${PORT:-8000}

# 'test' does the whole set-up of 'run' (plus Chromium for the browser tests), so a green
# 'make test' also proves the dev database migrates and loads; pytest then builds its own
# test_hartis database (migrations + CREATE EXTENSION postgis) and loads the data it needs.
test: BOOTSTRAP_FLAGS := --with-test-deps
test: setup
	@echo "==> makemigrations --check" && $(MANAGE) makemigrations --check --dry-run
	@echo "==> ruff check" && .venv/bin/ruff check .
	@echo "==> ruff format --check" && .venv/bin/ruff format --check .
	@echo "==> pytest" && .venv/bin/pytest

# Not part of 'make test': synthetic services at 150, 100k and 1M in a separate database
# (hartis_bench on the same server, kept between runs), results in .var/bench/nearest.json;
# then the coverage recompute for Athens and a synthetic 10,000-tract city (database
# hartis_bench_coverage, kept too), results in .var/bench/coverage.json; then vector tiles,
# the OGC items page and HTTP load (wrk against gunicorn) at 1M services, results in
# .var/bench/tiles.json. All always run; the target fails when any misses a target.
bench:
	@bash scripts/bootstrap.sh --with-bench-deps
	@$(PG) start
	@missed=0; \
	echo "==> benchmarks/nearest.py"; .venv/bin/python benchmarks/nearest.py || missed=1; \
	echo "==> benchmarks/coverage.py"; .venv/bin/python benchmarks/coverage.py || missed=1; \
	echo "==> benchmarks/tiles.py"; .venv/bin/python benchmarks/tiles.py || missed=1; \
	exit $$missed

lint:
	@bash scripts/bootstrap.sh
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	@bash scripts/bootstrap.sh
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

db-start:
	@$(PG) start

db-stop:
	@$(PG) stop

db-status:
	@$(PG) status || true

# 'destroy' stops the cluster and also removes its /var/tmp/hartis-pg-* dir when
# .var/pgdata is a symlink there (plain 'rm -rf .var' would only drop the link).
clean:
	@$(PG) destroy
	rm -rf .var .venv staticfiles node_modules mapping/static/vendor

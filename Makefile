# The README's two commands are `make demo` and `make test`; both start with `install`,
# so a bare machine needs nothing else.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export RYOKEN_DATA_DIR ?= $(CURDIR)/var
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

.PHONY: install system-deps translations test-postgres demo test lint typecheck contracts unit integration browser bench bench-load audit clean test-clock

install: $(STAMP) system-deps translations

# English is the second language of every screen; the .mo is compiled from the .po.
translations: $(STAMP) system-deps
	cd src/ryoken/web && DJANGO_SETTINGS_MODULE=ryoken.web.test_settings $(CURDIR)/$(BIN)/django-admin compilemessages -v 0

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools
	$(BIN)/pip install -q -e '.[dev,bench]'
	touch $(STAMP)

# Debian packages: Chromium for the browser tests, Noto CJK for Japanese PDFs.
system-deps:
	@bash scripts/system-deps.sh

demo: install
	$(BIN)/ryoken init
	$(BIN)/ryoken demo

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/bandit -c pyproject.toml -r src -q

# Security audit: bandit (static, also in `lint`) and pip-audit (known vulnerabilities in
# the installed packages). pip-audit asks a vulnerability service over the network, so it is
# not part of `make test`; --strict fails when any package could not be checked (e.g. the
# service is unreachable) instead of reporting "no known vulnerabilities". See
# docs/security-review.md.
audit: install
	$(BIN)/bandit -c pyproject.toml -r src
	$(BIN)/pip-audit --strict --skip-editable --progress-spinner off $(PIP_AUDIT_ARGS) || \
	  { echo "pip-audit failed or could not reach its vulnerability service; see docs/security-review.md" >&2; exit 1; }

typecheck: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

unit: install
	$(BIN)/pytest -q tests/unit -n 2

integration: install
	$(BIN)/pytest -q tests/integration -n 2

browser: install
	$(BIN)/pytest -q tests/browser

test: lint typecheck contracts
	$(BIN)/pytest -q -n 2 tests

# The suites that depend on the time of day or the calendar, with business time pinned
# (tests/conftest.py reads RYOKEN_TEST_CLOCK): `make test-clock CLOCK=2026-12-31T21:30:00+09:00`.
# .ci/run runs them at three moments, so the suite is proven to pass at any hour.
CLOCK_SUITES := tests/browser tests/integration/watch tests/integration/incident tests/unit/detect \
  tests/unit/incident tests/integration/casework/test_lapse.py tests/integration/test_business_calendar.py \
  tests/integration/casework/test_demo_seed.py tests/unit/test_one_clock.py
test-clock: install
	@test -n "$(CLOCK)" || { echo "usage: make test-clock CLOCK=2026-12-31T21:30:00+09:00" >&2; exit 2; }
	RYOKEN_TEST_CLOCK=$(CLOCK) $(BIN)/pytest -q -n 2 -p no:cacheprovider $(CLOCK_SUITES)

bench: install
	$(BIN)/python -m bench

# 100 clerks for 10 minutes with `ryoken watch` alongside (also part of `make bench`).
bench-load: install
	$(BIN)/python -m bench load_watch

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# The integration suite again, on the PostgreSQL server on loopback.
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
test-postgres: install
	DATABASE_URL=$(POSTGRES_URL) $(BIN)/pytest -q -p no:xdist tests/integration

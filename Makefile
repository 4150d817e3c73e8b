# The two commands the README promises: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export SSL_CERT_FILE ?= $(wildcard /etc/ssl/certs/ca-certificates.crt)

.PHONY: install system-deps bench-deps run test lint bench fuzz chaos clean

# Debian packages the tests drive for real, each with the binary that shows it is installed:
# an IMAP server for the IMAP reply feed, chromium for the docs page's browser test.
SYSTEM_PACKAGES := dovecot-imapd:/usr/sbin/dovecot chromium:/usr/bin/chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip install --python $(BIN)/python --quiet -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/sequences dev up

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy sequences_core tracking_app plugins

system-deps:
	@missing=; for entry in $(SYSTEM_PACKAGES); do \
	  [ -x "$${entry#*:}" ] || missing="$$missing $${entry%%:*}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The load generator benchmarks/tracking.py drives gunicorn with.
bench-deps:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends wrk; \
	fi

test: lint system-deps
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: install bench-deps
	$(BIN)/python -m benchmarks

fuzz: install
	SEQUENCES_FUZZ_EXAMPLES=30 $(BIN)/pytest -n 2 tests -m fuzz $(PYTEST_ARGS)

# Dispatchers under SES faults, kills and a PostgreSQL restart, judged from what left them
# (benchmarks/chaos). CHAOS_ARGS="--seed N" replays a run.
chaos: install
	$(BIN)/python -m benchmarks.chaos $(CHAOS_ARGS)

clean:
	-$(BIN)/sequences dev stop
	rm -rf var/test-pg

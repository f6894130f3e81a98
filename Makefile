# Two commands: `make demo` and `make test`. Needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME ?= var/demo
DEMO_ARGS ?=
DEMO_SINGLE_HOME ?= var/demo-single

.PHONY: demo demo-single test lint test-sqlite test-postgres bench clean lock dist

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("需要 Python 3.11 或更高版本" if sys.version_info < (3, 11) else 0)'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# A city and two counties, each its own deployment (process, SQLite file), linked by a
# NATS hub and two leaf servers. Other ports: make demo DEMO_ARGS="--hub-port 24222".
demo: $(STAMP)
	$(BIN)/xuncha demo cluster --home $(DEMO_HOME) $(DEMO_ARGS)

# The whole demo tree (city and 6 counties) in one process and one database.
demo-single: $(STAMP)
	XUNCHA_HOME=$(DEMO_SINGLE_HOME) $(BIN)/xuncha tenants sync tenants/demo
	XUNCHA_HOME=$(DEMO_SINGLE_HOME) $(BIN)/xuncha demo seed
	XUNCHA_HOME=$(DEMO_SINGLE_HOME) $(BIN)/xuncha demo accounts
	XUNCHA_HOME=$(DEMO_SINGLE_HOME) $(BIN)/xuncha serve

# The dependency audit passes offline, saying loudly that it was skipped.
lint: $(STAMP)
	$(BIN)/ruff check core plugins tests tools
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache --no-logo
	$(BIN)/python tools/pip_audit_gate.py

test-sqlite: $(STAMP)
	XUNCHA_TEST_DB=sqlite $(BIN)/pytest

test-postgres: $(STAMP)
	XUNCHA_TEST_DB=postgres $(BIN)/pytest

test: lint test-sqlite test-postgres

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_api.py --backend both

# requirements.lock: the runtime dependencies pinned, from a clean venv (needs the registry).
lock:
	$(PYTHON) tools/build_dist.py lock

# dist/xuncha-offline-<version>.tar.gz: wheels of xuncha and every locked dependency
# (nats-server included) and install.sh, for machines without registry access. Build it
# on the servers' OS, CPU and Python version; building needs the registry or a mirror.
dist:
	$(PYTHON) tools/build_dist.py build

clean:
	rm -rf $(VENV) var build dist *.egg-info

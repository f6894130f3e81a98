# Two commands: `make demo` and `make test`. Needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME ?= var/demo

.PHONY: demo test lint test-sqlite test-postgres bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("需要 Python 3.11 或更高版本" if sys.version_info < (3, 11) else 0)'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	XUNCHA_HOME=$(DEMO_HOME) $(BIN)/xuncha tenants sync tenants/demo
	XUNCHA_HOME=$(DEMO_HOME) $(BIN)/xuncha demo seed
	XUNCHA_HOME=$(DEMO_HOME) $(BIN)/xuncha serve

lint: $(STAMP)
	$(BIN)/ruff check core plugins tests
	$(BIN)/mypy

test-sqlite: $(STAMP)
	XUNCHA_TEST_DB=sqlite $(BIN)/pytest

test-postgres: $(STAMP)
	XUNCHA_TEST_DB=postgres $(BIN)/pytest

test: lint test-sqlite test-postgres

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/bench_api.py --backend both

clean:
	rm -rf $(VENV) var build *.egg-info

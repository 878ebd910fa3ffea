# Parcours — make install | run | test | lint | bench
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint typecheck test-sqlite test-postgres bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(BIN)/parcours init --demo
	$(BIN)/parcours run

lint: install
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/mypy

# The whole suite on SQLite, then again on PostgreSQL when PARCOURS_TEST_POSTGRES_URL is set
# (.ci/run starts a server and sets it; CI refuses to skip it).
test: lint
	$(BIN)/parcours forms check
	$(BIN)/python -m pytest
	@if [ -n "$$PARCOURS_TEST_POSTGRES_URL" ]; then \
		PARCOURS_DATABASE_URL="$$PARCOURS_TEST_POSTGRES_URL" $(BIN)/python -m pytest -m "not e2e" -p no:cacheprovider; \
	elif [ -n "$$CI" ]; then \
		echo "CI: PARCOURS_TEST_POSTGRES_URL is not set, refusing to skip PostgreSQL" >&2; exit 1; \
	else \
		echo "PostgreSQL run skipped: set PARCOURS_TEST_POSTGRES_URL (see README)"; \
	fi

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# Parcours — make install | run | test | lint | bench
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install test-deps system-deps run test lint bench clean

install: $(STAMP)

# What the tests need beyond Python: Debian's Chromium (browser tests), npm (axe-core),
# poppler-utils (pdftotext, pdfsig), openssl (archive signature checks). Installed with apt-get
# when running as root; otherwise the missing packages are named.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
		else \
			echo "Missing system packages:$$missing — install them (sudo apt-get install$$missing)" >&2; exit 1; \
		fi; \
	fi

# axe-core for the browser tests' accessibility checks.
test-deps: install system-deps node_modules/.installed

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: install
	$(BIN)/parcours init --demo
	$(BIN)/parcours run

lint: install
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# The whole suite on SQLite, then again on PostgreSQL when PARCOURS_TEST_POSTGRES_URL is set
# (.ci/run starts a server and sets it; CI refuses to skip it).
test: test-deps lint
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
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache

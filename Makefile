# Parcours — make install | run | test | lint | bench
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lock test-deps system-deps run test lint bench clean

install: $(STAMP)

# What the tests need beyond Python: Debian's Chromium (browser tests), npm (axe-core),
# poppler-utils (pdftotext, pdfsig), openssl (archive signature checks), caddy, nginx-light and
# systemd (the deploy/ files checked with `caddy validate`, `nginx -t`, `systemd-analyze verify`;
# Debian does not start the services it installs in a container). Installed with apt-get
# when running as root; otherwise the missing packages are named.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	command -v caddy >/dev/null || missing="$$missing caddy"; \
	[ -x /usr/sbin/nginx ] || missing="$$missing nginx-light"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$missing; \
		else \
			echo "Missing system packages:$$missing — install them (sudo apt-get install$$missing)" >&2; exit 1; \
		fi; \
	fi

# axe-core for the browser tests' accessibility checks.
test-deps: install system-deps node_modules/.installed

# Every dependency (runtime, test, lint and type tools) from the lock, checked against its hashes;
# then the project itself, without resolving anything else.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Regenerate requirements.lock after changing the dependencies in pyproject.toml.
lock: install
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --no-emit-index-url --extra test --strip-extras \
		-o requirements.lock pyproject.toml

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

run: install
	$(BIN)/parcours init --demo
	$(BIN)/parcours run

lint: install
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench migrations
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

# `make bench` runs every benchmark; `make bench BENCH="web indicators" BENCH_ARGS="--sizes 100000"` some.
# PARCOURS_BENCH_POSTGRES_URL=... runs them on PostgreSQL too (that database is emptied).
bench: install
	$(BIN)/python -m bench $(BENCH) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache

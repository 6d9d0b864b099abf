# A newcomer's two commands: `make run` and `make test`. Each creates .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock

.PHONY: run test lint typecheck bench loadtest clean translations lock

# The exact versions the suite was run with (requirements.lock), then segbot itself and the example
# plugin (docs/architecture.md) without resolving anything again.
$(STAMP): pyproject.toml $(LOCK) examples/plugin/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e . -e examples/plugin
	touch $(STAMP)

# After changing a dependency in pyproject.toml: pin the whole tree again, then commit requirements.lock.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-tools==7.6.2
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file $(LOCK) pyproject.toml

run: $(STAMP)
	$(BIN)/segbot run $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check bot commands storage segbot_testing tests bench examples
	$(BIN)/ruff format --check bot commands storage segbot_testing tests bench examples

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench.run $(ARGS)

# PostgreSQL (TEST_DATABASE_URL or BENCH_DATABASE_URL), 1,000,000 contacts, 20 clients; one process, then two.
loadtest: $(STAMP)
	$(BIN)/python -m bench.loadtest $(ARGS)

# After changing user-facing texts: extract them, merge into commands/locale/*/segbot.po, translate the
# new entries, then `make translations` again to compile the .mo files the bot loads.
translations: $(STAMP)
	$(BIN)/python -m commands.i18n.catalogs update
	$(BIN)/python -m commands.i18n.catalogs compile
	$(BIN)/python -m commands.i18n.catalogs check

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

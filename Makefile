# One entry point for people and CI. `make run` serves the API; `make test` checks everything.
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: install run test fuzz lint format clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

run: install  ## migrate the database and start the dev server on http://127.0.0.1:8000
	$(BIN)/fastapi-app db upgrade
	$(BIN)/fastapi-app dev

test: install lint  ## lint, type-check, then the test suite (PostgreSQL too if TEST_DATABASE_URL is set)
	scripts/install-test-deps.sh
	$(BIN)/pytest

fuzz: install  ## a deeper fuzzing run with a new seed (FUZZ_SEED=N repeats one, FUZZ_EXAMPLES=N)
	@seed=$${FUZZ_SEED:-$$(date +%s)}; examples=$${FUZZ_EXAMPLES:-300}; \
	echo "fuzzing with FUZZ_SEED=$$seed FUZZ_EXAMPLES=$$examples"; \
	FUZZ_SEED=$$seed FUZZ_EXAMPLES=$$examples FUZZ_COVERAGE=all $(BIN)/pytest tests/test_fuzzing.py

lint: install
	$(BIN)/ruff check src tests alembic bench examples
	$(BIN)/ruff format --check src tests alembic bench examples
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix src tests alembic bench examples
	$(BIN)/ruff format src tests alembic bench examples

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

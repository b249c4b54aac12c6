# askreport: `make serve` sets everything up and serves; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INDEX_DIR ?= $(or $(ASKREPORT_INDEX_DIR),var/index)

.PHONY: install serve index test lint typecheck imports check clean

install: $(STAMP)

# torch is installed first and pinned: 2.13.0 is the CPU build; an unpinned torch pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Incremental: embeds only what changed in corpus/ since the last build (nothing, usually).
index: $(STAMP)
	$(BIN)/askreport index --index $(INDEX_DIR)

serve: index
	$(BIN)/askreport serve --index $(INDEX_DIR)

# The import contracts (pyproject.toml [tool.importlinter]) run first: a wrong arrow fails the tests too.
test: imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

imports: $(STAMP)
	$(BIN)/lint-imports

check: lint typecheck imports test

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache *.egg-info

# qualcode — the front door. Every target works from a fresh clone with only Python 3.10+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench golden clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install qualcode with its test tools

demo: $(STAMP)  ## ingest the bundled sample study and list its documents
	$(BIN)/qualcode ingest
	mkdir -p out
	$(BIN)/qualcode documents -o out/documents.csv
	$(BIN)/qualcode documents
	@echo "outputs: out/documents.csv (store: .qualcode/qualcode.db)"

test: $(STAMP)  ## run the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff over the package and the tests
	$(BIN)/ruff check qualcode tests

bench: $(STAMP)  ## speed benchmarks (ratios against a reference measured in the same run)
	$(BIN)/python tests/bench/run.py

golden: $(STAMP)  ## rewrite golden files on purpose
	QUALCODE_GOLDEN=1 $(BIN)/python -m pytest -q -k golden

clean:
	rm -rf $(VENV) .qualcode out .pytest_cache .ruff_cache

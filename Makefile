# qualcode — the front door. Every target works from a fresh clone with only Python 3.10+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint docs bench golden clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install qualcode with its test tools

demo: $(STAMP)  ## ingest and code the bundled sample study, write matrices and a heatmap to out/
	$(BIN)/qualcode ingest
	$(BIN)/qualcode code
	mkdir -p out
	$(BIN)/qualcode documents -o out/documents.csv
	$(BIN)/qualcode codings export -o out/codings.xlsx
	$(BIN)/qualcode matrix --by gender -o out/matrix-gender.csv
	$(BIN)/qualcode matrix --by gender -o out/matrix-gender.xlsx
	$(BIN)/qualcode matrix --by ethnicity -o out/matrix-ethnicity.csv
	$(BIN)/qualcode matrix --by ethnicity -o out/matrix-ethnicity.xlsx --plot out/heatmap-ethnicity.png
	$(BIN)/qualcode matrix --by gender,site --percent
	$(BIN)/qualcode appendix -o out/appendix.docx --limit 4 --by gender
	$(BIN)/qualcode appendix -o out/appendix.html --limit 4 --by gender
	@echo
	@echo "outputs in out/: documents.csv, codings.xlsx, matrix-gender.csv/.xlsx, matrix-ethnicity.csv/.xlsx,"
	@echo "heatmap-ethnicity.png, appendix.docx, appendix.html (store: .qualcode/qualcode.db)"

test: $(STAMP)  ## run the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff over the package and the tests
	$(BIN)/ruff check qualcode tests

docs: $(STAMP)  ## regenerate the command reference from --help, then build the docs site into site/
	$(BIN)/python -m qualcode.cli.reference > docs/commands.md
	$(BIN)/mkdocs build --strict --site-dir site
	@echo "docs site in site/ (open site/index.html)"

bench: $(STAMP)  ## speed benchmarks (ratios against a reference measured in the same run)
	$(BIN)/python tests/bench/run.py

golden: $(STAMP)  ## rewrite golden files on purpose
	QUALCODE_GOLDEN=1 $(BIN)/python -m pytest -q -k golden

clean:
	rm -rf $(VENV) .qualcode out site .pytest_cache .ruff_cache

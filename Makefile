# qualcode — the front door. Every target works from a fresh clone with only Python 3.10+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install render-tools qualcoder demo test lint docs bench bench-smoke eval-suggest eval-codebook golden clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install qualcode with its test tools

render-tools:  ## Debian: LibreOffice, poppler and Chromium, to render Word files and HTML pages in tests (else those tests skip)
	@if command -v soffice >/dev/null && command -v pdftoppm >/dev/null && command -v chromium >/dev/null; then \
		echo "render tools already installed"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get install -y -q --no-install-recommends libreoffice-writer-nogui poppler-utils chromium >/dev/null \
		|| (apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends \
		    libreoffice-writer-nogui poppler-utils chromium >/dev/null); \
	else \
		echo "render-tools: needs apt-get as root; install LibreOffice, poppler-utils and Chromium yourself"; exit 1; \
	fi

QC_VENV := .qc-venv
QC_STAMP := $(QC_VENV)/.installed

$(QC_STAMP):
	$(PYTHON) -m venv $(QC_VENV)
	$(QC_VENV)/bin/python -m pip install --quiet PyQt6
	touch $(QC_STAMP)

qualcoder: $(QC_STAMP)  ## a venv with PyQt6 (.qc-venv) to run QualCoder's own REFI-QDA importer from ../shared/tools/qualcoder (tests/test_qualcoder.py)

demo: $(STAMP)  ## ingest and code the sample study; write the review sheet and draft matrices and appendices to out/
	$(BIN)/qualcode ingest
	$(BIN)/qualcode code
	$(BIN)/qualcode documents -o out/documents.csv
	$(BIN)/qualcode codings export -o out/review.xlsx --status suggested
	$(BIN)/qualcode matrix --by gender -o out/matrix-gender.xlsx --include-suggestions
	$(BIN)/qualcode matrix --by ethnicity -o out/matrix-ethnicity.xlsx --plot out/heatmap-ethnicity.png --include-suggestions
	$(BIN)/qualcode matrix --by gender,site --percent --include-suggestions
	$(BIN)/qualcode appendix -o out/appendix.docx --limit 4 --by gender --include-suggestions
	$(BIN)/qualcode appendix -o out/appendix.html --limit 4 --by gender --include-suggestions
	@echo
	@echo "outputs in out/: documents.csv, review.xlsx (the suggestions to review), matrix-gender.xlsx,"
	@echo "matrix-ethnicity.xlsx, heatmap-ethnicity.png, appendix.docx, appendix.html (store: .qualcode/qualcode.db)"
	@echo "The matrices and appendices are marked DRAFT: they count the rules' unreviewed suggestions."
	@echo "Review them (qualcode review, or fill review.xlsx's decision column and run"
	@echo "qualcode codings import out/review.xlsx --review), then run the reports without --include-suggestions."

test: $(STAMP)  ## run the whole test suite
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff over the package and the tests
	$(BIN)/ruff check qualcode tests

docs: $(STAMP)  ## regenerate the command reference from --help and every output the pages show, then build the docs site into site/
	$(BIN)/python -m qualcode.cli.reference > docs/commands.md
	$(BIN)/python docs/examples.py --write
	$(BIN)/mkdocs build --strict --site-dir site
	@echo "docs site in site/ (open site/index.html)"

bench: $(STAMP)  ## speed and memory at 0.3, 1 and 3 million words, with ratios to references; writes benchmarks/RESULTS.md
	$(BIN)/python benchmarks/run.py

eval-suggest: $(STAMP)  ## the learned suggester's variants, nested held-out figures on the PDPilot interviews (../shared)
	rm -rf /tmp/qualcode-eval-suggest && mkdir -p /tmp/qualcode-eval-suggest/transcripts
	cp ../shared/data/real/pdpilot-interviews-coded/transcripts_txt/*.txt /tmp/qualcode-eval-suggest/transcripts/
	printf 'participant,document,speaker,role\nDan,,Dan,interviewer\n' > /tmp/qualcode-eval-suggest/transcripts/participants.csv
	for i in 1 2 3 4 5 6 7; do echo "P$$i,P$$i,Participant," >> /tmp/qualcode-eval-suggest/transcripts/participants.csv; done
	printf '[project]\ncodebook = "codebooks/pdpilot.yaml"\n' > /tmp/qualcode-eval-suggest/qualcode.toml
	cd /tmp/qualcode-eval-suggest && $(CURDIR)/$(BIN)/qualcode codebook import $(CURDIR)/../shared/data/real/pdpilot-interviews-coded/codebook.csv -o codebooks/pdpilot.yaml \
	  && $(CURDIR)/$(BIN)/qualcode ingest && $(CURDIR)/$(BIN)/qualcode codings import $(CURDIR)/../shared/data/real/pdpilot-interviews-coded/coded_segments.csv --coder maxqda
	$(BIN)/python benchmarks/eval_suggest.py /tmp/qualcode-eval-suggest --unit turn --folds 7 --min-precision 0.5

bench-smoke: $(STAMP)  ## the same benchmark on about 20,000 words (the test suite runs it)
	$(BIN)/python benchmarks/run.py --smoke

HALF ?= test
eval-codebook: $(STAMP)  ## precision, recall and F1 of codebooks/barriers.yaml per code and theme on a half of the blind gold set (HALF=tuning; default test), with every miss
	$(BIN)/python benchmarks/eval_codebook.py --half $(HALF)

golden: $(STAMP)  ## rewrite golden files on purpose
	QUALCODE_GOLDEN=1 $(BIN)/python -m pytest -q -k golden

clean:
	rm -rf $(VENV) $(QC_VENV) .qualcode out site .pytest_cache .ruff_cache

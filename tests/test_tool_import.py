"""Other tools' work coming in: CSV code lists as codebooks, and MAXQDA / NVivo / QualCoder coded segments
placed in their transcripts — on small files written here and on the real PDPilot study (../shared)."""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
import yaml
from conftest import SHARED, db
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.codebook.load import load_codebook
from qualcode.model import Role
from qualcode.project.store import open_store

CODES_CSV = """Code,Memo,Color
Language barriers,Difficulties caused by language or literacy.,#4E79A7
Language barriers > Literacy,Reading and writing.,
Workload > Unpaid care,Care work nobody pays for.,red
Prejudice,,
Language barriers > Literacy,Again.,
Ngôn ngữ > Phiên dịch,,#abc
"""

IDI = """---
participant: P01
---
Interviewer: Is there an interpreter at the commune health station?
Respondent: No interpreter. The nurse speaks Kinh only, so I cannot explain my ill-
ness. I cannot read the forms either.
Interviewer: And at home?
Respondent: Housework all day. Housework all day, and then the fields.
"""

CODEBOOK = """codebook: Tool import test
codes:
  - id: language
    label: Language barriers
    children:
      - id: language.literacy
        label: Literacy
  - id: workload
    label: Workload
"""


def test_codebook_import_writes_a_valid_yaml(tmp_path: Path, cli) -> None:
    """A CSV code list becomes a YAML codebook with derived ids, nested children, memos as definitions and
    valid colours; duplicate rows and bad colours are reported; an existing file is never overwritten."""
    source = tmp_path / "barriers.csv"
    source.write_text(CODES_CSV, encoding="utf-8")
    target = tmp_path / "codebooks" / "barriers.yaml"
    result = cli("codebook", "import", source, "-o", target, "--name", "Barriers", "--project", tmp_path)
    assert result.exit_code == 1  # the good rows are written, the bad ones reported
    assert "barriers.csv:4: colour 'red' left out" in result.stderr
    assert "barriers.csv:6: duplicate code 'Language barriers > Literacy' (also on line 3)" in result.stderr
    assert "wrote 7 codes of codebook 'Barriers'" in result.stdout
    report = load_codebook(target)
    assert report.errors == []
    book = report.codebook
    assert [(c.id, c.label, c.level) for c in book.codes] == [
        ("language_barriers", "Language barriers", 1), ("language_barriers.literacy", "Literacy", 2),
        ("workload", "Workload", 1), ("workload.unpaid_care", "Unpaid care", 2), ("prejudice", "Prejudice", 1),
        ("ngon_ngu", "Ngôn ngữ", 1), ("ngon_ngu.phien_dich", "Phiên dịch", 2)]
    assert book.code("language_barriers").definition == "Difficulties caused by language or literacy."
    assert book.code("language_barriers").color == "#4E79A7" and book.code("ngon_ngu.phien_dich").color == "#abc"
    before = target.read_bytes()
    again = cli("codebook", "import", source, "-o", target, "--project", tmp_path)
    assert again.exit_code == 1 and "already exists" in again.stderr and target.read_bytes() == before


def test_codebook_import_default_path_and_bad_files(tmp_path: Path, cli) -> None:
    """Without -o the codebook goes to codebooks/NAME.yaml; a CSV without a code, path, tag or name column is
    refused."""
    (tmp_path / "themes.csv").write_text("path,description\nA > B,b\nA > C,c\n", encoding="utf-8")
    assert cli("codebook", "import", tmp_path / "themes.csv", "--project", tmp_path).exit_code == 0
    data = yaml.safe_load((tmp_path / "codebooks" / "themes.yaml").read_text(encoding="utf-8"))
    assert data["codebook"] == "themes" and [c["id"] for c in data["codes"][0]["children"]] == ["a.b", "a.c"]
    (tmp_path / "bad.csv").write_text("label,memo\nA,x\n", encoding="utf-8")
    result = cli("codebook", "import", tmp_path / "bad.csv", "--project", tmp_path)
    assert result.exit_code == 1 and "no `code`, `path`, `tag` or `name` column" in result.stderr
    result = cli("codebook", "import", tmp_path / "x.nvp", "--project", tmp_path)
    assert result.exit_code == 2 and "reads .csv, .qdc" in result.stderr


@pytest.fixture
def interview(tmp_path: Path, cli) -> Path:
    """An ingested one-interview project with a small codebook."""
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / "IDI-01.txt").write_text(IDI, encoding="utf-8")
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "qualcode.toml").write_text('[project]\ncodebook = "codebook.yaml"\n', encoding="utf-8")
    assert cli("ingest", "--project", tmp_path).exit_code == 0
    return tmp_path


def stored(project: Path, coder: str) -> list[tuple[str, str]]:
    return db(project).execute("SELECT code, text FROM codings WHERE coder = ? ORDER BY id", (coder,)).fetchall()


def test_maxqda_style_export(interview: Path, cli) -> None:
    """A MAXQDA-style XLSX (Document name, Code with `\\` paths, Segment; paragraph Begin/End ignored) is
    placed despite line wraps and hyphenation; unplaceable and ambiguous segments are reported."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Color", "Document group", "Document name", "Code", "Begin", "End", "Segment", "Created by"])
    sheet.append(["", "", "IDI-01.docx", "Language barriers\\Literacy", 2, 2, "I cannot read the forms either.", "A"])
    sheet.append(["", "", "IDI-01", "Language barriers",  2, 3,
                  "The nurse speaks Kinh only, so I cannot explain my illness.", "A"])
    sheet.append(["", "", "IDI-01", "Workload", 4, 4, "Housework all day", "A"])
    sheet.append(["", "", "IDI-01", "Workload", 4, 4, "We rest on Sundays and visit the market.", "A"])
    book.save(interview / "maxqda.xlsx")
    result = cli("codings", "import", interview / "maxqda.xlsx", "--coder", "maxqda", "--project", interview)
    assert result.exit_code == 1
    assert "maxqda.xlsx:4: ambiguous: found in 2 places" in result.stderr
    assert "maxqda.xlsx:5: not found in the document" in result.stderr
    assert "imported 2 codings as maxqda; 2 rows not imported" in result.stdout
    assert stored(interview, "maxqda") == [
        ("language.literacy", "I cannot read the forms either."),
        ("language", "The nurse speaks Kinh only, so I cannot explain my ill-\nness.")]


def test_nvivo_style_export_with_mapped_columns(interview: Path, cli) -> None:
    """Column names that differ are mapped by options; `Codes\\…` roots and `/` paths resolve; a segment that
    spans turns is one coding, trimmed to the respondent's speech."""
    sheet = interview / "nvivo.csv"
    sheet.write_text(
        "Interview,Theme,Passage\n"
        "IDI-01,Codes\\Workload,\"Interviewer: And at home? Respondent: Housework all day. Housework all day, "
        "and then the fields.\"\n"
        "idi-01,Language barriers/Literacy,I cannot read the forms\n", encoding="utf-8")
    result = cli("codings", "import", sheet, "--coder", "nvivo", "--document-column", "Interview",
                 "--code-column", "theme", "--text-column", "PASSAGE", "--project", interview)
    assert result.exit_code == 0, result.output
    assert stored(interview, "nvivo") == [("workload", "Housework all day. Housework all day, and then the fields."),
                                          ("language.literacy", "I cannot read the forms")]
    missing = cli("codings", "import", sheet, "--coder", "nvivo", "--text-column", "Quote", "--project", interview)
    assert missing.exit_code == 2 and "no column 'Quote'; columns: interview, theme, passage" in missing.stderr
    unmapped = cli("codings", "import", sheet, "--coder", "nvivo", "--project", interview)
    assert unmapped.exit_code == 1 and "--document-column" in unmapped.stderr


def test_reimport_adds_nothing(interview: Path, cli) -> None:
    """Importing the same export twice leaves one coding per segment."""
    sheet = interview / "qualcoder.csv"
    sheet.write_text("File,Codename,Coded text\nIDI-01,Workload,\"Housework all day, and then\"\n", encoding="utf-8")
    assert cli("codings", "import", sheet, "--coder", "qc", "--project", interview).exit_code == 0
    again = cli("codings", "import", sheet, "--coder", "qc", "--project", interview)
    assert "imported 0 codings as qc; 0 rows not imported, 1 already present" in again.stdout
    assert len(stored(interview, "qc")) == 1


# -- the real PDPilot study -----------------------------------------------------------------------------------
PDPILOT = SHARED / "pdpilot-interviews-coded"


@pytest.fixture(scope="module")
def pdpilot(tmp_path_factory) -> tuple[Path, object]:
    """The PDPilot project: its 7 TXT transcripts, Dan as interviewer, the codebook imported from MAXQDA's code
    system and the 262 MAXQDA segments imported as coder `maxqda`."""
    if not PDPILOT.is_dir():
        pytest.skip("../shared/data/real/pdpilot-interviews-coded is absent: the PDPilot import test needs it")
    root = tmp_path_factory.mktemp("pdpilot")
    (root / "transcripts").mkdir()
    for path in sorted((PDPILOT / "transcripts_txt").glob("*.txt")):
        shutil.copy(path, root / "transcripts" / path.name)
    people = ["participant,document,speaker,role", "Dan,,Dan,interviewer"]
    people += [f"P{i},P{i},Participant," for i in range(1, 8)]
    (root / "transcripts" / "participants.csv").write_text("\n".join(people) + "\n", encoding="utf-8")
    (root / "qualcode.toml").write_text('[project]\ncodebook = "codebooks/pdpilot.yaml"\n', encoding="utf-8")
    runner = CliRunner()

    def run(*args: object):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    made = run("codebook", "import", PDPILOT / "codebook.csv", "-o", root / "codebooks" / "pdpilot.yaml",
               "--name", "PDPilot user study", "--project", root)
    assert made.exit_code == 0, made.output
    assert run("ingest", "--project", root).exit_code == 0
    imported = run("codings", "import", PDPILOT / "coded_segments.csv", "--coder", "maxqda", "--project", root)
    return root, imported


def test_pdpilot_codebook_from_maxqda_code_system(pdpilot) -> None:
    """MAXQDA's code system (codebook.csv) becomes a valid codebook of 91 codes, 9 of them top-level."""
    root, _ = pdpilot
    report = load_codebook(root / "codebooks" / "pdpilot.yaml")
    assert report.errors == []
    assert len(report.codebook.codes) == 91 and sum(c.level == 1 for c in report.codebook.codes) == 9


def test_pdpilot_segments_are_placed_with_equal_per_code_counts(pdpilot) -> None:
    """At least 97% of the 262 MAXQDA segments are placed, one coding each (spanning turns or not), and the
    per-code counts of the placed segments equal those in coded_segments.csv."""
    root, imported = pdpilot
    with open(PDPILOT / "coded_segments.csv", encoding="utf-8-sig", newline="") as handle:
        segments = list(csv.DictReader(handle))
    failed = {int(n) for n in re.findall(r"coded_segments\.csv:(\d+): (?!placed)", imported.stderr)}
    placed = [row for line, row in enumerate(segments, start=2) if line not in failed]
    assert len(placed) / len(segments) >= 0.97, imported.stderr
    assert f"imported {len(placed)} codings as maxqda" in imported.stdout
    book = load_codebook(root / "codebooks" / "pdpilot.yaml").codebook
    expected = Counter(book.resolve(row["code"]).id for row in placed)
    store = open_store(root / ".qualcode" / "qualcode.db")
    try:
        codings = [c for c in store.codings() if c.coder == "maxqda"]
        turns = store.turns()
    finally:
        store.close()
    assert Counter(c.code for c in codings) == expected
    spanning = [c for c in codings if sum(t.document == c.document and t.start < c.end and t.end > c.start
                                          for t in turns) > 1]
    assert len(spanning) > 50  # segments over several turns stay one coding each
    respondent = [(t.document, t.start, t.end) for t in turns if t.role is Role.RESPONDENT]
    assert all(any(d == c.document and s <= c.start < e for d, s, e in respondent) for c in codings
               if any(d == c.document and s < c.end and e > c.start for d, s, e in respondent))


def test_pdpilot_matrix_counts_the_maxqda_segments(pdpilot, cli) -> None:
    """`matrix --coder maxqda --count segments` gives coded_segments.csv's per-code counts, except for the one
    segment that quotes only the interviewer (reports leave interviewer turns out) — MAXQDA's own 7."""
    root, _ = pdpilot
    out = root / "matrix.csv"
    assert cli("matrix", "--coder", "maxqda", "--count", "segments", "--by", "document", "-o", out,
               "--project", root).exit_code == 0
    book = load_codebook(root / "codebooks" / "pdpilot.yaml").codebook
    with open(out, encoding="utf-8", newline="") as handle:
        totals = {row["code"]: int(row["Total"]) for row in csv.DictReader(handle)}
    with open(PDPILOT / "coded_segments.csv", encoding="utf-8-sig", newline="") as handle:
        expected = Counter(book.resolve(row["code"]).id for row in csv.DictReader(handle))
    differ = {code: (n, totals[code]) for code, n in expected.items() if totals[code] != n
              and not book.code(code).children}
    assert differ == {"pdpilot_general_usage.didnt_know_how_to_do_something_in_pdpilot": (8, 7)}

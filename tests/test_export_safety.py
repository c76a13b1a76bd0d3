"""Formula-looking text from participants, coders and transcripts is never live in any CSV or XLSX qualcode
writes, header cells included, and control characters never break an XML writer."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
from conftest import REPO

FORMULAS = ("=", "+", "-", "@")
EVIL_ATTRIBUTE = "=cmd|' /C calc'!A0"
EVIL_CODER = "=HYPERLINK(\"http://x\")"


def _project(root: Path, cli) -> Path:
    (root / "transcripts").mkdir(parents=True)
    (root / "transcripts" / "IDI-01.txt").write_text(
        "Interviewer: How do you reach the office?\nRespondent: The road is long\x0c and the forms are only in "
        "Vietnamese.\nInterviewer: And school?\nRespondent: =SUM(1,2) the school is far and we have no money.\n",
        encoding="utf-8")
    (root / "transcripts" / "participants.csv").write_text(
        f'participant,document,speaker,"{EVIL_ATTRIBUTE.replace(chr(34), chr(34) * 2)}"\n'
        "P01,IDI-01,Respondent,@yes\n", encoding="utf-8")
    shutil.copy(REPO / "codebooks" / "barriers.yaml", root)
    (root / "qualcode.toml").write_text('[project]\ncodebook = "barriers.yaml"\n', encoding="utf-8")
    for args in (("ingest",), ("code",), ("tag", "IDI-01", "2", "language", "--coder", EVIL_CODER),
                 ("tag", "IDI-01", "4", "language", "--coder", EVIL_CODER), ("tag", "IDI-01", "2", "prejudice",
                                                                             "--coder", "minh")):
        result = cli(*args, "-p", root)
        assert result.exit_code == 0, result.stderr
    return root


def _csv_cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def _xlsx_cells(path: Path) -> list:
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_no_formula_is_live_in_any_export(tmp_path: Path, cli) -> None:
    """Attribute names and values, coder names and transcript text that look like formulas are written with
    a guarding apostrophe in CSV and as text cells in XLSX, in codings exports, matrices and agreement tables."""
    root = _project(tmp_path / "p", cli)
    out = tmp_path / "out"
    runs = [("codings", "export", "-o", out / "codings.csv", "--include-suggestions"),
            ("codings", "export", "-o", out / "codings.xlsx", "--include-suggestions"),
            ("matrix", "--by", EVIL_ATTRIBUTE, "-o", out / "matrix.csv"),
            ("matrix", "--by", EVIL_ATTRIBUTE, "-o", out / "matrix.xlsx"),
            ("agreement", "--coders", f"{EVIL_CODER},minh", "-o", out / "agreement.csv"),
            ("agreement", "--coders", f"{EVIL_CODER},minh", "-o", out / "agreement.xlsx")]
    for args in runs:
        result = cli(*args, "-p", root)
        assert result.exit_code == 0, (args, result.stderr)
    csvs = sorted(out.glob("*.csv"))
    assert len(csvs) >= 4  # agreement writes its disagreements beside it
    for path in csvs:
        for cell in _csv_cells(path):
            assert not cell.startswith(FORMULAS) or cell.lstrip("-").replace(".", "").isdigit(), (path, cell)
    seen = set()
    for path in sorted(out.glob("*.xlsx")):
        for cell in _xlsx_cells(path):
            assert cell.data_type != "f", (path, cell.coordinate, cell.value)
            seen.add(cell.value)
    assert EVIL_ATTRIBUTE in seen and EVIL_CODER in seen


def test_control_characters_reach_no_xml(tmp_path: Path, cli) -> None:
    """A form feed in a coded turn gives a Word appendix, an adjudication sheet and an XLSX export, the form
    feed as a space."""
    root = _project(tmp_path / "p", cli)
    for args in (("appendix", "-o", tmp_path / "a.docx"), ("codings", "export", "-o", tmp_path / "c.xlsx"),
                 ("agreement", "--coders", f"{EVIL_CODER},minh", "-o", tmp_path / "adjudication.docx")):
        result = cli(*args, "-p", root)
        assert result.exit_code == 0, result.stderr
    values = [c.value for c in _xlsx_cells(tmp_path / "c.xlsx") if isinstance(c.value, str)]
    assert any("The road is long  and the forms" in v for v in values)
    assert not any("\x0c" in v for v in values)

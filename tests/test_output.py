"""Table files by suffix: CSV formula guard, identical XLSX content across runs, escaped HTML."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import openpyxl
import pytest

from qualcode.errors import UsageError
from qualcode.report.tables import write_table

ROWS = [{"id": "IDI-01", "text": "=HYPERLINK(\"x\")", "n": 3}, {"id": "FGD-01", "text": "<script>&{{ }}", "n": 0}]


def test_csv_prefixes_formula_cells(tmp_path: Path) -> None:
    """A CSV cell starting with = + - @ tab or CR gets a leading apostrophe."""
    path = tmp_path / "t.csv"
    write_table(path, ["id", "text", "n"], ROWS)
    assert path.read_text(encoding="utf-8").splitlines()[1] == "IDI-01,\"'=HYPERLINK(\"\"x\"\")\",3"


def test_xlsx_keeps_text_and_has_identical_content(tmp_path: Path) -> None:
    """XLSX writes formula-like text as text, and two writes are byte-identical."""
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_table(a, ["id", "text", "n"], ROWS)
    write_table(b, ["id", "text", "n"], ROWS)
    sheet = openpyxl.load_workbook(a).active
    assert sheet["B2"].value == "=HYPERLINK(\"x\")" and sheet["B2"].data_type == "s"
    assert sheet["C2"].value == 3
    za, zb = zipfile.ZipFile(a), zipfile.ZipFile(b)
    assert {n: za.read(n) for n in za.namelist()} == {n: zb.read(n) for n in zb.namelist()}
    assert a.read_bytes() == b.read_bytes()  # zip entry dates are fixed too


def test_html_md_json_show_markup_as_text(tmp_path: Path) -> None:
    """Markup in cells is escaped in HTML, kept literal in Markdown and JSON."""
    for suffix in (".html", ".md", ".json"):
        write_table(tmp_path / f"t{suffix}", ["id", "text", "n"], ROWS)
    assert "&lt;script&gt;&amp;{{ }}" in (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "| FGD-01 | <script>&{{ }} | 0 |" in (tmp_path / "t.md").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))[1]["text"] == "<script>&{{ }}"


def test_unknown_suffix_is_a_usage_error(tmp_path: Path) -> None:
    """An output suffix qualcode cannot write lists the ones it can."""
    with pytest.raises(UsageError, match="use .csv, .json, .md, .html, .xlsx"):
        write_table(tmp_path / "t.pdf", ["id"], [])

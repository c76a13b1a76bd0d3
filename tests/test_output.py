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
    """Markup in cells is escaped in HTML and Markdown (no raw HTML reaches a renderer), kept literal in JSON."""
    for suffix in (".html", ".md", ".json"):
        write_table(tmp_path / f"t{suffix}", ["id", "text", "n"], ROWS)
    assert "&lt;script&gt;&amp;{{ }}" in (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "| FGD-01 | &lt;script&gt;&amp;{{ }} | 0 |" in (tmp_path / "t.md").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))[1]["text"] == "<script>&{{ }}"


def test_unknown_suffix_is_a_usage_error(tmp_path: Path) -> None:
    """An output suffix qualcode cannot write lists the ones it can."""
    with pytest.raises(UsageError, match="use .csv, .json, .md, .html, .xlsx"):
        write_table(tmp_path / "t.pdf", ["id"], [])


def test_formula_looking_headers_are_text(tmp_path: Path) -> None:
    """A header such as an attribute named `=cmd|...` is guarded in CSV and written as text in XLSX."""
    columns = ["id", "=cmd|' /C calc'!A0", "@SUM(1)"]
    write_table(tmp_path / "h.csv", columns, [{"id": 1}])
    assert (tmp_path / "h.csv").read_text(encoding="utf-8").splitlines()[0] == "id,'=cmd|' /C calc'!A0,'@SUM(1)"
    write_table(tmp_path / "h.xlsx", columns, [{"id": 1}])
    sheet = openpyxl.load_workbook(tmp_path / "h.xlsx").active
    assert [c.value for c in sheet[1]] == columns and all(c.data_type == "s" for c in sheet[1])


def test_xlsx_is_laid_out_for_reading(tmp_path: Path) -> None:
    """Bold header frozen above an autofilter, widths fitted within 8-60 characters, long text wrapped, numbers
    numeric, a `decision` column with an accept/reject dropdown, control characters dropped, inf as text."""
    long = "word " * 40
    rows = [{"id": 7, "text": long.strip(), "share": 0.25, "note": "form\x0cfeed", "decision": ""},
            {"id": 8, "text": "short", "share": float("inf"), "note": "#N/A", "decision": "accept"}]
    path = tmp_path / "r.xlsx"
    write_table(path, ["id", "text", "share", "note", "decision"], rows, title="codings")
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == "codings" and sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:E3"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["A"].width == 8 and sheet.column_dimensions["B"].width == 60
    assert sheet["B2"].alignment.wrap_text and sheet.row_dimensions[2].height > 15
    assert sheet["A2"].value == 7 and sheet["C2"].value == 0.25 and sheet["C3"].value == "inf"
    assert sheet["D2"].value == "form feed" and sheet["D3"].value == "#N/A" and sheet["D3"].data_type == "s"
    dropdown = sheet.data_validations.dataValidation[0]
    assert dropdown.formula1 == '"accept,reject"' and str(dropdown.sqref) == "E2:E3"
    with zipfile.ZipFile(path) as package:  # no false author or date, no "Microsoft Excel"
        core, app = package.read("docProps/core.xml"), package.read("docProps/app.xml")
    assert b"openpyxl" not in core and b"created" not in core and b"modified" not in core
    assert b"<Application>qualcode</Application>" in app and b"Microsoft" not in app


def test_table_heading_and_number_formats(tmp_path: Path) -> None:
    """Heading lines go above the table: `# ` lines without commas in CSV, bold rows above a frozen header and
    its autofilter in XLSX; number_formats shows those columns' numbers as asked and leaves text and other
    columns alone; Markdown ignores the heading (its notes say it)."""
    rows = [{"code": "a", "pct": 12.5, "n": 3}, {"code": "b", "pct": "<5", "n": 4}]
    heading = ["DRAFT: not yet checked, by anyone", "Percent of participants"]
    write_table(tmp_path / "t.csv", ["code", "pct", "n"], rows, heading=heading)
    assert (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines()[:3] == [
        "# DRAFT: not yet checked — by anyone", "# Percent of participants", "code,pct,n"]
    write_table(tmp_path / "t.xlsx", ["code", "pct", "n"], rows, heading=heading, number_formats={"pct": "0.0"})
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert sheet["A1"].value == heading[0] and sheet["A2"].font.b and sheet["A3"].value == "code"
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref == "A3:C5" and sheet.print_title_rows == "$3:$3"
    assert (sheet["B4"].value, sheet["B4"].number_format) == (12.5, "0.0") and sheet["B5"].value == "<5"
    assert sheet["C4"].number_format == "General"
    write_table(tmp_path / "t.md", ["code", "pct", "n"], rows, heading=heading)
    assert (tmp_path / "t.md").read_text(encoding="utf-8").startswith("| code |")

"""Spreadsheet review and adjudication: export → decide in the sheet → import, on a real store and real files.
A row decides only the coding it shows (issue 24): shifted ids, sorted columns, typed-over codes, duplicates,
formulas and notes sheets are refused with their line, and nothing is applied unless --partial."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import db
from helpers import make_project

import qualcode
from qualcode.errors import InputFileError

CODEBOOK = """\
codebook: Review test
version: "1"
codes:
  - id: language
    label: Language barriers
    definition: Language.
    rules:
      - keywords: [interpreter, "speak Kinh"]
    children:
      - id: language.literacy
        label: Literacy
        definition: Reading.
        rules:
          - keywords: [read]
  - id: workload
    label: Workload
    definition: Work.
    rules:
      - keywords: [housework]
"""

IDI = """---
participant: P01
---
Interviewer: Is there an interpreter?
Respondent: No interpreter. The nurse speaks Kinh only. I cannot read.
Interviewer: And at home?
Respondent: Housework all day.
"""


@pytest.fixture
def coded(tmp_path: Path, cli) -> Path:
    """A project with one interview, ingested and auto-coded (four suggestions); its coder is `lan`."""
    make_project(tmp_path, {"IDI-01.txt": IDI}, CODEBOOK, config='coder = "lan"\n')
    assert cli("code", "--project", tmp_path).exit_code == 0
    return tmp_path


def rows(project: Path) -> list[tuple]:
    return db(project).execute("SELECT code, coder, status, text FROM codings ORDER BY start, coder, code").fetchall()


def decide_in_sheet(path: Path, decisions: dict[str, str], extra: list[list] = ()) -> None:
    """Fill the decision column of an exported XLSX by each row's text, as a reviewer would in Excel."""
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    text_col, decision_col = header.index("text") + 1, header.index("decision") + 1
    for r in range(2, sheet.max_row + 1):
        text = sheet.cell(r, text_col).value
        if text in decisions:
            sheet.cell(r, decision_col).value = decisions[text]
    for values in extra:
        sheet.append([values[0], *[None] * (decision_col - 2), values[1]])
    book.save(path)


def test_review_sheet_round_trip(coded: Path, cli) -> None:
    """accept, reject and recode:CODE from an edited XLSX: bad rows are reported and stop the import (nothing
    applied); with --partial the good rows are applied, blanks left alone, and a re-run of `qualcode code` brings
    neither the rejected nor the recoded suggestion back."""
    sheet = coded / "review.xlsx"
    result = cli("codings", "export", "--status", "suggested", "-o", sheet, "--project", coded)
    assert result.exit_code == 0
    header = [c.value for c in openpyxl.load_workbook(sheet).active[1]]
    assert header[:13] == ["id", "document", "turn", "speaker", "participant", "code", "coder", "status", "start",
                           "end", "question", "text", "rule"] and header[-3:] == ["check", "new_code", "decision"]
    decide_in_sheet(sheet, {"No interpreter.": "accept", "The nurse speaks Kinh only.": "Recode: Workload",
                            "I cannot read.": "reject"}, extra=[[999, "accept"], [4, "recode:weather"], [4, "maybe"]])
    before = rows(coded)
    result = cli("codings", "import", sheet, "--review", "--coder", "minh", "--project", coded)
    assert result.exit_code == 1
    assert ("nothing applied: 3 rows refused; fix them or use --partial (3 other decisions ready: 1 accepted, "
            "1 rejected, 1 recoded; 0 already applied, 1 row without a decision)") in result.stdout
    assert "review.xlsx:6: unknown coding id '999'" in result.stderr
    assert "review.xlsx:7: unknown code 'weather'" in result.stderr
    assert "review.xlsx:8: unknown decision 'maybe'" in result.stderr
    assert rows(coded) == before
    result = cli("codings", "import", sheet, "--review", "--coder", "minh", "--partial", "--project", coded)
    assert result.exit_code == 1
    assert "applied 3 decisions (1 accepted, 1 rejected, 1 recoded); 0 already applied, 1 row without a " \
           "decision; 3 rows refused (not applied)" in result.stdout
    expected = [("language", "auto", "accepted", "No interpreter."),
                ("language", "auto", "rejected", "The nurse speaks Kinh only."),
                ("workload", "minh", "accepted", "The nurse speaks Kinh only."),
                ("language.literacy", "auto", "rejected", "I cannot read."),
                ("workload", "auto", "suggested", "Housework all day.")]
    assert rows(coded) == expected
    assert cli("code", "--project", coded).exit_code == 0
    assert rows(coded) == expected  # nothing rejected or recoded comes back; the blank row is still suggested
    again = cli("codings", "import", sheet, "--review", "--coder", "minh", "--partial", "--project", coded)
    assert "applied 0 decisions" in again.stdout and "3 already applied" in again.stdout
    assert rows(coded) == expected


def test_review_csv_with_the_configured_reviewer(coded: Path, cli) -> None:
    """A CSV sheet works too; the recoding reviewer defaults to qualcode.toml's coder."""
    sheet = coded / "review.csv"
    cli("codings", "export", "--status", "suggested", "-o", sheet, "--project", coded)
    with open(sheet, encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert all(row["decision"] == "" for row in table)
    table[3]["decision"] = "recode:language"
    with open(sheet, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    result = cli("codings", "import", sheet, "--review", "--project", coded)
    assert result.exit_code == 0, result.output
    assert ("language", "lan", "accepted", "Housework all day.") in rows(coded)


def test_review_refuses_rows_that_do_not_match_their_coding(coded: Path, cli) -> None:
    """In an older sheet (no check column), a row whose id names another coding than its document and span
    fails, the sheet says it is checked only by the columns it has, and a sheet without id is refused."""
    sheet = coded / "review.csv"
    sheet.write_text("id,document,start,end,decision\n1,IDI-01,0,5,accept\n2,IDI-99,,,reject\n", encoding="utf-8")
    result = cli("codings", "import", sheet, "--review", "--project", coded)
    assert result.exit_code == 1
    assert "review.csv:2: coding 1 is not the one in this row (start, end differ)" in result.stderr
    assert "review.csv:3: coding 2 is not the one in this row (document differs)" in result.stderr
    assert "no check column (an older export): rows are matched by id and checked only by the columns present " \
           "(document, start, end)" in result.stderr
    assert all(r[2] == "suggested" for r in rows(coded))
    (coded / "plain.csv").write_text("document,code,text\nIDI-01,workload,Housework\n", encoding="utf-8")
    result = cli("codings", "import", coded / "plain.csv", "--review", "--project", coded)
    assert result.exit_code == 1 and "needs the `id` and `decision` columns" in result.stderr


def test_adjudicated_sheet_becomes_the_final_coding(coded: Path, cli) -> None:
    """Importing a decided adjudication sheet as coder `final` keeps the accepted and blank rows once each,
    drops rejected ones, applies recodes — and `matrix --coder final` counts exactly those codings."""
    (coded / "lan.csv").write_text("document,code,text\nIDI-01,language,No interpreter.\n"
                                   "IDI-01,workload,Housework all day.\nIDI-01,Literacy,I cannot read.\n",
                                   encoding="utf-8")
    (coded / "minh.csv").write_text("document,code,text\nIDI-01,workload,Housework all day.\n"
                                    "IDI-01,language,The nurse speaks Kinh only.\n", encoding="utf-8")
    # lan and minh coded sentences the rules also suggested: they say a person did with --as-human
    assert cli("codings", "import", coded / "lan.csv", "--as-human", "--project", coded).exit_code == 0
    assert cli("codings", "import", coded / "minh.csv", "--coder", "minh", "--as-human",
               "--project", coded).exit_code == 0
    sheet = coded / "adjudication.xlsx"
    cli("codings", "export", "--coder", "lan,minh", "-o", sheet, "--project", coded)
    decide_in_sheet(sheet, {"No interpreter.": "reject", "The nurse speaks Kinh only.": "recode:workload"})
    refused = cli("codings", "import", sheet, "--coder", "final", "--project", coded)
    assert refused.exit_code == 2 and "--review" in refused.stderr and "--adjudicated" in refused.stderr
    result = cli("codings", "import", sheet, "--coder", "final", "--adjudicated", "--project", coded)
    assert result.exit_code == 0, result.output
    assert ("imported 3 codings as final; 0 rows not imported, 1 already present, 1 rejected by their decision, "
            "1 recoded by their decision") in result.stdout
    final = [r for r in rows(coded) if r[1] == "final"]
    assert final == [("workload", "final", "accepted", "The nurse speaks Kinh only."),
                     ("language.literacy", "final", "accepted", "I cannot read."),
                     ("workload", "final", "accepted", "Housework all day.")]
    out = coded / "matrix.csv"
    result = cli("matrix", "--coder", "final", "--by", "document", "--count", "segments", "-o", out,
                 "--project", coded)
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8", newline="") as handle:
        totals = {row["code"]: int(row["Total"]) for row in csv.DictReader(handle)}
    assert totals == {"language": 1, "language.literacy": 1, "workload": 2}


def test_review_sheet_without_review_changes_nothing(coded: Path, cli) -> None:
    """A decided review sheet imported without --review stops (exit 2) naming --review, and stores nothing."""
    sheet = coded / "review.xlsx"
    cli("codings", "export", "--status", "suggested", "-o", sheet, "--project", coded)
    decide_in_sheet(sheet, {"No interpreter.": "accept", "I cannot read.": "reject"})
    before = rows(coded)
    result = cli("codings", "import", sheet, "--coder", "lan", "--project", coded)
    assert result.exit_code == 2
    assert "review.xlsx has 2 decisions in its `decision` column" in result.stderr and "--review" in result.stderr
    assert "Traceback" not in result.stderr and rows(coded) == before
    both = cli("codings", "import", sheet, "--review", "--adjudicated", "--project", coded)
    assert both.exit_code == 2 and "use one or the other" in both.stderr and rows(coded) == before


def test_auto_copies_need_as_human(coded: Path, cli) -> None:
    """Rows copying auto suggestions — an undecided export of them, or a bare sheet with the span and code of
    one — are refused under a person's name without --as-human (exit 2, nothing stored), taken with it."""
    sheet = coded / "auto.csv"
    cli("codings", "export", "--coder", "auto", "--include-suggestions", "-o", sheet, "--project", coded)
    before = rows(coded)
    result = cli("codings", "import", sheet, "--coder", "lan", "--project", coded)
    assert result.exit_code == 2 and "4 rows (line 2, 3, 4, 5) copy auto suggestions" in result.stderr
    assert "--as-human" in result.stderr and rows(coded) == before
    bare = coded / "bare.csv"
    bare.write_text("document,code,text\nIDI-01,workload,Housework all day.\nIDI-01,workload,And at home?\n",
                    encoding="utf-8")
    result = cli("codings", "import", bare, "--coder", "lan", "--project", coded)
    assert result.exit_code == 2 and "1 row (line 2) copy auto suggestions" in result.stderr
    assert rows(coded) == before
    result = cli("codings", "import", bare, "--coder", "lan", "--as-human", "--project", coded)
    assert result.exit_code == 0 and "imported 2 codings as lan" in result.stdout
    assert ("workload", "lan", "accepted", "Housework all day.") in rows(coded)


# -- a row decides only the coding it shows (issue 24) -------------------------------------------------------

HEALTH_FIRST = CODEBOOK.replace("codes:\n", "codes:\n  - id: health\n    label: Health care\n    definition: Health."
                                            "\n    rules:\n      - keywords: [nurse]\n", 1)


def export(project: Path, cli, name: str = "review.csv") -> Path:
    """Export the project's suggestions as a review sheet."""
    sheet = project / name
    assert cli("codings", "export", "--status", "suggested", "-o", sheet, "--project", project).exit_code == 0
    return sheet


def read_table(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_table(path: Path, table: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns or list(table[0]), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(table)
    return path


def statuses(project: Path) -> list[tuple]:
    return db(project).execute("SELECT id, code, coder, status FROM codings ORDER BY id").fetchall()


@pytest.fixture
def shifted(tmp_path: Path, cli) -> Path:
    """A colleague's copy of the `coded` project whose codebook has one more code, matching once early: every
    later coding id is one higher (2 is `health`, 3 the `language` suggestion that is 2 in the original)."""
    root = tmp_path / "copy"
    make_project(root, {"IDI-01.txt": IDI}, HEALTH_FIRST, config='coder = "lan"\n')
    assert cli("code", "--project", root).exit_code == 0
    assert [c for _, c, _, _ in statuses(root)] == ["language", "health", "language", "language.literacy",
                                                    "workload"]
    return root


def test_export_writes_a_check_of_what_each_row_shows(coded: Path, cli) -> None:
    """Every exported row carries a check of ten consonants (no digits, so no spreadsheet takes it for a
    number) that differs between rows and is the same in CSV and XLSX and in a second export."""
    table = read_table(export(coded, cli))
    checks = [row["check"] for row in table]
    assert all(re.fullmatch("[bcdfghjklmnpqrstvwxz]{10}", c) for c in checks) and len(set(checks)) == 4
    assert all(row["new_code"] == "" and row["decision"] == "" for row in table)
    assert [row["check"] for row in read_table(export(coded, cli, "again.csv"))] == checks
    book = openpyxl.load_workbook(export(coded, cli, "review.xlsx")).active
    header = [c.value for c in book[1]]
    assert [r[header.index("check")] for r in book.iter_rows(min_row=2, values_only=True)] == checks


def test_a_sheet_from_a_copy_with_shifted_ids_changes_nothing(coded: Path, shifted: Path, cli) -> None:
    """A sheet exported from one project and imported into a copy whose ids are shifted by one: every shifted
    row is refused naming the coding it shows, and nothing is applied (exit 1); with --partial only the row
    whose id still names its coding is applied."""
    table = read_table(export(coded, cli))
    for row, decision in zip(table, ("accept", "reject", "recode:workload", "accept")):
        row["decision"] = decision
    sheet = write_table(coded / "decided.csv", table)
    before = statuses(shifted)
    result = cli("codings", "import", sheet, "--review", "--coder", "minh", "--project", shifted)
    assert result.exit_code == 1
    assert "nothing applied: 3 rows refused; fix them or use --partial" in result.stdout
    assert ("decided.csv:3: this row shows coding 3 (IDI-01, language, 66–93), but its id says 2: the sheet "
            "comes from another copy of the project") in result.stderr
    assert "decided.csv:4: this row shows coding 4 (" in result.stderr
    assert "decided.csv:5: this row shows coding 5 (" in result.stderr
    assert statuses(shifted) == before
    result = cli("codings", "import", sheet, "--review", "--coder", "minh", "--partial", "--project", shifted)
    assert result.exit_code == 1 and "applied 1 decision (1 accepted" in result.stdout
    assert statuses(shifted) == [(1, "language", "auto", "accepted"), *before[1:]]


def test_id_column_sorted_alone_with_start_and_end_deleted(coded: Path, cli) -> None:
    """The id column sorted on its own (descending) and start and end deleted: the check catches every moved
    row (30 wrong decisions went in before, exit 0); nothing is applied."""
    table = read_table(export(coded, cli))
    ids = sorted((row["id"] for row in table), key=int, reverse=True)
    for row, new_id in zip(table, ids):
        row["id"], row["decision"] = new_id, "reject"
    columns = [c for c in table[0] if c not in ("start", "end")]
    sheet = write_table(coded / "sorted.csv", table, columns)
    before = statuses(coded)
    result = cli("codings", "import", sheet, "--review", "--project", coded)
    assert result.exit_code == 1 and "nothing applied: 4 rows refused" in result.stdout
    assert "sorted.csv:2: this row shows coding 1 (IDI-01, language, 50–65), but its id says 4" in result.stderr
    assert statuses(coded) == before


def test_a_sorted_text_column_or_an_edited_check_is_refused(coded: Path, cli) -> None:
    """The text column sorted on its own (the reviewer saw another row's text) and a check typed over are both
    refused, though the id and check (or id and cells) still agree."""
    table = read_table(export(coded, cli))
    texts = sorted(row["text"] for row in table)
    for row, text in zip(table, texts):
        row["text"], row["decision"] = text, "accept"
    table[0]["check"] = "bbbbbbbbbb"
    result = cli("codings", "import", write_table(coded / "texts.csv", table), "--review", "--project", coded)
    assert result.exit_code == 1
    assert "texts.csv:2: the check 'bbbbbbbbbb' does not fit coding 1, which the rest of the row shows" \
        in result.stderr or "texts.csv:2: coding 1 is not the one in this row (check, text differ)" in result.stderr
    assert "(text differs)" in result.stderr
    assert all(status == "suggested" for *_, status in statuses(coded))


def test_a_code_typed_over_is_refused_and_recoding_asked_properly_works(coded: Path, cli) -> None:
    """`accept` beside a code cell typed over (and a typed-over code with no decision) is refused with the way
    to recode; recode:CODE beside the same code in the code cell, and a new_code column, recode."""
    table = read_table(export(coded, cli))
    table[0].update(code="workload", decision="accept")
    table[3].update(code="language")
    sheet = write_table(coded / "typed.csv", table)
    result = cli("codings", "import", sheet, "--review", "--coder", "minh", "--project", coded)
    assert result.exit_code == 1
    assert ("typed.csv:2: the code cell says 'workload' but coding 1 is coded 'language': to recode, write "
            "recode:workload in `decision` or fill `new_code`") in result.stderr
    assert "typed.csv:5: the code cell says 'language' but coding 4 is coded 'workload', and the decision is " \
           "blank" in result.stderr
    table[0].update(decision="recode:Workload")
    table[3].update(code="workload")
    table[2].update(new_code="Workload")
    result = cli("codings", "import", write_table(sheet, table), "--review", "--coder", "minh", "--project", coded)
    assert result.exit_code == 0, result.output
    assert "applied 2 decisions (0 accepted, 0 rejected, 2 recoded)" in result.stdout
    assert ("workload", "minh", "accepted", "No interpreter.") in rows(coded)
    assert ("workload", "minh", "accepted", "I cannot read.") in rows(coded)


def test_new_code_beside_another_decision_is_refused(coded: Path, cli) -> None:
    """new_code beside accept or reject, or beside recode:CODE naming another code, is refused with its line;
    beside recode naming the same code by label it is one recode."""
    table = read_table(export(coded, cli))
    table[0].update(new_code="workload", decision="accept")
    table[1].update(new_code="workload", decision="recode:language")
    table[2].update(new_code="Workload", decision="recode:workload")
    result = cli("codings", "import", write_table(coded / "new.csv", table), "--review", "--coder", "minh",
                 "--partial", "--project", coded)
    assert result.exit_code == 1
    assert "new.csv:2: new_code 'workload' asks for a recode but the decision says accept" in result.stderr
    assert "new.csv:3: the decision says recode:language but new_code says 'workload'" in result.stderr
    assert "applied 1 decision (0 accepted, 0 rejected, 1 recoded)" in result.stdout


def test_one_coding_decided_twice(coded: Path, cli) -> None:
    """Two different decisions for one coding are refused naming both lines, and neither is applied (with
    --partial the rest is); the same decision twice is applied once, with a note."""
    table = read_table(export(coded, cli))
    table[0]["decision"], table[1]["decision"] = "accept", "reject"
    table += [dict(table[0], decision="reject"), dict(table[1])]
    sheet = write_table(coded / "twice.csv", table)
    result = cli("codings", "import", sheet, "--review", "--project", coded)
    assert result.exit_code == 1
    assert ("twice.csv:6: coding 1 is decided twice: line 2 says accept, this line says reject; neither is "
            "applied") in result.stderr
    assert "note: " in result.stderr and "twice.csv:7: repeats line 3's decision for coding 2 (reject)" \
        in result.stderr
    assert "nothing applied: 2 rows refused" in result.stdout
    result = cli("codings", "import", sheet, "--review", "--partial", "--project", coded)
    assert "applied 1 decision (0 accepted, 1 rejected" in result.stdout
    assert [s for *_, s in statuses(coded)] == ["suggested", "rejected", "suggested", "suggested"]


def _with_formula_decisions(path: Path, cached: str | None) -> None:
    """Make every decision cell of an exported XLSX the formula =IF(1,"accept",""), with ``cached`` as its saved
    value (what Excel writes) or none (what openpyxl and scripts write)."""
    book = openpyxl.load_workbook(path)
    sheet = book["codings"]
    column = [c.value for c in sheet[1]].index("decision") + 1
    for r in range(2, sheet.max_row + 1):
        sheet.cell(r, column).value = '=IF(1,"accept","")'
    book.save(path)
    if cached is None:
        return
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = re.sub(r'<c r="([A-Z]+\d+)"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?',
                                               rf'<c r="\1"\2 t="str"><f>\3</f><v>{cached}</v>', xml).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_formula_decisions(coded: Path, cli) -> None:
    """Decision formulas without a saved value are refused naming the cell and worksheet (they counted as blank
    before); with the value Excel saves, that value is the decision."""
    sheet = export(coded, cli, "review.xlsx")
    _with_formula_decisions(sheet, None)
    result = cli("codings", "import", sheet, "--review", "--project", coded)
    assert result.exit_code == 1
    letter = openpyxl.utils.get_column_letter(
        [c.value for c in openpyxl.load_workbook(sheet)["codings"][1]].index("decision") + 1)
    assert (f"review.xlsx:2: cell {letter}2 of worksheet 'codings' holds a formula (=IF(1,\"accept\",\"\")) and "
            "the file keeps no value for it") in result.stderr
    assert "nothing applied: 4 rows refused" in result.stdout
    _with_formula_decisions(sheet, "accept")
    result = cli("codings", "import", sheet, "--review", "--project", coded)
    assert result.exit_code == 0, result.output
    assert "applied 4 decisions (4 accepted" in result.stdout


def test_the_review_sheet_need_not_be_the_active_one(coded: Path, cli) -> None:
    """A workbook saved with its `about` sheet (or a notes sheet) active is read from the sheet with the review
    columns, and says so; a workbook with no such sheet is refused naming its sheets — never `applied 0
    decisions`, exit 0."""
    sheet = export(coded, cli, "review.xlsx")
    decide_in_sheet(sheet, {"No interpreter.": "accept"})
    book = openpyxl.load_workbook(sheet)
    book.active = book.sheetnames.index("about")
    book.save(sheet)
    result = cli("codings", "import", sheet, "--review", "--project", coded)
    assert result.exit_code == 0, result.output
    assert "note: " in result.stderr and "read worksheet 'codings': the active one, 'about', has no id and " \
           "decision columns" in result.stderr
    assert "applied 1 decision (1 accepted" in result.stdout
    del book["codings"]
    book.create_sheet("notes").append(["my notes"])
    book.active = 1
    book.save(sheet)
    result = cli("codings", "import", sheet, "--review", "--project", coded)
    assert result.exit_code == 1 and "applied" not in result.stdout
    assert "review.xlsx: no worksheet has the id and decision columns (worksheets: 'rules', 'about' (active), " \
           "'notes')" in result.stderr
    (coded / "empty.csv").write_bytes(b"")
    result = cli("codings", "import", coded / "empty.csv", "--review", "--project", coded)
    assert result.exit_code == 1 and "empty.csv: empty sheet: no header row" in result.stderr


def test_values_in_another_unicode_normal_form_match(tmp_path: Path, cli) -> None:
    """A recode to a Vietnamese code label typed decomposed (NFD), in CSV and in an XLSX cell, and a reviewer
    name typed decomposed, match the composed codebook and store: the new coding is the reviewer's, composed."""
    book = CODEBOOK.replace("label: Workload", "label: Gánh nặng công việc")
    make_project(tmp_path, {"IDI-01.txt": IDI}, book, config='coder = "lan"\n')
    assert cli("code", "--project", tmp_path).exit_code == 0
    sheet = export(tmp_path, cli, "review.xlsx")
    decide_in_sheet(sheet, {"No interpreter.": "recode:" + unicodedata.normalize("NFD", "gánh nặng công việc")})
    reviewer = unicodedata.normalize("NFD", "Lành")
    result = cli("codings", "import", sheet, "--review", "--coder", reviewer, "--project", tmp_path)
    assert result.exit_code == 0, result.output
    assert ("workload", "Lành", "accepted", "No interpreter.") in rows(tmp_path)
    again = cli("codings", "import", sheet, "--review", "--coder", reviewer, "--project", tmp_path)
    assert "1 already applied" in again.stdout


def test_a_pseudonymised_sheet_is_matched(coded: Path, cli) -> None:
    """The check of a pseudonymised export fits its codings (it hashes the text as shown, so it gives no real
    name away), and a sheet exported before pseudonymisation was switched on still fits."""
    before = export(coded, cli, "before.csv")
    key = coded / "key.csv"
    key.write_text("term,replacement\nKinh,[Group]\n", encoding="utf-8")
    assert cli("pseudonymise", "--key", key, "--project", coded).exit_code == 0
    table = read_table(export(coded, cli))
    assert "The nurse speaks [Group] only." in [row["text"] for row in table]
    old = read_table(before)
    assert [row["check"] for row in table] != [row["check"] for row in old]
    table[1]["decision"], old[0]["decision"] = "reject", "accept"
    for name, sheet in (("now.csv", table), ("then.csv", old)):
        result = cli("codings", "import", write_table(coded / name, sheet), "--review", "--project", coded)
        assert result.exit_code == 0, result.output
    assert [s for *_, s in statuses(coded)] == ["accepted", "rejected", "suggested", "suggested"]


def test_a_refused_row_streams_before_the_rest_of_the_sheet_is_read(coded: Path) -> None:
    """The first bad row reaches on_problem before the rest of the file is read: here the file's end is broken
    CSV, which stops the import only after the row-2 problem was told."""
    sheet = coded / "broken.csv"
    sheet.write_text("id,decision\n1,maybe\n" + "2,\n" * 10_000 + '3,"accept\n', encoding="utf-8")
    told: list[str] = []
    project = qualcode.open_project(coded)
    with pytest.raises(InputFileError, match="never closes"):
        project.apply_review(sheet, on_problem=lambda p: told.append(str(p)) if p.severity == "error" else None)
    assert told == [f"{sheet}:2: unknown decision 'maybe'; use accept, reject or recode:CODE"]
    assert all(status == "suggested" for *_, status in statuses(coded))


def test_a_million_row_sheet_reports_its_first_error_at_once(coded: Path, tmp_path: Path) -> None:
    """A 1,000,000-row review CSV shows its first refused row within seconds (24 s before the sheet streamed)."""
    sheet = tmp_path / "million.csv"
    sheet.write_text("id,check,decision\n" + "1,bcdfghjklm,accept\n" * 1_000_000, encoding="utf-8")
    command = [sys.executable, "-m", "qualcode", "codings", "import", str(sheet), "--review", "-p", str(coded)]
    start = time.monotonic()
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        first = next(line for line in io.TextIOWrapper(process.stderr.buffer, encoding="utf-8")
                     if line.startswith("error"))
        elapsed = time.monotonic() - start
    finally:
        process.kill()
        process.wait()
    assert "million.csv:2: the check 'bcdfghjklm' does not fit coding 1" in first
    assert elapsed < 5, f"first error after {elapsed:.1f} s"


def test_a_bad_byte_past_the_first_megabyte_is_named_by_its_line(coded: Path, cli) -> None:
    """A sheet judged UTF-8 by its first megabyte but holding a bad byte further on is refused naming that
    byte's line (the stream reads ahead, the line is still exact), and nothing is applied."""
    sheet = coded / "late.csv"
    sheet.write_bytes(b"id,decision\n" + b"1,\n" * 600_000 + b"1,acc\xffept\n")
    result = cli("codings", "import", sheet, "--review", "--project", coded)
    assert result.exit_code == 1
    assert "late.csv:600002: not valid UTF-8 text on this line: save the sheet as UTF-8" in result.stderr
    assert all(status == "suggested" for *_, status in statuses(coded))


def test_a_recode_without_a_reviewer_is_refused_before_anything_is_applied(tmp_path: Path, cli) -> None:
    """With no --coder and no [project] coder, a recode row is refused with its line (not a crash halfway
    through applying), and the accept beside it waits too."""
    make_project(tmp_path, {"IDI-01.txt": IDI}, CODEBOOK)
    assert cli("code", "--project", tmp_path).exit_code == 0
    table = read_table(export(tmp_path, cli))
    table[0]["decision"], table[1]["decision"] = "accept", "recode:workload"
    result = cli("codings", "import", write_table(tmp_path / "r.csv", table), "--review", "--project", tmp_path)
    assert result.exit_code == 1
    assert "r.csv:3: a recode needs the reviewer's name (--coder, or [project] coder in qualcode.toml)" \
        in result.stderr
    assert "nothing applied: 1 row refused" in result.stdout
    assert all(status == "suggested" for *_, status in statuses(tmp_path))

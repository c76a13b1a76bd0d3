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

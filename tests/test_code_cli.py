"""`qualcode code` re-runs, `codings export`, `codings import` and `codings stale` on a real store."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from conftest import db
from helpers import make_project

CODEBOOK = """\
codebook: Barriers test
version: "2.0"
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
site: Site A
---
Interviewer: Is there an interpreter?
Respondent: No interpreter. The nurse speaks Kinh only. I cannot read.
Interviewer: And at home?
Respondent: Housework all day. =SUM(A1) is not a formula here.
"""


@pytest.fixture
def coded(tmp_path: Path, cli) -> Path:
    """A project with one interview, ingested and auto-coded."""
    make_project(tmp_path, {"IDI-01.txt": IDI}, CODEBOOK, "participant,gender,ethnicity,name\nP01,female,Hmong,Mai\n",
                 '\n[participants]\nidentifying = ["name"]\n')
    result = cli("code", "--project", tmp_path)
    assert result.exit_code == 0, result.output
    return tmp_path


def codings(project: Path) -> list[tuple]:
    return db(project).execute('SELECT code, coder, status, text, rule, codebook, codebook_version FROM codings '
                               "ORDER BY start, code, coder").fetchall()


def test_code_stores_suggestions_with_rule_and_codebook(coded: Path) -> None:
    """Codings are stored as auto suggestions with the matching rule, codebook name and version."""
    assert codings(coded) == [
        ("language", "auto", "suggested", "No interpreter.", 'codes[0].rules[0] keyword "interpreter"',
         "Barriers test", "2.0"),
        ("language", "auto", "suggested", "The nurse speaks Kinh only.", 'codes[0].rules[0] keyword "speak Kinh"',
         "Barriers test", "2.0"),
        ("language.literacy", "auto", "suggested", "I cannot read.", 'codes[0].children[0].rules[0] keyword "read"',
         "Barriers test", "2.0"),
        ("workload", "auto", "suggested", "Housework all day.", 'codes[1].rules[0] keyword "housework"',
         "Barriers test", "2.0"),
    ]
    content_hash = db(coded).execute("SELECT DISTINCT codebook_hash FROM codings").fetchall()
    assert len(content_hash) == 1 and len(content_hash[0][0]) == 64


def test_rerun_keeps_decisions_and_human_codings(coded: Path, cli) -> None:
    """A re-run replaces suggestions, keeps accepted ones, never re-suggests rejected spans or touches humans."""
    import sqlite3

    rw = sqlite3.connect(coded / ".qualcode" / "qualcode.db")
    rw.execute("UPDATE codings SET status = 'accepted' WHERE text = 'No interpreter.'")
    rw.execute("UPDATE codings SET status = 'rejected' WHERE code = 'workload'")
    rw.execute("INSERT INTO codings (document, start, \"end\", code, coder, status, text) "
               "VALUES ('IDI-01', 0, 5, 'workload', 'lan', 'accepted', 'x')")
    rw.commit()
    rw.close()
    (coded / "codebook.yaml").write_text(CODEBOOK.replace("[interpreter, ", "["), encoding="utf-8")
    literacy = db(coded).execute("SELECT id FROM codings WHERE code = 'language.literacy'").fetchall()
    result = cli("code", "--project", coded)
    # only `language` changed: its one suggestion is re-derived; the other codes are not re-matched at all
    assert "1 earlier suggestion replaced, 0 spans already reviewed" in result.stdout
    assert db(coded).execute("SELECT id FROM codings WHERE code = 'language.literacy'").fetchall() == literacy
    rows = codings(coded)
    assert ("language", "auto", "accepted", "No interpreter.") in [r[:4] for r in rows]  # kept, rule gone
    assert [r[:3] for r in rows if r[0] == "workload"] == [("workload", "lan", "accepted"),
                                                           ("workload", "auto", "rejected")]
    assert [r[:4] for r in rows if r[2] == "suggested"] == [
        ("language", "auto", "suggested", "The nurse speaks Kinh only."),
        ("language.literacy", "auto", "suggested", "I cannot read.")]


def test_changed_document_codings_are_rederived(coded: Path, cli) -> None:
    """After a transcript changes, the next `code` derives its suggestions from the new text."""
    path = coded / "transcripts" / "IDI-01.txt"
    path.write_text(IDI.replace("Housework all day.", "Housework, then the fields."), encoding="utf-8")
    assert cli("ingest", "--project", coded).exit_code == 0
    cli("code", "--project", coded)
    assert ("workload", "auto", "suggested", "Housework, then the fields.") in [r[:4] for r in codings(coded)]
    assert not [r for r in codings(coded) if r[3] == "Housework all day."]


def test_unit_override(coded: Path, cli) -> None:
    """`--unit turn` codes whole turns, `--unit match` the matched words."""
    cli("code", "--unit", "match", "--project", coded)
    assert sorted(r[3] for r in codings(coded)) == ["Housework", "interpreter", "read", "speaks Kinh"]
    cli("code", "--unit", "turn", "--project", coded)
    texts = {r[0]: r[3] for r in codings(coded)}
    assert texts["workload"] == "Housework all day. =SUM(A1) is not a formula here."


def test_export_csv_xlsx_jsonl(coded: Path, cli) -> None:
    """Exports have the spec's columns plus non-identifying attributes (and, in sheets, the interviewer's
    `question` before `text` and the `check`, empty `new_code` and empty `decision` columns last); formulas are
    guarded in CSV only."""
    out = coded / "c.csv"
    only_suggestions = cli("codings", "export", "-o", out, "--project", coded)
    assert only_suggestions.exit_code == 1 and not out.exists()
    assert "no reviewed codings yet, only 4 unreviewed suggestions" in only_suggestions.stderr
    assert "qualcode review" in only_suggestions.stderr and "--include-suggestions" in only_suggestions.stderr
    result = cli("codings", "export", "-o", out, "--include-suggestions", "--project", coded)
    assert result.exit_code == 0
    assert "4 codings, 4 unreviewed suggestions included" in result.stderr
    assert "warning: unreviewed machine suggestions are included" in result.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ("id,document,turn,speaker,participant,code,coder,status,start,end,question,text,rule,rule_name,"
                        "how_decided,memo,"
                        "gender,ethnicity,check,new_code,decision")
    assert lines[1].startswith("1,IDI-01,2,Respondent,P01,language,auto,suggested,")
    cli("codings", "export", "-o", coded / "c.xlsx", "--attributes", "name", "--include-suggestions", "--project",
        coded)
    sheet = openpyxl.load_workbook(coded / "c.xlsx").active
    about = [r[0].value for r in openpyxl.load_workbook(coded / "c.xlsx")["about"].iter_rows()]
    assert about[0].startswith("DRAFT: includes unreviewed machine suggestions")
    assert [c.value for c in sheet[1]][-4:] == ["name", "check", "new_code", "decision"]
    assert sheet.cell(2, 17).value == "Mai" and len(sheet.cell(2, 18).value) == 10
    assert sheet.cell(2, 11).value == "Is there an interpreter?" and sheet.cell(2, 20).value in (None, "")
    cli("codings", "export", "-o", coded / "c.jsonl", "--status", "suggested", "--project", coded)
    rows = [json.loads(line) for line in (coded / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["turn"] for r in rows] == [2, 2, 2, 4] and rows[0]["gender"] == "female"
    assert "decision" not in rows[0] and "check" not in rows[0]  # only the sheets a person edits get them


def test_export_unknown_attribute_and_status(coded: Path, cli) -> None:
    """An unknown attribute lists the available ones; an unknown status is a usage error."""
    result = cli("codings", "export", "--attributes", "village", "--project", coded)
    assert result.exit_code == 2 and "available: gender, ethnicity, name" in result.stderr
    assert cli("codings", "export", "--status", "done", "--project", coded).exit_code == 2


def test_import_by_text_and_offsets(coded: Path, cli) -> None:
    """Imported rows are located by text or offsets, codes by id, label or path; bad rows are reported."""
    text = db(coded).execute("SELECT text FROM documents").fetchone()[0]
    start = text.index("The nurse")
    sheet = coded / "lan.csv"
    sheet.write_text(
        "document,code,text,start,end\n"
        "IDI-01,Language barriers > Literacy,I cannot   read.,,\n"
        f"IDI-01,workload,,{start},{start + 9}\n"
        "IDI-01,Language barriers,'=SUM(A1) is not a formula here.,,\n"
        "IDI-01,language,nowhere in the text,,\n"
        "IDI-02,language,No interpreter.,,\n"
        "IDI-01,no such code,No interpreter.,,\n", encoding="utf-8")
    refused = cli("codings", "import", sheet, "--coder", "lan", "--project", coded)
    assert refused.exit_code == 2 and "1 row (line 2) copy auto suggestions" in refused.stderr  # the rules' span
    result = cli("codings", "import", sheet, "--coder", "lan", "--as-human", "--project", coded)
    assert result.exit_code == 1
    assert "imported 3 codings as lan; 3 rows not imported" in result.stdout
    assert "lan.csv:5: not found in the document" in result.stderr
    assert "lan.csv:6: unknown document 'IDI-02'" in result.stderr
    assert "lan.csv:7: unknown code 'no such code'" in result.stderr
    human = [r[:4] for r in codings(coded) if r[1] == "lan"]
    assert human == [("workload", "lan", "accepted", "The nurse"),
                     ("language.literacy", "lan", "accepted", "I cannot read."),
                     ("language", "lan", "accepted", "=SUM(A1) is not a formula here.")]


def test_import_ambiguous_text(coded: Path, cli) -> None:
    """Text found in several places is reported as ambiguous, not guessed."""
    sheet = coded / "amb.csv"
    sheet.write_text("document,code,text\nIDI-01,language,interpreter\n", encoding="utf-8")
    result = cli("codings", "import", sheet, "--coder", "lan", "--project", coded)
    assert result.exit_code == 1 and "ambiguous: found in 2 places" in result.stderr


def test_stale_codings_are_listed(coded: Path, cli) -> None:
    """A human coding whose text vanished from an edited transcript is listed by `codings stale`."""
    sheet = coded / "lan.csv"
    sheet.write_text("document,code,text\nIDI-01,workload,Housework all day.\n", encoding="utf-8")
    cli("codings", "import", sheet, "--coder", "lan", "--as-human", "--project", coded)
    path = coded / "transcripts" / "IDI-01.txt"
    path.write_text(IDI.replace("Housework all day.", "We rest on Sunday."), encoding="utf-8")
    cli("ingest", "--project", coded)
    result = cli("codings", "stale", "--project", coded)
    assert "Housework all day." in result.stdout and "lan" in result.stdout

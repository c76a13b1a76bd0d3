"""Quotes as a report writer needs them: codings over several turns quoted whole, interviewer lines as
context, unidentified speakers never named, cut marks always shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_project

from qualcode.project.store import open_store

CODEBOOK = """\
codebook: Quote test
version: "1"
codes:
  - id: language
    label: Language barriers
    definition: Language.
"""

IDI = """---
type: IDI
participant: P01
---
I: How do you get news from the commune?
R: The loudspeaker speaks Vietnamese. I understand a little.
I: And your neighbours?
R: They understand nothing at all, so they wait for my son. He explains it in the evening.
I: Thank you.
"""

FGD = """---
type: FGD
---
Facilitator: What stops you?
Lan: The forms are only in Vietnamese and nobody helps us.
Thuy: My grandchildren read the letters from the district for me.
Facilitator: Anything else?
Thuy: No.
"""

PARTICIPANTS = """participant,document,speaker,gender,ethnicity
P01,,,female,Hmong
P02,FGD-01,Lan,female,Dao
"""


def _code_span(project, doc: str, first: str, last: str) -> None:
    """Store an accepted coding of `language` from the start of ``first`` to the end of ``last``."""
    store = open_store(project.store_path)
    with store.transaction():
        text = store.document(doc).text
        start, end = text.index(first), text.index(last) + len(last)
        store.add_coding(doc, start, end, "language", "lan", "accepted", text[start:end])
    store.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """An interview with one coding over three turns (answer, question, answer) and a focus group whose
    second speaker has no participants.csv row."""
    project = make_project(tmp_path_factory.mktemp("quotes"), {"IDI-01.txt": IDI, "FGD-01.txt": FGD}, CODEBOOK,
                           PARTICIPANTS)
    _code_span(project, "IDI-01", "I understand a little.", "so they wait for my son.")
    _code_span(project, "FGD-01", "The forms", "district for me.")
    return project


def test_a_coding_over_several_turns_is_quoted_whole(project) -> None:
    """Each respondent turn inside the span with its own attribution, the interviewer's line between them as
    context; whole sentences taken from longer turns carry no `…`."""
    idi = next(q for q in project.quotes("language", k_anonymity=1) if q.document == "IDI-01")
    assert [(kind, text) for kind, text in idi.lines()] == [
        ("quote", "“I understand a little.”"),
        ("attribution", "— P01, female, Hmong (IDI-01, turn 2)"),
        ("context", "Interviewer: And your neighbours?"),
        ("quote", "“They understand nothing at all, so they wait for my son.”"),
        ("attribution", "— P01, female, Hmong (IDI-01, turn 4)"),
    ]


def test_an_unmapped_speaker_is_never_named(project, tmp_path: Path, cli) -> None:
    """A speaker without a participants.csv row is `unidentified speaker` with the document and turn; the
    transcript's label (often a real name) appears nowhere in the appendix."""
    fgd = next(q for q in project.quotes("language", k_anonymity=1) if q.document == "FGD-01")
    assert [text for kind, text in fgd.lines() if kind == "attribution"] == [
        "— P02, female, Dao (FGD-01, turn 2)", "— unidentified speaker (FGD-01, turn 3)"]
    for suffix in (".md", ".html", ".docx"):
        out = tmp_path / f"a{suffix}"
        result = cli("appendix", "-o", out, "--project", project.root)
        assert result.exit_code == 0, result.output
        body = out.read_bytes() if suffix == ".docx" else out.read_text(encoding="utf-8")
        if suffix == ".docx":
            from qualcode.report.word import dump

            body = dump(out)
        assert "Thuy" not in body and "unidentified speaker (FGD-01, turn 3)" in body
        assert "Interviewer: And your neighbours?" in body


MANY = """---
type: IDI
participant: P01
---
I: What happens at the commune office?
R: The officer speaks only Vietnamese to us.
I: And the forms?
R: The forms are long and written in Vietnamese, so my daughter fills them in for me.
I: And meetings?
R: At meetings I sit at the back and understand very little of what is said.
"""


def test_pins_exclusions_and_translations_survive_reingest(tmp_path: Path, cli) -> None:
    """A candidates sheet written by `quotes CODE -o`, filled in and imported: the pinned quote comes first
    even under --limit 1, the excluded one never appears, the translation is printed under its quote marked as
    a translation; after the transcript is edited and re-ingested the choices still hold."""
    import openpyxl

    project = make_project(tmp_path / "p", {"IDI-02.txt": MANY}, CODEBOOK, PARTICIPANTS)
    for answer in ("The officer speaks only Vietnamese to us.", "The forms are long and written in Vietnamese, "
                   "so my daughter fills them in for me.", "At meetings I sit at the back and understand very "
                   "little of what is said."):
        _code_span(project, "IDI-02", answer, answer)
    sheet = tmp_path / "candidates.xlsx"
    written = cli("quotes", "language", "-o", sheet, "--project", project.root)
    assert written.exit_code == 0 and "wrote 3 candidates" in written.stdout
    book = openpyxl.load_workbook(sheet)
    rows = book.active
    header = [c.value for c in rows[1]]
    assert header[-2:] == ["translation", "use"]
    texts = {rows.cell(r, header.index("text") + 1).value: r for r in range(2, rows.max_row + 1)}
    officer = texts["The officer speaks only Vietnamese to us."]
    meetings = texts["At meetings I sit at the back and understand very little of what is said."]
    rows.cell(officer, header.index("use") + 1).value = "exclude"
    rows.cell(meetings, header.index("use") + 1).value = "Pin"
    rows.cell(meetings, header.index("translation") + 1).value = "Ở các cuộc họp tôi ngồi phía sau."
    book.save(sheet)
    imported = cli("quotes", "import", sheet, "--project", project.root)
    assert imported.exit_code == 0, imported.output
    assert "stored 1 pin, 1 exclusion and 1 translation" in imported.stdout

    def appendix_text() -> str:
        out = tmp_path / "a.md"
        assert cli("appendix", "-o", out, "--limit", "1", "--project", project.root).exit_code == 0
        return out.read_text(encoding="utf-8")

    text = appendix_text()
    assert "At meetings I sit at the back" in text and "*Translation: “Ở các cuộc họp tôi ngồi phía sau.”*" in text
    assert "officer" not in text and "my daughter" not in text  # excluded; and the pin fills the one place
    edited = MANY.replace("I: What happens", "I: Good morning.\nR: Good morning.\nI: What happens")
    (project.root / "transcripts" / "IDI-02.txt").write_text(edited, encoding="utf-8")
    assert cli("ingest", "--project", project.root).exit_code == 0
    after = appendix_text()
    assert "*Translation: “Ở các cuộc họp tôi ngồi phía sau.”*" in after and "(IDI-02, turn 8)" in after
    assert "officer" not in after and "my daughter" not in after
    bad = tmp_path / "bad.csv"
    bad.write_text("code,document,start,end,use\nlanguage,IDI-02,0,5,keep\nlanguage,IDI-99,0,5,pin\n",
                   encoding="utf-8")
    refused = cli("quotes", "import", bad, "--project", project.root)
    assert refused.exit_code == 1
    assert "bad.csv:2: unknown use 'keep'" in refused.stderr
    assert "bad.csv:3: unknown document 'IDI-99'" in refused.stderr

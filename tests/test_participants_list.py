"""`qualcode participants`: each person with role, attributes, documents, turns and words, and where
participants.csv and the transcripts disagree — on a small study and on a real committee transcript."""

from __future__ import annotations

import csv
from pathlib import Path

from helpers import make_project

import qualcode

CODEBOOK = """\
codebook: People test
version: "1"
codes:
  - id: language
    label: Language
    definition: Language.
"""

FGD = """Moderator: Who goes to the commune meetings?
Lan: I go, but the meeting is in Vietnamese.
Mai: I stay home.
Lan: My husband goes.
Bao: Not me.
Bao: Too far.
"""

PARTICIPANTS = """participant,document,speaker,role,gender,name
P01,FGD-01,Lan,,female,Nguyễn Thị Lan
P02,FGD-01,Mai,,female,Trần Mai
P09,FGD-02,Hoa,,female,Lê Hoa
M1,FGD-01,Moderator,interviewer,,
"""


def test_participants_lists_people_and_flags_disagreements(tmp_path: Path, cli) -> None:
    """Rows count each person's turns and words per document, leave identifying columns out unless asked,
    note a speaker with no row, and warn about a row that matches no turn; -o writes the table."""
    make_project(tmp_path, {"FGD-01.txt": FGD}, CODEBOOK, participants=PARTICIPANTS,
                 config='\n[participants]\nidentifying = ["name"]\n')
    result = cli("participants", "-o", tmp_path / "out" / "people.csv", "--project", tmp_path)
    assert result.exit_code == 0, result.output
    assert "participants.csv:4: row for P09 (speaker 'Hoa' in FGD-02) matches no turn" in result.stderr
    assert "1 speaker with no row in participants.csv" in result.stderr
    with open(tmp_path / "out" / "people.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["participant", "role", "gender", "documents", "turns", "words", "note"]
    table = {r["participant"]: (r["role"], r["documents"], r["turns"], r["words"], r["note"]) for r in rows}
    assert table == {
        "FGD-01/Bao": ("respondent", "FGD-01", "2", "4", "no row in participants.csv"),
        "M1": ("interviewer", "FGD-01", "1", "6", ""),
        "P01": ("respondent", "FGD-01", "2", "11", ""),
        "P02": ("respondent", "FGD-01", "1", "3", ""),
        "P09": ("respondent", "", "0", "0", "row 4 (speaker 'Hoa' in FGD-02) matches no turn"),
    }
    named = qualcode.open_project(tmp_path).participants(["Name"])
    assert named.columns[2] == "name" and named.rows[2]["name"] == "Nguyễn Thị Lan"
    assert cli("participants", "--attributes", "village", "--project", tmp_path).exit_code == 2


def test_participants_of_a_real_committee_session(tmp_path: Path, shared_real: Path, cli) -> None:
    """A real committee transcript without participants.csv: every speaker is listed as having no row, with
    turns adding up to the document's respondent turns."""
    source = shared_real / "qmsum-welsh-committee-multispeaker" / "transcripts_txt" / "education_9.txt"
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / source.name).write_bytes(source.read_bytes())
    project = qualcode.open_project(tmp_path)
    assert project.ingest().failures == []
    roster = project.participants()
    turns = int(project.documents().iloc[0].turns)
    assert sum(r["turns"] for r in roster.rows) == turns
    assert all(r["note"] == "no row in participants.csv" for r in roster.rows)
    assert roster.unmapped == len(roster.rows) >= 6
    assert "education_9/Kirsty Williams AM" in {r["participant"] for r in roster.rows}

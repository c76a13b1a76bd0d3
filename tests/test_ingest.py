"""`qualcode ingest` and `qualcode documents` end to end on small real files and a real SQLite store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import db, turns_of
from helpers import write_docx

FGD = """---
type: FGD
site: Site B
language: en
---
FGD-05 · Hòa Tân commune · 12/02/2019

Facilitator: Who goes to the ấp meeting?
Mỹ: My husband goes. I have the children.
Phol (Khmer, 41): The meeting is in Vietnamese, so I stay home.
Mỹ: Yes, same here.
Nga: I went once.
Facilitator: Thank you.
"""

PARTICIPANTS = """participant,document,speaker,role,gender,ethnicity,site
P76,FGD-05,Mỹ,,female,Khmer,
P77,FGD-05,Phol,,male,Khmer,
P78,FGD-05,Nga,,female,Kinh,Site B
P07,,,,female,Hmong,
P99,FGD-05,Nobody,,male,Hoa,Site B
"""

IDI = """---
id: IDI-07
site: Site A
participant: P07
---
I: Do you read Vietnamese?
R: Only a little.
"""


def make_corpus(project: Path) -> None:
    t = project / "transcripts"
    (t / "FGD-05.txt").write_text(FGD, encoding="utf-8")
    (t / "idi07.md").write_text(IDI, encoding="utf-8")
    (t / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    (t / "README.md").write_text("# notes, not a transcript\n", encoding="utf-8")
    (t / "~$FGD-05.docx").write_bytes(b"lock")
    (t / ".hidden.txt").write_text("Q: no\n", encoding="utf-8")
    (t / "audio.mp3").write_bytes(b"ID3")


def test_focus_group_speakers_map_to_their_participants(project: Path, cli) -> None:
    """Each focus-group label maps to its own participant; the interviewer is detected by label."""
    make_corpus(project)
    result = cli("ingest", "--project", project)
    assert result.exit_code == 0, result.output
    assert "2 added" in result.stdout and "1 skipped" in result.stdout
    assert [(n, label, role, pid) for n, label, role, pid, _ in turns_of(project, "FGD-05")] == [
        (1, "Facilitator", "interviewer", None), (2, "Mỹ", "respondent", "P76"), (3, "Phol", "respondent", "P77"),
        (4, "Mỹ", "respondent", "P76"), (5, "Nga", "respondent", "P78"), (6, "Facilitator", "interviewer", None)]
    assert turns_of(project, "FGD-05")[2][4] == "The meeting is in Vietnamese, so I stay home."


def test_front_matter_participant_and_attribute_fallback(project: Path, cli) -> None:
    """`participant:` maps the one unmapped respondent; blank attribute cells fall back to front matter."""
    make_corpus(project)
    cli("ingest", "--project", project)
    assert [(label, role, pid) for _, label, role, pid, _ in turns_of(project, "IDI-07")] == [
        ("I", "interviewer", None), ("R", "respondent", "P07")]
    people = {pid: json.loads(a) for pid, a in db(project).execute("SELECT id, attributes FROM participants")}
    assert people["P07"] == {"gender": "female", "ethnicity": "Hmong", "site": "Site A"}
    assert people["P76"]["site"] == "Site B"  # from FGD-05's front matter


def test_unused_rows_and_unknown_speakers_are_reported(project: Path, cli) -> None:
    """A CSV row matching no turn and a label missing from the CSV are both reported as warnings."""
    make_corpus(project)
    (project / "transcripts" / "extra.txt").write_text("Moderator: hi\nLan: yes\nMod2: x\nLan: ok\n",
                                                       encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 0
    assert "participants.csv:6: row for P99 (speaker 'Nobody' in FGD-05) matches no turn" in result.stderr
    assert "speaker 'Lan' is not in participants.csv (kept as extra/Lan)" in result.stderr
    assert ("extra", 2, "extra/Lan") in db(project).execute(
        "SELECT document, number, participant FROM turns WHERE document = 'extra'").fetchall()


def test_reingest_skips_unchanged_and_remaps_on_csv_edit(project: Path, cli) -> None:
    """A second ingest skips unchanged files; editing participants.csv alone re-resolves speakers."""
    make_corpus(project)
    cli("ingest", "--project", project)
    again = cli("ingest", "--project", project)
    assert "0 added, 0 updated, 2 unchanged" in again.stdout
    csv_path = project / "transcripts" / "participants.csv"
    csv_path.write_text(PARTICIPANTS.replace("P78,FGD-05,Nga", "P80,FGD-05,Nga"), encoding="utf-8")
    cli("ingest", "--project", project)
    assert turns_of(project, "FGD-05")[4][3] == "P80"


def test_changed_file_replaces_document_and_keeps_codings(project: Path, cli) -> None:
    """An edited transcript replaces its document; codings are re-anchored by text, or marked stale."""
    make_corpus(project)
    cli("ingest", "--project", project)
    from qualcode.project.store import open_store

    store = open_store(project / ".qualcode" / "qualcode.db")
    text = store.document("FGD-05").text
    quote = "The meeting is in Vietnamese"
    gone = "I went once."
    with store.transaction():
        store.add_coding("FGD-05", text.index(quote), text.index(quote) + len(quote), "language", "lan",
                         "accepted", quote)
        store.add_coding("FGD-05", text.index(gone), text.index(gone) + len(gone), "participation", "lan",
                         "accepted", gone)
    store.close()
    path = project / "transcripts" / "FGD-05.txt"
    path.write_text(FGD.replace("Nga: I went once.\n", "").replace("Who goes", "Tell me: who goes"),
                    encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert "1 updated" in result.stdout and "1 coding could not be re-anchored" in result.stdout
    con = db(project)
    new_text = con.execute("SELECT text FROM documents WHERE id = 'FGD-05'").fetchone()[0]
    rows = con.execute('SELECT code, start, "end", stale FROM codings ORDER BY id').fetchall()
    assert rows[0][3] == 0 and new_text[rows[0][1]:rows[0][2]] == quote
    assert rows[1][0] == "participation" and rows[1][3] == 1  # kept, marked stale


def test_documents_table_and_csv(project: Path, cli) -> None:
    """`documents -o x.csv` lists id, type, language, turns, words, speakers and participants."""
    make_corpus(project)
    cli("ingest", "--project", project)
    out = project / "docs.csv"
    assert cli("documents", "-o", out, "--project", project).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,type,language,turns,words,speakers,participants,format,path"
    # words by hand: 6 + 7 + 9 + 3 + 3 + 2 = 30
    assert lines[1] == "FGD-05,FGD,en,6,30,4,3,txt,transcripts/FGD-05.txt"
    assert lines[2] == "IDI-07,IDI,en,2,7,2,1,md,transcripts/idi07.md"
    shown = cli("documents", "--project", project)
    assert "FGD-05" in shown.stdout and "2 documents" in shown.stdout


def test_bad_inputs_are_reported_and_the_rest_ingests(project: Path, cli) -> None:
    """Corrupt, empty, binary, undecodable and non-zip files fail one by one; good files still land."""
    make_corpus(project)
    t = project / "transcripts"
    (t / "empty.txt").write_bytes(b"")
    (t / "binary.txt").write_bytes(b"\x00\x01\x02Q: hi")
    (t / "broken.docx").write_bytes(b"PK not really a zip")
    (t / "latin.srt").write_bytes(b"\x81\x8d\x8f\x90")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 1
    for name, message in [("empty.txt", "empty file"), ("binary.txt", "binary file"),
                          ("broken.docx", "not a Word .docx"), ("latin.srt", "cannot decode")]:
        assert any(name in line and message in line for line in result.stderr.splitlines()), (name, result.stderr)
    assert "Traceback" not in result.output
    ids = {r[0] for r in db(project).execute("SELECT id FROM documents")}
    assert ids == {"FGD-05", "IDI-07"}


def test_unknown_suffix_named_explicitly_is_an_error(project: Path, cli) -> None:
    """A file named on the command line with an unsupported suffix fails and lists the supported ones."""
    make_corpus(project)
    result = cli("ingest", project / "transcripts" / "audio.mp3", project / "transcripts" / "FGD-05.txt",
                 "--project", project)
    assert result.exit_code == 1
    assert "audio.mp3: unsupported file type '.mp3'; qualcode reads .txt, .md, .docx" in result.stderr
    assert "1 added" in result.stdout


def test_participants_without_participant_column(project: Path, cli) -> None:
    """A participants CSV without a `participant` column is one clear error; transcripts still ingest."""
    make_corpus(project)
    bad = project / "people.csv"
    bad.write_text("id,gender\nP1,female\n", encoding="utf-8")
    result = cli("ingest", "--participants", bad, "--project", project)
    assert result.exit_code == 1
    assert "people.csv:1: no `participant` column (columns: id, gender)" in result.stderr
    assert db(project).execute("SELECT count(*) FROM documents").fetchone()[0] == 2


def test_conflicting_attributes_are_an_error(project: Path, cli) -> None:
    """One person with two different sets of attributes is refused with both line numbers."""
    make_corpus(project)
    (project / "transcripts" / "participants.csv").write_text(
        "participant,document,speaker,gender\nP1,A,Lan,female\nP1,B,Lan,male\n", encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 1
    assert "participants.csv:3: participant P1 has gender='male' here but 'female' on line 2" in result.stderr


def test_duplicate_document_ids_name_both_files(project: Path, cli) -> None:
    """Two files with the same id: the second fails with a message naming both."""
    make_corpus(project)
    (project / "transcripts" / "copy.txt").write_text("---\nid: IDI-07\n---\nQ: x\nA: y\n", encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 1
    assert "document id 'IDI-07' is already used by transcripts/copy.txt" in result.stderr


def test_docx_speaker_table_ingests(project: Path, cli) -> None:
    """A Word file with a title and a time | speaker | text table ingests into turns and participants."""
    rows = [["Time", "Speaker", "Text"]] + [[f"00:0{i}:00", s, f"Line {i}."]
                                            for i, s in enumerate(["Moderator", "P1", "P2", "P1"])]
    write_docx(project / "transcripts" / "FGD-02.docx", [("title", "FGD-02 young people"), ("table", rows)])
    (project / "transcripts" / "participants.csv").write_text(
        "participant,document,speaker,gender\nP56,FGD-02,P1,male\nP57,FGD-02,P2,female\n", encoding="utf-8")
    assert cli("ingest", "--project", project).exit_code == 0
    assert [(label, pid, text) for _, label, _, pid, text in turns_of(project, "FGD-02")] == [
        ("Moderator", None, "Line 0."), ("P1", "P56", "Line 1."), ("P2", "P57", "Line 2."), ("P1", "P56", "Line 3.")]


def test_newer_store_is_refused(project: Path, cli) -> None:
    """A store written by a newer schema version is refused with a clear message, not modified."""
    make_corpus(project)
    cli("ingest", "--project", project)
    path = project / ".qualcode" / "qualcode.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.close()
    result = cli("documents", "--project", project)
    assert result.exit_code == 1
    assert "written by a newer qualcode (store schema 99" in result.stderr


def test_documents_before_ingest(project: Path, cli) -> None:
    """`documents` on a project never ingested says to run `qualcode ingest`."""
    result = cli("documents", "--project", project)
    assert result.exit_code == 1 and "run `qualcode ingest` first" in result.stderr


def test_failed_write_leaves_store_unchanged(project: Path) -> None:
    """A crash inside the ingest transaction rolls every write back."""
    import pytest

    from qualcode.project.store import open_store

    store = open_store(project / ".qualcode" / "qualcode.db", create=True)
    with pytest.raises(RuntimeError), store.transaction():
        store.set_meta("x", "1")
        raise RuntimeError("crash")
    assert store.get_meta("x") is None
    store.close()


def test_init_scaffolds_and_keeps_existing(tmp_path: Path, cli) -> None:
    """`init` writes qualcode.toml, a sample codebook and a participants header, keeping existing files."""
    target = tmp_path / "study"
    result = cli("init", target)
    assert result.exit_code == 0
    assert (target / "qualcode.toml").is_file() and (target / "codebooks" / "barriers.yaml").is_file()
    assert (target / "transcripts" / "participants.csv").read_text().startswith("participant,document,speaker")
    ignore = (target / "transcripts" / ".qualcodeignore").read_text(encoding="utf-8").splitlines()
    assert [line for line in ignore if line and not line.startswith("#")] == ["README*", "SOURCES*", "LICENSE*",
                                                                              "CHANGELOG*"]
    again = cli("init", target)
    assert "kept existing" in again.stdout


def test_mixed_folder_turns_speakers_participants_attributes(project: Path, cli) -> None:
    """A folder of mixed formats: each document gets the right turns, participants and attributes."""
    import codecs

    t = project / "transcripts"
    make_corpus(project)
    utf16 = "[00:00:01] Interviewer: Chị đi họp không?\n[00:00:05] R: Không.\n[00:00:09] Interviewer: Vì sao?\n" \
            "[00:00:12] R: Họ nói tiếng Kinh.\n"
    (t / "IDI-33.txt").write_bytes(codecs.BOM_UTF16_LE + utf16.replace("\n", "\r\n").encode("utf-16-le"))
    rows = [["Time", "Speaker", "Text"], ["00:00:01", "Int", "Where is the clinic?"],
            ["00:00:04", "Station head", "In the centre."], ["00:00:08", "Int", "Far?"],
            ["00:00:10", "Station head", "Four hours from Séo Phìn."]]
    write_docx(t / "IDI-08.docx", [("title", "IDI-08 — health station"), "Phìn Hồ, 2019", ("table", rows)])
    (t / "IDI-20.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Interviewer>Hello.\n\n"
                                  "00:00:04.000 --> 00:00:06.000\n<v Respondent>We lost the card.\n\n"
                                  "00:00:06.500 --> 00:00:08.000\n<v Respondent>Nobody told us why.\n",
                                  encoding="utf-8")
    with open(t / "participants.csv", "a", encoding="utf-8") as handle:
        handle.write("P33,IDI-33,R,,male,Kinh,Site B\nP08,IDI-08,Station head,,female,Kinh,Site A\n"
                     "P20,IDI-20,Respondent,,female,Hmong,Site A\n")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 0, result.stderr
    expected = {
        "IDI-33": [("Interviewer", None, "Chị đi họp không?"), ("R", "P33", "Không."),
                   ("Interviewer", None, "Vì sao?"), ("R", "P33", "Họ nói tiếng Kinh.")],
        "IDI-08": [("Int", None, "Where is the clinic?"), ("Station head", "P08", "In the centre."),
                   ("Int", None, "Far?"), ("Station head", "P08", "Four hours from Séo Phìn.")],
        "IDI-20": [("Interviewer", None, "Hello."), ("Respondent", "P20", "We lost the card. Nobody told us why.")],
    }
    for doc_id, turns in expected.items():
        assert [(label, pid, text) for _, label, _, pid, text in turns_of(project, doc_id)] == turns, doc_id
    con = db(project)
    languages = dict(con.execute("SELECT id, language FROM documents"))
    assert languages["IDI-33"] == "vi" and languages["IDI-08"] == "en"
    stamps = [r[0] for r in con.execute("SELECT timestamp FROM turns WHERE document = 'IDI-33' ORDER BY number")]
    assert stamps == ["00:00:01", "00:00:05", "00:00:09", "00:00:12"]
    people = {pid: json.loads(a) for pid, a in con.execute("SELECT id, attributes FROM participants")}
    assert people["P08"] == {"gender": "female", "ethnicity": "Kinh", "site": "Site A"}
    assert people["P33"]["site"] == "Site B"


def test_qualcodeignore_replaces_the_default_skip_list(project: Path, cli) -> None:
    """Without `.qualcodeignore` README/SOURCES/LICENSE/CHANGELOG files are left alone (any case); with one,
    exactly its gitignore patterns are — here a notes folder and drafts, while a README is read again."""
    t = project / "transcripts"
    (t / "IDI-01.txt").write_text("I: Hello?\nR: Hello.\n", encoding="utf-8")
    for name in ("readme.txt", "SOURCES.md", "LICENSE.txt", "CHANGELOG.txt"):
        (t / name).write_text("R: not an interview\n", encoding="utf-8")
    (t / "notes").mkdir()
    (t / "notes" / "memo.txt").write_text("R: my notes\n", encoding="utf-8")
    (t / "IDI-02-draft.txt").write_text("R: draft\n", encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 0 and "3 added" in result.stdout
    ids = {r[0] for r in db(project).execute("SELECT id FROM documents")}
    assert ids == {"IDI-01", "memo", "IDI-02-draft"}
    (project / "fresh").mkdir()
    for item in t.iterdir():
        if item.is_file():
            (project / "fresh" / item.name).write_bytes(item.read_bytes())
    (project / "fresh" / "notes").mkdir()
    (project / "fresh" / "notes" / "memo.txt").write_text("R: my notes\n", encoding="utf-8")
    (project / "fresh" / ".qualcodeignore").write_text("# ours\nnotes/\n*-DRAFT.txt\nLICENSE*\n", encoding="utf-8")
    (project / "qualcode.toml").write_text('[project]\ntranscripts = "fresh"\n', encoding="utf-8")
    (project / ".qualcode" / "qualcode.db").unlink()
    result = cli("ingest", "--project", project)
    assert result.exit_code == 0, result.output
    ids = {r[0] for r in db(project).execute("SELECT id FROM documents")}
    assert ids == {"IDI-01", "readme", "SOURCES", "CHANGELOG"}


def test_once_used_labels_name_shaped_accepted_others_warned(project: Path, cli) -> None:
    """Among name labels a once-used `Steve Davies:` is a speaker; elsewhere a once-used `Note:` or a typo
    like `Particpant:` stays text and is reported with its file line and the fix; header lines are not."""
    t = project / "transcripts"
    (t / "committee.txt").write_text(
        "Lynne Neagle AM: Welcome.\nKirsty Williams AM: Thank you.\nSteve Davies: Myself and a colleague.\n"
        "Lynne Neagle AM: Thank you both.\nKirsty Williams AM: Indeed.\n", encoding="utf-8")
    (t / "IDI-01.txt").write_text(
        "---\nid: IDI-01\n---\nHeader: a title line\nInterviewer: Hello?\nRespondent: Hi.\nNote: the tape stopped.\n"
        "Interviewer: Go on.\nParticpant: I was saying.\nRespondent: Yes.\n", encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 0, result.output
    assert [label for _, label, *_ in turns_of(project, "committee")] == [
        "Lynne Neagle AM", "Kirsty Williams AM", "Steve Davies", "Lynne Neagle AM", "Kirsty Williams AM"]
    assert len(turns_of(project, "IDI-01")) == 4
    warned = ("warning: transcripts/IDI-01.txt:7: 'Note:' starts only this line, so it was read as text, not as a "
              "speaker; if it is one, add a participants.csv row with document IDI-01 and speaker 'Note'")
    assert warned in result.stderr
    assert "transcripts/IDI-01.txt:9: 'Particpant:' starts only this line" in result.stderr
    assert "Header" not in result.stderr


def test_front_matter_sets_the_role_of_labels(project: Path, cli) -> None:
    """Front matter `interviewer: [...]` makes those labels interviewers and `respondent: [...]` respondents,
    in that document only."""
    t = project / "transcripts"
    (t / "IDI-02.txt").write_text(
        "---\ninterviewer: [Dan]\nrespondent: [Q]\n---\nDan: What do you do?\nQ: I farm.\nDan: Where?\nQ: Here.\n",
        encoding="utf-8")
    (t / "IDI-03.txt").write_text("Dan: What do you do?\nQ: I farm.\nDan: Where?\nQ: Here.\n", encoding="utf-8")
    assert cli("ingest", "--project", project).exit_code == 0
    assert [(label, role) for _, label, role, *_ in turns_of(project, "IDI-02")][:2] == [
        ("Dan", "interviewer"), ("Q", "respondent")]
    assert [(label, role) for _, label, role, *_ in turns_of(project, "IDI-03")][:2] == [
        ("Dan", "respondent"), ("Q", "interviewer")]


# -- participants.csv never shifts an attribute; .qdpx sources decoded as transcripts are (issue 24) -----------

def test_unquoted_comma_refuses_the_file_and_keeps_the_previous_mapping(project: Path, cli) -> None:
    """A row with more values than columns (an unquoted comma) is refused naming its line and the split value;
    the mapping ingested before is kept, so no attribute is stored shifted."""
    make_corpus(project)
    assert cli("ingest", "--project", project).exit_code == 0
    (project / "transcripts" / "participants.csv").write_text(
        PARTICIPANTS.replace("P78,FGD-05,Nga,,female,Kinh,Site B", "P78,FGD-05,Nga,,female,Kinh,Site B, north"),
        encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 1
    assert ('participants.csv:4: 8 values but 7 columns: a comma inside a value moves every value after it into '
            'the next column; put that value in quotes ("Site B, north"?) (the previous participants mapping is '
            "kept)") in result.stderr
    people = {pid: json.loads(a) for pid, a in db(project).execute("SELECT id, attributes FROM participants")}
    assert people["P78"] == {"gender": "female", "ethnicity": "Kinh", "site": "Site B"}


def test_duplicate_column_names_refuse_the_file(project: Path, cli) -> None:
    """Two columns of one name (whatever their case) are refused naming both columns, not one silently dropped."""
    make_corpus(project)
    (project / "transcripts" / "participants.csv").write_text(
        "participant,document,speaker,gender,Gender\nP76,FGD-05,Mỹ,female,male\n", encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 1
    assert "participants.csv:1: column 'Gender' appears twice (columns 4 and 5): rename or remove one" in result.stderr


def test_values_with_spaces_are_trimmed_with_a_warning(project: Path, cli) -> None:
    """Values with spaces at either end are stored trimmed, and one warning names the first line and value."""
    make_corpus(project)
    (project / "transcripts" / "participants.csv").write_text(
        PARTICIPANTS.replace("P77,FGD-05,Phol,,male,Khmer,", "P77,FGD-05,Phol,, male , Khmer,"), encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 0, result.output
    assert ("participants.csv:3: 2 values with spaces at the start or end trimmed (here gender=' male ')"
            in result.stderr)
    people = {pid: json.loads(a) for pid, a in db(project).execute("SELECT id, attributes FROM participants")}
    assert people["P77"] == {"gender": "male", "ethnicity": "Khmer", "site": "Site B"}


def test_qdpx_sources_are_decoded_as_transcripts_are(project: Path) -> None:
    """A `.qdpx` source in Windows-1258 comes in as Vietnamese, not mojibake, and a coding after invisible
    characters (removed from the stored text) still covers the same words."""
    import zipfile

    import qualcode

    vietnamese = "Hỏi: Chị có đi họp không?\r\nTrả lời: Không, tôi bận việc nhà.\r\n"
    legacy = "".join(_cp1258(ch) for ch in vietnamese).encode("cp1258")
    invisible = "Lan: Hello.\nMai: I am \u200bso\u00ad happy.\nLan: Good.\nMai: Bye.\n"
    start = invisible.index("so")
    sources = [("IDI-40", "A1", legacy, ""), ("FGD-40", "A2", invisible.encode("utf-8"),
               f'<PlainTextSelection guid="B0000000-0000-0000-0000-000000000001" startPosition="{start}" '
               f'endPosition="{start + 9}"><Coding guid="B0000000-0000-0000-0000-000000000002"><CodeRef '
               'targetGUID="C0000000-0000-0000-0000-000000000001"/></Coding></PlainTextSelection>')]
    qde = ('<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="p"><CodeBook>'
           '<Codes><Code guid="C0000000-0000-0000-0000-000000000001" name="happy" isCodable="true"/></Codes>'
           "</CodeBook><Sources>" + "".join(
               f'<TextSource guid="A0000000-0000-0000-0000-00000000000{n}" name="{name}" '
               f'plainTextPath="internal://{guid}.txt">{selection}</TextSource>'
               for n, (name, guid, _, selection) in enumerate(sources, 1)) + "</Sources></Project>")
    with zipfile.ZipFile(project / "tool.qdpx", "w") as archive:
        archive.writestr("project.qde", qde)
        for _, guid, data, _ in sources:
            archive.writestr(f"sources/{guid}.txt", data)
    opened = qualcode.open_project(project)
    opened.import_qdpx(project / "tool.qdpx")
    store = sqlite3.connect(project / ".qualcode" / "qualcode.db")
    texts = dict(store.execute("SELECT id, text FROM documents"))
    coded = store.execute("SELECT text FROM codings").fetchall()
    store.close()
    assert texts["IDI-40"] == vietnamese.replace("\r\n", "\n")
    assert "\u200b" not in texts["FGD-40"] and coded == [("so happy",)]


def _cp1258(char: str) -> str:
    """``char`` as Windows writes it in Windows-1258: base letter precomposed, tone mark combining."""
    import unicodedata

    try:
        char.encode("cp1258")
        return char
    except UnicodeEncodeError:
        base, *marks = unicodedata.normalize("NFD", char)
        tone = [m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323"]
        return unicodedata.normalize("NFC", base + "".join(m for m in marks if m not in tone)) + "".join(tone)

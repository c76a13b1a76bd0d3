"""Nothing dropped in silence on import: memos come in on their coding, document, participant or code, notes on a
span as memos quoting it, project notes in notes/; non-codable codes are categories; the imported codebook is the
active one (with its name, version and guidance), so reports show the imported codings with no further command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from test_exchange import _fresh, _qdpx, _rows, reimported, sample  # noqa: F401

import qualcode
from qualcode.codebook.load import load_codebook

USER = "AD68FBE7-E1EE-4A82-A279-23CC698C89EB"
TEXT = "Interviewer: How is work?\nRespondent: I carry water every morning and cook for six people.\n"
QDE = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Care work" origin="QualCoder 3.5">
  <Users><User guid="{USER}" name="Ha"/></Users>
  <CodeBook><Codes>
    <Code guid="C0000000-0000-0000-0000-000000000001" name="Burdens" isCodable="false">
      <Code guid="C0000000-0000-0000-0000-000000000002" name="Water" isCodable="true"/>
      <Code guid="C0000000-0000-0000-0000-000000000003" name="Cooking" isCodable="true"/>
    </Code></Codes></CodeBook>
  <Cases><Case guid="CA000000-0000-0000-0000-000000000001" name="P1">
    <Description>Met at the market.</Description>
    <SourceRef targetGUID="50000000-0000-0000-0000-000000000001"/></Case></Cases>
  <Sources><TextSource guid="50000000-0000-0000-0000-000000000001" name="IDI-1"
      plainTextPath="internal://50000000-0000-0000-0000-000000000001.txt" creatingUser="{USER}"
      creationDateTime="2021-01-15T23:37:54Z">
    <Description>Noisy recording.</Description>
    <PlainTextSelection guid="5E000000-0000-0000-0000-000000000001" name="carry water"
        startPosition="{TEXT.index('carry')}" endPosition="{TEXT.index('carry') + 11}" creatingUser="{USER}"
        creationDateTime="2021-01-16T08:00:00Z">
      <Description>Daily, before school.</Description>
      <Coding guid="C1000000-0000-0000-0000-000000000001" creatingUser="{USER}">
        <CodeRef targetGUID="C0000000-0000-0000-0000-000000000002"/></Coding>
      <NoteRef targetGUID="A0000000-0000-0000-0000-000000000002"/>
    </PlainTextSelection>
    <NoteRef targetGUID="A0000000-0000-0000-0000-000000000001"/>
  </TextSource></Sources>
  <Notes>
    <Note guid="A0000000-0000-0000-0000-000000000001" creatingUser="{USER}" creationDateTime="16/01/2021 09:30">
      <PlainTextContent>Six people: her own and her brother's children.</PlainTextContent>
      <PlainTextSelection guid="5E000000-0000-0000-0000-000000000009" startPosition="{TEXT.index('cook')}"
          endPosition="{TEXT.index('six people') + 10}"/>
    </Note>
    <Note guid="A0000000-0000-0000-0000-000000000002" creatingUser="{USER}" creationDateTime="sometime">
      <PlainTextContent>Ask about the well.</PlainTextContent></Note>
    <Note guid="A0000000-0000-0000-0000-000000000003" name="Plan" plainTextPath="internal://plan.txt"
        creationDateTime="2021-01-10T10:00:00Z"/>
  </Notes>
  <Description>Pilot interviews, January.</Description>
</Project>"""


def _memos(project) -> list[tuple]:
    return _rows(project, "SELECT kind, target, author, created, text FROM memos")


def test_every_memo_comes_in_on_its_object(tmp_path: Path) -> None:
    """A QualCoder-shaped archive's coding memo (Description), NoteRef'd note on the coding, document and case
    memos and an annotation note on a span become memos on that coding, document and participant (the span
    quoted); the project's Description and its unattached note go to notes/; dates in other formats are read or,
    when unreadable, replaced with a warning."""
    path = _qdpx(tmp_path / "qc.qdpx", QDE, {"sources/50000000-0000-0000-0000-000000000001.txt": TEXT.encode(),
                                             "sources/plan.txt": b"Ten interviews."})
    fresh = _fresh(tmp_path / "p")
    report = fresh.import_qdpx(path)
    coding = _rows(fresh, "SELECT id, text FROM codings")
    assert [t for _, t in coding] == ["carry water"]
    cid = str(coding[0][0])
    assert _memos(fresh) == sorted([
        ("coding", cid, "Ha", "2021-01-16T08:00:00Z", "Daily, before school."),
        ("coding", cid, "Ha", "2000-01-01T00:00:00Z", "Ask about the well."),
        ("document", "IDI-1", "Ha", "2021-01-15T23:37:54Z", "Noisy recording."),
        ("document", "IDI-1", "Ha", "2021-01-16T09:30:00Z", f"On “cook for six people” (characters "
         f"{TEXT.index('cook')}–{TEXT.index('six people') + 10}):\nSix people: her own and her brother's children."),
        ("participant", "P1", "imported", "2000-01-01T00:00:00Z", "Met at the market.")])
    assert report.memos == 5 and not report.dropped
    assert any("'sometime' is not a date" in p.message for p in report.problems)
    notes = report.notes_file.read_text(encoding="utf-8")
    assert "Pilot interviews, January." in notes and "Ten interviews." in notes


def test_non_codable_codes_are_categories(tmp_path: Path, cli) -> None:
    """A code with isCodable="false" becomes a parent with `codable: false`: `codebook check` accepts it, `tag`
    refuses it naming its children, its children are coded as usual, and an export writes it non-codable again."""
    path = _qdpx(tmp_path / "qc.qdpx", QDE, {"sources/50000000-0000-0000-0000-000000000001.txt": TEXT.encode()})
    root = tmp_path / "p"
    fresh = _fresh(root)
    report = fresh.import_qdpx(path)
    body = yaml.safe_load(report.codebook.read_text(encoding="utf-8"))
    assert body["codes"][0]["codable"] is False and [c["id"] for c in body["codes"][0]["children"]] == \
        ["burdens.water", "burdens.cooking"]
    assert cli("codebook", "check", "--project", root).exit_code == 0
    refused = cli("tag", "IDI-1", "2", "burdens", "--coder", "ha", "--project", root)
    assert refused.exit_code == 2 and "is a category" in refused.stderr and "burdens.water" in refused.stderr
    assert cli("tag", "IDI-1", "2", "burdens.cooking", "--coder", "ha", "--project", root).exit_code == 0
    summary = fresh.export_qdpx(tmp_path / "out.qdpx")
    import zipfile

    qde = zipfile.ZipFile(summary.path).read("project.qde").decode()
    assert 'name="Burdens" isCodable="false"' in qde


def test_rules_on_a_category_are_an_error(tmp_path: Path) -> None:
    """`codable: false` with rules is a codebook error located at the code's rules."""
    path = tmp_path / "c.yaml"
    path.write_text("codebook: x\ncodes:\n  - id: a\n    codable: false\n    rules:\n      - keywords: [b]\n"
                    "  - id: c\n    codable: maybe\n", encoding="utf-8")
    messages = [f"{p.where} {p.message}" for p in load_codebook(path).errors]
    assert any("codes[0].rules" in m and "no rules" in m for m in messages)
    assert any("codes[1].codable" in m for m in messages)


def test_round_trip_keeps_memos_on_their_codings_and_the_codebook(sample, reimported) -> None:  # noqa: F811
    """qualcode → .qdpx → a fresh project: every memo is back on the same document, participant, code and coding
    (same author, date and text), and the codebook keeps its name, version, include, exclude and examples."""
    project, _ = sample
    fresh, report = reimported
    sql = ("SELECT m.kind, coalesce(c.document || ' ' || c.start || ' ' || c.code, m.target), m.author, m.created, "
           "m.text FROM memos m LEFT JOIN codings c ON m.kind = 'coding' AND c.id = CAST(m.target AS INTEGER)")
    assert _rows(fresh, sql) == _rows(project, sql) and len(_rows(project, sql)) == 4
    assert report.memos == 4 and report.notes_file is None
    original = load_codebook(project.root / "codebooks" / "barriers.yaml").codebook
    imported = load_codebook(report.codebook).codebook
    assert (imported.name, imported.version) == (original.name, original.version)

    def guidance(book):
        return [(c.id, " ".join(c.include.split()), " ".join(c.exclude.split()),
                 [" ".join(e.split()) for e in c.examples]) for c in book.codes]

    assert guidance(imported) == guidance(original) and any(g[3] for g in guidance(original))


def test_import_into_a_new_project_gives_its_reports(sample, tmp_path: Path, cli) -> None:  # noqa: F811
    """After `qualcode init` and `qualcode import`, qualcode.toml names the imported codebook and `codings export`
    shows the imported codings with no further command; importing again into that coded project keeps its active
    codebook and says how to switch."""
    _, summary = sample
    root = tmp_path / "new"
    done = subprocess.run([sys.executable, "-m", "qualcode", "init", str(root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    result = cli("import", summary.path, "--project", root)
    assert result.exit_code == 0, result.output
    assert "(now the project's active codebook)" in result.stdout
    toml = (root / "qualcode.toml").read_text(encoding="utf-8")
    assert 'codebook = "codebooks/' in toml and "barriers.yaml" not in toml.split("codebook = ")[1].splitlines()[0]
    out = tmp_path / "codings.csv"
    assert cli("codings", "export", "-o", out, "--project", root).exit_code == 0
    import csv

    assert len(list(csv.DictReader(out.open(encoding="utf-8", newline="")))) == summary.codings
    before = (root / "qualcode.toml").read_text(encoding="utf-8")
    other = _qdpx(tmp_path / "qc.qdpx", QDE, {"sources/50000000-0000-0000-0000-000000000001.txt": TEXT.encode()})
    again = cli("import", other, "--project", root)
    assert again.exit_code == 0, again.output
    assert (root / "qualcode.toml").read_text(encoding="utf-8") == before
    assert "its active codebook stays" in again.stderr and "qualcode config codebook" in again.stderr
    assert qualcode.open_project(root).root == root

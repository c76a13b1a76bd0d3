"""REFI-QDA exchange: .qdpx export (valid, byte-identical, everything in its place), import of qualcode's own
exports (the stores agree table by table), of real tools' exports (the ATLAS.ti and NVivo samples in ../shared)
and of awkward or malicious archives; .qdc codebooks out and in."""

from __future__ import annotations

import json
import shutil
import sqlite3
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SHARED
from test_tool_import import pdpilot  # noqa: F401  (the PDPilot project fixture)

import qualcode
from qualcode.codebook.load import load_codebook
from qualcode.exchange.positions import choose, normalise_with_map
from qualcode.exchange.qdpx_export import variable_type
from qualcode.project.folder import Config
from qualcode.project.store import open_store

REFI = SHARED.parent / "refi-qda"
NS = "{urn:QDA-XML:project:1.0}"


def _schema(name: str):
    if not (REFI / name).is_file():
        pytest.skip(f"../shared/data/refi-qda/{name} is absent: schema validation needs the shared data folder")
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(REFI / name))


def _copy_sample(root: Path) -> Path:
    for part in ("qualcode.toml", "codebooks", "transcripts"):
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / part)
    return root


def _fresh(root: Path) -> qualcode.Project:
    (root / "transcripts").mkdir(parents=True)
    (root / "qualcode.toml").write_text('[project]\nlanguage = "en"\n', encoding="utf-8")
    return qualcode.open_project(root)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample study, coded, with every third suggestion accepted, every seventh rejected, one turn tagged
    by hand as coder lan, memos on a document, a code, a participant and a coding, and exported to study.qdpx
    (reviewed codings)."""
    root = _copy_sample(tmp_path_factory.mktemp("sample"))
    project = qualcode.open_project(root)
    project.ingest()
    project.code()
    store = open_store(project.store_path)
    with store.transaction():
        for coding in store.codings():
            if coding.id % 3 == 0:
                store.set_status(coding.id, "accepted")
            elif coding.id % 7 == 0:
                store.set_status(coding.id, "rejected")
    store.close()
    project.tag("FGD-01", 3, "workload", coder="lan")
    coding = next(c for c in open_store(project.store_path).codings() if c.coder == "lan")
    for target, text in ((dict(document="IDI-01"), "Recorder stopped twice."), (dict(code="language"), "Keep narrow."),
                         (dict(participant="P05"), "Asked to check the quote."),
                         (dict(coding=coding.id), "Borderline: housework or care?")):
        project.add_memo(text, author="lan", **target)
    summary = project.export_qdpx(root / "out" / "study.qdpx")
    return project, summary


@pytest.fixture(scope="module")
def reimported(sample, tmp_path_factory):
    """A fresh project into which the sample's study.qdpx was imported."""
    project, summary = sample
    fresh = _fresh(tmp_path_factory.mktemp("fresh"))
    return fresh, fresh.import_qdpx(summary.path)


def _rows(project: qualcode.Project, sql: str) -> list[tuple]:
    con = sqlite3.connect(f"file:{project.store_path}?mode=ro", uri=True)
    try:
        return sorted(con.execute(sql).fetchall())
    finally:
        con.close()


TABLES = {
    "documents": "SELECT id, doc_type, language, text, attributes, preamble_end, words FROM documents",
    "turns": 'SELECT document, number, start, "end", label, timestamp, role, participant, role_name FROM turns',
    "sentences": 'SELECT document, turn, number, start, "end", tokens FROM sentences',
    "participants": "SELECT id, attributes FROM participants",
    "participant columns": "SELECT value FROM meta WHERE key = 'participant_columns'",
}


@pytest.mark.parametrize("table", list(TABLES))
def test_round_trip_reproduces_each_table(sample, reimported, table: str) -> None:
    """qualcode → .qdpx → a fresh project gives the same documents, turns, sentences, participants (with their
    attributes) and attribute columns, row for row."""
    project, _ = sample
    fresh, report = reimported
    assert report.return_code == 0, report.problems
    before, after = _rows(project, TABLES[table]), _rows(fresh, TABLES[table])
    if table == "participants":
        before = [(pid, json.loads(a)) for pid, a in before]
        after = [(pid, json.loads(a)) for pid, a in after]
    assert before and after == before


def test_round_trip_reproduces_the_selected_codings_and_their_coders(sample, reimported) -> None:
    """The reviewed codings (accepted suggestions and the hand tag) come back with the same spans, codes, coders
    and text; rejected and unreviewed ones were not exported."""
    project, summary = sample
    fresh, report = reimported
    sql = 'SELECT document, start, "end", code, coder, text FROM codings WHERE status = \'accepted\''
    assert _rows(fresh, sql) == _rows(project, sql)
    assert report.codings == summary.codings == len(_rows(project, sql))
    assert report.coders == ["auto", "lan"]
    assert _rows(fresh, "SELECT DISTINCT status FROM codings") == [("accepted",)]


def test_round_trip_reproduces_the_codebook(sample, reimported) -> None:
    """The imported codebook has the same code ids, labels, parents, colours, definitions and groups."""
    project, _ = sample
    fresh, report = reimported
    original = load_codebook(REPO / "codebooks" / "barriers.yaml").codebook
    imported = load_codebook(report.codebook).codebook
    assert report.codebook.parent == fresh.root / "codebooks"

    def shape(book):
        return [(c.id, c.label, c.parent, c.color, " ".join(c.definition.split())) for c in book.codes]

    assert shape(imported) == shape(original)
    assert imported.groups == original.groups


def test_export_twice_gives_identical_bytes(sample, tmp_path: Path) -> None:
    """Two exports of the same project are byte-identical: GUIDs from stable keys, fixed entry order and dates."""
    project, summary = sample
    again = project.export_qdpx(tmp_path / "again.qdpx")
    assert again.path.read_bytes() == summary.path.read_bytes()


def test_export_structure(sample) -> None:
    """project.qde comes first, then one sources/GUID.txt per document holding its stored text; every coding
    selection covers the coding's characters and names its coder; children follow the schema's order."""
    import xml.etree.ElementTree as ET

    project, summary = sample
    with zipfile.ZipFile(summary.path) as archive:
        names = archive.namelist()
        root = ET.fromstring(archive.read("project.qde"))
        texts = {name: archive.read(name).decode("utf-8") for name in names[1:]}
    assert names[0] == "project.qde" and all(n.startswith("sources/") and n.endswith(".txt") for n in names[1:])
    order = ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs", "Description",
             "NoteRef"]
    present = [child.tag.removeprefix(NS) for child in root]
    assert present == sorted(present, key=order.index)
    assert list(dict.fromkeys(present)) == ["Users", "CodeBook", "Variables", "Cases", "Sources", "Sets",
                                            "Description"]
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{NS}User")}
    store = open_store(project.store_path)
    stored = {d.id: d.text for d in store.documents()}
    store.close()
    coded = 0
    for source in root.iter(f"{NS}TextSource"):
        text = texts[source.get("plainTextPath").replace("internal://", "sources/")]
        assert text == stored[source.get("name")]
        for selection in source.iter(f"{NS}PlainTextSelection"):
            coding = selection.find(f"{NS}Coding")
            if coding is not None:
                coded += 1
                assert users[coding.get("creatingUser")] in ("auto", "lan")
                span = text[int(selection.get("startPosition")):int(selection.get("endPosition"))]
                assert " ".join(span.split()).startswith(selection.get("name").rstrip("…"))
    assert coded == summary.codings


def test_focus_group_speakers_are_cases_by_their_turns(sample) -> None:
    """An interviewee is a case referring to the whole interview (SourceRef); a focus-group speaker's case refers
    to the coded selections inside their own turns (SelectionRef) and names its speaker label, and carries their
    attributes as typed values; no selection anywhere lacks a coding (a bare one is an annotation elsewhere)."""
    import xml.etree.ElementTree as ET

    project, summary = sample
    with zipfile.ZipFile(summary.path) as archive:
        root = ET.fromstring(archive.read("project.qde"))
    sources = {s.get("guid"): s for s in root.iter(f"{NS}TextSource")}
    selections = {sel.get("guid"): (source.get("name"), sel) for source in sources.values()
                  for sel in source.iter(f"{NS}PlainTextSelection")}
    assert all(sel.find(f"{NS}Coding") is not None for _, sel in selections.values())
    cases = {c.get("name"): c for c in root.iter(f"{NS}Case")}
    store = open_store(project.store_path)
    turns = store.turns()
    store.close()
    fgd_turns = [t for t in turns if t.document == "FGD-01" and t.role.value == "respondent"]
    speaker = next(t.participant for t in fgd_turns
                   if any(selections[r.get("targetGUID")][0] == "FGD-01"
                          for r in cases[t.participant].iter(f"{NS}SelectionRef")))
    own = [t for t in fgd_turns if t.participant == speaker]
    for ref in cases[speaker].iter(f"{NS}SelectionRef"):
        doc, sel = selections[ref.get("targetGUID")]
        start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
        assert doc == "FGD-01" and any(t.start <= start and end <= t.end for t in own)
    assert cases[speaker].find(f"{NS}SourceRef") is None
    assert f"qualcode speaker: FGD-01: {own[0].label}" in cases[speaker].find(f"{NS}Description").text
    idi_speaker = next(t.participant for t in turns if t.document == "IDI-03" and t.role.value == "respondent")
    idi_refs = [sources[r.get("targetGUID")].get("name") for r in cases[idi_speaker].iter(f"{NS}SourceRef")]
    assert idi_refs == ["IDI-03"]
    values = [v for v in cases[speaker].iter(f"{NS}VariableValue")]
    assert values and all(v[1].tag == f"{NS}TextValue" for v in values)


def test_guids_are_unique(sample) -> None:
    """No two elements of an export share a GUID (tools merge or drop objects that do)."""
    import xml.etree.ElementTree as ET

    _, summary = sample
    with zipfile.ZipFile(summary.path) as archive:
        root = ET.fromstring(archive.read("project.qde"))
    guids = [e.get("guid").lower() for e in root.iter() if e.get("guid")]
    assert len(guids) > 800 and len(set(guids)) == len(guids)


def test_export_validates_against_project_xsd(sample, tmp_path: Path) -> None:
    """The default export and a draft export with suggestions both validate against the official Project.xsd."""
    schema = _schema("Project.xsd")
    project, summary = sample
    draft = project.export_qdpx(tmp_path / "draft.qdpx", include_suggestions=True)
    for path in (summary.path, draft.path):
        with zipfile.ZipFile(path) as archive:
            schema.validate(archive.read("project.qde").decode("utf-8"))


def test_variables_are_typed_from_their_values() -> None:
    """Whole numbers are Integer, decimals Float, true/false Boolean, anything else (or a mix) Text."""
    assert variable_type(["34", "-2", "0"]) == "Integer"
    assert variable_type(["1.5", "2"]) == "Float"
    assert variable_type(["true", "false", ""]) == "Boolean"
    assert variable_type(["034"]) == "Text" and variable_type(["3", "n/a"]) == "Text"


def test_codebook_qdc_round_trip(sample, tmp_path: Path, cli) -> None:
    """`codebook export FILE.qdc` validates against Codebook.xsd (when ../shared is present) and `codebook import`
    brings it back with the same ids, labels, hierarchy, colours, definitions and groups."""
    project, _ = sample
    qdc = tmp_path / "barriers.qdc"
    result = cli("codebook", "export", qdc, "--project", project.root)
    assert result.exit_code == 0, result.output
    assert qdc.read_bytes().startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<CodeBook')
    back = tmp_path / "back.yaml"
    result = cli("codebook", "import", qdc, "-o", back, "--project", project.root)
    assert result.exit_code == 0, result.output
    original = load_codebook(REPO / "codebooks" / "barriers.yaml").codebook
    imported = load_codebook(back).codebook
    assert [(c.id, c.label, c.parent, c.color) for c in imported.codes] == \
        [(c.id, c.label, c.parent, c.color) for c in original.codes]
    assert imported.groups == original.groups
    if (REFI / "Codebook.xsd").is_file():
        _schema("Codebook.xsd").validate(qdc.read_text(encoding="utf-8"))


def test_qdc_with_empty_sets_and_no_qualcode_ids(tmp_path: Path, cli, project: Path) -> None:
    """A .qdc from another tool, ending in an empty <Sets/>, with accented and duplicate names: ids are derived
    from the names, unique, and the YAML is valid; it is never written over an existing file."""
    qdc = tmp_path / "other.qdc"
    qdc.write_text("""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="MAXQDA 2022">
  <Codes>
    <Code guid="{11111111-1111-1111-1111-111111111111}" name="Ngôn ngữ" isCodable="true" color="#FF0000">
      <Description>Language.</Description>
      <Code guid="22222222-2222-2222-2222-222222222222" name="citizenship" isCodable="true"/>
    </Code>
    <Code guid="33333333-3333-3333-3333-333333333333" name="citizenship" isCodable="true" color="red"/>
  </Codes>
  <Sets/>
</CodeBook>
""", encoding="utf-8")
    out = project / "codebooks" / "other.yaml"
    result = cli("codebook", "import", qdc, "-o", out, "--project", project)
    assert result.exit_code == 0, result.output
    book = load_codebook(out).codebook
    assert [(c.id, c.label, c.color) for c in book.codes] == [
        ("ngon_ngu", "Ngôn ngữ", "#FF0000"), ("ngon_ngu.citizenship", "citizenship", None),
        ("citizenship", "citizenship", None)]
    again = cli("codebook", "import", qdc, "-o", out, "--project", project)
    assert again.exit_code == 1 and "never writes over" in again.stderr


# -- other tools' projects -------------------------------------------------------------------------------------
def _qdpx(path: Path, qde: str, entries: dict[str, bytes] | None = None, qde_name: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(qde_name, qde.encode("utf-8"))
        for name, data in (entries or {}).items():
            archive.writestr(name, data)
    return path


USER = "AD68FBE7-E1EE-4A82-A279-23CC698C89EB"
CODE = "0F8A1907-7E42-4739-8610-A676B4D1B69F"


def _project_xml(sources: str, cases: str = "") -> str:
    return f"""<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Tool project" origin="SomeTool 1.0">
  <Users><User guid="{USER}" name="Friedrich Markgraf"/></Users>
  <CodeBook><Codes><Code guid="{CODE}" name="Feelings" isCodable="true" color="#F00082"/></Codes></CodeBook>
  <Variables><Variable guid="99999999-0000-0000-0000-000000000001" name="age" typeOfVariable="Integer"/></Variables>
  {cases}
  <Sources>{sources}</Sources>
</Project>"""


def _selection(start: int, end: int, guid: str = "4191294A-E287-4510-95B0-69BCE4638E56", name: str = "") -> str:
    return (f'<PlainTextSelection guid="{guid}" startPosition="{start}" endPosition="{end}" name="{name}" '
            f'creatingUser="{USER}"><Coding guid="445A6AEC-1400-4502-919D-0867832FF2{start % 100:02d}" '
            f'creatingUser="{USER}"><CodeRef targetGUID="{CODE}"/></Coding></PlainTextSelection>')


def _coded(project: qualcode.Project) -> list[tuple[str, str, str]]:
    store = open_store(project.store_path)
    try:
        return [(c.document, c.coder, c.text) for c in store.codings()]
    finally:
        store.close()


def test_import_tolerates_what_tools_write(tmp_path: Path) -> None:
    """A `<name>.qde`, a `Sources/` folder, CRLF and decomposed (NFD) text, inline PlainTextContent and a missing
    source file: the texts come in normalised, and each coding covers the same words as in the tool."""
    crlf = "Interviewer: How was breakfast?\r\nRespondent: Cafe\u0301 au lait, happy.\r\n" \
           "Interviewer: And then?\r\nRespondent: Sleepy all day.\r\n"
    start = crlf.index("happy")
    inline = "Lan: I was happy.\nMai: Me too.\nLan: Really happy.\nMai: Good.\n"
    sources = f"""
      <TextSource guid="69A4332D-5B31-4915-B520-5275CFC21B40" name="Interview 1.docx"
                  plainTextPath="internal://01106019-2518-43DD-BBD1-8F0252BACB30.txt">
        {_selection(start, start + 5, name="happy")}
      </TextSource>
      <TextSource guid="51AD8E46-427A-4E6B-AFE7-BD96C1EFF0AD" name="Group talk">
        <PlainTextContent>{inline}</PlainTextContent>
        {_selection(inline.index("Really"), inline.index("Really") + 12, "5191294A-E287-4510-95B0-69BCE4638E56")}
      </TextSource>
      <TextSource guid="57C6099B-934F-4C86-90F2-CC6C2F2A3CC3" name="Lost.txt"
                  plainTextPath="internal://C8A57C71-D156-4A94-8407-2BD2FA57E2A4.txt">
        {_selection(0, 4, "6191294A-E287-4510-95B0-69BCE4638E56")}
      </TextSource>"""
    path = _qdpx(tmp_path / "tool.qdpx", _project_xml(sources),
                 {"Sources/01106019-2518-43DD-BBD1-8F0252BACB30.txt": crlf.encode("utf-8")}, "Tool project.qde")
    fresh = _fresh(tmp_path / "p")
    report = fresh.import_qdpx(path)
    assert sorted(report.documents) == ["Group talk", "Interview 1"]
    assert sorted(_coded(fresh)) == [("Group talk", "Friedrich Markgraf", "Really happy"),
                                      ("Interview 1", "Friedrich Markgraf", "happy")]
    assert report.dropped == Counter({"text source without text": 1, "coding on a source without text": 1})
    store = open_store(fresh.store_path)
    text = store.document("Interview 1").text
    store.close()
    assert "\r" not in text and unicodedata.is_normalized("NFC", text) and "Café" in text


def test_nvivo_utf16_positions_are_detected_and_converted(tmp_path: Path) -> None:
    """Positions counted in UTF-16 code units after an emoji (outside the BMP) are recognised and converted, so
    the coding lands on the same words."""
    text = "Lan: Breakfast \U0001F600 was good.\nMai: I was so happy that morning.\nLan: Yes.\nMai: Bye.\n"
    start = text.index("so happy") + 1  # one more UTF-16 unit per emoji before it
    sources = f"""<TextSource guid="69A4332D-5B31-4915-B520-5275CFC21B40" name="IDI-9"
        plainTextPath="internal://01106019-2518-43DD-BBD1-8F0252BACB30.txt">
        {_selection(start, start + 8, name="so happy")}</TextSource>"""
    path = _qdpx(tmp_path / "nvivo.qdpx", _project_xml(sources),
                 {"sources/01106019-2518-43DD-BBD1-8F0252BACB30.txt": text.encode("utf-8")})
    fresh = _fresh(tmp_path / "p")
    report = fresh.import_qdpx(path)
    assert report.codings == 1 and _coded(fresh)[0][2] == "so happy"


def test_positions_helpers() -> None:
    """CRLF, a BOM and decomposed letters map to the normalised text; other readings of positions are considered
    only when the text could make them differ."""
    text, offsets = normalise_with_map("\ufeffa\r\nCafe\u0301 b")
    assert text == "a\nCafé b" and offsets[4] == 2 and text[offsets[10]:] == "b"
    assert choose("plain text", "plain text", []).mode == "points"


def test_positions_counted_on_normalised_text_are_recognised(tmp_path: Path) -> None:
    """A tool that counted positions after turning CRLF into LF (its selection names say so) still gets its
    codings on the same words; code points of the stored CRLF text win when the names agree with them."""
    crlf = "Lan: One.\r\nMai: Two.\r\nLan: Three.\r\nMai: I was so happy.\r\n"
    lf = crlf.replace("\r\n", "\n")
    start = lf.index("so happy")
    sources = f"""<TextSource guid="69A4332D-5B31-4915-B520-5275CFC21B40" name="IDI-8"
        plainTextPath="internal://01106019-2518-43DD-BBD1-8F0252BACB30.txt">
        {_selection(start, start + 8, name="so happy")}</TextSource>"""
    path = _qdpx(tmp_path / "lf.qdpx", _project_xml(sources),
                 {"sources/01106019-2518-43DD-BBD1-8F0252BACB30.txt": crlf.encode("utf-8")})
    fresh = _fresh(tmp_path / "p")
    assert fresh.import_qdpx(path).codings == 1 and _coded(fresh)[0][2] == "so happy"


def test_cases_become_participants_with_attributes(tmp_path: Path) -> None:
    """A case referring to a whole interview becomes its respondent with the case's variables; a case referring
    to a focus-group selection becomes the speaker of the turn holding it."""
    idi = "Interviewer: Hello?\nRespondent: I am fine.\nInterviewer: Good?\nRespondent: Yes.\n"
    fgd = "Moderator: Hello all.\nLan: I am fine.\nMai: Me too.\nLan: Yes.\nMai: No.\n"
    at = fgd.index("Me too")
    sources = f"""<TextSource guid="69A4332D-5B31-4915-B520-5275CFC21B40" name="IDI-1"><PlainTextContent>{idi}
</PlainTextContent></TextSource>
<TextSource guid="51AD8E46-427A-4E6B-AFE7-BD96C1EFF0AD" name="FGD-1"><PlainTextContent>{fgd}</PlainTextContent>
{_selection(at, at + 6, "7191294A-E287-4510-95B0-69BCE4638E56")}</TextSource>"""
    cases = """<Cases>
  <Case guid="C1000000-0000-0000-0000-000000000001" name="Ana"><VariableValue>
    <VariableRef targetGUID="99999999-0000-0000-0000-000000000001"/><IntegerValue>34</IntegerValue></VariableValue>
    <SourceRef targetGUID="69A4332D-5B31-4915-B520-5275CFC21B40"/></Case>
  <Case guid="C1000000-0000-0000-0000-000000000002" name="Mai"><VariableValue>
    <VariableRef targetGUID="99999999-0000-0000-0000-000000000001"/><IntegerValue>61</IntegerValue></VariableValue>
    <SelectionRef targetGUID="7191294A-E287-4510-95B0-69BCE4638E56"/></Case>
</Cases>"""
    fresh = _fresh(tmp_path / "p")
    report = fresh.import_qdpx(_qdpx(tmp_path / "cases.qdpx", _project_xml(sources, cases)))
    assert report.participants == 2
    people = {p: json.loads(a) for p, a in _rows(fresh, "SELECT id, attributes FROM participants")}
    assert people["Ana"] == {"age": "34"} and people["Mai"] == {"age": "61"}
    speakers = set(_rows(fresh, "SELECT document, label, participant FROM turns WHERE role = 'respondent'"))
    assert ("IDI-1", "Respondent", "Ana") in speakers and ("FGD-1", "Mai", "Mai") in speakers


def test_import_never_overwrites(tmp_path: Path, cli) -> None:
    """Importing the same project twice keeps the first documents and codebook: the second import writes a new
    codebook name, refuses the documents the project already has, and exits 1 saying so."""
    sources = """<TextSource guid="69A4332D-5B31-4915-B520-5275CFC21B40" name="IDI-1"><PlainTextContent>Lan: Hi.
Mai: Hello.</PlainTextContent></TextSource>"""
    path = _qdpx(tmp_path / "twice.qdpx", _project_xml(sources))
    root = tmp_path / "p"
    _fresh(root)
    first = cli("import", path, "--project", root)
    assert first.exit_code == 0, first.output
    second = cli("import", path, "--project", root)
    assert second.exit_code == 1 and "already has a document 'IDI-1'" in second.stderr
    assert sorted(p.name for p in (root / "codebooks").iterdir()) == ["tool_project-2.yaml", "tool_project.yaml"]


# -- malicious archives --------------------------------------------------------------------------------------
def test_path_escape_is_refused(tmp_path: Path, cli) -> None:
    """An entry named ../evil.txt is refused with a clear message, and nothing is written."""
    path = _qdpx(tmp_path / "evil.qdpx", _project_xml(""), {"../evil.txt": b"x"})
    root = tmp_path / "p"
    _fresh(root)
    result = cli("import", path, "--project", root)
    assert result.exit_code == 1 and "refused: entry '../evil.txt' points outside the archive" in result.stderr
    assert sorted(p.name for p in root.iterdir()) == ["qualcode.toml", "transcripts"]


def test_entity_bomb_is_refused(tmp_path: Path, cli) -> None:
    """A billion-laughs entity bomb in project.qde is refused before any expansion."""
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            '<Project xmlns="urn:QDA-XML:project:1.0" name="&lol2;"/>')
    root = tmp_path / "p"
    _fresh(root)
    result = cli("import", _qdpx(tmp_path / "bomb.qdpx", bomb), "--project", root)
    assert result.exit_code == 1 and "refused: the XML declares a DTD or entities" in result.stderr


def test_external_entity_is_refused(tmp_path: Path) -> None:
    """An external entity (reading /etc/passwd) in a .qdc is refused."""
    qdc = tmp_path / "xxe.qdc"
    qdc.write_text('<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                   '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="11111111-1111-1111-1111-'
                   '111111111111" name="&x;" isCodable="true"/></Codes></CodeBook>', encoding="utf-8")
    project = _fresh(tmp_path / "p")
    with pytest.raises(qualcode.errors.InputFileError, match="refused"):
        project.import_codebook(qdc, tmp_path / "x.yaml")
    assert not (tmp_path / "x.yaml").exists()


def test_zip_bomb_is_refused(tmp_path: Path, cli, monkeypatch) -> None:
    """A source that decompresses a thousand times its stored size is refused as a zip bomb."""
    text = "Lan: " + "a" * (3 * 1024 * 1024)
    sources = """<TextSource guid="69A4332D-5B31-4915-B520-5275CFC21B40" name="IDI-1"
        plainTextPath="internal://01106019-2518-43DD-BBD1-8F0252BACB30.txt"/>"""
    path = tmp_path / "zipbomb.qdpx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", _project_xml(sources))
        archive.writestr("sources/01106019-2518-43DD-BBD1-8F0252BACB30.txt", text, compresslevel=9)
    root = tmp_path / "p"
    _fresh(root)
    result = cli("import", path, "--project", root)
    assert result.exit_code == 1 and "zip bomb" in result.stderr
    assert not list((root / "transcripts").rglob("*.txt"))


# -- the real samples and the PDPilot study -------------------------------------------------------------------
@pytest.mark.parametrize("sample_name, expected", [
    ("TestProject.qdpx", ["2 PDF sources", "1 picture source", "1 audio source", "2 video sources", "1 link",
                          "1 graph", "6 text sources without text"]),
    ("nvivo_project.qdpx", ["2 text sources without text"]),
])
def test_real_samples_import_and_report_what_they_dropped(tmp_path: Path, cli, sample_name: str,
                                                          expected: list[str]) -> None:
    """The ATLAS.ti test project and the NVivo export import without error; every kind of thing left behind is
    reported with its count, and their codebooks (14 and 262 codes) are valid."""
    path = REFI / "samples" / sample_name
    if not path.is_file():
        pytest.skip(f"../shared/data/refi-qda/samples/{sample_name} is absent")
    root = tmp_path / "p"
    _fresh(root)
    result = cli("import", path, "--project", root)
    assert result.exit_code == 0, result.output
    for phrase in expected:
        assert f"warning: not brought over: {phrase}\n" in result.stderr
    written = next((root / "codebooks").glob("*.yaml"))
    report = load_codebook(written)
    assert report.errors == []
    assert len(report.codebook.codes) == {"TestProject.qdpx": 14, "nvivo_project.qdpx": 262}[sample_name]
    if sample_name == "TestProject.qdpx":
        assert yaml.safe_load(written.read_text(encoding="utf-8"))["groups"]
        assert "wrote 2 notes to" in result.stdout


def test_pdpilot_survives_export_and_import(pdpilot, tmp_path: Path) -> None:  # noqa: F811
    """The PDPilot project (MAXQDA segments imported as coder maxqda) exports and imports into a fresh project
    with the same number of codings per code, the same participants and the same texts."""
    root, _ = pdpilot
    project = qualcode.open_project(root)
    summary = project.export_qdpx(tmp_path / "pdpilot.qdpx")
    _schema("Project.xsd").validate(zipfile.ZipFile(summary.path).read("project.qde").decode("utf-8"))
    fresh = _fresh(tmp_path / "fresh")
    report = fresh.import_qdpx(summary.path)
    assert report.return_code == 0, report.problems
    sql = "SELECT code, coder, count(*) FROM codings GROUP BY code, coder"
    assert _rows(fresh, sql) == _rows(project, sql) and report.codings == summary.codings > 250
    for table in ("documents", "turns", "participants"):
        assert _rows(fresh, TABLES[table]) == _rows(project, TABLES[table]), table



def test_source_names_cannot_leave_the_transcripts_folder() -> None:
    """A source named like a path becomes a plain file name: no separators, no leading dots."""
    from qualcode.exchange.qdpx_import import document_id

    escaped = document_id("../../etc/passwd")
    assert "/" not in escaped and not escaped.startswith(".") and escaped.endswith("etc_passwd")
    assert document_id("C:\\Users\\x\\Interview 1.docx") == "C_Users_x_Interview 1"
    assert document_id("...") == "source"


def test_codebook_csv_export_reads_back(sample, tmp_path: Path, cli) -> None:
    """`codebook export FILE.csv` writes the code list `codebook import` reads: same labels, hierarchy, colours
    and definitions."""
    project, _ = sample
    listed = tmp_path / "codes.csv"
    assert cli("codebook", "export", listed, "--project", project.root).exit_code == 0
    back = tmp_path / "codes.yaml"
    assert cli("codebook", "import", listed, "-o", back, "--project", project.root).exit_code == 0
    original = load_codebook(REPO / "codebooks" / "barriers.yaml").codebook
    imported = load_codebook(back).codebook

    def shape(book):
        return [(book.label_path(c.id), c.color, " ".join(c.definition.split())) for c in book.codes]

    assert shape(imported) == shape(original)


def test_notes_go_out_and_come_back(sample, tmp_path: Path) -> None:
    """Notes given to the export land where tools read them — on a code or document as a memo in its
    Description, on the project as a dated Note in its own text file — validate, and an import brings the memos
    back as memos on their code and document, the project notes to notes/<archive>.md."""
    import xml.etree.ElementTree as ET

    from qualcode.exchange.qdpx_export import NoteItem

    project, _ = sample
    notes = [NoteItem("code:language", "lan", "Language is the main barrier.\nSee FGD-01."),
             NoteItem("document:IDI-03", "", "Recorded outdoors."), NoteItem("", "mai", "Project memo.",
                                                                           "2024-03-01 09:30:00+07:00"),
             NoteItem("", "mai", "Second project memo.")]
    summary = project.export_qdpx(tmp_path / "notes.qdpx", notes=notes)
    assert summary.notes == 4
    with zipfile.ZipFile(summary.path) as archive:
        qde = archive.read("project.qde").decode("utf-8")
        root = ET.fromstring(qde)
        note_texts = [archive.read(n.get("plainTextPath").replace("internal://", "sources/")).decode("utf-8")
                      for n in root.iter(f"{NS}Note")]
    if (REFI / "Project.xsd").is_file():
        _schema("Project.xsd").validate(qde)
    dated = [(n.get("name"), n.get("creationDateTime"), n.get("modifiedDateTime")) for n in root.iter(f"{NS}Note")]
    assert dated == [("Note by mai", "2024-03-01T02:30:00Z", "2024-03-01T02:30:00Z"),
                     ("Note by mai (2)", "2000-01-01T00:00:00Z", "2000-01-01T00:00:00Z")]
    assert note_texts == ["Project memo.", "Second project memo."]
    code = next(c for c in root.iter(f"{NS}Code") if c.get("name") == "Language barriers")
    assert "Memo (lan, 2000-01-01T00:00:00Z):\nLanguage is the main barrier.\nSee FGD-01." in \
        code.find(f"{NS}Description").text
    fresh = _fresh(tmp_path / "fresh")
    report = fresh.import_qdpx(summary.path)
    written = report.notes_file.read_text(encoding="utf-8")
    assert "Project memo." in written and "Second project memo." in written and "Recorded outdoors" not in written
    memos = _rows(fresh, "SELECT kind, target, author, created, text FROM memos")
    assert ("code", "language", "lan", "2000-01-01T00:00:00Z", "Language is the main barrier.\nSee FGD-01.") in memos
    assert ("document", "IDI-03", "imported", "2000-01-01T00:00:00Z", "Recorded outdoors.") in memos


def test_source_variables_that_front_matter_reserves(tmp_path: Path) -> None:
    """A tool's source variables named type or language with values qualcode cannot use are kept under another
    name (with a warning) instead of failing the document; other variables become document attributes."""
    qde = _project_xml("""<TextSource guid="69A4332D-5B31-4915-B520-5275CFC21B40" name="Interview 7">
      <PlainTextContent>Lan: Hello.\nMai: Hi.\nLan: Bye.\nMai: Bye.</PlainTextContent>
      <VariableValue><VariableRef targetGUID="99999999-0000-0000-0000-000000000002"/><TextValue>Interview</TextValue>
      </VariableValue>
      <VariableValue><VariableRef targetGUID="99999999-0000-0000-0000-000000000001"/><IntegerValue>7</IntegerValue>
      </VariableValue></TextSource>""").replace(
        "</Variables>", '<Variable guid="99999999-0000-0000-0000-000000000002" name="type" typeOfVariable="Text"/>'
                        "</Variables>")
    fresh = _fresh(tmp_path / "p")
    report = fresh.import_qdpx(_qdpx(tmp_path / "vars.qdpx", qde))
    assert report.documents == ["Interview 7"]
    attributes = json.loads(_rows(fresh, "SELECT attributes FROM documents")[0][0])
    assert attributes == {"source type": "Interview", "age": "7"}
    assert any("kept as 'source type'" in p.message for p in report.problems)


def test_identifying_attributes_stay_out_unless_asked_for(sample, tmp_path: Path) -> None:
    """Attributes marked identifying in qualcode.toml are not exported by default; --attributes chooses exactly
    which participant attributes go out."""
    project, _ = sample
    marked = qualcode.Project(root=project.root, config=Config(
        codebook=project.config.codebook, identifying=("household", "disability")))
    with zipfile.ZipFile(marked.export_qdpx(tmp_path / "a.qdpx").path) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    assert 'name="household"' not in qde and 'name="disability"' not in qde and 'name="gender"' in qde
    chosen = project.export_qdpx(tmp_path / "b.qdpx", attributes=["Gender"])
    with zipfile.ZipFile(chosen.path) as archive:
        qde = archive.read("project.qde").decode("utf-8")
    assert 'name="gender"' in qde and 'name="ethnicity"' not in qde


def test_import_without_text_sources_writes_no_transcripts_folder(tmp_path: Path) -> None:
    """A project whose sources are all media (no text) leaves no empty transcripts folder behind, and says what it
    dropped."""
    qde = _project_xml('<PDFSource guid="69A4332D-5B31-4915-B520-5275CFC21B40" name="scan.pdf"/>')
    fresh = _fresh(tmp_path / "p")
    report = fresh.import_qdpx(_qdpx(tmp_path / "media.qdpx", qde))
    assert report.documents == [] and report.dropped == Counter({"PDF source": 1})
    assert list((tmp_path / "p" / "transcripts").iterdir()) == []


def test_memos_are_in_their_objects_descriptions(sample) -> None:
    """Every memo is in the Description of what it is about — its document, code, participant's case or coding's
    selection (where QualCoder, ATLAS.ti and NVivo read a memo) — with its author and date, and parses back."""
    import xml.etree.ElementTree as ET

    from qualcode.exchange.descriptions import parse

    project, summary = sample
    with zipfile.ZipFile(summary.path) as archive:
        root = ET.fromstring(archive.read("project.qde"))
    assert summary.memos == 4 and root.find(f"{NS}Notes") is None
    store = open_store(project.store_path)
    created = {m.text: m.created for m in store.memos()}
    store.close()

    def memos(tag: str, name: str) -> list[tuple[str, str, str]]:
        element = next(e for e in root.iter(f"{NS}{tag}") if e.get("name", "").startswith(name))
        return [(m.author, m.date, m.text) for m in parse(element.find(f"{NS}Description").text).memos]

    for tag, name, text in (("TextSource", "IDI-01", "Recorder stopped twice."),
                            ("Code", "Language barriers", "Keep narrow."),
                            ("Case", "P05", "Asked to check the quote."),
                            ("PlainTextSelection", "Thank you, anh Sùng", "Borderline: housework or care?")):
        assert memos(tag, name) == [("lan", created[text], text)], (tag, name)


def test_suggestions_are_opt_in_and_say_their_status(sample, tmp_path: Path) -> None:
    """Unreviewed and rejected codings go out only when asked for, each with its status as the first line of its
    selection's Description (what other tools show as its memo), and come back into qualcode with that status."""
    import xml.etree.ElementTree as ET

    project, summary = sample
    with zipfile.ZipFile(summary.path) as archive:
        assert "qualcode status:" not in archive.read("project.qde").decode("utf-8")
    draft = project.export_qdpx(tmp_path / "draft.qdpx", statuses=["suggested", "rejected"])
    with zipfile.ZipFile(draft.path) as archive:
        root = ET.fromstring(archive.read("project.qde"))
    firsts = Counter((s.find(f"{NS}Description").text or "").split("\n")[0]
                     for s in root.iter(f"{NS}PlainTextSelection"))
    assert set(firsts) == {"qualcode status: suggested (a rule's suggestion, not reviewed by a coder)",
                           "qualcode status: rejected (a suggestion a coder rejected)"}
    fresh = _fresh(tmp_path / "fresh")
    fresh.import_qdpx(draft.path)
    sql = 'SELECT document, start, "end", code, status FROM codings WHERE status != \'accepted\''
    assert _rows(fresh, sql) == _rows(project, sql)


def test_each_owner_kind_has_its_own_variables(sample) -> None:
    """A document attribute named like a participant attribute (`site`) is its own Variable, `site (document)`,
    saying which attribute it is; dates are typed Date; no Variable holds values of both kinds."""
    import xml.etree.ElementTree as ET

    _, summary = sample
    with zipfile.ZipFile(summary.path) as archive:
        root = ET.fromstring(archive.read("project.qde"))
    variables = {v.get("guid"): v for v in root.iter(f"{NS}Variable")}
    names = {v.get("name"): v for v in variables.values()}
    assert names["site (document)"].find(f"{NS}Description").text == "qualcode attribute: site"
    assert names["date"].get("typeOfVariable") == "Date" and names["site"].get("typeOfVariable") == "Text"
    used: dict[str, set[str]] = {}
    for owner in ("Case", "TextSource"):
        for element in root.iter(f"{NS}{owner}"):
            for ref in element.findall(f"{NS}VariableValue/{NS}VariableRef"):
                used.setdefault(variables[ref.get("targetGUID")].get("name"), set()).add(owner)
    assert used["site"] == {"Case"} and used["site (document)"] == {"TextSource"}
    assert all(len(owners) == 1 for owners in used.values())


def test_code_descriptions_carry_guidance_and_come_back(sample, tmp_path: Path, cli) -> None:
    """A code's Description reads as definition, Include, Exclude, Examples and Counterexamples sections, then
    `qualcode id`; the project's Description names the codebook and its version; a .qdc and a .qdpx import bring
    the guidance back into the YAML codebook."""
    import xml.etree.ElementTree as ET

    project, summary = sample
    original = load_codebook(REPO / "codebooks" / "barriers.yaml").codebook
    with zipfile.ZipFile(summary.path) as archive:
        root = ET.fromstring(archive.read("project.qde"))
    language = next(c for c in root.iter(f"{NS}Code") if c.get("name") == "Language barriers")
    text = language.find(f"{NS}Description").text
    assert text.startswith("Difficulties that arise because people speak") and text.endswith("qualcode id: language")
    assert "\n\nInclude: Statements about how well" in text and "\n\nExclude: A mention of an ethnic group" in text
    assert "\n\nExamples:\n- I speak Vietnamese only a little" in text
    assert root.find(f"{NS}Description").text == (f"qualcode codebook: {original.name}\n"
                                                  f"qualcode codebook version: {original.version}")

    def guidance(book):
        return [(c.id, " ".join(c.definition.split()), " ".join(c.include.split()), " ".join(c.exclude.split()),
                 [" ".join(e.split()) for e in c.examples], [" ".join(e.split()) for e in c.counterexamples])
                for c in book.codes]

    qdc, back = tmp_path / "b.qdc", tmp_path / "b.yaml"
    assert cli("codebook", "export", qdc, "--project", project.root).exit_code == 0
    assert cli("codebook", "import", qdc, "-o", back, "--project", project.root).exit_code == 0
    assert guidance(load_codebook(back).codebook) == guidance(original)
    fresh = _fresh(tmp_path / "fresh")
    assert guidance(load_codebook(fresh.import_qdpx(summary.path).codebook).codebook) == guidance(original)


def test_colours_are_six_digits_and_orphans_stay(tmp_path: Path) -> None:
    """A `#abc` colour goes out as `#AABBCC` (QualCoder reads only six digits), and a code whose parent is not in
    the codebook is exported at the top level rather than lost."""
    import xml.etree.ElementTree as ET

    from qualcode.codebook.load import Code, Codebook
    from qualcode.exchange.qdc import codebook_qdc

    book = Codebook("Orphans", "2", "en", "sentence", (
        Code("care", "Care", "x", color="#abc"), Code("care.lost", "Lost child", "x", parent="gone", level=2)))
    root = ET.fromstring(codebook_qdc(book))
    codes = [(c.get("name"), c.get("color")) for c in root.find("{urn:QDA-XML:codebook:1.0}Codes")]
    assert codes == [("Care", "#AABBCC"), ("Lost child", None)]
    if (REFI / "Codebook.xsd").is_file():
        _schema("Codebook.xsd").validate(codebook_qdc(book).decode("utf-8"))


def test_memo_dates_in_other_formats(sample, tmp_path: Path) -> None:
    """A memo whose stored date is not ISO 8601 still exports (its date kept as written in the memo's header),
    and the export stays valid and byte-identical from run to run."""
    project, _ = sample
    root = tmp_path / "p"
    shutil.copytree(project.root, root, ignore=shutil.ignore_patterns("out"))
    con = sqlite3.connect(root / ".qualcode" / "qualcode.db")
    con.execute("UPDATE memos SET created = '07/12/2026 10:00', updated = 'yesterday' WHERE kind = 'document'")
    con.execute("UPDATE memos SET created = '2026-12-07 10:00:00+07:00' WHERE kind = 'code'")
    con.commit()
    con.close()
    moved = qualcode.open_project(root)
    first = moved.export_qdpx(tmp_path / "a.qdpx").path.read_bytes()
    assert moved.export_qdpx(tmp_path / "b.qdpx").path.read_bytes() == first
    qde = zipfile.ZipFile(tmp_path / "a.qdpx").read("project.qde").decode("utf-8")
    assert "Memo (lan, 07/12/2026 10:00):\nRecorder stopped twice." in qde
    assert "Memo (lan, 2026-12-07T03:00:00Z):\nKeep narrow." in qde
    if (REFI / "Project.xsd").is_file():
        _schema("Project.xsd").validate(qde)


TAGUETTE_QDC = ('<?xml version="1.0" encoding="utf-8"?>\n<CodeBook origin="Taguette 1.5.2" '
                'xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="9C4E5E3A-1E0B-5F0E-8E9B-1D2A3B4C5D6E" '
                'name="interesting" isCodable="true"></Code><Code guid="2B7F1C3D-4E5F-5A6B-9C8D-7E6F5A4B3C2D" '
                'name="interesting.quote" isCodable="true"></Code></Codes><Sets></Sets></CodeBook>')


def test_taguette_codebooks_both_ways(sample, tmp_path: Path, cli) -> None:
    """`codebook export --format taguette` writes the `tag,description` CSV Taguette imports (hierarchy by the
    ` > ` path, which Taguette's sub-tag prefix search follows) and `codebook import` reads it back; Taguette's
    own CSV export (`tag` with `.` levels, counts) and its schema-invalid .qdc (empty `<Sets>`) come in."""
    project, _ = sample
    out = tmp_path / "taguette.csv"
    result = cli("codebook", "export", out, "--format", "taguette", "--project", project.root)
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "tag,description" and lines[2].startswith('Language barriers > Literacy,"')
    back = tmp_path / "back.yaml"
    assert cli("codebook", "import", out, "-o", back, "--project", project.root).exit_code == 0
    original = load_codebook(REPO / "codebooks" / "barriers.yaml").codebook
    imported = load_codebook(back).codebook
    assert [(imported.label_path(c.id), " ".join(c.definition.split())) for c in imported.codes] \
        == [(original.label_path(c.id), " ".join(c.definition.split())) for c in original.codes]
    assert cli("codebook", "export", tmp_path / "t.md", "--format", "taguette",
               "--project", project.root).exit_code == 2
    theirs = tmp_path / "codebook.csv"
    theirs.write_text("tag,description,number of highlights,number of documents\r\ninteresting,Worth a look,3,2\r\n"
                      "interesting.quote,A quotable line,1,1\r\n", encoding="utf-8")
    for separator, shape in ((">", [("interesting", None), ("interesting_quote", None)]),
                             (".", [("interesting", None), ("interesting.quote", "interesting")])):
        target = tmp_path / f"t{len(separator)}{separator == '.'}.yaml"
        assert cli("codebook", "import", theirs, "-o", target, "--separator", separator,
                   "--project", project.root).exit_code == 0
        book = load_codebook(target).codebook
        assert [(c.id, c.parent) for c in book.codes] == shape
        assert book.codes[0].definition == "Worth a look"
    qdc = tmp_path / "taguette.qdc"
    qdc.write_text(TAGUETTE_QDC, encoding="utf-8")
    target = tmp_path / "from-qdc.yaml"
    result = cli("codebook", "import", qdc, "-o", target, "--project", project.root)
    assert result.exit_code == 0, result.output
    assert [c.label for c in load_codebook(target).codebook.codes] == ["interesting", "interesting.quote"]

"""`qualcode pseudonymise`: real names replaced in every output, the store keeping the original."""

from __future__ import annotations

import shutil
import sqlite3
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO, SHARED

import qualcode
from qualcode.autocode.explain import context
from qualcode.codings.pseudonyms import Pseudonyms, hide_in_context, read_key, remap
from qualcode.project.store import open_store

NAME = "Nguyễn Thị Lành"
TERMS = (NAME, "Lành", "Séo Phìn")
TRANSCRIPT = ("---\nplace: Séo Phìn\n---\n"
              "Interviewer: Who helps you with the forms, Lành?\n"
              f"Lành: My neighbour {NAME} reads the forms for me, I cannot read them, they are only in Vietnamese. "
              "In Séo Phìn nobody else can read them.\n")


def _project(root: Path, cli) -> Path:
    (root / "transcripts").mkdir(parents=True)
    (root / "transcripts" / "IDI-01.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (root / "transcripts" / "participants.csv").write_text(
        "participant,document,speaker,gender,village\nP01,IDI-01,Lành,female,Séo Phìn\n", encoding="utf-8")
    shutil.copy(REPO / "codebooks" / "barriers.yaml", root)
    (root / "qualcode.toml").write_text('[project]\ncodebook = "barriers.yaml"\ncoder = "lan"\n',
                                        encoding="utf-8")
    (root / "key.csv").write_text(f"term,replacement,kind\n{NAME},,name\nLành,,name\nSéo Phìn,,place\n",
                                  encoding="utf-8")
    for args in (("ingest",), ("tag", "IDI-01", "2", "language"), ("tag", "IDI-01", "2", "gender", "--coder", "minh"),
                 ("memo", "add", "--coding", "1", "--text", f"{NAME} asked us not to use this"),
                 ("memo", "add", "--code", "language", "--text", "As in Séo Phìn, forms only in Vietnamese")):
        result = cli(*args, "-p", root)
        assert result.exit_code == 0, result.stderr
    return root


def _outputs(root: Path, cli, out: Path) -> list[Path]:
    runs = [("appendix", "-o", out / "appendix.docx", "--attribution", "participant,village", "--context",
             "--annex", "codebook"),
            ("appendix", "-o", out / "appendix.md", "--by", "village", "--context", "--annex", "codebook"),
            ("appendix", "-o", out / "appendix.html", "--attribution", "participant,village"),
            ("quotes", "language", "-o", out / "candidates.csv"),
            ("codings", "export", "-o", out / "codings.csv", "--attributes", "village"),
            ("codings", "export", "-o", out / "codings.xlsx", "--attributes", "village"),
            ("matrix", "--by", "village", "-o", out / "matrix.csv"),
            ("show", "IDI-01", "-o", out / "show.html"),
            ("search", NAME, "-o", out / "search.csv"),
            ("words", "--by", "village", "-o", out / "words.csv"),
            ("participants", "-o", out / "participants.csv"),
            ("codebook", "export", out / "codebook.md"),
            ("export", out / "project.qdpx"),
            ("agreement", "--coders", "lan,minh", "-o", out / "agreement.xlsx"),
            ("eval", "--gold", "minh", "--coder", "lan", "-o", out / "eval.csv")]
    for args in runs:
        result = cli(*args, "-p", root)
        assert result.exit_code == 0, (args, result.stderr)
    return sorted(out.iterdir())


def _terminal(root: Path, cli) -> dict[tuple[str, ...], str]:
    """What the exploring commands print, by their arguments."""
    runs = [("show", "IDI-01"), ("show", "IDI-01", "--codes"), ("search", NAME), ("search", "Lành"),
            ("search", "forms"), ("words",), ("words", "--by", "village"), ("codebook", "explain", "language.literacy"),
            ("participants",), ("quotes", "language"),
            ("agreement", "--coders", "lan,minh"), ("eval", "--gold", "minh", "--coder", "lan")]
    printed = {}
    for args in runs:
        result = cli(*args, "-p", root)
        assert result.exit_code == 0, (args, result.stderr)
        printed[args] = result.stdout
    return printed


def _found(text: str) -> list[str]:
    folded = unicodedata.normalize("NFC", text).casefold()
    return [term for term in TERMS if term.casefold() in folded]


def test_no_real_name_reaches_an_output_and_the_store_keeps_them(tmp_path: Path, cli) -> None:
    """After `pseudonymise --key`, a name planted in a transcript, a speaker label, front matter, an attribute
    and memos reaches none of the outputs — appendices, exports, `show` (terminal and HTML), `search`, `words`,
    `codebook explain`, `participants`, the .qdpx — and `leaks` finds nothing; the store keeps the original."""
    root = _project(tmp_path / "p", cli)
    result = cli("pseudonymise", "--key", root / "key.csv", "-p", root)
    assert result.exit_code == 0 and "3 terms will be replaced" in result.stdout
    files = _outputs(root, cli, tmp_path / "out")
    result = cli("leaks", *files, "--key", root / "key.csv", "-p", root)
    assert result.exit_code == 0, result.stderr
    for path in files:
        if path.suffix in (".csv", ".md", ".html"):
            assert not _found(path.read_text(encoding="utf-8")), path.name
    printed = _terminal(root, cli)
    assert {args: _found(text) for args, text in printed.items() if _found(text)} == {}
    markdown = (tmp_path / "out" / "appendix.md").read_text(encoding="utf-8")
    assert "My neighbour [Name-1] reads the forms" in markdown and "In [Place-1] nobody" in markdown
    assert "Who helps you with the forms, [Name-2]?" in markdown and "As in [Place-1], forms" in markdown
    assert "[Name-2] [P01]" in printed[("show", "IDI-01")] and "place: [Place-1]" in printed[("show", "IDI-01")]
    assert "My neighbour ⟦[Name-1]⟧ reads" in printed[("search", NAME)]
    assert "1 hit of “[Name-1]”" in printed[("search", NAME)]
    assert "…[Name-1] reads the forms for me, I ⟦cannot read⟧" in printed[("codebook", "explain", "language.literacy")]
    assert "[Name-1] asked us" in (tmp_path / "out" / "codings.csv").read_text(encoding="utf-8")
    page = (tmp_path / "out" / "show.html").read_text(encoding="utf-8")
    assert "My neighbour [Name-1] reads the forms for me, I cannot read them" in page and "<mark" in page
    with sqlite3.connect(root / ".qualcode" / "qualcode.db") as db:
        text = db.execute("SELECT text FROM documents").fetchone()[0]
        start, end, snapshot = db.execute('SELECT start, "end", text FROM codings').fetchone()
    assert NAME in text and text[start:end] == snapshot and NAME in snapshot


def test_leaks_catches_the_name_when_pseudonymisation_is_off(tmp_path: Path, cli) -> None:
    """With pseudonymisation switched off (or never on), the planted name is in the outputs — `show`, `search`
    and the .qdpx included — and `leaks` exits 1 naming it."""
    root = _project(tmp_path / "p", cli)
    assert cli("pseudonymise", "--key", root / "key.csv", "-p", root).exit_code == 0
    assert cli("pseudonymise", "--off", "-p", root).exit_code == 0
    files = _outputs(root, cli, tmp_path / "out")
    result = cli("leaks", *files, "--key", root / "key.csv", "-p", root)
    assert result.exit_code == 1
    for name in ("appendix.docx", "codings.xlsx", "show.html", "search.csv", "project.qdpx", "participants.csv",
                 "agreement.xlsx", "eval-errors.csv"):
        assert f"{name}: '{NAME if name != 'participants.csv' else 'Séo Phìn'}' (key)" in result.stderr, name
    printed = _terminal(root, cli)
    assert NAME in printed[("show", "IDI-01")] and NAME in printed[("search", NAME)]
    assert NAME in printed[("codebook", "explain", "language.literacy")]


def test_pseudonymise_needs_a_key_or_off(tmp_path: Path, cli) -> None:
    """Neither or both of --key and --off is a usage error; a key without terms names the file."""
    root = _project(tmp_path / "p", cli)
    assert cli("pseudonymise", "-p", root).exit_code == 2
    empty = root / "empty.csv"
    empty.write_text("term\n", encoding="utf-8")
    result = cli("pseudonymise", "--key", empty, "-p", root)
    assert result.exit_code == 1 and "empty.csv: no terms" in result.stderr


def _key_of(*pairs: tuple[str, str]) -> Pseudonyms:
    return Pseudonyms(tuple(pairs))


def test_remap_replaces_vietnamese_names_and_moves_offsets_after_them() -> None:
    """`remap` gives the same text as `apply` and maps offsets before, inside and after each replaced term,
    Vietnamese diacritics included."""
    key = _key_of((NAME, "[Name-1]"), ("Séo Phìn", "Village A"))
    text = f"My neighbour {NAME} reads. In séo phìn nobody reads."
    new, mapping = remap(text, key)
    assert new == key.apply(text) == "My neighbour [Name-1] reads. In Village A nobody reads."
    at = text.index(NAME)
    assert mapping.start(3) == mapping.end(3) == 3
    assert mapping.start(at) == mapping.end(at) == new.index("[Name-1]")
    inside = at + len("Nguyễn ")
    assert new[mapping.start(inside):mapping.end(inside + 3)] == "[Name-1]"
    after = text.index(" reads.")
    assert new[mapping.start(after):] == new[new.index(" reads."):]
    start, end = text.index("nobody"), len(text)
    assert new[mapping.start(start):mapping.end(end)] == "nobody reads."


def test_remap_handles_terms_at_the_very_start_and_end_and_decomposed_accents() -> None:
    """A term opening or closing the text, and a term written with decomposed accents, are replaced; spans
    over them map onto exactly their replacement; without a key the text is unchanged."""
    key = _key_of(("Lành", "[Name-2]"))
    text = "Lành said it to lành"
    new, mapping = remap(text, key)
    assert new == "[Name-2] said it to [Name-2]"
    assert new[mapping.start(0):mapping.end(4)] == "[Name-2]"
    assert new[mapping.start(len(text) - 4):mapping.end(len(text))] == "[Name-2]"
    assert new[mapping.start(0):mapping.end(len(text))] == new
    decomposed = unicodedata.normalize("NFD", "Chị Lành ơi")
    assert "Lành" not in unicodedata.normalize("NFC", remap(decomposed, key)[0])
    assert remap(text, None) == (text, remap(text, None)[1]) and remap(text, None)[1].start(7) == 7
    assert remap("Lành", key)[0] == "[Name-2]" and remap("Lànhs", key)[0] == "Lànhs"


def test_qdpx_export_holds_pseudonymised_text_with_remapped_selections(tmp_path: Path) -> None:
    """On the sample study, a pseudonymised .qdpx holds the replaced text, every coding's and turn's selection
    slices to the pseudonymised version of its original text, two exports are byte-identical and the export
    validates against Project.xsd; the store keeps the original."""
    root = tmp_path / "sample"
    root.mkdir()
    for part in ("qualcode.toml", "codebooks", "transcripts"):
        (shutil.copytree if (REPO / part).is_dir() else shutil.copy)(REPO / part, root / part)
    project = qualcode.open_project(root)
    project.ingest()
    project.code()
    key = tmp_path / "key.csv"
    key.write_text("term,replacement,kind\nTả Lèng,,place\nN.T.T.,,name\ncommune,Xã-ish place,place\n"
                   "Phòng Dân tộc,,organisation\n", encoding="utf-8")
    project.pseudonymise(key)
    pseudonyms = read_key(key)
    paths = [project.export_qdpx(tmp_path / f"{n}.qdpx", include_suggestions=True).path for n in (1, 2)]
    assert paths[0].read_bytes() == paths[1].read_bytes()
    store = open_store(project.store_path)
    documents = {d.id: d for d in store.documents()}
    codings = store.codings()
    store.close()
    with zipfile.ZipFile(paths[0]) as archive:
        qde = archive.read("project.qde").decode("utf-8")
        ns = "{urn:QDA-XML:project:1.0}"
        sources = {s.get("name"): (s, archive.read("sources/" + s.get("plainTextPath").split("//")[1]).decode())
                   for s in ET.fromstring(qde).iter(f"{ns}TextSource")}
    assert "Tả Lèng" in documents["IDI-03"].text and "Tả Lèng" not in sources["IDI-03"][1]
    replaced = coded = 0
    for doc_id, (source, text) in sources.items():
        original = documents[doc_id].text
        assert text == pseudonyms.apply(original)
        found, expected = Counter(), Counter()
        for selection in source.iter(f"{ns}PlainTextSelection"):
            piece = text[int(selection.get("startPosition")):int(selection.get("endPosition"))]
            assert selection.find(f"{ns}Coding") is not None  # no bare selections (turns) any more
            found.update([piece])
        for c in codings:
            if c.document == doc_id and c.status != "rejected":
                expected.update([pseudonyms.apply(c.text)])
                coded += 1
                replaced += pseudonyms.apply(c.text) != c.text
        assert found == expected, doc_id
    assert coded > 1000 and replaced > 20
    if (SHARED.parent / "refi-qda" / "Project.xsd").is_file():
        xmlschema = pytest.importorskip("xmlschema")
        xmlschema.XMLSchema(str(SHARED.parent / "refi-qda" / "Project.xsd")).validate(qde)


def test_a_coding_that_starts_inside_a_name_covers_its_whole_replacement(tmp_path: Path, cli) -> None:
    """A coding starting in the middle of a planted name is shown (terminal and HTML), quoted and exported (CSV
    and .qdpx) covering the name's whole replacement, with no fragment of the name left."""
    root = _project(tmp_path / "p", cli)
    result = cli("tag", "IDI-01", "2", "language.literacy", "--text", "Thị Lành reads the forms", "-p", root)
    assert result.exit_code == 0, result.stderr
    assert cli("pseudonymise", "--key", root / "key.csv", "-p", root).exit_code == 0
    shown = cli("show", "IDI-01", "--codes", "-p", root).stdout
    assert "= language.literacy (lan, accepted): “[Name-1] reads the forms”" in shown
    assert "⟦[Name-1] reads the forms⟧" in shown and "Thị" not in shown
    quotes = cli("quotes", "language.literacy", "-p", root).stdout
    assert "[Name-1] reads the forms" in quotes and "Thị" not in quotes
    assert cli("codings", "export", "-o", tmp_path / "codings.csv", "-p", root).exit_code == 0
    exported = (tmp_path / "codings.csv").read_text(encoding="utf-8")
    assert ",[Name-1] reads the forms," in exported and "Thị" not in exported
    assert cli("show", "IDI-01", "-o", tmp_path / "show.html", "-p", root).exit_code == 0
    page = (tmp_path / "show.html").read_text(encoding="utf-8")
    assert "[Name-1] reads the forms</mark>" in page and "Thị" not in page
    assert cli("export", tmp_path / "p.qdpx", "-p", root).exit_code == 0
    with zipfile.ZipFile(tmp_path / "p.qdpx") as archive:
        root_element = ET.fromstring(archive.read("project.qde"))
        source = next(root_element.iter("{urn:QDA-XML:project:1.0}TextSource"))
        text = archive.read("sources/" + source.get("plainTextPath").split("//")[1]).decode("utf-8")
    pieces = {text[int(s.get("startPosition")):int(s.get("endPosition"))]
              for s in source.iter("{urn:QDA-XML:project:1.0}PlainTextSelection")}
    assert "[Name-1] reads the forms" in pieces and "Thị" not in text


def test_explain_context_cut_inside_a_name_is_recut_from_the_pseudonymised_text() -> None:
    """When the context window cuts a full name so that only part of it shows, the example is cut again from
    the pseudonymised turn and no fragment of the name is left; an example not found again is pseudonymised
    as a whole."""
    key = _key_of((NAME, "[Name-1]"))
    text = f"Before that my neighbour {NAME} reads all the forms to me, I cannot read them."
    start = text.index("cannot read")
    left, right = context(text, start, start + 11, 0, len(text))
    assert left.startswith("…Thị Lành")  # the window alone would leak the given names
    shown = hide_in_context(text, 0, len(text), (left, "cannot read", right), key)
    assert shown[1:] == ("cannot read", " them.") and "Thị" not in shown[0] and "Lành" not in shown[0]
    assert hide_in_context("", 0, 0, (f"…{NAME} said ", "no", ""), key) == ("…[Name-1] said ", "no", "")
    assert hide_in_context(text, 0, len(text), (left, "cannot read", right), None) == (left, "cannot read", right)

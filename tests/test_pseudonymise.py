"""`qualcode pseudonymise`: real names replaced in every output, the store keeping the original."""

from __future__ import annotations

import html
import re
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
# planted where pseudonymisation used to miss it: a file name, spellings without accents, the codebook, memos
NAMED_FILE = "Lành-FGD"
NAMED_TRANSCRIPT = ("Interviewer: Who reads the letters from the commune for you?\n"
                    "Respondent: Nguyen Thi Lanh reads them, the forms are only in Vietnamese and I cannot read them. "
                    "In Seo Phin there is no school.\n")
PLANTED = {"Difficulties that arise because people speak": f"Difficulties (as {NAME} told us) that arise because "
                                                          "people speak",
           "Her Vietnamese is weak, she only knows": "Her Vietnamese is weak, Lành only knows",
           "A mention of an ethnic group that says nothing": "A mention by Lanh of an ethnic group that says nothing",
           "I'm Kinh, I moved up here from Nam Định": "I'm Kinh, I moved up to Seo Phin from Nam Định",
           "label: Language barriers": "label: Language barriers (Séo Phìn)"}


def _project(root: Path, cli) -> Path:
    (root / "transcripts").mkdir(parents=True)
    (root / "transcripts" / "IDI-01.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (root / "transcripts" / f"{NAMED_FILE}.txt").write_text(NAMED_TRANSCRIPT, encoding="utf-8")
    (root / "transcripts" / "participants.csv").write_text(
        "participant,document,speaker,gender,village\nP01,IDI-01,Lành,female,Séo Phìn\n"
        f"P02,{NAMED_FILE},Respondent,male,Séo Phìn\n", encoding="utf-8")
    book = (REPO / "codebooks" / "barriers.yaml").read_text(encoding="utf-8")
    for old, new in PLANTED.items():
        assert old in book
        book = book.replace(old, new, 1)
    (root / "barriers.yaml").write_text(book, encoding="utf-8")
    (root / "qualcode.toml").write_text('[project]\ncodebook = "barriers.yaml"\ncoder = "lan"\n',
                                        encoding="utf-8")
    (root / "key.csv").write_text(f"term,replacement,kind\n{NAME},,name\nLành,,name\nSéo Phìn,,place\n",
                                  encoding="utf-8")
    for args in (("ingest",), ("tag", "IDI-01", "2", "language"),
                 ("tag", "IDI-01", "2", "gender", "--coder", "minh"),
                 ("tag", NAMED_FILE, "2", "language"), ("tag", NAMED_FILE, "2", "prejudice", "--coder", "minh"),
                 ("memo", "add", "--coding", "1", "--text", f"{NAME} asked us not to use this"),
                 ("memo", "add", "--code", "language", "--text", "As in Séo Phìn, forms only in Vietnamese"),
                 ("memo", "add", "--document", NAMED_FILE, "--text", "Lanh was tired that day")):
        result = cli(*args, "-p", root)
        assert result.exit_code == 0, (args, result.stderr)
    return root


TABLES = (".csv", ".xlsx", ".json", ".md", ".html")


def _outputs(root: Path, cli, out: Path) -> list[Path]:
    """Every output command of qualcode, in every format it writes."""
    runs = [("appendix", "-o", out / "appendix.docx", "--attribution", "participant,village", "--context",
             "--annex", "codebook"),
            ("appendix", "-o", out / "appendix.md", "--by", "village", "--context", "--annex", "codebook"),
            ("appendix", "-o", out / "appendix.html", "--attribution", "participant,village", "--annex", "codebook"),
            ("quotes", "language", "-o", out / "candidates.csv"), ("quotes", "language", "-o", out / "candidates.xlsx"),
            *(("codings", "export", "-o", out / f"codings{s}", "--attributes", "village") for s in (*TABLES, ".jsonl")),
            *(("matrix", "--by", "village", "-o", out / f"matrix{s}") for s in TABLES),
            ("matrix", "--by", "document", "-o", out / "matrix-documents.csv"),
            ("cooccur", "-o", out / "cooccur.csv"),
            ("show", "IDI-01", "-o", out / "show.html"), ("show", NAMED_FILE, "-o", out / "show-named.html"),
            *(("search", NAME, "-o", out / f"search{s}") for s in TABLES),
            ("search", "forms", "-o", out / "search-forms.csv"),
            ("words", "--by", "village", "-o", out / "words.csv"),
            ("words", "--by", "document", "-o", out / "words.xlsx"),
            *(("documents", "-o", out / f"documents{s}") for s in TABLES),
            *(("participants", "-o", out / f"participants{s}") for s in TABLES),
            *(("codebook", "export", out / f"codebook{s}") for s in (".docx", ".md", ".html", ".qdc", ".csv")),
            ("export", out / "project.qdpx"),
            ("agreement", "--coders", "lan,minh", "-o", out / "agreement.xlsx"),
            ("agreement", "--coders", "lan,minh", "-o", out / "agreement.csv"),
            ("agreement", "--coders", "lan,minh", "-o", out / "agreement.docx"),
            ("eval", "--gold", "minh", "--coder", "lan", "-o", out / "eval.csv"),
            ("eval", "--gold", "minh", "--coder", "lan", "-o", out / "eval.xlsx")]
    for args in runs:
        result = cli(*args, "-p", root)
        assert result.exit_code == 0, (args, result.stderr)
    return sorted(out.iterdir())


def _terminal(root: Path, cli) -> dict[tuple[str, ...], str]:
    """What the exploring commands print, by their arguments."""
    runs = [("show", "IDI-01"), ("show", "IDI-01", "--codes"), ("show", NAMED_FILE, "--codes"), ("search", NAME),
            ("search", "Lành"), ("search", "forms"), ("words",), ("words", "--by", "village"),
            ("codebook", "explain", "language.literacy"), ("participants",), ("documents",), ("quotes", "language"),
            ("matrix", "--by", "document"), ("codings", "stale"),
            ("agreement", "--coders", "lan,minh"), ("eval", "--gold", "minh", "--coder", "lan")]
    printed = {}
    for args in runs:
        result = cli(*args, "-p", root)
        assert result.exit_code == 0, (args, result.stderr)
        printed[args] = result.stdout
    return printed


def _seen(path: Path) -> str:
    """The text of an output, read independently of `leaks`: every part of a package with its tags removed (Word
    runs and Excel rich text joined), HTML entities and JSON escapes decoded, accents and case folded."""
    if path.suffix in (".docx", ".xlsx", ".qdpx"):
        with zipfile.ZipFile(path) as package:
            parts = [f"{n}\n" + package.read(n).decode("utf-8") for n in package.namelist()
                     if n.endswith((".xml", ".rels", ".qde", ".txt"))]
        text = "\n".join(re.sub(r"</w:p>|</si>|</c>|</row>", "\n", p) for p in parts)
        text = re.sub(r'\w+="([^"]*)"', r" \1 ", text)  # attribute values (a source's name) as text
    else:
        text = path.read_text(encoding="utf-8")
    text = re.sub(r"\\u([0-9a-f]{4})", lambda m: chr(int(m[1], 16)), text)
    text = re.sub(r"</?(?:td|th|tr|p|div|li|h\d|br|dd|dt|title|w:tab|w:br)\b[^>]*>", " ", text)  # blocks part words
    text = re.sub(r"<[^>]+>", "", html.unescape(text))  # the rest (runs, <mark>) joins them
    text = unicodedata.normalize("NFC", html.unescape(text))
    return " ".join(re.sub(r"[_\-\u00ad\u200b]+", " ", text).split()).casefold()


def _spellings(term: str) -> str:
    """A pattern of every spelling a reader takes for ``term``: each letter as the key writes it or with no mark
    at all (`Lanh`, `Lành`), never with other marks — Vietnamese tells words apart by their tones, so `lãnh` (as
    in "bảo lãnh", a guarantor) is another word."""
    letters = []
    for c in unicodedata.normalize("NFC", term).casefold():
        bare = "d" if c == "đ" else "".join(x for x in unicodedata.normalize("NFD", c) if not unicodedata.combining(x))
        letters.append(" " if c == " " else c if bare == c else f"(?:{c}|{bare})")
    return r"\b" + "".join(letters) + r"\b"


NAMES = ("Nguyễn Thị Lành", "Lành", "Séo Phìn")


def _found(text: str) -> list[str]:
    """The planted names in ``text`` (any spelling a reader takes for them: accents or none, case, separators)."""
    seen = _seen_text(text)
    return [term for term in NAMES if re.search(_spellings(term), seen)]


def _seen_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return " ".join(re.sub(r"[_\-]+", " ", text).split()).casefold()


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """A project with names planted in a transcript, a file name, the codebook and memos, and every output
    written twice: pseudonymised (``on/``) and not (``off/``)."""
    from typer.testing import CliRunner

    from qualcode.cli import app

    def cli(*args):
        return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)

    base = tmp_path_factory.mktemp("planted")
    root = _project(base / "p", cli)
    assert cli("pseudonymise", "--key", root / "key.csv", "-p", root).exit_code == 0
    _outputs(root, cli, base / "on")
    (base / "on-terminal.txt").write_text("\n".join(_terminal(root, cli).values()), encoding="utf-8")
    assert cli("pseudonymise", "--off", "-p", root).exit_code == 0
    _outputs(root, cli, base / "off")
    (base / "off-terminal.txt").write_text("\n".join(_terminal(root, cli).values()), encoding="utf-8")
    assert cli("pseudonymise", "--key", root / "key.csv", "-p", root).exit_code == 0
    return base


def test_no_planted_name_reaches_any_output_and_the_store_keeps_them(planted: Path, cli) -> None:
    """After `pseudonymise --key`, a name planted in a transcript (with and without accents), a file name, a
    speaker label, front matter, an attribute, the codebook's label, definition, include, exclude, examples and
    memos reaches none of the ~50 outputs of every command in every format, nor what the exploring commands
    print; `leaks` finds nothing; the store keeps the original."""
    root, files = planted / "p", sorted((planted / "on").iterdir())
    assert {p.suffix for p in files} == {".docx", ".xlsx", ".csv", ".json", ".jsonl", ".md", ".html", ".qdc", ".qdpx"}
    assert {p.name: _found(_seen(p)) for p in files if _found(_seen(p))} == {}
    printed = (planted / "on-terminal.txt").read_text(encoding="utf-8")
    assert _found(printed) == []
    result = cli("leaks", *files, "--key", root / "key.csv", "-p", root)
    assert result.exit_code == 0, result.stderr
    markdown = (planted / "on" / "appendix.md").read_text(encoding="utf-8")
    assert "My neighbour [Name-1] reads the forms" in markdown and "In [Place-1] nobody" in markdown
    assert "Who helps you with the forms, [Name-2]?" in markdown and "As in [Place-1], forms" in markdown
    assert "[Name-1] reads them" in markdown and "([Name-2]-FGD, turn 2)" in markdown
    assert "Difficulties (as [Name-1] told us)" in markdown and "Language barriers ([Place-1])" in markdown
    assert "[Name-1] asked us" in (planted / "on" / "codings.csv").read_text(encoding="utf-8")
    assert ",[Name-2]-FGD,2," in (planted / "on" / "codings.csv").read_text(encoding="utf-8")
    assert "[Name-2] was tired" in (planted / "on" / "show-named.html").read_text(encoding="utf-8")
    page = (planted / "on" / "show.html").read_text(encoding="utf-8")
    assert "My neighbour [Name-1] reads the forms for me, I cannot read them" in page and "<mark" in page
    assert "transcripts/[Name-2]-FGD.txt" in (planted / "on" / "documents.csv").read_text(encoding="utf-8")
    assert "[Name-2] [P01]" in printed and "place: [Place-1]" in printed
    assert "My neighbour ⟦[Name-1]⟧ reads" in printed and "1 hit of “[Name-1]”" in printed
    assert "…[Name-1] reads the forms for me, I ⟦cannot read⟧" in printed
    with sqlite3.connect(root / ".qualcode" / "qualcode.db") as db:
        text = db.execute("SELECT text FROM documents WHERE id = 'IDI-01'").fetchone()[0]
        start, end, snapshot = db.execute('SELECT start, "end", text FROM codings WHERE id = 1').fetchone()
        named = db.execute("SELECT count(*) FROM documents WHERE id = ?", (NAMED_FILE,)).fetchone()[0]
    assert NAME in text and text[start:end] == snapshot and NAME in snapshot and named == 1


def test_leaks_finds_the_planted_names_in_every_format_when_pseudonymisation_is_off(planted: Path, cli) -> None:
    """With pseudonymisation off, `leaks` reports every output that holds a planted name — every format,
    .qdpx and .qdc included — with its place, and no other; and the terminal shows the names."""
    root, files = planted / "p", sorted((planted / "off").iterdir())
    named = {p for p in files if _found(_seen(p))}
    assert {p.suffix for p in named} == {".docx", ".xlsx", ".csv", ".json", ".jsonl", ".md", ".html", ".qdc", ".qdpx"}
    assert {p.name for p in files} - {p.name for p in named} == {"cooccur.csv"}  # code ids and counts only
    result = cli("leaks", *files, "--key", root / "key.csv", "-p", root)
    assert result.exit_code == 1
    reported = {line.split(": ")[0] for line in result.stderr.splitlines() if "' (key)" in line}
    assert reported == {str(p) for p in named}
    assert (f"{planted / 'off' / 'codings.csv'}: 'Lành' (key) 6 times: line 2, column speaker; line 2, column "
            "question; line 3, column speaker; line 3, column question; line 4, column document and 1 more") \
        in result.stderr
    assert f"{planted / 'off' / 'project.qdpx'}: 'Nguyễn Thị Lành' (key)" in result.stderr
    printed = (planted / "off-terminal.txt").read_text(encoding="utf-8")
    assert NAME in printed and NAMED_FILE in printed and "Nguyen Thi Lanh" in printed


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
    text = "Lành said it to LÀNH"
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


def _rows(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_sheets_showing_pseudonymised_ids_come_back(tmp_path: Path, cli) -> None:
    """A review sheet, an adjudication sheet and a quote candidates sheet written after `pseudonymise` show
    `[Name-2]-FGD` and still import: each row finds its coding or document through the key; a sheet written
    before the key imports too, and a document cell edited to another id is refused."""
    root = _project(tmp_path / "p", cli)
    assert cli("code", "-p", root).exit_code == 0
    assert cli("pseudonymise", "--key", root / "key.csv", "-p", root).exit_code == 0
    review = tmp_path / "review.csv"
    assert cli("codings", "export", "-o", review, "--status", "suggested", "-p", root).exit_code == 0
    rows = [r for r in _rows(review) if r["document"] == "[Name-2]-FGD"]
    assert rows and "Lanh" not in review.read_text(encoding="utf-8")
    _write_rows(review, [{**r, "decision": "reject"} for r in rows])
    result = cli("codings", "import", review, "--review", "-p", root)
    assert result.exit_code == 0 and f"applied {len(rows)} decision" in result.stdout, result.stderr
    edited = tmp_path / "edited.csv"
    _write_rows(edited, [{**rows[0], "document": "IDI-01", "decision": "accept"}])
    result = cli("codings", "import", edited, "--review", "-p", root)
    assert result.exit_code == 1 and "document differs" in result.stderr
    adjudicated = tmp_path / "adjudicated.csv"
    assert cli("codings", "export", "-o", adjudicated, "--coder", "minh", "-p", root).exit_code == 0
    _write_rows(adjudicated, [{**r, "decision": "accept"} for r in _rows(adjudicated)])
    result = cli("codings", "import", adjudicated, "--adjudicated", "--coder", "final", "-p", root)
    assert result.exit_code == 0 and "imported 2 codings as final" in result.stdout, result.stderr
    candidates = tmp_path / "candidates.csv"
    assert cli("quotes", "language", "-o", candidates, "-p", root).exit_code == 0
    picked = [r for r in _rows(candidates) if r["document"] == "[Name-2]-FGD"]
    _write_rows(candidates, [{**picked[0], "use": "exclude"}])
    result = cli("quotes", "import", candidates, "-p", root)
    assert result.exit_code == 0 and "1 exclusion" in result.stdout, (result.stdout, result.stderr)
    assert cli("pseudonymise", "--off", "-p", root).exit_code == 0
    before = tmp_path / "before.csv"
    assert cli("codings", "export", "-o", before, "--coder", "lan", "-p", root).exit_code == 0
    assert cli("pseudonymise", "--key", root / "key.csv", "-p", root).exit_code == 0
    _write_rows(before, [{**r, "decision": "accept"} for r in _rows(before)])
    result = cli("codings", "import", before, "--review", "-p", root)
    assert result.exit_code == 0, result.stderr

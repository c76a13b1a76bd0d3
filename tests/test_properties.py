"""Property-based tests: every reader, the codebook loader and every importer give a result or a QualcodeError
on arbitrary and mutated input — never another exception — offsets always slice the stored text, and
re-ingesting is idempotent. Example counts are small so the suite stays fast."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import REPO
from helpers import write_docx_xml, write_pdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualcode
from qualcode.codebook.load import load_codebook
from qualcode.errors import QualcodeError
from qualcode.ingest import READERS, add_sentences, read_document
from qualcode.ingest.encoding import INVISIBLE
from qualcode.ingest.participants import load_participants
from qualcode.project.folder import Config
from qualcode.project.store import open_store
from qualcode.report.safe_text import xml_text

FAST = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))


def _sample(suffix: str, tmp: Path) -> bytes:
    """A valid transcript of each format qualcode reads (the sample study's, or written here for PDF)."""
    if suffix == ".pdf":
        return write_pdf(tmp / "sample.pdf", [["Interviewer: How is the road?", "Respondent: Long and muddy."]]
                         ).read_bytes()
    found = sorted((REPO / "transcripts").glob(f"*{suffix}"))
    assert found, f"no sample transcript for {suffix}: add one so the property tests cover its reader"
    return min(found, key=lambda p: p.stat().st_size).read_bytes()


SAMPLES: dict[str, bytes] = {}


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each (position, deleted length, inserted bytes) edit applied in turn."""
    for position, deleted, inserted in edits:
        at = position % (len(data) + 1)
        data = data[:at] + inserted + data[at + deleted:]
    return data


EDITS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 8), st.binary(max_size=8)), min_size=1, max_size=6)
TEXT_BYTES = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=400).map(
    lambda t: t.encode("utf-8"))


def _read(suffix: str, data: bytes, tmp: Path) -> None:
    """Read ``data`` as a ``suffix`` file: a document whose offsets slice its text, or a QualcodeError."""
    path = tmp / f"case{suffix}"
    try:
        doc = add_sentences(read_document(path, path.name, Config(), {}, data=data))
    except QualcodeError:
        return
    assert doc.turns
    for turn in doc.turns:
        assert 0 <= turn.start <= turn.end <= len(doc.text)
        for sentence in turn.sentences:
            assert turn.start <= sentence.start <= sentence.end <= turn.end
            assert all(sentence.start <= t <= sentence.end for t in sentence.tokens)


def test_every_reader_has_a_sample(tmp_path: Path) -> None:
    """The property tests below run for every suffix in the reader dispatch table (a new reader cannot escape)."""
    for suffix in READERS:
        SAMPLES[suffix] = _sample(suffix, tmp_path)
    assert set(SAMPLES) == set(READERS)


@pytest.mark.parametrize("suffix", sorted(READERS))
@FAST
@given(data=st.one_of(st.binary(max_size=600), TEXT_BYTES))
def test_readers_take_arbitrary_bytes(suffix: str, data: bytes, tmp_path_factory) -> None:
    """Arbitrary bytes under any reader's suffix give a document or a QualcodeError."""
    _read(suffix, data, tmp_path_factory.mktemp("r"))


@pytest.mark.parametrize("suffix", sorted(READERS))
@FAST
@given(edits=EDITS)
def test_readers_take_mutated_files(suffix: str, edits, tmp_path_factory) -> None:
    """A valid file of each format with bytes deleted, inserted or replaced gives a document or a
    QualcodeError."""
    tmp = tmp_path_factory.mktemp("m")
    sample = SAMPLES.get(suffix) or _sample(suffix, tmp)
    _read(suffix, _mutate(sample, edits), tmp)


@FAST
@given(edits=EDITS)
def test_word_files_with_mutated_xml(edits, tmp_path_factory) -> None:
    """A .docx whose document.xml is damaged inside an intact zip gives a document or a QualcodeError."""
    tmp = tmp_path_factory.mktemp("x")
    source = zipfile.ZipFile(io.BytesIO(SAMPLES.get(".docx") or _sample(".docx", tmp)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info.filename, _mutate(body, edits) if info.filename == "word/document.xml" else body)
    _read(".docx", out.getvalue(), tmp)


YAML_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))
YAML_VALUES = st.recursive(YAML_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["codebook", "codes", "id", "label", "rules", "keywords", "pattern", "all", "children", "examples", "x"]),
        inner, max_size=5)), max_leaves=20)


@FAST
@given(value=YAML_VALUES)
def test_codebook_loader_takes_any_structure(value, tmp_path_factory) -> None:
    """Any YAML structure (codebook keys with values of any type) gives a report, never an exception."""
    import yaml

    path = tmp_path_factory.mktemp("c") / "codebook.yaml"
    path.write_text(yaml.safe_dump(value, allow_unicode=True), encoding="utf-8")
    report = load_codebook(path)
    assert report.codebook is not None or report.errors


@FAST
@given(edits=EDITS)
def test_codebook_loader_takes_mutated_codebooks(edits, tmp_path_factory) -> None:
    """The sample codebook with bytes edited gives a report or a QualcodeError (not UTF-8)."""
    path = tmp_path_factory.mktemp("c") / "codebook.yaml"
    path.write_bytes(_mutate((REPO / "codebooks" / "barriers.yaml").read_bytes(), edits))
    try:
        load_codebook(path)
    except QualcodeError:
        pass


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """An ingested, coded project of two sample transcripts for the importers."""
    root = tmp_path_factory.mktemp("imports")
    (root / "transcripts").mkdir()
    for name in ("IDI-03.txt", "IDI-04.txt"):
        shutil.copy(REPO / "transcripts" / name, root / "transcripts")
    shutil.copy(REPO / "codebooks" / "barriers.yaml", root)
    (root / "qualcode.toml").write_text('[project]\ncodebook = "barriers.yaml"\ncoder = "lan"\n', encoding="utf-8")
    opened = qualcode.open_project(root)
    assert opened.ingest().return_code == 0
    opened.code()
    return opened


CELLS = st.one_of(st.sampled_from(["IDI-03", "IDI-04", "language", "Language > Forms", "accept", "reject",
                                   "recode:cost", "1", "0", "12", "1.5", "inf", "1e999", "-3", "nan", "", "pin",
                                   "exclude", "=1+1", "'=x", "2", "3"]),
                  st.text(max_size=30))
HEADERS = st.lists(st.sampled_from(["document", "code", "text", "start", "end", "turn", "id", "decision", "use",
                                    "translation", "coder", "segment", "x"]), min_size=1, max_size=7, unique=True)


@st.composite
def sheets(draw):
    header = draw(HEADERS)
    rows = draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header)), max_size=6))
    return [header, *rows]


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


@FAST
@given(rows=sheets(), edits=st.one_of(st.just([]), EDITS), xlsx=st.booleans())
def test_importers_take_any_sheet(project, rows, edits, xlsx, tmp_path_factory) -> None:
    """Codings imports, reviewed sheets and quote candidates sheets — CSV, mutated CSV or XLSX — give a report
    or a QualcodeError, and every stored coding still slices its document's text."""
    tmp = tmp_path_factory.mktemp("s")
    if xlsx:
        import openpyxl

        book = openpyxl.Workbook()
        for row in rows:  # a worksheet cannot hold control characters: the test's own writer drops them
            book.active.append([xml_text(cell) for cell in row])
        path = tmp / "sheet.xlsx"
        book.save(path)
    else:
        path = tmp / "sheet.csv"
        path.write_bytes(_mutate(_csv(rows).encode(), edits) if edits else _csv(rows).encode())
    for run in (lambda: project.import_codings(path, coder="lan"), lambda: project.apply_review(path),
                lambda: project.import_quote_choices(path)):
        try:
            run()
        except QualcodeError:
            pass
    store = open_store(project.store_path)
    texts = {doc.id: doc.text for doc in store.documents()}
    for coding in store.codings():
        assert 0 <= coding.start < coding.end <= len(texts[coding.document])
        assert texts[coding.document][coding.start:coding.end] == coding.text
    store.close()


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(turns=st.lists(st.tuples(st.sampled_from(["Interviewer", "Respondent", "R", "I"]),
                                st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                                        min_size=1, max_size=80)), min_size=1, max_size=5))
def test_reingesting_is_idempotent(turns, tmp_path_factory) -> None:
    """Ingesting the same transcript twice changes nothing the second time."""
    root = tmp_path_factory.mktemp("idem")
    (root / "transcripts").mkdir()
    (root / "transcripts" / "IDI-01.txt").write_text("\n".join(f"{s}: {t}" for s, t in turns), encoding="utf-8")
    opened = qualcode.open_project(root)
    first = opened.ingest()
    if first.failures:
        return
    before = opened.documents().to_dict()
    second = opened.ingest()
    assert second.unchanged == ["IDI-01"] and not second.added and not second.updated
    assert opened.documents().to_dict() == before


SPEAKERS = st.sampled_from(["Interviewer", "Respondent", "Participant", "Particpant", "Interpreter", "Lan", "Lam",
                            "Dan", "Chị Sính"])
LEADING_NOTES = st.sampled_from(["", "[in Khmer; the achar translates] ", "[chị Sính dịch] ", "[translating] ",
                                 "[signs] ", "[in Hmong] [interpreter: she says] ", "[laughs] ", "[tiếng Mông] "])


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(turns=st.lists(st.tuples(SPEAKERS, LEADING_NOTES, st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=60)), min_size=1, max_size=10))
def test_interpreters_misspellings_and_questioners_ingest(turns, tmp_path_factory) -> None:
    """Transcripts mixing interpreters, their notes, misspelt labels and question-asking speakers ingest (or fail
    with a reported problem), store every turn's interpretation as None, '' or a language, keep offsets inside
    the text, and re-ingest unchanged."""
    root = tmp_path_factory.mktemp("interp")
    (root / "transcripts").mkdir()
    text = "\n".join(f"{s}: {note}{t}" for s, note, t in turns)
    (root / "transcripts" / "FGD-01.txt").write_text(text, encoding="utf-8")
    opened = qualcode.open_project(root)
    if opened.ingest().failures:
        return
    store = open_store(opened.store_path)
    try:
        stored = store.document("FGD-01").text
        for turn in store.turns():
            assert 0 <= turn.start <= turn.end <= len(stored)
            assert turn.interpreted is None or isinstance(turn.interpreted, str)
            assert turn.interpreted is None or turn.role.value != "interviewer"
    finally:
        store.close()
    assert opened.ingest().unchanged == ["FGD-01"]


# -- every word the source holds reaches the stored text (issue 24) --------------------------------------------

WORD = st.sampled_from(["road", "far", "Không", "người", "hộ", "nghèo", "ID", "card", "trạm", "commune", "xã",
                        "Sính", "muddy", "forms"])
HIDDEN = st.sampled_from(sorted(INVISIBLE))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", "".join(c for c in text if c not in INVISIBLE))


def _hide(text: str, marks: list[tuple[int, str]]) -> str:
    """``text`` with invisible characters put at the given positions (before a label, inside a word...)."""
    for at, mark in marks:
        at %= len(text) + 1
        text = text[:at] + mark + text[at:]
    return text


@FAST
@given(lines=st.lists(st.tuples(st.sampled_from(["", "I: ", "R: ", "[00:01:02] I: ", "Respondent: "]),
                                st.lists(WORD, min_size=1, max_size=6),
                                st.lists(st.tuples(st.integers(0, 60), HIDDEN), max_size=3)), min_size=1, max_size=8),
       codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]), newline=st.sampled_from(["\n", "\r\n"]))
def test_text_keeps_every_word_and_invisible_characters_hide_no_label(lines, codec, newline, tmp_path_factory) -> None:
    """A text transcript in any Unicode encoding, with invisible characters anywhere: the stored text holds
    every word in order and none of the invisible characters, and every labelled line starts its turn."""
    source = newline.join(_hide(label + " ".join(words), marks) for label, words, marks in lines)
    path = tmp_path_factory.mktemp("t") / "IDI-60.txt"
    path.write_bytes(source.encode(codec))
    doc = read_document(path, path.name, Config(), {})
    assert _words(doc.text) == _words(source) and INVISIBLE.isdisjoint(doc.text)
    labelled = [label.split("] ")[-1][:-2] for label, _, _ in lines if label]
    assert [t.label for t in doc.turns if t.label] == labelled


def _segment(words: list[str], kind: str) -> tuple[str, list[str]]:
    """WordprocessingML holding ``words`` the way ``kind`` wraps them, and the words Word's final view shows."""
    from test_no_word_dropped import dele, ins, r

    text = " " + " ".join(words) + " "
    wrapped = {
        "run": r(text), "ins": ins(r(text)), "sdt": f"<w:sdt><w:sdtPr/><w:sdtContent>{r(text)}</w:sdtContent></w:sdt>",
        "smart": f'<w:smartTag w:uri="urn:x" w:element="place">{r(text)}</w:smartTag>',
        "field": f'<w:fldSimple w:instr=" MERGEFIELD nothing ">{r(text)}</w:fldSimple>',
        "link": f'<w:hyperlink w:anchor="a">{r(text)}</w:hyperlink>',
        "complex": ('<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> REF '
                    'nothing </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                    f'{r(text)}<w:r><w:fldChar w:fldCharType="end"/></w:r>'),
        "del": dele(text)}[kind]
    return wrapped, [] if kind == "del" else words


PARAGRAPH = st.tuples(st.sampled_from(["", "I: ", "R: "]),
                      st.lists(st.tuples(st.lists(WORD, min_size=1, max_size=4), st.sampled_from(
                          ["run", "ins", "sdt", "smart", "field", "link", "complex", "del"])), min_size=1, max_size=4),
                      st.sampled_from(["paragraph", "layout table", "nested table", "text box", "two cells"]))


@FAST
@given(paragraphs=st.lists(PARAGRAPH, min_size=1, max_size=6))
def test_word_final_view_keeps_every_word(paragraphs, tmp_path_factory) -> None:
    """Words in runs, tracked insertions, content controls, smart tags, fields, links, tables nested in tables
    and text boxes all reach the stored text in order; tracked deletions and field instructions never do."""
    from test_no_word_dropped import p, r, table, text_box

    body, expected = [], []
    for label, segments, place in paragraphs:
        parts = [_segment(words, kind) for words, kind in segments]
        para = p(r(label), *(xml for xml, _ in parts))
        shown = _words(label) + [w for _, words in parts for w in words]
        if place == "layout table":
            body.append(table([[para]]))
        elif place == "nested table":
            body.append(table([[p(r("cell")) + table([[para]])]]))
            shown = ["cell", *shown]
        elif place == "text box":
            body.append(p(r("anchor"), text_box(para)))
            shown = ["anchor", *shown]
        elif place == "two cells":
            body.append(table([[para, p(r("right"))]]))
            shown = [*shown, "right"]
        else:
            body.append(para)
        expected.extend(shown)
    path = write_docx_xml(tmp_path_factory.mktemp("w") / "IDI-61.docx", "".join(body))
    doc = read_document(path, path.name, Config(), {})
    assert _words(doc.text) == expected
    assert "nothing" not in doc.text and "MERGEFIELD" not in doc.text


TIMING = st.sampled_from(["00:00:01.000 --> 00:00:02.000", "00:00:01,000 --> 00:00:02,000", "00:00:01,000 -> "
                          "00:00:02,000", "00:00:01.000 —> 00:00:02.000", "00:00:0x.000 --> 00:00:02.000",
                          "01:02.500 --> 01:03.000 align:start", None])
STYLE = st.sampled_from(["{}", "<i>{}</i>", "{{\\an8}}{}", "<c.yellow>{}</c>", "{} <00:00:01.500>", "<b>{}</b> &amp;"])


@FAST
@given(cues=st.lists(st.tuples(TIMING, st.sampled_from(["", "Lan: ", "Interviewer: ", "- Mai: "]),
                               st.lists(st.lists(WORD, min_size=1, max_size=5), min_size=1, max_size=2), STYLE,
                               st.booleans()), min_size=1, max_size=8),
       vtt=st.booleans())
def test_subtitles_keep_every_word(cues, vtt, tmp_path_factory) -> None:
    """Every word of every cue reaches the stored text in order, whatever its timing line (odd, unreadable,
    missing), styling, timing tags or override codes, and whether or not a blank line separates the cues."""
    blocks, expected = [], []
    for number, (timing, label, lines, style, blank) in enumerate(cues, 1):
        text = [style.format(" ".join(words)) for words in lines]
        text[0] = label + text[0]
        head = [] if not timing else [timing] if vtt else [str(number), timing]  # no timing line: loose text
        blocks.append("\n".join(head + text) + ("\n\n" if blank or not timing else "\n"))
        expected.extend(w for words in lines for w in words)
    first = "00:00:00.000 --> 00:00:01.000" if vtt else "0\n00:00:00,000 --> 00:00:01,000"
    source = ("WEBVTT\n\n" if vtt else "") + first + "\nI: Hello\n\n" + "".join(blocks)
    path = tmp_path_factory.mktemp("s") / ("FGD-60.vtt" if vtt else "FGD-60.srt")
    path.write_text(source, encoding="utf-8")
    doc = read_document(path, path.name, Config(), {})
    # labels are markup (consecutive cues of one speaker share one): the spoken words are what must all arrive
    assert [w for w in _words(doc.text) if w not in {"I", "Lan", "Interviewer", "Mai"}] == ["Hello", *expected]


@FAST
@given(pages=st.lists(st.tuples(st.booleans(), st.lists(st.one_of(
    st.lists(st.sampled_from(["road", "far", "ID", "card", "forms"]), min_size=1, max_size=5).map(" ".join),
    st.integers(0, 99).map(str)), min_size=1, max_size=6), st.sampled_from(["", "7", "2/9", "Page 2 of 9"])),
    min_size=1, max_size=3))
def test_pdf_keeps_every_word_and_numbers_away_from_page_edges(pages, tmp_path_factory) -> None:
    """Every word of a PDF is stored; a lone number is dropped only at the top or bottom of its page (or as part
    of a column of line numbers), never in the middle of a page."""
    written, expected = [], []
    for top, lines, bottom in pages:
        body = ["Interviewer: Hello?", *lines, "Respondent: Yes."]
        written.append((["3"] if top else []) + body + ([bottom] if bottom else []))
        numbers = [i for i, line in enumerate(body) if line.isdigit()]
        counting = {i for i in numbers for run in [range(i - 2, i + 1), range(i - 1, i + 2), range(i, i + 3)]
                    if all(j in numbers and int(body[j]) == int(body[run[0]]) + j - run[0] for j in run)}
        expected.extend(w for i, line in enumerate(body) if i not in counting for w in _words(line))
    path = write_pdf(tmp_path_factory.mktemp("p") / "IDI-62.pdf", written)
    doc = read_document(path, path.name, Config(), {})
    assert _words(doc.text) == expected


VALUE = st.sampled_from(["female", "male", "Site A, north", "Kinh", "Hmông", " poor ", "community member", "",
                         'the "old" village', "người dân"])


@FAST
@given(rows=st.lists(st.lists(VALUE, min_size=3, max_size=3), min_size=1, max_size=6), unquoted=st.integers(0, 20))
def test_participants_never_shift_an_attribute(rows, unquoted, tmp_path_factory) -> None:
    """participants.csv as a spreadsheet writes it gives every participant exactly their attributes (trimmed);
    a value with a comma left unquoted is refused naming its line, never read shifted."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["participant", "gender", "site", "household"])
    writer.writerows([f"P{n}", *values] for n, values in enumerate(rows, 1))
    text = out.getvalue()
    broken = next((n for n, values in enumerate(rows, 1) if "Site A, north" in values), None)
    if broken is not None and unquoted % 2:  # the same file written by hand, without quotes
        lines = text.split("\n")
        lines[broken] = lines[broken].replace('"Site A, north"', "Site A, north")
        text = "\n".join(lines)
    path = tmp_path_factory.mktemp("c") / "participants.csv"
    path.write_text(text, encoding="utf-8")
    try:
        table = load_participants(path)
    except QualcodeError as exc:
        assert broken is not None and unquoted % 2 and f"participants.csv:{broken + 1}:" in str(exc)
        return
    assert not (broken is not None and unquoted % 2)
    assert table.people == {f"P{n}": dict(zip(["gender", "site", "household"], (v.strip() for v in values)))
                            for n, values in enumerate(rows, 1)}


@FAST
@given(year=st.integers(0, 9999), month=st.integers(0, 99), day=st.integers(0, 99), hour=st.integers(0, 99))
def test_front_matter_dates_are_read_or_refused_with_their_line(year, month, day, hour, tmp_path_factory) -> None:
    """A date-like front matter value is stored in ISO form or refused naming its line: never a traceback."""
    value = f"{year:04d}-{month:02d}-{day:02d}" + (f" {hour:02d}:00:00" if hour % 3 else "")
    path = tmp_path_factory.mktemp("f") / "IDI-63.txt"
    path.write_text(f"---\ntype: IDI\ndate: {value}\n---\nR: Yes.\n", encoding="utf-8")
    try:
        doc = read_document(path, path.name, Config(), {})
    except QualcodeError as exc:
        assert "IDI-63.txt:3: front matter:" in str(exc)
        return
    assert doc.attributes["date"].replace("T", " ") == value

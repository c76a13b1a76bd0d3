"""Property-based tests: every reader, the codebook loader and every importer give a result or a QualcodeError
on arbitrary and mutated input — never another exception — offsets always slice the stored text, and
re-ingesting is idempotent. Example counts are small so the suite stays fast."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import REPO
from helpers import write_pdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualcode
from qualcode.codebook.load import load_codebook
from qualcode.errors import QualcodeError
from qualcode.ingest import READERS, add_sentences, read_document
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

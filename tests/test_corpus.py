"""Guards on the bundled sample study corpus in transcripts/ (fictional, hand-written transcripts)."""

from __future__ import annotations

import csv
import re
import shutil
import unicodedata
from collections import Counter, defaultdict

import pytest
from conftest import REPO

import qualcode
from qualcode.autocode.coder import Coder
from qualcode.autocode.incremental import query_docs
from qualcode.autocode.query import Query, find_matches
from qualcode.autocode.run import coding_docs
from qualcode.autocode.tokens import TokenCache
from qualcode.project.store import open_store

TRANSCRIPTS = REPO / "transcripts"
VOCABULARY = {
    "gender": {"female", "male"},
    "ethnicity": {"Kinh", "Hmong", "Dao", "Tày", "Giáy", "Khmer", "Hoa"},
    "age_group": {"18-29", "30-44", "45-59", "60+"},
    "disability": {"none", "physical", "visual", "hearing", "intellectual"},
    "site": {"Site A", "Site B"},
    "position": {"district official", "commune official", "village head", "community member"},
    "household": {"poor", "near-poor", "non-poor"},
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The sample corpus ingested once into a fresh project: (report, store)."""
    root = tmp_path_factory.mktemp("corpus")
    shutil.copytree(TRANSCRIPTS, root / "transcripts")
    project = qualcode.open_project(root)
    report = project.ingest()
    store = open_store(project.store_path)
    yield report, store
    store.close()


def test_corpus_files_and_formats() -> None:
    """49 interviews and 8 focus groups, mostly Word and text, with subtitles too."""
    files = [p for p in TRANSCRIPTS.iterdir() if p.suffix in {".txt", ".md", ".docx", ".vtt", ".srt", ".pdf"}
             and not p.name.upper().startswith("README")]
    stems = sorted(p.stem for p in files)
    assert stems == [f"FGD-{i:02d}" for i in range(1, 9)] + [f"IDI-{i:02d}" for i in range(1, 50)]
    formats = Counter(p.suffix for p in files)
    assert formats[".docx"] + formats[".txt"] + formats[".md"] >= 40
    assert formats[".vtt"] >= 2 and formats[".srt"] >= 2


def test_corpus_ingests_cleanly(corpus) -> None:
    """Every transcript ingests; no unknown speaker and no unused participants row — only the once-used label
    candidates inside turns are reported, with their line: transcribers' notes left as text, label typos read
    as the label they misspell."""
    report, _ = corpus
    assert report.failures == []
    once = [(w.where, str(w.message).split(": it starts")[0].split(" starts only")[0]) for w in report.warnings]
    typo = "was read as the speaker label"
    assert once == [("transcripts/FGD-01.txt:131", "'Note:'"), ("transcripts/FGD-06.txt:71", "'Note:'"),
                    ("transcripts/IDI-06.txt:51", "'Note:'"),
                    ("transcripts/IDI-10.txt:48", f"'Particpant:' {typo} 'Participant'"),
                    ("transcripts/IDI-12.txt:71", "'Note:'"),
                    ("transcripts/IDI-24.txt:44", f"'Particpant:' {typo} 'Participant'"),
                    ("transcripts/IDI-28.txt:64", f"'Respondnet:' {typo} 'Respondent'"),
                    ("transcripts/IDI-33.txt:53", "'Note:'"), ("transcripts/IDI-37.txt:50", "'Note:'"),
                    ("transcripts/IDI-47.txt:53", f"'Respondnet:' {typo} 'Respondent'")]
    assert len(report.added) == 57


def test_word_counts_in_range(corpus) -> None:
    """Every transcript has 400–2,000 words of speech."""
    _, store = corpus
    out_of_range = {d.id: d.words for d in store.documents() if not 400 <= d.words <= 2000}
    assert out_of_range == {}


def test_vietnamese_transcripts_are_nfc(corpus) -> None:
    """At least five transcripts are in Vietnamese, and their files are NFC."""
    _, store = corpus
    vietnamese = [d for d in store.documents() if d.language == "vi"]
    assert len(vietnamese) >= 5
    for doc in vietnamese:
        raw = (REPO / doc.path).read_bytes()
        if doc.path.endswith((".txt", ".md")) and not doc.id == "IDI-31":
            assert unicodedata.is_normalized("NFC", raw.decode("utf-8")), doc.id


def test_legacy_windows_1258_transcript_equals_its_nfc_original(corpus) -> None:
    """IDI-31 is Windows-1258 as Vietnamese Windows writes it; its stored text equals the NFC original."""
    _, store = corpus
    raw = (TRANSCRIPTS / "IDI-31.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert b"\r\n" in raw
    assert any(m in raw.decode("cp1258") for m in "\u0300\u0301\u0303\u0309\u0323")  # combining tone marks
    original = (REPO / "tests" / "data" / "IDI-31.utf8.txt").read_text(encoding="utf-8")
    body = original.split("---\n", 2)[2].lstrip("\n")
    assert store.document("IDI-31").text == body


def test_no_long_sentence_repeats_across_transcripts(corpus) -> None:
    """No sentence of eight words or more appears in more than two transcripts."""
    _, store = corpus
    seen: dict[str, set[str]] = defaultdict(set)
    for doc in store.documents():
        for spans in store.sentences(doc.id).values():
            for span in spans:
                words = re.findall(r"\w+", doc.text[span.start:span.end].casefold())
                if len(words) >= 8:
                    seen[" ".join(words)].add(doc.id)
    assert {s: sorted(d) for s, d in seen.items() if len(d) > 2} == {}


def test_focus_groups_have_diverse_mapped_speakers(corpus) -> None:
    """Each focus group has at least five mapped speakers of both genders and two or more ethnicities."""
    _, store = corpus
    people = {p.id: p.attributes for p in store.participants()}
    for doc in store.documents():
        if doc.doc_type.value != "FGD":
            continue
        speakers = {t.participant for t in store.turns(doc.id) if t.role.value == "respondent"}
        mapped = [people[p] for p in speakers if p in people and people[p].get("gender")]
        assert len(mapped) >= 5, doc.id
        assert {p["gender"] for p in mapped} == {"female", "male"}, doc.id
        assert len({p["ethnicity"] for p in mapped}) >= 2, doc.id


def test_participants_csv_uses_the_controlled_vocabulary() -> None:
    """Every attribute value in participants.csv is one of the study's spellings (or blank for interviewers)."""
    with open(TRANSCRIPTS / "participants.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    bad = [(r["participant"], col, r[col]) for r in rows for col, allowed in VOCABULARY.items()
           if r.get("role") != "interviewer" and r[col] not in allowed]
    assert bad == []
    respondents = {r["participant"] for r in rows if r.get("role") != "interviewer"}
    assert {f"P{i:02d}" for i in range(1, 50)} <= respondents


def test_corpus_says_it_is_fictional() -> None:
    """A note beside the corpus (skipped by folder scans) says the transcripts are illustrative."""
    note = (TRANSCRIPTS / "README.md").read_text(encoding="utf-8")
    assert "fictional" in note.lower() and "illustrative" in note.lower()


@pytest.mark.parametrize("query", [
    Query("language"), Query("speak", exact=True), Query("educat*"), Query("thoi gian"), Query("tay"),
    Query(r"\bno (money|time)\b", pattern=True), Query("can't"), Query("dân tộc", accents="keep"),
    Query("forms", speakers=("interviewer",))])
def test_search_through_the_word_index_finds_what_every_document_holds(corpus, query: Query) -> None:
    """A search reads only the sentences the word index names, and finds exactly what matching every
    sentence of every document finds (lemmas, forms only, wildcards, folded accents, words inside longer
    words, patterns, split tokens, speakers)."""
    _, store = corpus
    tokens = TokenCache.from_store(store)
    cut = query_docs(store, query.codebook(), tokens)
    everything = coding_docs(store)
    assert cut is not None and sum(len(t.sentences) for d in cut for t in d.turns) < \
        sum(len(t.sentences) for d in everything for t in d.turns) / 2
    found = [(m.document, m.start, m.end) for m in find_matches(Coder(cut, tokens=tokens), query)]
    assert found and found == [(m.document, m.start, m.end) for m in find_matches(Coder(everything, tokens=tokens),
                                                                                  query)]

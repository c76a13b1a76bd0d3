"""Warm re-coding: `qualcode code` re-matches only codes whose rules changed and documents whose text or speakers
changed, and gives exactly what a full re-code gives; `--jobs` does not change the store."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, db
from helpers import make_project

import qualcode
from qualcode.autocode.incremental import code_hash
from qualcode.codebook.active import CodebookInvalid
from qualcode.codebook.load import load_codebook
from qualcode.project import word_index
from qualcode.project.store import open_store
from qualcode.project.word_index import forms_containing, literal_piece, postings, unpack_sentences

CODEBOOK = """codebook: Warm test
version: "1"
language: en
codes:
  - id: language
    label: Language
    definition: Language barriers.
    rules:
      - keywords: [interpreter, "speak Kinh"]
    children:
      - id: literacy
        label: Literacy
        definition: Reading.
        rules:
          - keywords: [read*]
  - id: workload
    label: Workload
    definition: No time.
    accents: ignore
    rules:
      - keywords: [housework, "thời gian"]
      - pattern: "\\\\bno time\\\\b"
  - id: meetings
    label: Meetings
    definition: Meetings.
    unit: turn
    not: [wedding]
    rules:
      - all: [[meeting, meetings], [village, commune]]
"""

IDI1 = ("---\nparticipant: P01\n---\nI: Do you go to meetings?\nR: The village meeting is in Kinh. No interpreter. "
        "The nurse speaks Kinh only. I cannot read.\nI: And at home?\nR: Housework all day, no time. Thoi gian!\n")
IDI2 = ("---\nparticipant: P02\n---\nI: Tell me.\nR: Commune meetings, yes. I read the notices. "
        "The wedding meeting in the village was long.\nR: Housework.\n")


def suggestions(root: Path) -> list[tuple]:
    """``(id, document, start, end, code, status, rule, text)`` of every auto coding, by id."""
    con = db(root)
    rows = con.execute('SELECT id, document, start, "end", code, status, rule, text FROM codings '
                       "WHERE coder = 'auto' ORDER BY id").fetchall()
    con.close()
    return rows


def content(rows: list[tuple]) -> list[tuple]:
    """The rows without ids, sorted: what a full re-code must reproduce."""
    return sorted(r[1:] for r in rows)


def full_recode(root: Path, tmp: Path) -> list[tuple]:
    """The auto codings a full re-code gives: a copy of the project whose coding state is forgotten."""
    copy = tmp / "full"
    shutil.copytree(root, copy)
    con = sqlite3.connect(copy / ".qualcode" / "qualcode.db")
    con.execute("DELETE FROM meta WHERE key LIKE 'code_state:%'")
    con.commit()
    con.close()
    qualcode.open_project(copy).code()
    rows = suggestions(copy)
    shutil.rmtree(copy)
    return rows


@pytest.fixture
def coded(tmp_path: Path) -> Path:
    """A small project, ingested and coded once."""
    project = make_project(tmp_path / "p", {"IDI-01.txt": IDI1, "IDI-02.txt": IDI2}, CODEBOOK)
    project.code()
    return project.root


def edit(root: Path, old: str, new: str) -> None:
    """Replace text in the project's codebook."""
    path = root / "codebook.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_nothing_changed_writes_nothing(coded: Path) -> None:
    """A second `code` with nothing changed re-matches nothing and leaves every coding as it was."""
    before = suggestions(coded)
    report = qualcode.open_project(coded).code()
    assert report.unchanged and report.recoded_codes == 0 and report.recoded_documents == 0
    assert suggestions(coded) == before


def test_one_code_edited_keeps_other_codes_and_decisions(coded: Path, tmp_path: Path) -> None:
    """Adding a keyword to one code re-matches that code only: other codes keep their suggestion ids and review
    decisions, and the result equals a full re-code."""
    con = sqlite3.connect(coded / ".qualcode" / "qualcode.db")
    con.execute("UPDATE codings SET status = 'rejected' WHERE code = 'workload' AND rule LIKE '%housework%' "
                "AND document = 'IDI-02'")
    con.commit()
    con.close()
    before = suggestions(coded)
    edit(coded, "[interpreter, ", "[interpreter, nurse, ")
    report = qualcode.open_project(coded).code()
    assert report.recoded_codes == 1 and report.recoded_documents == 0
    after = suggestions(coded)
    assert [r for r in after if r[4] != "language"] == [r for r in before if r[4] != "language"]
    assert ("workload", "rejected") in {(r[4], r[5]) for r in after}
    assert content(after) == content(full_recode(coded, tmp_path))


def test_rule_changes_of_every_kind_equal_a_full_recode(coded: Path, tmp_path: Path) -> None:
    """Pattern, `all` group, `not`, unit, accents and wildcard edits, a removed code and a new one: the warm
    result always equals a full re-code."""
    project = qualcode.open_project(coded)
    for old, new in (('\\\\bno time\\\\b', '\\\\bhousework\\\\b'), ("[village, commune]", "[village]"),
                     ("not: [wedding]", "not: [long]"), ("unit: turn", "unit: match"),
                     ("    accents: ignore\n", ""), ("[read*]", "[notice*]"),
                     ("  - id: meetings", "  - id: gatherings")):
        edit(coded, old, new)
        project.code()
        assert content(suggestions(coded)) == content(full_recode(coded, tmp_path)), (old, new)


def test_changed_transcript_recodes_that_document_only(coded: Path, tmp_path: Path) -> None:
    """When one transcript changes, its document is re-matched with every code; the other document's
    suggestions keep their ids."""
    before = [r for r in suggestions(coded) if r[1] == "IDI-01"]
    (coded / "transcripts" / "IDI-02.txt").write_text(IDI2.replace("Housework.", "Housework and an interpreter."),
                                                      encoding="utf-8")
    project = qualcode.open_project(coded)
    project.ingest()
    report = project.code()
    assert report.recoded_documents == 1 and report.recoded_codes == 0
    assert [r for r in suggestions(coded) if r[1] == "IDI-01"] == before
    assert ("IDI-02", "language") in {(r[1], r[4]) for r in suggestions(coded)}
    assert content(suggestions(coded)) == content(full_recode(coded, tmp_path))


def test_speakers_change_recodes_the_document(coded: Path) -> None:
    """A participants file that makes a turn the interviewer's changes what codes apply: that document is
    re-matched."""
    (coded / "transcripts" / "participants.csv").write_text(
        "participant,document,speaker,role\nP09,IDI-02,R,interviewer\n", encoding="utf-8")
    project = qualcode.open_project(coded)
    project.ingest()
    report = project.code()
    assert report.recoded_documents == 1
    assert not [r for r in suggestions(coded) if r[1] == "IDI-02" and r[5] == "suggested"]


def test_matching_settings_and_foreign_deletions_invalidate(coded: Path) -> None:
    """The code hash covers the tokenizer and lemma versions and the codebook language; suggestions deleted
    by another command make the next run a full one."""
    book = load_codebook(coded / "codebook.yaml").codebook
    code = book.code("workload")
    assert code_hash(book, code, None, "spacy 1") != code_hash(book, code, None, "spacy 2")
    assert code_hash(book, code, None, "k") != code_hash(book, code, "turn", "k")
    edit(coded, "language: en\n", "language: vi\n")
    assert qualcode.open_project(coded).code().recoded_codes == 4
    store = open_store(coded / ".qualcode" / "qualcode.db")
    with store.transaction():
        store.delete_coding(suggestions(coded)[0][0])
    store.close()
    report = qualcode.open_project(coded).code()
    assert report.recoded_codes == 4 and report.recoded_documents == 2


def test_word_index_finds_pieces_inside_words() -> None:
    """The word index finds a literal's longest word inside longer words and across a tokenizer's splits
    (``tay`` in ``stay``, ``don`` in ``don’t``), and folds diacritics and case (``ſ`` as ``s``)."""
    text = "I STAY here. Don’t go! Thời gian"
    rows = dict(postings(text, [(1, 1, 0, 12), (1, 2, 13, 22), (2, 1, 23, 32)]))
    vocabulary = sorted(rows)
    assert forms_containing(vocabulary, {literal_piece("tay")}) == {"stay"}
    assert forms_containing(vocabulary, {literal_piece("don't")}) == {"don"}
    assert forms_containing(vocabulary, {literal_piece("thời gian’s")}) == {"thoi"}
    assert unpack_sentences(rows["thoi"]) == [(2, 1)] and unpack_sentences(rows["don"]) == [(1, 2)]
    assert literal_piece("’?") is None
    assert list(dict(postings("ſtay", [(1, 1, 0, 4)]))) == ["stay"]


def _tables(root: Path) -> dict[str, list]:
    con = db(root)
    out = {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall()))
           for t in ("documents", "turns", "sentences", "participants", "codings", "token_cache",
                                                                         "word_index")}
    out["meta"] = sorted(r for r in con.execute("SELECT key, value FROM meta") if r[0] != "participants_table")
    con.close()
    return out


def test_jobs_do_not_change_the_store(tmp_path: Path) -> None:
    """Ingest and code of the sample study with --jobs 2 store exactly what they store with one process."""
    roots = []
    for jobs in (1, 2):
        root = tmp_path / f"jobs{jobs}"
        root.mkdir()
        shutil.copytree(REPO / "transcripts", root / "transcripts")
        shutil.copytree(REPO / "codebooks", root / "codebooks")
        shutil.copy(REPO / "qualcode.toml", root / "qualcode.toml")
        project = qualcode.open_project(root)
        project.ingest(jobs=jobs)
        project.code(jobs=jobs)
        roots.append(root)
    assert _tables(roots[0]) == _tables(roots[1])


def test_self_test_still_catches_edits(coded: Path) -> None:
    """Only codes whose examples or family's rules changed are self-tested again, and such an edit that breaks
    an example is still refused: a new failing example, and a child's rule that no longer matches its
    parent's example."""
    project = qualcode.open_project(coded)
    edit(coded, "    definition: Reading.\n", "    definition: Reading.\n        examples: [\"I can read.\"]\n")
    assert project.code().unchanged  # examples are not matching inputs, and this one passes
    edit(coded, "    definition: Language barriers.\n",
         "    definition: Language barriers.\n    examples: [\"She reads slowly.\"]\n")
    project.code()  # passes through the child literacy (read*)
    edit(coded, "[read*]", "[write*]")
    with pytest.raises(CodebookInvalid) as refused:
        project.code()
    assert any("She reads slowly" in p.message for p in refused.value.problems)
    edit(coded, "[write*]", "[read*]")
    edit(coded, "examples: [\"I can read.\"]", "examples: [\"I can swim.\"]")
    with pytest.raises(CodebookInvalid) as refused:
        project.code()
    assert [p.message for p in refused.value.problems if "swim" in p.message]


def test_a_ten_thousand_code_codebook_is_walked_in_linear_time() -> None:
    """Working out what each code's self-test depends on walks every code's family once: 10,000 codes (100 trees
    of 100) take well under a second (the index of codes was rebuilt for every code: 35 s)."""
    import time

    from qualcode.autocode.incremental import selftest_keys
    from qualcode.codebook.load import Code, Codebook

    codes = []
    for tree in range(100):
        codes.append(Code(f"t{tree}", f"Tree {tree}", "", children=tuple(f"t{tree}.c{i}" for i in range(99))))
        codes += [Code(f"t{tree}.c{i}", f"Child {i}", "", parent=f"t{tree}", level=2) for i in range(99)]
    book = Codebook("big", "1", "en", "sentence", tuple(codes))
    started = time.monotonic()
    keys = selftest_keys(book, {c.id: c.id for c in codes})
    assert len(keys) == 10_000 and len(set(keys.values())) == 10_000
    assert time.monotonic() - started < 3


def test_nothing_to_do_loads_no_heavy_library(coded: Path) -> None:
    """`qualcode code` with nothing to do, in a fresh process, imports neither numpy, pandas, spaCy nor any
    transcript reader's library (rapidfuzz, python-docx, pypdf), and `import qualcode.cli` not pydantic
    either (Typer imports it when it parses a command's options)."""
    heavy = ("numpy", "pandas", "spacy", "rapidfuzz", "docx", "pypdf", "qualcode.ingest.documents")
    code = ("import sys\nfrom qualcode.cli import app\n"
            f"print(sorted(m for m in {(*heavy, 'pydantic')!r} if m in sys.modules))\n"
            f"try:\n    app(['code', '--project', {str(coded)!r}])\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    lines = out.strip().splitlines()
    assert "nothing changed" in out and lines[0] == "[]" and lines[-1] == "[]", out


def test_word_index_follows_its_documents(coded: Path) -> None:
    """A document's word-index rows are replaced when it is written again and go when it is removed."""
    store = open_store(coded / ".qualcode" / "qualcode.db")
    try:
        rows = store.db.execute("SELECT document, count(*) FROM word_index GROUP BY document").fetchall()
        assert len(rows) == 2 and all(n > 10 for _, n in rows)
        first = rows[0][0]
        with store.transaction():
            row = store.document(first)
            store.db.execute("INSERT INTO word_index VALUES ('zzz', ?, x'')", (first,))
            word_index.write(store.db, first, row.text, [(t, n, a, b) for t, n, a, b, _ in store.sentence_rows_in(
                first, [t.number for t in store.turns(first)])])
            assert store.db.execute("SELECT count(*) FROM word_index WHERE document = ?", (first,)).fetchone() == \
                (rows[0][1],)
            store.delete_document(first)
        assert store.db.execute("SELECT count(*) FROM word_index WHERE document = ?", (first,)).fetchone() == (0,)
    finally:
        store.close()

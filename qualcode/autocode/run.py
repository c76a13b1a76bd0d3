"""`qualcode codebook check` and `qualcode code`: checking a codebook and storing its suggestions."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from qualcode.autocode.coder import Coder, CodingDoc, CodingTurn, self_test
from qualcode.autocode.incremental import (
    CodeState,
    candidate_docs,
    code_hash,
    code_literals,
    fingerprint_digest,
    load_docs,
    matching_key,
    selftest_keys,
)
from qualcode.autocode.lemmas import Lemmatizer
from qualcode.autocode.tokens import TokenCache
from qualcode.codebook.active import CodebookInvalid, codebook_path
from qualcode.codebook.load import Codebook, CodebookReport, load_codebook
from qualcode.errors import Problem, ProjectError, QualcodeError
from qualcode.project.crash import crash_point
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import Store, open_store

Progress = Callable[[int, int, str], None]
CHUNK_WORDS = 150_000  # documents are coded in chunks of about this many words (memory stays flat)


@dataclass
class CodeReport:
    """What `qualcode code` did: new suggestions, replaced ones, spans already reviewed, and how much was
    re-matched (codes whose rules changed, documents whose text or speakers changed)."""

    codebook: str
    version: str
    documents: int
    added: int
    replaced: int
    kept_decisions: int
    per_code: Counter = field(default_factory=Counter)
    warnings: list[Problem] = field(default_factory=list)
    recoded_codes: int = 0
    recoded_documents: int = 0
    codes: int = 0
    unchanged: bool = False
    inactive: str | None = None  # the codebook used, when qualcode.toml names another one (reports use that)


def check_codebook(path: str | Path, tokens: TokenCache | None = None) -> CodebookReport:
    """Every problem of the codebook at ``path``: structure first, then the example self-test of every code that
    loaded, whatever errors it or other codes have (without its rules that have errors), each failure with its
    reason where one is known (`not` keywords that exclude an example)."""
    from qualcode.autocode.example_check import explain

    report = load_codebook(path)
    testable = report.codebook or report.sound  # with errors, every code that loaded is still tested
    if testable is not None:
        report.problems.extend(explain(testable, self_test(testable, tokens=tokens), report.dropped, tokens))
        if report.errors:
            report.codebook = None
    return report


def require_tokens(store: Store) -> None:
    """Raise ProjectError when the store's sentences have no word tokens yet (made by an older qualcode)."""
    if store.get_meta("needs_reingest") == "1":
        raise ProjectError("the store was made by an older qualcode: run `qualcode ingest` once to update it")


def coding_docs(store: Store) -> list[CodingDoc]:
    """Every stored document with its turns, speakers, sentences and tokens, ready for the coder."""
    require_tokens(store)
    sentences = store.all_sentences()
    turns_by_doc: dict[str, list[CodingTurn]] = {}
    for t in store.turns():
        turns_by_doc.setdefault(t.document, []).append(CodingTurn(
            t.number, t.start, t.end, t.role, t.label, t.role_name, tuple(sentences.get((t.document, t.number), ()))))
    return [CodingDoc(d.id, d.text, d.language, tuple(turns_by_doc.get(d.id, ()))) for d in store.documents()]


def _code_chunk(store_path: Path, ids: list[str], book: Codebook, unit: str | None, only: list[str] | None,
                entries: dict) -> list[tuple[str, int, int, str, str]]:
    """Suggestions of ``book`` (only some codes) in the documents ``ids``, read from the store at
    ``store_path``: the unit of work of one process."""
    store = open_store(store_path)
    try:
        docs = load_docs(store, ids)
    finally:
        store.close()
    suggestions = Coder(docs, tokens=TokenCache(entries)).apply(book, unit=unit, only=only)
    return [(s.document, s.start, s.end, s.code, s.rule) for s in suggestions]


def _chunks(ids: list[str], words: dict[str, int], jobs: int) -> list[list[str]]:
    """``ids`` in order, cut into runs of about CHUNK_WORDS words (at least ``2 * jobs`` runs when there are
    that many documents, so every process has work)."""
    total = sum(words.get(i, 0) for i in ids)
    size = max(1, min(CHUNK_WORDS, total // (2 * jobs) + 1 if jobs > 1 else CHUNK_WORDS))
    chunks: list[list[str]] = [[]]
    filled = 0
    for doc_id in ids:
        if chunks[-1] and filled >= size:
            chunks.append([])
            filled = 0
        chunks[-1].append(doc_id)
        filled += words.get(doc_id, 0)
    return [c for c in chunks if c]


def _code_documents(store_path: Path, ids: list[str], words: dict[str, int], book: Codebook, unit: str | None,
                    tokens: TokenCache, jobs: int, on_progress: Progress | None, done_words: list[int],
                    total_words: int) -> list[tuple[str, int, int, str, str]]:
    """Every suggestion of ``book`` in the documents ``ids``, coded chunk by chunk in ``jobs`` processes."""
    tokens.warm(book)
    chunks = _chunks(ids, words, jobs)
    out: list[tuple[str, int, int, str, str]] = []

    def advance(chunk: list[str]) -> None:
        done_words[0] += sum(words.get(i, 0) for i in chunk)
        if on_progress:
            on_progress(done_words[0], total_words, chunk[-1])

    if jobs > 1 and len(chunks) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs, mp_context=_context()) as pool:
            futures = [pool.submit(_code_chunk, store_path, chunk, book, unit, None, tokens.entries)
                       for chunk in chunks]
            for chunk, future in zip(chunks, futures):
                out.extend(future.result())
                advance(chunk)
    else:
        for chunk in chunks:
            out.extend(_code_chunk(store_path, chunk, book, unit, None, tokens.entries))
            advance(chunk)
    return out


def _context():
    """The multiprocessing context for worker processes: fork where there is one (no re-import), else spawn."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def code_project(project: ProjectFolder, codebook: str | Path | None = None, *, unit: str | None = None,
                 jobs: int = 1, on_progress: Progress | None = None) -> CodeReport:
    """Code the documents with the codebook's rules and store the suggestions (coder ``auto``).

    Only what changed since the last run is re-matched: codes whose rules changed (over every document) and
    documents whose text or speakers changed (with every code); everything else keeps its suggestions, ids
    and review decisions (see :mod:`qualcode.autocode.incremental`). Re-matched suggestions replace the
    earlier unreviewed ones; review decisions on identical spans are kept (an accepted or rejected suggestion
    is not suggested again) and human codings are never touched. ``jobs`` processes code a first run.
    ``on_progress(words done, words in all, document)`` follows the coding.
    Raises CodebookInvalid when the codebook has errors and ProjectError when nothing was ingested.
    """
    path = codebook_path(project, codebook)
    store = open_store(project.store_path)
    try:
        require_tokens(store)
        report = load_codebook(path)
        if report.codebook is None:
            raise CodebookInvalid(str(path), report.errors)
        book = report.codebook
        state = CodeState.load(store, book.name)
        key = matching_key()
        selftest = hashlib.sha256(f"{book.content_hash}\0{key}".encode()).hexdigest()
        hashes = {c.id: code_hash(book, c, unit, key) for c in book.codes if c.rules}
        tests = selftest_keys(book, {c.id: code_hash(book, c, None, key) for c in book.codes if c.rules})
        tokens: TokenCache | None = None
        if state.selftest == selftest:  # the same codebook was self-tested last time: repeat its findings
            tested = [Problem(*problem) for problem in state.warnings]
        else:  # test the examples of the codes whose examples or family's rules changed
            tokens = TokenCache.from_store(store)
            todo = {c for c, k in tests.items() if state.tested.get(c) != k}
            tested = self_test(_only_examples_of(book, todo), tokens=tokens) if todo else []
        report.problems.extend(tested)
        if report.errors:
            raise CodebookInvalid(str(path), report.errors)
        fingerprints = fingerprint_digest(store.document_fingerprints())
        if not fingerprints:
            raise ProjectError("no documents: run `qualcode ingest` first")
        full = state.codings != store.count_auto_codings(book.name) or not state.documents
        changed_docs = sorted(d for d, f in fingerprints.items() if full or state.documents.get(d) != f)
        gone_docs = sorted(d for d in state.documents if d not in fingerprints)
        changed_codes = sorted(c for c, h in hashes.items() if full or state.codes.get(c) != h)
        gone_codes = sorted(c for c in state.codes if c not in hashes)
        words = store.document_words()
        unchanged_docs = [d for d in fingerprints if d not in set(changed_docs)]
        rows: list[tuple[str, int, int, str, str]] = []
        done = [0]
        if changed_docs:
            tokens = tokens or TokenCache.from_store(store)
            rows += _code_documents(project.store_path, changed_docs, words, book, unit, tokens, jobs, on_progress,
                                    done, sum(words.get(d, 0) for d in changed_docs))
        if changed_codes and unchanged_docs and not full:
            tokens = tokens or TokenCache.from_store(store)
            rows += _recode(store, book, unit, changed_codes, unchanged_docs, tokens)
        rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
        work = bool(changed_docs or gone_docs or changed_codes or gone_codes)
        fresh: list[tuple[str, int, int, str, str]] = []
        replaced = 0
        with store.transaction():
            if work:
                if full:
                    replaced = store.delete_suggestions(book.name)
                else:
                    replaced = store.delete_suggestions_of(book.name, changed_codes + gone_codes,
                                                           changed_docs + gone_docs)
                crash_point("code")
                decided = store.auto_decisions(book.name)
                fresh = [r for r in rows if r[:4] not in decided]
                texts = {}
                for r in fresh:
                    if r[0] not in texts:
                        texts[r[0]] = store.document(r[0]).text
                store.add_suggestions([(*r, texts[r[0]][r[1]:r[2]]) for r in fresh],
                                      (book.name, book.version, book.content_hash))
                crash_point("code")
            store.set_meta("active_codebook", project.relative(path))
            if tokens is not None:
                tokens.save(store)
            CodeState(hashes, fingerprints, store.count_auto_codings(book.name), selftest,
                      [[p.where, p.message, p.severity] for p in tested], tests).save(store, book.name)
    finally:
        store.close()
    configured = project.config.codebook
    inactive = (project.relative(path) if configured and Path(project.relative(path)) != Path(configured)
                and path.resolve() != (project.root / configured).resolve() else None)
    return CodeReport(book.name, book.version, len(fingerprints), len(fresh), replaced, len(rows) - len(fresh),
                      Counter(r[3] for r in fresh), report.warnings, len(changed_codes), len(changed_docs),
                      len(hashes), not work, inactive=inactive)


def _only_examples_of(book: Codebook, todo: set[str]) -> Codebook:
    """``book`` with the examples of the codes in ``todo`` only, and the rules of their families only (a
    code's self-test depends on nothing else), so the self-test does just the work that may have changed."""
    families = {member for code in todo for member in (code, *book.descendants(code))}
    return replace(book, codes=tuple(replace(
        c, examples=c.examples if c.id in todo else (), counterexamples=c.counterexamples if c.id in todo else (),
        rules=c.rules if c.id in families else ()) for c in book.codes))


def _recode(store: Store, book: Codebook, unit: str | None, codes: list[str], ids: list[str],
            tokens: TokenCache) -> list[tuple[str, int, int, str, str]]:
    """Suggestions of the changed ``codes`` in the unchanged documents ``ids``, matched only in the
    sentences (or turns) holding one of their literals when every code has some."""
    lemmatizer = Lemmatizer()
    wanted = [book.code(c) for c in codes]
    literals = [((unit or c.unit or book.unit), code_literals(book, c, tokens, lemmatizer)) for c in wanted]
    docs = None
    if all(found is not None for _, found in literals):
        docs = candidate_docs(store, ids, [(u, found) for u, found in literals if found is not None])
    if docs is None:
        docs = load_docs(store, ids)
    suggestions = Coder(docs, lemmatizer, tokens).apply(book, unit=unit, only=codes)
    return [(s.document, s.start, s.end, s.code, s.rule) for s in suggestions]


def prepare_tokens(project: ProjectFolder, store: Store) -> None:
    """Tokenise the configured codebook's keywords and examples into the store's token cache (inside the
    caller's transaction), so that `qualcode code` finds them there and need not load spaCy. `ingest` calls it
    while spaCy is loaded anyway. Silent: codebook problems are `codebook check`'s to report."""
    if not project.config.codebook:
        return
    path = project.root / project.config.codebook
    try:
        book = load_codebook(path).codebook if path.is_file() else None
    except QualcodeError:
        return
    if book is not None:
        tokens = TokenCache.from_store(store)
        tokens.warm(book, exceptions=True)
        tokens.save(store)

"""`qualcode codebook check` and `qualcode code`: checking a codebook and storing its suggestions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.autocode.coder import Coder, CodingDoc, CodingTurn, self_test
from qualcode.autocode.tokens import TokenCache
from qualcode.codebook.active import CodebookInvalid, codebook_path
from qualcode.codebook.load import CodebookReport, load_codebook
from qualcode.errors import Problem, ProjectError, QualcodeError
from qualcode.project.crash import crash_point
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import Store, open_store


@dataclass
class CodeReport:
    """What `qualcode code` did."""

    codebook: str
    version: str
    documents: int
    added: int
    replaced: int
    kept_decisions: int
    per_code: Counter = field(default_factory=Counter)
    warnings: list[Problem] = field(default_factory=list)
    inactive: str | None = None  # the codebook used, when qualcode.toml names another one (reports use that)


def check_codebook(path: str | Path, tokens: TokenCache | None = None) -> CodebookReport:
    """Every problem of the codebook at ``path``: structure first, then the example self-test (of every code
    without an error of its own, even when other codes have errors)."""
    report = load_codebook(path)
    testable = report.codebook or report.sound  # with errors elsewhere, the sound codes are still tested
    if testable is not None:
        report.problems.extend(self_test(testable, tokens=tokens))
        if report.errors:
            report.codebook = None
    return report


def coding_docs(store: Store) -> list[CodingDoc]:
    """Every stored document with its turns, speakers, sentences and tokens, ready for the coder."""
    if store.get_meta("needs_reingest") == "1":
        raise ProjectError("the store was made by an older qualcode: run `qualcode ingest` once to update it")
    sentences = store.all_sentences()
    turns_by_doc: dict[str, list[CodingTurn]] = {}
    for t in store.turns():
        turns_by_doc.setdefault(t.document, []).append(CodingTurn(
            t.number, t.start, t.end, t.role, t.label, t.role_name, tuple(sentences.get((t.document, t.number), ()))))
    return [CodingDoc(d.id, d.text, d.language, tuple(turns_by_doc.get(d.id, ()))) for d in store.documents()]


def code_project(project: ProjectFolder, codebook: str | Path | None = None, *, unit: str | None = None) -> CodeReport:
    """Code every document with every code of the codebook and store the suggestions (coder ``auto``).

    A re-run replaces the codebook's earlier unreviewed suggestions, keeps review decisions on identical spans
    (an accepted or rejected suggestion is not suggested again) and never touches human codings.
    Raises CodebookInvalid when the codebook has errors and ProjectError when nothing was ingested.
    """
    path = codebook_path(project, codebook)
    store = open_store(project.store_path)
    try:
        tokens = TokenCache.from_store(store)
        report = check_codebook(path, tokens)
        if report.codebook is None:
            raise CodebookInvalid(str(path), report.errors)
        book = report.codebook
        docs = coding_docs(store)
        if not docs:
            raise ProjectError("no documents: run `qualcode ingest` first")
        suggestions = Coder(docs, tokens=tokens).apply(book, unit=unit)
        texts = {d.id: d.text for d in docs}
        with store.transaction():
            replaced = store.delete_suggestions(book.name)
            crash_point("code")
            decided = store.auto_decisions(book.name)
            fresh = [s for s in suggestions if (s.document, s.start, s.end, s.code) not in decided]
            store.add_suggestions([(s.document, s.start, s.end, s.code, s.rule, texts[s.document][s.start:s.end])
                                   for s in fresh], (book.name, book.version, book.content_hash))
            crash_point("code")
            store.set_meta("active_codebook", project.relative(path))
            tokens.save(store)
    finally:
        store.close()
    configured = project.config.codebook
    inactive = (project.relative(path) if configured and Path(project.relative(path)) != Path(configured)
                and path.resolve() != (project.root / configured).resolve() else None)
    return CodeReport(book.name, book.version, len(docs), len(fresh), replaced, len(suggestions) - len(fresh),
                      Counter(s.code for s in fresh), report.warnings, inactive)



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
        tokens.warm(book)
        tokens.save(store)

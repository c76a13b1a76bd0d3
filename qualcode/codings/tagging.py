"""Manual coding from the command line: `qualcode tag` codes one turn's speech, `qualcode untag` removes it.

A tag is a human coding (status ``accepted``, origin ``tag``) of the whole speech of a turn — the span after
the speaker label and timestamp — by a named coder, defaulting to ``qualcode.toml``'s ``[project] coder``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.codebook.active import active_codebook
from qualcode.codebook.load import Codebook
from qualcode.codebook.names import unknown_code
from qualcode.codings.importing import resolve_document
from qualcode.errors import QualcodeError, UsageError
from qualcode.model import Role
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import Store, TurnRow, open_store
from qualcode.wording import did_you_mean

AUTO = "auto"


@dataclass(frozen=True)
class TagResult:
    """What `tag` did: the coding (new, or the coder's existing one on that turn) and where it is."""

    document: str
    turn: int
    code: str
    coder: str
    coding_id: int
    created: bool  # False when the coder had already tagged this turn with this code
    text: str
    interviewer: bool  # reports leave codings on interviewer turns out


@dataclass(frozen=True)
class UntagResult:
    """What `untag` removed."""

    document: str
    turn: int
    code: str
    coder: str
    removed: int


def coder_name(project: ProjectFolder, coder: str | None) -> str:
    """``coder``, else ``qualcode.toml``'s ``[project] coder``. Raises UsageError when neither is set or the
    name is ``auto`` (the rule coder, whose suggestions are reviewed rather than tagged)."""
    name = (coder or project.config.coder or "").strip()
    if not name:
        raise UsageError("name the coder with --coder (or set [project] coder in qualcode.toml)")
    if name == AUTO:
        raise UsageError("`auto` is the rule coder: review its suggestions (`qualcode review`) instead")
    return name


def find_turn(store: Store, document: str, number: int) -> tuple[str, TurnRow]:
    """The document id and its turn ``number``. Raises UsageError for an unknown document or turn."""
    ids = [d for d in store.document_keys()]
    doc_id = resolve_document(ids, document)
    if doc_id is None:
        shown = ", ".join(sorted(ids)[:8]) + (", …" if len(ids) > 8 else "")
        raise UsageError(f"unknown document {document!r}{did_you_mean(document, ids)}; documents: "
                         f"{shown or '(none: run `qualcode ingest`)'}")
    turns = store.turns(doc_id)
    turn = next((t for t in turns if t.number == number), None)
    if turn is None:
        raise UsageError(f"{doc_id} has no turn {number}; its turns are 1–{len(turns)}" if turns
                         else f"{doc_id} has no turns")
    return doc_id, turn


def _code_id(book: Codebook, code: str) -> str:
    target = book.resolve(code)
    if target is None:
        raise UsageError(unknown_code(book, code))
    return target.id


def tag(project: ProjectFolder, document: str, turn: int, code: str, *, coder: str | None = None,
        codebook: str | Path | None = None) -> TagResult:
    """Code the speech of turn ``turn`` of ``document`` with ``code`` (id, label or path) as ``coder``.

    Tagging a turn twice with the same code changes nothing. Raises UsageError for an unknown document, turn
    or code, a turn without speech, or no coder; CodebookInvalid or ProjectError for an unusable codebook.
    """
    name = coder_name(project, coder)
    book = active_codebook(project, codebook)
    code_id = _code_id(book, code)
    store = open_store(project.store_path)
    try:
        doc_id, row = find_turn(store, document, turn)
        if row.end <= row.start:
            raise UsageError(f"{doc_id} turn {turn} has no speech to code")
        text = store.document(doc_id).text[row.start:row.end]
        interviewer = row.role is Role.INTERVIEWER
        existing = next((c for c in store.codings(doc_id) if c.coder == name and c.code == code_id
                         and (c.start, c.end) == (row.start, row.end) and c.status != "rejected"), None)
        if existing is not None:
            return TagResult(doc_id, turn, code_id, name, existing.id, False, text, interviewer)
        with store.transaction():
            new_id = store.add_coding(doc_id, row.start, row.end, code_id, name, "accepted", text, origin="tag",
                                      codebook=(book.name, book.version, book.content_hash))
    finally:
        store.close()
    return TagResult(doc_id, turn, code_id, name, new_id, True, text, interviewer)


def untag(project: ProjectFolder, document: str, turn: int, code: str, *, coder: str | None = None,
          codebook: str | Path | None = None) -> UntagResult:
    """Remove ``coder``'s codings of ``code`` that start in turn ``turn`` of ``document`` (the turn that
    `codings export` gives them), however they were made. Returns how many were removed.

    ``code`` is an id, label or path of the active codebook, or the id stored on the codings. Raises
    UsageError for an unknown document, turn or code or no coder, and QualcodeError when the coder has no
    such coding there.
    """
    name = coder_name(project, coder)
    book = active_codebook(project, codebook)
    store = open_store(project.store_path)
    try:
        doc_id, row = find_turn(store, document, turn)
        codings = store.codings(doc_id)
        target = book.resolve(code)
        if target is not None:
            code_id = target.id
        elif any(c.code == code for c in codings):
            code_id = code  # a code no longer in the codebook, named by its stored id
        else:
            raise UsageError(unknown_code(book, code))
        following = [t.start for t in store.turns(doc_id) if t.number > row.number]
        stop = following[0] if following else len(store.document(doc_id).text) + 1
        doomed = [c.id for c in codings if c.coder == name and c.code == code_id and row.start <= c.start < stop]
        if not doomed:
            raise QualcodeError(f"{name} has no coding of {code_id} on {doc_id} turn {turn}")
        with store.transaction():
            for coding_id in doomed:
                store.delete_coding(coding_id)
    finally:
        store.close()
    return UntagResult(doc_id, turn, code_id, name, len(doomed))

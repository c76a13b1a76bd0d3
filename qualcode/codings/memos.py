"""Memos: a researcher's notes on a document, a participant, a code or a coding (`qualcode memo`).

A memo has an author (``--author``, else ``qualcode.toml``'s coder, else the operating-system user) and the
time it was written (and last edited), in UTC — the one place qualcode records a time without being asked.
Memos of a document and its codings go into the document's backup when it is removed; a coding's memos are
the ``memo`` column of `codings export`; a code's memos are printed in the codebook annex.
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from qualcode.codebook.active import active_codebook
from qualcode.codebook.names import unknown_code
from qualcode.codings.importing import resolve_document
from qualcode.errors import UsageError
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import MemoRow, Store, open_store
from qualcode.wording import did_you_mean, find_name

KINDS = ("document", "participant", "code", "coding")


@dataclass(frozen=True)
class MemoTarget:
    """What a memo is about: a ``kind`` and the name the user gave (resolved by :func:`resolve_target`)."""

    kind: str
    name: str


def now() -> str:
    """The current time, UTC, ISO 8601 to the second."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def author_name(project: ProjectFolder, author: str | None) -> str:
    """``author``, else qualcode.toml's coder, else the operating-system user."""
    name = (author or project.config.coder or "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):  # no user name in a container
            name = "unknown"
    return name


def resolve_target(project: ProjectFolder, store: Store, target: MemoTarget,
                   codebook: str | Path | None = None) -> str:
    """The stored id ``target`` names: a document id (any case, file suffix allowed), participant id, code id
    (id, label or path of the active codebook, or a code some coding has), or coding id. Raises UsageError
    with "did you mean" when there is no such thing."""
    name = target.name.strip()
    if target.kind == "document":
        ids = list(store.document_keys())
        found = resolve_document(ids, name)
        if found is None:
            raise UsageError(f"unknown document {name!r}{did_you_mean(name, ids)}")
        return found
    if target.kind == "participant":
        ids = [p.id for p in store.participants()]
        found = find_name(name, ids)
        if found is None:
            raise UsageError(f"unknown participant {name!r}{did_you_mean(name, ids)}; participants: "
                             f"{', '.join(ids[:8]) + (', …' if len(ids) > 8 else '') or '(none)'}")
        return found
    if target.kind == "code":
        book = active_codebook(project, codebook)
        code = book.resolve(name)
        if code is None:
            raise UsageError(unknown_code(book, name))
        return code.id
    if target.kind == "coding":
        if not name.isdigit() or store.coding(int(name)) is None:
            raise UsageError(f"no coding with id {name!r} (ids are in `qualcode codings export`)")
        return str(int(name))
    raise UsageError(f"unknown memo target {target.kind!r}; use {', '.join(KINDS)}")


def add_memo(project: ProjectFolder, target: MemoTarget, text: str, *, author: str | None = None,
             codebook: str | Path | None = None) -> MemoRow:
    """Store a memo on ``target``. Raises UsageError for empty text or a target that does not exist."""
    if not text.strip():
        raise UsageError("the memo is empty: nothing stored")
    store = open_store(project.store_path)
    try:
        ref = resolve_target(project, store, target, codebook)
        with store.transaction():
            memo_id = store.add_memo(target.kind, ref, author_name(project, author), now(), text.strip())
        return store.memo(memo_id)
    finally:
        store.close()


def list_memos(project: ProjectFolder, target: MemoTarget | None = None,
               codebook: str | Path | None = None) -> list[MemoRow]:
    """Every memo, or the memos on ``target`` (a document's include those on its codings). Raises UsageError
    for a target that does not exist."""
    store = open_store(project.store_path)
    try:
        if target is None:
            return store.memos()
        ref = resolve_target(project, store, target, codebook)
        return store.document_memos(ref) if target.kind == "document" else store.memos(target.kind, ref)
    finally:
        store.close()


def document_memos(project: ProjectFolder, document: str) -> list[MemoRow]:
    """The memos on a document and on its codings (for `qualcode show`). Raises UsageError for an unknown
    document."""
    return list_memos(project, MemoTarget("document", document))


def find_memo(project: ProjectFolder, memo_id: int | None, target: MemoTarget | None,
              codebook: str | Path | None = None) -> MemoRow:
    """The memo ``memo_id`` names, or the only memo on ``target``. Raises UsageError when there is none, or
    several on the target (listing their ids)."""
    if memo_id is not None:
        store = open_store(project.store_path)
        try:
            memo = store.memo(memo_id)
        finally:
            store.close()
        if memo is None:
            raise UsageError(f"no memo {memo_id} (see `qualcode memo list`)")
        return memo
    if target is None:
        raise UsageError("name the memo with --id N, or its target with --document, --participant, --code or "
                         "--coding")
    memos = [m for m in list_memos(project, target, codebook) if (m.kind, target.kind) != ("coding", "document")]
    if not memos:
        raise UsageError(f"no memo on {target.kind} {target.name}: add one with `qualcode memo add`")
    if len(memos) > 1:
        ids = ", ".join(str(m.id) for m in memos)
        raise UsageError(f"{len(memos)} memos on {target.kind} {target.name} (ids {ids}): choose one with --id N")
    return memos[0]


def edit_memo(project: ProjectFolder, memo_id: int, text: str) -> MemoRow:
    """Replace memo ``memo_id``'s text and record when. Raises UsageError for an unknown memo or empty text."""
    if not text.strip():
        raise UsageError("the memo would be empty: nothing changed")
    store = open_store(project.store_path)
    try:
        if store.memo(memo_id) is None:
            raise UsageError(f"no memo {memo_id} (see `qualcode memo list`)")
        with store.transaction():
            store.update_memo(memo_id, text.strip(), now())
        return store.memo(memo_id)
    finally:
        store.close()


def memo_column(memos: Sequence[MemoRow]) -> dict[int, str]:
    """``coding id -> its memos as one cell``: each ``author: text``, one per line, oldest first (no times, so
    an export stays the same from run to run)."""
    cells: dict[int, list[str]] = {}
    for memo in memos:
        if memo.kind == "coding":
            cells.setdefault(int(memo.target), []).append(f"{memo.author}: {memo.text}")
    return {coding: "\n".join(lines) for coding, lines in cells.items()}

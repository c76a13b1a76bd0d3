"""`qualcode search --tag CODE --coder NAME`: code many spans by hand in one step.

Each span becomes a human coding (status ``accepted``, origin ``search``) of the named coder, exactly as
`qualcode tag` makes one; a span the coder already coded with that code is counted, not added again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.codebook.active import active_codebook
from qualcode.codebook.names import unknown_code
from qualcode.codings.tagging import coder_name
from qualcode.errors import UsageError
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import open_store

UNITS = ("sentence", "turn", "match")


@dataclass(frozen=True)
class SpansTagged:
    """What coding the spans did: how many codings were added and how many the coder had already."""

    code: str
    coder: str
    unit: str
    added: int
    existing: int


def code_unit(project: ProjectFolder, code: str, unit: str | None, codebook: str | Path | None = None) -> str:
    """The unit hits of ``code`` are coded in: ``unit``, else the code's, else the codebook's."""
    if unit is not None:
        if unit not in UNITS:
            raise UsageError(f"unknown unit {unit!r}; use {', '.join(UNITS)}")
        return unit
    book = active_codebook(project, codebook)
    target = book.resolve(code)
    if target is None:
        raise UsageError(unknown_code(book, code))
    return target.unit or book.unit


def tag_spans(project: ProjectFolder, spans: Sequence[tuple[str, int, int]], code: str, *, coder: str | None,
              unit: str, codebook: str | Path | None = None) -> SpansTagged:
    """Code each ``(document, start, end)`` span with ``code`` (id, label or path) as ``coder``, in one
    transaction. Raises UsageError for an unknown code or no coder."""
    name = coder_name(project, coder)
    book = active_codebook(project, codebook)
    target = book.resolve(code)
    if target is None:
        raise UsageError(unknown_code(book, code))
    from qualcode.codings.tagging import refuse_category

    refuse_category(book, target)
    wanted = sorted(set(spans))
    store = open_store(project.store_path)
    try:
        have = {(c.document, c.start, c.end) for c in store.codings()
                if c.coder == name and c.code == target.id and c.status != "rejected"}
        fresh = [s for s in wanted if s not in have]
        texts = {d: store.document(d).text for d in {s[0] for s in fresh}}
        with store.transaction():
            for document, start, end in fresh:
                store.add_coding(document, start, end, target.id, name, "accepted", texts[document][start:end],
                                 origin="search", codebook=(book.name, book.version, book.content_hash))
    finally:
        store.close()
    return SpansTagged(target.id, name, unit, len(fresh), len(wanted) - len(fresh))

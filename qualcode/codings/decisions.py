"""Review decisions on suggestions — accept, reject, recode — shared by the interactive review and the
spreadsheet review, each undoable. Callers run them inside a store transaction (one per decision, so an
interrupted review loses nothing already decided)."""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.codebook.load import Codebook
from qualcode.codebook.names import unknown_code
from qualcode.errors import UsageError
from qualcode.project.store import Store

ACTIONS = ("accept", "reject", "recode")


@dataclass(frozen=True)
class Decision:
    """What a decision changed, enough to undo it."""

    coding_id: int
    previous_status: str
    action: str
    new_coding_id: int | None = None  # the reviewer's coding made by a recode


def decide(store: Store, book: Codebook, coding_id: int, action: str, *, reviewer: str | None = None,
           code: str | None = None) -> Decision:
    """Apply ``action`` to a coding: ``accept`` and ``reject`` set its status; ``recode`` rejects it and adds
    the reviewer's accepted coding of the same span with ``code`` (id, label or path), so a re-run of
    `qualcode code` does not bring the suggestion back.

    Raises UsageError for an unknown coding, action or code, or a recode without a reviewer.
    """
    coding = store.coding(coding_id)
    if coding is None:
        raise UsageError(f"no coding with id {coding_id}")
    if action not in ACTIONS:
        raise UsageError(f"unknown decision {action!r}; use accept, reject or recode:CODE")
    if action == "recode":
        target = book.resolve(code or "")
        if target is None:
            raise UsageError(unknown_code(book, code))
        if not reviewer:
            raise UsageError("a recode needs the reviewer's name (--coder, or [project] coder in qualcode.toml)")
        store.set_status(coding_id, "rejected")
        new_id = store.add_coding(coding.document, coding.start, coding.end, target.id, reviewer, "accepted",
                                  coding.text, origin="review",
                                  codebook=(book.name, book.version, book.content_hash))
        return Decision(coding_id, coding.status, action, new_id)
    store.set_status(coding_id, "accepted" if action == "accept" else "rejected")
    return Decision(coding_id, coding.status, action)


def undo(store: Store, decision: Decision) -> None:
    """Put the coding back as it was before ``decision`` and remove the reviewer's coding of a recode."""
    store.set_status(decision.coding_id, decision.previous_status)
    if decision.new_coding_id is not None:
        store.delete_coding(decision.new_coding_id)

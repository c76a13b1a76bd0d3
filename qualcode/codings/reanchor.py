"""Re-anchoring codings when a transcript's text changes: exact match first, then fuzzy, else stale."""

from __future__ import annotations

from collections.abc import Sequence

from qualcode.project.store import CodingRow, QuoteChoiceRow, Store


def _nearest(haystack: str, needle: str, hint: int) -> int | None:
    best = None
    at = haystack.find(needle)
    while at != -1:
        if best is None or abs(at - hint) < abs(best - hint):
            best = at
        at = haystack.find(needle, at + 1)
    return best


def reanchor(old_text: str, new_text: str,
             codings: Sequence[CodingRow | QuoteChoiceRow]) -> list[tuple[int, int | None, int | None]]:
    """New ``(id, start, end)`` for each coding (or quote choice) of a changed document; ``start`` None means
    stale.

    The coding's text snapshot is searched exactly (the occurrence nearest its old relative position wins),
    then placed as other tools' segments are (:mod:`qualcode.align`: whitespace, punctuation, anchors,
    rapidfuzz at 90); codings that fit nowhere, or fit several places equally, become stale.
    """
    from qualcode.codings.align import Aligner, Placement

    scale = len(new_text) / len(old_text) if old_text else 1.0
    aligner: Aligner | None = None
    moved: list[tuple[int, int | None, int | None]] = []
    for coding in codings:
        snapshot = coding.text
        if not snapshot.strip():
            moved.append((coding.id, None, None))
            continue
        at = _nearest(new_text, snapshot, int(coding.start * scale))
        if at is not None:
            moved.append((coding.id, at, at + len(snapshot)))
            continue
        aligner = aligner or Aligner(new_text)
        placed = aligner.place(snapshot)
        if isinstance(placed, Placement):
            moved.append((coding.id, placed.start, placed.end))
        else:
            moved.append((coding.id, None, None))
    return moved


def reanchor_document(store: Store, document: str, old_text: str, new_text: str) -> int:
    """Move every coding and quote choice of ``document`` from ``old_text`` onto ``new_text`` (inside the
    caller's transaction); returns how many became stale."""
    stale = 0
    for coding_id, start, end in reanchor(old_text, new_text, store.codings(document)):
        store.move_coding(coding_id, start, end)
        stale += start is None
    for choice_id, start, end in reanchor(old_text, new_text, store.quote_choices(document)):
        store.move_quote_choice(choice_id, start, end)
        stale += start is None
    return stale

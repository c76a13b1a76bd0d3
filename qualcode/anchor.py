"""Re-anchoring codings when a transcript's text changes: exact match first, then fuzzy, else stale."""

from __future__ import annotations

from collections.abc import Sequence

from .store import CodingRow

FUZZY_CUTOFF = 90.0


def _nearest(haystack: str, needle: str, hint: int) -> int | None:
    best = None
    at = haystack.find(needle)
    while at != -1:
        if best is None or abs(at - hint) < abs(best - hint):
            best = at
        at = haystack.find(needle, at + 1)
    return best


def reanchor(old_text: str, new_text: str, codings: Sequence[CodingRow]) -> list[tuple[int, int | None, int | None]]:
    """New ``(id, start, end)`` for each coding of a changed document; ``start`` None means stale.

    The coding's text snapshot is searched exactly (the occurrence nearest its old relative position wins),
    then aligned fuzzily with rapidfuzz (score at least 90); codings that fit nowhere become stale.
    """
    from rapidfuzz import fuzz

    scale = len(new_text) / len(old_text) if old_text else 1.0
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
        found = fuzz.partial_ratio_alignment(snapshot, new_text, score_cutoff=FUZZY_CUTOFF)
        if found is None:
            moved.append((coding.id, None, None))
        else:
            moved.append((coding.id, found.dest_start, found.dest_end))
    return moved

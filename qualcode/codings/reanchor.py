"""Re-anchoring codings when a transcript's text changes: exact match first, then fuzzy, else stale."""

from __future__ import annotations

from collections.abc import Sequence

from qualcode.project.store import CodingRow, QuoteChoiceRow, Store


def _nearest(haystack: str, needle: str, hint: int) -> int | None:
    """The occurrence of ``needle`` nearest ``hint`` that neither starts nor ends inside a word."""
    best = None
    at = haystack.find(needle)
    while at != -1:
        if _whole_words(haystack, at, at + len(needle)) == (at, at + len(needle)) and (
                best is None or abs(at - hint) < abs(best - hint)):
            best = at
        at = haystack.find(needle, at + 1)
    return best


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` widened so it cuts no word: a letter or digit at an edge takes its whole word."""
    while 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    return start, end


def _aligns(span_text: str, snapshot: str) -> bool:
    """Whether a placed span's text still reads as the coding's snapshot (rapidfuzz ratio of the normalised
    texts at least the aligner's cutoff)."""
    from rapidfuzz import fuzz

    from qualcode.codings.align import DEFAULT_CUTOFF, normalise

    return fuzz.ratio(normalise(span_text)[0], normalise(snapshot)[0]) >= DEFAULT_CUTOFF


def reanchor(old_text: str, new_text: str,
             codings: Sequence[CodingRow | QuoteChoiceRow]) -> list[tuple[int, int | None, int | None]]:
    """New ``(id, start, end)`` for each coding (or quote choice) of a changed document; ``start`` None means
    stale.

    The coding's text snapshot is searched exactly on word boundaries (the occurrence nearest its old
    relative position wins), then placed as other tools' segments are (:mod:`qualcode.align`: whitespace,
    punctuation, anchors, rapidfuzz at 90). A placement never cuts a word: it is widened to whole words, and
    kept only when the widened text still aligns with the snapshot (ratio 90), so a coding is never clipped.
    Codings that fit nowhere, or fit several places equally, become stale.
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
            start, end = _whole_words(new_text, placed.start, placed.end)
            if _aligns(new_text[start:end], snapshot):
                moved.append((coding.id, start, end))
                continue
        moved.append((coding.id, None, None))
    return moved


def reanchor_document(store: Store, document: str, old_text: str, new_text: str) -> int:
    """Move every coding and quote choice of ``document`` from ``old_text`` onto ``new_text`` (inside the
    caller's transaction), their text snapshots set to the words they now cover; returns how many became
    stale."""
    stale = 0
    for coding_id, start, end in reanchor(old_text, new_text, store.codings(document)):
        store.move_coding(coding_id, start, end, new_text[start:end] if start is not None else None)
        stale += start is None
    for choice_id, start, end in reanchor(old_text, new_text, store.quote_choices(document)):
        store.move_quote_choice(choice_id, start, end, new_text[start:end] if start is not None else None)
        stale += start is None
    return stale

"""Placing a quoted segment in a document's stored text despite whitespace, hyphenation, line wraps and small
transcription differences — as other tools' coded-segment exports quote them.

Each step runs only when the steps before it found nothing:

1. ``exact``: the segment as written.
2. ``whitespace``: the same words with any whitespace between them.
3. ``normalised``: letters and digits only, casefolded — drops punctuation, hyphens, line breaks, quotes.
4. ``anchored`` (segments of at least 60 normalised characters): the segment's first and last 40 normalised
   characters found exactly (at least one end in at most 50 places), with at least ``cutoff`` percent of the
   segment's characters in order between them. This survives insertions such as page or line numbers and a
   repeated line.
5. ``fuzzy`` (at least 20 normalised characters): rapidfuzz's ``partial_ratio_alignment`` of the normalised
   segment in the normalised text, score at least ``cutoff``.

A step that finds several places reports the segment as ambiguous — unless a ``within`` span (a turn) holds
exactly one of them. Pure functions of text: no store, no files.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_CUTOFF = 90.0
ANCHOR_MIN = 60  # normalised characters a segment needs for the anchored step
ANCHOR_LENGTH = 40
FUZZY_MIN = 20  # shorter segments would find a near match almost anywhere
MAX_ANCHORS = 50  # an end found more often than this is not an anchor
NEAREST = 5


@dataclass(frozen=True)
class Placement:
    """Where a segment stands: ``[start, end)`` code points, the step that found it and its score (0–100)."""

    start: int
    end: int
    method: str
    score: float = 100.0


@dataclass(frozen=True)
class Miss:
    """A segment that could not be placed: not found, or found in several places (their starts)."""

    reason: str  # "empty", "not found" or "ambiguous"
    places: tuple[int, ...] = ()

    def __str__(self) -> str:
        if self.reason == "ambiguous":
            return (f"ambiguous: found in {len(self.places)} places; give start and end (or a turn) instead")
        if self.reason == "empty":
            return "empty text"
        return "not found in the document"


def normalise(text: str) -> tuple[str, list[int]]:
    """Letters and digits of ``text``, casefolded, with the index in ``text`` of each character kept."""
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch.isalnum():
            for folded in ch.casefold():
                chars.append(folded)
                index.append(i)
    return "".join(chars), index


def _find_all(haystack: str, needle: str) -> list[int]:
    found = []
    at = haystack.find(needle)
    while at != -1:
        found.append(at)
        at = haystack.find(needle, at + 1)
    return found


def _edge(segment: str, reverse: bool) -> int:
    """How many punctuation characters (not letters, digits or spaces) the segment starts (ends) with."""
    count = 0
    for ch in (reversed(segment) if reverse else segment):
        if ch.isalnum() or ch.isspace():
            break
        count += 1
    return count


class Aligner:
    """Places segments in one text; the normalised text is built once for all of them."""

    def __init__(self, text: str, cutoff: float = DEFAULT_CUTOFF) -> None:
        self.text = text
        self.cutoff = cutoff
        self.norm, self.index = normalise(text)

    def place(self, segment: str, within: tuple[int, int] | None = None) -> Placement | Miss:
        """Where ``segment`` stands in the text, or why it cannot be placed.

        ``within`` (a span such as a turn) chooses among several places the one that starts inside it.
        """
        segment = unicodedata.normalize("NFC", segment).strip()
        if not segment:
            return Miss("empty")
        exact = [(s, s + len(segment)) for s in _find_all(self.text, segment)]
        if exact:
            return self._choose(exact, "exact", within)
        words = segment.split()
        pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
        spaced = [(m.start(), m.end()) for m in pattern.finditer(self.text)]
        if spaced:
            return self._choose(spaced, "whitespace", within)
        needle, _ = normalise(segment)
        if not needle:
            return Miss("not found")
        found = [self._span(s, s + len(needle), segment) for s in _find_all(self.norm, needle)]
        if found:
            return self._choose(found, "normalised", within)
        if len(needle) >= ANCHOR_MIN:
            anchored = self._anchored(needle, segment, within)
            if anchored is not None:
                return anchored
        if len(needle) >= FUZZY_MIN:
            return self._fuzzy(needle, segment, within)
        return Miss("not found")

    # -- steps -------------------------------------------------------------------------------------------
    def _span(self, nstart: int, nend: int, segment: str) -> tuple[int, int]:
        """Map a normalised span back to the text, taking along the punctuation the segment has at its edges."""
        start, end = self.index[nstart], self.index[nend - 1] + 1
        lead, trail = _edge(segment, False), _edge(segment, True)
        while lead and start > 0 and not (self.text[start - 1].isalnum() or self.text[start - 1].isspace()):
            start, lead = start - 1, lead - 1
        while trail and end < len(self.text) and not (self.text[end].isalnum() or self.text[end].isspace()):
            end, trail = end + 1, trail - 1
        return start, end

    def _choose(self, spans: Sequence[tuple[int, int]], method: str, within: tuple[int, int] | None,
                score: float = 100.0) -> Placement | Miss:
        spans = sorted(set(spans))
        if len(spans) > 1 and within is not None:
            inside = [s for s in spans if within[0] <= s[0] < within[1]]
            if len(inside) == 1:
                spans = inside
        if len(spans) > 1:
            return Miss("ambiguous", tuple(s for s, _ in spans))
        return Placement(spans[0][0], spans[0][1], method, score)

    def _anchored(self, needle: str, segment: str, within: tuple[int, int] | None) -> Placement | Miss | None:
        from rapidfuzz.distance import LCSseq

        size = min(ANCHOR_LENGTH, len(needle) // 3)
        heads = _find_all(self.norm, needle[:size])
        tails = [tail + size for tail in _find_all(self.norm, needle[-size:])]
        if min(len(heads), len(tails)) > MAX_ANCHORS:
            return None  # neither end is distinctive (a run of redaction Xs): leave it to the fuzzy step
        longest = 2 * len(needle) + 500  # room for inserted page and line numbers, not for a different passage
        shortest = len(needle) * self.cutoff / 100
        pairs: list[tuple[int, int]] = []
        # from each place of the rarer end, the few places of the other end nearest the segment's own length
        if len(heads) <= len(tails):
            for head in heads:
                stops = [t for t in tails if shortest <= t - head <= longest]
                pairs += [(head, t) for t in sorted(stops, key=lambda t: abs(t - head - len(needle)))[:NEAREST]]
        else:
            for stop in tails:
                starts = [h for h in heads if shortest <= stop - h <= longest]
                pairs += [(h, stop) for h in sorted(starts, key=lambda h: abs(stop - h - len(needle)))[:NEAREST]]
        candidates: list[tuple[float, int, int]] = []  # (coverage, start, stop)
        for head, stop in pairs:
            coverage = 100.0 * LCSseq.similarity(needle, self.norm[head:stop]) / len(needle)
            if coverage >= self.cutoff:
                candidates.append((coverage, head, stop))
        if not candidates:
            return None
        candidates.sort(key=lambda c: (-c[0], c[2] - c[1]))
        best = candidates[0]
        distinct = [best] + [c for c in candidates[1:]
                             if c[0] >= best[0] - 1 and (c[2] <= best[1] or c[1] >= best[2])]
        spans = [self._span(start, stop, segment) for _, start, stop in distinct]
        return self._choose(spans, "anchored", within, round(best[0], 1))

    def _fuzzy(self, needle: str, segment: str, within: tuple[int, int] | None) -> Placement | Miss:
        from rapidfuzz import fuzz

        first = fuzz.partial_ratio_alignment(needle, self.norm, score_cutoff=self.cutoff)
        if first is None:
            return Miss("not found")
        spans = [self._span(first.dest_start, first.dest_end, segment)]
        masked = (self.norm[:first.dest_start] + "\0" * (first.dest_end - first.dest_start)
                  + self.norm[first.dest_end:])
        second = fuzz.partial_ratio_alignment(needle, masked, score_cutoff=max(self.cutoff, first.score - 1))
        if second is not None and second.dest_end > second.dest_start:
            spans.append(self._span(second.dest_start, second.dest_end, segment))
        return self._choose(spans, "fuzzy", within, round(first.score, 1))


def place(text: str, segment: str, *, cutoff: float = DEFAULT_CUTOFF,
          within: tuple[int, int] | None = None) -> Placement | Miss:
    """Where ``segment`` stands in ``text`` (see the module's steps), or a :class:`Miss` saying why not."""
    return Aligner(text, cutoff).place(segment, within)


def snap_to_speech(turns: Sequence[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """``[start, end)`` trimmed to the speech of the turns it overlaps, so it neither starts nor ends on a
    speaker label or on turns left out of ``turns``; None when it overlaps none of them.

    ``turns`` are ``(start, end)`` speech spans in document order (for instance the respondents' turns).
    """
    inside = [(s, e) for s, e in turns if e > s and s < end and e > start]
    if not inside:
        return None
    return max(start, inside[0][0]), min(end, inside[-1][1])

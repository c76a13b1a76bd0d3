"""Choosing an appendix's quotes so that every group is heard, and nobody speaks for everyone.

Codes are walked in codebook order by one :class:`QuotePicker`, which remembers across the whole appendix
how often each group and each participant has been quoted:

1. pinned quotes first (the report writer's own choice);
2. then, quote after quote, the group quoted least so far *for its size* (quotes per participant of the
   group): every group with a candidate is heard before any group is heard twice, and after that groups are
   quoted in proportion to how many participants they have — so a group of 6 is heard as surely as a group
   of 27, and 20 officials among 102 participants do not fill three quarters of the appendix. Ties go by a
   stable hash of (seed, code, group). ``per_group`` asks instead for N quotes of every group in every code;
3. within the group, the participant quoted least so far, then the passage that reads best
   (:mod:`qualcode.report.quote_text`), then a stable hash of (seed, code, document, start) — never
   participant or coding ids, so no id range is favoured and another seed gives another draw;
4. passages with a flaw (a fragment, reported speech cut from its frame, a stray quotation mark) only when no
   group has a passage without one; a near-repeat of a quote already chosen for the code is skipped.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from qualcode.analysis.corpus_view import MISSING
from qualcode.report.quotes import Quote

NEAR_DUPLICATE = 90  # rapidfuzz ratio of casefolded texts at or above which a candidate repeats a chosen quote


def _group_key(quote: Quote) -> tuple:
    return quote.group_rank or (quote.group == MISSING, 0, quote.group.casefold(), quote.group)


def in_order(quotes: Sequence[Quote]) -> list[Quote]:
    """``quotes`` grouped (groups in their report order, ``(missing)`` last), then in document order."""
    return sorted(quotes, key=lambda q: (_group_key(q), q.document, q.turn, q.start))


@dataclass
class GroupTally:
    """What the appendix gave one group: its participants, who of them were quoted, its quotes and candidates."""

    participants: int = 0
    quoted: set[str] = field(default_factory=set)
    quotes: int = 0
    candidates: int = 0


class QuotePicker:
    """Chooses quotes code after code for one appendix, spreading voices over the whole of it (see the module
    docstring). ``group_sizes`` gives each group's participants (a group missing from it counts the speakers
    of its candidates); ``per_group`` asks N quotes of every group per code instead of ``limit`` in all."""

    def __init__(self, seed: int = 0, group_sizes: Mapping[str, int] | None = None,
                 per_group: int | None = None) -> None:
        self.seed = seed
        self.sizes = dict(group_sizes or {})
        self.per_group = per_group
        self.quoted: dict[str, int] = {}  # speaker -> quotes chosen so far
        self.tally: dict[str, GroupTally] = {}  # group -> what the appendix gave it

    def _hash(self, *parts: object) -> int:
        key = "|".join(str(p) for p in (self.seed, *parts)).encode()
        return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")

    def _tiebreak(self, quote: Quote) -> int:
        return self._hash(quote.code, quote.document, quote.start)

    def _size(self, group: str, quotes: Sequence[Quote]) -> int:
        return self.sizes.get(group) or len({q.speaker for q in quotes if q.group == group}) or 1

    def choose(self, quotes: Sequence[Quote], limit: int | None) -> list[Quote]:
        """The quotes of one code: up to ``limit`` in all (every one when None and no ``per_group``), grouped
        and in document order within a group."""
        for quote in quotes:
            self.tally.setdefault(quote.group, GroupTally(self.sizes.get(quote.group, 0))).candidates += 1
        pinned = [q for q in quotes if q.pinned]
        rest = [q for q in quotes if not q.pinned]
        if limit is None and self.per_group is None:
            chosen = list(quotes)
        else:
            room = None if limit is None else max(limit - len(pinned), 0)
            chosen = pinned + self._pick(rest, room, pinned)
        for quote in chosen:
            self._count(quote)
        return in_order(chosen)

    def _count(self, quote: Quote) -> None:
        self.quoted[quote.speaker] = self.quoted.get(quote.speaker, 0) + 1
        tally = self.tally.setdefault(quote.group, GroupTally(self.sizes.get(quote.group, 0)))
        tally.quotes += 1
        if quote.participant:
            tally.quoted.add(quote.participant)

    def _pick(self, quotes: Sequence[Quote], room: int | None, already: Sequence[Quote]) -> list[Quote]:
        from rapidfuzz import fuzz, process

        speakers = dict(self.quoted)
        groups = {g: t.quotes for g, t in self.tally.items()}
        for quote in already:
            speakers[quote.speaker] = speakers.get(quote.speaker, 0) + 1
            groups[quote.group] = groups.get(quote.group, 0) + 1
        sizes = {q.group: self._size(q.group, quotes) for q in quotes}
        code = quotes[0].code if quotes else ""
        taken: dict[str, int] = {}  # group -> quotes of this code (for per_group)
        chosen: list[Quote] = []
        seen = [q.text.casefold() for q in already]
        for flawed in (False, True):
            # One heap per group, keyed (times the speaker was quoted, -score, hash, position). A speaker's count
            # only grows, so a popped key whose count is out of date goes back with the new one: the first
            # up-to-date key popped is the best candidate, as a scan of the whole group would find it.
            heaps: dict[str, list[tuple]] = {}
            for position, quote in enumerate(quotes):
                full = self.per_group is not None and taken.get(quote.group, 0) >= self.per_group
                if bool(quote.flaws) == flawed and not full:
                    heaps.setdefault(quote.group, []).append(
                        (speakers.get(quote.speaker, 0), -quote.score, self._tiebreak(quote), position))
            for heap in heaps.values():
                heapq.heapify(heap)
            while heaps and (room is None or len(chosen) < room):
                group = min(heaps, key=lambda g: (groups.get(g, 0) / sizes[g], self._hash(code, g)))
                heap = heaps[group]
                best = None
                while heap:
                    count, *rest = heapq.heappop(heap)
                    candidate = quotes[rest[-1]]
                    if count != speakers.get(candidate.speaker, 0):
                        heapq.heappush(heap, (speakers.get(candidate.speaker, 0), *rest))
                        continue
                    folded = candidate.text.casefold()
                    if process.extractOne(folded, seen, scorer=fuzz.ratio, score_cutoff=NEAR_DUPLICATE):
                        continue
                    best = candidate
                    seen.append(folded)
                    break
                if best is not None:
                    chosen.append(best)
                    speakers[best.speaker] = speakers.get(best.speaker, 0) + 1
                    groups[group] = groups.get(group, 0) + 1
                    taken[group] = taken.get(group, 0) + 1
                if not heap or best is None or (self.per_group is not None and taken[group] >= self.per_group):
                    del heaps[group]
        return chosen


def choose(quotes: Sequence[Quote], limit: int | None, seed: int = 0) -> list[Quote]:
    """Up to ``limit`` quotes of one code, chosen as :class:`QuotePicker` does for a fresh appendix."""
    return QuotePicker(seed).choose(quotes, limit)

"""Units for agreement and evaluation, which codings count, and which units each coder coded with which code.

A unit is a respondent turn, a sentence of one, or a whole document (its respondent turns). A coder coded a
unit with a code when one of their codings of that code overlaps the unit by at least one non-space
character. Codings that overlap no unit are not counted: those on interviewer turns and the rest (whitespace,
a preamble) are tallied separately so reports can say so.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from qualcode.codebook.load import Codebook
from qualcode.codings.selection import resolve_coders
from qualcode.errors import ProjectError, UsageError
from qualcode.model import Role
from qualcode.project.store import CodingRow, Store


class UnitKind(str, Enum):
    """What agreement and evaluation count: respondent turns, their sentences, or whole documents."""

    TURN = "turn"
    SENTENCE = "sentence"
    DOCUMENT = "document"


def unit_kind(value: str | UnitKind) -> UnitKind:
    """``value`` as a :class:`UnitKind`. Raises UsageError naming the choices when it is none of them."""
    try:
        return UnitKind(value)
    except ValueError:
        choices = ", ".join(k.value for k in UnitKind)
        raise UsageError(f"unknown unit {value!r}; use one of {choices}") from None


@dataclass(frozen=True)
class Unit:
    """One unit: a respondent turn, a sentence of one (``sentence`` is its number in the turn) or a document.

    ``text`` is the unit's stored text; it is empty for a document.
    """

    document: str
    turn: int | None
    sentence: int | None
    speaker: str
    participant: str | None
    start: int
    end: int
    text: str

    @property
    def where(self) -> str:
        """``IDI-01, turn 4`` / ``IDI-01, turn 4, sentence 2`` / ``IDI-01``."""
        parts = [self.document]
        if self.turn is not None:
            parts.append(f"turn {self.turn}")
        if self.sentence is not None:
            parts.append(f"sentence {self.sentence}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Marks:
    """The units of some documents and what each coder coded there.

    ``passages[coder][code][unit index]`` holds the coded text (each coding clipped to the unit) of the codings
    of exactly that code; :meth:`coded` adds descendants.
    """

    kind: UnitKind
    units: tuple[Unit, ...]
    passages: dict[str, dict[str, dict[int, tuple[str, ...]]]]
    interviewer: Counter = field(default_factory=Counter)  # coder -> codings only on interviewer turns
    unplaced: Counter = field(default_factory=Counter)  # coder -> other codings that cover no unit's text

    def codes_used(self, coders: Iterable[str]) -> set[str]:
        """The codes that mark at least one unit for one of ``coders``."""
        return {code for coder in coders for code in self.passages.get(coder, {})}

    def coded(self, coder: str, codes: Iterable[str]) -> dict[int, list[tuple[str, str]]]:
        """``unit index -> [(code, passage), …]`` of the units ``coder`` coded with any of ``codes``."""
        found: dict[int, list[tuple[str, str]]] = {}
        by_code = self.passages.get(coder, {})
        for code in codes:
            for index, texts in by_code.get(code, {}).items():
                found.setdefault(index, []).extend((code, text) for text in texts)
        return found

    def codes_at(self, coder: str, index: int) -> list[str]:
        """The codes ``coder`` gave unit ``index`` directly, sorted."""
        return sorted(code for code, units in self.passages.get(coder, {}).items() if index in units)


def mark_units(store: Store, documents: Sequence[str], codings: Sequence[CodingRow],
               kind: str | UnitKind) -> Marks:
    """The units of ``documents`` and which of them each coding marks (codings elsewhere are skipped).

    Units without any non-space character are left out: nobody can code them.
    Raises UsageError for an unknown unit kind.
    """
    kind = unit_kind(kind)
    wanted = set(documents)
    texts = {d.id: d.text for d in store.documents() if d.id in wanted}
    sentences = store.all_sentences() if kind is UnitKind.SENTENCE else {}
    units: list[Unit] = []
    atoms: dict[str, list[tuple[int, int, int]]] = {}  # document -> (start, end, unit index), in order
    interviewer_turns: dict[str, list[tuple[int, int]]] = {}
    document_unit: dict[str, int] = {}
    for turn in store.turns():
        if turn.document not in texts:
            continue
        text = texts[turn.document]
        if turn.role is Role.INTERVIEWER:
            interviewer_turns.setdefault(turn.document, []).append((turn.start, turn.end))
            continue
        if kind is UnitKind.SENTENCE:
            spans = [(s.start, s.end) for s in sentences.get((turn.document, turn.number), ())]
        else:
            spans = [(turn.start, turn.end)]
        for number, (start, end) in enumerate(spans, 1):
            if not text[start:end].strip():
                continue
            if kind is UnitKind.DOCUMENT:
                if turn.document not in document_unit:
                    document_unit[turn.document] = len(units)
                    units.append(Unit(turn.document, None, None, "", None, 0, len(text), ""))
                index = document_unit[turn.document]
            else:
                index = len(units)
                units.append(Unit(turn.document, turn.number, number if kind is UnitKind.SENTENCE else None,
                                  turn.label or "", turn.participant, start, end, text[start:end]))
            atoms.setdefault(turn.document, []).append((start, end, index))
    marks = Marks(kind, tuple(units), {})
    collected: dict[str, dict[str, dict[int, list[str]]]] = {}
    starts = {doc: [a[0] for a in found] for doc, found in atoms.items()}
    for coding in codings:
        if coding.document not in texts:
            continue
        text = texts[coding.document]
        hit = False
        doc_atoms = atoms.get(coding.document, [])
        i = max(bisect.bisect_right(starts.get(coding.document, []), coding.start) - 1, 0)
        while i < len(doc_atoms) and doc_atoms[i][0] < coding.end:
            start, end, index = doc_atoms[i]
            piece = text[max(start, coding.start):min(end, coding.end)].strip()
            if piece:
                hit = True
                found = collected.setdefault(coding.coder, {}).setdefault(coding.code, {}).setdefault(index, [])
                if piece not in found:
                    found.append(piece)
            i += 1
        if not hit:
            on_interviewer = any(text[max(s, coding.start):min(e, coding.end)].strip()
                                 for s, e in interviewer_turns.get(coding.document, ()))
            (marks.interviewer if on_interviewer else marks.unplaced)[coding.coder] += 1
    for coder, by_code in collected.items():
        marks.passages[coder] = {code: {index: tuple(texts_) for index, texts_ in by_unit.items()}
                                 for code, by_unit in by_code.items()}
    return marks


def counted_codings(store: Store, coders: Sequence[str], keep: Callable[[CodingRow], bool],
                    rule: str) -> dict[str, list[CodingRow]]:
    """Each coder's codings that count: never stale ones; ``keep`` decides the rest and ``rule`` says how.

    Raises UsageError for a coder with no stored coding (listing those present) and ProjectError for a coder none
    of whose codings count.
    """
    everything = store.codings()
    coders = resolve_coders(everything, coders)
    counted: dict[str, list[CodingRow]] = {name: [] for name in coders}
    for c in everything:
        if c.coder in counted and not c.stale and keep(c):
            counted[c.coder].append(c)
    for name in coders:
        if not counted[name]:
            raise ProjectError(f"coder {name!r} has no codings that count ({rule})")
    return counted


def code_rows(book: Codebook, used: set[str]) -> list[tuple[str, str, int]]:
    """``(code, label, level)`` of the used codes and their ancestors: codebook order, then unknown codes."""
    known = {c.id: c for c in book.codes}
    wanted = set(used)
    for code in used:
        while code in known and known[code].parent:
            code = known[code].parent
            wanted.add(code)
    rows = [(c.id, c.label, c.level) for c in book.codes if c.id in wanted]
    return rows + [(code, code, 1) for code in sorted(wanted - set(known))]


def code_family(book: Codebook, code: str) -> set[str]:
    """``code`` and its descendants (only ``code`` when the codebook does not know it)."""
    known = {c.id for c in book.codes}
    return {code, *book.descendants(code)} if code in known else {code}

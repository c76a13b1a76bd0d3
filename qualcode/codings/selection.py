"""Which codings count: a coder and status selection over the stored codings."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from qualcode.codings.where import TurnFilter, turn_filter
from qualcode.errors import QualcodeError, UsageError
from qualcode.model import Role
from qualcode.project.store import CodingRow, Store, TurnRow
from qualcode.wording import did_you_mean, find_name, plural

STATUSES = ("suggested", "accepted", "rejected")

DRAFT_NOTE = "DRAFT: includes unreviewed machine suggestions, not yet checked by a researcher."


class NothingReviewed(QualcodeError):
    """The default selection (reviewed codings) is empty while unreviewed suggestions wait."""

    def __init__(self, suggestions: int) -> None:
        super().__init__(f"no reviewed codings yet, only {plural(suggestions, 'unreviewed suggestion')}: review "
                         "them with `qualcode review` or in a spreadsheet (`qualcode codings export -o review.xlsx "
                         "--status suggested`, then `qualcode codings import review.xlsx --review`), or add "
                         "--include-suggestions for a draft")


@dataclass(frozen=True)
class Selection:
    """Which codings count. By default the reviewed ones: human codings and accepted suggestions;
    ``suggestions`` adds the unreviewed suggestions; ``statuses`` selects exactly those statuses. Rejected
    and stale codings never count unless asked for by status. ``where`` keeps the codings of the participants
    whose attributes satisfy it (see :mod:`qualcode.codings.where`). ``codebook`` (a codebook's name) keeps
    only the codings made with that codebook (and those that name none); empty keeps every codebook's."""

    coders: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    suggestions: bool = False
    where: str = ""
    codebook: str = ""

    def __post_init__(self) -> None:
        unknown = [s for s in self.statuses if s not in STATUSES]
        if unknown:
            raise UsageError(f"unknown status {unknown[0]!r}; use {', '.join(STATUSES)}")

    @property
    def draft(self) -> bool:
        """Whether unreviewed suggestions can be among the selected codings (outputs then say draft)."""
        return self.suggestions or "suggested" in self.statuses

    def keeps(self, coding: CodingRow) -> bool:
        """Whether ``coding`` is selected."""
        if coding.stale or not self.of_codebook(coding):
            return False
        if self.statuses:
            if coding.status not in self.statuses:
                return False
        elif coding.status != "accepted" and not (self.suggestions and coding.status == "suggested"):
            return False
        return not self.coders or coding.coder in self.coders

    def of_codebook(self, coding: CodingRow) -> bool:
        """Whether ``coding`` was made with the selected codebook (always, when none is selected)."""
        return not self.codebook or coding.codebook in ("", self.codebook)

    def left_out(self, everything: Sequence[CodingRow]) -> dict[str, int]:
        """``codebook name -> codings`` this selection would keep but for their codebook being another."""
        anyone = replace(self, codebook="")
        counts: dict[str, int] = {}
        for coding in everything:
            if not self.of_codebook(coding) and anyone.keeps(coding):
                counts[coding.codebook] = counts.get(coding.codebook, 0) + 1
        return dict(sorted(counts.items()))

    def describe(self, codings: Sequence[CodingRow], kept: TurnFilter | None = None,
                 left_out: dict[str, int] | None = None) -> str:
        """One line saying what was selected, with the number of unreviewed suggestions included, the
        participants ``kept`` by ``--where`` and, when ``left_out`` names other codebooks' codings, the codebook
        used and how many codings it leaves out."""
        if self.statuses:
            what = f"status {', '.join(self.statuses)}"
        elif self.suggestions:
            what = "every coding not rejected or stale (human, accepted and unreviewed suggestions)"
        else:
            what = "reviewed codings (human and accepted suggestions)"
        if self.coders:
            what += f"; coders {', '.join(self.coders)}"
        if kept is not None:
            what += f"; participants {kept.describe()}"
        unreviewed = sum(c.status == "suggested" for c in codings)
        line = f"{what} — {plural(len(codings), 'coding')}, {plural(unreviewed, 'unreviewed suggestion')} included"
        if left_out:
            line += f"; {other_codebooks_note(self.codebook, left_out)}"
        return line


def other_codebooks_note(codebook: str, left_out: dict[str, int]) -> str:
    """``codebook 'X' used; 12 codings of another codebook ('Y') left out``."""
    names = ", ".join(repr(name) for name in left_out)
    others = "another codebook" if len(left_out) == 1 else "other codebooks"
    return (f"codebook {codebook!r} used; {plural(sum(left_out.values()), 'coding')} of {others} ({names}) "
            "left out")


def resolve_coders(codings: Sequence[CodingRow] | Sequence[str], names: Sequence[str]) -> tuple[str, ...]:
    """The coders ``names`` mean among those of ``codings`` (rows, or the coders' names), ignoring case.
    Raises UsageError with the closest name and the coders present for a name no coding has."""
    present = sorted({c if isinstance(c, str) else c.coder for c in codings})
    found = []
    for name in names:
        coder = find_name(name, present)
        if coder is None:
            listed = ", ".join(present) if present else "none yet (run `qualcode code` or import codings)"
            raise UsageError(f"unknown coder {name!r}{did_you_mean(name, present)}; coders in this project: "
                             f"{listed}")
        found.append(coder)
    return tuple(found)


def select(store: Store, selection: Selection, *, labels: Mapping[str, Mapping[str, str]] | None = None,
           turns: Mapping[str, Sequence[TurnRow]] | None = None,
           kept: TurnFilter | None = None, document: str | None = None) -> list[CodingRow]:
    """The stored codings ``selection`` keeps (of one ``document``, or all), in document and position order.
    With ``selection.where``, only the codings whose speaking turn (:func:`speaking_turn`) is kept by
    ``kept`` (computed from the expression and the value ``labels`` when not given), among ``turns`` by
    document (read from the store when not given). Raises UsageError for a coder with no coding in the
    project or a bad ``--where``, and NothingReviewed when only unreviewed suggestions would count."""
    everything = store.codings(document)
    if selection.coders:
        coders = resolve_coders(everything if document is None else store.coders(), selection.coders)
        selection = replace(selection, coders=coders)
    rows = [c for c in everything if selection.keeps(c)]
    if not rows and not selection.statuses and not selection.suggestions:
        if document is not None:  # whether anything was reviewed is the project's question, not the document's
            everything = store.codings()
        if not any(selection.keeps(c) for c in everything):
            waiting = sum(replace(selection, suggestions=True).keeps(c) for c in everything)
            if waiting:
                raise NothingReviewed(waiting)
    if selection.where:
        kept = kept or turn_filter(store, selection.where, labels)
        if turns is None:
            turns = {}
            for t in store.turns(document):
                turns.setdefault(t.document, []).append(t)
        rows = [c for c in rows if (turn := speaking_turn(turns.get(c.document, []), c.start, c.end)) is not None
                and kept.keeps(turn)]
    return sorted(rows, key=lambda c: (c.document, c.start, c.end, c.code, c.coder, c.id))


def speaking_turn(turns: Sequence[TurnRow], start: int, end: int) -> TurnRow | None:
    """The turn a coding belongs to: the one it starts in, or — when that is an interviewer's — the first
    non-interviewer turn whose speech it overlaps (a segment that runs from a question into the answer).
    None for a coding on interviewer speech only."""
    first = turn_at(turns, start)
    if first is not None and first.role is not Role.INTERVIEWER:
        return first
    for turn in turns:
        if turn.role is not Role.INTERVIEWER and turn.start < end and start < turn.end and turn.end > turn.start:
            return turn
    return None


_STARTS: list = [None, []]  # the turns last asked about and their starts: callers ask many times per document


def turn_at(turns: Sequence[TurnRow], offset: int) -> TurnRow | None:
    """The turn whose span holds ``offset`` (turns of one document, in order), or None."""
    if _STARTS[0] is not turns or len(_STARTS[1]) != len(turns):
        _STARTS[:] = [turns, [t.start for t in turns]]
    starts = _STARTS[1]
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and offset <= max(turns[i].end, turns[i].start):
        return turns[i]
    return None

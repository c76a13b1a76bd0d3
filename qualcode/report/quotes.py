"""Choosing and attributing quotes — shared by every appendix renderer (Word, HTML, Markdown).

A quote is the stored text of a coded span with newlines turned into spaces, never altered. Overlapping or
adjacent spans of one code in one turn are merged (so a span two coders coded appears once); an ellipsis
outside the quote marks a span cut from a longer turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.analysis.corpus_view import MISSING, CorpusView
from qualcode.codebook.names import unknown_code
from qualcode.errors import UsageError
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import TurnRow

DEFAULT_ATTRIBUTION = ("participant", "gender", "ethnicity", "position", "site", "document", "turn", "timestamp")
PLACE_FIELDS = ("document", "turn", "timestamp")


@dataclass(frozen=True)
class Quote:
    """One quote of a code: the text, whether it was cut from its turn, who said it and where."""

    code: str
    document: str
    turn: int
    start: int
    end: int
    text: str
    cut_before: bool
    cut_after: bool
    participant: str
    group: str
    attribution: str
    context: str = ""  # the interviewer's preceding question, when asked for

    def display(self) -> str:
        """The quote in curly quotes, with ellipses outside them where the span was cut from its turn."""
        return f"{'… ' if self.cut_before else ''}“{self.text}”{' …' if self.cut_after else ''}"


def attribution(view: CorpusView, participant: str | None, turn: TurnRow,
                fields: Sequence[str] = DEFAULT_ATTRIBUTION) -> str:
    """``— P07, female, Hmong, community member, Site A (IDI-07, turn 12, 00:14:32)``; blanks left out."""
    person, place = [], []
    for name in fields:
        if name == "participant":
            value = participant or ""
        elif name == "document":
            value = turn.document
        elif name == "turn":
            value = f"turn {turn.number}"
        elif name == "timestamp":
            value = turn.timestamp or ""
        else:
            value = view.value(name, participant, turn.document)
        if value and value != MISSING:
            (place if name in PLACE_FIELDS else person).append(value)
    text = "— " + ", ".join(person)
    if place:
        text += f" ({', '.join(place)})" if person else f"({', '.join(place)})"
    return text


def _merged_spans(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or not text[merged[-1][1]:start].strip()):
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _preceding_question(view: CorpusView, turn: TurnRow) -> str:
    turns = view.turns[turn.document]
    earlier = [t for t in turns if t.number < turn.number]
    if earlier and earlier[-1].role.value == "interviewer":
        t = earlier[-1]
        return view.docs[t.document].text[t.start:t.end].replace("\n", " ")
    return ""


def code_quotes(view: CorpusView, code: str, *, by: str | None = None,
                fields: Sequence[str] = DEFAULT_ATTRIBUTION, context: bool = False) -> list[Quote]:
    """Every quote of ``code`` itself (not its children), merged per turn, in (document, turn, start) order."""
    per_turn: dict[tuple[str, int], tuple[TurnRow, list[tuple[int, int]]]] = {}
    for coding, turn in view.codings:
        if coding.code == code:
            per_turn.setdefault((turn.document, turn.number), (turn, []))[1].append((coding.start, coding.end))
    quotes = []
    for (document, _), (turn, spans) in sorted(per_turn.items()):
        text = view.docs[document].text
        for start, end in _merged_spans(spans, text):
            start, end = max(start, turn.start), min(end, turn.end)
            if end <= start:
                continue
            participant = turn.participant or ""
            quotes.append(Quote(
                code=code, document=document, turn=turn.number, start=start, end=end,
                text=text[start:end].replace("\n", " "),
                cut_before=bool(text[turn.start:start].strip()), cut_after=bool(text[end:turn.end].strip()),
                participant=participant,
                group=view.value(by, turn.participant, document) if by else "",
                attribution=attribution(view, turn.participant, turn, fields),
                context=_preceding_question(view, turn) if context else ""))
    return quotes


def _group_key(group: str) -> tuple:
    return (group == MISSING, group.casefold(), group)


def choose(quotes: Sequence[Quote], limit: int | None) -> list[Quote]:
    """Up to ``limit`` quotes, deterministically spread: round-robin over the groups (sorted, ``(missing)``
    last), and within a group over participants in id order, so no participant of a group is quoted twice
    before each of them has been quoted once; a participant's quotes go in (document, turn, start) order.
    The chosen quotes come back grouped, and in (document, turn, start) order within a group.
    """
    if limit is None or len(quotes) <= limit:
        return sorted(quotes, key=lambda q: (_group_key(q.group), q.document, q.turn, q.start))
    groups: dict[str, dict[str, list[Quote]]] = {}
    for quote in sorted(quotes, key=lambda q: (q.document, q.turn, q.start)):
        groups.setdefault(quote.group, {}).setdefault(quote.participant, []).append(quote)
    queues = []
    for group in sorted(groups, key=_group_key):
        people = groups[group]
        order = []  # the group's quotes in participant round-robin order
        depth = 0
        while any(len(qs) > depth for qs in people.values()):
            order += [people[p][depth] for p in sorted(people) if len(people[p]) > depth]
            depth += 1
        queues.append(order)
    chosen: list[Quote] = []
    position = 0
    while len(chosen) < limit and any(position < len(q) for q in queues):
        for queue in queues:
            if position < len(queue) and len(chosen) < limit:
                chosen.append(queue[position])
        position += 1
    return sorted(chosen, key=lambda q: (_group_key(q.group), q.document, q.turn, q.start))


def find_quotes(project: ProjectFolder, code: str, *, by: str | None = None, limit: int | None = None,
                coders: Sequence[str] = (), statuses: Sequence[str] = (), suggestions: bool = False) -> list[Quote]:
    """Quotes of ``code`` and its descendants, merged per turn as in the appendix, grouped by ``by`` (if
    given), in document order. Raises UsageError for an unknown code or attribute."""
    from qualcode.analysis.corpus_view import view_for

    view = view_for(project, coders, statuses, suggestions=suggestions)
    target = view.book.resolve(code)
    if target is None:
        raise UsageError(unknown_code(view.book, code))
    if by:
        by = view.resolve_attributes([by])[0]
    spans: dict[tuple[str, int, int], Quote] = {}
    for c in (target.id, *view.book.descendants(target.id)):
        for quote in code_quotes(view, c, by=by):
            spans.setdefault((quote.document, quote.start, quote.end), quote)  # a span once, whatever its code
    found = choose(list(spans.values()), None)  # grouped, then (document, turn, start)
    return found[:limit] if limit else found

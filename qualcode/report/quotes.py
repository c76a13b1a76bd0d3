"""Quotes and their attributions — shared by every appendix renderer (Word, HTML, Markdown).

A quote is the stored text of a coded span, never reworded, written in the house style of
:mod:`qualcode.report.quote_text`. Overlapping or adjacent spans of one code in one turn are merged (so a span
two coders coded appears once). Which quotes an appendix shows is :mod:`qualcode.report.quote_choice`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from qualcode.analysis.corpus_view import MISSING, CorpusView
from qualcode.analysis.disclosure import Disclosure
from qualcode.codebook.names import unknown_code
from qualcode.codings.pseudonyms import Remap, hide, remap
from qualcode.errors import UsageError
from qualcode.model import Role
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import QuoteChoiceRow, TurnRow
from qualcode.report.quote_text import cut_marked, ends_sentence, only_tags, quoted, read, starts_inside_sentence

UNTRANSLATED = "[untranslated]"
DEFAULT_ATTRIBUTION = ("participant", "gender", "ethnicity", "position", "site", "document", "turn", "timestamp")
PLACE_FIELDS = ("document", "turn", "timestamp")


@dataclass(frozen=True)
class QuotePart:
    """One turn's piece of a quote: a participant's speech (with its own attribution) or, inside a coding
    that runs over several turns, an interviewer's line shown as context — never as the participant's words."""

    kind: str  # "speech" or "context"
    turn: int
    text: str
    cut_before: bool
    cut_after: bool
    attribution: str = ""

    def display(self) -> str:
        """Speech in the house style (curly quotes, “…” inside them where a sentence was cut); context after
        `Interviewer:`."""
        if self.kind == "context":
            return f"Interviewer: {cut_marked(self.text, self.cut_before, self.cut_after)}"
        return quoted(self.text, self.cut_before, self.cut_after)


@dataclass(frozen=True)
class Quote:
    """One quote of a code: the coded span's text, whether it was cut from its turn, who said it and where.
    A span over several turns has several ``parts``; ``text`` and the cut marks describe the whole span."""

    code: str
    document: str
    turn: int  # the first speech turn
    start: int
    end: int
    text: str
    cut_before: bool
    cut_after: bool
    participant: str  # the first speaker's participant id ("" when unidentified)
    group: str
    attribution: str
    context: str = ""  # the interviewer's preceding question, when asked for
    parts: tuple[QuotePart, ...] = ()
    speaker: str = ""  # who speaks, for spreading voices: the participant id, or an internal key when unidentified
    score: float = 0.0  # how well it reads in a report (see :func:`qualcode.report.quote_text.read`)
    group_rank: tuple = ()  # where its group sorts (qualcode.toml's value order, (missing) last)
    pinned: bool = False  # the report writer pinned it (`qualcode quotes import`): chosen first
    translation: str = ""  # a stored translation or gloss, printed under the quote
    language: str = ""  # the document's language
    flaws: tuple[str, ...] = ()  # why it ranks last (a fragment, reported speech cut from its frame, …)
    untranslated: bool = False  # in another language than the report's, without a translation
    interpreted: bool = False  # an interpreter's rendering of the participant's words (attributed as such)

    def display(self) -> str:
        """The quote in the house style: curly quotes, “…” inside them where a sentence was cut."""
        return quoted(self.text, self.cut_before, self.cut_after)

    def lines(self, context: bool = False) -> list[tuple[str, str]]:
        """What a renderer prints, as (kind, text) with kind ``question``, ``quote``, ``attribution`` or
        ``context``: the preceding question when ``context``, then each part with its attribution."""
        out = [("question", f"Question: {self.context}")] if context and self.context else []
        for part in self.parts or (QuotePart("speech", self.turn, self.text, self.cut_before, self.cut_after,
                                             self.attribution),):
            if part.kind == "context":
                out.append(("context", part.display()))
            else:
                out += [("quote", part.display()), ("attribution", part.attribution)]
        if self.translation or self.untranslated:
            last = max(i for i, (kind, _) in enumerate(out) if kind == "quote")
            out.insert(last + 1, ("translation", f"Translation: {quoted(self.translation, False, False)}"
                                  if self.translation else UNTRANSLATED))
        return out


def identified(turn: TurnRow) -> str | None:
    """The participant id of ``turn``'s speaker, or None when the speaker has no participants.csv row (their
    id is then built from the transcript's label, often a real name, and must not reach a report)."""
    if not turn.participant or (turn.label and turn.participant == f"{turn.document}/{turn.label}"):
        return None
    return turn.participant


def attribution(view: CorpusView, participant: str | None, turn: TurnRow,
                fields: Sequence[str] = DEFAULT_ATTRIBUTION, disclosure: Disclosure | None = None) -> str:
    """``— P07, female, Hmong, community member, Site A (IDI-07, turn 12, 00:14:32)``; blanks left out. A
    speaker without a participant row is ``— unidentified speaker (IDI-07, turn 12)``. With ``disclosure``,
    only the attribute fields it lets this participant show (k-anonymity, the same in every quote)."""
    if participant is not None and identified(turn) is None:
        participant = None
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
        elif participant is None and turn.participant:
            value = ""  # an unidentified speaker's attributes are unknown
        elif disclosure is not None and not disclosure.shows(participant, name):
            value = ""  # shared by fewer than k participants with the other fields shown
        else:
            value = view.value(name, participant, turn.document)
        if value and value != MISSING:
            (place if name in PLACE_FIELDS else person).append(value)
    if participant is None and turn.participant:
        person = ["unidentified speaker"]
    where = ", ".join(place)
    if turn.interpreted is not None:
        where = "; ".join(p for p in (where, interpreted_note(view, turn.interpreted, disclosure)) if p)
    text = "— " + ", ".join(person)
    if where:
        text += f" ({where})" if person else f"({where})"
    return text


def interpreted_note(view: CorpusView, language: str, disclosure: Disclosure | None) -> str:
    """``interpreted from Khmer``; only ``interpreted`` when the language is not known, or when fewer than k
    participants speak through an interpreter from it (the language would point at them)."""
    k = disclosure.k if disclosure is not None and not disclosure.off else 1
    if not language or view.interpreted_from(language) < k:
        return "interpreted"
    return f"interpreted from {language}"


def _merged_spans(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Overlapping spans, and spans with only white space between them, joined."""
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


def _turns_over(turns: list[TurnRow], start: int, end: int) -> list[TurnRow]:
    return [t for t in turns if t.start < end and start < t.end and t.end > t.start]


def code_quotes(view: CorpusView, code: str, *, by: str | None = None,
                fields: Sequence[str] = DEFAULT_ATTRIBUTION, context: bool = False,
                disclosure: Disclosure | None = None) -> list[Quote]:
    """Every quote of ``code`` itself (not its children), in (document, start) order: the selected codings'
    spans merged per document, each made of the turns it covers — respondent speech with its attribution,
    interviewer lines as context. Spans with no respondent speech are not quotes. ``disclosure`` decides
    which attribute fields each participant's attribution shows (see :func:`attribution`)."""
    per_document: dict[str, list[tuple[int, int]]] = {}
    for coding, _turn in view.codings:
        if coding.code == code:
            per_document.setdefault(coding.document, []).append((coding.start, coding.end))
    quotes = []
    for document, spans in sorted(per_document.items()):
        text, turns = view.docs[document].text, view.turns.get(document, [])
        shown = remap(text, view.pseudonyms)  # once per document, so a name at a quote's edge is replaced whole
        for start, end in _merged_spans(spans, text):
            quote = _quote(view, code, document, text, _turns_over(turns, start, end), start, end, by, fields,
                           context, shown, disclosure)
            if quote is not None:
                quotes.append(quote)
    chosen = apply_choices(quotes, view.quote_choices)
    if view.pseudonyms is None:
        return chosen
    return [replace(q, translation=hide(view.pseudonyms, q.translation)) if q.translation else q for q in chosen]


def _quote(view: CorpusView, code: str, document: str, text: str, turns: list[TurnRow], start: int, end: int,
           by: str | None, fields: Sequence[str], context: bool, shown_text: tuple[str, Remap],
           disclosure: Disclosure | None = None) -> Quote | None:
    parts, speakers = [], []
    for turn in turns:
        a, b = max(start, turn.start), min(end, turn.end)
        piece = text[a:b]
        if not piece.strip():
            continue
        lead, trail = len(piece) - len(piece.lstrip()), len(piece) - len(piece.rstrip())
        a, b = a + lead, b - trail
        cut_before = starts_inside_sentence(text[turn.start:a])
        cut_after = bool(text[b:turn.end].strip()) and not ends_sentence(text[a:b])
        if not view.keeps(turn):  # a participant --where leaves out, inside another's span: not quoted
            continue
        new, moved = shown_text
        shown = new[moved.start(a):moved.end(b)].replace("\n", " ")
        if turn.role is Role.INTERVIEWER:
            parts.append(QuotePart("context", turn.number, shown, cut_before, cut_after))
        else:
            speakers.append(turn)
            said = attribution(view, turn.participant, turn, fields, disclosure)
            parts.append(QuotePart("speech", turn.number, shown, cut_before, cut_after, hide(view.pseudonyms, said)))
    while parts and parts[-1].kind == "context":  # the span ran on into the next question: not part of it
        parts.pop()
    while parts and parts[0].kind == "context":
        parts.pop(0)
    if not speakers:
        return None
    first = speakers[0]
    speech = [p for p in parts if p.kind == "speech"]
    spoken = " ".join(p.text for p in speech)
    if only_tags(spoken):  # [laughs] [crosstalk]: nobody's words
        return None
    reading = read(spoken, speech[0].cut_before, speech[-1].cut_after,
                   before=text[first.start:max(start, first.start)],
                   interpreted=any(t.interpreted is not None for t in speakers))
    group = view.value(by, identified(first), document) if by else ""
    return Quote(
        code=code, document=document, turn=first.number, start=start, end=end, text=spoken,
        cut_before=speech[0].cut_before, cut_after=speech[-1].cut_after,
        participant=identified(first) or "",
        group=hide(view.pseudonyms, group), group_rank=view.order_key(by, group) if by else (),
        attribution=speech[0].attribution,
        context=hide(view.pseudonyms, _preceding_question(view, first)) if context else "",
        parts=tuple(parts), speaker=first.participant or f"{document}/turn {first.number}",
        language=view.docs[document].language, score=reading.score, flaws=reading.flaws,
        interpreted=any(t.interpreted is not None for t in speakers))


def apply_choices(quotes: Sequence[Quote], choices: Sequence[QuoteChoiceRow]) -> list[Quote]:
    """``quotes`` with their choices applied (pinned, translation) and the excluded ones left out."""
    by_code: dict[tuple[str, str], list[QuoteChoiceRow]] = {}
    for choice in choices:
        if not choice.stale:
            by_code.setdefault((choice.code, choice.document), []).append(choice)
    kept = []
    for quote in quotes:
        candidates = by_code.get((quote.code, quote.document), [])
        overlap = [(min(c.end, quote.end) - max(c.start, quote.start), -c.id, c) for c in candidates
                   if c.start < quote.end and quote.start < c.end]
        if not overlap:
            kept.append(quote)
            continue
        choice = max(overlap, key=lambda item: (item[0], item[1]))[2]
        if choice.use == "exclude":
            continue
        kept.append(replace(quote, pinned=choice.use == "pin", translation=choice.translation))
    return kept


def find_quotes(project: ProjectFolder, code: str, *, by: str | None = None, limit: int | None = None,
                coders: Sequence[str] = (), statuses: Sequence[str] = (), suggestions: bool = False,
                seed: int = 0, where: str | None = None, k_anonymity: int | None = None) -> list[Quote]:
    """Quotes of ``code`` and its descendants, merged as in the appendix, grouped by ``by`` (if given), in
    document order; with ``limit``, chosen as the appendix chooses; attributions shared by at least
    ``k_anonymity`` participants (default: qualcode.toml's). Raises UsageError for an unknown code or
    attribute, or k below 1."""
    from qualcode.analysis.corpus_view import view_for
    from qualcode.analysis.disclosure import check_attributions, resolve_k

    k = resolve_k(k_anonymity, project.config.report.k_anonymity)
    view = view_for(project, coders, statuses, suggestions=suggestions, where=where)
    target = view.book.resolve(code)
    if target is None:
        raise UsageError(unknown_code(view.book, code))
    if by:
        by = view.resolve_attributes([by])[0]
    disclosure = check_attributions(view, DEFAULT_ATTRIBUTION, by, k)
    spans: dict[tuple[str, int, int], Quote] = {}
    for c in (target.id, *view.book.descendants(target.id)):
        for quote in code_quotes(view, c, by=by, disclosure=disclosure):
            spans.setdefault((quote.document, quote.start, quote.end), quote)  # a span once, whatever its code
    from qualcode.report.quote_choice import choose

    return choose(list(spans.values()), limit, seed)

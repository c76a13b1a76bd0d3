"""Reviewing auto-coding suggestions one at a time: what to show for each, and the decisions on them.

A :class:`ReviewSession` walks the stored suggestions (status ``suggested``, not stale) that match its filters,
in document and position order. Every decision is written in its own store transaction the moment it is made
(through :mod:`qualcode.decisions`), so a session that is killed loses nothing already decided, and a new
session shows only what is still ``suggested``. This module never prints: the terminal side is
:mod:`qualcode.cli.review_screen`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from qualcode.autocode.suggesters import score_of
from qualcode.codebook.load import Code, Codebook
from qualcode.codebook.names import unknown_code
from qualcode.codings.decisions import Decision, decide, undo
from qualcode.codings.importing import resolve_document
from qualcode.codings.selection import turn_at
from qualcode.errors import QualcodeError, UsageError
from qualcode.project.crash import crash_point
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import CodingRow, Store, TurnRow, open_store
from qualcode.project.text_form import nfc_arguments
from qualcode.wording import did_you_mean

ELLIPSIS = "…"
ORDERS = ("position", "score")


class ReviewConflict(QualcodeError):
    """The suggestion was decided or replaced outside this session (another review, a re-run of `code`)."""


@dataclass(frozen=True)
class Filters:
    """Which suggestions a session reviews: by code (with its descendants), document and coder."""

    code: str | None = None
    document: str | None = None
    coder: str = "auto"
    order: str = "position"  # or "score": the highest score in the rule column first (learned p=…, similar s=…)
    rule: str | None = None  # a review by rule: the rule whose sample is shown
    only: tuple[int, ...] | None = None  # these codings only (the rule's sample), in this order

    def describe(self, book: Codebook) -> str:
        """``coder auto · code language and its sub-codes · document IDI-01``."""
        parts = [f"coder {self.coder}"]
        if self.rule:
            parts.append(f"sample of rule {self.rule}")
        if self.code:
            target = book.resolve(self.code)
            name = target.id if target else self.code
            parts.append(f"code {name} and its sub-codes" if target and target.children else f"code {name}")
        if self.document:
            parts.append(f"document {self.document}")
        if self.order == "score":
            parts.append("most likely first")
        return " · ".join(parts)


@dataclass(frozen=True)
class Speech:
    """A turn (or a run of turns) as the reviewer reads it: who spoke and what was said."""

    speaker: str
    text: str
    turn: int | None = None
    timestamp: str | None = None


@dataclass(frozen=True)
class Item:
    """One suggestion with what a reviewer needs to judge it.

    ``speech`` is the turn holding the coded span (every turn the span touches), and ``span_start`` and
    ``span_end`` place the span in ``speech.text``. ``previous`` is the turn before it, often the question.
    """

    coding: CodingRow
    code_label: str
    code_path: str
    definition: str
    speech: Speech
    span_start: int
    span_end: int
    previous: Speech | None = None
    in_codebook: bool = True

    def marked(self, around: int | None = None) -> tuple[str, str, str]:
        """``(before, span, after)`` of the turn's text; with ``around``, at most that many characters of
        context on each side, cut at a space and marked with an ellipsis."""
        text = self.speech.text
        before, span, after = text[:self.span_start], text[self.span_start:self.span_end], text[self.span_end:]
        if around is not None:
            before, after = tail(before, around), head(after, around)
        return before, span, after

    def previous_text(self, limit: int | None = None) -> str:
        """The preceding turn's text, or its last ``limit`` characters after an ellipsis."""
        if self.previous is None:
            return ""
        return self.previous.text if limit is None else tail(self.previous.text, limit)


def head(text: str, limit: int) -> str:
    """The first ``limit`` characters of ``text`` ending at a space, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + " " + ELLIPSIS


def tail(text: str, limit: int) -> str:
    """The last ``limit`` characters of ``text`` starting after a space, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    space = cut.find(" ")
    return ELLIPSIS + " " + (cut[space + 1:] if 0 <= space < limit // 2 else cut).lstrip()


@dataclass(frozen=True)
class Progress:
    """Where a session stands: item ``position`` of ``total`` and what this session decided so far."""

    position: int  # 1-based; total + 1 once every item has been passed
    total: int
    accepted: int
    rejected: int
    recoded: int
    skipped: int
    also: int = 0  # second codes the reviewer added to a suggestion's span (not decisions)

    @property
    def decided(self) -> int:
        """Decisions made in this session (undone ones not counted)."""
        return self.accepted + self.rejected + self.recoded


@dataclass
class ReviewSession:
    """An open review over ``items``; decide on :attr:`current` until it is None. Close it when done."""

    store: Store
    book: Codebook
    items: list[Item]
    filters: Filters = field(default_factory=Filters)
    reviewer: str | None = None
    position: int = 0
    _done: list[tuple[int, Decision]] = field(default_factory=list, init=False, repr=False)  # indices increase
    _skipped: set[int] = field(default_factory=set, init=False, repr=False)

    # -- reading -----------------------------------------------------------------------------------------
    @property
    def current(self) -> Item | None:
        """The suggestion to decide now, or None when the session has passed every item."""
        return self.items[self.position] if self.position < len(self.items) else None

    def progress(self) -> Progress:
        """Position and counts of this session's decisions."""
        actions = [d.action for _, d in self._done]
        return Progress(self.position + 1, len(self.items), actions.count("accept") + actions.count("widen"),
                        actions.count("reject"), actions.count("recode"), len(self._skipped), actions.count("also"))

    def remaining(self) -> int:
        """How many suggestions matching the filters are unreviewed in the store now (this session's skips,
        those not reached yet, and any added since it started)."""
        return len(matching_suggestions(self.store, self.book, self.filters))

    # -- deciding ----------------------------------------------------------------------------------------
    def accept(self) -> Decision:
        """Accept the current suggestion. Raises ReviewConflict or UsageError (nothing left to decide)."""
        return self._decide("accept")

    def reject(self) -> Decision:
        """Reject the current suggestion. Raises ReviewConflict or UsageError (nothing left to decide)."""
        return self._decide("reject")

    @nfc_arguments  # typed on the review screen, composed or not
    def recode(self, code: str) -> Decision:
        """Reject the current suggestion and code its span with ``code`` (id, label or path) as the reviewer.

        Raises UsageError without a reviewer's name, for an unknown code or the suggested code itself.
        """
        return self._decide("recode", self._other_code(code))

    def _other_code(self, code: str) -> str:
        """The id of ``code``, which must differ from the current suggestion's; the reviewer must be known.
        Raises UsageError otherwise."""
        item = self._current_or_raise()
        self.require_reviewer()
        target = self.book.resolve(code)
        if target is None:
            raise UsageError(unknown_code(self.book, code))
        if target.id == item.coding.code:
            raise UsageError(f"{target.id!r} is the suggested code: accept the suggestion instead")
        return target.id

    def require_reviewer(self) -> None:
        """Raise UsageError unless the reviewer's name is known (a changed code is coded in that name)."""
        if not self.reviewer:
            raise UsageError("changing the code needs your name: run `qualcode review --reviewer NAME` "
                             "or set [project] coder in qualcode.toml")

    @nfc_arguments  # typed on the review screen, composed or not
    def set_reviewer(self, name: str) -> None:
        """Record the reviewer's name for the rest of the session. Raises UsageError for an empty name or
        ``auto`` (the rule coder)."""
        name = name.strip()
        if not name or name.casefold() == "auto":
            raise UsageError("give a person's name (not empty, not `auto`)")
        self.reviewer = name

    @nfc_arguments  # typed on the review screen, composed or not
    def also(self, code: str) -> Decision:
        """Code the current suggestion's span with a second ``code`` as the reviewer, and stay on the
        suggestion (it still needs its own decision). Raises UsageError without a reviewer's name, for an
        unknown code or the suggested code itself, and ReviewConflict when it was changed elsewhere."""
        target = self._other_code(code)
        item = self._current_or_raise()
        return self._add(item, "also", target, item.coding.start, item.coding.end, advance=False)

    @nfc_arguments  # typed on the review screen, composed or not
    def widen(self, unit: str) -> Decision:
        """Accept the current suggestion and code its whole ``sentence`` (or sentences) or ``turn`` (turns)
        with the same code as the reviewer, so the report quotes the wider span. Raises UsageError without a
        reviewer's name, for another unit, or when the span already is that wide."""
        item = self._current_or_raise()
        self.require_reviewer()
        start, end = self._wider(item.coding, unit)
        return self._add(item, "widen", item.coding.code, start, end, advance=True)

    @nfc_arguments  # typed on the review screen, composed or not
    def add_memo(self, text: str) -> int:
        """Write a memo on the current suggestion, by the reviewer; returns its id. Raises UsageError without
        a reviewer's name or for an empty text."""
        from qualcode.codings.memos import now

        item = self._current_or_raise()
        self.require_reviewer()
        if not text.strip():
            raise UsageError("the memo is empty: nothing stored")
        with self.store.transaction():
            return self.store.add_memo("coding", str(item.coding.id), self.reviewer, now(), text.strip())

    def _wider(self, coding: CodingRow, unit: str) -> tuple[int, int]:
        turns = self.store.turns(coding.document)
        inside = [t for t in turns if t.end > t.start and t.start < coding.end and coding.start < t.end] or \
            [t for t in [turn_at(turns, coding.start)] if t is not None]
        if unit == "turn":
            if not inside:
                raise UsageError("this span is in no turn")
            start, end = min(coding.start, inside[0].start), max(coding.end, inside[-1].end)
        elif unit == "sentence":
            sentences = self.store.sentences(coding.document)
            covering = [s for t in inside for s in sentences.get(t.number, ())
                        if s.start < coding.end and coding.start < s.end]
            if not covering:
                raise UsageError("this span is in no sentence")
            start, end = min(coding.start, covering[0].start), max(coding.end, covering[-1].end)
        else:
            raise UsageError(f"widen to a sentence or a turn, not {unit!r}")
        if (start, end) == (coding.start, coding.end):
            raise UsageError(f"the span already is its whole {unit}")
        return start, end

    def _add(self, item: Item, action: str, code: str, start: int, end: int, *, advance: bool) -> Decision:
        """The reviewer's coding of ``code`` at ``start``–``end``, in one transaction with accepting the
        suggestion when ``action`` is ``widen``; recorded so :meth:`undo` takes both back."""
        with self.store.transaction():
            now = self.store.coding(item.coding.id)
            changed = now is None or now.stale or now.status != "suggested"
            if not changed:
                if action == "widen":
                    self.store.set_status(item.coding.id, "accepted")
                document = self.store.document(item.coding.document)
                new_id = self.store.add_coding(item.coding.document, start, end, code, self.reviewer, "accepted",
                                               document.text[start:end] if document else "", origin="review",
                                               codebook=(self.book.name, self.book.version, self.book.content_hash))
        if changed:
            self.position += 1
            state = "removed" if now is None else "stale" if now.stale else now.status
            raise ReviewConflict(f"suggestion {item.coding.id} was changed outside this review (now {state}); "
                                 "moved on to the next")
        decision = Decision(item.coding.id, "suggested", action, new_id)
        self._done.append((self.position, decision))
        if advance:
            self._skipped.discard(self.position)
            self.position += 1
        return decision

    def skip(self) -> None:
        """Leave the current suggestion unreviewed and move on. Raises UsageError when nothing is left."""
        self._current_or_raise()
        self._skipped.add(self.position)
        self.position += 1

    def undo(self) -> Item:
        """Undo this session's last decision, in the store too, and go back to its suggestion (returned).

        Raises UsageError when this session has decided nothing (decisions of earlier sessions stay), and
        ReviewConflict when the coding was changed outside this session since (then it is left as it is).
        """
        if not self._done:
            raise UsageError("nothing to undo in this session")
        index, decision = self._done.pop()
        with self.store.transaction():
            now = self.store.coding(decision.coding_id)
            expected = {"accept": "accepted", "widen": "accepted", "also": "suggested"}.get(decision.action,
                                                                                         "rejected")
            changed = now is None or now.status != expected
            if not changed:
                undo(self.store, decision)
        if changed:
            raise ReviewConflict(f"suggestion {decision.coding_id} was changed outside this review since; "
                                 "it was not undone")
        self.position = index
        return self.items[index]

    def _decide(self, action: str, code: str | None = None) -> Decision:
        item = self._current_or_raise()
        with self.store.transaction():
            now = self.store.coding(item.coding.id)
            changed = now is None or now.stale or now.status != "suggested"
            if not changed:
                decision = decide(self.store, self.book, item.coding.id, action, reviewer=self.reviewer, code=code)
                crash_point("review")
        if changed:
            self.position += 1
            state = "removed" if now is None else "stale" if now.stale else now.status
            raise ReviewConflict(f"suggestion {item.coding.id} was changed outside this review (now {state}); "
                                 "moved on to the next")
        self._done.append((self.position, decision))
        self._skipped.discard(self.position)
        self.position += 1
        return decision

    def _current_or_raise(self) -> Item:
        item = self.current
        if item is None:
            raise UsageError("no suggestion left in this session")
        return item

    # -- lifecycle ---------------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the store (every decision is already saved)."""
        self.store.close()

    def __enter__(self) -> ReviewSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_review(project: ProjectFolder, *, code: str | None = None, document: str | None = None, coder: str = "auto",
                reviewer: str | None = None, order: str = "position") -> ReviewSession:
    """Open a review of the project's unreviewed suggestions that match the filters.

    ``code`` (id, label or path) selects that code and its descendants; ``reviewer`` defaults to
    ``qualcode.toml``'s ``[project] coder`` and is needed only to change a suggestion's code. ``order`` is
    ``position`` (document and position order) or ``score`` (the most likely first: the highest score a suggester
    wrote, suggestions without one last, in position order).
    Raises ProjectError (no store, no codebook), CodebookInvalid, or UsageError for an unknown code, document or
    order.
    """
    if order not in ORDERS:
        raise UsageError(f"unknown order {order!r}; use {' or '.join(ORDERS)}")
    from qualcode.codebook.active import active_codebook

    book = active_codebook(project)
    store = open_store(project.store_path)
    try:
        filters = Filters(code, document, coder, order)
        items = load_items(store, book, filters)
    except BaseException:
        store.close()
        raise
    return ReviewSession(store, book, items, filters, reviewer or project.config.coder)


def load_items(store: Store, book: Codebook, filters: Filters) -> list[Item]:
    """The unreviewed, non-stale suggestions matching ``filters``, with their context, in document and
    position order. Raises UsageError for an unknown code or document."""
    chosen = matching_suggestions(store, book, filters)
    texts: dict[str, str] = {}
    turns: dict[str, list[TurnRow]] = {}
    for doc_id in dict.fromkeys(c.document for c in chosen):
        row = store.document(doc_id)
        texts[doc_id] = row.text if row else ""
        turns[doc_id] = store.turns(doc_id)
    codes_by_id = {c.id: c for c in book.codes}
    return [_item(book, codes_by_id, c, texts[c.document], turns[c.document]) for c in chosen]


def matching_suggestions(store: Store, book: Codebook, filters: Filters) -> list[CodingRow]:
    """The stored codings a review with ``filters`` shows, in document and position order.

    Raises UsageError for an unknown code or document.
    """
    codes: set[str] | None = None
    if filters.code is not None:
        target = book.resolve(filters.code)
        if target is None:
            raise UsageError(unknown_code(book, filters.code))
        codes = {target.id, *book.descendants(target.id)}
    if filters.document is not None:
        ids = list(store.document_keys())
        document = resolve_document(ids, filters.document)
        if document is None:
            raise UsageError(f"unknown document {filters.document!r}{did_you_mean(filters.document, ids)}; "
                             "`qualcode documents` lists them")
        filters = replace(filters, document=document)
    if filters.only is not None:  # a rule's sample, in sample order
        found = {c.id: c for c in store.codings_by_ids(filters.only)}
        return [found[i] for i in filters.only if i in found and found[i].status == "suggested"
                and not found[i].stale]
    chosen = [c for c in store.codings(filters.document)
              if c.status == "suggested" and not c.stale and c.coder == filters.coder
              and (codes is None or c.code in codes)]
    chosen.sort(key=lambda c: (c.document, c.start, c.end, c.code, c.id))
    if filters.order == "score":
        chosen.sort(key=lambda c: -(score_of(c.rule) if score_of(c.rule) is not None else -1.0))
    return chosen


def _item(book: Codebook, codes: dict[str, Code], coding: CodingRow, text: str, turns: Sequence[TurnRow]) -> Item:
    code = codes.get(coding.code)
    first = turn_at(turns, coding.start)
    last = turn_at(turns, max(coding.start, coding.end - 1))
    previous = None
    if first is None:  # outside every turn (a preamble): the paragraph around the span
        start = text.rfind("\n\n", 0, coding.start)
        start = 0 if start < 0 else start + 2
        end = text.find("\n\n", coding.end)
        speech = Speech("(no speaker)", text[start:len(text) if end < 0 else end])
    else:
        if last is None or last.number < first.number:
            last = first
        start = first.start
        speaker = _speaker(first) if last is first else f"{_speaker(first)} … {_speaker(last)}"
        speech = Speech(speaker, text[start:max(last.end, coding.end)], first.number, first.timestamp)
        index = next(i for i, t in enumerate(turns) if t.number == first.number)
        if index > 0:
            before = turns[index - 1]
            previous = Speech(_speaker(before), text[before.start:before.end], before.number, before.timestamp)
    return Item(coding, code.label if code else coding.code, book.label_path(code.id) if code else coding.code,
                code.definition if code else "", speech, coding.start - start, coding.end - start, previous,
                in_codebook=code is not None)


def _speaker(turn: TurnRow) -> str:
    label = turn.label or "(no speaker)"
    if turn.participant and turn.participant.casefold() != label.casefold():
        return f"{label} ({turn.participant})"
    return label

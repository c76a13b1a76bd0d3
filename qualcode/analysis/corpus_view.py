"""What every report reads: the selected codings on respondent turns, with documents, turns and people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.codebook.active import active_codebook
from qualcode.codebook.load import Codebook
from qualcode.codings.pseudonyms import Pseudonyms, stored
from qualcode.codings.selection import Selection, select, speaking_turn, turn_at
from qualcode.codings.where import MISSING, TurnFilter, attribute_names, raw_value, turn_filter
from qualcode.errors import ProjectError
from qualcode.ingest.run import saved_table
from qualcode.model import Role
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import CodingRow, DocumentRow, MemoRow, QuoteChoiceRow, TurnRow, open_store
from qualcode.wording import resolve_names


@dataclass
class CorpusView:
    """A read-only snapshot of the store for reports: nothing here touches the database again."""

    book: Codebook
    docs: dict[str, DocumentRow]
    turns: dict[str, list[TurnRow]]
    people: dict[str, dict[str, str]]
    participant_columns: list[str]
    codings: list[tuple[CodingRow, TurnRow]] = field(default_factory=list)  # selected, not on interviewer turns
    interviewer_codings: int = 0  # selected codings on interviewer turns, left out of every count
    selection_text: str = ""
    unreviewed: int = 0
    draft: bool = False  # unreviewed suggestions were asked for: every output says draft
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # qualcode.toml [attributes]
    value_order: dict[str, tuple[str, ...]] = field(default_factory=dict)
    quote_choices: list[QuoteChoiceRow] = field(default_factory=list)  # pins, exclusions and translations
    left_out: dict[str, int] = field(default_factory=dict)  # codebook -> codings of other codebooks left out
    memos: list[MemoRow] = field(default_factory=list)  # on codes (for the codebook annex)
    kept: TurnFilter | None = None  # --where: the respondent turns of the participants kept
    # speakers with no participants.csv row whose turns count as a respondent's (DOCUMENT/label ids), sorted
    unmapped_speakers: tuple[str, ...] = ()
    pseudonyms: Pseudonyms | None = None  # `qualcode pseudonymise`: applied to every text a report shows
    _interpreted: dict[str, int] | None = field(default=None, repr=False)  # language -> participants (lazily)

    def keeps(self, turn: TurnRow) -> bool:
        """Whether ``turn`` belongs to the participants a ``--where`` keeps (every turn without one)."""
        return self.kept is None or self.kept.keeps(turn)

    def interpreted_from(self, language: str) -> int:
        """How many participants speak through an interpreter from ``language`` in the kept turns (a language
        spoken by fewer than k of them would point at those people)."""
        if self._interpreted is None:
            people: dict[str, set[str]] = {}
            for turn in self.respondent_turns():
                if turn.interpreted and turn.participant:
                    people.setdefault(turn.interpreted.casefold(), set()).add(turn.participant)
            self._interpreted = {lang: len(who) for lang, who in people.items()}
        return self._interpreted.get(language.casefold(), 0)

    @property
    def unmapped_respondents(self) -> int:
        """How many speakers with no participants.csv row are counted as respondents (reports warn)."""
        return len(self.unmapped_speakers)

    def attributes(self) -> list[str]:
        """Every attribute a report can group by: participant columns, front-matter keys, type/language."""
        return attribute_names(self.participant_columns, self.docs.values())

    def value(self, attribute: str, participant: str | None, document: str) -> str:
        """The value of ``attribute`` for a participant speaking in ``document`` (``(missing)`` when blank)."""
        value = raw_value(attribute, self.participant_columns, self.people.get(participant or "", {}),
                          self.docs[document])
        return self.shown(attribute, value) or MISSING

    def shown(self, attribute: str, value: str) -> str:
        """``value`` of ``attribute`` as reports show it: its label from qualcode.toml's ``[attributes]``
        (matched ignoring case), else itself."""
        labels = self.value_labels.get(attribute)
        if not labels or not value:
            return value
        return labels.get(value) or next((v for k, v in labels.items() if k.casefold() == value.casefold()), value)

    def order_key(self, attribute: str, shown: str) -> tuple:
        """Sort key of a shown value: ``(missing)`` last, the ``order`` of qualcode.toml first, then by name."""
        order = [self.shown(attribute, v).casefold() for v in self.value_order.get(attribute, ())]
        folded = shown.casefold()
        rank = order.index(folded) if folded in order else len(order)
        return (shown == MISSING, rank, folded, shown)

    def resolve_attributes(self, names: Sequence[str]) -> list[str]:
        """The attributes ``names`` mean, matched ignoring case (``Gender`` is ``gender``). Raises UsageError
        with the closest name and the available ones when one is unknown."""
        return resolve_names(names, self.attributes())

    def respondent_turns(self) -> list[TurnRow]:
        """Every turn not spoken by an interviewer, in document order: the turns whose codings count (a file
        without speaker labels has turns of unknown role), so numerators and denominators agree."""
        return [t for turns in self.turns.values() for t in turns
                if t.role is not Role.INTERVIEWER and self.keeps(t)]

    def lineage(self, code: str) -> list[str]:
        """``code`` and its ancestors (a coding counts for each of them)."""
        known = {c.id: c for c in self.book.codes}
        chain = [code]
        while code in known and known[code].parent:
            code = known[code].parent
            chain.append(code)
        return chain


def load_view(project: ProjectFolder, selection: Selection, book: Codebook) -> CorpusView:
    """Read the store once for a report. Raises ProjectError when nothing was ingested or coded yet."""
    store = open_store(project.store_path)
    try:
        docs = {d.id: d for d in store.documents()}
        if not docs:
            raise ProjectError("no documents: run `qualcode ingest` first")
        turns: dict[str, list[TurnRow]] = {}
        for t in store.turns():
            turns.setdefault(t.document, []).append(t)
        all_codings = store.codings()
        if not all_codings:
            raise ProjectError("no codings yet: run `qualcode code` first (or import a coder's codings)")
        kept = (turn_filter(store, selection.where, project.config.value_labels,
                            [t for rows in turns.values() for t in rows]) if selection.where else None)
        selected = select(store, selection, kept=kept, turns=turns)
        left_out = selection.left_out(all_codings)
        view = CorpusView(book, docs, turns, {p.id: p.attributes for p in store.participants()},
                          store.participant_columns(), selection_text=selection.describe(selected, kept, left_out),
                          kept=kept, left_out=left_out, memos=store.memos("code"),
                          unreviewed=sum(c.status == "suggested" for c in selected), draft=selection.draft,
                          value_labels=project.config.value_labels, value_order=project.config.value_order,
                          quote_choices=store.quote_choices(), pseudonyms=stored(store))
        view.unmapped_speakers = _unmapped(view.respondent_turns(), set(saved_table(store).people))
    finally:
        store.close()
    for coding in selected:
        turn = speaking_turn(turns.get(coding.document, []), coding.start, coding.end)
        if turn is None:
            view.interviewer_codings += turn_at(turns.get(coding.document, []), coding.start) is not None
            continue
        view.codings.append((coding, turn))  # respondents, and speakers unknown (files without labels)
    return view


def _unmapped(turns: Sequence[TurnRow], known: set[str]) -> tuple[str, ...]:
    return tuple(sorted({t.participant for t in turns if t.role is Role.RESPONDENT and t.participant
                         and t.participant not in known}, key=str.casefold))


def unmapped_respondents(project: ProjectFolder, where: str | None = None) -> tuple[str, ...]:
    """The speakers with no participants.csv row counted as respondents in reports (of the participants
    ``where`` keeps), as their ``DOCUMENT/label`` ids: what a report warns about, read cheaply (no codings).
    Raises ProjectError before the first ingest, UsageError for a bad ``where``."""
    store = open_store(project.store_path)
    try:
        turns = store.turns()
        kept = turn_filter(store, where, project.config.value_labels, turns) if where else None
        known = set(saved_table(store).people)
    finally:
        store.close()
    return _unmapped([t for t in turns if kept is None or kept.keeps(t)], known)


def view_for(project: ProjectFolder, coders: Sequence[str] = (), statuses: Sequence[str] = (),
             codebook: str | Path | None = None, suggestions: bool = False, where: str | None = None) -> CorpusView:
    """The corpus as reports see it: the active codebook and the selected codings of that codebook (reviewed
    ones, and the unreviewed suggestions too when ``suggestions``) of the participants ``where`` keeps; other
    codebooks' codings are counted in ``left_out``."""
    book = active_codebook(project, codebook)
    return load_view(project, Selection(tuple(coders), tuple(statuses), suggestions, where or "", book.name), book)

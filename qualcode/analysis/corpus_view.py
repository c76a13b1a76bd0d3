"""What every report reads: the selected codings on respondent turns, with documents, turns and people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.codebook.active import active_codebook
from qualcode.codebook.load import Codebook
from qualcode.codings.pseudonyms import Pseudonyms, stored
from qualcode.codings.selection import Selection, select, turn_at
from qualcode.errors import ProjectError, UsageError
from qualcode.model import Role
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import CodingRow, DocumentRow, QuoteChoiceRow, TurnRow, open_store
from qualcode.wording import did_you_mean, find_name

MISSING = "(missing)"
DOCUMENT_FIELDS = ("type", "language", "document")


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
    pseudonyms: Pseudonyms | None = None  # `qualcode pseudonymise`: applied to every text a report shows

    def attributes(self) -> list[str]:
        """Every attribute a report can group by: participant columns, front-matter keys, type/language."""
        names = list(self.participant_columns)
        for doc in self.docs.values():
            names += [k for k in doc.attributes if k not in names and k not in ("id", "participant")]
        return names + [f for f in DOCUMENT_FIELDS if f not in names]

    def value(self, attribute: str, participant: str | None, document: str) -> str:
        """The value of ``attribute`` for a participant speaking in ``document`` (``(missing)`` when blank)."""
        doc = self.docs[document]
        if attribute in self.participant_columns:
            value = self.people.get(participant or "", {}).get(attribute, "")
        elif attribute == "type":
            value = doc.doc_type.value
        elif attribute == "language":
            value = doc.language
        elif attribute == "document":
            value = doc.id
        else:
            value = doc.attributes.get(attribute, "")
        return self.shown(attribute, value.strip()) or MISSING

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
        available = self.attributes()
        found = []
        for name in names:
            attribute = find_name(name, available)
            if attribute is None:
                raise UsageError(f"unknown attribute {name!r}{did_you_mean(name, available)}; available: "
                                 f"{', '.join(available)}")
            found.append(attribute)
        return found

    def respondent_turns(self) -> list[TurnRow]:
        """Every turn not spoken by an interviewer, in document order: the turns whose codings count (a file
        without speaker labels has turns of unknown role), so numerators and denominators agree."""
        return [t for turns in self.turns.values() for t in turns if t.role is not Role.INTERVIEWER]

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
        selected = select(store, selection)
        view = CorpusView(book, docs, turns, {p.id: p.attributes for p in store.participants()},
                          store.participant_columns(), selection_text=selection.describe(selected),
                          unreviewed=sum(c.status == "suggested" for c in selected), draft=selection.draft,
                          value_labels=project.config.value_labels, value_order=project.config.value_order,
                          quote_choices=store.quote_choices(), pseudonyms=stored(store))
    finally:
        store.close()
    for coding in selected:
        turn = _speaking_turn(turns.get(coding.document, []), coding.start, coding.end)
        if turn is None:
            view.interviewer_codings += turn_at(turns.get(coding.document, []), coding.start) is not None
            continue
        view.codings.append((coding, turn))  # respondents, and speakers unknown (files without labels)
    return view


def _speaking_turn(turns: list[TurnRow], start: int, end: int) -> TurnRow | None:
    """The turn a coding belongs to: the one it starts in, or — when that is an interviewer's — the first
    non-interviewer turn whose speech it overlaps (a segment that runs from a question into the answer)."""
    first = turn_at(turns, start)
    if first is not None and first.role is not Role.INTERVIEWER:
        return first
    for turn in turns:
        if turn.role is not Role.INTERVIEWER and turn.start < end and start < turn.end and turn.end > turn.start:
            return turn
    return None


def view_for(project: ProjectFolder, coders: Sequence[str] = (), statuses: Sequence[str] = (),
             codebook: str | Path | None = None, suggestions: bool = False) -> CorpusView:
    """The corpus as reports see it: the active codebook and the selected codings (reviewed ones, and the
    unreviewed suggestions too when ``suggestions``)."""
    return load_view(project, Selection(tuple(coders), tuple(statuses), suggestions),
                     active_codebook(project, codebook))

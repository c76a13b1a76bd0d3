"""`qualcode search`: keyword in context over the corpus, with the codebook's own matching.

The query is matched by :mod:`qualcode.autocode.query` (a one-rule code); this module puts each match in its
turn — document, turn number, participant, the words left and right of it — and keeps only the matches inside
(``--code``) or outside (``--uncoded``) the selected codings. After `qualcode pseudonymise` the query still
matches the stored (original) text, but the context and the match are shown pseudonymised; ``start`` and ``end``
stay offsets into the stored text, and the query itself is echoed pseudonymised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.autocode.coder import Coder
from qualcode.autocode.explain import context
from qualcode.autocode.incremental import query_docs
from qualcode.autocode.query import Query, find_matches
from qualcode.autocode.run import coding_docs, require_tokens
from qualcode.autocode.tokens import TokenCache
from qualcode.codebook.active import active_codebook
from qualcode.codebook.names import unknown_code
from qualcode.codings.hit_tagging import SpansTagged
from qualcode.codings.pseudonyms import Remap, hide, remap, stored
from qualcode.codings.selection import Selection, select
from qualcode.codings.where import turn_filter
from qualcode.errors import ProjectError, UsageError
from qualcode.model import Role
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import open_store

HIT_COLUMNS = ("document", "turn", "participant", "timestamp", "left", "match", "right", "start", "end")
CONTEXT_WIDTH = 40


@dataclass(frozen=True)
class Hit:
    """One match in context, with the spans `search --tag` can code (its sentence and its turn's speech)."""

    document: str
    turn: int
    participant: str  # the participant id; ``interviewer`` or ``unidentified speaker`` when there is none
    timestamp: str
    left: str
    match: str
    right: str
    start: int
    end: int
    sentence: tuple[int, int]
    speech: tuple[int, int]
    interviewer: bool
    shown_document: str = ""  # the document id as outputs show it (pseudonymised); ``document`` is the stored one

    def row(self) -> dict:
        """The hit as a table row (the columns of :data:`HIT_COLUMNS`), its document as shown."""
        return {c: self.shown_document or self.document if c == "document" else getattr(self, c) for c in HIT_COLUMNS}


@dataclass(frozen=True)
class SearchResult:
    """What a search found: the hits kept, how many matched before the code filters, and which codings
    the filters used (empty when none was asked for)."""

    query: str
    how: str  # ``lemmas, accents ignored`` …
    hits: tuple[Hit, ...]
    matched: int
    selection: str = ""
    draft: bool = False
    tagged: SpansTagged | None = None  # what `--tag` added
    skipped_interviewer: int = 0  # hits on interviewer turns that `--tag` left uncoded

    def frame(self):
        """The hits as a pandas DataFrame with the columns of :data:`HIT_COLUMNS`."""
        import pandas as pd

        return pd.DataFrame([h.row() for h in self.hits], columns=list(HIT_COLUMNS))


def search(project: ProjectFolder, query: Query, *, code: str | None = None, uncoded: bool = False,
           selection: Selection = Selection(), width: int = CONTEXT_WIDTH,
           codebook: str | None = None) -> SearchResult:
    """Every place ``query`` matches, in document order, filtered to the hits inside codings of ``code`` (or
    a descendant) or — with ``uncoded`` — outside every selected coding; with ``selection.where``, only the
    hits in turns of the participants it keeps (interviewer turns left out).

    Raises UsageError for a bad query, an unknown code or both filters at once, ProjectError when nothing was
    ingested, NothingReviewed when a code filter has only unreviewed suggestions to work with.
    """
    if code and uncoded:
        raise UsageError("--code and --uncoded exclude each other: choose one")
    query.codebook()  # a bad query fails before the corpus is read
    store = open_store(project.store_path)
    try:
        require_tokens(store)
        if not store.document_words():
            raise ProjectError("no documents: run `qualcode ingest` first")
        tokens = TokenCache.from_store(store)
        # the word index finds the sentences that can match: only they are read (memory stays flat)
        found = query_docs(store, query.codebook(), tokens)
        docs = coding_docs(store) if found is None else found
        rows = {(t.document, t.number): t for d in docs for t in store.turns_in(d.id, [t.number for t in d.turns])}
        pseudonyms = stored(store)
        coder = Coder(docs, tokens=tokens)
        matches = find_matches(coder, query)
        kept = turn_filter(store, selection.where, project.config.value_labels) if selection.where else None
        spans: dict[str, list[tuple[int, int]]] | None = None
        description = ""
        if code or uncoded:
            family = None
            if code:
                book = active_codebook(project, codebook)
                target = book.resolve(code)
                if target is None:
                    raise UsageError(unknown_code(book, code))
                family = {target.id, *book.descendants(target.id)}
            chosen = select(store, selection, kept=kept)
            description = selection.describe(chosen, kept)
            spans = {}
            for c in chosen:
                if family is None or c.code in family:
                    spans.setdefault(c.document, []).append((c.start, c.end))
    finally:
        store.close()
    by_id = {d.id: d for d in docs}
    shown: dict[str, tuple[str, Remap]] = {}  # each document's text as shown (pseudonymised) and its offset map
    hits = []
    for m in matches:
        if spans is not None:
            inside = _overlaps(spans.get(m.document, []), m.start, m.end)
            if inside == uncoded:
                continue
        doc = by_id[m.document]
        turn = doc.turns[m.turn]
        row = rows[(doc.id, turn.number)]
        if kept is not None and (row.role is Role.INTERVIEWER or not kept.keeps(row)):
            continue
        sentence = next(((s.start, s.end) for s in turn.sentences if s.start <= m.start < s.end),
                        (turn.start, turn.end))
        if doc.id not in shown:
            shown[doc.id] = remap(doc.text, pseudonyms)
        text, moved = shown[doc.id]
        start, end = moved.start(m.start), moved.end(m.end)
        left, right = context(text, start, end, moved.start(turn.start), moved.end(turn.end), width)
        who = ("interviewer" if row.role is Role.INTERVIEWER else hide(pseudonyms, row.participant or "")
               or "unidentified speaker")
        hits.append(Hit(doc.id, turn.number, who, row.timestamp or "", left, text[start:end], right,
                        m.start, m.end, sentence, (turn.start, turn.end), row.role is Role.INTERVIEWER,
                        pseudonyms.document(doc.id) if pseudonyms else doc.id))
    how = ("pattern" if query.pattern else "forms only" if query.exact else "forms and lemmas")
    if not query.pattern:
        how += ", accents ignored" if query.accents_ignore else ", accents compared"
        if query.fuzzy is not None:
            how += f", fuzzy {query.fuzzy}"
    if query.speakers:
        how += f"; speakers: {', '.join(query.speakers)}"
    return SearchResult(hide(pseudonyms, query.text), how, tuple(hits), len(matches), description,
                        selection.draft and spans is not None)


def _overlaps(spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Whether ``[start, end)`` overlaps any of ``spans`` by at least one character."""
    return any(a < end and start < b for a, b in spans)


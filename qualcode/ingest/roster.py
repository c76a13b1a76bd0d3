"""`qualcode participants`: who speaks in the corpus, with their attributes, documents, turns and words, and
where ``participants.csv`` and the transcripts disagree (rows that match no turn, speakers with no row)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.errors import ProjectError
from qualcode.ingest import words_in
from qualcode.ingest.participants import INTERPRETER
from qualcode.ingest.run import saved_table
from qualcode.model import Role
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import open_store
from qualcode.wording import resolve_names

NO_ROW = "no row in participants.csv"


@dataclass(frozen=True)
class Roster:
    """The participants listing: columns and one row per participant, plus the CSV rows matching no turn
    (``file:line: text``) — the same warnings `ingest` gives."""

    columns: tuple[str, ...]
    rows: tuple[dict, ...]
    unmatched_rows: tuple[str, ...]
    unmapped: int  # participants who speak but have no row in participants.csv


def list_participants(project: ProjectFolder, attributes: Sequence[str] | None = None) -> Roster:
    """Every participant with their role, attributes (``attributes``, default all not marked identifying),
    documents, turns and words, and a note for a speaker with no row or a row matching no turn.

    Raises ProjectError before the first ingest and UsageError for an unknown attribute.
    """
    store = open_store(project.store_path)
    try:
        if not store.document_keys():
            raise ProjectError("no documents: run `qualcode ingest` first")
        table = saved_table(store)
        known = store.participant_columns()
        chosen = _chosen(attributes, known, project.config.identifying)
        people = {p.id: p.attributes for p in store.participants()}
        texts = {d.id: d.text for d in store.documents()}
        turns = [t for t in store.turns() if t.participant]
    finally:
        store.close()
    interviewers = {t.participant for t in turns if t.role is Role.INTERVIEWER}
    documents: dict[str, list[str]] = {}
    counts: dict[str, list[int]] = {}
    for turn in turns:
        if turn.document not in documents.setdefault(turn.participant, []):
            documents[turn.participant].append(turn.document)
        count = counts.setdefault(turn.participant, [0, 0])
        count[0] += 1
        count[1] += words_in(texts[turn.document], turn.start, turn.end)
    # a row matches no turn when its person speaks nowhere, or not in the document it names (a one-to-one
    # interview's row is matched through front matter `participant:`, not by its label)
    spoken = {pid: {d.casefold() for d in docs} for pid, docs in documents.items()}
    # an interviewer's or interpreter's row matches no respondent turn by design: an interpreter's turns are
    # given to the respondent they render
    unmatched = [r for r in table.rows if (r.role or "").casefold() not in ("interviewer", INTERPRETER) and (
        r.participant not in spoken or (r.document is not None and r.document.casefold() not in spoken[r.participant]))]
    where = table.path or "participants.csv"
    rows = []
    for pid in sorted(set(people) | set(documents), key=str.casefold):
        notes = [] if pid in table.people else [NO_ROW]
        notes += [f"row {r.line} (speaker {r.speaker!r}{' in ' + r.document if r.document else ''}) matches no turn"
                  for r in unmatched if r.participant == pid]
        turns_words = counts.get(pid, [0, 0])
        roles = {(r.role or "").casefold() for r in table.rows if r.participant == pid}
        role = "interviewer" if pid in interviewers or "interviewer" in roles else \
            INTERPRETER if INTERPRETER in roles and not counts.get(pid) else "respondent"
        rows.append({"participant": pid, "role": role,
                     **{a: people.get(pid, {}).get(a, "") for a in chosen},
                     "documents": ", ".join(sorted(documents.get(pid, []))), "turns": turns_words[0],
                     "words": turns_words[1], "note": "; ".join(notes)})
    messages = tuple(f"{where}:{r.line}: row for {r.participant} (speaker {r.speaker!r}"
                     f"{' in ' + r.document if r.document else ''}) matches no turn" for r in unmatched)
    unmapped = sum(1 for row in rows if NO_ROW in row["note"] and row["turns"])
    columns = ("participant", "role", *chosen, "documents", "turns", "words", "note")
    return Roster(columns, tuple(rows), messages, unmapped)


def _chosen(attributes: Sequence[str] | None, known: list[str], identifying: Sequence[str]) -> list[str]:
    if attributes is None:
        return [a for a in known if a not in identifying]
    return resolve_names(attributes, known)

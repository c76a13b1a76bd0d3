"""``participants.csv``: participant attributes and which speaker label is whom, and turn resolution."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest.csvfile import csv_rows
from qualcode.ingest.encoding import decode
from qualcode.ingest.labels import label_key
from qualcode.model import Participant, ResolvedTurn, Role, SpeakerRow
from qualcode.project.folder import Config

RESERVED = ("participant", "document", "speaker", "role")


@dataclass(frozen=True)
class ParticipantTable:
    """Everything ``participants.csv`` says: attribute columns, people and speaker rows."""

    path: str | None = None
    columns: tuple[str, ...] = ()
    people: dict[str, dict[str, str]] = field(default_factory=dict)
    rows: tuple[SpeakerRow, ...] = ()
    warnings: tuple[str, ...] = ()  # what reading repaired (bad UTF-8 bytes replaced)


def load_participants(path: Path) -> ParticipantTable:
    """Read a participants CSV (UTF-8 with or without BOM, or a legacy code page).

    Raises InputFileError naming the file and line: no ``participant`` column, a row without an id, or one
    person given different attributes on two rows.
    """
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", where=where) from None
    repaired: list[str] = []
    text, _ = decode(data, where, warnings=repaired)
    parsed = csv_rows(text, where, multiline=False)
    header = parsed[0][1] if parsed else None
    if not header or not any(h.strip() for h in header):
        raise InputFileError("empty file: the first line must name the columns, starting with `participant`",
                             where=where)
    names = [h.strip() for h in header]
    lowered = [n.casefold() for n in names]
    if "participant" not in lowered:
        raise InputFileError(f"no `participant` column (columns: {', '.join(names)}); "
                             "add one holding each participant's id", where=f"{where}:1")
    index = {name: lowered.index(name) for name in RESERVED if name in lowered}
    columns = tuple(n for n, low in zip(names, lowered) if low not in RESERVED and n)
    people: dict[str, dict[str, str]] = {}
    first_line: dict[str, int] = {}
    rows: list[SpeakerRow] = []
    for line_no, cells in parsed[1:]:
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(names) - len(cells))

        def cell(name: str, cells: list[str] = cells) -> str:
            return cells[index[name]].strip() if name in index else ""

        pid = cell("participant")
        if not pid:
            raise InputFileError("empty participant id", where=f"{where}:{line_no}")
        attrs = {n: cells[i].strip() for i, n in enumerate(names) if n in columns}
        if pid in people and people[pid] != attrs:
            diff = next(c for c in columns if people[pid].get(c) != attrs.get(c))
            raise InputFileError(f"participant {pid} has {diff}={attrs.get(diff)!r} here but "
                                 f"{people[pid].get(diff)!r} on line {first_line[pid]}; one person has one "
                                 "set of attributes", where=f"{where}:{line_no}")
        people.setdefault(pid, attrs)
        first_line.setdefault(pid, line_no)
        rows.append(SpeakerRow(participant=pid, document=cell("document") or None,
                               speaker=cell("speaker") or pid, role=cell("role") or None, line=line_no))
    return ParticipantTable(where, columns, people, tuple(rows), tuple(repaired))


@dataclass
class Resolution:
    """Turn speakers of one document, and what could not be resolved."""

    turns: list[ResolvedTurn]
    problems: list[str]
    used_rows: set[int]  # CSV line numbers that mapped a turn


def resolve_document(doc_id: str, front_matter: dict[str, str], labels: Sequence[tuple[int, str | None]],
                     table: ParticipantTable, config: Config) -> Resolution:
    """Resolve every turn's role and participant.

    A label's role: its row's `role`, else front matter `interviewer:` / `respondent:` lists, else the built-in
    labels. Order: a row for this document and label, then a blank-document row with the label, then front matter
    ``participant:`` when exactly one respondent label is left unmapped; an unmapped respondent label becomes
    ``DOCUMENT/label`` and is reported.
    """
    interviewer_keys = {label_key(v) for v in config.interviewer_labels}
    # front matter `interviewer: [...]` / `respondent: [...]` set the role of those labels in this document
    for key in ("interviewer", "interviewers"):
        interviewer_keys |= {label_key(v) for v in front_matter.get(key, "").split(",") if v.strip()}
    for key in ("respondent", "respondents"):
        interviewer_keys -= {label_key(v) for v in front_matter.get(key, "").split(",") if v.strip()}
    by_doc = {label_key(r.speaker): r for r in table.rows if r.document == doc_id}
    by_any = {label_key(r.speaker): r for r in table.rows if r.document is None}
    problems: list[str] = []
    used: set[int] = set()
    mapping: dict[str, tuple[Role, str | None, str | None]] = {}
    unmapped: list[str] = []
    for label in dict.fromkeys(lbl for _, lbl in labels if lbl is not None):
        key = label_key(label)
        row = by_doc.get(key) or by_any.get(key)
        builtin = Role.INTERVIEWER if key in interviewer_keys else Role.RESPONDENT
        if row is not None:
            used.add(row.line)
            role = (Role.INTERVIEWER if row.role.casefold() == "interviewer" else Role.RESPONDENT) \
                if row.role else builtin
            mapping[key] = (role, row.participant, row.role)
        elif builtin is Role.INTERVIEWER:
            mapping[key] = (Role.INTERVIEWER, None, None)
        else:
            unmapped.append(label)
    named = front_matter.get("participant", "").strip()
    if named and len(unmapped) == 1:
        mapping[label_key(unmapped[0])] = (Role.RESPONDENT, named, None)
        if named not in table.people:
            problems.append(f"participant {named} (front matter) has no row in participants.csv")
    else:
        if named and unmapped:
            problems.append(f"front matter participant {named} not applied: {len(unmapped)} respondent "
                            f"labels are unmapped ({', '.join(unmapped)}); map them in participants.csv")
        for label in unmapped:
            mapping[label_key(label)] = (Role.RESPONDENT, f"{doc_id}/{label}", None)
            problems.append(f"speaker {label!r} is not in participants.csv (kept as {doc_id}/{label})")
    turns = []
    for number, label in labels:
        if label is None:
            turns.append(ResolvedTurn(doc_id, number, Role.UNKNOWN, None))
        else:
            role, pid, role_name = mapping[label_key(label)]
            turns.append(ResolvedTurn(doc_id, number, role, pid, role_name))
    return Resolution(turns, problems, used)


def participant_records(table: ParticipantTable, speaking: dict[str, list[str]],
                        front_matter: dict[str, dict[str, str]]) -> list[Participant]:
    """Every participant who speaks, plus every person in the table, with blank cells filled.

    ``speaking`` maps a participant id to the documents where they speak (in id order); a blank attribute
    cell falls back to the first of those documents' front matter holding that attribute.
    """
    people: list[Participant] = []
    for pid in sorted(set(table.people) | set(speaking)):
        attrs = dict(table.people.get(pid, {}))
        for name, value in attrs.items():
            if not value:
                attrs[name] = next((front_matter[d][name] for d in speaking.get(pid, [])
                                    if front_matter.get(d, {}).get(name)), "")
        people.append(Participant(pid, attrs))
    return people


def unused_rows(table: ParticipantTable, used: Iterable[int], speaking: Iterable[str]) -> list[SpeakerRow]:
    """Rows that mapped no turn and whose participant speaks nowhere (probably a typo in the CSV)."""
    used, speaking = set(used), set(speaking)
    return [r for r in table.rows if r.line not in used and r.participant not in speaking]

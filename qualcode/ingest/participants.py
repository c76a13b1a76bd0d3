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
    warnings: tuple[tuple[int | None, str], ...] = ()  # (line, what reading repaired): spaces trimmed, bad bytes


def load_participants(path: Path) -> ParticipantTable:
    """Read a participants CSV (UTF-8 with or without BOM, or a legacy code page).

    Raises InputFileError naming the file and line: no ``participant`` column, two columns of one name, a row
    with more values than the header has columns (an unquoted comma would shift every attribute after it), a
    row without an id, or one person given different attributes on two rows. Values are trimmed of spaces at
    either end, with a warning; a row with fewer values than columns has blanks in the last ones.
    """
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", where=where) from None
    repaired: list[str] = []
    text, _ = decode(data, where, warnings=repaired)
    warnings: list[tuple[int | None, str]] = [(None, message) for message in repaired]
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
    _check_header(names, lowered, where)
    index = {name: lowered.index(name) for name in RESERVED if name in lowered}
    columns = tuple(n for n, low in zip(names, lowered) if low not in RESERVED and n)
    people: dict[str, dict[str, str]] = {}
    first_line: dict[str, int] = {}
    rows: list[SpeakerRow] = []
    spaced: list[tuple[int, str, str]] = []  # (line, column, value) of values with spaces at an end
    unnamed: list[tuple[int, str]] = []  # (line, value) of values under a column without a name
    for line_no, cells in parsed[1:]:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(names):
            raise InputFileError(_overflow(cells, names), where=f"{where}:{line_no}")
        cells = cells + [""] * (len(names) - len(cells))
        spaced.extend((line_no, names[i], c) for i, c in enumerate(cells) if c.strip() and c != c.strip())
        unnamed.extend((line_no, c.strip()) for i, c in enumerate(cells) if not names[i] and c.strip())

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
    if spaced:
        line, column, value = spaced[0]
        warnings.append((line, f"{len(spaced)} value{'s' * (len(spaced) != 1)} with spaces at the start or end "
                               f"trimmed (here {column}={value!r}); a value starting with a space may be the "
                               "second half of a value split by a comma"))
    if unnamed:
        line, value = unnamed[0]
        warnings.append((line, f"{len(unnamed)} value{'s' * (len(unnamed) != 1)} under a column without a name "
                               f"not read (here {value!r}): name the column in the first line"))
    return ParticipantTable(where, columns, people, tuple(rows), tuple(warnings))


def _check_header(names: list[str], lowered: list[str], where: str) -> None:
    """Two columns of one name (whatever the case): which one holds the attribute is unknowable."""
    seen: dict[str, int] = {}
    for number, (name, low) in enumerate(zip(names, lowered), 1):
        if not name:
            continue
        if low in seen:
            raise InputFileError(f"column {name!r} appears twice (columns {seen[low]} and {number}): rename or "
                                 "remove one", where=f"{where}:1")
        seen[low] = number


def _overflow(cells: list[str], names: list[str]) -> str:
    """The error for a row with more values than columns, with the likely split value when one is visible."""
    message = (f"{len(cells)} values but {len(names)} columns: a comma inside a value moves every value after it "
               "into the next column; put that value in quotes")
    split = next((i for i in range(1, len(cells)) if cells[i][:1].isspace() and cells[i].strip()), None)
    if split is not None:
        message += f" (\"{cells[split - 1]},{cells[split]}\"?)"
    elif not any(c.strip() for c in cells[len(names):]):
        message += ", or remove the comma at the end of the line"
    return message


@dataclass
class Resolution:
    """Turn speakers of one document, and what could not be resolved."""

    turns: list[ResolvedTurn]
    problems: list[str]
    used_rows: set[int]  # CSV line numbers that mapped a turn


INTERPRETER = "interpreter"  # a `role` cell (and front-matter key) for a speaker who interprets for others


def _front_matter_keys(front_matter: dict[str, str], *names: str) -> set[str]:
    return {label_key(v) for name in names for v in front_matter.get(name, "").split(",") if v.strip()}


def _declared_role(key: str, front_matter: dict[str, str], config: Config) -> str | None:
    """A label's role from front matter, else from qualcode.toml's (or the built-in) labels: ``interviewer``,
    ``interpreter``, ``respondent``, or None when nothing names it (a respondent by default)."""
    for role, names in (("respondent", ("respondent", "respondents")), ("interviewer", ("interviewer", "interviewers")),
                        (INTERPRETER, ("interpreter", "interpreters"))):
        if key in _front_matter_keys(front_matter, *names):
            return role
    for role, labels in (("interviewer", config.interviewer_labels), (INTERPRETER, config.interpreter_labels),
                         ("respondent", config.respondent_labels)):
        if key in {label_key(v) for v in labels}:
            return role
    return None


def resolve_document(doc_id: str, front_matter: dict[str, str], labels: Sequence[tuple[int, str | None]],
                     table: ParticipantTable, config: Config, speech: Sequence[str] | None = None) -> Resolution:
    """Resolve every turn's role and participant, and which turns are interpreted.

    A label's role: its row's `role`, else front matter `respondent:` / `interviewer:` / `interpreter:` lists,
    else qualcode.toml's (or the built-in) labels. Order: a row for this document and label, then a
    blank-document row with the label; then, in a document with no interviewer, an unmapped speaker who
    clearly asks the questions is taken as the interviewer (:mod:`~qualcode.ingest.questioner`, reported); then
    front matter ``participant:`` when exactly one respondent label is left unmapped; an unmapped respondent
    label becomes ``DOCUMENT/label`` and is reported. An interpreter's turn is a respondent turn of the
    respondent whose words it renders, marked interpreted (:mod:`~qualcode.ingest.interpreting`); ``speech``
    (each turn's text, in the order of ``labels``) is read for interpreters' notes and questions.
    """
    speech = list(speech) if speech is not None else [""] * len(labels)
    by_doc = {label_key(r.speaker): r for r in table.rows if r.document == doc_id}
    by_any = {label_key(r.speaker): r for r in table.rows if r.document is None}
    problems: list[str] = []
    used: set[int] = set()
    mapping: dict[str, tuple[Role, str | None, str | None]] = {}
    interpreters: set[str] = set()
    unmapped: list[str] = []
    undeclared: set[str] = set()
    for label in dict.fromkeys(lbl for _, lbl in labels if lbl is not None):
        key = label_key(label)
        if key in mapping or label in unmapped or any(label_key(u) == key for u in unmapped):
            continue
        row = by_doc.get(key) or by_any.get(key)
        declared = _declared_role(key, front_matter, config)
        if row is not None:
            used.add(row.line)
            role = row.role.casefold() if row.role else (declared or "respondent")
            if role == INTERPRETER:
                interpreters.add(key)
            mapping[key] = (Role.INTERVIEWER if role == "interviewer" else Role.RESPONDENT, row.participant, row.role)
        elif declared == "interviewer":
            mapping[key] = (Role.INTERVIEWER, None, None)
        elif declared == INTERPRETER:
            interpreters.add(key)
            mapping[key] = (Role.RESPONDENT, None, None)
        else:
            unmapped.append(label)
            if declared is None:
                undeclared.add(key)
    if not any(role is Role.INTERVIEWER for role, _, _ in mapping.values()):
        from qualcode.ingest.questioner import find_questioner

        spelling = {label_key(u): u for u in unmapped}
        asking = find_questioner([(spelling.get(label_key(lbl), lbl), text) for (_, lbl), text in zip(labels, speech)
                                  if lbl is not None and label_key(lbl) not in interpreters],
                                 [u for u in unmapped if label_key(u) in undeclared])
        if asking is not None:
            mapping[label_key(asking.label)] = (Role.INTERVIEWER, None, None)
            unmapped.remove(asking.label)
            problems.append(asking.message())
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
    return Resolution(_resolved(doc_id, labels, speech, mapping, interpreters, config, problems), problems, used)


def _resolved(doc_id: str, labels: Sequence[tuple[int, str | None]], speech: Sequence[str],
              mapping: dict[str, tuple[Role, str | None, str | None]], interpreters: set[str], config: Config,
              problems: list[str]) -> list[ResolvedTurn]:
    """Each turn's speaker, with interpreters' turns given to the respondent they render."""
    import re

    from qualcode.ingest.interpreting import Spoken, interpreting

    spoken = []
    for (_, label), text in zip(labels, speech):
        key = label_key(label) if label is not None else None
        part = ("unknown" if key is None else INTERPRETER if key in interpreters else mapping[key][0].value)
        spoken.append(Spoken(key, part, text))
    decided = interpreting(spoken, [re.compile(p) for p in config.interpreter_notes])
    turns = []
    for i, (number, label) in enumerate(labels):
        if label is None:
            turns.append(ResolvedTurn(doc_id, number, Role.UNKNOWN, None, interpreted=decided.interpreted[i]))
            continue
        role, pid, role_name = mapping[label_key(label)]
        source = decided.renders[i]
        if source is not None:  # the interpreter's words are the respondent's testimony, counted for them
            role, pid, role_name = (Role.RESPONDENT, *mapping[source][1:]) if source else (Role.RESPONDENT, None, None)
        turns.append(ResolvedTurn(doc_id, number, role, pid, role_name, decided.interpreted[i]))
    problems.extend(f"turn {labels[i][0]} ({labels[i][1]!r}) {message}" for i, message in decided.problems)
    return turns


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

"""Cases of a ``.qdpx`` as ``participants.csv`` rows: who speaks where, with their variables as attributes.

A case's selection makes it the speaker of the turn holding the selection; a case's whole source makes it the
speaker of every respondent label there no selection claimed; a case without either keeps its attributes only.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from qualcode.errors import Problem
from qualcode.exchange.qdpx_import import Case, Placed, ProjectImport, QdpxProject, position


def participant_rows(data: QdpxProject, placed: list[Placed], turns: dict[str, list[tuple[int, int, str | None]]],
                     interviewer_keys: set[str], report: ProjectImport) -> list[dict[str, str]]:
    """``participants.csv`` rows for the cases: ``participant, document, speaker, role`` and the variables.

    ``turns`` maps a document id to its ``(start, end, label)`` turns as ingest will parse them. A case's
    selection makes it the speaker of the turn holding the selection; a case's whole source makes it the
    speaker of every respondent label there no selection claimed; a case without either keeps its
    attributes only.
    """
    from qualcode.ingest.labels import label_key

    by_source = {p.source.guid: p for p in placed}
    by_selection = {s.guid: (p, s) for p in placed for s in p.source.selections}
    rows: list[dict[str, str]] = []
    claimed: set[tuple[str, str]] = set()
    pending: list[tuple[Case, Placed]] = []
    placed_ids = {p.doc_id for p in placed}
    for case in data.cases:
        if not case.values and not case.role and "/" in case.name and case.name.partition("/")[0] in placed_ids:
            continue  # qualcode's name for an unmapped speaker (DOCUMENT/label): ingest names it again
        base = {"participant": case.name, "role": case.role, **case.values}
        mine: list[tuple[str, str]] = []
        for ref in case.selections:
            if ref not in by_selection:
                if not any(ref in (s.guid for s in src.selections) for src in data.sources):
                    report.dropped["case link to a selection that is not there"] += 1
                continue
            p, selection = by_selection[ref]
            at = position(p, selection.start)
            turn = next((t for t in turns.get(p.doc_id, []) if t[0] <= at <= max(t[1], t[0]) and t[2]), None)
            if turn is None:
                report.problems.append(Problem(f"{data.path}: case {case.name!r}", f"a selection in {p.doc_id} "
                                               "is not in a turn with a speaker label; that part is left out",
                                               "warning"))
                continue
            mine.append((p.doc_id, turn[2]))  # type: ignore[arg-type]
        by_name = {p.source.name: p for p in placed}
        for source_name, label in case.speakers:  # speakers whose turns hold no exported coding
            p = by_name.get(source_name)
            if p is not None and any(t[2] and label_key(t[2]) == label_key(label) for t in turns.get(p.doc_id, [])):
                mine.append((p.doc_id, next(t[2] for t in turns[p.doc_id] if t[2] and
                                            label_key(t[2]) == label_key(label))))
        for doc_id, label in dict.fromkeys(mine):
            claimed.add((doc_id, label_key(label)))
            rows.append({**base, "document": doc_id, "speaker": label})
        for ref in case.sources:
            if ref in by_source:
                pending.append((case, by_source[ref]))
        if not mine and not any(ref in by_source for ref in case.sources):
            rows.append({**base, "document": "", "speaker": ""})
    for case, p in pending:
        labels = dict.fromkeys(t[2] for t in turns.get(p.doc_id, []) if t[2])
        free = [lbl for lbl in labels if (p.doc_id, label_key(lbl)) not in claimed
                and label_key(lbl) not in interviewer_keys]
        if not free:
            report.problems.append(Problem(f"{data.path}: case {case.name!r}", f"{p.doc_id} has no speaker label "
                                           "left for it; its attributes are kept, no turn is attributed to it",
                                           "warning"))
            rows.append({"participant": case.name, "role": case.role, **case.values, "document": "",
                         "speaker": ""})
        for label in free:
            claimed.add((p.doc_id, label_key(label)))
            rows.append({"participant": case.name, "role": case.role, **case.values, "document": p.doc_id,
                         "speaker": label})
    return rows


def write_participants(path: Path, rows: list[dict[str, str]], order: list[str] = ()) -> None:
    """Add ``rows`` to the participants CSV at ``path`` (created when absent): columns the file lacks are
    added at the end (in ``order`` first, then as the rows have them; existing rows get empty cells); a
    participant already in the file keeps its attributes. Nothing already in the file is changed or lost."""
    reserved = ["participant", "document", "speaker", "role"]
    header: list[str] = []
    existing: list[list[str]] = []
    if path.is_file():
        from qualcode.ingest.encoding import decode

        text, _ = decode(path.read_bytes(), str(path))
        table = [r for r in csv.reader(io.StringIO(text))]
        if table:
            header, existing = [h.strip() for h in table[0]], table[1:]
    if not header:
        header = list(reserved)
    lowered = [h.casefold() for h in header]
    for name in reserved:
        if name not in lowered:
            header.append(name)
            lowered.append(name)
    present = {name for row in rows for name in row}
    for name in [*[n for n in order if n in present], *[n for row in rows for n in row]]:
        if name.casefold() not in lowered:
            header.append(name)
            lowered.append(name.casefold())
    known: dict[str, dict[str, str]] = {}
    pid = lowered.index("participant")
    for cells in existing:
        if len(cells) > pid and cells[pid].strip():
            known.setdefault(cells[pid].strip(), {h: (cells[i] if i < len(cells) else "")
                                                  for i, h in enumerate(header) if h.casefold() not in reserved})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for cells in existing:
        writer.writerow(cells + [""] * (len(header) - len(cells)))
    for row in rows:
        attributes = known.get(row["participant"])
        cells = []
        for name, low in zip(header, lowered):
            if low in reserved:
                cells.append(next((v for k, v in row.items() if k.casefold() == low), ""))
            elif attributes is not None:
                cells.append(attributes.get(name, ""))
            else:
                cells.append(next((v for k, v in row.items() if k.casefold() == low), ""))
        writer.writerow(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")

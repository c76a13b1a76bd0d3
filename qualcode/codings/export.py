"""Exporting codings with their turn, speaker, participant and attributes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from qualcode.codings.memos import memo_column
from qualcode.codings.pseudonyms import remap, stored
from qualcode.codings.selection import Selection, select, turn_at
from qualcode.codings.sheets import DECISION
from qualcode.codings.where import TurnFilter
from qualcode.model import Role
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import CodingRow, Store, TurnRow
from qualcode.wording import resolve_names

EXPORT_COLUMNS = ("id", "document", "turn", "speaker", "participant", "code", "coder", "status", "start", "end",
                  "text", "rule", "memo")

SHEET_SUFFIXES = (".csv", ".xlsx")
QUESTION = "question"  # the interviewer's question before the coded turn: context for whoever reviews a sheet

def export_rows(project: ProjectFolder, store: Store, selection: Selection, attributes: Sequence[str] | None = None,
                kept: TurnFilter | None = None) -> tuple[list[str], list[dict], list[CodingRow]]:
    """Columns and rows of `qualcode codings export`: the spec's columns, then participant attributes.

    ``attributes`` defaults to every attribute column not marked identifying in ``qualcode.toml``. Each row also
    holds the ``question`` its turn answers, which only the sheets a person reviews show (:func:`with_decision`).
    Raises UsageError for an attribute that does not exist.
    """
    known = store.participant_columns()
    chosen = ([a for a in known if a not in project.config.identifying] if attributes is None
              else resolve_names(attributes, known))
    people = {p.id: p.attributes for p in store.participants()}
    turns: dict[str, list[TurnRow]] = {}
    for t in store.turns():
        turns.setdefault(t.document, []).append(t)
    codings = select(store, selection, labels=project.config.value_labels, kept=kept)
    memos = memo_column(store.memos("coding"))
    pseudonyms = stored(store)
    texts = {doc: store.document(doc).text for doc in {c.document for c in codings}}
    asked = {doc: questions(turns.get(doc, []), text) for doc, text in texts.items()}
    shown = {doc: remap(text, pseudonyms) for doc, text in texts.items()} if pseudonyms is not None else {}
    rows = []
    for c in codings:
        turn = turn_at(turns.get(c.document, []), c.start)
        row = {"id": c.id, "document": c.document, "turn": turn.number if turn else "",
               "speaker": (turn.label or "") if turn else "", "participant": (turn.participant or "") if turn else "",
               "code": c.code, "coder": c.coder, "status": c.status, "start": c.start, "end": c.end,
               "text": c.text, "rule": c.rule, "memo": memos.get(c.id, "")}
        attrs = people.get(row["participant"], {})
        row.update({a: attrs.get(a, "") for a in chosen})
        if QUESTION not in chosen:  # an attribute of that name keeps its column
            row[QUESTION] = asked[c.document].get(turn.number, "") if turn else ""
        rows.append(row)
    if pseudonyms is not None:  # every text column; ids, codes, offsets and numbers are left alone
        for row in rows:
            text, (new, moved) = texts[row["document"]], shown[row["document"]]
            start, end = row["start"], row["end"]
            # cut from the document pseudonymised once, so a coding starting inside a name shows all its replacement
            row["text"] = (new[moved.start(start):moved.end(end)] if text[start:end] == row["text"]
                           else pseudonyms.apply(row["text"]))
            for column in ("question", "speaker", "memo", *chosen):
                if isinstance(row.get(column), str):
                    row[column] = pseudonyms.apply(row[column])
    return [*EXPORT_COLUMNS, *chosen], rows, codings

def write_jsonl(path: Path, columns: Sequence[str], rows: Sequence[dict]) -> None:
    """One JSON object per line, keys in column order."""
    import json

    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps({c: row.get(c, "") for c in columns}, ensure_ascii=False) + "\n")

def questions(turns: Sequence[TurnRow], text: str) -> dict[int, str]:
    """``turn number -> the text of the nearest earlier interviewer turn`` for one document's turns (in order);
    empty before the first question and in documents without interviewer turns."""
    asked, last = {}, ""
    for turn in turns:
        asked[turn.number] = last
        if turn.role is Role.INTERVIEWER:
            last = text[turn.start:turn.end].strip()
    return asked

def with_decision(columns: Sequence[str], output: Path) -> list[str]:
    """The export's columns as the sheet a person reviews shows them when ``output`` is CSV or XLSX: the
    interviewer's ``question`` before ``text`` and the empty ``decision`` column last; otherwise unchanged."""
    columns = list(columns)
    if output.suffix.lower() not in SHEET_SUFFIXES:
        return columns
    if QUESTION not in columns:
        at = columns.index("text") if "text" in columns else len(columns)
        columns.insert(at, QUESTION)
    return [*columns, DECISION]


# -- reading sheets ----------------------------------------------------------------------------------------

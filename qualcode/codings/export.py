"""Exporting codings with their turn, speaker, participant and attributes — and the `check` of each row, the
fingerprint of what it shows, by which `codings import --review` knows the coding a row decides."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

from qualcode.codings.memos import memo_column
from qualcode.codings.pseudonyms import Pseudonyms, remap, stored
from qualcode.codings.rule_review import audit_column, rule_name, rule_place
from qualcode.codings.selection import Selection, select, turn_at
from qualcode.codings.sheets import DECISION, NEW_CODE
from qualcode.codings.where import TurnFilter
from qualcode.model import Role
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import CodingRow, Store, TurnRow
from qualcode.wording import resolve_names

EXPORT_COLUMNS = ("id", "document", "turn", "speaker", "participant", "code", "coder", "status", "start", "end",
                  "text", "rule", "rule_name", "how_decided", "memo")

SHEET_SUFFIXES = (".csv", ".xlsx")
QUESTION = "question"  # the interviewer's question before the coded turn: context for whoever reviews a sheet
CHECK = "check"  # the fingerprint of what a sheet row shows (:func:`fingerprint`)
SHOWN = ("document", "code", "coder", "start", "end", "text")  # what a row shows of its coding, and the check hashes

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
    decided = audit_column(store, selection.codebook or None)  # what a review by rule decided, and how
    pseudonyms = stored(store)
    texts = {doc: store.document(doc).text for doc in {c.document for c in codings}}
    asked = {doc: questions(turns.get(doc, []), text) for doc, text in texts.items()}
    shown = ShownText(pseudonyms, texts.__getitem__)
    rows = []
    for c in codings:
        turn = turn_at(turns.get(c.document, []), c.start)
        seen = shown_fields(c, shown(c), shown.document(c.document))
        row = {"id": c.id, "document": seen["document"], "turn": turn.number if turn else "",
               "speaker": (turn.label or "") if turn else "", "participant": (turn.participant or "") if turn else "",
               "code": seen["code"], "coder": seen["coder"], "status": c.status, "start": seen["start"],
               "end": seen["end"], "text": seen["text"], "rule": c.rule,
               "rule_name": rule_name(c) if rule_place(c.rule) else "", "how_decided": decided.get(c.id, ""),
               "memo": memos.get(c.id, "")}
        attrs = people.get(row["participant"], {})
        row.update({a: attrs.get(a, "") for a in chosen})
        row[CHECK] = fingerprint(seen)  # over an attribute of that name: the review needs it
        if QUESTION not in chosen:  # an attribute of that name keeps its column
            row[QUESTION] = asked[c.document].get(turn.number, "") if turn else ""
        rows.append(row)
    if pseudonyms is not None:  # every other text column; coding ids, codes, offsets and numbers are left alone
        for row in rows:
            for column in ("question", "speaker", "participant", "memo", *chosen):
                if isinstance(row.get(column), str):
                    row[column] = pseudonyms.apply(row[column])
    return [*EXPORT_COLUMNS, *chosen], rows, codings


class ShownText:
    """The text an export shows for a coding: its snapshot, pseudonymised when the project has a key — cut from
    its document pseudonymised once, so a coding starting inside a name shows all of the name's replacement."""

    def __init__(self, pseudonyms: Pseudonyms | None, document_text: Callable[[str], str]) -> None:
        self.pseudonyms = pseudonyms
        self.document_text = document_text
        self._remapped: dict[str, tuple] = {}

    def document(self, doc_id: str) -> str:
        """The id ``doc_id`` shows as (the key's terms replaced in it)."""
        return self.pseudonyms.document(doc_id) if self.pseudonyms is not None else doc_id

    def __call__(self, coding: CodingRow) -> str:
        """``coding``'s text as an export shows it."""
        if self.pseudonyms is None:
            return coding.text
        if coding.document not in self._remapped:
            text = self.document_text(coding.document)
            self._remapped[coding.document] = (text, *remap(text, self.pseudonyms))
        text, new, moved = self._remapped[coding.document]
        if text[coding.start:coding.end] == coding.text:
            return new[moved.start(coding.start):moved.end(coding.end)]
        return self.pseudonyms.apply(coding.text)


def shown_fields(coding: CodingRow, text: str, document: str | None = None) -> dict[str, object]:
    """What an exported row shows of ``coding`` (:data:`SHOWN`), ``text`` being its text and ``document`` its
    document id as shown (pseudonymised; default: as stored). The one place that says so: the export writes
    these cells and `codings import --review` compares a row with them."""
    return {"document": coding.document if document is None else document, "code": coding.code,
            "coder": coding.coder, "start": coding.start,
            "end": coding.end, "text": text}


def fingerprint(shown: dict[str, object]) -> str:
    """The `check` of a row showing ``shown`` (:func:`shown_fields`): ten consonants from a SHA-256 of its
    document, code, coder, start, end and text (NFC, spaces collapsed) — letters only, so no spreadsheet reads
    it as a number or a date, and no vowels, so it spells no word. The coder is in it because two suggesters
    may suggest the same span and code."""
    parts = [comparable(str(shown[name])) for name in SHOWN]
    number = int.from_bytes(hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()[:8], "big")
    letters = []
    for _ in range(10):
        number, digit = divmod(number, len(_CONSONANTS))
        letters.append(_CONSONANTS[digit])
    return "".join(letters)


_CONSONANTS = "bcdfghjklmnpqrstvwxz"
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff]")  # what a worksheet cannot hold (xml_text)


def comparable(text: str) -> str:
    """``text`` as a sheet may give it back: NFC, without the control characters a worksheet cannot hold, runs
    of spaces and line breaks as one space, trimmed."""
    return " ".join(_INVISIBLE.sub("", unicodedata.normalize("NFC", text)).split())


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
    interviewer's ``question`` before ``text``, then last the row's ``check`` and the empty ``new_code`` and
    ``decision`` columns; otherwise unchanged."""
    columns = list(columns)
    if output.suffix.lower() not in SHEET_SUFFIXES:
        return columns
    if QUESTION not in columns:
        at = columns.index("text") if "text" in columns else len(columns)
        columns.insert(at, QUESTION)
    return [*(c for c in columns if c not in (CHECK, NEW_CODE, DECISION)), CHECK, NEW_CODE, DECISION]

"""Codings in and out: selecting which codings count, exporting them, importing a coder's work, stale ones."""

from __future__ import annotations

import bisect
import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .codebook import Codebook
from .errors import InputFileError, Problem, UsageError
from .ingest.encoding import decode
from .output import FORMULA_START
from .project import Project
from .store import CodingRow, Store, TurnRow

EXPORT_COLUMNS = ("id", "document", "turn", "speaker", "participant", "code", "coder", "status", "start", "end",
                  "text", "rule")
STATUSES = ("suggested", "accepted", "rejected")


@dataclass(frozen=True)
class Selection:
    """Which codings count: by default every coding that is neither rejected nor stale."""

    coders: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [s for s in self.statuses if s not in STATUSES]
        if unknown:
            raise UsageError(f"unknown status {unknown[0]!r}; use {', '.join(STATUSES)}")

    def keeps(self, coding: CodingRow) -> bool:
        """Whether ``coding`` is selected."""
        if coding.stale:
            return False
        if self.statuses:
            if coding.status not in self.statuses:
                return False
        elif coding.status == "rejected":
            return False
        return not self.coders or coding.coder in self.coders

    def describe(self, codings: Sequence[CodingRow]) -> str:
        """One line saying what was selected, with the number of unreviewed suggestions included."""
        what = (f"status {', '.join(self.statuses)}" if self.statuses
                else "every coding not rejected or stale (human, accepted and unreviewed suggestions)")
        if self.coders:
            what += f"; coders {', '.join(self.coders)}"
        unreviewed = sum(c.status == "suggested" for c in codings)
        return f"{what} — {len(codings)} codings, {unreviewed} unreviewed suggestions included"


def select(store: Store, selection: Selection) -> list[CodingRow]:
    """The stored codings ``selection`` keeps, in document and position order."""
    rows = [c for c in store.codings() if selection.keeps(c)]
    return sorted(rows, key=lambda c: (c.document, c.start, c.end, c.code, c.coder, c.id))


def turn_at(turns: Sequence[TurnRow], offset: int) -> TurnRow | None:
    """The turn whose span holds ``offset`` (turns of one document, in order), or None."""
    starts = [t.start for t in turns]
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and offset <= max(turns[i].end, turns[i].start):
        return turns[i]
    return None


def export_rows(project: Project, store: Store, selection: Selection,
                attributes: Sequence[str] | None = None) -> tuple[list[str], list[dict], list[CodingRow]]:
    """Columns and rows of `qualcode codings export`: the spec's columns, then participant attributes.

    ``attributes`` defaults to every attribute column not marked identifying in ``qualcode.toml``.
    Raises UsageError for an attribute that does not exist.
    """
    known = store.participant_columns()
    if attributes is None:
        chosen = [a for a in known if a not in project.config.identifying]
    else:
        missing = [a for a in attributes if a not in known]
        if missing:
            raise UsageError(f"unknown attribute {missing[0]!r}; available: {', '.join(known) or '(none)'}")
        chosen = list(attributes)
    people = {p.id: p.attributes for p in store.participants()}
    turns: dict[str, list[TurnRow]] = {}
    for t in store.turns():
        turns.setdefault(t.document, []).append(t)
    codings = select(store, selection)
    rows = []
    for c in codings:
        turn = turn_at(turns.get(c.document, []), c.start)
        row = {"id": c.id, "document": c.document, "turn": turn.number if turn else "",
               "speaker": (turn.label or "") if turn else "", "participant": (turn.participant or "") if turn else "",
               "code": c.code, "coder": c.coder, "status": c.status, "start": c.start, "end": c.end,
               "text": c.text, "rule": c.rule}
        attrs = people.get(row["participant"], {})
        row.update({a: attrs.get(a, "") for a in chosen})
        rows.append(row)
    return [*EXPORT_COLUMNS, *chosen], rows, codings


def write_jsonl(path: Path, columns: Sequence[str], rows: Sequence[dict]) -> None:
    """One JSON object per line, keys in column order."""
    import json

    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps({c: row.get(c, "") for c in columns}, ensure_ascii=False) + "\n")


# -- import ------------------------------------------------------------------------------------------------
@dataclass
class ImportReport:
    """Rows imported and rows that could not be placed; exit code 1 when any failed."""

    imported: int = 0
    failures: list[Problem] = field(default_factory=list)

    @property
    def return_code(self) -> int:
        """1 when any row failed."""
        return 1 if self.failures else 0


def read_sheet(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX file as dicts keyed by lowercased header; CSV formula guards are removed.

    Raises InputFileError for unreadable files and UsageError for other suffixes.
    """
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        import zipfile

        from openpyxl import load_workbook

        try:
            sheet = load_workbook(path, read_only=True, data_only=True).active
        except (zipfile.BadZipFile, OSError, KeyError):
            raise InputFileError("not a readable .xlsx file", where=str(path)) from None
        values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    elif suffix == ".csv":
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(f"cannot read: {exc.strerror}", where=str(path)) from None
        text, _ = decode(data, str(path))
        values = [[_unguard(cell) for cell in row] for row in csv.reader(io.StringIO(text))]
    else:
        raise UsageError(f"{path}: import reads .csv or .xlsx")
    if not values:
        return []
    header = [h.strip().casefold() for h in values[0]]
    return [dict(zip(header, row)) for row in values[1:] if any(cell.strip() for cell in row)]


def _unguard(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:2] in FORMULA_START else cell


def locate_text(text: str, snippet: str) -> tuple[int, int] | str:
    """Where ``snippet`` stands in ``text``: exactly, else ignoring differences in whitespace.

    Returns ``(start, end)`` or a reason (``not found``, ``ambiguous: N places``).
    """
    snippet = snippet.strip()
    if not snippet:
        return "empty text"
    places = [m.start() for m in re.finditer(re.escape(snippet), text)]
    if len(places) == 1:
        return places[0], places[0] + len(snippet)
    if not places:
        pattern = r"\s+".join(re.escape(w) for w in snippet.split())
        found = [(m.start(), m.end()) for m in re.finditer(pattern, text)]
        if len(found) == 1:
            return found[0]
        if not found:
            return "not found in the document"
        places = [s for s, _ in found]
    return f"ambiguous: found in {len(places)} places; give start and end instead"


def import_codings(store: Store, book: Codebook, path: Path, coder: str) -> ImportReport:
    """Import rows of (document, code, text) or (document, code, start, end) as ``coder``'s codings.

    Codes are named by id, label or path. Good rows are stored; each bad row is reported with its line.
    """
    rows = read_sheet(path)
    report = ImportReport()
    if rows and not {"document", "code"} <= set(rows[0]):
        raise InputFileError("needs columns document, code and text (or start and end)", where=f"{path}:1")
    texts = {d.id: d.text for d in store.documents()}
    for line, row in enumerate(rows, start=2):
        where = f"{path}:{line}"
        doc_id = row.get("document", "").strip()
        code = book.resolve(row.get("code", ""))
        if doc_id not in texts:
            report.failures.append(Problem(where, f"unknown document {doc_id!r}"))
            continue
        if code is None:
            report.failures.append(Problem(where, f"unknown code {row.get('code', '')!r} in codebook {book.name!r}"))
            continue
        text = texts[doc_id]
        if row.get("start", "").strip() and row.get("end", "").strip():
            try:
                start, end = int(float(row["start"])), int(float(row["end"]))
            except ValueError:
                report.failures.append(Problem(where, "start and end must be whole numbers"))
                continue
            if not 0 <= start < end <= len(text):
                report.failures.append(Problem(where, f"span {start}–{end} is outside the document (0–{len(text)})"))
                continue
        else:
            place = locate_text(text, row.get("text", ""))
            if isinstance(place, str):
                report.failures.append(Problem(where, place))
                continue
            start, end = place
        store.add_coding(doc_id, start, end, code.id, coder, "accepted", text[start:end], origin="import",
                         codebook=(book.name, book.version, book.content_hash))
        report.imported += 1
    return report

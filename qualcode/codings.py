"""Codings in and out: selecting which codings count, exporting them, importing a coder's (or another tool's)
work. Applying a reviewed sheet's decisions is in :mod:`qualcode.review_sheet`."""

from __future__ import annotations

import bisect
import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .align import Aligner, Miss, Placement, normalise, snap_to_speech
from .codebook import Codebook
from .codebook_io import resolve_code
from .errors import InputFileError, Problem, UsageError
from .ingest.encoding import decode
from .model import Role
from .output import FORMULA_START
from .project import Project
from .store import CodingRow, Store, TurnRow

EXPORT_COLUMNS = ("id", "document", "turn", "speaker", "participant", "code", "coder", "status", "start", "end",
                  "text", "rule")
DECISION = "decision"  # the empty last column of CSV and XLSX exports, filled in for review or adjudication
SHEET_SUFFIXES = (".csv", ".xlsx")
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


def with_decision(columns: Sequence[str], output: Path) -> list[str]:
    """The export's columns, with the empty ``decision`` column last when ``output`` is a CSV or XLSX sheet."""
    return [*columns, DECISION] if output.suffix.lower() in SHEET_SUFFIXES else list(columns)


# -- reading sheets ----------------------------------------------------------------------------------------
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
        values = [["" if v is None else _cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
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


def _cell(value: object) -> str:
    # Excel may store a whole number typed into a cell as 12.0
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _unguard(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:2] in FORMULA_START else cell


def _whole(value: str) -> int | None:
    try:
        return int(float(value)) if value.strip() else None
    except ValueError:
        return None


# -- naming documents and codes as other tools do -----------------------------------------------------------
ALIASES = {  # header names other tools use, tried in order (MAXQDA, NVivo, QualCoder, ATLAS.ti exports)
    "document": ("document", "document name", "documentname", "file", "file name", "filename", "source",
                 "source name", "doc"),
    "code": ("code", "code path", "codepath", "code name", "codename", "node", "node path"),
    "text": ("text", "segment", "coded segment", "coded text", "codedtext", "quotation", "quote", "reference",
             "content"),
}


@dataclass(frozen=True)
class Columns:
    """Which sheet columns hold the document, the code and the segment text (header names, any case);
    None means the usual names of qualcode, MAXQDA, NVivo and QualCoder exports."""

    document: str | None = None
    code: str | None = None
    text: str | None = None

    def resolve(self, header: Sequence[str], where: str) -> dict[str, str | None]:
        """``role -> header key`` for document, code and text. Raises UsageError for a named column that is
        missing and InputFileError when no document or code column is found."""
        found: dict[str, str | None] = {}
        for role, aliases in ALIASES.items():
            named = getattr(self, role)
            if named:
                key = " ".join(named.split()).casefold()
                if key not in header:
                    raise UsageError(f"{where}: no column {named!r}; columns: {', '.join(h for h in header if h)}")
                found[role] = key
            else:
                found[role] = next((a for a in aliases if a in header), None)
        missing = [role for role in ("document", "code") if found[role] is None]
        if missing:
            raise InputFileError(f"no {' or '.join(missing)} column (found: {', '.join(h for h in header if h)}); "
                                 f"name it with --{missing[0]}-column", where=where)
        return found


def resolve_document(ids: Sequence[str], name: str) -> str | None:
    """The document id ``name`` means: as written, without a file suffix (``P1.docx``), or ignoring case."""
    name = name.strip()
    folded: dict[str, list[str]] = {}
    for doc_id in ids:
        folded.setdefault(doc_id.casefold(), []).append(doc_id)
    for candidate in (name, Path(name).stem if Path(name).suffix else name):
        if candidate in ids:
            return candidate
        if len(folded.get(candidate.casefold(), [])) == 1:
            return folded[candidate.casefold()][0]
    return None


def parse_decision(cell: str) -> tuple[str, str | None] | None:
    """``accept``, ``reject`` or ``recode:CODE`` (any case, spaces allowed) as ``(action, code)``; None when
    blank. Raises UsageError for anything else."""
    text = cell.strip()
    if not text:
        return None
    action, _, code = text.partition(":")
    action = action.strip().casefold()
    if action in ("accept", "reject") and not code.strip():
        return action, None
    if action == "recode" and code.strip():
        return "recode", code.strip()
    raise UsageError(f"unknown decision {text!r}; use accept, reject or recode:CODE")


# -- importing a coder's work --------------------------------------------------------------------------------
@dataclass
class ImportReport:
    """What an import stored and what it could not; exit code 1 when any row failed."""

    imported: int = 0
    failures: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # rows placed approximately, worth a look
    methods: Counter = field(default_factory=Counter)  # how the imported rows were placed
    duplicates: int = 0  # rows the coder already had, or that repeat an earlier row
    rejected: int = 0  # rows whose decision is `reject` (not imported)
    recoded: int = 0  # rows imported under the code their decision names

    @property
    def return_code(self) -> int:
        """1 when any row failed."""
        return 1 if self.failures else 0


@dataclass
class _Document:
    text: str
    turns: list[TurnRow]
    aligner: Aligner | None = None

    def place(self, segment: str, within: tuple[int, int] | None) -> Placement | Miss:
        if self.aligner is None:
            self.aligner = Aligner(self.text)
        return self.aligner.place(segment, within)


def import_codings(store: Store, book: Codebook, path: Path, coder: str, columns: Columns = Columns()) -> ImportReport:
    """Import a sheet of codings as ``coder``'s accepted codings; the caller holds the transaction.

    A row names its document and code (id, label or path) and gives its span by ``start`` and ``end``, by its
    text (placed with :mod:`qualcode.align` and trimmed to the speech of the turns it covers; a ``turn`` column
    picks among several places), or by a ``turn`` alone (that turn's speech). A ``decision`` column, when
    present, is applied: ``reject`` rows are left out, ``recode:CODE`` rows take that code, blank and
    ``accept`` rows come in as they are — so a decided adjudication sheet imports as the final coding.
    Rows the coder already has are skipped. Raises InputFileError or UsageError for an unusable sheet; each
    bad row is reported with its line.
    """
    rows = read_sheet(path)
    report = ImportReport()
    if not rows:
        return report
    roles = columns.resolve(list(rows[0]), f"{path}:1")
    docs = {d.id: _Document(d.text, []) for d in store.documents()}
    for turn in store.turns():
        docs[turn.document].turns.append(turn)
    have = {(c.document, c.start, c.end, c.code) for c in store.codings() if c.coder == coder}
    for line, row in enumerate(rows, start=2):
        where = f"{path}:{line}"
        try:
            decision = parse_decision(row.get(DECISION, ""))
        except UsageError as exc:
            report.failures.append(Problem(where, exc.message))
            continue
        if decision is not None and decision[0] == "reject":
            report.rejected += 1
            continue
        name = row.get(roles["document"] or "", "").strip()
        doc_id = resolve_document(list(docs), name)
        code_name = decision[1] if decision is not None and decision[1] else row.get(roles["code"] or "", "")
        code = resolve_code(book, code_name)
        if doc_id is None:
            report.failures.append(Problem(where, f"unknown document {name!r}"))
            continue
        if code is None:
            report.failures.append(Problem(where, f"unknown code {code_name!r} in codebook {book.name!r}"))
            continue
        span = _span(docs[doc_id], row, roles["text"])
        if isinstance(span, str):
            report.failures.append(Problem(where, span))
            continue
        start, end, method, score = span
        key = (doc_id, start, end, code.id)
        if key in have:
            report.duplicates += 1
            continue
        have.add(key)
        store.add_coding(doc_id, start, end, code.id, coder, "accepted", docs[doc_id].text[start:end],
                         origin="import", codebook=(book.name, book.version, book.content_hash))
        report.imported += 1
        report.recoded += decision is not None and decision[0] == "recode"
        report.methods[method] += 1
        if method in ("anchored", "fuzzy"):
            report.notes.append(Problem(where, f"placed approximately ({method}, score {score:g}) at "
                                               f"{start}–{end}", "note"))
    return report


def _span(doc: _Document, row: dict[str, str], text_key: str | None) -> tuple[int, int, str, float] | str:
    """``(start, end, method, score)`` of a row's coding in its document, or why it has none."""
    segment = row.get(text_key or "", "")
    start, end = _whole(row.get("start", "")), _whole(row.get("end", ""))
    if row.get("start", "").strip() and row.get("end", "").strip() and (start is None or end is None):
        return "start and end must be whole numbers"
    if start is not None and end is not None:
        if not 0 <= start < end <= len(doc.text):
            return f"span {start}–{end} is outside the document (0–{len(doc.text)})"
        if not segment.strip() or normalise(doc.text[start:end])[0] == normalise(segment)[0]:
            return start, end, "offsets", 100.0
        # offsets from another tool's text: the segment's own text decides
    turn = None
    if row.get("turn", "").strip():
        number = _whole(row["turn"])
        turn = next((t for t in doc.turns if t.number == number), None)
        if turn is None:
            return f"no turn {row['turn'].strip()} in this document (it has {len(doc.turns)})"
    if segment.strip():
        placed = doc.place(segment, (turn.start, turn.end) if turn else None)
        if isinstance(placed, Miss):
            return str(placed)
        start, end = (snap_to_speech([(t.start, t.end) for t in doc.turns if t.role is not Role.INTERVIEWER],
                                     placed.start, placed.end)
                      or snap_to_speech([(t.start, t.end) for t in doc.turns], placed.start, placed.end)
                      or (placed.start, placed.end))
        return start, end, placed.method, placed.score
    if turn is not None:
        if turn.end <= turn.start:
            return f"turn {turn.number} has no speech"
        return turn.start, turn.end, "turn", 100.0
    return "needs the coded text, start and end, or a turn"

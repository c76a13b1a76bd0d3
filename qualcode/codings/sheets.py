"""Reading CSV and XLSX sheets of codings or decisions, as other tools and reviewers write them.

Sheets are read as a stream: a review sheet of a million rows reports its first bad row at once, and is never
held in memory whole (:func:`open_sheet`)."""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import unicodedata
from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import InputFileError, UsageError
from qualcode.ingest.csvfile import MAX_CELL
from qualcode.ingest.csvfile import _message as csv_message
from qualcode.ingest.encoding import decode, normalise
from qualcode.ingest.zipcheck import check_zip

# Leading characters a spreadsheet reads as a formula: written with a guarding apostrophe, read back without.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


DECISION = "decision"  # the empty last column of CSV and XLSX exports, filled in for review or adjudication
NEW_CODE = "new_code"  # the empty column before it: a reviewer's other way of asking for a recode
DECISION_CHOICES = ("accept", "reject")  # offered in the XLSX dropdown; recode:CODE is typed
DECISION_PROMPT = ("Choose accept or reject, or type recode:CODE (a code id, label or path) to give this "
                   "text another code.")
SNIFF = 1 << 20  # the bytes of a CSV file its encoding is judged by before the whole file streams
_UNDECODED = re.compile("[\udc80-\udcff]")  # a byte the encoding could not decode (surrogateescape)


class Unsaved(str):
    """An XLSX formula cell whose file keeps no value for it (qualcode does not compute formulas): it reads as
    blank, and ``cell`` (``V5``) and ``formula`` say which it is, so a reader that needs the value can refuse."""

    cell: str
    formula: str

    def __new__(cls, cell: str, formula: str) -> Unsaved:
        """A blank string naming the formula cell it stands for."""
        value = super().__new__(cls, "")
        value.cell, value.formula = cell, formula
        return value


@dataclass
class Sheet:
    """A table being read from a CSV file or one worksheet of an XLSX workbook: its header (lowercased) and
    its rows, one at a time, as ``(line, {header: cell})`` — the CSV line a row starts on, or the worksheet row.
    Rows with only blank cells are left out; a row shorter than the header is padded with blanks."""

    path: Path
    header: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]
    name: str = ""  # the worksheet read (XLSX)
    notes: list[str] = field(default_factory=list)  # how the sheet was chosen, worth telling

    @property
    def repeated(self) -> list[str]:
        """Header names that appear more than once (a row keeps only the last of them)."""
        seen: set[str] = set()
        return sorted({h for h in self.header if h and (h in seen or seen.add(h))})


@contextmanager
def open_sheet(path: Path, *, wanted: Collection[str] = (), keep: Collection[str] | None = None) -> Iterator[Sheet]:
    """Open a CSV or XLSX file as a :class:`Sheet` read row by row. In a workbook, the active worksheet is
    read, unless ``wanted`` names columns it lacks: then the one worksheet that has them. Rows hold only the
    columns in ``keep`` (default: all), so a long sheet's other cells cost nothing.

    Raises InputFileError for an unreadable or empty file, a CSV syntax error (at its line, when the stream
    reaches it) or a workbook without (or with several) worksheets holding ``wanted``; UsageError for other
    suffixes.
    """
    suffix = path.suffix.lower()
    with ExitStack() as stack:
        if suffix == ".xlsx":
            header, rows, name, notes = _xlsx(path, wanted, stack)
            fix: Callable[[str], str] = _as_read  # cells are clean already (and never guarded)
        elif suffix == ".csv":
            lines = _csv(path, stack)
            first = next(lines, None)
            header, rows, name, notes = [_csv_cell(h) for h in first[1]] if first else [], lines, "", []
            fix = _csv_cell
        else:
            raise UsageError(f"{path}: import reads .csv or .xlsx")
        if not any(h.strip() for h in header):
            raise InputFileError("empty sheet: no header row", where=str(path))
        header = [" ".join(h.split()).casefold() for h in header]
        yield Sheet(path, header, _records(header, rows, keep, fix), name, notes)


def read_sheet(path: Path) -> list[dict[str, str]]:
    """Every row of a CSV or XLSX file (the active worksheet) as a dict keyed by lowercased header; CSV formula
    guards are removed. An empty file gives no rows.

    Raises InputFileError for unreadable files and UsageError for other suffixes.
    """
    try:
        with open_sheet(path) as sheet:
            return [row for _, row in sheet.rows]
    except InputFileError as exc:
        if exc.message.startswith("empty sheet"):
            return []
        raise


def _records(header: list[str], rows: Iterator[tuple[int, list[str]]], keep: Collection[str] | None,
             fix: Callable[[str], str]) -> Iterator[tuple[int, dict[str, str]]]:
    # the last of two columns of one name wins, as in a dict; a row may be shorter than the header, since
    # spreadsheets leave trailing empty cells out (the empty decision)
    places = {name: i for i, name in enumerate(header) if keep is None or name in keep}
    for line, cells in rows:
        values = {name: fix(cells[i]) if i < len(cells) else "" for name, i in places.items()}
        if any(value.strip() or isinstance(value, Unsaved) for value in values.values()):
            yield line, values


# -- CSV ---------------------------------------------------------------------------------------------------

def _csv(path: Path, stack: ExitStack) -> Iterator[tuple[int, list[str]]]:
    """``(line, raw cells)`` of a CSV file as it streams: the encoding is judged by the first MB (BOM, UTF-8,
    else as :func:`qualcode.ingest.encoding.decode` judges it)."""
    where = str(path)
    try:
        handle = stack.enter_context(open(path, "rb"))
        head = handle.read(SNIFF)
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", where=where) from None
    encoding, errors = _encoding(head, len(head) < SNIFF, where)
    handle.seek(0)
    # bytes that do not decode become lone surrogates, found on their own line (the wrapper reads ahead)
    text = io.TextIOWrapper(handle, encoding=encoding, errors="surrogateescape" if errors == "strict" else errors,
                            newline="")
    return _csv_lines(text, where, encoding)


def _csv_lines(text: io.TextIOWrapper, where: str, encoding: str) -> Iterator[tuple[int, list[str]]]:
    previous = csv.field_size_limit()
    csv.field_size_limit(MAX_CELL)
    reader = csv.reader(text, strict=True)
    start = 1
    try:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InputFileError(csv_message(str(exc), start, reader.line_num), where=f"{where}:{start}") from None
            if any(not cell.isascii() and _UNDECODED.search(cell) for cell in cells):
                raise InputFileError(f"not valid {encoding.upper()} text on this line: save the sheet as UTF-8 "
                                     "(CSV UTF-8 in Excel)", where=f"{where}:{start}")
            yield start, cells
            start = reader.line_num + 1
    finally:
        csv.field_size_limit(previous)


def _encoding(head: bytes, complete: bool, where: str) -> tuple[str, str]:
    """``(encoding, errors)`` to stream a CSV file whose first bytes are ``head``."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "strict"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", "strict"
    if b"\x00" in head:
        raise InputFileError("binary file (contains NUL bytes), not a CSV sheet", where=where)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)  # a character cut at the end is fine
        return "utf-8", "strict"
    except UnicodeDecodeError:
        pass
    _, name = decode(head if complete else head[:head.rfind(b"\n") + 1] or head, where)
    return (name, "strict") if name != "utf-8" else ("utf-8", "replace")  # mostly UTF-8: bad bytes become U+FFFD


def _clean(cell: str) -> str:
    """A cell as :func:`qualcode.ingest.encoding.normalise` makes stored text: NFC, ``\\n`` newlines, no
    invisible characters (so a cell's text matches the stored text it was exported from)."""
    if cell.isascii() and "\r" not in cell:
        return cell
    return normalise(cell)


def _as_read(cell: str) -> str:
    return cell  # an Unsaved formula cell stays one


def _csv_cell(cell: str) -> str:
    """A CSV cell cleaned, without the apostrophe guarding a formula-like start."""
    if not cell.isascii() or "\r" in cell:
        cell = _clean(cell)
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_START else cell


# -- XLSX --------------------------------------------------------------------------------------------------

def _xlsx(path: Path, wanted: Collection[str], stack: ExitStack):
    """Header, rows, worksheet name and notes of the worksheet to read (see :func:`open_sheet`)."""
    import zipfile

    from openpyxl import load_workbook

    check_zip(path, str(path), "Excel .xlsx file")
    try:
        book = load_workbook(path, read_only=True, data_only=False)
        stack.callback(book.close)
        sheets = [ws for ws in book.worksheets if hasattr(ws, "iter_rows")]  # chart sheets have no cells
        headers = {ws.title: [_value(v) for v in next(ws.iter_rows(max_row=1, values_only=True), ())]
                   for ws in sheets}
    except (zipfile.BadZipFile, OSError, KeyError):
        raise InputFileError("not a readable .xlsx file", where=str(path)) from None
    except Exception as exc:  # noqa: BLE001 - another program's file can break openpyxl in many ways
        raise _damaged(path, exc) from None
    if not sheets:
        raise InputFileError("the workbook has no worksheet", where=str(path))
    active = book.active if book.active in sheets else sheets[0]
    chosen, notes = _choose(path, sheets, active, headers, wanted)
    cached = _Cached(path, chosen.title, stack)
    return headers[chosen.title], _xlsx_rows(path, chosen, cached), chosen.title, notes


def _choose(path: Path, sheets: list, active, headers: dict[str, list[str]], wanted: Collection[str]):
    """The worksheet holding the ``wanted`` columns: the active one if it does, else the only one that does."""
    def has(ws) -> bool:
        names = {" ".join(h.split()).casefold() for h in headers[ws.title]}
        return set(wanted) <= names

    if has(active):
        return active, []
    fitting = [ws for ws in sheets if has(ws)]
    named = ", ".join(f"{ws.title!r}" + (" (active)" if ws is active else "") for ws in sheets)
    columns = " and ".join(wanted)
    if len(fitting) == 1:
        return fitting[0], [f"read worksheet {fitting[0].title!r}: the active one, {active.title!r}, has no "
                            f"{columns} columns"]
    if not fitting:
        raise InputFileError(f"no worksheet has the {columns} columns (worksheets: {named})", where=str(path))
    raise InputFileError(f"several worksheets have the {columns} columns ({', '.join(repr(ws.title) for ws in fitting)}"
                         "): make the one to import the active worksheet, or save it alone", where=str(path))


def _xlsx_rows(path: Path, sheet, cached: _Cached) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, row in enumerate(sheet.iter_rows(min_row=2), start=2):
            values = []
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    saved = cached.value(number, cell.column)
                    values.append(Unsaved(f"{cell.column_letter}{number}", str(cell.value)) if saved is None
                                  else _value(saved))
                else:
                    values.append(_value(cell.value))
            yield number, values
    except InputFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged worksheet may break openpyxl mid-stream
        raise _damaged(path, exc) from None


class _Cached:
    """The values an XLSX file saved for its formula cells (what Excel showed), read alongside the formulas
    only once the first formula turns up: a workbook without formulas is parsed once."""

    def __init__(self, path: Path, title: str, stack: ExitStack) -> None:
        self.path, self.title, self.stack = path, title, stack
        self.rows: Iterator | None = None
        self.number, self.row = 0, ()

    def value(self, number: int, column: int) -> object:
        """The saved value of the cell at row ``number`` and ``column`` (1-based), or None."""
        if self.rows is None:
            from openpyxl import load_workbook

            book = load_workbook(self.path, read_only=True, data_only=True)
            self.stack.callback(book.close)
            self.rows = book[self.title].iter_rows(values_only=True)
        while self.number < number:
            self.row = next(self.rows, ())
            self.number += 1
        return self.row[column - 1] if column - 1 < len(self.row) else None


def _value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # Excel may store a whole number typed into a cell as 12.0
        return str(int(value))
    return _clean(str(value))


def _damaged(path: Path, exc: Exception) -> InputFileError:
    return InputFileError(f"damaged .xlsx file ({str(exc)[:120] or type(exc).__name__}): open and save it again in "
                          "Excel or LibreOffice, or save it as .csv", where=str(path))


# -- cells ---------------------------------------------------------------------------------------------------

def whole_number(value: str) -> int | None:
    """``value`` as a whole number (``12``, or ``12.0`` as spreadsheets write it); None when blank or not a
    whole number: ``1.5``, ``inf``, ``1e999``, ``nan`` and numbers too large to be an offset or id."""
    text = value.strip()
    if not text:
        return None
    if _WHOLE.fullmatch(text):
        return int(text)
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and number.is_integer() and abs(number) < 2**53 else None


_WHOLE = re.compile(r"[+-]?[0-9]{1,15}")


def parse_decision(cell: str) -> tuple[str, str | None] | None:
    """``accept``, ``reject`` or ``recode:CODE`` (any case, spaces allowed) as ``(action, code)``; None when
    blank. Raises UsageError for anything else."""
    text = unicodedata.normalize("NFC", cell).strip()
    if not text:
        return None
    action, _, code = text.partition(":")
    action = action.strip().casefold()
    if action in DECISION_CHOICES and not code.strip():
        return action, None
    if action == "recode" and code.strip():
        return "recode", code.strip()
    raise UsageError(f"unknown decision {text!r}; use accept, reject or recode:CODE")


def row_decision(row: dict[str, str], same: Callable[[str, str], bool] | None = None) -> tuple[str, str | None] | None:
    """A row's decision from its ``decision`` and ``new_code`` cells: a ``new_code`` alone asks for a recode to
    it, and beside ``recode:CODE`` must name the same code (``same`` compares two code names; by default their
    spelling). None when both are blank. Raises UsageError for an unknown decision, and for ``new_code`` beside
    ``accept``, ``reject`` or another code."""
    decision = parse_decision(row.get(DECISION, ""))
    new = unicodedata.normalize("NFC", row.get(NEW_CODE, "")).strip()
    if not new:
        return decision
    if decision is None:
        return "recode", new
    action, code = decision
    if action != "recode":
        raise UsageError(f"new_code {new!r} asks for a recode but the decision says {action}: clear one of them "
                         f"(or write recode:{new})")
    if not (same or _same_name)(code or "", new):
        raise UsageError(f"the decision says recode:{code} but new_code says {new!r}: keep one of them")
    return decision


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()

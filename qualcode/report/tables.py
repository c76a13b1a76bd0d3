"""Writing a table of rows to a file chosen by its suffix (CSV, JSON, Markdown, HTML, XLSX)."""

from __future__ import annotations

import csv
import html
import io
import json
import math
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from qualcode.codings.sheets import DECISION, DECISION_CHOICES, DECISION_PROMPT, FORMULA_START
from qualcode.errors import UsageError
from qualcode.report.safe_text import markdown_escape, xml_text

TABLE_SUFFIXES = (".csv", ".json", ".md", ".html", ".xlsx")


def csv_safe(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(columns: Sequence[str], rows: Sequence[Mapping], heading: Sequence[str] = ()) -> str:
    buffer = io.StringIO()
    for line in heading:  # `#` lines: pandas skips them with comment="#", R with comment.char="#"
        buffer.write(csv_comment(line) + "\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_safe(c) for c in columns])
    writer.writerows([csv_safe(row.get(c, "")) for c in columns] for row in rows)
    return buffer.getvalue()


def csv_comment(line: str) -> str:
    """``line`` as a CSV comment line: ``# `` in front, on one line, without commas (a spreadsheet would split
    it into cells there)."""
    return "# " + " ".join(line.split()).replace(", ", " — ").replace(",", " ")


def _markdown(columns: Sequence[str], rows: Sequence[Mapping]) -> str:
    def cell(value: object) -> str:
        return markdown_escape(str(value)).replace("\n", " ")  # `|` is escaped with the rest

    lines = ["| " + " | ".join(cell(c) for c in columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _html(columns: Sequence[str], rows: Sequence[Mapping], title: str, notes: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "\n".join("<tr>" + "".join(f"<td>{html.escape(str(row.get(c, '')))}</td>" for c in columns) + "</tr>"
                     for row in rows)
    paragraphs = "".join(f"<p>{html.escape(n)}</p>\n" for n in notes)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>\n'
            f"<body>\n{paragraphs}<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n"
            "</body></html>\n")


def _xlsx(path: Path, columns: Sequence[str], rows: Sequence[Mapping], title: str, notes: Sequence[str],
          heading: Sequence[str] = (), number_formats: Mapping[str, str] | None = None,
          sheets: Sequence[tuple[str, Sequence[str], Sequence[Mapping]]] = ()) -> None:
    with streaming_book() as book:  # streams rows: a normal workbook keeps every cell object in memory
        add_sheet(book, title, columns, rows, heading=heading, number_formats=number_formats)
        for name, more_columns, more_rows in sheets:
            add_sheet(book, name, more_columns, more_rows)
        if notes:
            add_about_sheet(book, notes)
        save_xlsx(book, path)


@contextmanager
def streaming_book() -> Iterator:
    """A write-only openpyxl workbook, whose sheets stream their rows to temporary files. Should writing fail
    (a full disk), its streams are closed and their files removed, so nothing is left behind and no error is
    printed later when Python collects them."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    try:
        yield book
    except BaseException:
        for sheet in book.worksheets:
            for stream in (getattr(sheet, "_rows", None), getattr(getattr(sheet, "_writer", None), "xf", None)):
                if stream is not None and hasattr(stream, "close"):
                    with suppress(Exception):  # closing re-raises the stream's own write error
                        stream.close()
            leftover = getattr(getattr(sheet, "_writer", None), "out", None)
            if isinstance(leftover, str):
                with suppress(OSError):
                    os.remove(leftover)
        raise


# Column widths are in characters of the default font: fitted to the widest cell, within these bounds.
MIN_WIDTH, MAX_WIDTH, ABOUT_WIDTH = 8, 60, 100
_NUMBER_WIDTH = 12  # Excel's General format shows about 11 digits
_NOT_TEXT = ("=", "#")  # strings openpyxl would write as a formula or an error value unless told otherwise
_BAD_TITLE = re.compile(r"[\\/*?:\[\]]")


def add_sheet(book, title: str, columns: Sequence[str], rows: Sequence[Mapping], *, heading: Sequence[str] = (),
              number_formats: Mapping[str, str] | None = None) -> None:
    """Add a sheet of ``rows`` to a write-only openpyxl workbook (``Workbook(write_only=True)``), set out for
    reading: ``heading`` lines in bold above the table (what it is, DRAFT), a bold header row frozen above the
    data (and repeated on printed pages), an autofilter over it, columns as wide as their content within 8 to
    60 characters, text wrapped and top-aligned in columns that need more room or hold line breaks, text in
    number columns (``<5``) aligned like the numbers.

    Numbers stay numeric cells, shown in ``number_formats[column]`` when given (``0.0``); every string (header
    or data) is a text cell, never a formula; an empty string is an empty cell. A ``decision`` column (the
    review sheet's) gets a dropdown of accept and reject that still takes any other entry, such as
    ``recode:CODE``.
    """
    from copy import copy

    from openpyxl.styles import Alignment
    from openpyxl.styles.fonts import DEFAULT_FONT
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(_BAD_TITLE.sub("-", title)[:31] or "Sheet1")
    values = [[_value(row.get(c)) for c in columns] for row in rows]
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    kinds, wrapped = [], []
    for i, (letter, name) in enumerate(zip(letters, columns)):
        width, kind = _layout(str(name), [line[i] for line in values])
        sheet.column_dimensions[letter].width = width
        kinds.append(kind)
        if kind == _WRAP:
            wrapped.append((i, width))
    top = len(heading) + 1  # the header row
    if columns:
        sheet.freeze_panes = f"A{top + 1}"
        sheet.auto_filter.ref = f"A{top}:{letters[-1]}{len(rows) + top}"
        sheet.print_title_rows = f"{top}:{top}"
    if DECISION in columns and rows:
        letter = letters[list(columns).index(DECISION)]
        sheet.data_validations.append(_decision_dropdown(f"{letter}{top + 1}:{letter}{len(rows) + top}"))
    bold = copy(DEFAULT_FONT)  # Font(bold=True) alone names no font, and LibreOffice then shows a serif one
    bold.b = True
    wrap = Alignment(vertical="top", wrap_text=True)
    title_cell = _text_cells(sheet, _style(sheet, bold, None))
    for line in heading:  # one line a row in column A, running over the empty cells beside it
        sheet.append([title_cell(_value(line) or "")])
    sheet.append([_text_cells(sheet, _style(sheet, bold, wrap))(str(name)) for name in columns])
    alignments = {_WRAP: wrap, _NUMBER: Alignment(horizontal="right"), _PLAIN: None}
    makers = [_text_cells(sheet, _style(sheet, None, alignments[kind])) for kind in kinds]
    formats = [(number_formats or {}).get(str(name)) for name in columns]
    numbers = [_number_cells(sheet, _style(sheet, None, None, form)) if form else None for form in formats]
    # Only strings that need a style, or that openpyxl would take for a formula or an error value (=..., #N/A),
    # and numbers with a format are built as cells: openpyxl writes a plain value several times faster.
    styled = [kind != _PLAIN for kind in kinds]
    for number, line in enumerate(values, start=top + 1):
        lines = max([_lines(line[i], width) for i, width in wrapped], default=1)
        if lines > 1:  # LibreOffice does not fit row heights to wrapped text when it opens a file; Excel would
            sheet.row_dimensions[number].height = min(LINE_HEIGHT * lines, MAX_HEIGHT)
        sheet.append([make(value) if isinstance(value, str) and (style or value.startswith(_NOT_TEXT))
                      else form(value) if form is not None and isinstance(value, (int, float))
                      and not isinstance(value, bool) else value
                      for value, make, style, form in zip(line, makers, styled, numbers)])


_WRAP, _NUMBER, _PLAIN = "wrap", "number", "plain"
LINE_HEIGHT, MAX_HEIGHT = 15, 409  # points: one line of the default font (Calibri 11); Excel's tallest row


def _lines(value: object, width: int) -> int:
    """How many lines ``value`` takes wrapped in a column ``width`` characters wide; rather one too many than
    one too few, since a row too low hides text. (A width fits about 1.15 times as many characters of running
    text; breaking between words loses about two.)"""
    if not isinstance(value, str):
        return 1
    room = width - 2
    return sum(max(1, -(-len(part) // room)) for part in value.split("\n"))


def _layout(name: str, cells: Sequence[object]) -> tuple[int, str]:
    """A column's width and kind: text to wrap (wider than the widest width, or with line breaks), numbers
    (with perhaps some text such as ``<5``) or plain."""
    widest, numbers, breaks = _width(name) + 2, False, False  # + 2 for the filter button
    for value in cells:
        if isinstance(value, str):
            widest = max(widest, _width(value))
            breaks = breaks or "\n" in value
        elif value is not None:
            widest = max(widest, _width(value))
            numbers = numbers or not isinstance(value, bool)
    width = min(max(widest + 1, MIN_WIDTH), MAX_WIDTH)
    return width, _WRAP if breaks or widest + 1 > MAX_WIDTH else _NUMBER if numbers else _PLAIN


def add_about_sheet(book, notes: Sequence[str]) -> None:
    """Add the ``about`` sheet to a write-only workbook: one note a row in a wide, wrapped column A (what is
    counted, which codings, what ``<5`` means)."""
    from openpyxl.styles import Alignment

    about = book.create_sheet("about")
    about.column_dimensions["A"].width = ABOUT_WIDTH
    text = _text_cells(about, _style(about, None, Alignment(vertical="top", wrap_text=True)))
    for note in notes:
        about.append([text(_value(note) or "")])


def _value(value: object) -> object:
    """What a cell holds: None for nothing, numbers as Python numbers, anything else as a string."""
    if type(value).__module__ == "numpy":  # a DataFrame's int64, float64 or bool_
        value = value.item()  # type: ignore[attr-defined]
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return value if math.isfinite(value) else str(value)
    return xml_text(str(value)) or None  # a worksheet is XML: no control characters (openpyxl raises)


def _width(value: object) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return max(map(len, value.split("\n"))) if "\n" in value else len(value)
    return min(len(str(value)), _NUMBER_WIDTH)


def _style(sheet, font, alignment, number_format: str | None = None):
    """The style array of a cell with ``font``, ``alignment`` and ``number_format`` (None: the default), to
    share between cells: building each cell's style from its parts would cost more than writing the cell."""
    from openpyxl.cell import WriteOnlyCell

    if font is None and alignment is None and number_format is None:
        return None
    cell = WriteOnlyCell(sheet)
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    if number_format is not None:
        cell.number_format = number_format
    return cell._style


def _number_cells(sheet, style):
    """A function making number cells of ``sheet`` in ``style`` (one with a number format)."""
    from openpyxl.cell import Cell

    def number(value: float) -> Cell:
        return Cell(sheet, row=1, column=1, value=value, style_array=style)

    return number


def _text_cells(sheet, style):
    """A function making text cells of ``sheet`` in ``style`` (a style array or None)."""
    from openpyxl.cell import Cell

    def text(value: str) -> Cell:
        cell = Cell(sheet, row=1, column=1, value=value, style_array=style)
        cell.data_type = "s"  # text, never a formula or an error value
        return cell

    return text


def _decision_dropdown(ref: str):
    from openpyxl.worksheet.datavalidation import DataValidation

    dropdown = DataValidation(type="list", formula1='"' + ",".join(DECISION_CHOICES) + '"', allow_blank=True,
                              showErrorMessage=False, showInputMessage=True, promptTitle="decision",
                              prompt=DECISION_PROMPT)
    dropdown.add(ref)
    return dropdown


def freeze_zip(path: Path, package: bytes | None = None) -> None:
    """Write a zip package (.xlsx, .docx: ``package``, else the file at ``path``) to ``path`` with fixed entry
    dates and modes, in the same order, so the same content gives the same bytes."""
    from zipfile import ZipFile

    with ZipFile(io.BytesIO(package) if package is not None else path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    _write_frozen(path, entries)


def _write_frozen(path: Path, entries: Sequence[tuple[str, bytes]]) -> None:
    from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

    buffer = io.BytesIO()  # built in memory, written at once: a full disk cannot leave a half-closed zip
    with ZipFile(buffer, "w", ZIP_DEFLATED) as target:
        for name, data in entries:
            info = ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)
    path.write_bytes(buffer.getvalue())


def save_docx(document, path: Path, title: str, **properties) -> None:
    """Save a python-docx document with fixed bytes and the project's properties (``author``, ``date``, …;
    see :func:`qualcode.report.word_package.save_docx`). Raises OSError when it cannot be written."""
    from qualcode.report.word_package import save_docx as save

    save(document, path, title, **properties)


def save_xlsx(book, path: Path) -> None:
    """Save an openpyxl workbook so that two runs give identical bytes and its properties say nothing false:
    no author ("openpyxl") and no dates (its ``Workbook.save`` would stamp the current time), ``app.xml``
    naming qualcode rather than "Microsoft Excel", and fixed zip entry dates."""
    from zipfile import ZIP_STORED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    from qualcode.report.word_package import APP_XML

    replaced = {"docProps/app.xml": APP_XML.encode("utf-8"), "docProps/core.xml": _CORE_XML.encode("utf-8")}
    package = io.BytesIO()
    with ZipFile(package, "w", ZIP_STORED) as archive:  # compressed once, when the properties are replaced
        ExcelWriter(book, archive).save()
    with ZipFile(package) as source:
        entries = [(info.filename, replaced.get(info.filename) or source.read(info)) for info in source.infolist()]
    _write_frozen(path, entries)


# openpyxl cannot write core properties without a created date: an empty set says nothing false
_CORE_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
             'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>')


def write_table(path: Path, columns: Sequence[str], rows: Sequence[Mapping], *, title: str = "qualcode",
                notes: Sequence[str] = (), heading: Sequence[str] = (),
                number_formats: Mapping[str, str] | None = None,
                sheets: Sequence[tuple[str, Sequence[str], Sequence[Mapping]]] = ()) -> None:
    """Write ``rows`` (mappings keyed by ``columns``) to ``path`` in the format its suffix names.

    ``notes`` (what is counted, which codings) go above the table in Markdown and HTML, in an `about` sheet in
    XLSX and under `notes` in JSON. ``heading`` lines (DRAFT, what the numbers are) go where a reader of the
    table itself sees them: ``# `` comment lines at the top of a CSV, bold rows above an XLSX sheet's header;
    without them a CSV is a plain table. ``number_formats`` gives XLSX number columns a format (``0.0``).
    ``sheets`` (title, columns, rows) are further tables an XLSX file holds after the first (other formats hold
    one table and leave them out).
    Raises UsageError for an unknown suffix and OSError when the file cannot be written.
    """
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise UsageError(f"{path}: unsupported output format {suffix or '(none)'}; use "
                         f"{', '.join(TABLE_SUFFIXES)}")
    if suffix == ".xlsx":
        _xlsx(path, columns, rows, title, notes, heading, number_formats, sheets)
        return
    if suffix == ".csv":
        text = _csv(columns, rows, heading)
    elif suffix == ".json":
        records = [{c: row.get(c, "") for c in columns} for row in rows]
        data: object = {"notes": list(notes), "rows": records} if notes else records
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    elif suffix == ".md":
        text = "".join(f"{markdown_escape(n)}\n\n" for n in notes) + _markdown(columns, rows)
    else:
        text = _html(columns, rows, title, notes)
    path.write_text(text, encoding="utf-8", newline="")

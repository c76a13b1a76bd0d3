"""Writing a table of rows to a file chosen by its suffix (CSV, JSON, Markdown, HTML, XLSX)."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from qualcode.codings.sheets import FORMULA_START
from qualcode.errors import UsageError

TABLE_SUFFIXES = (".csv", ".json", ".md", ".html", ".xlsx")


def csv_safe(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(columns: Sequence[str], rows: Sequence[Mapping]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([csv_safe(row.get(c, "")) for c in columns] for row in rows)
    return buffer.getvalue()


def _markdown(columns: Sequence[str], rows: Sequence[Mapping]) -> str:
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
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


def _xlsx(path: Path, columns: Sequence[str], rows: Sequence[Mapping], title: str, notes: Sequence[str]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "Sheet1"
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(c, "") for c in columns])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
    if notes:
        about = book.create_sheet("about")
        for note in notes:
            about.append([note])
            about.cell(about.max_row, 1).data_type = "s"
    save_xlsx(book, path)


FIXED_DATE = (2000, 1, 1)


def freeze_zip(path: Path) -> None:
    """Rewrite a zip package (.xlsx, .docx) with fixed entry dates and modes, in the same order, so the same
    content gives the same bytes."""
    from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

    with ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with ZipFile(path, "w", ZIP_DEFLATED) as target:
        for name, data in entries:
            info = ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)


def save_docx(document, path: Path, title: str) -> None:
    """Save a python-docx document so that two runs give identical bytes: fixed core properties (author,
    dates, revision) and fixed zip entry dates."""
    import datetime as dt

    props = document.core_properties
    props.created = props.modified = props.last_printed = dt.datetime(*FIXED_DATE)
    props.author = props.last_modified_by = "qualcode"
    props.title = title
    props.revision = 1
    document.save(str(path))
    freeze_zip(path)


def save_xlsx(book, path: Path) -> None:
    """Save an openpyxl workbook so that two runs give identical bytes: fixed document dates (its
    ``Workbook.save`` would stamp the current time into ``docProps/core.xml``) and fixed zip entry dates."""
    import datetime as dt
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    book.properties.created = book.properties.modified = dt.datetime(*FIXED_DATE)
    with ZipFile(path, "w", ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()
    freeze_zip(path)


def write_table(path: Path, columns: Sequence[str], rows: Sequence[Mapping], *, title: str = "qualcode",
                notes: Sequence[str] = ()) -> None:
    """Write ``rows`` (mappings keyed by ``columns``) to ``path`` in the format its suffix names.

    ``notes`` (what is counted, which codings) go above the table in Markdown and HTML, in an `about` sheet in
    XLSX and under `notes` in JSON; CSV stays a plain table.
    Raises UsageError for an unknown suffix and OSError when the file cannot be written.
    """
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise UsageError(f"{path}: unsupported output format {suffix or '(none)'}; use "
                         f"{', '.join(TABLE_SUFFIXES)}")
    if suffix == ".xlsx":
        _xlsx(path, columns, rows, title, notes)
        return
    if suffix == ".csv":
        text = _csv(columns, rows)
    elif suffix == ".json":
        records = [{c: row.get(c, "") for c in columns} for row in rows]
        data: object = {"notes": list(notes), "rows": records} if notes else records
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    elif suffix == ".md":
        text = "".join(f"{n}\n\n" for n in notes) + _markdown(columns, rows)
    else:
        text = _html(columns, rows, title, notes)
    path.write_text(text, encoding="utf-8", newline="")

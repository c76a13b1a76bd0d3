"""Reading CSV text strictly: a stray quote is an error naming its line, never a swallowed file."""

from __future__ import annotations

import csv
import io

from qualcode.errors import InputFileError

# A cell may hold a long coded passage, but not more than this many characters (Python's default is 131,072).
MAX_CELL = 1_000_000


def csv_rows(text: str, where: str, *, multiline: bool = True) -> list[tuple[int, list[str]]]:
    """``(line number, cells)`` of every row of CSV ``text``, parsed strictly.

    A quote that opens a value and never closes, text after a closing quote, or a cell over
    :data:`MAX_CELL` characters raises InputFileError at ``where:LINE``. With ``multiline`` false, a quoted
    value running over several lines is an error too (a stray quote that swallowed the next rows).
    """
    previous = csv.field_size_limit()
    csv.field_size_limit(MAX_CELL)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return rows
            except csv.Error as exc:
                raise InputFileError(_message(str(exc), start, reader.line_num), where=f"{where}:{start}") from None
            if not multiline and reader.line_num > start:
                raise InputFileError(f"a quoted value runs from line {start} to line {reader.line_num}: a stray "
                                     "quote (\")? Remove it, or double it (\"\") inside a quoted value",
                                     where=f"{where}:{start}")
            rows.append((start, cells))
            start = reader.line_num + 1
    finally:
        csv.field_size_limit(previous)


def _message(error: str, start: int, end: int) -> str:
    if "field larger than field limit" in error:
        return f"a cell longer than {MAX_CELL:,} characters; split it"
    if "unexpected end of data" in error or "EOF" in error:
        return (f"a quote (\") opens a value here that never closes (the file ends at line {end}): remove the "
                "stray quote, or close it")
    if "expected after" in error:
        return "text after a closing quote (\"): double a quote inside a quoted value (\"\"), or remove it"
    return f"not valid CSV ({error})"

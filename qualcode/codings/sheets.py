"""Reading CSV and XLSX sheets of codings or decisions, as other tools and reviewers write them."""

from __future__ import annotations

import math
import re
from pathlib import Path

from qualcode.errors import InputFileError, UsageError
from qualcode.ingest.csvfile import csv_rows
from qualcode.ingest.encoding import decode
from qualcode.ingest.zipcheck import check_zip

# Leading characters a spreadsheet reads as a formula: written with a guarding apostrophe, read back without.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


DECISION = "decision"  # the empty last column of CSV and XLSX exports, filled in for review or adjudication
DECISION_CHOICES = ("accept", "reject")  # offered in the XLSX dropdown; recode:CODE is typed
DECISION_PROMPT = ("Choose accept or reject, or type recode:CODE (a code id, label or path) to give this "
                   "text another code.")

def read_sheet(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX file as dicts keyed by lowercased header; CSV formula guards are removed.

    Raises InputFileError for unreadable files and UsageError for other suffixes.
    """
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        import zipfile

        from openpyxl import load_workbook

        check_zip(path, str(path), "Excel .xlsx file")
        try:
            sheet = load_workbook(path, read_only=True, data_only=True).active
            values = [["" if v is None else _cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        except (zipfile.BadZipFile, OSError, KeyError):
            raise InputFileError("not a readable .xlsx file", where=str(path)) from None
        except Exception as exc:  # noqa: BLE001 - another program's file can break openpyxl in many ways
            raise InputFileError(f"damaged .xlsx file ({str(exc)[:120] or type(exc).__name__}): open and save it "
                                 "again in Excel or LibreOffice, or save it as .csv", where=str(path)) from None
    elif suffix == ".csv":
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(f"cannot read: {exc.strerror}", where=str(path)) from None
        text, _ = decode(data, str(path))
        values = [[_unguard(cell) for cell in row] for _, row in csv_rows(text, str(path))]
    else:
        raise UsageError(f"{path}: import reads .csv or .xlsx")
    if not values:
        return []
    header = [h.strip().casefold() for h in values[0]]
    # a row may be shorter than the header: spreadsheets leave trailing empty cells out (the empty decision)
    padding = [""] * len(header)
    return [dict(zip(header, [*row, *padding])) for row in values[1:] if any(cell.strip() for cell in row)]

def _cell(value: object) -> str:
    # Excel may store a whole number typed into a cell as 12.0
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)

def _unguard(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:2] in FORMULA_START else cell

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


# -- naming documents and codes as other tools do -----------------------------------------------------------

def parse_decision(cell: str) -> tuple[str, str | None] | None:
    """``accept``, ``reject`` or ``recode:CODE`` (any case, spaces allowed) as ``(action, code)``; None when
    blank. Raises UsageError for anything else."""
    text = cell.strip()
    if not text:
        return None
    action, _, code = text.partition(":")
    action = action.strip().casefold()
    if action in DECISION_CHOICES and not code.strip():
        return action, None
    if action == "recode" and code.strip():
        return "recode", code.strip()
    raise UsageError(f"unknown decision {text!r}; use accept, reject or recode:CODE")


# -- importing a coder's work --------------------------------------------------------------------------------

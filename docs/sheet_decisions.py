"""`<!-- docs: decide SHEET -->` of docs/examples.py: a Markdown table of decisions on the page, typed into
the `decision` column of an exported review or adjudication sheet as a reviewer would in Excel."""

from __future__ import annotations

import csv
from pathlib import Path


class TableError(ValueError):
    """A decision table that cannot be applied; ``line`` is the table line at fault (0: the header)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def fill_decisions(path: Path, table: list[str]) -> None:
    """Write each decision of ``table`` (Markdown lines with document, turn, code, text and decision columns;
    any other column, such as coder, must match too) into the one row of the sheet at ``path`` (.xlsx or .csv)
    that has those values. A text ending in `…` matches a text that starts so.

    Raises TableError when a column is missing or a table row matches no row, or several.
    """
    rows = [[cell.strip().strip("`") for cell in line.strip().strip("|").split("|")] for line in table]
    header, wanted = [h.lower() for h in rows[0]], rows[2:]
    needed = ("document", "turn", "code", "text")
    if not {*needed, "decision"} <= set(header):
        raise TableError(0, f"a decide table needs the columns {', '.join(needed)} and decision")
    keys = [name for name in header if name != "decision"]  # any other column (coder) must match too
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path)
        cells = [[c.value for c in row] for row in book.active.iter_rows()]
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            cells = list(csv.reader(handle))
    names = [str(n) for n in cells[0]]
    missing = [name for name in (*keys, "decision") if name not in names]
    if missing:
        raise TableError(0, f"{path.name} has no column {', '.join(missing)}")
    column = {name: names.index(name) for name in (*keys, "decision")}

    def same(cell: object, wanted: str) -> bool:  # a text ending in … stands for the text it starts
        cell = str(cell if cell is not None else "").strip()
        return cell.startswith(wanted[:-1]) if wanted.endswith("…") else cell == wanted

    for line, entry in enumerate(wanted, start=2):
        want = dict(zip(header, entry))
        hits = [n for n, row in enumerate(cells[1:], start=1) if all(same(row[column[k]], want[k]) for k in keys)]
        if len(hits) != 1:
            raise TableError(line, f"{len(hits)} rows of {path.name} have document {want['document']}, turn "
                             f"{want['turn']}, code {want['code']} and text {want['text']!r} (1 expected)")
        cells[hits[0]][column["decision"]] = want["decision"]
    if path.suffix == ".xlsx":
        for n, row in enumerate(cells[1:], start=2):
            book.active.cell(n, column["decision"] + 1, row[column["decision"]])
        book.save(path)
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(cells)

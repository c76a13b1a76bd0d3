"""`qualcode codings import FILE --review`: applying the decisions a reviewer wrote in an exported sheet
(accept, reject, recode:CODE) through :mod:`qualcode.decisions`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.codebook.load import Codebook
from qualcode.codebook.names import resolve_code, unknown_code
from qualcode.codings.decisions import decide
from qualcode.codings.sheets import DECISION, parse_decision, read_sheet, whole_number
from qualcode.errors import InputFileError, Problem, UsageError
from qualcode.project.crash import crash_point
from qualcode.project.store import CodingRow, Store


@dataclass
class ReviewReport:
    """What `codings import --review` applied; exit code 1 when any row could not be applied."""

    applied: Counter = field(default_factory=Counter)  # accept / reject / recode
    unchanged: int = 0  # rows whose decision was already in the store (a sheet imported twice)
    blank: int = 0  # rows without a decision, left as they are
    failures: list[Problem] = field(default_factory=list)

    @property
    def return_code(self) -> int:
        """1 when any row failed."""
        return 1 if self.failures else 0


def apply_review(store: Store, book: Codebook, path: Path, reviewer: str | None) -> ReviewReport:
    """Apply the ``decision`` column of a reviewed export through :func:`qualcode.decisions.decide`; the
    caller holds the transaction. ``recode:CODE`` codes the span as ``reviewer``. A row is checked against
    its coding (same document, start and end) so a sheet from another project cannot change the wrong one.

    Raises InputFileError when the sheet has no ``id`` or ``decision`` column.
    """

    rows = read_sheet(path)
    report = ReviewReport()
    if rows and not {"id", DECISION} <= set(rows[0]):
        raise InputFileError("a reviewed sheet needs the `id` and `decision` columns of `qualcode codings "
                             "export`", where=f"{path}:1")
    for line, row in enumerate(rows, start=2):
        where = f"{path}:{line}"
        try:
            decision = parse_decision(row.get(DECISION, ""))
        except UsageError as exc:
            report.failures.append(Problem(where, exc.message))
            continue
        if decision is None:
            report.blank += 1
            continue
        action, code_name = decision
        coding_id = whole_number(row.get("id", ""))
        coding = store.coding(coding_id) if coding_id is not None else None
        if coding is None:
            report.failures.append(Problem(where, f"unknown coding id {row.get('id', '').strip()!r}"))
            continue
        sheet_span = (row.get("document", "").strip() or coding.document, whole_number(row.get("start", "")),
                      whole_number(row.get("end", "")))
        if sheet_span[0] != coding.document or sheet_span[1] not in (None, coding.start) \
                or sheet_span[2] not in (None, coding.end):
            report.failures.append(Problem(where, f"coding {coding_id} is not the one in this row (document or "
                                                  "span differ): export a fresh sheet"))
            continue
        target = resolve_code(book, code_name) if code_name else None
        if code_name and target is None:
            report.failures.append(Problem(where, unknown_code(book, code_name)))
            continue
        if _already(store, coding, action, target.id if target else None, reviewer):
            report.unchanged += 1
            continue
        try:
            decide(store, book, coding.id, action, reviewer=reviewer, code=target.id if target else None)
        except UsageError as exc:
            report.failures.append(Problem(where, exc.message))
            continue
        report.applied[action] += 1
        crash_point("review")
    return report


def _already(store: Store, coding: CodingRow, action: str, code: str | None, reviewer: str | None) -> bool:
    if action == "accept":
        return coding.status == "accepted"
    if action == "reject":
        return coding.status == "rejected"
    return coding.status == "rejected" and any(
        c.coder == reviewer and c.code == code and (c.start, c.end) == (coding.start, coding.end)
        for c in store.codings(coding.document))

"""`qualcode codings import FILE --review`: applying the decisions a reviewer wrote in an exported sheet
(accept, reject, recode:CODE) through :mod:`qualcode.codings.decisions` — each only to the coding its row shows.

A row names its coding by ``id``, but the id is only a hint: the row's ``check`` (the fingerprint the export
wrote of its document, code, coder, span and text) must fit that coding, and so must every one of those cells
the row still has. A sheet from another copy of the project (whose ids are shifted), a column sorted on its
own, a ``code`` cell typed over: each such row is refused with its line, and then nothing is applied unless
the caller asks for a partial import. The sheet streams; every problem is handed to ``on_problem`` as it is
found."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.codebook.load import Code, Codebook
from qualcode.codebook.names import resolve_code, unknown_code
from qualcode.codings.decisions import decide
from qualcode.codings.export import CHECK, SHOWN, ShownText, comparable, fingerprint, shown_fields
from qualcode.codings.pseudonyms import stored
from qualcode.codings.sheets import DECISION, NEW_CODE, Sheet, Unsaved, open_sheet, row_decision, whole_number
from qualcode.errors import InputFileError, Problem, UsageError
from qualcode.project.crash import crash_point
from qualcode.project.store import CodingRow, Store

LISTED = 100  # refused rows a report keeps; every one is handed to on_problem
USED = ("id", *SHOWN, CHECK, NEW_CODE, DECISION)  # the columns a review reads
EXCEL_CELL = 32_767  # the most characters Excel keeps in a cell: a longer text comes back cut


@dataclass
class ReviewReport:
    """What `codings import --review` found and applied. Decisions are applied only when no row was refused,
    or with ``partial``; the exit code is 1 when any row was refused."""

    decided: Counter = field(default_factory=Counter)  # accept / reject / recode rows that passed every check
    unchanged: int = 0  # rows whose decision was already in the store (a sheet imported twice)
    blank: int = 0  # rows without a decision, left as they are
    refused: int = 0  # rows not applied (each is reported)
    failures: list[Problem] = field(default_factory=list)  # the first LISTED of them
    notes: list[Problem] = field(default_factory=list)
    partial: bool = False  # apply the good rows although some were refused

    @property
    def committed(self) -> bool:
        """Whether the decided rows were applied: no row refused, or a partial import."""
        return not self.refused or self.partial

    @property
    def applied(self) -> Counter:
        """The decisions applied, by action (none when refused rows stopped the import)."""
        return self.decided if self.committed else Counter()

    @property
    def return_code(self) -> int:
        """1 when any row was refused."""
        return 1 if self.refused else 0


@dataclass
class _Decided:
    line: int
    coding: CodingRow
    action: str
    code: str | None  # the recode's code id

    def says(self) -> str:
        return f"recode:{self.code}" if self.action == "recode" else self.action


def apply_review(store: Store, book: Codebook, path: Path, reviewer: str | None, *, partial: bool = False,
                 on_problem: Callable[[Problem], None] | None = None) -> ReviewReport:
    """Apply the decisions of a reviewed export (``decision``, or a ``new_code`` asking for a recode) through
    :func:`qualcode.codings.decisions.decide`, each only to the coding its row shows; the caller holds the
    transaction. ``recode:CODE`` codes the span as ``reviewer``. When any row is refused — an unknown id or
    decision, a row that does not fit its coding, a changed ``code`` cell, a formula without a saved value, two
    different decisions for one coding — nothing is applied unless ``partial``. Every refused row and every
    note goes to ``on_problem`` as the sheet streams.

    Raises InputFileError when the file has no sheet with the ``id`` and ``decision`` columns of `qualcode
    codings export`, or cannot be read.
    """
    report = ReviewReport(partial=partial)
    with open_sheet(path, wanted=("id", DECISION), keep=USED) as sheet:
        missing = [c for c in ("id", DECISION) if c not in sheet.header]
        if missing:
            raise InputFileError(f"a reviewed sheet needs the `id` and `decision` columns of `qualcode codings "
                                 f"export` (no {' or '.join(missing)} column); nothing was applied", where=f"{path}:1")
        twice = [c for c in sheet.repeated if c in USED]
        if twice:
            raise InputFileError(f"two columns are named {' and '.join(twice)}: rename or delete one; nothing was "
                                 "applied", where=f"{path}:1")
        matcher = _Matcher(store, book, CHECK in sheet.header, [c for c in SHOWN if c in sheet.header])
        reading = _Reading(report, matcher, sheet, reviewer, on_problem)
        for note in sheet.notes:
            reading.tell(Problem(str(path), note, "note"))
        if not matcher.checked:
            reading.tell(Problem(str(path), (
                f"no check column (an older export): rows are matched by id and checked only by the columns present "
                f"({', '.join(matcher.columns)}); export a fresh sheet to check every row in full" if matcher.columns
                else "no check, document, code, span or text columns: each row is taken by its id alone"), "note"))
        for line, row in sheet.rows:
            reading.row(f"{path}:{line}", line, row)
    todo = []
    for item in reading.decided.values():
        if item.coding.id in reading.clashes:
            continue
        if _already(store, item.coding, item.action, item.code, reviewer):
            report.unchanged += 1
        else:
            report.decided[item.action] += 1
            todo.append(item)
    if report.committed:
        for item in todo:
            decide(store, book, item.coding.id, item.action, reviewer=reviewer, code=item.code)
            crash_point("review")
    return report


class _Reading:
    """The rows of one sheet as they are read: each checked, its decision noted (one per coding)."""

    def __init__(self, report: ReviewReport, matcher: _Matcher, sheet: Sheet, reviewer: str | None,
                 on_problem: Callable[[Problem], None] | None) -> None:
        self.report, self.matcher, self.sheet, self.on_problem = report, matcher, sheet.name, on_problem
        self.reviewer = reviewer
        self.formulas = sheet.path.suffix.lower() == ".xlsx"  # only a workbook has formula cells
        self.decided: dict[int, _Decided] = {}
        self.clashes: dict[int, list[int]] = {}  # coding id -> the lines deciding it differently
        self.where = ""  # the row being read

    def tell(self, problem: Problem) -> None:
        """Count and hand on a problem: an error refuses its row."""
        if problem.severity == "error":
            self.report.refused += 1
            if len(self.report.failures) < LISTED:
                self.report.failures.append(problem)
        else:
            self.report.notes.append(problem)
        if self.on_problem is not None:
            self.on_problem(problem)

    def row(self, where: str, line: int, row: dict[str, str]) -> None:
        """Check one row and note its decision."""
        self.where = where
        refused = self._check(line, row)
        if refused is not None:
            self.tell(Problem(where, refused))

    def _check(self, line: int, row: dict[str, str]) -> str | None:
        """The message refusing the row, or None (its decision noted, or it has none)."""
        matcher = self.matcher
        unsaved = next((v for v in row.values() if isinstance(v, Unsaved)), None) if self.formulas else None
        if unsaved is not None:
            formula = unsaved.formula if len(unsaved.formula) <= 40 else unsaved.formula[:39] + "…"
            return (f"cell {unsaved.cell} of worksheet {self.sheet!r} holds a formula ({formula}) and the file keeps "
                    "no value for it (qualcode does not compute formulas): replace the formulas by their values "
                    "(copy, then Paste Special › Values) and save")
        try:
            decision = row_decision(row, same=matcher.same_code)
        except UsageError as exc:
            return exc.message
        coding_id = whole_number(row.get("id", ""))
        coding = matcher.codings.get(coding_id) if coding_id is not None else None
        if decision is None:
            self.report.blank += 1
            # a blank row decides nothing, but a code typed over its cell is a recode the row does not ask for
            retyped = matcher.retyped_code(row, coding) if coding is not None else None
            self.report.blank -= retyped is not None
            return retyped
        action, code_name = decision
        if coding is None:
            given = row.get("id", "").strip()
            return (f"unknown coding id {given!r}" if given else "no coding id in this row") + matcher.shown_by(row)
        target = matcher.resolve(code_name) if code_name else None
        if code_name and target is None:
            return unknown_code(matcher.book, code_name)
        if action == "recode" and not self.reviewer:
            return "a recode needs the reviewer's name (--coder, or [project] coder in qualcode.toml)"
        mismatch = matcher.mismatch(row, coding, target)
        if mismatch:
            return mismatch
        return self._once(_Decided(line, coding, action, target.id if target else None))

    def _once(self, this: _Decided) -> str | None:
        """Note ``this`` decision, unless its coding has another one in the sheet: then refuse both."""
        coding_id = this.coding.id
        if coding_id in self.clashes:
            earlier = self.clashes[coding_id]
            earlier.append(this.line)
            return (f"coding {coding_id} is decided more than once (lines {', '.join(map(str, earlier[:-1]))} and "
                    "this one): keep one decision for it")
        first = self.decided.get(coding_id)
        if first is None:
            self.decided[coding_id] = this
            return None
        if (first.action, first.code) == (this.action, this.code):
            self.tell(Problem(self.where, f"repeats line {first.line}'s decision for coding {coding_id} "
                                          f"({this.says()}): applied once", "note"))
            return None
        self.clashes[coding_id] = [first.line, this.line]
        self.report.refused += 1  # the first line is refused too; this line's message names both
        return (f"coding {coding_id} is decided twice: line {first.line} says {first.says()}, this line says "
                f"{this.says()}; neither is applied: keep one of them")


class _Matcher:
    """The project's codings as rows of a review sheet are matched against them."""

    def __init__(self, store: Store, book: Codebook, checked: bool, columns: list[str]) -> None:
        self.book, self.checked, self.columns = book, checked, columns
        self.codings = {c.id: c for c in store.codings()}
        self.shown = ShownText(stored(store), lambda doc: store.document(doc).text)
        self._by_check: dict[str, list[int]] | None = None

    def resolve(self, name: str) -> Code | None:
        """The code ``name`` means, typed in any Unicode normal form (the codebook's labels may be either)."""
        return (resolve_code(self.book, unicodedata.normalize("NFC", name))
                or resolve_code(self.book, unicodedata.normalize("NFD", name)))

    def same_code(self, a: str, b: str) -> bool:
        """Whether two code names mean the same code (or, unknown, are spelled alike)."""
        found_a, found_b = self.resolve(a), self.resolve(b)
        if found_a is not None and found_b is not None:
            return found_a.id == found_b.id
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()

    def expected(self, coding: CodingRow) -> tuple[dict[str, object], set[str], set[str]]:
        """What an export shows of ``coding``, the checks that fit it and the texts (comparable) it may show:
        as now, and — when a pseudonymisation key was set after the export — its stored text and document."""
        text, document = self.shown(coding), self.shown.document(coding.document)
        fields = shown_fields(coding, text, document)
        checks, texts = {fingerprint(fields)}, {comparable(text)}
        if (text, document) != (coding.text, coding.document):
            checks.add(fingerprint(shown_fields(coding, coding.text)))
            texts.add(comparable(coding.text))
        return fields, checks, texts

    def differ(self, row: dict[str, str], coding: CodingRow) -> list[str]:
        """The columns whose (non-blank) cell does not show what ``coding``'s export shows."""
        fields, _, texts = self.expected(coding)
        out = []
        for column in self.columns:
            cell = row.get(column, "")
            if not cell.strip():
                continue
            if column in ("start", "end"):
                same = whole_number(cell) == fields[column]
            elif column == "text":
                seen = comparable(cell)
                same = seen in texts or (len(cell) >= EXCEL_CELL and any(t.startswith(seen) for t in texts))
            elif column == "code":
                same = self._code_is(cell, coding.code)
            elif column == "coder":
                same = cell.strip().casefold() == coding.coder.casefold()
            elif column == "document":  # as shown (pseudonymised), or as stored (a sheet from before the key)
                same = cell.strip() in (fields[column], coding.document)
            else:
                same = cell.strip() == fields[column]
            if not same:
                out.append(column)
        return out

    def _code_is(self, cell: str, code: str) -> bool:
        found = self.resolve(cell) if cell.strip() != code else None
        return cell.strip() == code or (found is not None and found.id == code)

    def mismatch(self, row: dict[str, str], coding: CodingRow, target: Code | None) -> str | None:
        """Why ``row`` may not decide ``coding`` (the one its id names), or None when it shows exactly that
        coding. A code cell naming the code of the row's own recode counts as unchanged."""
        differ = self.differ(row, coding)
        if differ == ["code"] and target is not None and self._code_is(row["code"], target.id):
            differ = []
        if not self.checked:
            return self._differs(row, coding, differ) if differ else None
        check = row.get(CHECK, "").strip().casefold()
        if not check:
            return ("the check cell is empty, so the row does not say which coding it shows: export a fresh sheet "
                    "(or put the row's check back)")
        if check in self.expected(coding)[1]:
            return self._differs(row, coding, differ) if differ else None
        others = [self.codings[i] for i in self.by_check(check) if i != coding.id]
        if len(others) == 1 and not self.differ(row, others[0]):
            other = others[0]
            return (f"this row shows coding {other.id} ({self.shown.document(other.document)}, {other.code}, "
                    f"{other.start}–{other.end}), "
                    f"but its id says {coding.id}: the sheet comes from another copy of the project, or its id "
                    f"column was sorted or edited; export a fresh sheet from this project (or write {other.id} in "
                    "the id cell)")
        if not differ:
            return (f"the check {check!r} does not fit coding {coding.id}, which the rest of the row shows: was the "
                    "check column sorted or edited? Export a fresh sheet")
        return (f"coding {coding.id} is not the one in this row (check, {', '.join(differ)} differ): the sheet comes "
                "from another project or copy, or a column was sorted on its own; export a fresh sheet")

    def _differs(self, row: dict[str, str], coding: CodingRow, differ: list[str]) -> str:
        if differ == ["code"]:
            typed = row["code"].strip()
            return (f"the code cell says {typed!r} but coding {coding.id} is coded {coding.code!r}: to recode, write "
                    f"recode:{typed} in `decision` or fill `new_code`, and leave `code` as exported")
        return (f"coding {coding.id} is not the one in this row ({', '.join(differ)} "
                f"{'differs' if len(differ) == 1 else 'differ'}): a column sorted on its own, a cell edited, or a "
                "sheet from another project or copy; export a fresh sheet")

    def retyped_code(self, row: dict[str, str], coding: CodingRow) -> str | None:
        """For a row without a decision: the message when, of all it shows, only its code cell was changed from
        its coding's (and its check, if any, fits that coding)."""
        cell = row.get("code", "")
        if "code" not in self.columns or not cell.strip() or self._code_is(cell, coding.code):
            return None
        if self.differ(row, coding) != ["code"]:
            return None
        if self.checked and row.get(CHECK, "").strip().casefold() not in self.expected(coding)[1]:
            return None
        return (f"the code cell says {cell.strip()!r} but coding {coding.id} is coded {coding.code!r}, and the "
                f"decision is blank: to recode, write recode:{cell.strip()} in `decision` or fill `new_code`; "
                "otherwise put the code back")

    def by_check(self, check: str) -> list[int]:
        """The ids of the codings ``check`` fits (the index is built on first use)."""
        if self._by_check is None:
            self._by_check = {}
            for coding in self.codings.values():
                for fits in self.expected(coding)[1]:
                    self._by_check.setdefault(fits, []).append(coding.id)
        return self._by_check.get(check, [])

    def shown_by(self, row: dict[str, str]) -> str:
        """For a row whose id names no coding: which coding its check fits, if exactly one."""
        check = row.get(CHECK, "").strip().casefold()
        found = self.by_check(check) if self.checked and check else []
        return (f"; its check fits coding {found[0]}: is the sheet from another copy of the project? Export a "
                "fresh sheet") if len(found) == 1 else ""


def _already(store: Store, coding: CodingRow, action: str, code: str | None, reviewer: str | None) -> bool:
    if action == "accept":
        return coding.status == "accepted"
    if action == "reject":
        return coding.status == "rejected"
    return coding.status == "rejected" and any(
        c.coder == reviewer and c.code == code and (c.start, c.end) == (coding.start, coding.end)
        for c in store.codings(coding.document))

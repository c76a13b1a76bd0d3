"""A review sheet can only decide the coding it shows (issue 24), as a property: a sheet exported from one
project, shuffled, with one column sorted on its own, columns deleted, cells edited and rows repeated, then
imported (with --partial, so every row that passes is applied) into the project itself or into a copy whose ids
are shifted — no decision ever reaches a coding other than the one its row shows."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import openpyxl
import pytest
from helpers import make_project
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import qualcode
from qualcode.errors import QualcodeError
from qualcode.project.store import open_store

CODEBOOK = """\
codebook: Review test
version: "1"
codes:
  - id: language
    label: Language barriers
    definition: Language.
    rules:
      - keywords: [interpreter, "speak Kinh"]
    children:
      - id: language.literacy
        label: Literacy
        definition: Reading.
        rules:
          - keywords: [read]
  - id: workload
    label: Workload
    definition: Work.
    rules:
      - keywords: [housework, fields]
"""
# the colleague's codebook: one more code, first, matching once in each interview, so later ids shift
SHIFTED = CODEBOOK.replace("codes:\n", "codes:\n  - id: health\n    label: Health care\n    definition: Health.\n"
                                       "    rules:\n      - keywords: [nurse]\n", 1)
TRANSCRIPTS = {
    "IDI-01.txt": "Interviewer: Is there an interpreter?\nRespondent: No interpreter. The nurse speaks Kinh only. "
                  "I cannot read.\nInterviewer: And at home?\nRespondent: Housework all day. Then the fields.\n",
    "IDI-02.txt": "Interviewer: How is the clinic?\nRespondent: The nurse cannot speak Kinh well either. No "
                  "interpreter. I cannot read the forms.\nInterviewer: And work?\nRespondent: Housework all day. "
                  "The fields are far.\n",
}
SHOWN = ("id", "document", "code", "coder", "start", "end", "text", "check")  # what a row says of its coding
NAMES = {"language": "language", "language barriers": "language", "workload": "workload",
         "language.literacy": "language.literacy", "literacy": "language.literacy", "health": "health"}
DECISIONS = ["", "", "accept", "reject", "recode:workload", "recode:Language barriers", "Accept"]


def _project(root: Path, codebook: str) -> Path:
    make_project(root, TRANSCRIPTS, codebook, config='coder = "lan"\n')
    qualcode.open_project(root).code()
    return root


def _table(project: Path, statuses: list[str], path: Path) -> list[dict[str, str]]:
    qualcode.open_project(project).export_codings(path, statuses=statuses)
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def projects(tmp_path_factory):
    """The original project, its colleague's copy with shifted ids, the review sheet exported from the original,
    and each project's full export (every coding as a sheet shows it, by id)."""
    root = tmp_path_factory.mktemp("shift")
    original, shifted = _project(root / "original", CODEBOOK), _project(root / "shifted", SHIFTED)
    sheet = _table(original, ["suggested"], root / "sheet.csv")
    everything = ["suggested", "accepted", "rejected"]
    shows = {name: {row["id"]: row for row in _table(path, everything, root / f"{name}.csv")}
             for name, path in (("original", original), ("shifted", shifted))}
    assert len(sheet) >= 8 and len(shows["shifted"]) == len(sheet) + 2
    assert [shows["shifted"][r["id"]]["check"] == r["check"] for r in sheet].count(False) >= len(sheet) - 3
    return {"original": original, "shifted": shifted}, sheet, shows


def _operations(columns: list[str], rows: int):
    column = st.sampled_from(columns)
    row = st.integers(0, rows - 1)
    return st.lists(st.one_of(
        st.tuples(st.just("shuffle"), st.permutations(range(rows))),
        st.tuples(st.just("sort"), column, st.booleans()),
        st.tuples(st.just("delete"), st.sampled_from([c for c in columns if c != "decision"])),
        st.tuples(st.just("copy"), row, column, row),  # a cell takes another row's value in its column
        st.tuples(st.just("type"), row, column, st.sampled_from(["workload", "language", "x", "", "3", "IDI-02"])),
        st.tuples(st.just("repeat"), row)), max_size=4)


def _apply(table: list[dict[str, str]], columns: list[str], operations) -> tuple[list[dict[str, str]], list[str]]:
    table = [dict(row) for row in table]
    for operation in operations:
        kind = operation[0]
        if kind == "shuffle":
            order = [i for i in operation[1] if i < len(table)] + list(range(len(operation[1]), len(table)))
            table = [table[i] for i in order]
        elif kind == "sort" and operation[1] in columns:
            values = sorted((row[operation[1]] for row in table), reverse=operation[2])
            for row, value in zip(table, values):
                row[operation[1]] = value
        elif kind == "delete" and operation[1] in columns:
            columns = [c for c in columns if c != operation[1]]
        elif kind == "copy" and operation[2] in columns:
            table[operation[1] % len(table)][operation[2]] = table[operation[3] % len(table)][operation[2]]
        elif kind == "type" and operation[2] in columns:
            table[operation[1] % len(table)][operation[2]] = operation[3]
        elif kind == "repeat":
            table.append(dict(table[operation[1] % len(table)]))
    return table, columns


def _write(path: Path, table: list[dict[str, str]], columns: list[str]) -> None:
    if path.suffix == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(table)
        return
    book = openpyxl.Workbook()
    book.active.append(columns)
    for row in table:  # numbers as Excel keeps them, the rest as text
        book.active.append([int(row[c]) if row[c].isdigit() else row[c] or None for c in columns])
    book.save(path)


def _state(project: Path) -> dict[int, tuple]:
    store = open_store(project / ".qualcode" / "qualcode.db")
    try:
        return {c.id: (c.document, c.start, c.end, c.code, c.coder, c.status) for c in store.codings()}
    finally:
        store.close()


def _target(decision: str, new_code: str) -> str | None:
    text = decision.strip()
    if text.casefold().startswith("recode:"):
        return NAMES.get(" ".join(text.split(":", 1)[1].split()).casefold())
    return NAMES.get(" ".join(new_code.split()).casefold()) if new_code.strip() else None


def _shows(row: dict[str, str], columns: list[str], coding: dict[str, str], target: str | None) -> bool:
    """Whether every identifying cell the row still has says what the coding's own export row says (a code cell
    may also name the code the row recodes to)."""
    for column in SHOWN:
        cell = row.get(column, "") if column in columns else ""
        if not cell.strip():
            continue
        if column == "text":
            same = " ".join(cell.split()) == " ".join(coding["text"].split())
        elif column == "code":
            named = NAMES.get(cell.strip().casefold())
            same = named == coding["code"] or (target is not None and named == target)
        else:
            same = cell.strip().casefold() == coding[column].casefold()
        if not same:
            return False
    return True


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_decision_reaches_a_coding_its_row_does_not_show(projects, data, tmp_path_factory) -> None:
    """After any shuffling, sorting of one column, deleting of columns, editing and repeating of rows, every
    coding an import changed was shown, cell for cell, by a row whose decision made exactly that change."""
    paths, sheet, shows = projects
    name = data.draw(st.sampled_from(["original", "shifted"]), label="into")
    columns = list(sheet[0])
    table = [dict(row, decision=data.draw(st.sampled_from(DECISIONS)),
                  new_code=data.draw(st.sampled_from(["", "", "", "workload", "Literacy"]))) for row in sheet]
    operations = data.draw(_operations(columns, len(table)), label="operations")
    table, kept = _apply(table, columns, operations)
    root = tmp_path_factory.mktemp("into")
    shutil.copytree(paths[name], root / "project")
    project = root / "project"
    path = root / f"sheet{data.draw(st.sampled_from(['.csv', '.xlsx']))}"
    _write(path, table, kept)
    before = _state(project)
    try:
        report = qualcode.open_project(project).apply_review(path, reviewer="minh", partial=True)
    except QualcodeError:
        report = None
    after = _state(project)
    event(f"into {name}: {sum(after.get(i) != was for i, was in before.items())} codings changed, "
          f"{'refused rows' if report is None or report.refused else 'no row refused'}")
    deciding = [row for row in table if "decision" in kept and (row["decision"].strip() or
                                                                ("new_code" in kept and row["new_code"].strip()))]
    for coding_id, was in before.items():
        now = after[coding_id]
        if now == was:
            continue
        assert now[:5] == was[:5]
        coding = shows[name][str(coding_id)]
        fitting = []
        for row in deciding:
            new_code = row["new_code"] if "new_code" in kept else ""
            target = _target(row["decision"], new_code)
            if not _shows(row, kept, coding, target):
                continue
            action = "recode" if target else row["decision"].strip().casefold()
            fitting.append(action)
        assert fitting, f"coding {coding_id} changed to {now[5]} by no row that shows it"
        expected = {"accept": "accepted", "reject": "rejected", "recode": "rejected"}
        assert all(expected.get(a) == now[5] for a in fitting), (coding_id, now, fitting)
    for coding_id in set(after) - set(before):
        document, start, end, code, coder, status = after[coding_id]
        assert (coder, status) == ("minh", "accepted")
        recoded = [i for i, was in before.items() if was[:3] == (document, start, end) and after[i][5] == "rejected"]
        assert recoded, f"recode {coding_id} ({code}) of no rejected coding of its span"
    if not operations and name == "original":  # nothing moved: every decision is applied, but a new_code that
        # contradicts the decision beside it
        clash = [row for row in deciding if row["new_code"].strip() and row["decision"].strip() and
                 _target(row["decision"], "") != _target("", row["new_code"])]
        assert report is not None and report.refused == len(clash)
        assert sum(report.decided.values()) + report.unchanged == len(deciding) - len(clash)

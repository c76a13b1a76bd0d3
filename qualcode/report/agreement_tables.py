"""Agreement and evaluation reports as tables and files: CSV, XLSX and the Word adjudication sheet.

Undefined statistics are written as ``undefined``; kappa, alpha, precision, recall and F1 are rounded to three
decimals, percent agreement to one. Writers dispatch by the output file's suffix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from qualcode.analysis.agreement import AgreementReport, EvaluationReport
from qualcode.analysis.units import Unit, UnitKind
from qualcode.errors import UsageError, writing
from qualcode.report.safe_text import xml_text
from qualcode.report.tables import save_docx, save_xlsx, write_table

UNDEFINED = "undefined"
Table = tuple[list[str], list[dict]]


def stat(value: float | None, digits: int = 3) -> float | str:
    """``value`` rounded, or ``undefined``."""
    return UNDEFINED if value is None else round(value, digits)


def agreement_table(report: AgreementReport) -> Table:
    """One row per code (codebook order) and the pooled row."""
    a, b = report.coders
    columns = ["code", "label", "level", "units", "both", f"only {a}", f"only {b}", "neither", "agreement %",
               "kappa", "alpha"]
    rows = [{"code": r.code, "label": r.label, "level": r.level or "", "units": r.units, "both": r.both,
             f"only {a}": r.only_a, f"only {b}": r.only_b, "neither": r.neither,
             "agreement %": stat(r.percent_agreement, 1), "kappa": stat(r.kappa), "alpha": stat(r.alpha)}
            for r in (*report.codes, report.pooled)]
    return columns, rows


def disagreement_table(report: AgreementReport) -> Table:
    """One row per unit and code on which the two coders differ, with what each did and the unit's text."""
    a, b = report.coders
    columns = [*_place_columns(report.unit), "code", "label", f"{a} said", f"{b} said", "text"]
    rows = [{**_place(d.unit), "code": d.code, "label": d.label, f"{a} said": d.a, f"{b} said": d.b, "text": d.text}
            for d in report.disagreements]
    return columns, rows


def evaluation_table(report: EvaluationReport) -> Table:
    """One row per code (codebook order) and the micro-average row."""
    columns = ["code", "label", "level", "TP", "FP", "FN", "precision", "recall", "F1"]
    rows = [{"code": r.code, "label": r.label, "level": r.level or "", "TP": r.true_positives,
             "FP": r.false_positives, "FN": r.false_negatives, "precision": stat(r.precision),
             "recall": stat(r.recall), "F1": stat(r.f1)} for r in (*report.codes, report.micro)]
    return columns, rows


def miss_table(report: EvaluationReport) -> Table:
    """The false positives, then the false negatives, each with the coded passage."""
    columns = ["error", *_place_columns(report.unit), "code", "label", "quote"]
    rows = [{"error": m.kind, **_place(m.unit), "code": m.code, "label": m.label, "quote": m.quote}
            for m in report.misses]
    return columns, rows


def evaluation_notes(report: EvaluationReport) -> list[str]:
    """The report's notes and what TP, FP and FN mean here."""
    return [*report.notes(), f"TP: both {report.gold} and {report.coder} coded the unit; FP: only {report.coder}; "
            f"FN: only {report.gold}."]


def _place_columns(kind: UnitKind) -> list[str]:
    return ["document", "turn", "sentence", "speaker"] if kind is UnitKind.SENTENCE else \
        ["document", "turn", "speaker"]


def _place(unit: Unit) -> dict:
    place = {"document": unit.document, "turn": unit.turn if unit.turn is not None else "", "speaker": unit.speaker}
    if unit.sentence is not None:
        place["sentence"] = unit.sentence
    return place


# -- files -----------------------------------------------------------------------------------------------------
def write_agreement(path: Path, report: AgreementReport) -> list[Path]:
    """Write ``report`` as ``.csv`` (and ``NAME-disagreements.csv``), ``.xlsx`` or a ``.docx`` adjudication sheet.

    Returns the files written. Raises UsageError for another suffix and QualcodeError when a file cannot be
    written (nothing partial is left).
    """
    return _dispatch(AGREEMENT_WRITERS, path, report)


def write_evaluation(path: Path, report: EvaluationReport) -> list[Path]:
    """Write ``report`` as ``.csv`` (and ``NAME-errors.csv``) or ``.xlsx``.

    Returns the files written. Raises UsageError for another suffix and QualcodeError when a file cannot be
    written (nothing partial is left).
    """
    return _dispatch(EVALUATION_WRITERS, path, report)


def _dispatch(writers: dict[str, Callable], path: Path, report) -> list[Path]:
    suffix = path.suffix.lower()
    if suffix not in writers:
        raise UsageError(f"{path}: unsupported output format {suffix or '(none)'}; use {', '.join(writers)}")
    if suffix == ".csv":  # two files, each written whole or not at all
        return writers[suffix](path, report)
    with writing(path) as temp:
        writers[suffix](temp, report)
    return [path]


def _csv_pair(path: Path, main: Table, listing: Table, name: str) -> list[Path]:
    second = path.with_name(f"{path.stem}-{name}{path.suffix}")
    for target, table in ((path, main), (second, listing)):
        with writing(target) as temp:
            write_table(temp, *table)
    return [path, second]


def _agreement_csv(path: Path, report: AgreementReport) -> list[Path]:
    return _csv_pair(path, agreement_table(report), disagreement_table(report), "disagreements")


def _evaluation_csv(path: Path, report: EvaluationReport) -> list[Path]:
    return _csv_pair(path, evaluation_table(report), miss_table(report), "errors")


def _xlsx(path: Path, sheets: Sequence[tuple[str, Table]], notes: Sequence[str]) -> list[Path]:
    from qualcode.report.tables import add_about_sheet, add_sheet, streaming_book

    # the shared sheet writer: text cells (header included) never run as formulas, no control characters
    with streaming_book() as book:
        for title, (columns, rows) in sheets:
            add_sheet(book, title, columns, rows)
        add_about_sheet(book, notes)
        save_xlsx(book, path)
    return [path]


def _agreement_xlsx(path: Path, report: AgreementReport) -> list[Path]:
    return _xlsx(path, [("agreement", agreement_table(report)), ("disagreements", disagreement_table(report))],
                 report.notes())


def _evaluation_xlsx(path: Path, report: EvaluationReport) -> list[Path]:
    return _xlsx(path, [("evaluation", evaluation_table(report)), ("errors", miss_table(report))],
                 evaluation_notes(report))


def _adjudication_docx(path: Path, report: AgreementReport) -> list[Path]:
    """A Word sheet for the team meeting: the agreement table, then one row per disagreement to decide."""

    import docx
    from docx.enum.section import WD_ORIENT

    a, b = report.coders
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    title = f"Adjudication: {a} and {b}"
    document.add_heading(xml_text(title), level=1)
    for note in report.notes():
        document.add_paragraph(xml_text(note))
    document.add_heading("Agreement by code", level=2)
    columns, rows = agreement_table(report)
    _docx_table(document, [c for c in columns if c not in ("label", "level")],
                [{**r, "code": f"{r['label']} ({r['code']})" if r["level"] else r["code"]} for r in rows])
    document.add_heading("Disagreements", level=2)
    if not report.disagreements:
        document.add_paragraph("The coders agree on every unit: nothing to decide.")
    else:
        document.add_paragraph(xml_text(f"One row per unit and code on which {a} and {b} differ. Write the team's "
                                        "decision in the last column (e.g. `yes`, `no`, or another code)."))
        header = ["document", "turn", "speaker", "text", "code", a, b, "decision"]
        rows = []
        for d in report.disagreements:
            turn = "" if d.unit.turn is None else str(d.unit.turn)
            if d.unit.sentence is not None:
                turn += f" (sentence {d.unit.sentence})"
            rows.append(dict(zip(header, (d.unit.document, turn, d.unit.speaker, d.text,
                                          f"{d.label} ({d.code})" if d.label != d.code else d.code, d.a, d.b, ""))))
        _docx_table(document, header, rows)
    save_docx(document, path, title)
    return [path]


def _docx_table(document, columns: Sequence[str], rows: Sequence[dict]) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = document.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    header = table.rows[0]
    repeat = OxmlElement("w:tblHeader")  # repeat the header row on every page
    repeat.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(repeat)
    for cell, name in zip(header.cells, columns):
        cell.text = ""
        cell.paragraphs[0].add_run(xml_text(str(name))).bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, name in zip(cells, columns):
            cell.text = xml_text(str(row.get(name, "")))


AGREEMENT_WRITERS: dict[str, Callable[[Path, AgreementReport], list[Path]]] = {
    ".csv": _agreement_csv, ".xlsx": _agreement_xlsx, ".docx": _adjudication_docx}
EVALUATION_WRITERS: dict[str, Callable[[Path, EvaluationReport], list[Path]]] = {
    ".csv": _evaluation_csv, ".xlsx": _evaluation_xlsx}

"""The appendix as a Word document (python-docx): built-in Heading styles, a real table-of-contents field,
page-number fields, a Quote style for quotes, the matrix as a Word table and the heatmap embedded."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.report.appendix import Appendix
from qualcode.report.tables import save_docx

CUSTOM_STYLES = {  # name: (italic, bold, right-aligned, point size)
    "Quote Attribution": (False, False, True, 9),
    "Quote Group": (False, True, False, None),
    "Quote Context": (True, False, False, 9),
}


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A complex field (w:fldChar begin / w:instrText / separate / end) that Word fills in."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def _open(reference: Path | None):
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.oxml.ns import qn

    if reference is None:
        return docx.Document(), False
    if reference.suffix.lower() != ".docx" or not reference.is_file():
        raise InputFileError("--reference-doc must be an existing Word .docx file", where=str(reference))
    try:
        document = docx.Document(str(reference))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise InputFileError("--reference-doc is not a Word .docx file (not a valid zip package)",
                             where=str(reference)) from None
    body = document.element.body
    for child in list(body):  # keep the section properties: page setup, headers and footers
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return document, True


def _ensure_styles(document) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    names = {s.name for s in document.styles}
    for name in ["Title", "Quote", *[f"Heading {i}" for i in range(1, 10)]]:
        if name not in names:  # a template without them: add plain ones so the text keeps its role
            style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = document.styles["Normal"]
            style.font.bold = name != "Quote"
            style.font.italic = name == "Quote"
    for name, (italic, bold, right, size) in CUSTOM_STYLES.items():
        if name not in names:
            style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = document.styles["Normal"]
            style.font.italic, style.font.bold = italic, bold
            if size:
                style.font.size = Pt(size)
            if right:
                style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _table(document, frame) -> None:
    from docx.shared import Emu

    columns = [str(c) for c in frame.columns if c not in ("code", "level")]
    table = document.add_table(rows=1, cols=len(columns))
    table.autofit = False
    section = document.sections[-1]
    usable = int(section.page_width - section.left_margin - section.right_margin)
    first = int(usable * (0.42 if len(columns) > 2 else 0.6))
    widths = [first] + [(usable - first) // max(1, len(columns) - 1)] * (len(columns) - 1)
    if "Table Grid" in {s.name for s in document.styles}:
        table.style = document.styles["Table Grid"]
    for cell, name in zip(table.rows[0].cells, columns):
        cell.text = ""
        cell.paragraphs[0].add_run(name).bold = True
    for _, row in frame.iterrows():
        cells = table.add_row().cells
        for cell, name in zip(cells, columns):
            value = row[name]
            cell.text = ("    " * (int(row["level"]) - 1) + str(value)) if name == "label" else str(value)
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for row in table.rows:
        for cell in row.cells[1:]:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for column, width in zip(table.columns, widths):
        column.width = Emu(width)  # the grid: what LibreOffice and Word lay out by
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Emu(width)


def write_docx(appendix: Appendix, path: Path, reference: Path | None = None) -> None:
    """Write the appendix to ``path``; with ``reference``, on the organisation's template (its styles,
    numbering, headers and footers kept, its body cleared). Raises InputFileError for a bad template."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Emu

    document, templated = _open(reference)
    _ensure_styles(document)
    document.add_paragraph(appendix.title, style="Title")
    if appendix.draft:
        document.add_paragraph().add_run(appendix.draft_note).bold = True
        for section in document.sections:
            section.header.add_paragraph().add_run(appendix.draft_note).bold = True
    document.add_heading("How this appendix was made", level=1)
    for line in appendix.method:
        document.add_paragraph(line)
    document.add_heading("Contents", level=1)
    _field(document.add_paragraph(), 'TOC \\o "1-3" \\h \\z \\u',
           "Right-click here and choose Update Field to show the table of contents.")
    document.add_heading("Summary", level=1)
    document.add_paragraph(appendix.summary_caption)
    _table(document, appendix.summary)
    if appendix.heatmap_png:
        section = document.sections[-1]
        width = section.page_width - section.left_margin - section.right_margin
        document.add_picture(io.BytesIO(appendix.heatmap_png), width=Emu(int(width)))
    for part in appendix.sections:
        document.add_heading(part.label, level=min(part.level, 9))
        if part.definition:
            document.add_paragraph(part.definition)
        document.add_paragraph(part.counts)
        if not part.groups:
            document.add_paragraph(part.no_quotes)
        for group, quotes in part.groups:
            if appendix.by:
                document.add_paragraph(f"{appendix.by}: {group}", style="Quote Group")
            for quote in quotes:
                if appendix.context and quote.context:
                    document.add_paragraph(f"Question: {quote.context}", style="Quote Context")
                document.add_paragraph(quote.display(), style="Quote")
                document.add_paragraph(quote.attribution, style="Quote Attribution")
    footer = document.sections[-1].footer
    if not templated or not any(p.text.strip() for p in footer.paragraphs):
        paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        paragraph.add_run("Page ")
        _field(paragraph, "PAGE", "1")
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)
    save_docx(document, path, appendix.title)


def dump(path: Path) -> str:
    """A text dump of a .docx — one ``style | text`` line per paragraph, tables row by row — for golden
    files and tests (container bytes are never compared)."""
    import docx

    document = docx.Document(str(path))
    lines = []
    body = document.element.body
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            picture = " [picture]" if child.xpath(".//pic:pic") else ""
            lines.append(f"{paragraph.style.name} | {paragraph.text}{picture}")
        elif tag == "tbl":
            for row in Table(child, document).rows:
                lines.append("table | " + " | ".join(cell.text for cell in row.cells))
    return "\n".join(lines) + "\n"

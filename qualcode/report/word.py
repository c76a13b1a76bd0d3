"""The appendix as a Word document (python-docx): built-in Heading styles, a table-of-contents field written
pre-filled with the headings, page-number fields, a Quote style for quotes, the matrix as a Word table and the
heatmap embedded.

The body is written as WordprocessingML through :class:`_Body`, not ``document.add_paragraph(style=name)``:
python-docx looks a style up by name among all styles for every paragraph and inserts each one by scanning
the body for its section properties, which made an appendix of 23,000 quotes take minutes.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest.zipcheck import check_zip
from qualcode.report.appendix import LABEL_HEADER, Appendix
from qualcode.report.safe_text import xml_text
from qualcode.report.tables import save_docx

CUSTOM_STYLES = {  # name: (italic, bold, right-aligned, point size)
    "Quote Attribution": (False, False, True, 9),
    "Quote Group": (False, True, False, None),
    "Quote Context": (True, False, False, 9),
    "Quote Translation": (True, False, False, None),
}
# The style of each kind of line a quote prints (Quote.lines): the question before it and interviewer lines
# between its turns as context, the participant's words as a Quote, a translation in italics under them.
LINE_STYLES = {"question": "Quote Context", "context": "Quote Context", "quote": "Quote",
               "translation": "Quote Translation", "attribution": "Quote Attribution"}
TOC_LEVELS = 3  # the headings the TOC field lists: \o "1-3"
TOC_INSTRUCTION = f'TOC \\o "1-{TOC_LEVELS}" \\h \\z \\u'
TOC_STYLES = {level: (f"toc {level}", f"TOC{level}") for level in range(1, TOC_LEVELS + 1)}  # Word's own


def plain(text: str) -> str:
    """``text`` for Word: without the Markdown backticks that messages shared with the terminal use, nor
    characters XML cannot hold (see :mod:`qualcode.report.safe_text`)."""
    return xml_text(text.replace("`", ""))


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


class _Body:
    """Appends paragraphs to the document body before its section properties, each style resolved to its id
    once; numbers the headings' bookmarks (``_Toc_1``, ``_Toc_2``, … in heading order) for the TOC."""

    def __init__(self, document) -> None:
        from docx.oxml.ns import qn

        self.document = document
        self.body = document.element.body
        self.end = self.body.find(qn("w:sectPr"))
        self.style_ids: dict[str, str] = {}
        self.headings: list[tuple[str, int, str]] = []  # (text, level, bookmark)

    def style_id(self, name: str) -> str:
        """The id of the paragraph style called ``name`` (looked up once)."""
        if name not in self.style_ids:
            self.style_ids[name] = self.document.styles[name].style_id
        return self.style_ids[name]

    def paragraph(self, text: str = "", style: str | None = None, bold: bool = False, after=None,
                  label: str = ""):
        """A new ``w:p`` with ``text`` in one run (tabs and line breaks as Word's), after a bold ``label`` when
        given, at the end of the body or right after the element ``after``."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        p = OxmlElement("w:p")
        if style is not None:
            style_element = OxmlElement("w:pStyle")
            style_element.set(qn("w:val"), self.style_id(style))
            properties = OxmlElement("w:pPr")
            properties.append(style_element)
            p.append(properties)
        for words, strong in ((label, True), (text, bold)):
            if words:
                run = OxmlElement("w:r")
                if strong:
                    run.append(OxmlElement("w:rPr"))
                    run[0].append(OxmlElement("w:b"))
                run.text = xml_text(words)  # python-docx's run text: w:t, w:tab and w:br
                p.append(run)
        if after is not None:
            after.addnext(p)
        elif self.end is not None:
            self.end.addprevious(p)
        else:
            self.body.append(p)
        return p

    def heading(self, text: str, level: int):
        """A Heading-styled paragraph with a bookmark around its text for the TOC's link."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        p = self.paragraph(text, f"Heading {level}")
        number = str(len(self.headings) + 1)
        name = f"_Toc_{number}"
        start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
        start.set(qn("w:id"), number)
        start.set(qn("w:name"), name)
        end.set(qn("w:id"), number)
        p.insert(1, start)  # after the paragraph properties, around the text
        p.append(end)
        self.headings.append((text, level, name))
        return p

    def toc(self, after) -> None:
        """The TOC field after the element ``after``, its result the headings so far (levels 1-3): one
        ``toc N`` paragraph per heading, its text a link to the heading's bookmark. Word rebuilds it (with page
        numbers) on update; other programs show it as written."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        def run(child):
            element = OxmlElement("w:r")
            element.append(child)
            return element

        def char(kind: str):
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            return run(element)

        entries = [(text, level, name) for text, level, name in self.headings if level <= TOC_LEVELS]
        entries = entries or [("", 1, "")]  # no headings: the field alone, for Word to fill
        previous = after
        for index, (text, level, name) in enumerate(entries):
            p = self.paragraph(style=TOC_STYLES[level][0], after=previous)
            if index == 0:
                instruction = OxmlElement("w:instrText")
                instruction.set(qn("xml:space"), "preserve")
                instruction.text = f" {TOC_INSTRUCTION} "
                p.extend([char("begin"), run(instruction), char("separate")])
            if name:
                link = OxmlElement("w:hyperlink")
                link.set(qn("w:anchor"), name)
                link.set(qn("w:history"), "1")
                text_run = OxmlElement("w:r")
                text_run.text = text
                link.append(text_run)
                p.append(link)
            if index == len(entries) - 1:
                p.append(char("end"))
            previous = p


def _open(reference: Path | None):
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.oxml.ns import qn

    if reference is None:
        return docx.Document(), False
    if reference.suffix.lower() != ".docx" or not reference.is_file():
        raise InputFileError("--reference-doc must be an existing Word .docx file", where=str(reference))
    check_zip(reference, str(reference), "Word .docx file")
    try:
        document = docx.Document(str(reference))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise InputFileError("--reference-doc is not a Word .docx file (not a valid zip package)",
                             where=str(reference)) from None
    except Exception as exc:  # noqa: BLE001 - another program's file can break the XML parser in many ways
        raise InputFileError(f"--reference-doc is a damaged Word file ({str(exc)[:120] or type(exc).__name__}): "
                             "open and save it again in Word", where=str(reference)) from None
    body = document.element.body
    for child in list(body):  # keep the section properties: page setup, headers and footers
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return document, True


def _ensure_styles(document) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, Twips

    names = {s.name for s in document.styles}
    for name in ["Title", "Quote", *[f"Heading {i}" for i in range(1, 10)]]:
        if name not in names:  # a template without them: add plain ones so the text keeps its role
            style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = document.styles["Normal"]
            style.font.bold = name != "Quote"
            style.font.italic = name == "Quote"
    if "TOC Heading" not in names:  # like Heading 1 but outside the outline, so the TOC does not list itself
        style = document.styles.add_style("TOC Heading", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Heading 1"]
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), "9")
        style.element.get_or_add_pPr().append(level)
    for level, (name, style_id) in TOC_STYLES.items():
        if name not in names:  # Word's built-in "toc N" (shown as "TOC N"), as Word writes it
            style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.style_id = style_id
            style.base_style = document.styles["Normal"]
            style.paragraph_format.left_indent = Twips(220 * (level - 1))
            style.paragraph_format.space_after = Pt(5)
    for name, (italic, bold, right, size) in CUSTOM_STYLES.items():
        if name not in names:
            style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = document.styles["Normal"]
            style.font.italic, style.font.bold = italic, bold
            if size:
                style.font.size = Pt(size)
            if right:
                style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT


TABLE_SIZES = (None, 9, 8, 7)  # the style's size (11 pt), then smaller until every number fits on one line


def _column_widths(frame, columns: list[str], usable: int) -> tuple[list[int], int | None]:
    """EMU widths and a font size: each number column as wide as its longest value or header word needs (at
    least 1.6 cm at 11 pt), the label column the rest but at least 30% of the line (22% at 7 pt). When the
    numbers do not fit at the style's size, the table's text gets smaller (9, 8, then 7 pt) rather than
    numbers breaking inside (`72.` over `7`); only past 7 pt do the number columns shrink."""
    from docx.shared import Cm

    def needed(name: str, scale: float) -> int:
        chars = max([len(str(v)) for v in frame[name]] + [len(word) for word in name.split()] + [1])
        # 0.27 cm a character at 11 pt: bold headers in wide fallback fonts (DejaVu) need it
        return max(int(Cm(1.6 * scale)), int(Cm(0.45 + 0.27 * scale * chars)))

    room = usable - int(usable * 0.3)
    for size in TABLE_SIZES:
        numbers = [needed(name, (size or 11) / 11) for name in columns[1:]]
        if sum(numbers) <= room:
            return [usable - sum(numbers), *numbers], size
    room = usable - int(usable * 0.22)  # many columns: the labels wrap rather than the numbers
    numbers = [width * room // sum(numbers) for width in numbers] if sum(numbers) > room else numbers
    return [usable - sum(numbers), *numbers], TABLE_SIZES[-1]


def _table(document, frame) -> None:
    """The summary matrix as a table: a header row that repeats on every page, rows that never split across
    pages, a wide label column (child codes indented) and narrow right-aligned number columns."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.shared import Cm, Emu, Pt

    columns = [str(c) for c in frame.columns if c not in ("code", "level")]
    table = document.add_table(rows=1, cols=len(columns))
    table.autofit = False
    section = document.sections[-1]
    widths, size = _column_widths(frame, columns,
                                  int(section.page_width - section.left_margin - section.right_margin))
    if "Table Grid" in {s.name for s in document.styles}:
        table.style = document.styles["Table Grid"]
    for cell, name in zip(table.rows[0].cells, columns):
        cell.text = ""
        cell.paragraphs[0].add_run(plain(LABEL_HEADER if name == "label" else name)).bold = True
    for _, row in frame.iterrows():
        cells = table.add_row().cells
        for cell, name in zip(cells, columns):
            cell.text = plain(str(row[name]))
        cells[0].paragraphs[0].paragraph_format.left_indent = Cm(0.4 * (int(row["level"]) - 1)) or None
    for index, row in enumerate(table.rows):
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))  # schema order: cantSplit before tblHeader
        if index == 0:
            properties.append(OxmlElement("w:tblHeader"))
        for cell in row.cells[1:]:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for column, width in zip(table.columns, widths):
        column.width = Emu(width)  # the grid: what LibreOffice and Word lay out by
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Emu(width)
            for run in (run for paragraph in cell.paragraphs for run in paragraph.runs) if size else ():
                run.font.size = Pt(size)


def _annex(body: _Body, annex) -> None:
    """The codebook annex at the end of the body, its headings in the TOC: one heading per code, nested as
    the codebook is, and a paragraph per field with its name in bold."""
    body.heading(plain(annex.title), 1)
    body.paragraph(plain(annex.intro))
    for entry in annex.entries:
        body.heading(plain(entry.label), min(1 + entry.level, 9))
        for name, text in entry.fields:
            body.paragraph(text, label=f"{name}: ")


def write_docx(appendix: Appendix, path: Path, reference: Path | None = None) -> None:
    """Write the appendix to ``path``; with ``reference``, on the organisation's template (its styles,
    numbering, headers and footers kept, its body cleared). Same inputs, same bytes.

    Raises InputFileError for a bad template and OSError when the file cannot be written.
    """
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Emu

    document, templated = _open(reference)
    _ensure_styles(document)
    body = _Body(document)
    body.paragraph(plain(appendix.title), "Title")
    if appendix.draft:
        body.paragraph(plain(appendix.draft_note), bold=True)
        for section in document.sections:
            section.header.add_paragraph().add_run(plain(appendix.draft_note)).bold = True
    body.heading("How this appendix was made", 1)
    for line in appendix.method:
        body.paragraph(plain(line))
    contents = body.paragraph("Contents", "TOC Heading")
    body.heading("Summary", 1)
    body.paragraph(plain(appendix.summary_caption))
    _table(document, appendix.summary)
    if appendix.heatmap_png:
        section = document.sections[-1]
        width = section.page_width - section.left_margin - section.right_margin
        document.add_picture(io.BytesIO(appendix.heatmap_png), width=Emu(int(width)))
    for part in appendix.sections:
        body.heading(plain(part.label), min(part.level, 9))
        if part.definition:
            body.paragraph(plain(part.definition))
        body.paragraph(plain(part.counts))
        if not part.groups:
            body.paragraph(plain(part.no_quotes))
        for group, quotes in part.groups:
            if appendix.by:
                body.paragraph(plain(appendix.group_heading(group)), "Quote Group")
            for quote in quotes:  # the participant's words and the questions stay verbatim, backticks and all
                for kind, line in quote.lines(appendix.context):
                    body.paragraph(plain(line) if kind == "attribution" else line, LINE_STYLES[kind])
    if appendix.annex is not None:
        _annex(body, appendix.annex)
    body.toc(after=contents)
    footer = document.sections[-1].footer
    if not templated or not any(p.text.strip() for p in footer.paragraphs):
        paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        paragraph.add_run("Page ")
        _field(paragraph, "PAGE", "1")
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    document.settings.element.append(update)
    save_docx(document, path, plain(appendix.title))


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

"""The appendix as a Word document (python-docx): built-in Heading styles, a contents list whose page numbers
are fields, page-number fields, a Quote style for quotes, the matrix as a Word table and the heatmap embedded;
page size, languages and properties from ``qualcode.toml`` (see :mod:`qualcode.report.word_package`).

The body is written as WordprocessingML through :class:`_Body`, not ``document.add_paragraph(style=name)``:
python-docx looks a style up by name among all styles for every paragraph and inserts each one by scanning
the body for its section properties, which made an appendix of 23,000 quotes take minutes.

The contents are a list of the headings, each a link to its heading ending in a ``PAGEREF`` field, rather than
Word's ``TOC`` field: LibreOffice shows a TOC field's page numbers as they were written (it never updates
it on opening) but lays out ``PAGEREF`` fields itself, and Word updates them when it opens the file
(``w:updateFields``), so both show the right page numbers without anyone pressing a key.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest.zipcheck import check_zip
from qualcode.report.appendix import LABEL_HEADER, Appendix
from qualcode.report.safe_text import xml_text
from qualcode.report.word_package import (
    language_tag,
    save_docx,
    set_language,
    set_page,
    tag_language,
    text_language,
    update_fields_on_open,
    usable_width,
)
from qualcode.report.word_table import summary_table

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
SPOKEN = ("question", "context", "quote")  # lines in the words of the transcript: its language, not the report's
TOC_LEVELS = 3  # the heading levels the contents list
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
    once; numbers the headings' bookmarks (``_Toc_1``, ``_Toc_2``, … in heading order) for the contents; tags
    a paragraph in another language than the document's ``locale`` with its own (``vi-VN``)."""

    def __init__(self, document, locale: str) -> None:
        from docx.oxml.ns import qn

        self.document = document
        self.locale = locale
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
                  label: str = "", language: str = ""):
        """A new ``w:p`` with ``text`` in one run (tabs and line breaks as Word's), after a bold ``label`` when
        given, at the end of the body or right after the element ``after``; its runs tagged with the language
        of ``text`` (``language`` when known, else guessed) when it is not the document's."""
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
        if text:
            tag_language(p, language_tag(text_language(text, language), self.locale))
        if after is not None:
            after.addnext(p)
        elif self.end is not None:
            self.end.addprevious(p)
        else:
            self.body.append(p)
        return p

    def heading(self, text: str, level: int):
        """A Heading-styled paragraph with a bookmark around its text for the contents' link and page number."""
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

    def contents(self, after, width: int) -> None:
        """The contents after the element ``after``: one ``toc N`` paragraph per heading of levels 1-3, its
        text a link to the heading, then a dotted tab to the right edge (``width`` EMU) and a ``PAGEREF``
        field giving the heading's page. The field is written empty: LibreOffice fills it as it lays the
        pages out, Word when it opens the file (it asks first) or on F9."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        def run(child=None, text: str = ""):
            element = OxmlElement("w:r")
            if child is not None:
                element.append(child)
            if text:
                element.text = text
            return element

        def char(kind: str):
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            return run(element)

        previous = after
        for text, level, name in (h for h in self.headings if h[1] <= TOC_LEVELS):
            p = self.paragraph(style=TOC_STYLES[level][0], after=previous)
            tabs, tab = OxmlElement("w:tabs"), OxmlElement("w:tab")
            tab.set(qn("w:val"), "right")
            tab.set(qn("w:leader"), "dot")
            tab.set(qn("w:pos"), str(width // 635))  # EMU to twips
            tabs.append(tab)
            p.find(qn("w:pPr")).append(tabs)  # after w:pStyle, as the schema orders them
            link = OxmlElement("w:hyperlink")
            link.set(qn("w:anchor"), name)
            link.set(qn("w:history"), "1")
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = f" PAGEREF {name} \\h "
            link.extend([run(text=text), run(OxmlElement("w:tab")), char("begin"), run(instruction),
                         char("separate"), char("end")])
            p.append(link)
            tag_language(p, language_tag(text_language(text), self.locale))
            previous = p


def _open(reference: Path | None):
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.oxml.ns import qn

    if reference is None:
        return docx.Document(), False
    if reference.suffix.lower() not in (".docx", ".dotx") or not reference.is_file():
        raise InputFileError("--reference-doc must be an existing Word .docx file (or .dotx template)",
                             where=str(reference))
    check_zip(reference, str(reference), "Word .docx file")
    try:
        document = docx.Document(_as_document(reference))
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


def _as_document(reference: Path) -> io.BytesIO:
    """The template's bytes, a Word template (.dotx) declared as a document: python-docx opens only documents,
    and an organisation's house style often comes as a template."""
    source, target = zipfile.ZipFile(reference), io.BytesIO()
    with source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"wordprocessingml.template.main+xml", b"wordprocessingml.document.main+xml")
            copy.writestr(info, data)
    target.seek(0)
    return target


def _ensure_styles(document) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, Twips

    names = {s.name for s in document.styles}
    normal = document.styles["Normal"] if "Normal" in names else None  # a hand-made template may lack it
    for name in ["Title", "Quote", *[f"Heading {i}" for i in range(1, 10)]]:
        if name not in names:  # a template without them: add plain ones so the text keeps its role
            style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = normal
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
            style.base_style = normal
            style.paragraph_format.left_indent = Twips(220 * (level - 1))
            style.paragraph_format.space_after = Pt(5)
    for name, (italic, bold, right, size) in CUSTOM_STYLES.items():
        if name not in names:
            style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = normal
            style.font.italic, style.font.bold = italic, bold
            if size:
                style.font.size = Pt(size)
            if right:
                style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _annex(body: _Body, annex) -> None:
    """The codebook annex at the end of the body, its headings in the TOC: one heading per code, nested as
    the codebook is, and a paragraph per field with its name in bold."""
    body.heading(plain(annex.title), 1)
    body.paragraph(plain(annex.intro))
    for entry in annex.entries:
        body.heading(plain(entry.label), min(1 + entry.level, 9))
        for name, text in entry.fields:
            body.paragraph(text, label=f"{name}: ")


def _furniture(document, appendix: Appendix, templated: bool) -> None:
    """The draft line in every page header and ``Page N`` in the footer (unless the template has a footer),
    set on the document's section before any other section copies it (a landscape table's)."""
    section = document.sections[-1]
    if appendix.draft:
        section.header.add_paragraph().add_run(plain(appendix.draft_note)).bold = True
    footer = section.footer
    if not templated or not any(p.text.strip() for p in footer.paragraphs):
        paragraph = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        paragraph.add_run("Page ")
        _field(paragraph, "PAGE", "1")


def write_docx(appendix: Appendix, path: Path, reference: Path | None = None) -> None:
    """Write the appendix to ``path``; with ``reference``, on the organisation's template (its styles,
    numbering, margins, headers and footers kept, its body cleared). Page size, language and author come from
    ``appendix.settings`` (``[report]`` of qualcode.toml). Same inputs, same bytes.

    Raises InputFileError for a bad template and OSError when the file cannot be written.
    """
    from docx.shared import Emu

    settings = appendix.settings
    document, templated = _open(reference)
    _ensure_styles(document)
    set_page(document, settings.page_size, margins=not templated)
    set_language(document, settings.locale)
    _furniture(document, appendix, templated)
    body = _Body(document, settings.locale)
    body.paragraph(plain(appendix.title), "Title")
    if appendix.draft:
        body.paragraph(plain(appendix.draft_note), bold=True)
    body.heading("How this appendix was made", 1)
    for line in appendix.method:
        body.paragraph(plain(line))
    contents = body.paragraph("Contents", "TOC Heading")
    summary = body.heading("Summary", 1)
    body.paragraph(plain(appendix.summary_caption))
    summary_table(document, appendix.summary, LABEL_HEADER, before=summary)
    if appendix.heatmap_png:
        width = usable_width(document.sections[-1])
        document.add_picture(io.BytesIO(appendix.heatmap_png), width=Emu(width))
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
                spoken = getattr(quote, "language", "")  # a quote's words are in its document's language
                for kind, line in quote.lines(appendix.context):
                    if kind == "attribution":
                        body.paragraph(plain(line), LINE_STYLES[kind])
                    else:
                        body.paragraph(line, LINE_STYLES.get(kind, "Quote"),
                                       language=spoken if kind in SPOKEN else "")
    if appendix.annex is not None:
        _annex(body, appendix.annex)
    body.contents(after=contents, width=usable_width(document.sections[-1]))
    update_fields_on_open(document)
    keywords = "; ".join(plain(part.label) for part in appendix.sections if part.level == 1)
    save_docx(document, path, plain(appendix.title), author=settings.author, date=appendix.date,
              subject=plain(appendix.codebook), keywords=keywords, language=settings.locale,
              status="Draft" if appendix.draft else "", from_template=templated)


def dump(path: Path) -> str:
    """A text dump of a .docx — one ``style | text`` line per paragraph, tables row by row — for golden
    files and tests (container bytes are never compared)."""
    import docx
    from docx.oxml.ns import qn

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
            fields = "".join(f" {{{t.text.strip()}}}" for t in child.iter(qn("w:instrText")))
            lines.append(f"{paragraph.style.name} | {paragraph.text.rstrip(chr(9))}{fields}{picture}")
        elif tag == "tbl":
            for row in Table(child, document).rows:
                lines.append("table | " + " | ".join(cell.text for cell in row.cells))
    return "\n".join(lines) + "\n"

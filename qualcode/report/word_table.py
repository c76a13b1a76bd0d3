"""The appendix's summary matrix as a Word table that never breaks a word or a number inside.

Column widths come from the text itself, measured with the DejaVu fonts matplotlib ships (Serif and Sans,
bold for the header): they are wider than Calibri, Cambria and their metric twins, and they are what
LibreOffice falls back to when those are missing, so a width that fits them fits everywhere. A header may
wrap between words ("Total" over "(n=102)"), never inside one ("Hmon" over "g"). When the columns do not fit:
the table's text gets smaller (down to 8 pt); then the table gets a landscape page of its own (down to 7 pt);
then its group headers are rotated to read upwards, so a column only needs the width of its numbers; a
table still too wide is split into several, each repeating the label column.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from qualcode.report.safe_text import xml_text

PORTRAIT_SIZES = (None, 10, 9, 8)  # None: the Normal style's own size
LANDSCAPE_SIZES = (None, 10, 9, 8, 7)
PADDING = 11.5  # points: the cell margins of Word's Table Grid (5.4 pt a side) and a border
SLACK = 1.03  # text measured 3% wider: LibreOffice lays out a little wider (without it 'Total' split as 'Tota|l')
INDENT = 0.4 / 2.54 * 72  # points a child code's label is indented per level (0.4 cm)
MIN_LABEL_SHARE = 0.25  # the label column keeps at least a quarter of the line
MAX_ROTATED = 6 / 2.54 * 72  # points: the tallest rotated header row (6 cm); longer headers wrap between words
EMU_PER_POINT = 12700
FONTS = {False: ("DejaVuSans.ttf", "DejaVuSerif.ttf"), True: ("DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf")}


@functools.lru_cache(maxsize=8)
def _font(name: str):
    import os

    import matplotlib
    from PIL import ImageFont

    return ImageFont.truetype(os.path.join(matplotlib.get_data_path(), "fonts", "ttf", name), 1000)


@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Points ``text`` takes on one line at ``size`` points: the wider of DejaVu Sans and DejaVu Serif."""
    return max(_font(name).getlength(text) for name in FONTS[bold]) * size / 1000


@dataclass(frozen=True)
class TableLayout:
    """How the summary table is set: column widths (EMU), text size (None: the style's), on a landscape page
    or not, group headers rotated or not, and the header row's height (EMU) when rotated."""

    widths: tuple[int, ...]
    size: float | None
    landscape: bool = False
    rotated: bool = False
    header_height: int = 0


def _longest_word(texts, size: float, bold: bool) -> float:
    return max([text_width(word, size, bold) for text in texts for word in str(text).split()] + [0.0]) * SLACK


def _fit(labels: list[tuple[str, int]], headers: list[str], values: list[list[str]], usable: int,
         style_size: float, size: float | None, rotated: bool) -> TableLayout | None:
    """The widths at one text size, or None when the columns do not fit ``usable`` EMU."""
    points = size or style_size
    line = points * 1.25
    label_need = max([_longest_word([text], points, False) + INDENT * (level - 1) for text, level in labels]
                     + [_longest_word([headers[0]], points, True)]) + PADDING
    numbers, height = [], 0.0
    for header, column in zip(headers[1:], values):
        widest = max([text_width(v, points) for v in column] + [0.0]) * SLACK
        if rotated:
            full = text_width(header, points, True)
            tall = max(min(full, MAX_ROTATED), _longest_word([header], points, True))
            height = max(height, tall)
            lines = -(-int(full) // max(int(tall), 1)) if full else 1
            numbers.append(max(widest, lines * line) + PADDING)
        else:
            numbers.append(max(widest, _longest_word([header], points, True)) + PADDING)
    room = usable / EMU_PER_POINT
    label = max(label_need, room * MIN_LABEL_SHARE)
    if label + sum(numbers) > room:
        return None
    widths = [math.ceil(n * EMU_PER_POINT) for n in numbers]
    return TableLayout((usable - sum(widths), *widths), size, rotated=rotated,
                       header_height=int((height * 1.1 + PADDING) * EMU_PER_POINT) if rotated else 0)


def layout(labels: list[tuple[str, int]], headers: list[str], values: list[list[str]], portrait: int,
           landscape: int, style_size: float = 11.0) -> TableLayout | None:
    """Choose how to set a table of ``labels`` (text, level), ``headers`` (the label column's first) and the
    number columns' ``values`` (as shown) on a page ``portrait`` EMU wide (``landscape`` EMU turned).

    The first that fits: portrait at the style's size, then 10, 9, 8 pt; landscape from the style's size to
    7 pt; landscape at 7 pt with rotated headers. None when nothing fits (see :func:`plan`)."""
    for width, sizes, turned in ((portrait, PORTRAIT_SIZES, False), (landscape, LANDSCAPE_SIZES, True)):
        for size in sizes:
            found = _fit(labels, headers, values, width, style_size, size, False)
            if found is not None:
                return TableLayout(found.widths, size, landscape=turned)
    rotated = _fit(labels, headers, values, landscape, style_size, 7, True)
    if rotated is not None:
        return TableLayout(rotated.widths, 7, True, True, rotated.header_height)
    return None


def plan(labels: list[tuple[str, int]], headers: list[str], values: list[list[str]], portrait: int,
         landscape: int, style_size: float = 11.0) -> list[tuple[list[int], TableLayout]]:
    """The table as one or more tables: ``(number columns' indices, layout)`` each. One when :func:`layout`
    finds a way; else the number columns are split, in order, into as few landscape tables as hold them
    with rotated headers, each repeating the label column (dozens of columns: a document per column)."""
    whole = layout(labels, headers, values, portrait, landscape, style_size)
    if whole is not None:
        return [(list(range(len(values))), whole)]
    parts: list[list[int]] = []
    for index in range(len(values)):
        trial = [*parts[-1], index] if parts else [index]
        if parts and _fit(labels, [headers[0], *[headers[i + 1] for i in trial]], [values[i] for i in trial],
                          landscape, style_size, 7, True) is not None:
            parts[-1] = trial
        else:
            parts.append([index])
    planned = []
    for part in parts:
        found = layout(labels, [headers[0], *[headers[i + 1] for i in part]], [values[i] for i in part], portrait,
                       landscape, style_size)
        planned.append((part, _turned(found) if found else _squeezed(len(part), landscape)))
    return planned


def _turned(found: TableLayout) -> TableLayout:
    """``found`` on a landscape page (every part of a split table shares one landscape section)."""
    return TableLayout(found.widths, found.size, True, found.rotated, found.header_height)


def _squeezed(columns: int, landscape: int) -> TableLayout:
    """The last resort, for a number too long for any column: equal shares of what a fifth for the labels
    leaves, rotated headers as tall as allowed."""
    label = int(landscape * 0.2)
    share = (landscape - label) // max(columns, 1)
    height = int((MAX_ROTATED + PADDING) * EMU_PER_POINT)
    return TableLayout((landscape - share * columns, *[share] * columns), 7, True, True, height)


def summary_table(document, frame, header: str, before) -> list[TableLayout]:
    """Append the summary matrix to ``document`` as a table (or, when no page holds all its columns, several,
    each with the label column): a header row that repeats on every page, rows that never split across
    pages, child codes indented, numbers right-aligned, set as :func:`plan` chooses. A landscape table gets a
    section of its own, from the paragraph ``before`` (the ``Summary`` heading, so caption and table stay
    together) to the end of the table.
    """
    from qualcode.report.word_package import usable_width

    columns = [str(c) for c in frame.columns if c not in ("code", "level")]
    section = document.sections[-1]
    portrait = usable_width(section)
    turned = int(section.page_height - section.left_margin - section.right_margin)
    normal = next((style for style in document.styles if style.name == "Normal"), None)
    style_size = ((normal.font.size if normal is not None else None) or 11 * EMU_PER_POINT) / EMU_PER_POINT
    levels = [int(level) for level in frame["level"]]
    labels = [(xml_text(str(label)), level) for label, level in zip(frame["label"], levels)]
    headers = [header, *[xml_text(c) for c in columns[1:]]]
    values = [[xml_text(str(v)) for v in frame[c]] for c in columns[1:]]
    planned = plan(labels, headers, values, portrait, turned, style_size)
    landscape = any(chosen.landscape for _, chosen in planned)
    if landscape:
        _landscape_section(document, before)
    for number, (part, chosen) in enumerate(planned):
        if number:  # two tables in a row would run together into one
            document.add_paragraph()
        _table(document, labels, [headers[0], *[headers[i + 1] for i in part]], [values[i] for i in part], chosen)
    if landscape:
        _end_landscape_section(document)
    return [chosen for _, chosen in planned]


def _table(document, labels: list[tuple[str, int]], headers: list[str], values: list[list[str]],
           chosen: TableLayout) -> None:
    """One Word table of ``labels`` and the number columns ``values`` under ``headers``, set as ``chosen``."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Emu, Pt

    table = document.add_table(rows=1, cols=len(headers))
    table.autofit = False
    if "Table Grid" in {s.name for s in document.styles}:
        table.style = document.styles["Table Grid"]
    for index, (cell, name) in enumerate(zip(table.rows[0].cells, headers)):
        cell.text = ""
        cell.paragraphs[0].add_run(name).bold = True
        if chosen.rotated and index:
            direction = OxmlElement("w:textDirection")
            direction.set(qn("w:val"), "btLr")  # reads upwards, as in a printed table's narrow columns
            cell._tc.get_or_add_tcPr().append(direction)
    for (label, level), row in zip(labels, zip(*values) if values else [()] * len(labels)):
        cells = table.add_row().cells
        cells[0].text = label
        cells[0].paragraphs[0].paragraph_format.left_indent = Cm(0.4 * (level - 1)) or None
        for cell, value in zip(cells[1:], row):
            cell.text = value
    for index, row in enumerate(table.rows):
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))  # schema order: cantSplit, trHeight, tblHeader
        if index == 0:
            if chosen.rotated:
                height = OxmlElement("w:trHeight")
                height.set(qn("w:val"), str(chosen.header_height // 635))  # EMU to twips
                height.set(qn("w:hRule"), "atLeast")
                properties.append(height)
            properties.append(OxmlElement("w:tblHeader"))
        for cell in row.cells[1:]:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for column, width in zip(table.columns, chosen.widths):
        column.width = Emu(width)  # the grid: what LibreOffice and Word lay out by
    for row in table.rows:
        for cell, width in zip(row.cells, chosen.widths):
            cell.width = Emu(width)
            for run in (run for paragraph in cell.paragraphs for run in paragraph.runs) if chosen.size else ():
                run.font.size = Pt(chosen.size)


def _section_copy(document, landscape: bool):
    """A copy of the document's last section properties (page, margins, headers, footers), turned."""
    import copy

    from docx.oxml.ns import qn

    properties = copy.deepcopy(document.element.body.find(qn("w:sectPr")))
    size = properties.find(qn("w:pgSz"))
    if size is not None and landscape:
        width, height = size.get(qn("w:w")), size.get(qn("w:h"))
        size.set(qn("w:w"), height)
        size.set(qn("w:h"), width)
        size.set(qn("w:orient"), "landscape")
    return properties


def _landscape_section(document, before) -> None:
    """End the portrait section just before the paragraph ``before``: Word keeps a section's properties in
    its last paragraph, here an empty one of its own (the contents are filled in above it later)."""
    from docx.oxml import OxmlElement

    holder = OxmlElement("w:p")
    before.addprevious(holder)
    holder.get_or_add_pPr().append(_section_copy(document, landscape=False))


def _end_landscape_section(document) -> None:
    """A paragraph after the table that ends its landscape section; what follows is portrait again."""
    document.add_paragraph()._p.get_or_add_pPr().append(_section_copy(document, landscape=True))

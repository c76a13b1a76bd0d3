"""The text of a Word body as Word's "final" view shows it: paragraphs, tables, text boxes, in document order.

python-docx reads only runs and hyperlinks directly in a paragraph and only a cell's own paragraphs, so a
tracked insertion, a content control, a smart tag, a simple field, a nested table or a text box would lose its
words. This walk reads the WordprocessingML itself: tracked insertions and moves are read, deletions are not
(Word's "final" view); content controls, custom XML, smart tags, hyperlinks and fields are read through (a
field's shown result, never its instruction); a text box's paragraphs follow the paragraph that anchors it;
a paragraph whose mark was deleted joins the next one, as Word shows it. Comments, footnotes and endnotes are
not text of the transcript: their references are counted so the reader can say what was left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from qualcode.errors import InputFileError

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"

# Tables and text boxes nest; past this depth a file is refused rather than walked (it is not a transcript).
MAX_DEPTH = 50

# Containers whose children are read as if they stood in their place.
_INLINE_THROUGH = {W + name for name in ("ins", "moveTo", "smartTag", "customXml", "hyperlink", "fldSimple",
                                         "bdo", "dir", "sdtContent")}
_BLOCK_THROUGH = {W + name for name in ("sdtContent", "customXml", "ins", "moveTo")}
_SKIPPED = {W + name for name in ("del", "moveFrom", "pPr", "rPr", "sdtPr", "sdtEndPr", "tblPr", "tblGrid",
                                  "trPr", "tcPr")}
_NOTES = {W + "commentReference": "comment", W + "footnoteReference": "footnote",
          W + "endnoteReference": "endnote"}
_FALSE = {"0", "false", "off", "none"}


@dataclass
class Run:
    """A run's shown text and whether the run itself is bold (as python-docx's ``run.bold``)."""

    text: str
    bold: bool


@dataclass
class Paragraph:
    """A paragraph's runs in order, the blocks of the text boxes it anchors, and the notes it references."""

    runs: list[Run] = field(default_factory=list)
    boxes: list[Block] = field(default_factory=list)
    notes: Counter = field(default_factory=Counter)
    joins_next: bool = False  # its paragraph mark is a tracked deletion

    @property
    def text(self) -> str:
        """The paragraph's shown text (line breaks as ``\\n``, tabs as ``\\t``)."""
        return "".join(run.text for run in self.runs)


@dataclass
class Table:
    """A table's rows; each row is its cells (each ``w:tc`` once, a vertically merged cell repeating the cell
    above it); each cell is its blocks."""

    rows: list[list[list[Block]]]


Block = Paragraph | Table


@dataclass
class Body:
    """What the walk found: the blocks, and what Word shows that is not read as text."""

    blocks: list[Block]
    tracked: Counter = field(default_factory=Counter)  # "insertion" / "deletion" -> how many
    left_out: Counter = field(default_factory=Counter)  # "embedded document" -> how many


class _Walk:
    def __init__(self, where: str) -> None:
        self.where = where
        self.tracked: Counter = Counter()
        self.left_out: Counter = Counter()

    def deeper(self, depth: int) -> int:
        if depth >= MAX_DEPTH:
            raise InputFileError(f"tables or text boxes nest more than {MAX_DEPTH} levels deep: not a transcript "
                                 "Word can lay out; save it as .txt", where=self.where)
        return depth + 1

    # -- blocks ---------------------------------------------------------------------------------------------
    def blocks(self, container, depth: int) -> list[Block]:
        found: list[Block] = []
        stack = [iter(container)]  # content controls and custom XML wrap blocks: read through them in place
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                continue
            tag = child.tag
            if tag == W + "p":
                found.append(self.paragraph(child, depth))
            elif tag == W + "tbl":
                found.append(self.table(child, self.deeper(depth)))
            elif tag == W + "sdt":
                content = _control_content(child)
                if content is not None:
                    stack.append(iter(content))
            elif tag in _BLOCK_THROUGH:
                stack.append(iter(child))
            elif tag == W + "del" or tag == W + "moveFrom":
                self.tracked["deletion"] += 1
            elif tag == W + "altChunk":
                self.left_out["embedded document (altChunk)"] += 1
        return _join_deleted_marks(found)

    def table(self, tbl, depth: int) -> Table:
        rows: list[list[list[Block]]] = []
        above: dict[int, list[Block]] = {}  # grid column -> the blocks of the cell starting there, last row
        for tr in _through(tbl, W + "tr"):
            column = _int(tr.find(f"{W}trPr/{W}gridBefore"), 0)
            row: list[list[Block]] = []
            current: dict[int, list[Block]] = {}
            for tc in _through(tr, W + "tc"):
                merge = tc.find(f"{W}tcPr/{W}vMerge")
                if merge is not None and merge.get(W + "val", "continue") == "continue":
                    cell = above.get(column, [])  # Word shows the merged cell once; each row repeats it
                else:
                    cell = self.blocks(tc, depth)
                row.append(cell)
                current[column] = cell
                column += max(1, _int(tc.find(f"{W}tcPr/{W}gridSpan"), 1))
            above = current
            rows.append(row)
        return Table(rows)

    # -- a paragraph's runs -----------------------------------------------------------------------------------
    def paragraph(self, p, depth: int) -> Paragraph:
        para = Paragraph()
        mark = p.find(f"{W}pPr/{W}rPr")
        if mark is not None and (mark.find(W + "del") is not None or mark.find(W + "moveFrom") is not None):
            para.joins_next = True
            self.tracked["deletion"] += 1
        self.inline(p, para, depth)
        return para

    def inline(self, element, para: Paragraph, depth: int) -> None:
        stack = [iter(element)]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                continue
            tag = child.tag
            if tag == W + "r":
                self.run(child, para, depth)
            elif tag in _INLINE_THROUGH:
                if tag in (W + "ins", W + "moveTo"):
                    self.tracked["insertion"] += 1
                stack.append(iter(child))
            elif tag == W + "sdt":
                content = _control_content(child)
                if content is not None:
                    stack.append(iter(content))
            elif tag in (W + "del", W + "moveFrom"):
                self.tracked["deletion"] += 1
            elif tag == MC + "AlternateContent":
                chosen = _alternative(child)
                if chosen is not None:
                    stack.append(iter(chosen))
            elif tag in (M + "oMath", M + "oMathPara"):
                para.runs.append(Run("".join(t.text or "" for t in child.iter(M + "t")), False))

    def run(self, r, para: Paragraph, depth: int) -> None:
        bold = _bold(r.find(W + "rPr"))
        parts: list[str] = []
        for child in r:
            tag = child.tag
            if tag == W + "t":
                parts.append(child.text or "")
            elif tag in (W + "tab", W + "ptab"):
                parts.append("\t")
            elif tag == W + "br":
                if child.get(W + "type", "textWrapping") == "textWrapping":
                    parts.append("\n")
            elif tag == W + "cr":
                parts.append("\n")
            elif tag == W + "noBreakHyphen":
                parts.append("-")
            elif tag in _NOTES:
                para.notes[_NOTES[tag]] += 1
            elif tag == W + "ruby":
                base = child.find(W + "rubyBase")
                if base is not None:
                    self.inline(base, para, depth)
            elif tag in (W + "drawing", W + "pict", W + "object", MC + "AlternateContent"):
                para.boxes.extend(self.boxes(child, depth))
            # w:delText and w:instrText (a field's instruction, not its result) are not shown: not read
        if parts:
            para.runs.append(Run("".join(parts), bold))

    def boxes(self, element, depth: int) -> list[Block]:
        """The blocks of the text boxes inside a drawing (Word writes each twice: a DrawingML choice and a VML
        fallback; the first alternative that holds text is read)."""
        found: list[Block] = []
        stack = [iter([element])]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                continue
            if child.tag == W + "txbxContent":
                found.extend(self.blocks(child, self.deeper(depth)))
            elif child.tag == MC + "AlternateContent":
                chosen = _alternative(child)
                if chosen is not None:
                    stack.append(iter(chosen))
            else:
                stack.append(iter(child))
        return found


def _alternative(element):
    """Of a markup-compatibility choice, the first alternative that holds text, else the fallback."""
    options = [c for c in element if c.tag in (MC + "Choice", MC + "Fallback")]
    for option in options:
        if any(True for _ in option.iter(W + "t")):
            return option
    return options[-1] if options else None


def _control_content(sdt):
    """A content control's content, or None while it shows its placeholder (``Click here to enter text.``: the
    template's words, not the transcriber's)."""
    if sdt.find(f"{W}sdtPr/{W}showingPlcHdr") is not None:
        return None
    return sdt.find(W + "sdtContent")


def _through(parent, tag: str):
    """``parent``'s children named ``tag``, read through content controls and custom XML that wrap them."""
    stack = [iter(parent)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child.tag == tag:
            yield child
        elif child.tag == W + "sdt":
            content = _control_content(child)
            if content is not None:
                stack.append(iter(content))
        elif child.tag in (W + "customXml", W + "ins", W + "moveTo"):
            stack.append(iter(child))


def _int(element, default: int) -> int:
    try:
        return int(element.get(W + "val")) if element is not None else default
    except (TypeError, ValueError):
        return default


def _bold(rpr) -> bool:
    if rpr is None:
        return False
    b = rpr.find(W + "b")
    return b is not None and b.get(W + "val", "true").casefold() not in _FALSE


def _join_deleted_marks(blocks: list[Block]) -> list[Block]:
    """Word's final view joins a paragraph whose mark was deleted to the paragraph after it."""
    joined: list[Block] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        if isinstance(block, Paragraph) and isinstance(previous, Paragraph) and previous.joins_next:
            previous.runs.extend(block.runs)
            previous.boxes.extend(block.boxes)
            previous.notes.update(block.notes)
            previous.joins_next = block.joins_next
        else:
            joined.append(block)
    return joined


def read_body(body, where: str) -> Body:
    """Walk a ``w:body`` (an lxml element) into paragraphs and tables as Word's final view shows them.

    Raises InputFileError when tables or text boxes nest more than :data:`MAX_DEPTH` levels.
    """
    walk = _Walk(where)
    blocks = walk.blocks(body, 0)
    return Body(blocks, walk.tracked, walk.left_out)

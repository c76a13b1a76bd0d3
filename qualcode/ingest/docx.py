"""Word transcripts (``.docx``): paragraphs, bold speaker labels and speaker tables, as Word's final view shows
them (:mod:`qualcode.ingest.wordml`)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest.encoding import normalise
from qualcode.ingest.turns import Line, explicit
from qualcode.ingest.types import RawDocument
from qualcode.ingest.wordml import Block, Body, Paragraph, Table, read_body
from qualcode.ingest.zipcheck import check_zip

HEADER_WORDS = frozenset({"speaker", "text", "time", "timestamp", "name", "transcript", "utterance",
                          "content", "thời gian", "người nói", "nội dung", "lời nói"})
MAX_SPEAKERS = 10
MIN_ROWS = 4


def _bold_prefix(paragraph: Paragraph) -> str | None:
    prefix = ""
    for run in paragraph.runs:
        if not run.text:
            continue
        if not run.bold:
            if prefix and not prefix.rstrip().endswith(":") and run.text.startswith(":"):
                prefix += ":"
            break
        prefix += run.text
    return normalise(prefix) if prefix.strip() else None


class _Lines:
    """The lines of a Word body, and the notes, text boxes and tracked changes met on the way."""

    def __init__(self) -> None:
        self.lines: list[Line] = []
        # id(line) -> (the line, the kinds of note it references: "comment", "footnote", "endnote"); holding the
        # line keeps its id unique while the body is read
        self.notes: dict[int, tuple[Line, list[str]]] = {}

    def blocks(self, blocks: list[Block]) -> list[Line]:
        out: list[Line] = []
        for block in blocks:
            out.extend(self.table(block) if isinstance(block, Table) else self.paragraph(block))
        return out

    def paragraph(self, paragraph: Paragraph) -> list[Line]:
        text = normalise(paragraph.text)
        first, *more = text.split("\n")
        bold = _bold_prefix(paragraph)
        lines = [Line(first, bold_prefix=bold if bold and first.startswith(bold) else None),
                 *(Line(extra) for extra in more)]
        kinds = [kind for kind, count in paragraph.notes.items() for _ in range(count)]
        if kinds:
            self.notes[id(lines[0])] = (lines[0], kinds)
        return lines + self.blocks(paragraph.boxes)  # a text box's paragraphs follow the one anchoring it

    def cell(self, blocks: list[Block]) -> tuple[str, list[Line]]:
        lines = self.blocks(blocks)
        return "\n".join(line.text for line in lines).strip(), lines

    def carry(self, row: list[tuple[str, list[Line]]], line: Line) -> None:
        """Notes referenced in a row's cells are placed on the line that renders the row."""
        kinds = [kind for _, lines in row for old in lines for kind in self.notes.get(id(old), (None, []))[1]]
        if kinds:
            self.notes.setdefault(id(line), (line, []))[1].extend(kinds)

    def table(self, table: Table) -> list[Line]:
        cells = [[self.cell(cell) for cell in row] for row in table.rows]
        rows = [[text for text, _ in row] for row in cells]
        width = len(rows[0]) if rows else 0
        skip = 1 if rows and all(c.casefold() in HEADER_WORDS or not c for c in rows[0]) else 0
        speaker_col = {2: 0, 3: 1}.get(width)
        lines: list[Line] = []
        if (speaker_col is not None and all(len(r) == width for r in rows[skip:]) and len(rows) - skip >= MIN_ROWS
                and len({r[speaker_col] for r in rows[skip:] if r[speaker_col]}) <= MAX_SPEAKERS):
            for row, row_cells in zip(rows[skip:], cells[skip:]):  # the header row's column titles are not read
                speaker, speech = " ".join(row[speaker_col].split()), row[-1]
                time = row[0] if width == 3 and row[0] else None
                first, *more = speech.split("\n")
                lines.append(explicit(speaker, first, time) if speaker else Line(first))
                self.carry(row_cells, lines[-1])
                lines.extend(Line(extra) for extra in more)
            return lines
        if all(len(row) == 1 for row in cells):  # a layout table of one column: its lines as they are
            return [line for row in cells for _, cell_lines in row for line in cell_lines]
        for row, row_cells in zip(rows, cells):
            pieces = [Line(piece) for piece in " | ".join(row).split("\n")]
            self.carry(row_cells, pieces[0])
            lines.extend(pieces)
        return lines


def read_docx(path: Path, data: bytes, encoding: str | None) -> RawDocument:
    """Read a Word file's body in order: paragraphs become lines, speaker tables become turns.

    Raises InputFileError when the file is not a Word document.
    """
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip(data, str(path), "Word .docx file")
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError):
        raise InputFileError("not a Word .docx file (not a valid zip package); "
                             "save it as .docx, or as .txt", where=str(path)) from None
    except Exception as exc:  # noqa: BLE001 - another program's file can break the XML parser in many ways
        raise InputFileError(f"damaged Word file ({_reason(exc)}): open and save it again in Word, or save it "
                             "as .txt", where=str(path)) from None
    reader = _Lines()
    try:
        body = read_body(document.element.body, str(path))
        lines = reader.blocks(body.blocks)
    except InputFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - as above: a malformed body part
        raise InputFileError(f"damaged Word file ({_reason(exc)}): open and save it again in Word, or save it "
                             "as .txt", where=str(path)) from None
    return RawDocument(lines, warnings=tuple(_warnings(body, reader, lines)))


_NOTE_NAMES = {"comment": ("comment", "comments"), "footnote": ("footnote", "footnotes"),
               "endnote": ("endnote", "endnotes")}


def _warnings(body: Body, reader: _Lines, lines: list[Line]) -> list[tuple[int | None, str]]:
    """What Word shows that the stored text does not hold, or holds differently, each with its first line."""
    at = {id(line): i + 1 for i, line in enumerate(lines)}
    warnings: list[tuple[int | None, str]] = []
    for kind, (one, many) in _NOTE_NAMES.items():
        places = sorted(at[key] for key, (_, kinds) in reader.notes.items() if key in at for note in kinds
                        if note == kind)
        if places:
            count = len(places)
            warnings.append((places[0], f"{count} Word {one if count == 1 else many} (the first on this line) "
                                        f"{'is' if count == 1 else 'are'} not read: {many} are notes about the "
                                        "transcript, not speech; copy into the text any that is"))
    if body.tracked:
        added, deleted = body.tracked["insertion"], body.tracked["deletion"]
        warnings.append((None, f"tracked changes read as Word's final view ({added} insertion{'s' * (added != 1)} "
                               f"kept, {deleted} deletion{'s' * (deleted != 1)} left out): accept or reject them "
                               "in Word to settle the text"))
    for what, count in sorted(body.left_out.items()):
        warnings.append((None, f"{count} {what} not read: open the file in Word and save it again"))
    return warnings


def _reason(exc: Exception) -> str:
    """The first line of a parser's complaint, short."""
    text = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]

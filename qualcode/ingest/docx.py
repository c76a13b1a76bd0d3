"""Word transcripts (``.docx``): paragraphs, bold speaker labels and speaker tables."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest.encoding import normalise
from qualcode.ingest.turns import Line, explicit
from qualcode.ingest.types import RawDocument
from qualcode.ingest.zipcheck import check_zip

HEADER_WORDS = frozenset({"speaker", "text", "time", "timestamp", "name", "transcript", "utterance",
                          "content", "thời gian", "người nói", "nội dung", "lời nói"})
MAX_SPEAKERS = 10
MIN_ROWS = 4


def _bold_prefix(paragraph) -> str | None:
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


def _paragraph_lines(paragraph) -> list[Line]:
    text = normalise(paragraph.text)
    first, *more = text.split("\n")
    bold = _bold_prefix(paragraph)
    return [Line(first, bold_prefix=bold if bold and first.startswith(bold) else None),
            *(Line(extra) for extra in more)]


def _cells(row) -> list[str]:
    seen, texts = set(), []
    for cell in row.cells:  # merged cells repeat: keep each once
        if id(cell._tc) in seen:
            continue
        seen.add(id(cell._tc))
        texts.append(normalise(cell.text).strip())
    return texts


def _table_lines(table) -> list[Line]:
    rows = [_cells(row) for row in table.rows]
    width = len(rows[0]) if rows else 0
    if rows and all(c.casefold() in HEADER_WORDS or not c for c in rows[0]):
        header, body = rows[:1], rows[1:]
    else:
        header, body = [], rows
    speaker_col = {2: 0, 3: 1}.get(width)
    if (speaker_col is not None and all(len(r) == width for r in body) and len(body) >= MIN_ROWS
            and len({r[speaker_col] for r in body if r[speaker_col]}) <= MAX_SPEAKERS):
        lines: list[Line] = []
        for row in body:
            speaker, speech = row[speaker_col], row[-1]
            time = row[0] if width == 3 and row[0] else None
            first, *more = speech.split("\n")
            lines.append(explicit(speaker, first, time) if speaker else Line(first))
            lines.extend(Line(extra) for extra in more)
        return lines
    return [Line(" | ".join(cells)) for cells in header + body]


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
    lines: list[Line] = []
    try:
        for block in document.iter_inner_content():
            if hasattr(block, "rows"):
                lines.extend(_table_lines(block))
            else:
                lines.extend(_paragraph_lines(block))
    except Exception as exc:  # noqa: BLE001 - as above: a malformed body part
        raise InputFileError(f"damaged Word file ({_reason(exc)}): open and save it again in Word, or save it "
                             "as .txt", where=str(path)) from None
    return RawDocument(lines)


def _reason(exc: Exception) -> str:
    """The first line of a parser's complaint, short."""
    text = str(exc).splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]

"""PDF transcripts (text layer only): extracted text, then the plain-text rules."""

from __future__ import annotations

import io
import re
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest.encoding import normalise
from qualcode.ingest.turns import Line
from qualcode.ingest.types import RawDocument

# `Page 3`, `Page 3 of 7`, `Trang 3` are page markers wherever pypdf puts them; `3/7` and a lone `3` only where a
# page number sits (the first or last line of a page): in the middle of a page they are an answer.
PAGE_MARKER = re.compile(r"^\s*(?:page|trang)\s+\d+(?:(?:\s+(?:of|trên)\s+|\s*/\s*)\d+)?\s*$", re.I)
EDGE_MARKER = re.compile(r"^\s*(?:\d+\s*/\s*\d+|-?\s*\d+\s*-?)\s*$")
NUMBER = re.compile(r"^\s*(\d{1,6})\s*$")
LINE_NUMBERS = 3  # this many lone numbers counting up by one on consecutive lines: a line-numbering column


def _runs(lines: list[str]) -> list[list[int]]:
    """Runs of consecutive lines that are lone numbers counting up by one (``7``, ``8``, ``9``), as indexes."""
    runs: list[list[int]] = []
    previous: int | None = None
    for i, line in enumerate(lines):
        match = NUMBER.match(line)
        value = int(match.group(1)) if match else None
        if value is not None and previous is not None and runs and runs[-1][-1] == i - 1 and value == previous + 1:
            runs[-1].append(i)
        elif value is not None:
            runs.append([i])
        previous = value
    return runs


def _page_lines(page: str) -> list[str]:
    """A page's lines without its page markers and line numbers: a run of lone numbers counting up is dropped
    when it touches the first or last line of the page or is :data:`LINE_NUMBERS` lines long."""
    lines = page.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    edges = {filled[0], filled[-1]} if filled else set()
    dropped = {i for run in _runs(lines) if len(run) >= LINE_NUMBERS or edges.intersection(run) for i in run}
    return [line for i, line in enumerate(lines) if i not in dropped and not PAGE_MARKER.match(line)
            and not (i in edges and EDGE_MARKER.match(line))]


def read_pdf(path: Path, data: bytes, encoding: str | None) -> RawDocument:
    """Extract the text layer with pypdf; tabs become spaces; page-number lines are dropped (a line that is only
    a number or ``3/7`` only when it is the first or last line of its page), and so are columns of line numbers.

    Raises InputFileError for a file that is not a PDF, is encrypted, or has no text layer (a scan).
    """
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputFileError("encrypted PDF: save an unprotected copy", where=str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError):
        raise InputFileError("not a readable PDF file", where=str(path)) from None
    pages = [normalise(page).replace("\t", " ") for page in pages]
    if not any(page.strip() for page in pages):
        raise InputFileError("the PDF has no text layer (a scanned image?); run OCR first", where=str(path))
    return RawDocument([Line(line) for page in pages for line in _page_lines(page)])

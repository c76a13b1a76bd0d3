"""PDF transcripts (text layer only): extracted text, then the plain-text rules."""

from __future__ import annotations

import io
import re
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest.encoding import normalise
from qualcode.ingest.turns import Line
from qualcode.ingest.types import RawDocument

PAGE_MARKER = re.compile(r"^\s*(?:\d+\s*/\s*\d+|page\s+\d+(?:\s+of\s+\d+)?|\d+)\s*$", re.I)


def read_pdf(path: Path, data: bytes, encoding: str | None) -> RawDocument:
    """Extract the text layer with pypdf; tabs become spaces and page-number lines are dropped.

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
    text = normalise("\n".join(pages)).replace("\t", " ")
    if not text.strip():
        raise InputFileError("the PDF has no text layer (a scanned image?); run OCR first", where=str(path))
    lines = [Line(line) for line in text.split("\n") if not PAGE_MARKER.match(line)]
    return RawDocument(lines)

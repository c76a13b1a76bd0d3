"""Plain text and Markdown transcripts (``.txt``, ``.md``)."""

from __future__ import annotations

from pathlib import Path

from qualcode.ingest.encoding import decode
from qualcode.ingest.turns import Line
from qualcode.ingest.types import RawDocument


def read_text(path: Path, data: bytes, encoding: str | None) -> RawDocument:
    """Decode a text file; every line is a :class:`Line` for the shared label rules."""
    warnings: list[str] = []
    text, _ = decode(data, str(path), encoding, warnings)
    return RawDocument([Line(line) for line in text.split("\n")], warnings=tuple((None, w) for w in warnings))

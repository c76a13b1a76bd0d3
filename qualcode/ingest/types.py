"""What a reader returns before the shared parsing steps."""

from __future__ import annotations

from dataclasses import dataclass, field

from qualcode.ingest.turns import Line


@dataclass(frozen=True)
class RawDocument:
    """A file's lines as its reader saw them; ``cues`` marks subtitles (same-speaker cues merge)."""

    lines: list[Line]
    cues: bool = False
    attributes: dict[str, str] = field(default_factory=dict)
    # What the reader repaired or left out (bad UTF-8 bytes replaced, Word comments), for the ingest report, each
    # with the line it concerns (1-based, counting the file's lines as the reader saw them) or None.
    warnings: tuple[tuple[int | None, str], ...] = ()

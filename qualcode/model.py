"""Plain values that flow through qualcode: parsed transcripts, turns, sentences and participants.

Everything here is a frozen dataclass or a ``str`` Enum; the store turns rows into these and back.
Offsets are Unicode code points into a document's stored text, end exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Role(str, Enum):
    """Who speaks a turn."""

    INTERVIEWER = "interviewer"
    RESPONDENT = "respondent"
    UNKNOWN = "unknown"  # a file without speaker labels: one turn per paragraph


class DocType(str, Enum):
    """The kind of document, from front matter ``type`` or the id's prefix."""

    IDI = "IDI"
    FGD = "FGD"
    OTHER = "other"


class CodeListFormat(str, Enum):
    """The columns of a codebook written as a CSV code list (`codebook export FILE.csv --format`)."""

    QUALCODE = "qualcode"  # code (path, levels joined by " > "), definition, include, exclude, examples, color
    TAGUETTE = "taguette"  # tag (the same path), description: what Taguette's codebook import reads


@dataclass(frozen=True)
class Sentence:
    """A sentence span and its word tokens, punctuation and spaces left out.

    ``tokens`` is flat — ``(start0, end0, start1, end1, …)`` — because a transcript has hundreds of thousands
    of them; :meth:`spans` gives the pairs.
    """

    start: int
    end: int
    tokens: tuple[int, ...] = ()

    def spans(self) -> list[tuple[int, int]]:
        """The word tokens as ``(start, end)`` pairs."""
        return list(zip(self.tokens[::2], self.tokens[1::2]))


@dataclass(frozen=True)
class Turn:
    """One speaker turn: the span covers only the speech, after any timestamp and label."""

    number: int  # 1..n in document order, interviewer turns included
    start: int
    end: int
    label: str | None  # the speaker label as written, None when the file has no labels
    timestamp: str | None = None
    sentences: tuple[Sentence, ...] = ()


@dataclass(frozen=True)
class ParsedDocument:
    """A transcript read from a file: its stored text, turns and front-matter attributes."""

    id: str
    path: str
    format: str
    text: str
    turns: tuple[Turn, ...]
    attributes: dict[str, str] = field(default_factory=dict)
    language: str = "en"
    doc_type: DocType = DocType.OTHER
    content_hash: str = ""
    preamble_end: int = 0
    # (line in the file, or None for the whole file, message): repairs made and labels read as text
    warnings: tuple[tuple[int | None, str], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Participant:
    """A person in the study with their attributes (gender, ethnicity, site, …)."""

    id: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SpeakerRow:
    """One row of ``participants.csv``: which label in which document is which participant."""

    participant: str
    document: str | None  # None: any document
    speaker: str  # the label; defaults to the participant id
    role: str | None  # "interviewer", another role name, or None
    line: int  # the CSV line, for messages


@dataclass(frozen=True)
class ResolvedTurn:
    """A turn's speaker after resolution against participants and front matter."""

    document: str
    number: int
    role: Role
    participant: str | None
    role_name: str | None = None  # the `role` cell of participants.csv, when one applied
    # given through an interpreter: None for direct speech, "" for an unnamed language, else the language
    interpreted: str | None = None

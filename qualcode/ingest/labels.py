"""Recognising speaker labels at the start of a line (the spec's "Speaker labels" rules).

This module only finds *candidates*; whether a candidate really is a speaker (known, or starting at least
two lines) is decided by :mod:`qualcode.ingest.turns`, which sees the whole document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CLOCK = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
TIMESTAMP = re.compile(rf"\s*(?:\[(?P<a>{_CLOCK})\]|\((?P<b>{_CLOCK})\)|(?P<c>{_CLOCK})(?=\s))\s*")
_LABEL_BODY = r"[^\W_](?:[^\W_]|[ .'’\-])*"
COLON_LABEL = re.compile(rf"(?P<label>{_LABEL_BODY}?)\s*(?P<note>\([^()\n]{{0,60}}\))?\s*:(?=\s|$)")
BRACKET_LABEL = re.compile(rf"\[(?P<label>{_LABEL_BODY})\]\s*:?(?=\s|$)")

MAX_LABEL_CHARS = 40
MAX_LABEL_WORDS = 5

# Transcribers' tags for non-speech: never a speaker, whatever follows them.
NON_SPEECH = frozenset("""
laughter laughs laughing laugh inaudible unclear unintelligible crosstalk cross-talk pause pauses paused
silence noise cough coughs coughing sigh sighs music applause overlapping overlap interruption interrupted
break inaudible. phone ringing background end start recording
""".split())


@dataclass(frozen=True)
class Candidate:
    """A possible speaker label found at the start of a line."""

    label: str  # as written, whitespace collapsed, without parenthetical or colon
    speech_at: int  # offset in the line where the speech begins (after the colon and spaces)
    timestamp: str | None


def label_key(label: str) -> str:
    """The form labels are compared in: case-folded, whitespace collapsed."""
    return " ".join(label.split()).casefold()


def split_timestamp(line: str) -> tuple[str | None, int]:
    """A leading timestamp (``[00:12:34]``, ``00:12:34``, ``(12:34)``) and the offset after it."""
    match = TIMESTAMP.match(line)
    if not match:
        return None, 0
    return match.group("a") or match.group("b") or match.group("c"), match.end()


def _acceptable(label: str) -> bool:
    words = label.split()
    return 0 < len(label) <= MAX_LABEL_CHARS and len(words) <= MAX_LABEL_WORDS


def _speech_start(line: str, at: int) -> int:
    while at < len(line) and line[at] in " \t":
        at += 1
    return at


def find_candidate(line: str, bold_prefix: str | None = None) -> Candidate | None:
    """The speaker-label candidate at the start of ``line``, or None.

    ``bold_prefix`` is the text of a Word paragraph's leading bold run(s); when it ends in ``:`` it is a
    candidate even if it would not pass the plain-text character rules.
    """
    timestamp, at = split_timestamp(line)
    rest = line[at:]
    if bold_prefix and bold_prefix.strip().endswith(":") and line.startswith(bold_prefix):
        label = " ".join(bold_prefix.strip()[:-1].split())
        bold_ts, bold_at = split_timestamp(label)
        label = label[bold_at:] if bold_ts else label
        if 0 < len(label) <= MAX_LABEL_CHARS and label.casefold() not in NON_SPEECH:
            return Candidate(label, _speech_start(line, len(bold_prefix)), timestamp or bold_ts)
    match = COLON_LABEL.match(rest)
    if match:
        label = " ".join(match.group("label").split())
        if _acceptable(label) and label.split()[0].casefold() not in NON_SPEECH:
            return Candidate(label, _speech_start(line, at + match.end()), timestamp)
    match = BRACKET_LABEL.match(rest)
    if match:
        label = " ".join(match.group("label").split())
        first = label.split()[0]
        if _acceptable(label) and label[0].isupper() and first.casefold() not in NON_SPEECH:
            return Candidate(label, _speech_start(line, at + match.end()), timestamp)
    return None

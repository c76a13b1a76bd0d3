"""Subtitle transcripts from transcription tools: WebVTT (``.vtt``) and SubRip (``.srt``)."""

from __future__ import annotations

import re
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest.encoding import decode
from qualcode.ingest.turns import Line, explicit
from qualcode.ingest.types import RawDocument

_TIMING = re.compile(r"^\s*(?P<start>[\d:.,]+)\s*-->\s*(?P<end>[\d:.,]+)")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+(?P<name>[^>]+)>(?P<text>.*?)(?:</v>|(?=<v[\s.])|$)", re.S)
_TAG = re.compile(r"</?[a-z][^>]*>|&(?:amp|lt|gt|nbsp);")
_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": " "}


def _clock(value: str) -> str:
    """``00:01:02.500`` → ``00:01:02`` (the turn timestamp keeps whole seconds)."""
    value = value.replace(",", ".").split(".")[0]
    return value if value.count(":") == 2 else f"00:{value}"


def _clean(text: str) -> str:
    return " ".join(_TAG.sub(lambda m: _ENTITIES.get(m.group(0), ""), text).split())


def _cues(text: str, where: str) -> list[tuple[str, str]]:
    """``(start time, cue text)`` for every cue of a VTT or SRT body."""
    cues: list[tuple[str, str]] = []
    blocks = re.split(r"\n[ \t]*\n", text.strip())
    for block in blocks:
        lines = block.split("\n")
        timing = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if timing is None:
            continue  # WEBVTT header, NOTE and STYLE blocks, stray numbers
        cues.append((_clock(_TIMING.match(lines[timing]).group("start")), "\n".join(lines[timing + 1:])))
    if not cues:
        raise InputFileError("no subtitle cues (no `00:00:01.000 --> 00:00:04.000` lines)", where=where)
    return cues


def read_vtt(path: Path, data: bytes, encoding: str | None) -> RawDocument:
    """WebVTT: the speaker comes from ``<v Name>`` voice tags or a ``Name:`` prefix."""
    warnings: list[str] = []
    text, _ = decode(data, str(path), encoding, warnings)
    if not text.lstrip().startswith("WEBVTT"):
        raise InputFileError("not a WebVTT file: the first line must be WEBVTT", where=str(path))
    lines: list[Line] = []
    for start, body in _cues(text, str(path)):
        voices = list(_VOICE.finditer(body))
        if voices:
            before = _clean(body[:voices[0].start()])
            if before:
                lines.append(Line(before, timestamp=start))
            for voice in voices:
                lines.append(explicit(" ".join(voice.group("name").split()), _clean(voice.group("text")), start))
        else:
            lines.append(Line(_clean(body), timestamp=start))
    return RawDocument(_non_empty(lines), cues=True, warnings=tuple(warnings))


def read_srt(path: Path, data: bytes, encoding: str | None) -> RawDocument:
    """SubRip: the speaker comes from a ``Name:`` prefix on the cue's text."""
    warnings: list[str] = []
    text, _ = decode(data, str(path), encoding, warnings)
    lines = [Line(_clean(body), timestamp=start) for start, body in _cues(text, str(path))]
    return RawDocument(_non_empty(lines), cues=True, warnings=tuple(warnings))


def _non_empty(lines: list[Line]) -> list[Line]:
    return [line for line in lines if line.text or line.label]

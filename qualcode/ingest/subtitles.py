"""Subtitle transcripts from transcription tools: WebVTT (``.vtt``) and SubRip (``.srt``).

Every line of text reaches the stored text: a cue whose timing line is odd (``->``, a dash, a garbled end
time) is read with a warning, a cue whose timing line cannot be read keeps its text without a time, and text
standing without a timing line continues the cue before it; each case is reported once per file with the
line of its first occurrence. Styling (``<i>``, ``<c.yellow>``), karaoke timing tags (``<00:00:06.000>``)
and SubRip override codes (``{\\an8}``) are removed; a line of a cue that starts with a speaker label starts
a new line for the label rules, so two speakers in one cue never share a turn.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest.encoding import decode, normalise
from qualcode.ingest.labels import find_candidate
from qualcode.ingest.turns import Line, explicit
from qualcode.ingest.types import RawDocument

_CLOCK = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,:]\d{1,3})?"
_ARROW = r"(?:-{1,3}>|[–—=]+>|→)"
# `00:00:01.000 --> 00:00:04.000 line:90%`: the form both formats define.
_VALID = re.compile(rf"^\s*(?P<start>{_CLOCK})\s*-->\s*(?P<end>{_CLOCK})(?:\s.*)?$")
# Readable start, odd rest: another arrow (`->`, `→`, `=>`), a dash between two times, or a garbled end time.
_ODD = re.compile(rf"^\s*(?P<start>{_CLOCK})\s*(?:{_ARROW}\s*(?:{_CLOCK}|\S*)|[-–—]{{1,2}}\s*{_CLOCK})(?:\s.*)?$")
_DASHED = re.compile(rf"^\s*{_CLOCK}\s*[-–—]")  # a dash, not an arrow: a timing line only where a cue starts
# An arrow with an unreadable start time (`00:00:0x.000 --> 00:00:09.000`): a timing line, if it has few letters.
_BAD = re.compile(rf"-->|{_ARROW}\s*{_CLOCK}")
_LETTER = re.compile(r"[^\W\d_]")
_INDEX = re.compile(r"^\s*\d+\s*$")
_METADATA = re.compile(r"^(?:NOTE(?:\s|$)|STYLE\s*$|REGION\s*$)")

_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+(?P<name>[^>]+)>(?P<text>.*?)(?:</v>|(?=<v[\s.])|$)", re.S)
_TAG = re.compile(r"</?(?:c|i|b|u|s|v|lang|ruby|rt|font|span)(?:[.\s][^<>]*)?>|<\d+(?::\d{2}){1,2}(?:[.,]\d{1,3})?>",
                  re.I)
_BREAK = re.compile(r"<br\s*/?>", re.I)  # a line break some tools write in SubRip
_OVERRIDE = re.compile(r"\{\\[^{}]*\}")  # SubRip / ASS override codes: {\an8}, {\i1}, {\pos(10,20)}
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});")
_DIALOGUE_DASH = re.compile(r"^\s*[-–—]\s*")


@dataclass
class Cue:
    """A cue as read: its start time (None: no readable timing line), its text lines and where it starts."""

    start: str | None
    lines: list[str]
    line: int  # 1-based line of its timing line (or of its first text line when it has none)


@dataclass
class _Found:
    """Timing lines that were odd or unreadable and text without a timing line: ``(line, text)`` each."""

    odd: list[tuple[int, str]]
    bad: list[tuple[int, str]]
    loose: list[tuple[int, str]]


def _clock(value: str) -> str:
    """``00:01:02.500`` → ``00:01:02`` (the turn timestamp keeps whole seconds; ``00:01:02:12`` drops frames)."""
    value = ":".join(re.split(r"[.,]", value)[0].split(":")[:3])
    return value if value.count(":") == 2 else f"00:{value}"


def _possible(clock: str) -> bool:
    """Whether ``hh:mm:ss`` is a time (``00:99:99`` is not)."""
    _, minutes, seconds = clock.split(":")
    return int(minutes) < 60 and int(seconds) < 60


def _entity(match: re.Match) -> str:
    text = html.unescape(match.group(0))
    return text if text != match.group(0) else match.group(0)


def clean(text: str) -> str:
    """A cue's text as a reader sees it: tags, timing tags and override codes removed, character references
    read, whitespace collapsed."""
    text = _ENTITY.sub(_entity, _OVERRIDE.sub("", _TAG.sub("", _BREAK.sub(" ", text))))
    return " ".join(normalise(text).split())


def _timing(line: str, at_start: bool) -> tuple[str, str | None] | None:
    """``("valid" | "odd" | "bad", start time)`` when ``line`` is a timing line, else None."""
    match = _VALID.match(line)
    if match and _possible(_clock(match.group("start"))):
        return "valid", _clock(match.group("start"))
    match = _ODD.match(line) if not match else None
    if match and _possible(_clock(match.group("start"))) and (
            at_start or not _DASHED.match(line) or re.search(_ARROW, line)):
        return "odd", _clock(match.group("start"))
    if (at_start or "-->" in line) and _BAD.search(line) and len(_LETTER.findall(line)) <= 4:
        return "bad", None
    return None


def _cues(text: str, where: str, vtt: bool) -> tuple[list[Cue], _Found]:
    """Every cue of a VTT or SRT body, with what was odd about them."""
    lines = text.split("\n")
    cues: list[Cue] = []
    found = _Found([], [], [])
    block_start = True  # the next non-blank line starts a block
    skipping = vtt  # inside the WEBVTT header block, or a NOTE / STYLE / REGION block
    started = False  # a non-blank line was seen (blank lines before the WEBVTT line do not end its block)
    current: Cue | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            block_start, skipping = True, skipping and not started
            i += 1
            continue
        started = True
        if skipping:
            found_timing = _timing(line, True)
            if found_timing is None or found_timing[0] == "bad":
                i += 1
                continue
            skipping = False  # a cue right after the header or a note, without a blank line
        if block_start and vtt and _METADATA.match(line):
            skipping = True
            i += 1
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        kind = _timing(line, block_start)
        if kind is None and ((block_start and vtt) or _INDEX.match(line)) and nxt.strip():
            ahead = _timing(nxt, True)
            if ahead is not None and (ahead[0] != "bad" or block_start or _INDEX.match(line)):  # a cue id / index
                i += 1
                line, kind = nxt, ahead
        if kind is not None:
            what, start = kind
            if what == "odd":
                found.odd.append((i + 1, line.strip()))
            elif what == "bad":
                found.bad.append((i + 1, line.strip()))
            current = Cue(start, [], i + 1)
            cues.append(current)
        elif block_start or current is None:
            if not (_INDEX.match(line) and not nxt.strip()):  # a stray cue number alone is not text
                found.loose.append((i + 1, line.strip()))
                current = Cue(None, [line], i + 1)
                cues.append(current)
        else:
            current.lines.append(line)
        block_start = False
        i += 1
    if not any(cue.start is not None for cue in cues):
        raise InputFileError("no subtitle cues (no `00:00:01.000 --> 00:00:04.000` lines)", where=where)
    return cues, found


def _cue_lines(cue: Cue) -> list[Line]:
    """A cue's lines for the label rules: voice tags give their speaker; otherwise the cue's lines are joined,
    except that a line starting with a speaker label (after a dialogue dash) starts a line of its own."""
    body = "\n".join(cue.lines)
    voices = list(_VOICE.finditer(body))
    if voices:
        lines: list[Line] = []
        before = clean(body[:voices[0].start()])
        if before:
            lines.append(Line(before, timestamp=cue.start))
        for voice in voices:
            lines.append(explicit(" ".join(voice.group("name").split()), clean(voice.group("text")), cue.start))
        return lines
    groups: list[list[str]] = []
    for raw in cue.lines:
        text = clean(raw)
        undashed = _DIALOGUE_DASH.sub("", text, count=1)
        if groups and text and find_candidate(undashed) is not None:
            groups.append([undashed])
        elif not groups:
            groups.append([undashed if find_candidate(undashed) is not None else text])
        else:
            groups[-1].append(text)
    return [Line(" ".join(" ".join(group).split()), timestamp=cue.start) for group in groups] or [
        Line("", timestamp=cue.start)]


def _warnings(found: _Found) -> list[tuple[int | None, str]]:
    warnings: list[tuple[int | None, str]] = []
    if found.odd:
        (line, text), n = found.odd[0], len(found.odd)
        warnings.append((line, f"{n} cue{'s' * (n != 1)} with an odd timing line ({text!r} here) read as cue"
                               f"{'s' * (n != 1)}; a timing line is `00:00:01.000 --> 00:00:04.000`"))
    if found.bad:
        (line, text), n = found.bad[0], len(found.bad)
        warnings.append((line, f"{n} timing line{'s' * (n != 1)} qualcode cannot read ({text!r} here): the "
                               f"text of {'these cues' if n != 1 else 'this cue'} is kept, without a time; "
                               "correct the times"))
    if found.loose:
        (line, text), n = found.loose[0], len(found.loose)
        warnings.append((line, f"{n} block{'s' * (n != 1)} of text without a timing line ({text[:40]!r} here) "
                               "read as continuing the cue before; add the timing line if it is a cue of its own"))
    return warnings


def _read(path: Path, data: bytes, encoding: str | None, vtt: bool) -> RawDocument:
    repaired: list[str] = []
    text, _ = decode(data, str(path), encoding, repaired)
    if vtt and not text.lstrip().startswith("WEBVTT"):
        raise InputFileError("not a WebVTT file: the first line must be WEBVTT", where=str(path))
    cues, found = _cues(text, str(path), vtt)
    lines = [line for cue in cues for line in _cue_lines(cue) if line.text or line.label]
    return RawDocument(lines, cues=True, warnings=tuple([(None, w) for w in repaired] + _warnings(found)))


def read_vtt(path: Path, data: bytes, encoding: str | None) -> RawDocument:
    """WebVTT: the speaker comes from ``<v Name>`` voice tags or a ``Name:`` prefix.

    Raises InputFileError when the file does not start with ``WEBVTT`` or holds no cue with a readable time.
    """
    return _read(path, data, encoding, vtt=True)


def read_srt(path: Path, data: bytes, encoding: str | None) -> RawDocument:
    """SubRip: the speaker comes from a ``Name:`` prefix on the cue's text.

    Raises InputFileError when the file holds no cue with a readable time.
    """
    return _read(path, data, encoding, vtt=False)

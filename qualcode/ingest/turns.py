"""From a reader's lines to stored text and speaker turns (shared by every format).

Readers produce :class:`Line` values: raw text lines (plain text, Word paragraphs, PDF lines) or lines whose
speaker is already known (Word speaker tables, subtitle cues). This module decides which label candidates
are speakers, merges subtitle cues, and computes every turn's span in the stored text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from qualcode.ingest.labels import Candidate, find_candidate, label_key
from qualcode.ingest.misspelt import misspelt_label
from qualcode.model import Turn


@dataclass(frozen=True)
class Line:
    """One line of a document as a reader saw it."""

    text: str
    label: str | None = None  # an explicit speaker (table row, subtitle voice): always a speaker
    timestamp: str | None = None
    bold_prefix: str | None = None  # Word: the text of the paragraph's leading bold run(s)


@dataclass(frozen=True)
class ParsedText:
    """The stored text of a document and its turns (sentences are added later), the lines (indexes into the
    reader's lines) whose once-used label candidate was read as text, with that label, and the lines whose
    once-used label was read as a misspelling of another, as ``(line, label as written, label taken as)``."""

    text: str
    turns: tuple[Turn, ...]
    preamble_end: int
    once_used: tuple[tuple[int, str], ...] = ()
    respelt: tuple[tuple[int, str, str], ...] = ()


def explicit(label: str, speech: str, timestamp: str | None = None) -> Line:
    """A line rendered as ``Label: speech`` whose speaker is known to be ``label``."""
    return Line(f"{label}: {speech}", label=label, timestamp=timestamp)


def name_shaped(label: str) -> bool:
    """Whether ``label`` looks like a personal name: two to five words, each starting with a capital letter
    (``Kirsty Williams AM``, ``Steve Davies``, ``Nguyễn Thị Lan``)."""
    words = label.split()
    return 2 <= len(words) <= 5 and all(w[0].isupper() for w in words)


def _candidates(lines: Sequence[Line], is_known: Callable[[str], bool],
                once_used: list[tuple[int, str]] | None = None, *, role_labels: Collection[str] = (),
                respelt: list[tuple[int, str, str]] | None = None) -> list[Candidate | None]:
    """The accepted speaker label of each line (None: text). A candidate is accepted when the reader says it
    is a speaker, it is known, or it starts at least two lines. Used once after the first accepted label, it
    is read as the accepted label it misspells (:func:`~qualcode.ingest.misspelt.misspelt_label`; appended to
    ``respelt`` as ``(line index, label, label taken as)``), else accepted when it is name-shaped in a
    document whose accepted labels are all name-shaped. Once-used candidates that are not accepted, after the
    first accepted label, are appended to ``once_used`` as ``(line index, label)``."""
    found: list[Candidate | None] = []
    for line in lines:
        if line.label is not None:
            found.append(Candidate(line.label, len(line.label) + 2, line.timestamp))
        else:
            cand = find_candidate(line.text, line.bold_prefix)
            if cand is not None and cand.timestamp is None and line.timestamp:
                cand = Candidate(cand.label, cand.speech_at, line.timestamp)  # a subtitle cue's start
            found.append(cand)
    counts = Counter(label_key(c.label) for c in found if c is not None)
    accepted: list[Candidate | None] = []
    for line, cand in zip(lines, found):
        if cand is not None and (line.label is not None or is_known(cand.label)
                                 or counts[label_key(cand.label)] >= 2):
            accepted.append(cand)
        else:
            accepted.append(None)
    spelling: dict[str, str] = {}  # label key -> the label as first written
    for cand in accepted:
        if cand is not None:
            spelling.setdefault(label_key(cand.label), cand.label)
    names = {key: name_shaped(label) for key, label in spelling.items()}
    named_document = len(names) >= 2 and all(names.values())
    for i, cand in enumerate(found):
        if cand is None or accepted[i] is not None:
            continue
        meant = (misspelt_label(cand.label, spelling.values(), role_labels)
                 if counts[label_key(cand.label)] == 1 and any(accepted[:i]) else None)
        if meant is not None:  # `Particpant:` among `Participant:` turns starts a turn of that speaker
            accepted[i] = Candidate(meant, cand.speech_at, cand.timestamp)
            if respelt is not None:
                respelt.append((i, cand.label, meant))
        elif named_document and name_shaped(cand.label):
            accepted[i] = cand  # `Steve Davies:` among `Kirsty Williams AM:`-style labels
        elif once_used is not None and counts[label_key(cand.label)] == 1 and any(accepted[:i]):
            once_used.append((i, cand.label))  # inside a turn; the preamble (a header block) is not reported
    return accepted


def merge_cues(lines: Sequence[Line], is_known: Callable[[str], bool], *, role_labels: Collection[str] = (),
               respelt: list[tuple[int, str, str]] | None = None,
               opens_turn: Callable[[str], bool] | None = None) -> list[Line]:
    """Subtitles: consecutive cues of one speaker, and cues with no speaker, join the current turn — except a
    cue whose speech ``opens_turn`` (it starts with an interpreter's note), which starts a turn of its own so
    the note opens the turn it marks.

    Cues before the first speaker stay as they are (the preamble, or paragraphs when nobody is labelled).
    A cue's misspelt label is read as the label it misspells and appended to ``respelt`` (see
    :func:`build_turns`).
    """
    accepted = _candidates(lines, is_known, role_labels=role_labels, respelt=respelt)
    if not any(accepted):
        return list(lines)
    merged: list[Line] = []
    current: Candidate | None = None
    parts: list[str] = []

    def flush() -> None:
        if current is not None:
            merged.append(explicit(current.label, " ".join(p for p in parts if p), current.timestamp))

    for line, cand in zip(lines, accepted):
        speech = line.text[cand.speech_at:].strip() if cand is not None else line.text.strip()
        opens = bool(parts) and opens_turn is not None and opens_turn(speech)
        if cand is not None and (current is None or label_key(cand.label) != label_key(current.label) or opens):
            flush()
            current, parts = cand, [speech]
        elif cand is None and current is not None and opens:
            flush()
            current, parts = Candidate(current.label, 0, line.timestamp), [speech]
        elif current is not None:
            parts.append(speech)
        else:
            merged.append(line)
    flush()
    return merged


def paragraph_spans(text: str, start: int, end: int, *, per_line: bool = False) -> list[tuple[int, int]]:
    """Non-blank paragraphs of ``text[start:end]`` as trimmed spans.

    Blank lines separate paragraphs; with ``per_line`` every non-blank line is one.
    """
    spans: list[tuple[int, int]] = []
    para: tuple[int, int] | None = None
    at = start
    for line in text[start:end].split("\n"):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            line_span = (at + lead, at + lead + len(stripped))
            para = line_span if para is None or per_line else (para[0], line_span[1])
            if per_line:
                spans.append(para)
        elif para is not None and not per_line:
            spans.append(para)
            para = None
        at += len(line) + 1
    if para is not None and not per_line:
        spans.append(para)
    return spans


def build_turns(lines: Sequence[Line], is_known: Callable[[str], bool], *,
                role_labels: Collection[str] = ()) -> ParsedText:
    """Join ``lines`` into the stored text and cut it into turns at accepted speaker labels.

    A line without a label continues the current turn; text before the first label is the preamble.
    Without any label, every paragraph is a turn with no speaker. ``role_labels`` (interviewer, respondent and
    interpreter labels) may be misspelt more freely than names.
    """
    once_used: list[tuple[int, str]] = []
    respelt: list[tuple[int, str, str]] = []
    accepted = _candidates(lines, is_known, once_used, role_labels=role_labels, respelt=respelt)
    text = "\n".join(line.text for line in lines)
    if not any(accepted):
        per_line = not re.search(r"\S\n[ \t]*\n\s*\S", text)
        spans = paragraph_spans(text, 0, len(text), per_line=per_line)
        turns = tuple(Turn(i, s, e, None) for i, (s, e) in enumerate(spans, 1))
        return ParsedText(text, turns, 0, tuple(once_used), tuple(respelt))

    turns: list[Turn] = []
    offset = 0
    preamble_end = None
    open_turn: dict | None = None

    def close() -> None:
        if open_turn is not None:
            start = open_turn["start"] if open_turn["start"] is not None else open_turn["fallback"]
            end = max(open_turn["end"], start)
            turns.append(Turn(len(turns) + 1, start, end, open_turn["label"], open_turn["timestamp"]))

    for line, cand in zip(lines, accepted):
        if cand is not None:
            close()
            if preamble_end is None:
                preamble_end = offset
            speech = line.text[cand.speech_at:]
            stripped = speech.rstrip()
            begin = offset + cand.speech_at
            open_turn = {"label": cand.label, "timestamp": cand.timestamp,
                         "start": begin if stripped else None, "fallback": begin,
                         "end": begin + len(stripped)}
        elif open_turn is not None and line.text.strip():
            lead = len(line.text) - len(line.text.lstrip())
            if open_turn["start"] is None:
                open_turn["start"] = offset + lead
            open_turn["end"] = offset + len(line.text.rstrip())
        offset += len(line.text) + 1
    close()
    return ParsedText(text, tuple(turns), preamble_end or 0, tuple(once_used), tuple(respelt))

"""Reading transcript files into :class:`~qualcode.model.ParsedDocument` values (what ``qualcode.ingest``
offers; see its docstring).

One reader per format, dispatched by suffix through :data:`READERS`; readers know nothing of codes or of the
store. The shared steps — front matter, speaker labels, turns, sentences — live here and in ``turns``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest import PARSER_VERSION
from qualcode.ingest.docx import read_docx
from qualcode.ingest.encoding import vietnamese_share
from qualcode.ingest.frontmatter import split_front_matter
from qualcode.ingest.interpreting import read_notes
from qualcode.ingest.labels import label_key
from qualcode.ingest.pdf import read_pdf
from qualcode.ingest.subtitles import read_srt, read_vtt
from qualcode.ingest.text import read_text
from qualcode.ingest.turns import build_turns, merge_cues, paragraph_spans
from qualcode.ingest.types import RawDocument
from qualcode.model import DocType, ParsedDocument, Sentence, Turn
from qualcode.project.folder import Config

Reader = Callable[[Path, bytes, "str | None"], RawDocument]

READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".md": read_text,
    ".docx": read_docx,
    ".vtt": read_vtt,
    ".srt": read_srt,
    ".pdf": read_pdf,
}

FRONT_MATTER_SPEAKER_KEYS = ("interviewer", "interviewers", "speakers", "respondent", "respondents", "interpreter",
                             "interpreters")
VIETNAMESE_THRESHOLD = 0.05
_ID_TYPE = re.compile(r"^(IDI|FGD)(?![A-Za-z])", re.I)


def supported(path: Path) -> bool:
    """Whether qualcode has a reader for ``path``'s suffix."""
    return path.suffix.lower() in READERS


def unsupported_message(path: Path) -> str:
    """The error for a file named explicitly whose suffix has no reader."""
    return f"unsupported file type {path.suffix or '(none)'!r}; qualcode reads {', '.join(READERS)}"


def role_labels(config: Config) -> tuple[str, ...]:
    """The labels that name a role, not a person: interviewer, respondent and interpreter labels."""
    return (*config.interviewer_labels, *config.respondent_labels, *config.interpreter_labels)


def _csv_labels(doc_id: str, config: Config, speaker_labels: dict[str | None, set[str]]) -> set[str]:
    known = {label_key(v) for v in role_labels(config)}
    return known | speaker_labels.get(doc_id, set()) | speaker_labels.get(None, set())


def parse_key(data: bytes, encoding: str | None, doc_id: str, config: Config,
              speaker_labels: dict[str | None, set[str]]) -> str:
    """What a document's parse depends on: the file's bytes, ``--encoding`` and the labels known for it.

    An unchanged file is skipped only when this key is unchanged, so a label added to participants.csv
    re-parses the documents it could split differently.
    """
    digest = hashlib.sha256(data)
    digest.update(f"\0{encoding or ''}\0{PARSER_VERSION}\0".encode())
    digest.update("\0".join(sorted(_csv_labels(doc_id, config, speaker_labels))).encode())
    return digest.hexdigest()


def _doc_type(doc_id: str, attributes: dict[str, str], where: str) -> DocType:
    declared = attributes.get("type", "").strip()
    if declared:
        for choice in DocType:
            if declared.casefold() == choice.value.casefold():
                return choice
        raise InputFileError(f"front matter type {declared!r}: use IDI, FGD or other", where=where)
    match = _ID_TYPE.match(doc_id)
    return DocType(match.group(1).upper()) if match else DocType.OTHER


# A transcript larger than this is not one interview (a 21 MB one-line file takes about 0.9 GB to ingest):
# refusing it keeps ingest's memory bounded.
MAX_BYTES = 64 * 2**20


def read_bytes(path: Path) -> bytes:
    """A file's bytes; raises InputFileError when it cannot be read or is over :data:`MAX_BYTES`."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputFileError(f"{size / 2**20:,.0f} MB is too large for one transcript (at most "
                                 f"{MAX_BYTES // 2**20} MB): split it into interviews", where=str(path))
        return path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", where=str(path)) from None


def read_document(path: Path, rel_path: str, config: Config, speaker_labels: dict[str | None, set[str]],
                  *, data: bytes | None = None, encoding: str | None = None) -> ParsedDocument:
    """Read one transcript into a document with turns (sentences are added by :func:`add_sentences`).

    ``speaker_labels`` maps a document id (None: any document) to the label keys participants.csv knows.
    Raises InputFileError for unreadable, empty, binary or malformed files.
    """
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise InputFileError(unsupported_message(path), where=str(path))
    data = read_bytes(path) if data is None else data
    if not data.strip():
        raise InputFileError("empty file", where=str(path))
    raw = reader(path, data, encoding)
    attributes, lines = split_front_matter(raw.lines, str(path))
    skipped = len(raw.lines) - len(lines)  # front matter lines: a warning's line number counts them
    doc_id = attributes.get("id", "").strip() or path.stem
    known = _csv_labels(doc_id, config, speaker_labels)
    for key in FRONT_MATTER_SPEAKER_KEYS:
        known |= {label_key(v) for v in attributes.get(key, "").split(",") if v.strip()}

    def is_known(label: str) -> bool:
        return label_key(label) in known

    respelt: list[tuple[int, str, str]] = []
    cue_times = [line.timestamp for line in lines]
    if raw.cues:
        notes = [re.compile(p) for p in config.interpreter_notes]
        lines = merge_cues(lines, is_known, role_labels=role_labels(config), respelt=respelt,
                           opens_turn=lambda speech: read_notes(speech, notes).interpreted)
    parsed = build_turns(lines, is_known, role_labels=role_labels(config))
    respelt_warnings = (
        [(None, _respelt_message(label, meant, cue_times[i])) for i, label, meant in respelt] if raw.cues
        else [(skipped + i + 1, _respelt_message(label, meant)) for i, label, meant in parsed.respelt])
    if not parsed.turns:
        raise InputFileError("no transcript text (empty after front matter)", where=str(path))
    language = attributes.get("language", "").strip() or (
        "vi" if vietnamese_share(parsed.text) >= VIETNAMESE_THRESHOLD else config.language)
    return ParsedDocument(
        id=doc_id, path=rel_path, format=path.suffix.lower().lstrip("."), text=parsed.text,
        turns=parsed.turns, attributes=attributes, language=language,
        doc_type=_doc_type(doc_id, attributes, str(path)),
        content_hash=parse_key(data, encoding, doc_id, config, speaker_labels),
        preamble_end=parsed.preamble_end,
        warnings=tuple(raw.warnings) + tuple(respelt_warnings)
        + tuple((skipped + i + 1, _once_used_message(label, doc_id)) for i, label in parsed.once_used))


def _respelt_message(label: str, meant: str, cue_time: str | None = None) -> str:
    where = f" (in the cue at {cue_time})" if cue_time else ""
    return (f"{label + ':'!r}{where} was read as the speaker label {meant!r}: it starts only this line and looks "
            f"like a misspelling of it; if it is not, correct the label in the transcript")


def _once_used_message(label: str, doc_id: str) -> str:
    return (f"{label + ':'!r} starts only this line, so it was read as text, not as a speaker; if it is one, add "
            f"a participants.csv row with document {doc_id} and speaker {label!r} (or list it in the front "
            "matter's `speakers:`)")


def add_sentences(doc: ParsedDocument) -> ParsedDocument:
    """``doc`` with every turn's sentences and word tokens (paragraphs of a turn never share a sentence)."""
    from dataclasses import replace

    from qualcode.ingest.segment import segment

    paragraphs = [paragraph_spans(doc.text, t.start, t.end) for t in doc.turns]
    flat = [span for spans in paragraphs for span in spans]
    segmented = iter(segment([doc.text[s:e] for s, e in flat], doc.language, [s for s, _ in flat]))
    turns: list[Turn] = []
    for turn, spans in zip(doc.turns, paragraphs):
        sentences = [Sentence(*sentence) for _ in spans for sentence in next(segmented)]
        turns.append(replace(turn, sentences=tuple(sentences)))
    return replace(doc, turns=tuple(turns))


_WORD = re.compile(r"\S*[^\W_]\S*")


def words_in(text: str, start: int = 0, end: int | None = None) -> int:
    """Words of ``text[start:end]`` as the documents table counts them: whitespace-separated tokens holding a
    letter or digit (a Vietnamese syllable is one word)."""
    return len(_WORD.findall(text, start, len(text) if end is None else end))


def word_count(doc: ParsedDocument) -> int:
    """Words of the turns' text: whitespace-separated tokens holding a letter or digit."""
    return sum(len(_WORD.findall(doc.text, t.start, t.end)) for t in doc.turns)

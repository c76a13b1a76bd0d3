"""Turns given through an interpreter: a transcriber's note at the start of a turn, or an interpreter's label.

A participant's turn that opens with a note such as ``[in Khmer; the achar translates]``, ``[tiếng Mông, chị
Sính dịch]``, ``[signs; sister interprets]`` or ``[in Hmong] [interpreter: she says …]`` is the interpreter's
rendering of what the participant said, not the participant's own words. A note without a language (``[chị
Sính dịch]``) carries the language of the same speaker's other notes. A turn whose speaker *is* an interpreter
(``Interpreter:``, a ``role`` of ``interpreter`` in participants.csv, front matter ``interpreter:``, or a
participant's own ``[translating]`` note) renders a respondent: the one its note names, else the one the
interviewer just called by name, else the one who spoke last. The stored text is never touched: only the turn
is marked.

What is not interpretation: a translator's gloss (``[translator: the first term is older…]``), a note naming
only the language spoken (``[in Hmong]``: the words are the participant's, translated with the whole
transcript), a note anywhere but at the start of the turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SIGN_LANGUAGE = "sign language"

# Vietnamese (and variant English) names of the study's languages, folded to the English name reports print.
LANGUAGE_NAMES = {
    "mông": "Hmong", "h'mông": "Hmong", "hmông": "Hmong", "h’mông": "Hmong", "hmong": "Hmong", "h'mong": "Hmong",
    "mèo": "Hmong", "khơ-me": "Khmer", "khơ me": "Khmer", "khơme": "Khmer", "khmer": "Khmer", "khơ-mer": "Khmer",
    "dao": "Dao", "tày": "Tày", "tay": "Tày", "giáy": "Giáy", "giay": "Giáy", "hoa": "Hoa", "kinh": "Vietnamese",
    "việt": "Vietnamese", "vietnamese": "Vietnamese", "viet": "Vietnamese", "english": "English", "anh": "English",
    "ký hiệu": SIGN_LANGUAGE, "kí hiệu": SIGN_LANGUAGE, "sign language": SIGN_LANGUAGE, "signs": SIGN_LANGUAGE,
    "ngôn ngữ ký hiệu": SIGN_LANGUAGE, "thủ ngữ": SIGN_LANGUAGE,
}

_LEADING_NOTE = re.compile(r"\s*\[(?P<note>[^\[\]\n]{1,160})\]")
MAX_LEADING_NOTES = 4
# `[translator: …]`, `[người dịch: …]`: the transcript's translator explaining a word — a gloss
_GLOSS = re.compile(r"^\s*(?:translator|translator's note|translator’s note|note|người dịch|ghi chú)\s*:", re.I)
# `[interpreter: she says …]`: the interpreter's rendering, written inside the participant's turn
_RENDERING = re.compile(r"^\s*(?:interpreter|interpreting|interpretation|phiên dịch|thông dịch)\s*:", re.I)
_NEGATION = re.compile(r"\b(?:not|no|without|untranslated|không|chưa)\b", re.I)
# "translated" alone is the transcript's own translation (`[translated]`), not an interpreter at the interview
_INTERPRETING_EN = re.compile(
    r"\b(?:translat(?:es|ing)|interpret(?:s|ing|ed)|translated\s+by)\b|\b(?:via|through|with|by)\s+"
    r"(?:an?\s+|the\s+|her\s+|his\s+)?(?:interpreter|translator)\b", re.I)
# the speaker is the one interpreting (`[translating]`, `[interpreting for Sa Rươn]`, `[đang dịch]`): the turn
# is someone else's words
_SELF_INTERPRETING = re.compile(
    r"^(?:now\s+|still\s+|đang\s+)?(?:translating|interpreting|translates|interprets|dịch|phiên dịch|thông dịch)"
    r"(?:\s+(?:for|cho|giúp)\s+(?P<whom>[^\W\d_][\w'’ .-]{0,40}))?$", re.I)
_INTERPRETING_VI = re.compile(r"(?<![\w])(?:dịch|phiên dịch|thông dịch)(?![\w])", re.I)
_NOT_INTERPRETING_VI = re.compile(r"(?<![\w])bản dịch(?![\w])", re.I)
# `[signs]`, `[ký hiệu]`, but not `[signs to her brother]` (the speaker signs to someone, then speaks)
_SIGN = re.compile(r"^(?:signs?|signing|signed|in sign language|sign language|ký hiệu|kí hiệu|ra dấu|"
                   r"(?:bằng |nói )?(?:ngôn ngữ ký hiệu|thủ ngữ))(?![\w])"
                   r"(?!\s+(?:to|with|for\s+(?:him|her)|cho|với)\b)", re.I)
_WORDS = r"(?P<lang>[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*){0,2})"
_LANGUAGE_EN = re.compile(r"^(?:(?:speaking|speaks|spoken|answers|answering|replies|replying|says|said)\s+)?in\s+"
                          + _WORDS, re.I)
_FROM_EN = re.compile(r"\b(?:translated|interpreted|translating|interpreting|translates|interprets)\s+from\s+"
                      + _WORDS, re.I)
_VIA_EN = re.compile(r"^(?P<lang>[^\W\d_][\w'’-]*)\s+(?:via|through)\s+(?:an?\s+|the\s+)?interpreter\b", re.I)
_LANGUAGE_VI = re.compile(r"(?<![\w])tiếng\s+(?P<lang>[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*)?)", re.I)
_VI_STOP = re.compile(r"\s+(?:dịch|phiên|thông|anh|chị|em|cô|chú|bác|ông|bà|và|rồi|qua|do|được|nói)\b.*$", re.I)


@dataclass(frozen=True)
class NoteReading:
    """What the notes at the start of a turn say: whether it is interpreted, the language named (the English
    name; None when no note names one), and whether the speaker is the one interpreting (``[translating]``)
    and for whom (a label as written, when the note says)."""

    interpreted: bool = False
    language: str | None = None
    by_speaker: bool = False
    for_whom: str | None = None


def language_name(name: str) -> str:
    """The English name of a language as a note writes it (``Mông`` or ``tiếng Mông`` → ``Hmong``, ``Khơ-me`` →
    ``Khmer``, ``signs`` → ``sign language``); a name qualcode does not know is kept as written."""
    spoken = " ".join(name.split()).strip(" .'’")
    bare = re.sub(r"^tiếng\s+", "", spoken, flags=re.I)
    return LANGUAGE_NAMES.get(bare.casefold().replace("’", "'"), spoken)


def _language_in(clause: str) -> str | None:
    """The language a clause of a note names, or None."""
    if _SIGN.match(clause):
        return SIGN_LANGUAGE
    for pattern in (_FROM_EN, _VIA_EN, _LANGUAGE_EN, _LANGUAGE_VI):
        match = pattern.search(clause)
        if match:
            return _named(_VI_STOP.sub("", match.group("lang")) if pattern is _LANGUAGE_VI else match.group("lang"))
    return None


def _named(words: str) -> str | None:
    """A language as a note names it: its capitalised words (``Khmer``, ``Red Dao``, ``Klingon`` — kept as
    written unless qualcode knows the name), or a name qualcode knows in any case (``khmer``, ``tiếng việt``);
    None for ``in the kitchen`` or ``tiếng chó sủa`` (a dog barking)."""
    parts = words.split()
    capitalised = []
    for part in parts:
        if not part[:1].isupper():
            break
        capitalised.append(part)
    if capitalised:
        return language_name(" ".join(capitalised))
    for size in range(len(parts), 0, -1):  # `ngôn ngữ ký hiệu`, then shorter
        known = language_name(" ".join(parts[:size]))
        if known != " ".join(parts[:size]).strip(" .'’"):
            return known
    return None


def _is_interpreting(clause: str) -> bool:
    if _NEGATION.search(clause):
        return False
    if _INTERPRETING_EN.search(clause):
        return True
    return bool(_INTERPRETING_VI.search(clause)) and not _NOT_INTERPRETING_VI.search(clause)


def read_notes(speech: str, patterns: Sequence[re.Pattern[str]] = ()) -> NoteReading:
    """Read the transcriber's notes in square brackets at the start of a turn's ``speech`` (up to four in a
    row), and ``patterns`` (qualcode.toml ``[speakers] interpreter_notes``: a match at the start of the speech
    or right after one of those notes marks the turn interpreted; a named group ``language`` names it)."""
    interpreted, language, at = False, None, 0
    by_speaker, for_whom = False, None
    starts = [0]
    for _ in range(MAX_LEADING_NOTES):
        match = _LEADING_NOTE.match(speech, at)
        if not match:
            break
        at = match.end()
        starts.append(at)
        note = match.group("note")
        if _GLOSS.match(note):
            continue
        if _RENDERING.match(note):
            interpreted = True
            continue
        clauses = [c.strip() for c in re.split(r"[;,]|\s[—–-]\s", note) if c.strip()]
        for clause in clauses:
            named = _language_in(clause)
            if named is not None and language is None:
                language = named
            if named == SIGN_LANGUAGE or _is_interpreting(clause):
                interpreted = True  # signing reaches the transcript only through whoever interprets it
            itself = _SELF_INTERPRETING.match(clause)
            if itself:
                interpreted = by_speaker = True
                for_whom = for_whom or (itself.group("whom") or "").strip() or None
    for pattern in patterns:
        for start in starts:
            match = pattern.match(speech, _skip_space(speech, start))
            if match:
                interpreted = True
                named = match.groupdict().get("language")
                if named and named.strip():
                    language = language_name(named)
                break
        else:
            continue
        break
    return NoteReading(interpreted, language, by_speaker, for_whom)


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


@dataclass(frozen=True)
class Spoken:
    """One turn as interpretation is decided: its speaker (label key; None in a file without labels), the
    speaker's part (``interviewer``, ``interpreter``, ``respondent``, or ``unknown`` without labels) and its
    speech."""

    speaker: str | None
    part: str
    speech: str


@dataclass(frozen=True)
class Interpreting:
    """Per turn (in order): ``interpreted`` (None: direct speech; ``''``: an unnamed language; else the
    language) and, for a turn an interpreter speaks, the speaker (label key) whose words it renders (``''``: no
    one; None: not an interpreter's turn); plus the problems to report as ``(turn index, message)``."""

    interpreted: tuple[str | None, ...]
    renders: tuple[str | None, ...]
    problems: tuple[tuple[int, str], ...]


_HONORIFIC = r"(?:(?:chị|anh|bà|ông|cô|chú|em|bác|mr\.?|mrs\.?|ms\.?)\s+)?"


def _addressed(question: str, speakers: Sequence[str]) -> str | None:
    """The speaker (label key) an interviewer's turn calls by name, at its start (``Sa Rươn, what about your
    day?``) or end (``…, bà Lý?``); None when it names no one, or several."""
    found = []
    text = " ".join(question.split()).casefold()
    for key in speakers:
        name = re.escape(key)
        if re.match(rf"^\W*{_HONORIFIC}{name}\s*[,:!?]", text) or re.search(rf",\s*{_HONORIFIC}{name}\W*$", text):
            found.append(key)
    return found[0] if len(found) == 1 else None


def interpreting(turns: Sequence[Spoken], patterns: Sequence[re.Pattern[str]] = ()) -> Interpreting:
    """Decide which turns of one document are interpreted, from which language, and whose words an interpreter
    renders: the respondent a note names (``[translating for Sa Rươn]``), else the one the interviewer just
    called by name, else the respondent who spoke last. A speaker's note without a language takes the
    language of their earlier interpreted note, else of a later one, else of their earlier note naming the
    language they spoke. Interviewers' turns are never marked (their notes are about the question)."""
    readings = [read_notes(t.speech, patterns) if t.part != "interviewer" else NoteReading() for t in turns]
    respondents = list(dict.fromkeys(t.speaker for t in turns if t.part == "respondent" and t.speaker))
    first_through: dict[str, str] = {}  # speaker -> the language of their first interpreted note naming one
    for turn, reading in zip(turns, readings):
        if reading.interpreted and reading.language and not reading.by_speaker:
            first_through.setdefault(turn.speaker or "", reading.language)
    said: dict[str, str] = {}  # speaker -> the language of their last note naming one
    through: dict[str, str] = {}  # speaker -> the language of their last interpreted note naming one
    interpreted: list[str | None] = []
    renders: list[str | None] = []
    unnamed: dict[str, list[int]] = {}  # speaker -> their interpreted turns whose language nothing names
    problems: list[tuple[int, str]] = []
    last_respondent: str | None = None

    def language_of(speaker: str, named: str | None) -> str:
        return named or through.get(speaker) or first_through.get(speaker) or said.get(speaker) or ""

    for i, (turn, reading) in enumerate(zip(turns, readings)):
        key = turn.speaker or ""
        if turn.part == "interviewer":
            interpreted.append(None)
            renders.append(None)
            continue
        if turn.part == "interpreter" or reading.by_speaker:
            whom = next((k for k in respondents if reading.for_whom and k == " ".join(reading.for_whom.split())
                         .casefold()), None)
            asked = _addressed(turns[i - 1].speech, respondents) if i and turns[i - 1].part == "interviewer" else None
            source = whom or (asked if asked != key else None) or (last_respondent if last_respondent != key else None)
            renders.append(source or "")
            interpreted.append(language_of(source or "", reading.language))
            if source is None:
                problems.append((i, "is an interpreter's but renders no respondent (none spoke before it), so its "
                                    "speech is kept as an unidentified speaker's"))
            continue
        renders.append(None)
        if reading.interpreted:
            language = language_of(key, reading.language)
            if language:
                through[key] = language
            else:
                unnamed.setdefault(key, []).append(i)
            interpreted.append(language)
        else:
            if reading.language:
                said[key] = reading.language
            interpreted.append(None)
        if turn.part == "respondent":
            last_respondent = key
    for indexes in unnamed.values():
        more = f" (and {len(indexes) - 1} more of this speaker's turns)" if len(indexes) > 1 else ""
        problems.append((indexes[0], f"is interpreted but no note of this speaker names the language{more}: "
                                     "name it in a note (`[in Khmer, … translates]`)"))
    return Interpreting(tuple(interpreted), tuple(renders), tuple(sorted(problems)))

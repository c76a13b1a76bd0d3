"""How a quote reads: the house style of its text, where it was really cut, and how well it serves a report.

The house style (docs/howto/word-appendix.md, "How quotes are written"):

- the stored text, never reworded, in curly double quotes;
- "…" inside the quote marks, and only where a sentence was cut (a quote of whole sentences taken from a
  longer turn has none);
- double quotes inside the quote become single ones (“ ” and " → ‘ ’), and straight apostrophes become
  typographic ones (’) — in the output only, the store keeps what was transcribed;
- transcription tags ([laughs], [inaudible], [crosstalk], a note that an interpreter speaks) are kept in
  square brackets, as transcribed.

How well a passage serves as a quote is :class:`Reading`: a score from its length and wholeness, and the
flaws that make it rank last (a fragment, speech of someone else cut out of its frame, a stray quotation
mark) whatever its score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TAG = re.compile(r"\[[^\[\]\n]{1,120}\]")  # [laughs], [inaudible 00:12], [in Khmer; the achar translates]
SENTENCE_END = ".!?…"
CLOSING = "\"”’'»)]"
GOOD_WORDS = (12, 80)  # a quote of this many words reads well in a report
FRAGMENT_WORDS = 8  # fewer words than this: a fragment, ranked last
INTERPRETED_FACTOR = 0.8  # an interpreter's rendering ranks below direct speech of the same quality
TAGGED_FACTOR = 0.9  # a quote interrupted by transcription tags reads less well
FLAWS = ("fragment", "reported speech cut from its frame", "stray quotation mark")


def words(text: str) -> int:
    """The words of ``text`` that were spoken: tags and lone punctuation (a dash) left out."""
    return sum(any(ch.isalnum() for ch in token) for token in TAG.sub(" ", text).split())


def broken_off(text: str) -> bool:
    """Whether ``text`` ends on a dash: the speaker broke off, or was cut off, mid-sentence."""
    return TAG.sub("", text).rstrip().rstrip(CLOSING).rstrip().endswith(("—", "–", "-", "--"))


def only_tags(text: str) -> bool:
    """Whether ``text`` holds nothing but transcription tags and punctuation (``[laughs] [crosstalk]``)."""
    return not any(ch.isalnum() for ch in TAG.sub(" ", text))


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends a sentence: its last character, closing marks and tags aside, ends one."""
    stripped = TAG.sub("", text).rstrip().rstrip(CLOSING).rstrip()
    return not stripped or stripped[-1] in SENTENCE_END


def starts_inside_sentence(before: str) -> bool:
    """Whether a passage preceded (in its turn) by ``before`` starts inside a sentence."""
    return bool(before.strip()) and not ends_sentence(before)


def open_quotation(text: str) -> bool:
    """Whether ``text`` leaves a quotation open: more “ than ”, or an odd number of straight double quotes."""
    return text.count("“") > text.count("”") or text.count('"') % 2 == 1


def stray_mark(text: str) -> bool:
    """Whether ``text`` has a quotation mark without its partner: a ” before any “, an unclosed “, or an odd
    number of straight double quotes."""
    depth = 0
    for ch in text:
        if ch == "“":
            depth += 1
        elif ch == "”":
            if depth == 0:
                return True
            depth -= 1
    return depth > 0 or text.count('"') % 2 == 1


_DOUBLE_STRAIGHT = re.compile(r'"')
_APOSTROPHE = re.compile(r"(?<=\w)'|'(?=\w)")


def house_style(text: str) -> str:
    """``text`` as a quote shows it: newlines as spaces, inner double quotes as single ones and straight
    apostrophes as typographic ones. Letters and words are never changed."""
    text = text.replace("\n", " ").replace("“", "‘").replace("”", "’")

    def inner(match: re.Match[str]) -> str:
        start = match.start()
        before = text[start - 1] if start else " "
        return "‘" if before.isspace() or before in "([{‘—–-/" else "’"

    text = _DOUBLE_STRAIGHT.sub(inner, text)

    def apostrophe(match: re.Match[str]) -> str:
        start = match.start()
        before = text[start - 1] if start else " "
        return "’" if before.isalnum() or before in ".,!?…" else "‘"

    return _APOSTROPHE.sub(apostrophe, text).replace("'", "’")


def cut_marked(text: str, cut_before: bool, cut_after: bool) -> str:
    """``text`` in the house style with “…” where a sentence was cut (unless the speaker's own words already
    start or end with an ellipsis)."""
    styled = house_style(text).strip()
    lead = "… " if cut_before and not styled.startswith(("…", "...")) else ""
    tail = " …" if cut_after and not styled.endswith(("…", "...")) else ""
    return f"{lead}{styled}{tail}"


def quoted(text: str, cut_before: bool, cut_after: bool) -> str:
    """``text`` as :func:`cut_marked` gives it, between curly double quotes."""
    return f"“{cut_marked(text, cut_before, cut_after)}”"


@dataclass(frozen=True)
class Reading:
    """How a passage serves as a quote: ``score`` (0–1, higher reads better) and ``flaws`` that rank it last."""

    score: float
    flaws: tuple[str, ...] = ()

    @property
    def flawed(self) -> bool:
        """Whether it ranks after every passage without flaws."""
        return bool(self.flaws)


def read(text: str, cut_before: bool, cut_after: bool, *, before: str = "", interpreted: bool = False) -> Reading:
    """How well ``text`` reads as a report quote. ``before`` is the turn's text before it (to tell a passage
    cut out of someone else's reported words); ``cut_before``/``cut_after`` say it starts or stops inside a
    sentence.

    The score is its length (1 for 12–80 spoken words, ``words / 12`` below, ``80 / words`` above) times its
    wholeness (0.75 when it starts inside a sentence, 0.75 when it stops inside one), times 0.8 for an
    interpreter's rendering and 0.9 when transcription tags interrupt it. Flaws: fewer than 8 spoken words
    or a sentence broken off on a dash (a fragment);
    a start inside a quotation the turn opened (reported speech of someone else); a quotation mark without
    its partner."""
    count = words(text)
    low, high = GOOD_WORDS
    length = count / low if count < low else high / count if count > high else 1.0
    value = length * (1.0 - 0.25 * cut_before - 0.25 * cut_after)
    if interpreted:
        value *= INTERPRETED_FACTOR
    if TAG.search(text):
        value *= TAGGED_FACTOR
    flaws = []
    if count < FRAGMENT_WORDS or broken_off(text):
        flaws.append(FLAWS[0])
    if open_quotation(before):
        flaws.append(FLAWS[1])
    if stray_mark(text):
        flaws.append(FLAWS[2])
    return Reading(round(value, 4), tuple(flaws))

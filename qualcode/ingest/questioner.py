"""Who asks the questions: an unmapped speaker who asks most of them is the interviewer.

A transcript whose interviewer has no participants.csv row and no interviewer label (``Dan:`` in the PDPilot
interviews) would otherwise count the interviewer as a respondent, and quote their questions. The evidence
must be clear, because a respondent taken for the interviewer disappears from every count: the speaker owns
at least two thirds of the document's turns that end in a question mark (at least five of them), and their
turns are shorter (median words) than everyone else's. At most one speaker per document is taken so, and
only in a document with no interviewer yet.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass

MIN_QUESTIONS = 5
MIN_SHARE = 2 / 3
CLOSING = "\"”’'»…"  # what may follow a question mark at the end of a turn, with tags and parentheticals


def is_question(speech: str) -> bool:
    """Whether a turn ends in a question mark (``?`` or ``？``; Vietnamese ``… không ạ?`` too), after closing
    quotes, tags such as ``[laughs]`` and parentheticals."""
    text = speech.rstrip()
    while text:
        if text[-1] in "])":
            opening = text.rfind("[" if text[-1] == "]" else "(")
            if opening < 0 or "\n" in text[opening:]:
                break
            text = text[:opening].rstrip()
        elif text[-1] in CLOSING:
            text = text[:-1].rstrip()
        else:
            break
    return text.endswith(("?", "？"))


@dataclass(frozen=True)
class Questioner:
    """The speaker taken as the interviewer and the numbers that say why."""

    label: str
    questions: int  # their turns ending in "?"
    all_questions: int  # every speaker's turns ending in "?"
    median_words: float
    others_median_words: float

    def message(self) -> str:
        """The warning `ingest` gives: what was decided, why and how to override it."""
        return (f"speaker {self.label!r} has no participants.csv row and asks most of the questions "
                f"({self.questions} of the {self.all_questions} turns ending in '?'; {self.median_words:g} words "
                f"a turn against {self.others_median_words:g} for the others), so it is taken as the interviewer; "
                f"if {self.label} is a respondent, give it a participants.csv row with a role, or list it under "
                "`respondent:` in the front matter")


def find_questioner(turns: Sequence[tuple[str, str]], candidates: Collection[str]) -> Questioner | None:
    """The one label of ``candidates`` whose turns are clearly the interviewer's, among ``turns`` (the
    document's non-interviewer turns as ``(label, speech)``), or None."""
    if not candidates:
        return None
    asked: dict[str, int] = {}
    words: dict[str, list[int]] = {}
    for label, speech in turns:
        words.setdefault(label, []).append(len(speech.split()))
        if is_question(speech):
            asked[label] = asked.get(label, 0) + 1
    total = sum(asked.values())
    if total < MIN_QUESTIONS or len(words) < 2:
        return None
    best = max(candidates, key=lambda label: (asked.get(label, 0), label))
    if asked.get(best, 0) < MIN_SHARE * total:
        return None
    others = [n for label, counts in words.items() if label != best for n in counts]
    mine, theirs = statistics.median(words[best]), statistics.median(others)
    if mine >= theirs:
        return None
    return Questioner(best, asked[best], total, mine, theirs)

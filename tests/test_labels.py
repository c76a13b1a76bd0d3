"""Speaker-label candidates at the start of a line (spec: "Speaker labels")."""

from __future__ import annotations

import pytest

from qualcode.ingest.labels import find_candidate, label_key


@pytest.mark.parametrize(
    ("line", "label", "speech", "timestamp"),
    [
        ("Interviewer: How are you?", "Interviewer", "How are you?", None),
        ("[00:12:34] R: Fine.", "R", "Fine.", "00:12:34"),
        ("00:12:34 Lan: Fine.", "Lan", "Fine.", "00:12:34"),
        ("(12:34) Mr. Sùng: Yes.", "Mr. Sùng", "Yes.", "12:34"),
        ("Lan (Khmer, 34): We walk there.", "Lan", "We walk there.", None),
        ("Người trả lời: Dạ, có.", "Người trả lời", "Dạ, có.", None),
        ("Dan:", "Dan", "", None),
        ("Dan:  ", "Dan", "", None),
        ("[Moderator] Let us start.", "Moderator", "Let us start.", None),
        ("Vaughan Gething AM: Okay.", "Vaughan Gething AM", "Okay.", None),
    ],
)
def test_candidates_found(line: str, label: str, speech: str, timestamp: str | None) -> None:
    """A label after an optional timestamp is found, and the speech starts after its colon."""
    cand = find_candidate(line)
    assert cand is not None
    assert cand.label == label
    assert line[cand.speech_at:] == speech
    assert cand.timestamp == timestamp


@pytest.mark.parametrize(
    "line",
    [
        "At 5:30 we left the house.",  # colon not followed by a space
        "[laughter] yes",  # non-speech tag
        "[inaudible 00:12:40] and then",
        "[crosstalk]",
        "This label is far too long to be a speaker name at all: yes",  # > 5 words
        "So, the answer: no.",  # comma is not a label character
        "[in Hmong] she says",  # bracket content starting in lower case is a note
        "http://example.org is the site",
    ],
)
def test_not_candidates(line: str) -> None:
    """Times in prose, non-speech tags, translator notes and long phrases are never labels."""
    assert find_candidate(line) is None


def test_bold_word_label_with_comma() -> None:
    """A bold run ending in ':' is a candidate even when plain-text rules would refuse it."""
    line = "Mrs. Lan, commune chair: We tried."
    cand = find_candidate(line, bold_prefix="Mrs. Lan, commune chair:")
    assert cand is not None and cand.label == "Mrs. Lan, commune chair"
    assert line[cand.speech_at:] == "We tried."


def test_label_key_ignores_case_and_spacing() -> None:
    """Labels match case-insensitively after whitespace is collapsed."""
    assert label_key("  Người   Trả lời ") == label_key("người trả lời")

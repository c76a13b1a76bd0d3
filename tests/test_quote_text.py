"""The house style of a quote: curly double quotes, “…” only where a sentence was cut, inner quotes single,
typographic apostrophes, tags kept as transcribed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qualcode.report.quote_text import (
    ends_sentence,
    house_style,
    only_tags,
    quoted,
    starts_inside_sentence,
    words,
)


def test_a_whole_sentence_has_no_ellipsis() -> None:
    """A quote that starts and ends with whole sentences is shown without “…”, even from a longer turn."""
    assert quoted("We walk two hours to the clinic.", False, False) == "“We walk two hours to the clinic.”"


def test_a_cut_is_marked_inside_the_quote_marks() -> None:
    """A quote cut inside a sentence has “…” inside the marks, on the side that was cut."""
    assert quoted("two hours to the clinic", True, True) == "“… two hours to the clinic …”"
    assert quoted("We walk two hours", False, True) == "“We walk two hours …”"


def test_no_double_ellipsis_when_the_speaker_trails_off() -> None:
    """The speaker's own trailing “…” is not doubled by a cut mark."""
    assert quoted("and then… ", False, True) == "“and then…”"


def test_inner_double_quotes_become_single() -> None:
    """Curly and straight double quotes inside a quote become single ones, opening and closing right."""
    assert house_style("He said “go home” to us.") == "He said ‘go home’ to us."
    assert house_style('They call it "tàn tật" here.') == "They call it ‘tàn tật’ here."


def test_apostrophes_are_typographic() -> None:
    """Straight apostrophes become ’; curly ones stay; words are never changed."""
    assert house_style("he's just slow, isn't he") == "he’s just slow, isn’t he"
    assert house_style("he’s") == "he’s"


def test_sentence_boundaries() -> None:
    """A passage after a full stop starts a sentence; after a comma it starts inside one; tags and closing
    marks do not hide a sentence end."""
    assert not starts_inside_sentence("We went there. ")
    assert starts_inside_sentence("We went there, and ")
    assert not starts_inside_sentence("[in Dao, Kiềm translates] ")
    assert ends_sentence("That is all.” [laughs]")
    assert not ends_sentence("When the cán bộ asks “any opinions?” —")


def test_tags_are_not_words() -> None:
    """Transcription tags do not count as spoken words, and a quote made only of them is nobody's words."""
    assert words("[laughs] Yes, it is true. [crosstalk]") == 4
    assert only_tags("[laughs] [crosstalk] …")
    assert not only_tags("[laughs] No.")


@given(st.text(max_size=200))
def test_house_style_never_changes_letters_or_length(text: str) -> None:
    """Whatever the text, the house style only swaps quotation marks and apostrophes (one character for one,
    newlines for spaces): the letters and digits stay as transcribed."""
    styled = house_style(text)
    assert len(styled) == len(text)
    assert [c for c in styled if c.isalnum()] == [c for c in text if c.isalnum()]

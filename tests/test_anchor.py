"""Re-anchoring codings in an edited transcript: exact, then as other tools' segments are placed, else stale."""

from __future__ import annotations

from qualcode.codings.reanchor import reanchor
from qualcode.project.store import CodingRow


def _coding(coding_id: int, text: str, start: int) -> CodingRow:
    return CodingRow(coding_id, "IDI-01", start, start + len(text), "language", "lan", "accepted", "", "", text,
                     False)


def test_exact_nearest_whitespace_and_stale() -> None:
    """A repeated phrase keeps the occurrence nearest its old place; a re-wrapped one is found across the
    line break; a deleted one becomes stale."""
    old = "R: Yes. The forms are only in Vietnamese. Yes. We never go."
    new = "R: Well. Yes. The forms are only\nin Vietnamese. Yes. We rarely go."
    codings = [_coding(1, "Yes.", old.rindex("Yes.")), _coding(2, "The forms are only in Vietnamese.",
                                                                  old.index("The forms")),
               _coding(3, "We never go.", old.index("We never"))]
    moved = {i: (s, e) for i, s, e in reanchor(old, new, codings)}
    assert new[moved[1][0]:moved[1][1]] == "Yes." and moved[1][0] == new.rindex("Yes.")
    assert new[moved[2][0]:moved[2][1]] == "The forms are only\nin Vietnamese."
    assert moved[3] == (None, None)


OLD = ("Interviewer: And then?\nRespondent: The road to the school is very long and muddy in the rainy season, so "
       "my children stay home.\n")
SPAN = "road to the school is very long and muddy"


def _moved(new: str) -> str | None:
    (_, start, end), = reanchor(OLD, new, [_coding(1, SPAN, OLD.index(SPAN))])
    return None if start is None else new[start:end]


def test_edits_around_a_coded_span_never_clip_it() -> None:
    """An edit at a coded span's edge or inside it moves the coding onto whole words (never 'mudd' or the
    'road' of 'railroad'), or leaves it stale when the text no longer reads as its snapshot."""
    cases = {
        OLD.replace("road", "roads"): "roads to the school is very long and muddy",
        OLD.replace("The road", "The railroad"): "railroad to the school is very long and muddy",
        OLD.replace("school", "schools"): "road to the schools is very long and muddy",
        OLD.replace("long and", "long, and"): "road to the school is very long, and muddy",
        OLD.replace("The road to", "Theroad to"): "Theroad to the school is very long and muddy",
        OLD.replace("muddy in", "muddyish in"): "road to the school is very long and muddyish",
        OLD.replace("is very long and muddy", "is far"): None,
    }
    for new, expected in cases.items():
        assert _moved(new) == expected, new


def test_any_edit_keeps_codings_on_word_boundaries() -> None:
    """Deleting or inserting a character anywhere near the span leaves the coding on word boundaries, its
    text aligned with the snapshot, or stale."""
    start = OLD.index(SPAN)
    for at in range(start - 3, start + len(SPAN) + 3):
        for new in (OLD[:at] + OLD[at + 1:], OLD[:at] + "x" + OLD[at:]):
            (_, a, b), = reanchor(OLD, new, [_coding(1, SPAN, start)])
            if a is None:
                continue
            assert not (a > 0 and new[a - 1].isalnum() and new[a].isalnum()), (new, new[a:b])
            assert not (b < len(new) and new[b - 1].isalnum() and new[b].isalnum()), (new, new[a:b])

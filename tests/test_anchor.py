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

"""Placing other tools' quoted segments in a stored text: each step of the alignment and its limits."""

from __future__ import annotations

from qualcode.codings.align import Aligner, Miss, Placement, normalise, place, snap_to_speech

TEXT = ("Interviewer: Do you use the plots?\n"
        "Respondent: Yes, we use multi-\ndimensional histograms every week. The nurse\nspeaks Kinh only.\n"
        "Interviewer: Why?\n"
        "Respondent: Because it’s convention at this point, and we don't go in depth on interactions.\n")


def span_text(found: Placement | Miss) -> str:
    assert isinstance(found, Placement), found
    return TEXT[found.start:found.end]


def test_exact_segment() -> None:
    """A segment quoted exactly is found exactly, with score 100."""
    found = place(TEXT, "The nurse\nspeaks Kinh only.")
    assert isinstance(found, Placement) and found.method == "exact" and found.score == 100
    assert span_text(found) == "The nurse\nspeaks Kinh only."


def test_whitespace_and_line_wraps() -> None:
    """A segment whose line breaks and spaces differ is placed by its words, keeping its punctuation."""
    found = place(TEXT, "The nurse  speaks Kinh only.")
    assert found.method == "whitespace" and span_text(found) == "The nurse\nspeaks Kinh only."


def test_hyphenation_and_apostrophes() -> None:
    """Hyphenation at a line break and curly versus straight apostrophes do not stop a segment being placed."""
    found = place(TEXT, "we use multidimensional histograms every week.")
    assert found.method == "normalised"
    assert span_text(found) == "we use multi-\ndimensional histograms every week."
    found = place(TEXT, "Because it's convention at this point")
    assert found.method == "normalised" and span_text(found) == "Because it’s convention at this point"


def test_segment_spanning_turns_with_labels() -> None:
    """A segment running over several turns, labels flattened onto one line, is placed as one span."""
    found = place(TEXT, "Interviewer:  Why? Respondent:  Because it’s convention")
    assert span_text(found) == "Interviewer: Why?\nRespondent: Because it’s convention"


def test_anchored_survives_inserted_page_numbers() -> None:
    """Line numbers a PDF export inserted in the middle of a long passage do not stop it being placed."""
    answer = ("we looked at the ranking by importance first and then at the clusters, which showed us the "
              "outliers that were driving the model down in the expensive neighbourhoods")
    text = "Dan: So?\nParticipant: " + answer[:60] + " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 " + answer[60:] + "\n"
    found = place(text, answer)
    assert isinstance(found, Placement) and found.method == "anchored" and found.score == 100
    assert text[found.start:found.end].startswith("we looked ") and text[:found.end].endswith(" neighbourhoods")
    assert "1 2 3" in text[found.start:found.end]  # the inserted numbers stay inside the one span


def test_fuzzy_tolerates_a_few_transcription_differences() -> None:
    """A segment with a couple of different words is still placed, with its score below 100."""
    found = place(TEXT, "and we do not go in depth on interactions")
    assert isinstance(found, Placement) and found.method == "fuzzy" and 90 <= found.score < 100
    assert span_text(found) == "and we don't go in depth on interactions"


def test_not_found_and_short_segments() -> None:
    """Text that is not in the document, and short text that only nearly matches, are reported not found."""
    assert str(place(TEXT, "We talked about the weather all afternoon long.")) == "not found in the document"
    assert isinstance(place(TEXT, "speaks Khmer"), Miss)
    assert str(place(TEXT, "   ")) == "empty text"


def test_ambiguous_unless_a_turn_decides() -> None:
    """A segment found in several places is ambiguous; a span (its turn) that holds one of them decides."""
    text = "A: Yes.\nB: No.\nA: Yes.\n"
    found = place(text, "Yes.")
    assert isinstance(found, Miss) and found.reason == "ambiguous" and found.places == (3, 18)
    assert str(found).startswith("ambiguous: found in 2 places")
    chosen = place(text, "Yes.", within=(18, 22))
    assert isinstance(chosen, Placement) and chosen.start == 18


def test_aligner_reuses_the_normalised_text() -> None:
    """One Aligner places many segments in the same text; normalising keeps each character's offset."""
    aligner = Aligner(TEXT)
    norm, index = normalise("Ab-c’d")
    assert norm == "abcd" and index == [0, 1, 3, 5]
    assert all(isinstance(aligner.place(s), Placement) for s in ("Why?", "speaks Kinh only", "The nurse speaks"))


def test_snap_to_speech() -> None:
    """A span is trimmed to the speech of the turns it covers; None when it covers none of them."""
    turns = [(13, 34), (47, 120)]
    assert snap_to_speech(turns, 0, 60) == (13, 60)  # starts on a label
    assert snap_to_speech(turns, 20, 40) == (20, 34)  # ends on the next label
    assert snap_to_speech([(47, 120)], 13, 100) == (47, 100)  # an interviewer's lead-in left out
    assert snap_to_speech(turns, 35, 46) is None


def test_runs_of_redaction_xs_are_not_anchors() -> None:
    """A segment that starts and ends inside long runs of redaction Xs is placed by its distinctive middle."""
    text = "A: " + "X " * 3000 + "the clinic was closed " + "X " * 2000
    found = place(text, "X " * 100 + "the clinc was closed " + "X " * 200)
    assert isinstance(found, Placement) and "the clinic was closed" in text[found.start:found.end]

"""Choosing quotes: every group heard across the appendix, in proportion to its size; the least-quoted
participant first; flawed passages last; ties by a stable hash, never by ids."""

from __future__ import annotations

import hashlib
from collections import Counter

from qualcode.report.quote_choice import QuotePicker, choose
from qualcode.report.quote_text import read
from qualcode.report.quotes import Quote

WORDS = ("water", "forms", "commune", "meeting", "Hmong", "loan", "market", "school", "rice", "road", "clinic",
         "paper", "teacher", "bus", "field", "pigs", "card", "office", "village", "river")


def _quote(participant: str, group: str, doc: str, turn: int, score: float = 0.5, text: str = "",
           code: str = "c", flaws: tuple[str, ...] = ()) -> Quote:
    if not text:  # words drawn from a hash, so no two made-up quotes are near-duplicates
        digest = hashlib.sha256(f"{participant}{doc}{turn}{code}".encode()).digest()
        text = " ".join(WORDS[b % len(WORDS)] for b in digest[:10])
    return Quote(code, doc, turn, turn * 100, turn * 100 + 50, text, False, False, participant, group, "",
                 speaker=participant, score=score, flaws=flaws)


def test_least_quoted_participant_first_then_the_best_score() -> None:
    """Within one group, nobody is quoted twice before everyone with a candidate is quoted once, and among the
    not-yet-quoted the better-reading passage comes first."""
    quotes = [_quote("P01", "", "IDI-01", 2, 0.9), _quote("P01", "", "IDI-01", 4, 0.8),
              _quote("P01", "", "IDI-01", 6, 0.7), _quote("P03", "", "FGD-01", 3, 0.5),
              _quote("P02", "", "FGD-01", 2, 0.6)]
    picked = [(q.participant, q.turn) for q in choose(quotes, 3)]
    assert sorted(picked) == [("P01", 2), ("P02", 2), ("P03", 3)]
    picked = [(q.participant, q.turn) for q in choose(quotes, 4)]
    assert ("P01", 4) in picked and ("P01", 6) not in picked


def test_every_group_is_heard_before_any_group_twice() -> None:
    """With 7 groups and 4 quotes per code, the groups not yet quoted come first in the next code: after two
    codes, every group has been quoted at least once, and none three times."""
    picker = QuotePicker(group_sizes={g: 5 for g in "ABCDEFG"})
    chosen = []
    for code in ("a", "b"):
        candidates = [_quote(f"{g}{i}", g, f"IDI-{g}{i}", t, code=code) for g in "ABCDEFG" for i in range(3)
                      for t in (2, 4)]
        chosen += picker.choose(candidates, 4)
    per_group = Counter(q.group for q in chosen)
    assert set(per_group) == set("ABCDEFG") and max(per_group.values()) <= 2


def test_groups_are_heard_in_proportion_to_their_size_after_the_first_round() -> None:
    """A group of 20 participants and one of 2: both are heard in the first code, and across many codes the
    large group gets about ten times the quotes of the small one (quotes per participant balanced)."""
    picker = QuotePicker(group_sizes={"community member": 20, "village head": 2})
    chosen = []
    for code in [f"c{i}" for i in range(22)]:
        candidates = ([_quote(f"M{i}", "community member", f"IDI-M{i}", 2, code=code) for i in range(20)]
                      + [_quote(f"V{i}", "village head", f"IDI-V{i}", 2, code=code) for i in range(2)])
        picked = picker.choose(candidates, 4)
        if code == "c0":
            assert {q.group for q in picked} == {"community member", "village head"}
        chosen += picked
    counts = Counter(q.group for q in chosen)
    assert counts["village head"] in (8, 9) and counts["community member"] == 88 - counts["village head"]
    assert picker.tally["village head"].quotes == counts["village head"]
    assert picker.tally["village head"].quoted == {"V0", "V1"}


def test_per_group_takes_n_from_every_group_that_has_them() -> None:
    """`per_group=2` takes two quotes of every group with at least two candidates, one from a group with one."""
    picker = QuotePicker(group_sizes={"A": 10, "B": 1, "C": 3}, per_group=2)
    candidates = ([_quote(f"A{i}", "A", "IDI-A", i) for i in range(1, 6)] + [_quote("B1", "B", "IDI-B", 1)]
                  + [_quote(f"C{i}", "C", "IDI-C", i) for i in range(1, 4)])
    counts = Counter(q.group for q in picker.choose(candidates, None))
    assert counts == {"A": 2, "B": 1, "C": 2}


def test_flawed_passages_never_beat_a_whole_sentence() -> None:
    """A fragment from a group or participant not yet quoted waits behind every passage without a flaw, and is
    chosen only when nothing better is left."""
    picker = QuotePicker(group_sizes={"A": 1, "B": 1})
    picker.choose([_quote("A1", "A", "IDI-A", 1, code="x")], 1)  # A has been heard
    candidates = [_quote("B1", "B", "IDI-B", 2, 0.9, "And the ID card.", flaws=("fragment",)),
                  _quote("A1", "A", "IDI-A", 3, 0.4)]
    assert [q.participant for q in picker.choose(candidates, 1)] == ["A1"]
    assert [q.participant for q in choose(candidates, 2)] == ["A1", "B1"] or \
        sorted(q.participant for q in choose(candidates, 2)) == ["A1", "B1"]


def test_near_duplicates_are_skipped() -> None:
    """A near-repeat (rapidfuzz ratio >= 90) of a quote already chosen for the code is not chosen."""
    sentence = "The commune sends every notice in Vietnamese, so the older Hmong women never hear about the loans."
    quotes = [_quote("P02", "", "IDI-02", 2, 1.0, sentence),
              _quote("P03", "", "IDI-03", 2, 1.0, sentence.replace("loans", "loan")),
              _quote("P04", "", "IDI-04", 2, 0.9, "We walk two hours to the health station and back again, always.")]
    picked = {q.participant for q in choose(quotes, 3)}
    assert "P04" in picked and len(picked & {"P02", "P03"}) == 1


def test_ties_by_a_stable_hash_not_ids() -> None:
    """Tied candidates are drawn by a hash of (seed, code, document, start): the same seed gives the same
    choice, other seeds give others, and the lowest ids are not favoured."""
    quotes = [_quote(f"P{i:02}", "", f"IDI-{i:02}", 3) for i in range(1, 21)]
    assert [q.participant for q in choose(quotes, 3)] == [q.participant for q in choose(quotes, 3)]
    draws = {tuple(q.participant for q in choose(quotes, 3, seed=seed)) for seed in range(10)}
    assert len(draws) > 5
    firsts = [choose(quotes, 1, seed=seed)[0].participant for seed in range(40)]
    assert len(set(firsts)) > 10 and firsts.count("P01") < 10


def test_the_reading_of_a_passage() -> None:
    """A whole sentence of a useful length scores 1; fewer than 8 words is a fragment; an interpreter's
    rendering scores below the same words spoken directly; reported speech cut out of its frame and a stray
    closing mark are flaws."""
    sentence = "The commune sends every notice in Vietnamese, so the older Hmong women never hear about the loans."
    assert read(sentence, False, False).score == 1.0 and not read(sentence, False, False).flawed
    assert read("And the ID card.", False, False).flaws == ("fragment",)
    assert read("When the cán bộ asks “any opinions?” —", False, False).flaws == ("fragment",)
    assert read("When the commune officer asks us whether anyone has an opinion, we just —", False, True).flaws \
        == ("fragment",)  # broken off on a dash, however long
    assert read(sentence, False, False, interpreted=True).score < read(sentence, False, False).score
    assert read(sentence, True, False).score == 0.75
    cut = read("You people are just slow, you should stay home and look after the pigs.", False, False,
               before="He said: “Go home. ")
    assert "reported speech cut from its frame" in cut.flaws
    stray = read("he is just slow.” That is what the vice-chairman says about all of us here.", True, False)
    assert "stray quotation mark" in stray.flaws

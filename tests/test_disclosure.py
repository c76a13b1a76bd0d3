"""k-anonymity of quote attributions: what an attribution shows is shared by at least k participants, counted
by hand on a small focus group; bad inputs; and `leaks` finding attributions that single someone out."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.cli import app

CODEBOOK = """\
codebook: Disclosure test
version: "1"
codes:
  - id: language
    label: Language barriers
    definition: Difficulties caused by language.
"""

SPEAKERS = ("Lan", "Mai", "Nga", "Oanh", "Phong", "Quang", "Son", "Thu")
LINES = (
    "The forms at the commune office are written only in Vietnamese, and I check them for the others.",
    "My son reads every letter from the district for me because I never went to school.",
    "At the health station the nurse speaks fast and I understand only half of what she says.",
    "When the radio announces a meeting, it is in Vietnamese, so our hamlet hears about it late.",
    "I signed the land paper without knowing what it said, and now the boundary is wrong.",
    "The bank officer asked for my signature twice, but nobody explained the interest to me.",
    "Our children learn in Vietnamese at school and forget the words their grandparents use.",
    "I wait for my neighbour to come home before I go to the market to sell the pigs.",
)
FGD = ("---\ntype: FGD\nspeakers: Vy\n---\nFacilitator: Tell us about the forms you fill in at the commune office.\n"
       + "".join(f"{label}: {line}\n" for label, line in zip(SPEAKERS, LINES))
       + "Lan: When my neighbours come to the office I read the same forms aloud to them in our language.\n"
       "Vy: Nobody in my family can read those papers from the cooperative, not one single page of them.\n")

# Eight participants. P1 is the one female Hoa official: her full attribution points at her alone. P8 is the
# other female Hoa (2 < 3). P2-P4 are female Kinh members, P5-P7 male Kinh members. Vy has no row.
PARTICIPANTS = """participant,document,speaker,gender,ethnicity,position,site,household
P1,FGD-01,Lan,female,Hoa,official,Site B,H1
P2,FGD-01,Mai,female,Kinh,member,Site B,H2
P3,FGD-01,Nga,female,Kinh,member,Site B,H3
P4,FGD-01,Oanh,female,Kinh,member,Site B,H4
P5,FGD-01,Phong,male,Kinh,member,Site B,H5
P6,FGD-01,Quang,male,Kinh,member,Site B,H6
P7,FGD-01,Son,male,Kinh,member,Site B,H7
P8,FGD-01,Thu,female,Hoa,member,Site B,H8
"""


def _run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def _make(root: Path, participants: str = PARTICIPANTS, config: str = "") -> Path:
    (root / "transcripts").mkdir(parents=True)
    (root / "transcripts" / "FGD-01.txt").write_text(FGD, encoding="utf-8")
    (root / "transcripts" / "participants.csv").write_text(participants, encoding="utf-8")
    (root / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "qualcode.toml").write_text(f'[project]\ncodebook = "codebook.yaml"\ncoder = "lan"\n{config}',
                                        encoding="utf-8")
    assert _run("ingest", "-p", root).exit_code == 0
    for turn in range(2, 12):  # every respondent turn: P1-P8, P1 again, Vy
        result = _run("tag", "FGD-01", turn, "language", "-p", root)
        assert result.exit_code == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def group(tmp_path_factory) -> Path:
    """The focus group, every respondent turn coded `language` by hand."""
    return _make(tmp_path_factory.mktemp("disclosure") / "p")


def _appendix(root: Path, out: Path, *args):
    result = _run("appendix", "-o", out, "--limit", 20, *args, "-p", root)
    return result, out.read_text(encoding="utf-8") if out.exists() else ""


def _attributions(markdown: str) -> list[str]:
    return [line[4:] for line in markdown.splitlines() if line.startswith("> — ")]


def _by_participant(markdown: str) -> dict[str, set[str]]:
    """participant -> the attributions (without the place) their quotes carry."""
    found: dict[str, set[str]] = defaultdict(set)
    for line in _attributions(markdown):
        person = line.split(" (")[0]
        found[person.split(", ")[0]].add(person)
    return found


def test_hand_counted_focus_group(group: Path, tmp_path: Path) -> None:
    """k = 3 by default: the females' attributions show only gender and site (neither ethnicity nor position
    can be shown for any female without singling out P1 or P8), the three male members keep every field; the
    unidentified speaker is not counted; the method note and the terminal count 6 of 9 attributions."""
    result, text = _appendix(group, tmp_path / "a.md")
    assert result.exit_code == 0, result.stderr
    shown = _by_participant(text)
    assert shown == {**{p: {f"{p}, female, Site B"} for p in ("P1", "P2", "P3", "P4", "P8")},
                     **{p: {f"{p}, male, Kinh, member, Site B"} for p in ("P5", "P6", "P7")},
                     "unidentified speaker": {"unidentified speaker"}}
    assert ("Attributions show only what at least 3 participants share (k-anonymity, k = 3): 6 of 9 attributions "
            "(5 of 8 participants quoted) leave out their most identifying fields.") in text
    assert "note: 6 of 9 attributions leave out fields so that at least 3 participants share each" in result.stderr
    assert "Hoa" not in text and "official" not in text


def test_every_attribution_reads_the_same_for_k_participants(group: Path, tmp_path: Path) -> None:
    """Grouping every participant by the attribution their quotes carry (all eight are quoted), each distinct
    attribution belongs to at least k participants, for k 2, 3 and 4: a missing field tells nothing more."""
    for k in (2, 3, 4):
        _, text = _appendix(group, tmp_path / f"k{k}.md", "--k-anonymity", k)
        owners: dict[str, set[str]] = defaultdict(set)
        for participant, attributions in _by_participant(text).items():
            if participant != "unidentified speaker":
                assert len(attributions) == 1, attributions  # the same in every quote of theirs
                owners[next(iter(attributions)).split(", ", 1)[-1]].add(participant)
        assert sum(len(p) for p in owners.values()) == 8
        assert all(len(people) >= k for people in owners.values()), (k, owners)
    _, text = _appendix(group, tmp_path / "k2.md", "--k-anonymity", 2)
    assert "P1, female, Hoa, Site B" in text  # two female Hoa: k = 2 lets ethnicity show, not P1's position


def test_k_one_turns_the_check_off_with_a_warning(group: Path, tmp_path: Path) -> None:
    """`--k-anonymity 1` shows every field (P1's full attribution points at her) and says so on stderr and in
    the method note."""
    result, text = _appendix(group, tmp_path / "a.md", "--k-anonymity", 1)
    assert result.exit_code == 0
    assert "warning: k-anonymity is off (k = 1)" in result.stderr
    assert "— P1, female, Hoa, official, Site B (FGD-01, turn 2)" in text
    assert "not checked against the participants (k-anonymity switched off, k = 1)" in text


@pytest.mark.parametrize("k", ["0", "-2"])
def test_k_below_one_is_a_usage_error(group: Path, tmp_path: Path, k: str) -> None:
    """`--k-anonymity 0` or negative stops with exit 2 and one line saying what to give, for appendix, quotes
    and leaks."""
    for args in (("appendix", "-o", tmp_path / "a.md"), ("quotes", "language"), ("leaks", tmp_path / "x.md")):
        result = _run(*args, "--k-anonymity", k, "-p", group)
        assert result.exit_code == 2, (args, result.output)
        assert f"--k-anonymity {k}: give a whole number of at least 1" in result.stderr
        assert "Traceback" not in result.output


def test_k_larger_than_the_participants(group: Path, tmp_path: Path) -> None:
    """k above the 8 participants: no attribute is shown, a warning and the method note say why."""
    result, text = _appendix(group, tmp_path / "a.md", "--k-anonymity", 9)
    assert result.exit_code == 0
    assert "warning: this report speaks of 8 participants, fewer than k = 9" in result.stderr
    assert "speaks of 8 participants, fewer than k = 9, so any value shown could point at one person" in text
    assert {a.split(" (")[0] for a in _attributions(text)} == {f"P{n}" for n in range(1, 9)} | {
        "unidentified speaker"}


def test_where_counts_only_the_participants_it_keeps(group: Path, tmp_path: Path) -> None:
    """With --where, the readers know every quote comes from the participants kept: two female Hoa are fewer
    than 3, so nothing is shown; the three men keep every field."""
    result, text = _appendix(group, tmp_path / "hoa.md", "--where", "ethnicity = Hoa")
    assert "fewer than k = 3" in result.stderr
    assert {a.split(" (")[0] for a in _attributions(text)} == {"P1", "P8"}
    _, text = _appendix(group, tmp_path / "men.md", "--where", "gender = male")
    assert {a.split(" (")[0] for a in _attributions(text)} == {f"P{n}, male, Kinh, member, Site B" for n in (5, 6, 7)}


def test_explicit_attribution_fields_are_enforced_with_a_warning(group: Path, tmp_path: Path) -> None:
    """Fields the user named with --attribution are still checked, and the warning names the one left out and
    for how many participants."""
    result, text = _appendix(group, tmp_path / "a.md", "--attribution", "participant,gender,ethnicity")
    assert result.exit_code == 0
    assert ("warning: --attribution: left out so that at least 3 participants share each attribution: ethnicity "
            "for 5 participants") in result.stderr
    assert _by_participant(text)["P1"] == {"P1, female"} and _by_participant(text)["P5"] == {"P5, male, Kinh"}


def test_a_by_attribute_with_one_value_per_participant(group: Path, tmp_path: Path) -> None:
    """--by household puts every participant in a group of one: the heading narrows each quote down, so the
    attributions show no attribute, a warning says every group is too small and the note counts them."""
    result, text = _appendix(group, tmp_path / "a.md", "--by", "household")
    assert result.exit_code == 0
    assert "warning: --by household: every group quoted has fewer than 3 participants (H1: 1, H2: 1" in result.stderr
    assert "8 participants quoted are in household groups smaller than 3, which their headings show." in text
    assert {a.split(" (")[0] for a in _attributions(text)} == {f"P{n}" for n in range(1, 9)} | {
        "unidentified speaker"}


def test_by_shows_its_value_and_splits_first(group: Path, tmp_path: Path) -> None:
    """--by ethnicity: the heading shows ethnicity, so the two Hoa form a group of 2 (warned), and the six Kinh
    are counted among themselves: women and men, three each, keep every field."""
    result, text = _appendix(group, tmp_path / "a.md", "--by", "ethnicity")
    assert "warning: --by ethnicity: 1 group has fewer than 3 participants (Hoa: 2)" in result.stderr
    shown = _by_participant(text)
    assert shown["P1"] == {"P1, Hoa"} and shown["P8"] == {"P8, Hoa"}
    assert shown["P2"] == {"P2, female, Kinh, member, Site B"} and shown["P5"] == {"P5, male, Kinh, member, Site B"}


def test_value_labels_coarsen(tmp_path: Path) -> None:
    """Values given one label in qualcode.toml count together: with Hoa and Kinh shown as one group, the five
    women keep their (coarsened) ethnicity."""
    root = _make(tmp_path / "p", config='\n[attributes]\nethnicity.Hoa = "Hoa or Kinh"\n'
                                         'ethnicity.Kinh = "Hoa or Kinh"\n')
    _, text = _appendix(root, tmp_path / "a.md")
    assert _by_participant(text)["P1"] == {"P1, female, Hoa or Kinh, Site B"}


def test_attributes_all_missing(tmp_path: Path) -> None:
    """Participants without any attribute value: attributions show the id and place, nothing is generalised."""
    bare = "participant,document,speaker,gender,ethnicity\n" + "".join(
        f"P{n},FGD-01,{label},,\n" for n, label in enumerate(SPEAKERS, 1))
    root = _make(tmp_path / "p", participants=bare)
    result, text = _appendix(root, tmp_path / "a.md")
    # the only warning is about Vy, who has no participants.csv row; nothing about k-anonymity
    assert result.exit_code == 0 and [w for w in result.stderr.splitlines() if "warning" in w and "Vy" not in w] == []
    assert "— P1 (FGD-01, turn 2)" in text
    assert "(k-anonymity, k = 3): none had to leave out a field." in text


def test_pseudonyms_are_compared_as_shown(tmp_path: Path) -> None:
    """Values are counted after pseudonymisation: two villages given one replacement count together, so the
    three people of those villages show it; the real village names appear nowhere."""
    villages = ("Séo Phìn", "Séo Phìn", "Tả Van", "Lao Chải", "Lao Chải", "Lao Chải", "Lao Chải", "Lao Chải")
    rows = "participant,document,speaker,gender,village\n" + "".join(
        f"P{n},FGD-01,{label},female,{village}\n" for n, (label, village) in enumerate(zip(SPEAKERS, villages), 1))
    root = _make(tmp_path / "p", participants=rows)
    fields = ("--attribution", "participant,gender,village,document,turn")
    _, text = _appendix(root, tmp_path / "before.md", *fields)
    assert _by_participant(text)["P1"] == {"P1, female"}  # 2 in Séo Phìn, 1 in Tả Van: hidden together
    (root / "key.csv").write_text("term,replacement\nSéo Phìn,Upper village\nTả Van,Upper village\n",
                                  encoding="utf-8")
    assert _run("pseudonymise", "--key", root / "key.csv", "-p", root).exit_code == 0
    _, text = _appendix(root, tmp_path / "after.md", *fields)
    assert _by_participant(text)["P1"] == {"P1, female, Upper village"}
    assert "Séo Phìn" not in text and "Tả Van" not in text


def test_quotes_command_checks_and_warns(group: Path) -> None:
    """`qualcode quotes` prints the same generalised attributions as the appendix, and warns when k is 1."""
    result = _run("quotes", "language", "-p", group)
    assert result.exit_code == 0
    assert "  — P1, female, Site B (FGD-01, turn 2)" in result.stdout
    assert "  — P1, female, Site B (FGD-01, turn 10)" in result.stdout
    result = _run("quotes", "language", "--k-anonymity", "1", "-p", group)
    assert "— P1, female, Hoa, official, Site B (FGD-01, turn 2)" in result.stdout
    assert "warning: k-anonymity is off (k = 1)" in result.stderr


def test_config_sets_the_default(tmp_path: Path) -> None:
    """qualcode.toml's `[report] k_anonymity` is the default; the option overrides it."""
    root = _make(tmp_path / "p", config="\n[report]\nk_anonymity = 2\n")
    _, text = _appendix(root, tmp_path / "a.md")
    assert "(k-anonymity, k = 2)" in text and "P1, female, Hoa, Site B" in text
    _, text = _appendix(root, tmp_path / "b.md", "--k-anonymity", 3)
    assert "(k-anonymity, k = 3)" in text and "P1, female, Site B" in text


def test_leaks_reports_attributions_that_single_out(group: Path, tmp_path: Path) -> None:
    """An appendix written with the check off (Markdown, HTML, Word): `leaks` names the line or paragraph and
    place of P1's two attributions and P8's (each fits 1 participant), never a value or who it is; the default
    appendix passes."""
    files = []
    for suffix in (".md", ".html", ".docx"):
        out = tmp_path / f"open{suffix}"
        assert _run("appendix", "-o", out, "--k-anonymity", "1", "--limit", "all", "-p", group).exit_code == 0
        files.append(out)
    result = _run("leaks", *files, "-p", group)
    assert result.exit_code == 1
    flagged = [line for line in result.stderr.splitlines() if "fewer than k = 3" in line]
    assert len(flagged) == 9
    assert any(re.search(r"open\.md: line \d+ \(FGD-01, turn 2\): an attribution \(gender, ethnicity, position, "
                         r"site\) fits 1 participant", line) for line in flagged)
    assert any(re.search(r"open\.docx: paragraph \d+ \(FGD-01, turn 10\)", line) for line in flagged)
    assert sum("(FGD-01, turn 9)" in line for line in flagged) == 3  # P8: female Hoa member, alone
    assert not any(word in result.stderr for word in ("Hoa", "official", "P1", "P8", "Lan", "Thu"))
    assert "found 9 attributions that fewer than 3 participants share" in result.stdout
    safe = tmp_path / "safe.md"
    assert _run("appendix", "-o", safe, "--limit", "all", "-p", group).exit_code == 0
    result = _run("leaks", safe, "-p", group)
    assert result.exit_code == 0, result.stderr
    assert "10 attributions fit at least 3 of 8 participants" in result.stdout


def test_leaks_parses_values_as_labels_show_them(tmp_path: Path) -> None:
    """A value label with a comma in it is read as one value, matched as the appendix shows it."""
    root = _make(tmp_path / "p", config='\n[attributes]\nethnicity.Hoa = "Hoa, Chinese"\n')
    out = tmp_path / "open.md"
    assert _run("appendix", "-o", out, "--k-anonymity", "1", "--limit", "all", "-p", root).exit_code == 0
    assert "— P8, female, Hoa, Chinese, member, Site B (FGD-01, turn 9)" in out.read_text(encoding="utf-8")
    result = _run("leaks", out, "--k-anonymity", "2", "-p", root)
    flagged = [line for line in result.stderr.splitlines() if "fewer than k = 2" in line]
    assert len(flagged) == 3 and all("fits 1 participant" in line for line in flagged)


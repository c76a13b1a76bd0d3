"""The appendix from the command line: every group heard and counted in the method, --per-group, --limit all,
translations marked or left out, and the bad inputs of issue 23 with clear messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_project

from qualcode.project.store import open_store

CODEBOOK = """\
codebook: Voices
version: "1"
codes:
  - id: access
    label: Access
    definition: Getting to services.
"""

SENTENCES = [
    "The clinic is two hours away on foot and the road is closed when it rains in the summer.",
    "Nobody at the commune office explains the forms to us, so we go home without the paper we came for.",
    "My daughter missed the vocational course because the bus does not run on the days it is held.",
    "We asked for the allowance twice and each time they said the list for this year was already closed.",
]
VI = [
    "Trạm y tế xa quá, đi bộ mất hai tiếng, mùa mưa thì đường bị ngập không đi được, nên bà ở nhà thôi.",
    "Ở xã không ai giải thích giấy tờ cho mình, nên mình đi về mà không có tờ giấy cần xin.",
    "Con gái tôi không đi học nghề được vì xe buýt không chạy vào những ngày có lớp học.",
    "Chúng tôi xin trợ cấp hai lần, lần nào họ cũng nói danh sách năm nay đã chốt rồi.",
]


def _idi(number: int, vietnamese: bool = False) -> str:
    answers = "\n".join(f"I: Question {i}?\nR: {(VI if vietnamese else SENTENCES)[i]}" for i in range(4))
    return f"---\ntype: IDI\nparticipant: P{number:02}\nlanguage: {'vi' if vietnamese else 'en'}\n---\n{answers}\n"


PEOPLE = {1: ("female", "Hmong"), 2: ("male", "Hmong"), 3: ("female", "Kinh"), 4: ("male", "Kinh"),
          5: ("female", "Kinh"), 6: ("male", "Kinh"), 7: ("female", "Dao")}


def _code_every_answer(project) -> None:
    """Store an accepted `access` coding by lan on every respondent turn."""
    store = open_store(project.store_path)
    with store.transaction():
        for turn in store.turns():
            if turn.role.value != "interviewer":
                text = store.document(turn.document).text
                store.add_coding(turn.document, turn.start, turn.end, "access", "lan", "accepted",
                                 text[turn.start:turn.end])
    store.close()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Seven one-to-one interviews (Hmong 2, Kinh 4, Dao 1; the Dao interview in Vietnamese), every answer
    coded `access` by a person."""
    files = {f"IDI-{n:02}.txt": _idi(n, vietnamese=n == 7) for n in PEOPLE}
    people = "participant,gender,ethnicity,site\n" + "".join(
        f"P{n:02},{g},{e},Site A\n" for n, (g, e) in PEOPLE.items())
    project = make_project(tmp_path_factory.mktemp("voices"), files, CODEBOOK, people)
    _code_every_answer(project)
    return project


def _run(cli, project, tmp_path: Path, *args: str):
    out = tmp_path / "a.md"
    result = cli("appendix", "-o", out, "--project", project.root, *args)
    return result, (out.read_text(encoding="utf-8") if out.exists() else "")


def test_default_is_five_quotes_and_limit_all_gives_every_one(project, tmp_path: Path, cli) -> None:
    """Without --limit the appendix takes 5 quotes per code; `--limit all` takes all 28 passages."""
    result, text = _run(cli, project, tmp_path)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout and "5 quotes" in result.stdout and "At most 5 quotes per code" in text
    result, text = _run(cli, project, tmp_path, "--limit", "all")
    assert result.exit_code == 0 and "28 quotes" in result.stdout


def test_method_counts_every_groups_voices(project, tmp_path: Path, cli) -> None:
    """With --by, the method lists each group's quotes and participants quoted, and all three groups are
    heard even with 3 quotes in all."""
    result, text = _run(cli, project, tmp_path, "--by", "ethnicity", "--limit", "3")
    assert result.exit_code == 0, result.output
    voices = next(line for line in text.splitlines() if line.startswith("Voices by ethnicity"))
    assert "Dao: 1 quote from 1 of 1 participant" in voices
    assert "Hmong: 1 quote from 1 of 2 participants" in voices and "Kinh: 1 quote from 1 of 4" in voices


def test_per_group_takes_n_of_each_group(project, tmp_path: Path, cli) -> None:
    """--per-group 2 --by ethnicity: two quotes of each group (7 participants, 3 groups: 6 quotes)."""
    result, text = _run(cli, project, tmp_path, "--by", "ethnicity", "--per-group", "2", "--limit", "all")
    assert result.exit_code == 0, result.output
    assert "6 quotes" in result.stdout and "At most 2 quotes per code from each value of ethnicity" in text


def test_untranslated_quotes_are_marked_warned_and_can_be_left_out(project, tmp_path: Path, cli) -> None:
    """A Vietnamese quote in an English report is marked [untranslated], counted in the method and warned on
    the terminal with the way to add translations; --translated-only leaves it out; a Vietnamese report
    marks the English ones instead."""
    result, text = _run(cli, project, tmp_path, "--limit", "all")
    assert "*[untranslated]*" in text and "4 quotes in another language than the report's (en)" in text
    assert "warning: 4 quotes in another language than the report's (en)" in result.stderr
    assert "qualcode quotes CODE -o candidates.xlsx" in result.stderr
    result, text = _run(cli, project, tmp_path, "--limit", "all", "--translated-only")
    assert result.exit_code == 0 and "24 quotes" in result.stdout and "[untranslated]" not in text
    assert "had no translation and were left out" in text
    result, text = _run(cli, project, tmp_path, "--limit", "all", "--language-of-report", "vi")
    assert text.count("*[untranslated]*") == 24


@pytest.mark.parametrize(("args", "message"), [
    (("--per-group", "0", "--by", "gender"), "--per-group"),
    (("--per-group", "2"), "--per-group needs --by"),
    (("--limit", "0"), "--limit '0': give a whole number of at least 1, or `all`"),
    (("--limit", "many"), "--limit 'many'"),
])
def test_bad_quote_counts_are_usage_errors(project, tmp_path: Path, cli, args, message) -> None:
    """A zero or unreadable count, or --per-group without --by: exit 2 and one line saying what to give."""
    result, _ = _run(cli, project, tmp_path, *args)
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_a_by_attribute_with_one_person_per_value(tmp_path: Path, cli) -> None:
    """--by an attribute whose every value has one participant: each is its own group of n=1, all are heard
    when there is room, and nothing fails."""
    files = {f"IDI-{n:02}.txt": _idi(n) for n in (1, 2, 3)}
    people = "participant,village\nP01,Lùng Thàng\nP02,Séo Phìn\nP03,Na Lốc\n"
    project = make_project(tmp_path / "p", files, CODEBOOK, people)
    _code_every_answer(project)
    result, text = _run(cli, project, tmp_path, "--by", "village", "--limit", "3")
    assert result.exit_code == 0, result.output
    assert "Lùng Thàng: 1 quote from 1 of 1 participant" in text and "Na Lốc: 1 quote" in text


def test_a_passage_made_only_of_tags_is_not_quoted(tmp_path: Path, cli) -> None:
    """A coded answer that is only `[laughs] [crosstalk]` is nobody's words: it is not a quote, and a code
    with nothing else says it has no quotes."""
    idi = "---\ntype: IDI\nparticipant: P01\n---\nI: Is the clinic far?\nR: [laughs] [crosstalk]\n"
    project = make_project(tmp_path / "p", {"IDI-01.txt": idi}, CODEBOOK, "participant,gender\nP01,female\n")
    store = open_store(project.store_path)
    with store.transaction():
        turn = [t for t in store.turns() if t.role.value != "interviewer"][0]
        text = store.document("IDI-01").text
        store.add_coding("IDI-01", turn.start, turn.end, "access", "lan", "accepted", text[turn.start:turn.end])
    store.close()
    result, text = _run(cli, project, tmp_path, "--by", "gender")
    assert result.exit_code == 0, result.output
    assert "No quotes of this code." in text and "[laughs]" not in text.split("## Access")[1]


INTERPRETED = (
    "---\ntype: FGD\n---\n"
    "Facilitator: What happens at the health station?\n"
    "Sok: [in Khmer; the achar translates] She says nobody there speaks Khmer, so she brings her grandson to "
    "explain her illness to the doctor.\n"
    "Dara: [in Khmer; the achar translates] He says the forms at the health station are only in Vietnamese and "
    "he signs with his thumb.\n"
    "Lan: Nobody at the health station speaks Khmer, so I bring my grandson with me to explain my illness to "
    "the doctor.\n"
    "Facilitator: Thank you.\n"
)


def test_interpreted_speech_is_attributed_as_such_and_ranks_below_direct_speech(tmp_path: Path, cli) -> None:
    """A turn opened by an interpreter's note is attributed `interpreted from Khmer` (or only `interpreted`
    when fewer than k participants speak through an interpreter from that language), is counted in the
    method, and comes after a participant's direct speech of the same quality."""
    people = "participant,document,speaker,gender,ethnicity\nP1,FGD-01,Sok,female,Khmer\n" \
             "P2,FGD-01,Dara,male,Khmer\nP3,FGD-01,Lan,female,Khmer\n"
    project = make_project(tmp_path / "p", {"FGD-01.txt": INTERPRETED}, CODEBOOK, people)
    _code_every_answer(project)
    result, text = _run(cli, project, tmp_path, "--limit", "1", "--k-anonymity", "1")
    assert result.exit_code == 0, result.output
    assert "Nobody at the health station speaks Khmer" in text and "[in Khmer" not in text  # direct speech first
    result, text = _run(cli, project, tmp_path, "--limit", "all", "--k-anonymity", "1")
    assert "(FGD-01, turn 2; interpreted from Khmer)" in text and "(FGD-01, turn 3; interpreted from Khmer)" in text
    assert "2 quotes marked “interpreted”" in text and "(FGD-01, turn 4)" in text
    result, text = _run(cli, project, tmp_path, "--limit", "all", "--k-anonymity", "3",
                        "--attribution", "participant,document,turn")
    assert "(FGD-01, turn 2; interpreted)" in text  # two people interpreted from Khmer: fewer than k = 3

"""An unmapped speaker who asks most of the questions is taken as the interviewer (with a warning saying why and how
to override it), and reports warn when speakers without a participants.csv row are counted as respondents."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SHARED, turns_of
from helpers import make_project, place_codings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qualcode
from qualcode.analysis.corpus_view import view_for
from qualcode.ingest.questioner import find_questioner, is_question

DAN = """Interview
Dan: Okay, the recorder is on. So my first question is whether you use these plots in your work?
Participant: Yes, not all the time, but in our first explorations of a new data set we tend to use them a lot.
Dan: And do you use both kinds?
Participant: Yes, we use both kinds, mostly the first one because the second is slow on big data sets.
Dan: Okay. Can you describe what tasks you use them for?
Participant: We use them to find trends and to check for interactions between two features in a model.
Dan: Mm hmm.
Participant: And sometimes to explain a model to a client who does not trust it, which happens more than you think.
Dan: What was hard about the tool?
Participant: The clustering view was hard at first, I did not know what the colours meant until you told me.
Dan: Would you use it again?
Participant: Yes, I think so, for the first look at a model, before we write the report for the client.
"""


def test_an_unmapped_questioner_is_the_interviewer(project: Path, cli) -> None:
    """`Dan`, with no participants.csv row, asks 5 of the 5 questions in shorter turns: Dan's turns are the
    interviewer's, the warning says why (the numbers) and how to override it, and one respondent remains."""
    (project / "transcripts" / "P1.txt").write_text(DAN, encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 0, result.output
    roles = {(label, role, pid) for _, label, role, pid, _ in turns_of(project, "P1")}
    assert roles == {("Dan", "interviewer", None), ("Participant", "respondent", "P1/Participant")}
    assert ("warning: transcripts/P1.txt: speaker 'Dan' has no participants.csv row and asks most of the questions "
            "(5 of the 5 turns ending in '?'; 6 words a turn against 19 for the others), so it is taken as the "
            "interviewer; if Dan is a respondent, give it a participants.csv row with a role, or list it under "
            "`respondent:` in the front matter") in result.stderr
    assert "kept as P1/Dan" not in result.stderr


@pytest.mark.parametrize("override", ["front matter", "participants row"])
def test_the_overrides_keep_the_questioner_a_respondent(project: Path, cli, override: str) -> None:
    """Front matter `respondent: [Dan]`, or a participants.csv row for Dan, keeps Dan a respondent."""
    text = DAN
    if override == "front matter":
        text = "---\nrespondent: [Dan]\n---\n" + DAN
    else:
        (project / "transcripts" / "participants.csv").write_text("participant,document,speaker\nD1,P1,Dan\n",
                                                                  encoding="utf-8")
    (project / "transcripts" / "P1.txt").write_text(text, encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert {role for _, label, role, _, _ in turns_of(project, "P1") if label == "Dan"} == {"respondent"}
    assert "taken as the interviewer" not in result.stderr


def test_two_questioners_are_not_flipped(project: Path, cli) -> None:
    """When both speakers ask questions (no one owns two thirds of them) nobody is taken as the interviewer."""
    text = ("Lan: Where do you live?\nMai: Up the hill. And you, where do you live now?\nLan: By the river, near the "
            "school. Do you go to the meetings?\nMai: Sometimes. Do you?\nLan: Never, they are in Vietnamese. Is "
            "that why you stopped?\nMai: Yes. Who would translate for me?\n")
    (project / "transcripts" / "FGD-01.txt").write_text(text, encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert {role for _, _, role, _, _ in turns_of(project, "FGD-01")} == {"respondent"}
    assert "taken as the interviewer" not in result.stderr


def test_no_guess_when_the_document_has_an_interviewer(project: Path, cli) -> None:
    """A document that already has an interviewer keeps every other speaker a respondent, however many
    questions they ask."""
    text = DAN.replace("Dan: Mm hmm.", "Interviewer: Thank you.")
    (project / "transcripts" / "P1.txt").write_text(text, encoding="utf-8")
    cli("ingest", "--project", project)
    assert {role for _, label, role, _, _ in turns_of(project, "P1") if label == "Dan"} == {"respondent"}


def test_vietnamese_questions(project: Path, cli) -> None:
    """Vietnamese questions ending `ạ?` or `không?` (and a tag after the mark) count as questions."""
    text = ("Lan: Bác năm nay bao nhiêu tuổi ạ?\nBác Páo: Bảy mươi hai rồi, già rồi, không làm được nương nữa, chỉ "
            "ở nhà trông cháu.\nLan: Bác có đi họp thôn không ạ?\nBác Páo: Có, nhưng họ nói tiếng Kinh nhanh quá, "
            "bác không hiểu hết được.\nLan: Thế ai dịch cho bác? [cười]\nBác Páo: Con trai bác, nó đi làm xa thì "
            "không có ai dịch cả.\nLan: Bác có muốn nói gì thêm không?\nBác Páo: Muốn có người nói tiếng Mông ở "
            "xã.\nLan: Bác có thẻ bảo hiểm không ạ ?\nBác Páo: Có, nhưng đi khám xa lắm.\n")
    (project / "transcripts" / "IDI-09.txt").write_text(text, encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert {role for _, label, role, _, _ in turns_of(project, "IDI-09") if label == "Lan"} == {"interviewer"}
    assert "(5 of the 5 turns ending in '?'" in result.stderr


@pytest.mark.parametrize(("speech", "asks"), [
    ("Bác năm nay bao nhiêu tuổi ạ?", True), ("Is that right? [laughs]", True), ("He asked “why?”", True),
    ("Thật à？", True), ("Có không ạ ?", True), ("No. (Why?)", False), ("Okay.", False), ("", False),
    ("[laughs]", False), ("?", True),
])
def test_is_question(speech: str, asks: bool) -> None:
    """A turn asks when it ends in a question mark, after closing quotes, tags and parentheticals."""
    assert is_question(speech) is asks


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(turns=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.text(max_size=40)), max_size=20),
       candidates=st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=3))
def test_find_questioner_takes_any_turns(turns, candidates) -> None:
    """Any turns and candidates give None or one candidate that owns two thirds of the questions."""
    found = find_questioner(turns, candidates)
    if found is not None:
        assert found.label in candidates and found.questions * 3 >= 2 * found.all_questions
        assert found.median_words < found.others_median_words


CODEBOOK = """\
codebook: Unmapped test
version: "1"
codes:
  - id: tools
    label: Tools
    definition: Tools.
"""


def test_reports_warn_about_unmapped_respondents(tmp_path: Path, cli) -> None:
    """With no participants.csv, `matrix`, `cooccur`, `quotes` and `appendix` warn that 1 speaker without a row
    is counted as a respondent (Dan, taken as the interviewer, is not); the view counts it too; a row for the
    participant silences the warning."""
    project = make_project(tmp_path, {"P1.txt": DAN}, CODEBOOK)
    place_codings(project, [("P1", "we tend to use them a lot", "tools", "lan", "accepted")])
    assert view_for(project).unmapped_respondents == 1
    warning = ("warning: 1 speaker with no participants.csv row is counted as respondents (P1/Participant): give "
               "each a row in participants.csv")
    for args in (["matrix", "--by", "document"], ["cooccur"], ["quotes", "tools"],
                 ["appendix", "-o", tmp_path / "a.md", "--summary-by", "document"]):
        result = cli(*args, "--project", tmp_path)
        assert result.exit_code == 0, result.output
        assert warning in result.stderr, args
    (tmp_path / "transcripts" / "participants.csv").write_text("participant,document,speaker\nU1,P1,Participant\n",
                                                                encoding="utf-8")
    project.ingest()
    assert view_for(project).unmapped_respondents == 0
    assert "no participants.csv row" not in cli("matrix", "--by", "document", "--project", tmp_path).stderr


@pytest.fixture(scope="module")
def pdpilot_without_rows(tmp_path_factory) -> Path:
    """The 7 real PDPilot interviews ingested with no participants.csv (no row for the interviewer Dan)."""
    source = SHARED / "pdpilot-interviews-coded" / "transcripts_txt"
    if not source.is_dir():
        pytest.skip("../shared/data/real/pdpilot-interviews-coded is absent: the PDPilot test needs it")
    root = tmp_path_factory.mktemp("pdpilot-no-rows")
    shutil.copytree(source, root / "transcripts")
    return root


def test_pdpilot_without_an_interviewer_row_has_seven_respondents(pdpilot_without_rows: Path, cli) -> None:
    """On the real PDPilot interviews with no participants row, Dan is taken as the interviewer in each of the 7
    (warned with the numbers), leaving 7 respondents, not 14."""
    root = pdpilot_without_rows
    result = cli("ingest", "--project", root)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("speaker 'Dan' has no participants.csv row and asks most of the questions") == 7
    turns = qualcode.open_project(root)
    from qualcode.project.store import open_store

    store = open_store(turns.store_path)
    try:
        respondents = {t.participant for t in store.turns() if t.role.value == "respondent"}
        dan = {t.role.value for t in store.turns() if t.label == "Dan"}
    finally:
        store.close()
    assert respondents == {f"P{i}/Participant" for i in range(1, 8)} and dan == {"interviewer"}

"""Turns given through an interpreter are stored as such (`interpreted`: the language, '' when unnamed, None for
direct speech): transcribers' notes, interpreters' labels and roles, and qualcode.toml patterns."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO, db, turns_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.ingest.interpreting import Spoken, interpreting, language_name, read_notes

SAMPLE = ("FGD-01.txt", "FGD-03.txt", "FGD-05.docx", "FGD-07.srt", "FGD-08.txt", "IDI-14.txt", "IDI-19.txt",
          "IDI-20.vtt", "participants.csv")


def interpreted_of(project: Path, doc_id: str) -> dict[int, tuple[str | None, str | None, str]]:
    """``turn number -> (participant, interpreted, role)`` for the turns of ``doc_id`` stored as interpreted."""
    con = db(project)
    rows = con.execute("SELECT number, participant, interpreted, role FROM turns WHERE document = ? AND "
                       "interpreted IS NOT NULL ORDER BY number", (doc_id,)).fetchall()
    con.close()
    return {n: (pid, lang, role) for n, pid, lang, role in rows}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, str]:
    """Part of the sample study ingested: the transcripts with interpreters, and IDI-14's translator's gloss."""
    root = tmp_path_factory.mktemp("interpreted")
    (root / "transcripts").mkdir()
    for name in SAMPLE:
        shutil.copy(REPO / "transcripts" / name, root / "transcripts" / name)
    from typer.testing import CliRunner

    from qualcode.cli import app

    result = CliRunner().invoke(app, ["ingest", "--project", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root, result.stderr


def test_sample_notes_store_the_language(sample) -> None:
    """FGD-07's `[in Khmer; the achar translates]`, FGD-03's `[tiếng Mông, chị Sính dịch]` and FGD-08's `[nói
    tiếng Khmer, anh Kiên dịch]` turns are stored as interpreted from Khmer and Hmong, with the participant
    speaking; the `[chị Sính dịch]` / `[anh Kiên dịch]` notes without a language carry the speaker's."""
    root, _ = sample
    assert interpreted_of(root, "FGD-07") == {35: ("P88", "Khmer", "respondent"), 49: ("P88", "Khmer", "respondent"),
                                              62: ("P88", "Khmer", "respondent")}
    fgd03 = interpreted_of(root, "FGD-03")
    assert len(fgd03) == 8 and set(fgd03.values()) == {("P64", "Hmong", "respondent")}
    assert set(interpreted_of(root, "FGD-08").values()) == {("P95", "Khmer", "respondent")}
    assert len(interpreted_of(root, "FGD-08")) == 2


def test_sample_text_is_not_altered(sample) -> None:
    """An interpreted turn's stored speech still starts with the transcriber's note: offsets never move."""
    root, _ = sample
    speech = {n: s for n, _, _, _, s in turns_of(root, "FGD-07")}
    assert speech[49].startswith("[in Khmer; the achar translates] She has never voted herself.")


def test_sample_language_notes_and_glosses_are_not_interpretation(sample) -> None:
    """`[in Hmong]` (the participant's own words), `[in Vietnamese]` after an interpreted turn, and IDI-14's
    `[translator: …]` gloss inside a turn leave the turn as direct speech."""
    root, _ = sample
    mai = [n for n, label, _, _, s in turns_of(root, "FGD-01") if label == "Mai" and s.startswith("[in Hmong]")]
    assert mai and not set(mai) & set(interpreted_of(root, "FGD-01"))
    may = {n: s for n, label, _, _, s in turns_of(root, "FGD-01") if label == "Mẩy"}
    assert {n for n in may if may[n].startswith("[in Vietnamese]")} and set(interpreted_of(root, "FGD-01")) == {
        n for n in may if may[n].startswith("[in Dao, Kiềm translates]")}
    assert interpreted_of(root, "IDI-14") == {}


def test_sample_sign_language_and_interpreter_renderings(sample) -> None:
    """IDI-19's `[signs; sister interprets]` and later `[signs]` turns are interpreted from sign language (but
    not the `[types on the phone]` answer); IDI-20's `[in Hmong] [interpreter: she says …]` cues are turns of
    their own, interpreted from Hmong, apart from the respondent's own words in the cue before."""
    root, _ = sample
    signs = interpreted_of(root, "IDI-19")
    assert len(signs) == 11 and set(signs.values()) == {("P19", "sign language", "respondent")}
    typed = next(n for n, _, _, _, s in turns_of(root, "IDI-19") if s.startswith("[types on the phone]"))
    assert typed not in signs
    idi20 = turns_of(root, "IDI-20")
    rendering = "[in Hmong] [interpreter: she says she hoped we were from the commune]"
    assert [s for _, _, _, _, s in idi20[1:3]] == ["Yes. I want to ask about that.", rendering]
    assert interpreted_of(root, "IDI-20") == {3: ("P20", "Hmong", "respondent"), 23: ("P20", "Hmong", "respondent"),
                                              39: ("P20", "Hmong", "respondent")}


def test_a_participant_translating_for_another_gives_the_turn_to_the_one_addressed(sample) -> None:
    """FGD-05 turn 22, `Mỹ: [translating] She says she wakes at four…` right after the facilitator asks `Sa Rươn,
    what about your day?`, is Sa Rươn's (P80) testimony interpreted from Khmer, not Mỹ's own words."""
    root, _ = sample
    assert interpreted_of(root, "FGD-05")[22] == ("P80", "Khmer", "respondent")
    assert turns_of(root, "FGD-05")[21][1] == "Mỹ"


def _ingest(project: Path, cli, text: str, *, participants: str | None = None, config: str = "",
            name: str = "IDI-01.txt"):
    (project / "transcripts" / name).write_text(text, encoding="utf-8")
    if participants is not None:
        (project / "transcripts" / "participants.csv").write_text(participants, encoding="utf-8")
    if config:
        (project / "qualcode.toml").write_text(config, encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 0, result.output
    return result


INTERPRETED_INTERVIEW = """Interviewer: How many children do you have?
Respondent: [in Hmong] Năm.
Interpreter: She has five, three girls and two boys.
Interviewer: Do they go to school?
Interpreter: She says the two boys go, the girls help at home.
"""


def test_an_interpreters_turns_are_the_respondents_interpreted(project: Path, cli) -> None:
    """`Interpreter:` turns are respondent turns of the respondent before them, interpreted from the language of
    that respondent's note; the interpreter is no participant of their own."""
    _ingest(project, cli, INTERPRETED_INTERVIEW, participants="participant,document,speaker\nP01,IDI-01,Respondent\n")
    assert interpreted_of(project, "IDI-01") == {3: ("P01", "Hmong", "respondent"), 5: ("P01", "Hmong", "respondent")}
    assert [label for _, label, *_ in turns_of(project, "IDI-01")][2] == "Interpreter"
    roster = cli("participants", "--project", project)
    assert "P01" in roster.stdout and "Interpreter" not in roster.stdout and roster.exit_code == 0


@pytest.mark.parametrize("how", ["role", "front matter", "qualcode.toml"])
def test_an_interpreter_named_by_role_front_matter_or_config(project: Path, cli, how: str) -> None:
    """A speaker is an interpreter by a participants.csv `role` of `interpreter`, front matter `interpreter:`,
    or qualcode.toml `[speakers] interpreter`; their turns go to the respondent, and the interpreter's own
    participants.csv row is not reported as matching no turn."""
    text = INTERPRETED_INTERVIEW.replace("Interpreter:", "Chị Sính:")
    people = "participant,document,speaker,role\nP01,IDI-01,Respondent,\n"
    config = ""
    if how == "role":
        people += "I01,IDI-01,Chị Sính,interpreter\n"
    elif how == "front matter":
        text = "---\ninterpreter: [Chị Sính]\n---\n" + text
    else:
        config = '[speakers]\ninterpreter = ["Chị Sính"]\n'
    result = _ingest(project, cli, text, participants=people, config=config)
    assert interpreted_of(project, "IDI-01") == {3: ("P01", "Hmong", "respondent"), 5: ("P01", "Hmong", "respondent")}
    assert "matches no turn" not in result.stderr and "Chị Sính" not in result.stderr
    assert "matches no turn" not in cli("participants", "--project", project).stdout


def test_an_interpreter_speaking_first_is_an_unidentified_speaker(project: Path, cli) -> None:
    """An interpreter's turn with no respondent before it is kept as an unidentified speaker's interpreted turn
    (no participant), with a warning naming the turn."""
    result = _ingest(project, cli, "Interpreter: She greets you and asks who you are.\nInterviewer: Welcome.\n"
                                   "Respondent: Thank you.\n")
    assert interpreted_of(project, "IDI-01") == {1: (None, "", "respondent")}
    assert "turn 1 ('Interpreter') is an interpreter's but renders no respondent" in result.stderr


def test_notes_in_an_unknown_language_or_none(project: Path, cli) -> None:
    """A note naming a language qualcode does not know keeps it as written; a note naming none, with no earlier
    note of that speaker, stores '' (an unnamed language) and warns once with the turn and the fix."""
    result = _ingest(project, cli, "Facilitator: Who speaks first?\nLan: [in Pa Then, Lâm translates] She says she "
                                   "lives by the river.\nMai: [Lâm translates] She says she is new here.\n"
                                   "Facilitator: Thank you.\nMai: [Lâm translates] She says thank you.\n"
                                   "Lan: [Lâm translates] She agrees.\n", name="FGD-01.txt")
    assert {n: lang for n, (_, lang, _) in interpreted_of(project, "FGD-01").items()} == {2: "Pa Then", 3: "",
                                                                                          5: "", 6: "Pa Then"}
    assert ("turn 3 ('Mai') is interpreted but no note of this speaker names the language (and 1 more of this "
            "speaker's turns)") in result.stderr


def test_a_pattern_from_qualcode_toml(project: Path, cli) -> None:
    """`[speakers] interpreter_notes` patterns mark turns too, their `language` group normalised like the
    built-in notes' (Khơ-me → Khmer)."""
    config = '[speakers]\ninterpreter_notes = [\'\\(qua PD (?P<language>[^)]+)\\)\']\n'
    _ingest(project, cli, "PV: Bà có đi họp không?\nND: (qua PD tiếng Khơ-me) Bà nói bà không đi.\n"
                          "PV: Vì sao?\nND: Không hiểu.\n", config=config)
    assert interpreted_of(project, "IDI-01") == {2: ("IDI-01/ND", "Khmer", "respondent")}


def test_a_turn_of_tags_only_ingests_as_direct_speech(project: Path, cli) -> None:
    """A turn that is only `[laughs]` (or only a note) ingests and is not interpreted."""
    _ingest(project, cli, "Interviewer: And then?\nRespondent: [laughs]\nInterviewer: Really?\n"
                          "Respondent: [in Hmong]\n")
    assert [s for _, _, _, _, s in turns_of(project, "IDI-01")] == ["And then?", "[laughs]", "Really?", "[in Hmong]"]
    assert interpreted_of(project, "IDI-01") == {}


def test_show_marks_interpreted_turns(sample, cli) -> None:
    """`qualcode show` prints an interpreted turn's participant with `interpreted from Khmer`."""
    root, _ = sample
    shown = cli("show", "FGD-07", "--turns", "49", "--project", root)
    assert "[49] Bà Mum [P88, interpreted from Khmer]" in shown.stdout
    page = root / "fgd07.html"
    assert cli("show", "FGD-07", "-o", page, "--project", root).exit_code == 0
    assert "[P88, interpreted from Khmer]" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize(("note", "expected"), [
    ("[in Dao, Kiềm translates] She says", (True, "Dao")),
    ("[tiếng Mông, chị Sính dịch] Bà nói", (True, "Hmong")),
    ("[nói tiếng Khơ-me, anh Kiên dịch] Chú nói", (True, "Khmer")),
    ("[chị Sính dịch] Bà bảo", (True, None)),
    ("[signs; sister interprets] Field.", (True, "sign language")),
    ("[ký hiệu; em gái dịch] Ruộng.", (True, "sign language")),
    ("[in H'Mông via an interpreter] x", (True, "Hmong")),
    ("[laughs] [in Tày; the cadre translates] x", (True, "Tày")),
    ("[in Hmong] [interpreter: she says yes]", (True, "Hmong")),
    ("[in Hmong] For me it is not less work.", (False, "Hmong")),
    ("[nói tiếng Việt] Không.", (False, "Vietnamese")),
    ("[translator: the first term is older] x", (False, None)),
    ("[signs to her brother] He says yes.", (False, None)),
    ("[in Khmer, to the children] Go and play.", (False, "Khmer")),
    ("[translated] I went.", (False, None)),
    ("[no interpreter present] x", (False, None)),
    ("[tiếng chó sủa] Ừ.", (False, None)),
    ("She says [in Khmer; the achar translates] x", (False, None)),
    ("", (False, None)),
])
def test_read_notes(note: str, expected: tuple) -> None:
    """The notes at the start of a turn say whether it is interpreted and from which language (English name);
    language-only notes, glosses, notes elsewhere and non-language `tiếng` (a sound) do not interpret."""
    reading = read_notes(note)
    assert (reading.interpreted, reading.language) == expected


@pytest.mark.parametrize(("written", "english"), [
    ("Mông", "Hmong"), ("H'Mông", "Hmong"), ("Khơ-me", "Khmer"), ("Dao", "Dao"), ("Tày", "Tày"), ("Giáy", "Giáy"),
    ("Hoa", "Hoa"), ("Kinh", "Vietnamese"), ("Việt", "Vietnamese"), ("ký hiệu", "sign language"),
    ("signs", "sign language"), ("Pa Then", "Pa Then"),
])
def test_language_names(written: str, english: str) -> None:
    """Vietnamese names of the study's languages become the English name; others are kept as written."""
    assert language_name(written) == english


PARTS = st.sampled_from(["interviewer", "interpreter", "respondent", "unknown"])
NOTES = st.sampled_from(["", "[in Khmer; X translates] ", "[chị Sính dịch] ", "[translating] ", "[signs] ",
                         "[in Hmong] ", "[interpreter: she says] ", "[", "]", "[[", "[in ] "])


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(turns=st.lists(st.tuples(st.sampled_from([None, "a", "b", "c"]), PARTS, NOTES, st.text(max_size=60)),
                      max_size=12),
       pattern=st.sampled_from([None, r"\((?P<language>\w+)\)", r"x*"]))
def test_interpreting_takes_any_turns(turns, pattern) -> None:
    """Any sequence of speakers, parts and notes gives one decision per turn — None, '' or a language; an
    interpreter's turn renders a respondent of the document or no one — and never an error."""
    spoken = [Spoken(key, part, note + text) for key, part, note, text in turns]
    decided = interpreting(spoken, [re.compile(pattern)] if pattern else [])
    assert len(decided.interpreted) == len(decided.renders) == len(spoken)
    respondents = {t.speaker for t in spoken if t.part == "respondent"}
    assert all(r in respondents or r == "" for r in decided.renders if r is not None)
    assert all(decided.interpreted[i] is None for i, t in enumerate(spoken) if t.part == "interviewer")


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(speech=st.text(max_size=300))
def test_read_notes_takes_any_text(speech: str) -> None:
    """Any speech gives a reading, never an error."""
    reading = read_notes(speech)
    assert reading.language is None or isinstance(reading.language, str)

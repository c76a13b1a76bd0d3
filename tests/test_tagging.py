"""`qualcode tag` and `qualcode untag`: manual coding of one turn's speech on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import db
from helpers import make_project

import qualcode
from qualcode.codings.tagging import tag, untag
from qualcode.errors import QualcodeError, UsageError

CODEBOOK = """\
codebook: Tagging test
version: "1"
codes:
  - id: language
    label: Language barriers
    definition: Language.
    children:
      - id: language.literacy
        label: Literacy
        definition: Reading.
  - id: workload
    label: Workload
    definition: Work.
"""

IDI = """---
participant: P01
---
Interviewer: Is there an interpreter?
Respondent: No interpreter. I cannot read the forms.
Interviewer: And at home?
Respondent: Housework all day.
"""


@pytest.fixture
def tagged(tmp_path: Path, cli) -> Path:
    """An ingested one-interview project whose qualcode.toml names the coder `lan`."""
    make_project(tmp_path, {"IDI-01.txt": IDI}, CODEBOOK, config='coder = "lan"\n')
    return tmp_path


def human(project: Path) -> list[tuple]:
    return db(project).execute("SELECT document, code, coder, status, origin, text FROM codings "
                               "ORDER BY id").fetchall()


def test_tag_codes_the_turns_speech_as_the_configured_coder(tagged: Path, cli) -> None:
    """`tag` stores an accepted coding of the turn's speech (label left out) by qualcode.toml's coder."""
    result = cli("tag", "IDI-01", "2", "Language barriers > Literacy", "--project", tagged)
    assert result.exit_code == 0, result.output
    assert "tagged IDI-01 turn 2 language.literacy (lan): No interpreter. I cannot read the forms." in result.stdout
    assert human(tagged) == [("IDI-01", "language.literacy", "lan", "accepted", "tag",
                              "No interpreter. I cannot read the forms.")]


def test_tag_twice_is_one_coding_and_coder_option_wins(tagged: Path, cli) -> None:
    """Tagging the same turn and code again changes nothing; `--coder` names another coder."""
    cli("tag", "IDI-01", "4", "workload", "--project", tagged)
    again = cli("tag", "IDI-01", "4", "Workload", "--project", tagged)
    assert again.exit_code == 0 and "already tagged" in again.stdout
    cli("tag", "IDI-01", "4", "workload", "--coder", "minh", "--project", tagged)
    assert [(r[1], r[2]) for r in human(tagged)] == [("workload", "lan"), ("workload", "minh")]


def test_tag_errors(tagged: Path, cli) -> None:
    """Unknown documents, turns and codes are usage errors that say what exists."""
    result = cli("tag", "IDI-09", "2", "workload", "--project", tagged)
    assert result.exit_code == 2
    assert "unknown document 'IDI-09' (did you mean 'IDI-01'?); documents: IDI-01" in result.stderr
    result = cli("tag", "IDI-01", "9", "workload", "--project", tagged)
    assert result.exit_code == 2 and "IDI-01 has no turn 9; its turns are 1–4" in result.stderr
    result = cli("tag", "IDI-01", "2", "weather", "--project", tagged)
    assert result.exit_code == 2 and "unknown code 'weather' in codebook 'Tagging test'" in result.stderr
    assert cli("tag", "IDI-01", "0", "workload", "--project", tagged).exit_code == 2
    assert human(tagged) == []


def test_tag_needs_a_coder(tagged: Path, cli) -> None:
    """Without --coder and without a coder in qualcode.toml, tag says how to name one; `auto` and the machine
    suggesters' names are refused."""
    (tagged / "qualcode.toml").write_text('[project]\ncodebook = "codebook.yaml"\n', encoding="utf-8")
    result = cli("tag", "IDI-01", "2", "workload", "--project", tagged)
    assert result.exit_code == 2 and "--coder" in result.stderr and "qualcode.toml" in result.stderr
    result = cli("tag", "IDI-01", "2", "workload", "--coder", "auto", "--project", tagged)
    assert result.exit_code == 2 and "rule coder" in result.stderr
    for machine in ("learned", "Similar", "llm"):
        result = cli("tag", "IDI-01", "2", "workload", "--coder", machine, "--project", tagged)
        assert result.exit_code == 2 and "machine suggester" in result.stderr
    assert human(tagged) == []


def test_tag_on_an_interviewer_turn_warns(tagged: Path, cli) -> None:
    """Tagging an interviewer's turn works but says that reports leave it out."""
    result = cli("tag", "IDI-01", "1", "language", "--project", tagged)
    assert result.exit_code == 0 and "interviewer" in result.stderr


def test_untag_removes_only_that_coders_codings(tagged: Path, cli) -> None:
    """`untag` removes the coder's codings of that code on that turn, reports how many, and fails when none."""
    cli("tag", "IDI-01", "2", "language", "--project", tagged)
    cli("tag", "IDI-01", "2", "language", "--coder", "minh", "--project", tagged)
    cli("tag", "IDI-01", "2", "workload", "--project", tagged)
    result = cli("untag", "IDI-01", "2", "Language barriers", "--project", tagged)
    assert result.exit_code == 0 and "removed 1 coding of language by lan from IDI-01 turn 2" in result.stdout
    assert [(r[1], r[2]) for r in human(tagged)] == [("language", "minh"), ("workload", "lan")]
    result = cli("untag", "IDI-01", "2", "language", "--project", tagged)
    assert result.exit_code == 1 and "lan has no coding of language on IDI-01 turn 2" in result.stderr
    assert cli("untag", "IDI-01", "2", "weather", "--project", tagged).exit_code == 2


def test_untag_reaches_imported_codings_inside_the_turn(tagged: Path, cli) -> None:
    """Codings that start in the turn are untagged however they were made (here, imported by text)."""
    sheet = tagged / "lan.csv"
    sheet.write_text("document,code,text\nIDI-01,workload,Housework\nIDI-01,workload,all day\n", encoding="utf-8")
    assert cli("codings", "import", sheet, "--project", tagged).exit_code == 0
    result = cli("untag", "IDI-01", "4", "workload", "--project", tagged)
    assert "removed 2 codings" in result.stdout and human(tagged) == []


def test_tag_from_python(tagged: Path) -> None:
    """The library functions behind the commands return what they did and raise QualcodeErrors."""
    project = qualcode.open_project(tagged)
    result = tag(project, "idi-01", 4, "workload")
    assert (result.document, result.created, result.text, result.interviewer) == \
        ("IDI-01", True, "Housework all day.", False)
    assert untag(project, "IDI-01", 4, "workload").removed == 1
    with pytest.raises(QualcodeError):
        untag(project, "IDI-01", 4, "workload")
    with pytest.raises(UsageError):
        tag(project, "IDI-01", 2, "workload", coder=" ")


def test_tag_a_span_by_text_sentence_or_chars(tagged: Path, cli) -> None:
    """`--text` places words in the turn (despite spacing), `--sentence N` takes its Nth sentence and `--chars
    A-B` counts from the start of the turn's speech; each stores exactly that span."""
    result = cli("tag", "IDI-01", "2", "literacy", "--text", "cannot   read", "--project", tagged)
    assert result.exit_code == 0, result.output
    assert "tagged IDI-01 turn 2 language.literacy (lan): cannot read" in result.stdout
    assert cli("tag", "IDI-01", "2", "language", "--sentence", "1", "--project", tagged).exit_code == 0
    assert cli("tag", "IDI-01", "2", "language", "--text", "terpret", "--project", tagged).exit_code == 0
    assert cli("tag", "IDI-01", "4", "workload", "--chars", "0-9", "--project", tagged).exit_code == 0
    again = cli("tag", "IDI-01", "4", "workload", "--chars", "0-9", "--project", tagged)
    assert "already tagged" in again.stdout
    assert [r[1::4] for r in human(tagged)] == [("language.literacy", "cannot read"),
                                                  ("language", "No interpreter."), ("language", "interpreter"),
                                                  ("workload", "Housework")]
    text = db(tagged).execute("SELECT text FROM documents").fetchone()[0]
    spans = db(tagged).execute('SELECT start, "end", text FROM codings').fetchall()
    assert all(text[s:e] == t for s, e, t in spans)


def test_tag_span_errors(tagged: Path, cli) -> None:
    """Words not in the turn, words twice in it, a missing sentence, a bad or too long range and two span
    options at once are usage errors naming the fix; nothing is stored."""
    cases = [(["--text", "housework"], "'housework' is not in IDI-01 turn 2"),
             (["--text", "re"], "is 2 times in IDI-01 turn 2"),
             (["--sentence", "3"], "IDI-01 turn 2 has no sentence 3; it has 2"),
             (["--chars", "5"], "write it as A-B"),
             (["--chars", "10-99"], "speech has 40 characters"),
             (["--chars", "9-3"], "A must be less than B"),
             (["--text", "read", "--sentence", "1"], "give one of --text, --sentence, not several")]
    for options, message in cases:
        result = cli("tag", "IDI-01", "2", "language", *options, "--project", tagged)
        assert result.exit_code == 2 and message in result.stderr, (options, result.stderr)
        assert "Traceback" not in result.stderr
    assert human(tagged) == []


def test_untag_a_span(tagged: Path, cli) -> None:
    """`untag --text/--sentence/--chars` removes only the coder's coding of that code on that exact span."""
    cli("tag", "IDI-01", "2", "language", "--project", tagged)
    cli("tag", "IDI-01", "2", "language", "--sentence", "2", "--project", tagged)
    result = cli("untag", "IDI-01", "2", "language", "--text", "I cannot read the forms.", "--project", tagged)
    assert result.exit_code == 0 and "removed 1 coding" in result.stdout
    assert [r[5] for r in human(tagged)] == ["No interpreter. I cannot read the forms."]
    result = cli("untag", "IDI-01", "2", "language", "--sentence", "1", "--project", tagged)
    assert result.exit_code == 1 and "lan has no coding of language on IDI-01 turn 2 at that span" in result.stderr

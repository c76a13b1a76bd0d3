"""Misspelt speaker labels (`Particpant:` among `Participant:` turns) are read as the label they misspell, with a
warning naming the file, the line and the label — and distinct people's labels are never merged."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from conftest import REPO, turns_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.ingest import read_document, role_labels
from qualcode.ingest.misspelt import misspelt_label
from qualcode.project.folder import Config

ROLES = role_labels(Config())


def test_a_misspelt_role_label_starts_a_turn_of_that_speaker(project: Path, cli) -> None:
    """`Particpant:` used once among `Participant:` turns starts a turn of `Participant` whose speech leaves the
    label out, and ingest warns with the file, the line and the label it was read as."""
    (project / "transcripts" / "IDI-01.txt").write_text(
        "Interviewer: How far is the school?\nParticipant: Far.\nThe road floods.\n"
        "Particpant: And the bridge is broken.\nInterviewer: Since when?\nParticipant: Last year.\n",
        encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 0, result.output
    turns = turns_of(project, "IDI-01")
    assert [(label, speech) for _, label, _, _, speech in turns][2] == ("Participant", "And the bridge is broken.")
    assert len(turns) == 5 and {pid for _, _, role, pid, _ in turns if role == "respondent"} == {"IDI-01/Participant"}
    assert ("warning: transcripts/IDI-01.txt:4: 'Particpant:' was read as the speaker label 'Participant': it "
            "starts only this line and looks like a misspelling of it") in result.stderr


@pytest.mark.parametrize(("typo", "meant"), [
    ("Respondnet", "Respondent"), ("Particpant", "Participant"), ("Interviwer", "Interviewer"),
    ("Facilitatr", "Facilitator"), ("Partcipnt", "Participant"), ("Nguoi tra loi", "Người trả lời"),
    ("Kirsty Wiliams AM", "Kirsty Williams AM"), ("Kirsty Willaims AM", "Kirsty Williams AM"),
])
def test_slips_are_read_as_the_label(typo: str, meant: str) -> None:
    """A letter missing, swapped or (in a role label) changed, or accents dropped from a role label, is a slip for
    the file's label; in a name, a missing or swapped letter inside a long word."""
    assert misspelt_label(typo, ["Interviewer", "Facilitator", meant], ROLES) == meant


@pytest.mark.parametrize(("other", "label"), [
    ("Lan", "Lam"), ("Mai", "Mây"), ("Thanh", "Thành"), ("Trang", "Trung"), ("Frances", "Francis"),
    ("Daniela", "Daniel"), ("Christina", "Christine"), ("Chị Thạch", "Chị Thanh"), ("Bà Lý", "Bà Ly"),
    ("Note", "Nate"), ("Interviewee", "Interviewer"), ("Research", "Researcher"), ("Int", "Ind"),
])
def test_distinct_names_are_not_merged(other: str, label: str) -> None:
    """Short names a letter apart, names differing by an accent or a changed letter, a letter added at the end,
    another role label, and short role labels are different speakers, not slips."""
    assert misspelt_label(other, [label, "Interviewer"], ROLES) is None


def test_a_slip_between_two_labels_is_not_guessed() -> None:
    """A candidate one slip from two of the file's labels is read as neither."""
    assert misspelt_label("Respondnt", ["Respondent", "Respondant"], ["Respondent", "Respondant"]) is None


def test_once_used_lan_among_lam_turns_stays_text(project: Path, cli) -> None:
    """`Lan:` used once in a group where `Lam:` speaks stays text (reported as before), not Lam's turn."""
    (project / "transcripts" / "FGD-01.txt").write_text(
        "Facilitator: Who went to the meeting?\nLam: I went.\nMai: Me too.\nLan: I did not.\nLam: She was ill.\n"
        "Mai: Yes.\n", encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert [label for _, label, *_ in turns_of(project, "FGD-01")] == ["Facilitator", "Lam", "Mai", "Lam", "Mai"]
    assert "'Lan:' starts only this line, so it was read as text" in result.stderr


def test_a_misspelt_label_in_a_subtitle_cue(project: Path, cli) -> None:
    """A subtitle cue starting `Particpant:` is a turn of `Participant`; the warning names the cue's time."""
    (project / "transcripts" / "IDI-02.srt").write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: Where do you work?\n\n"
        "2\n00:00:04,000 --> 00:00:06,000\nParticipant: In the field.\n\n"
        "3\n00:00:07,000 --> 00:00:09,000\nInterviewer: Every day?\n\n"
        "4\n00:00:10,000 --> 00:00:12,000\nParticpant: Every day.\n\n"
        "5\n00:00:13,000 --> 00:00:15,000\nParticipant: Even at Tết.\n", encoding="utf-8")
    result = cli("ingest", "--project", project)
    assert result.exit_code == 0, result.output
    assert [(label, speech) for _, label, _, _, speech in turns_of(project, "IDI-02")][3] == (
        "Participant", "Every day. Even at Tết.")
    assert "'Particpant:' (in the cue at 00:00:10) was read as the speaker label 'Participant'" in result.stderr


def test_the_sample_typos_are_read_as_labels(tmp_path: Path, cli) -> None:
    """The sample's `Particpant:` (IDI-10, IDI-24) and `Respondnet:` (IDI-28, IDI-47) lines are respondents'
    turns of the participant, their speech without the label; the text itself is unchanged."""
    (tmp_path / "transcripts").mkdir()
    for name in ("IDI-10.txt", "IDI-24.txt", "IDI-28.txt", "IDI-47.txt", "participants.csv"):
        shutil.copy(REPO / "transcripts" / name, tmp_path / "transcripts" / name)
    result = cli("ingest", "--project", tmp_path)
    assert result.exit_code == 0, result.output
    starts = {"IDI-10": "And the year of birth", "IDI-24": "I laughed too", "IDI-28": "And I should say",
              "IDI-47": "And the thing is"}
    for doc, start in starts.items():
        turn = next(t for t in turns_of(tmp_path, doc) if t[4].startswith(start))
        assert turn[1] in ("Participant", "Respondent") and turn[2] == "respondent" and turn[3] != f"{doc}/{turn[1]}"
        source = (REPO / "transcripts" / f"{doc}.txt").read_text(encoding="utf-8")
        assert ("Particpant: " if doc in ("IDI-10", "IDI-24") else "Respondnet: ") + start in source
    assert result.stderr.count("was read as the speaker label") == 4


def _labels(files) -> set[str]:
    """Every speaker label the files' turns carry (each file read on its own)."""
    found: set[str] = set()
    for path in files:
        doc = read_document(path, path.name, Config(), {})
        found |= {t.label for t in doc.turns if t.label}
    return found


def test_no_two_labels_of_the_sample_are_slips_of_each_other() -> None:
    """Among the sample's speaker labels (participants.csv and every transcript), none would be read as a
    misspelling of another: the rule merges no two people of the study."""
    transcripts = [p for p in sorted((REPO / "transcripts").iterdir()) if p.suffix in (".txt", ".md", ".docx",
                                                                                      ".vtt", ".srt")
                   and not p.name.startswith("README")]
    with open(REPO / "transcripts" / "participants.csv", encoding="utf-8", newline="") as handle:
        labels = _labels(transcripts) | {row["speaker"] or row["participant"] for row in csv.DictReader(handle)}
    assert len(labels) > 100
    assert [(a, b) for a in sorted(labels) for b in sorted(labels) if a != b and misspelt_label(a, [b], ROLES)] == []


def test_no_two_labels_of_the_real_transcripts_are_slips_of_each_other(shared_real: Path) -> None:
    """The same on the real transcripts (PDPilot, QMSum committee sessions, NASA oral histories): their 60-odd
    distinct labels include no pair the rule would merge."""
    files = [p for p in sorted(shared_real.rglob("*.txt")) if "transcripts" in p.parent.name or "nasa" in str(p)]
    labels = _labels([p for p in files if not p.name.startswith(("SOURCES", "QMSum", "LICENSE"))])
    assert len(labels) > 50
    assert [(a, b) for a in sorted(labels) for b in sorted(labels) if a != b and misspelt_label(a, [b], ROLES)] == []


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(candidate=st.text(max_size=45), labels=st.lists(st.text(max_size=45), max_size=6))
def test_misspelt_label_takes_any_text(candidate: str, labels: list[str]) -> None:
    """Any candidate and labels give None or one of the labels, never an error."""
    found = misspelt_label(candidate, labels, ROLES)
    assert found is None or found in labels

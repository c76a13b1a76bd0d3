"""Review by rule (issue 28): each rule's suggestions listed, a seeded sample checked one by one (on screen or in
a sheet), then one recorded decision for the rest of the rule's suggestions — refused while the sample is
undecided, when the rule gained suggestions since, and against the sample's result without --force."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from conftest import db
from helpers import make_project
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from qualcode import open_project
from qualcode.cli.review_screen import run_review

CODEBOOK = """\
codebook: Rule review test
version: "1"
codes:
  - id: participation
    label: Participation
    definition: Taking part in village meetings.
    rules:
      - keywords: [meeting]
      - keywords: [vote]
  - id: workload
    label: Workload
    definition: Work.
    rules:
      - keywords: [housework]
"""


def interview(meetings: int, offset: int = 0) -> str:
    """An interview whose respondent speaks of a meeting ``meetings`` times, of voting twice, of housework once."""
    lines = ["---", "participant: P01", "---"]
    for n in range(offset, offset + meetings):
        lines += [f"Interviewer: Question {n}?", f"Respondent: The meeting number {n} was long."]
    lines += ["Interviewer: And voting?", "Respondent: We vote every year. I did not vote last time.",
              "Interviewer: At home?", "Respondent: Housework all day."]
    return "\n".join(lines) + "\n"


@pytest.fixture
def coded(tmp_path: Path, cli) -> Path:
    """A project whose rule participation#1 made 12 suggestions, participation#2 two and workload#1 one."""
    make_project(tmp_path, {"IDI-01.txt": interview(12)}, CODEBOOK, config='coder = "lan"\n')
    assert cli("code", "--project", tmp_path).exit_code == 0
    return tmp_path


def statuses(project: Path, code: str = "participation") -> dict[str, int]:
    con = db(project)
    try:
        return dict(con.execute("SELECT status, count(*) FROM codings WHERE code = ? GROUP BY status", (code,)))
    finally:
        con.close()


def decide_sheet(path: Path, decisions: list[str]) -> None:
    """Fill the decision column of a sample sheet (CSV) row by row, as a reviewer would."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row, decision in zip(rows, decisions):
        row["decision"] = decision
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def sample_sheet(project: Path, cli, *args: str) -> Path:
    sheet = project / "sample.csv"
    result = cli("review", "--rule", "participation#1", *args, "--sheet", sheet, "--project", project)
    assert result.exit_code == 0, result.output
    return sheet


def test_by_rule_lists_each_rule_with_its_pending_suggestions(coded: Path, cli) -> None:
    """`review --by-rule` names each rule CODE#N with its pending, accepted and rejected counts and matched
    terms, and an unknown rule gets a did-you-mean."""
    result = cli("review", "--by-rule", "--project", coded)
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.startswith("│")}
    assert list(lines) == ["participation#1", "participation#2", "workload#1"]
    assert [c.strip() for c in lines["participation#1"].split("│")[2:6]] == ["participation", "12", "0", "0"]
    assert "meeting (12)" in lines["participation#1"] and "vote (2)" in lines["participation#2"]
    wrong = cli("review", "--rule", "partcipation#1", "--sample", "3", "--project", coded)
    assert wrong.exit_code == 2
    assert "unknown rule 'partcipation#1' (did you mean 'participation#1'?)" in wrong.stderr


def test_a_rule_settled_after_its_sample_says_so_in_the_audit_trail(coded: Path, cli) -> None:
    """The sheet holds the sample; --apply is refused until every sampled row is decided; then the rest of the
    rule is accepted at once, and `--by-rule`, the export's how_decided column and its rules sheet say
    "accepted 7 after checking 5, 5 right"."""
    sheet = sample_sheet(coded, cli, "--sample", "5")
    with sheet.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 5 and {r["rule_name"] for r in rows} == {"participation#1"}
    early = cli("review", "--rule", "participation#1", "--apply", "accept", "--project", coded)
    assert early.exit_code == 2 and "5 of the 5 suggestions in the sample of rule participation#1 are not decided" \
        in early.stderr
    assert statuses(coded) == {"suggested": 14}
    decide_sheet(sheet, ["accept"] * 5)
    assert cli("codings", "import", sheet, "--review", "--project", coded).exit_code == 0
    done = cli("review", "--rule", "participation#1", "--apply", "accept", "--reviewer", "minh", "--project", coded)
    assert done.exit_code == 0, done.output
    assert "rule participation#1: accepted 7 after checking 5, 5 right" in done.stdout
    assert statuses(coded) == {"accepted": 12, "suggested": 2}  # participation#2's two are left alone
    listed = cli("review", "--by-rule", "--project", coded).stdout
    assert "participation#1: accepted 7 after checking 5, 5 right by minh\n" in listed
    out = coded / "codings.xlsx"
    assert cli("codings", "export", "-o", out, "--project", coded).exit_code == 0
    book = openpyxl.load_workbook(out)
    header = [c.value for c in book["codings"][1]]
    said = [row[header.index("how_decided")] for row in book["codings"].iter_rows(min_row=2, values_only=True)]
    assert said.count("rule participation#1: accepted 7 after checking 5, 5 right") == 7
    assert said.count("checked in the sample of rule participation#1; the rest accepted 7 after checking 5, 5 "
                      "right") == 5
    summary = list(book["rules"].iter_rows(values_only=True))
    assert summary[0] == ("rule", "code", "suggestions", "decided", "accepted", "rejected", "pending", "settled")
    assert summary[1] == ("participation#1", "participation", 12, 12, 12, 0, 0,
                          "accepted 7 after checking 5, 5 right")


def test_accepting_the_rest_against_a_wrong_sample_needs_force(coded: Path, cli) -> None:
    """With one of five sampled suggestions rejected, `--apply accept` asks for --force (nothing changes);
    with --force the rest is accepted and the record says 4 right, 1 wrong (--force)."""
    sheet = sample_sheet(coded, cli, "--sample", "5")
    decide_sheet(sheet, ["reject"] + ["accept"] * 4)
    assert cli("codings", "import", sheet, "--review", "--project", coded).exit_code == 0
    refused = cli("review", "--rule", "participation#1", "--apply", "accept", "--project", coded)
    assert refused.exit_code == 2
    assert "accept the other 7 suggestions of rule participation#1 although 1 of the 5 in its sample was wrong? " \
           "Add --force" in refused.stderr
    assert statuses(coded) == {"accepted": 4, "rejected": 1, "suggested": 9}
    forced = cli("review", "--rule", "participation#1", "--apply", "accept", "--force", "--project", coded)
    assert forced.exit_code == 0, forced.output
    assert "accepted 7 after checking 5, 4 right, 1 wrong (--force)" in forced.stdout
    rejected = cli("review", "--rule", "participation#2", "--sample", "1", "--sheet", coded / "s2.csv",
                   "--project", coded)
    assert rejected.exit_code == 0
    decide_sheet(coded / "s2.csv", ["reject"])
    assert cli("codings", "import", coded / "s2.csv", "--review", "--project", coded).exit_code == 0
    result = cli("review", "--rule", "participation#2", "--apply", "reject", "--project", coded)
    assert result.exit_code == 0 and "rejected 1 after checking 1, 1 wrong" in result.stdout


def test_a_rule_that_gained_suggestions_since_its_sample_is_refused(coded: Path, cli) -> None:
    """A re-run of `code` after a new transcript adds suggestions to the rule: the bulk decision is refused
    (their quality was not sampled), and --new-sample draws a sample that stands for them."""
    sheet = sample_sheet(coded, cli, "--sample", "3")
    decide_sheet(sheet, ["accept"] * 3)
    assert cli("codings", "import", sheet, "--review", "--project", coded).exit_code == 0
    (coded / "transcripts" / "IDI-02.txt").write_text(interview(4, offset=50), encoding="utf-8")
    assert cli("ingest", "--project", coded).exit_code == 0
    assert cli("code", "--project", coded).exit_code == 0
    refused = cli("review", "--rule", "participation#1", "--apply", "accept", "--project", coded)
    assert refused.exit_code == 2
    assert "rule participation#1 has gained 4 suggestions since its sample was drawn" in refused.stderr
    assert statuses(coded) == {"accepted": 3, "suggested": 17}  # 13 of participation#1, 4 of participation#2
    again = cli("review", "--rule", "participation#1", "--new-sample", "--sample", "13", "--sheet", sheet,
                "--project", coded)
    assert again.exit_code == 0 and "drew a sample of 13 of its 13 pending suggestions" in again.stdout
    decide_sheet(sheet, ["accept"] * 13)
    assert cli("codings", "import", sheet, "--review", "--project", coded).exit_code == 0
    nothing = cli("review", "--rule", "participation#1", "--apply", "accept", "--project", coded)
    assert nothing.exit_code == 2 and "nothing left to decide for rule participation#1" in nothing.stderr


def test_a_sample_larger_than_the_rule_takes_them_all(coded: Path, cli) -> None:
    """Asking 50 of a rule with two suggestions takes both and says so."""
    result = cli("review", "--rule", "participation#2", "--sample", "50", "--sheet", coded / "s.csv",
                 "--project", coded)
    assert result.exit_code == 0, result.output
    assert "has only 2 pending suggestions: the sample takes them all" in result.stderr
    with (coded / "s.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 2


def test_a_sample_is_reproducible_and_widens_without_changing(coded: Path, cli, tmp_path: Path) -> None:
    """The same suggestions draw the same sample (the seed is recorded); --sample 8 on an open sample of 4 keeps
    those 4 first; --seed draws from a given seed."""
    def drawn(project: Path) -> list[int]:
        with sqlite3.connect(project / ".qualcode" / "qualcode.db") as con:
            return [r[0] for r in con.execute("SELECT seed FROM rule_samples ORDER BY id")]

    def ids(sheet: Path) -> list[str]:
        with sheet.open(encoding="utf-8") as handle:
            return [r["id"] for r in csv.DictReader(handle)]

    first = ids(sample_sheet(coded, cli, "--sample", "4"))
    wider = ids(sample_sheet(coded, cli, "--sample", "8"))
    assert wider[:4] == first and len(set(wider)) == 8
    again = ids(sample_sheet(coded, cli, "--sample", "4", "--new-sample"))
    assert again == first  # nothing was decided: the same suggestions, the same default seed
    assert len(set(drawn(coded))) == 1
    seeded = cli("review", "--rule", "participation#1", "--new-sample", "--seed", "7", "--sheet", coded / "x.csv",
                 "--project", coded)
    assert seeded.exit_code == 0 and "(seed 7)" in seeded.stdout
    assert drawn(coded)[-1] == 7


def test_the_sample_is_reviewed_on_the_review_screen(coded: Path) -> None:
    """A rule's sample opens in the review screen in sample order; deciding all of it with keys lets the rest be
    settled through the API, recorded with the reviewer."""
    project = open_project(coded)
    session, state = project.review_rule("participation#1", size=3)
    assert state.drawn_now and [i.coding.id for i in session.items] == [c.id for c in state.codings]
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text("aar")
        pipe.close()
        with session:
            progress = run_review(session)
    assert (progress.accepted, progress.rejected) == (2, 1)
    record = project.settle_rule("participation#1", "reject", force=True, reviewer="lan")
    assert (len(record.applied), record.sample_accepted, record.sample_rejected, record.reviewer) == (9, 2, 1, "lan")
    assert statuses(coded) == {"accepted": 2, "rejected": 10, "suggested": 2}


def test_a_rule_matching_nearly_every_turn_is_warned_of(tmp_path: Path, cli) -> None:
    """A rule that suggests its code on most respondent turns is listed with a warning giving its share."""
    broad = CODEBOOK + """  - id: everything
    label: Everything
    definition: Too broad.
    rules:
      - pattern: '\\w'
"""
    make_project(tmp_path, {"IDI-01.txt": interview(6)}, broad)
    assert cli("code", "--project", tmp_path).exit_code == 0
    result = cli("review", "--by-rule", "--project", tmp_path)
    assert result.exit_code == 0
    assert "warning: rule everything#1 suggests everything on 100% of respondent turns (8 of 8): it matches " \
           "nearly everything; see `qualcode codebook explain everything`" in result.stderr


def test_rule_options_need_a_rule(coded: Path, cli) -> None:
    """--sample, --apply and the others without --rule are usage errors naming what to add."""
    result = cli("review", "--apply", "accept", "--project", coded)
    assert result.exit_code == 2 and "--apply goes with --rule RULE" in result.stderr
    result = cli("review", "--rule", "participation#1", "--apply", "accept", "--project", coded)
    assert result.exit_code == 2 and "no sample is open for rule participation#1" in result.stderr


def test_eval_and_agreement_report_per_rule(coded: Path, cli) -> None:
    """`eval --by-rule` and `agreement --by-rule` show, per rule, the units it marked, how many the other coder
    coded with its code, and the share of theirs it found."""
    for turn in ("2", "4", "26"):
        assert cli("tag", "IDI-01", turn, "participation", "--coder", "minh", "--project", coded).exit_code == 0
    result = cli("eval", "--gold", "minh", "--by-rule", "--project", coded)
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in result.stdout.splitlines() if line.startswith("│") and "#" in line}
    assert rows["participation#1"] == ["participation", "12", "2", "10", "0.167", "0.667"]
    assert rows["participation#2"] == ["participation", "1", "1", "0", "1.000", "0.333"]
    assert rows["workload#1"] == ["workload", "1", "0", "1", "0.000", "undefined"]
    agreed = cli("agreement", "--coders", "minh,auto", "--by-rule", "--project", coded)
    assert agreed.exit_code == 0, agreed.output
    assert "per rule of auto: units it marked, and how many minh coded with its code" in agreed.stdout
    humans = cli("eval", "--gold", "auto", "--coder", "minh", "--by-rule", "--project", coded)
    assert humans.exit_code == 2 and "no codings of 'minh' were made by a rule" in humans.stderr

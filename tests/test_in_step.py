"""Staying in step with the files: gone transcripts reported, removed only after a backup of the human work,
`.qualcodeignore`, `qualcode config`, and reports that say which codebook they use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import db
from helpers import make_project

CODEBOOK = """\
codebook: Step test
version: "1"
codes:
  - id: language
    label: Language barriers
    definition: Language.
    rules:
      - keywords: [interpreter]
  - id: workload
    label: Workload
    definition: Work.
    rules:
      - keywords: [housework]
"""

IDI = """---
participant: {pid}
---
Interviewer: Is there an interpreter?
Respondent: No interpreter. I cannot read the forms.
Interviewer: And at home?
Respondent: Housework all day.
"""


@pytest.fixture
def two(tmp_path: Path, cli) -> Path:
    """Two interviews, auto-coded; lan tagged a sentence of IDI-02."""
    make_project(tmp_path, {"IDI-01.txt": IDI.format(pid="P01"), "IDI-02.txt": IDI.format(pid="P02")}, CODEBOOK,
                 config='coder = "lan"\n')
    assert cli("code", "--project", tmp_path).exit_code == 0
    assert cli("tag", "IDI-02", "2", "workload", "--sentence", "2", "--project", tmp_path).exit_code == 0
    return tmp_path


def documents(project: Path) -> list[str]:
    return [r[0] for r in db(project).execute("SELECT id FROM documents ORDER BY id")]


def test_ingest_reports_a_gone_source_and_keeps_it(two: Path, cli) -> None:
    """A document whose file is gone is a warning naming `qualcode remove` and --prune; exit 0, nothing removed."""
    (two / "transcripts" / "IDI-02.txt").unlink()
    result = cli("ingest", "--project", two)
    assert result.exit_code == 0, result.output
    assert ("warning: transcripts/IDI-02.txt: the source of IDI-02 is gone; `qualcode remove IDI-02` (or "
            "`qualcode ingest --prune`) removes it") in result.stderr
    assert "1 gone (source file missing)" in result.stdout
    assert documents(two) == ["IDI-01", "IDI-02"]


def test_prune_writes_the_backup_before_removing(two: Path, cli) -> None:
    """`ingest --prune` removes the gone document, its codings and participant, after writing a readable JSON
    backup with the human coding, the review decisions and the stored text; the message names the backup."""
    store = db(two)
    auto = store.execute("SELECT id FROM codings WHERE document = 'IDI-02' AND coder = 'auto' ORDER BY id").fetchall()
    store.close()
    sheet = two / "review.csv"
    sheet.write_text(f"id,decision\n{auto[0][0]},accept\n{auto[1][0]},reject\n", encoding="utf-8")
    assert cli("codings", "import", sheet, "--review", "--project", two).exit_code == 0
    (two / "transcripts" / "IDI-02.txt").unlink()
    result = cli("ingest", "--prune", "--project", two)
    assert result.exit_code == 0, result.output
    assert "removed IDI-02: 1 human coding, 2 review decisions, 0 quote choices and 0 memos backed up to " \
           ".qualcode/backups/removed-IDI-02-" in result.stdout
    assert documents(two) == ["IDI-01"]
    store = db(two)
    assert store.execute("SELECT count(*) FROM codings WHERE document = 'IDI-02'").fetchone() == (0,)
    assert store.execute("SELECT id FROM participants ORDER BY id").fetchall() == [("P01",)]
    [backup] = (two / ".qualcode" / "backups").glob("removed-IDI-02-*.json")
    content = json.loads(backup.read_text(encoding="utf-8"))
    assert [(c["code"], c["coder"], c["text"]) for c in content["codings"]] == [("workload", "lan",
                                                                                 "I cannot read the forms.")]
    assert sorted(d["status"] for d in content["decisions"]) == ["accepted", "rejected"]
    assert content["document"] == "IDI-02" and content["text"].startswith("Interviewer: Is there")
    assert "gone" not in cli("ingest", "--project", two).stderr  # nothing gone any more


def test_remove_names_its_backup_and_refuses_unknown_documents(two: Path, cli) -> None:
    """`qualcode remove` backs a document up and removes it (noting that its file is still there); an unknown
    id is a usage error that removes nothing."""
    result = cli("remove", "idi-02", "--project", two)
    assert result.exit_code == 0, result.output
    assert "removed IDI-02: 1 human coding" in result.stdout
    assert "transcripts/IDI-02.txt is still there" in result.stderr
    assert documents(two) == ["IDI-01"]
    assert db(two).execute("SELECT id FROM participants").fetchall() == [("P01",)]
    result = cli("remove", "IDI-01", "IDI-09", "--project", two)
    assert result.exit_code == 2 and "unknown document 'IDI-09'" in result.stderr
    assert documents(two) == ["IDI-01"]


def test_config_reads_and_sets_settings_keeping_the_file(two: Path, cli) -> None:
    """`config KEY` prints a setting; `config KEY VALUE` rewrites only that line (comments and other tables
    kept), adds a missing key under [project], and refuses unknown keys and unusable values (exit 2)."""
    toml = two / "qualcode.toml"
    toml.write_text('# my study\n[project]\ncodebook = "codebook.yaml"  # the team\'s\ncoder = \'lan\'\n\n'
                    '[participants]\nidentifying = ["name"]\n', encoding="utf-8")
    assert cli("config", "coder", "--project", two).stdout == "lan\n"
    assert cli("config", "language", "--project", two).stdout == "en\n"  # the default
    empty = two / "empty"
    empty.mkdir()
    result = cli("config", "coder", "--project", empty)
    assert result.exit_code == 1 and "coder is not set in qualcode.toml" in result.stderr
    assert cli("config", "coder", "lan", "--project", empty).exit_code == 0
    assert (empty / "qualcode.toml").read_text(encoding="utf-8") == '[project]\ncoder = "lan"\n'
    assert cli("config", "coder", "Minh Anh", "--project", two).stdout == "coder = Minh Anh\n"
    assert cli("config", "language", "VI", "--project", two).exit_code == 0
    (two / "second.yaml").write_text(CODEBOOK.replace("Step test", "Second"), encoding="utf-8")
    assert cli("config", "codebook", two / "second.yaml", "--project", two).exit_code == 0
    assert toml.read_text(encoding="utf-8") == (
        '# my study\n[project]\nlanguage = "vi"\ncodebook = "second.yaml"  # the team\'s\ncoder = "Minh Anh"\n\n'
        '[participants]\nidentifying = ["name"]\n')
    assert "(unchanged)" in cli("config", "coder", "Minh Anh", "--project", two).stdout
    for args, message in ((["langage", "en"], "did you mean 'language'"), (["language", "fr"], "use en or vi"),
                          (["codebook", "nowhere.yaml"], "no codebook file nowhere.yaml"),
                          (["coder", "auto"], "name a person")):
        result = cli("config", *args, "--project", two)
        assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert "Minh Anh" in toml.read_text(encoding="utf-8")


def test_reports_say_which_codebook_they_use(two: Path, cli) -> None:
    """`code --codebook` with another codebook says how to make it active; reports and exports then state the
    active codebook and how many codings of the other they leave out, until `config codebook` switches."""
    (two / "second.yaml").write_text(CODEBOOK.replace("Step test", "Second"), encoding="utf-8")
    result = cli("code", "--codebook", two / "second.yaml", "--project", two)
    assert result.exit_code == 0
    assert "`qualcode config codebook second.yaml`" in result.stderr
    result = cli("matrix", "--include-suggestions", "--by", "document", "--project", two)
    assert result.exit_code == 0, result.output
    note = "codebook 'Step test' used; 4 codings of another codebook ('Second') left out"
    assert note in result.stdout and note in result.stderr
    assert "qualcode config codebook FILE" in result.stderr
    for args in (["quotes", "language"], ["appendix", "-o", two / "a.md"]):
        result = cli(*args, "--include-suggestions", "--project", two)
        assert result.exit_code == 0 and note in result.stderr, result.output
    assert note in (two / "a.md").read_text(encoding="utf-8")
    result = cli("codings", "export", "--include-suggestions", "-o", two / "c.xlsx", "--project", two)
    assert "wrote 5 codings" in result.stdout and note in result.stderr
    assert cli("config", "codebook", "second.yaml", "--project", two).exit_code == 0
    result = cli("matrix", "--include-suggestions", "--by", "document", "--project", two)
    assert "codebook 'Second' used; 5 codings of another codebook ('Step test') left out" in result.stdout

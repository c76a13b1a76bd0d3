"""Memos on documents, participants, codes and codings: written, listed, shown, edited, exported, annexed,
backed up with a removed document, and the schema-4 store migrated to hold them."""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import db
from helpers import make_project
from typer.testing import CliRunner

import qualcode
from qualcode.cli import app
from qualcode.project.store import SCHEMA_VERSION

CODEBOOK = """\
codebook: Memo test
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
"""

IDI = """---
participant: P01
---
Interviewer: Is there an interpreter?
Respondent: No interpreter. I cannot read the forms.
"""

TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


@pytest.fixture
def study(tmp_path: Path, cli) -> Path:
    """One interview, ingested, with lan's tag on turn 2 (coding 1); qualcode.toml's coder is lan."""
    make_project(tmp_path, {"IDI-01.txt": IDI}, CODEBOOK, participants="participant,gender\nP01,female\n",
                 config='coder = "lan"\n')
    assert cli("tag", "IDI-01", "2", "language", "--project", tmp_path).exit_code == 0
    return tmp_path


def test_memo_add_list_show_edit(study: Path, cli) -> None:
    """Memos go on each kind of target with author and UTC time; list and show find them (a document's
    include its codings'), edit replaces the text and records when, and bad targets are usage errors."""
    result = cli("memo", "add", "--document", "idi-01", "--text", "Recorded in the commune hall.", "--project", study)
    assert result.exit_code == 0, result.output
    assert re.fullmatch(rf"added memo 1 on document IDI-01 — lan, {TIME}\n", result.stdout)
    assert cli("memo", "add", "--participant", "p01", "--text", "Farmer.", "--author", "minh",
               "--project", study).exit_code == 0
    assert cli("memo", "add", "--code", "Language barriers", "--text", "Split literacy off?",
               "--project", study).exit_code == 0
    assert cli("memo", "add", "--coding", "1", "--text", "Strong example.", "--project", study).exit_code == 0
    shown = cli("memo", "show", "--document", "IDI-01", "--project", study).stdout
    assert "Recorded in the commune hall." in shown and "memo 4 on coding 1 — lan" in shown and "Farmer" not in shown
    listed = cli("memo", "list", "--project", study).stdout
    assert all(word in listed for word in ("document", "participant", "P01", "minh", "language", "4 memos"))
    result = cli("memo", "edit", "--participant", "P01", "--text", "Rice farmer.", "--project", study)
    assert re.fullmatch(rf"edited memo 2 on participant P01 — minh, {TIME}, edited {TIME}\n", result.stdout)
    assert cli("memo", "show", "--id", "2", "--project", study).stdout.endswith("\nRice farmer.\n")
    for args, message in ((["add", "--document", "IDI-09", "--text", "x"], "unknown document 'IDI-09'"),
                          (["add", "--coding", "99", "--text", "x"], "no coding with id '99'"),
                          (["add", "--code", "weather", "--text", "x"], "unknown code 'weather'"),
                          (["add", "--text", "x"], "say what the memo is about"),
                          (["add", "--document", "IDI-01", "--code", "language", "--text", "x"], "about one thing"),
                          (["add", "--document", "IDI-01", "--text", "  "], "the memo is empty"),
                          (["edit", "--id", "9", "--text", "x"], "no memo 9"),
                          (["edit", "--document", "IDI-01", "--text", "x"], None)):
        result = cli("memo", *args, "--project", study)
        if message is None:
            assert result.exit_code == 0  # the only memo on the document itself (its coding's memo aside)
            continue
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)


def test_memos_in_export_annex_and_backup(study: Path, cli) -> None:
    """A coding's memos are its `memo` cell in `codings export` (author: text, no time), a code's memos are in
    the codebook annex, and `remove` puts a document's memos and its codings' into the backup."""
    cli("memo", "add", "--coding", "1", "--text", "Strong example.", "--project", study)
    cli("memo", "add", "--coding", "1", "--text", "Agreed.", "--author", "minh", "--project", study)
    cli("memo", "add", "--code", "language", "--text", "Split literacy off?", "--project", study)
    cli("memo", "add", "--document", "IDI-01", "--text", "Noisy recording.", "--project", study)
    out = study / "out" / "codings.csv"
    assert cli("codings", "export", "-o", out, "--project", study).exit_code == 0
    with open(out, encoding="utf-8", newline="") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["memo"] == "lan: Strong example.\nminh: Agreed."
    assert cli("codebook", "export", study / "annex.md", "--project", study).exit_code == 0
    assert "**Memo:** Split literacy off? (lan)" in (study / "annex.md").read_text(encoding="utf-8")
    project = qualcode.open_project(study)
    assert [m.text for m in project.memos(document="IDI-01")] == ["Strong example.", "Agreed.", "Noisy recording."]
    result = cli("remove", "IDI-01", "--project", study)
    assert "and 3 memos backed up" in result.stdout
    [backup] = (study / ".qualcode" / "backups").glob("*.json")
    memos = json.loads(backup.read_text(encoding="utf-8"))["memos"]
    assert [(m["kind"], m["target"], m["text"]) for m in memos] == [
        ("coding", "1", "Strong example."), ("coding", "1", "Agreed."), ("document", "IDI-01", "Noisy recording.")]
    assert db(study).execute("SELECT kind FROM memos").fetchall() == [("code",)]


def test_schema_4_store_gains_the_memos_table(study: Path, cli) -> None:
    """A store of schema 4 (before memos) is migrated in place on open: its codings stay, memos work."""
    con = sqlite3.connect(study / ".qualcode" / "qualcode.db")
    con.executescript("DROP TABLE memos; PRAGMA user_version = 4;")
    con.close()
    assert cli("memo", "add", "--coding", "1", "--text", "Kept.", "--project", study).exit_code == 0
    assert db(study).execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert db(study).execute("SELECT count(*) FROM codings").fetchone() == (1,)


def test_memo_written_in_the_editor(study: Path, cli, tmp_path: Path) -> None:
    """Without --text the memo is what $EDITOR saves (edit starts from the memo's text); an editor that fails
    or cannot be found stores nothing."""
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nprintf \'%s (edited in the editor)\\n\' "$(cat "$1")" > "$1"\n', encoding="utf-8")
    editor.chmod(0o755)
    runner = CliRunner(env={"EDITOR": str(editor), "VISUAL": ""})
    result = runner.invoke(app, ["memo", "add", "--document", "IDI-01", "--project", str(study)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["memo", "edit", "--id", "1", "--project", str(study)])
    assert result.exit_code == 0, result.output
    assert db(study).execute("SELECT text FROM memos").fetchall() == [
        ("(edited in the editor) (edited in the editor)",)]
    for command in ("false", str(tmp_path / "no-such-editor")):
        result = CliRunner(env={"EDITOR": command, "VISUAL": ""}).invoke(
            app, ["memo", "add", "--document", "IDI-01", "--project", str(study)])
        assert result.exit_code == 2 and "editor" in result.stderr and "Traceback" not in result.output
    assert db(study).execute("SELECT count(*) FROM memos").fetchone() == (1,)


def test_show_lists_the_memos_of_the_document_and_its_codings(study: Path, cli, tmp_path: Path) -> None:
    """`show` (terminal and HTML page) prints the memos on the document and on its codings, not others'."""
    cli("memo", "add", "--document", "IDI-01", "--text", "Recorded in the commune hall.", "--project", study)
    cli("memo", "add", "--coding", "1", "--text", "Strong example.", "--project", study)
    cli("memo", "add", "--participant", "P01", "--text", "Farmer.", "--project", study)
    shown = cli("show", "IDI-01", "--project", study)
    assert shown.exit_code == 0, shown.output
    assert "memo — lan: Recorded in the commune hall." in shown.stdout
    assert "memo — lan, on coding 1: Strong example." in shown.stdout and "Farmer" not in shown.stdout
    page = tmp_path / "idi.html"
    assert cli("show", "IDI-01", "-o", page, "--include-suggestions", "--project", study).exit_code == 0
    assert "Memo — lan: Recorded in the commune hall." in page.read_text(encoding="utf-8")

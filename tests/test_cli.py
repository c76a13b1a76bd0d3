"""The command line as a user meets it: help, imports, a real subprocess run, and the README in step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer.main

from qualcode.cli import app


def _commands() -> dict[str, object]:
    """Every command by its full name (``codings export``), sub-commands included."""
    found: dict[str, object] = {}

    def walk(group, prefix: str) -> None:
        for name, command in group.commands.items():
            full = f"{prefix}{name}"
            if hasattr(command, "commands"):
                walk(command, full + " ")
            found[full] = command

    walk(typer.main.get_command(app), "")
    return found


def test_every_command_has_help() -> None:
    """Each command has a help line (the command reference in docs/commands.md is made of them)."""
    for name, command in _commands().items():
        assert command.help, name


def test_help_imports_neither_spacy_nor_pandas() -> None:
    """`qualcode --help` starts fast: spaCy and pandas are imported only by commands that need them."""
    code = ("import sys\nfrom qualcode.cli import app\n"
            "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('spacy', 'pandas', 'docx', 'pypdf') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_real_subprocess_run(tmp_path: Path) -> None:
    """`python -m qualcode` ingests and lists documents in a real process, exit codes included."""
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / "IDI-01.txt").write_text("I: Hello?\nR: Xin chào.\n", encoding="utf-8")
    run = [sys.executable, "-m", "qualcode"]
    first = subprocess.run([*run, "ingest", "--project", tmp_path], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "1 added" in first.stdout
    listed = subprocess.run([*run, "documents", "--project", tmp_path], capture_output=True, text=True)
    assert listed.returncode == 0 and "IDI-01" in listed.stdout
    bad = subprocess.run([*run, "ingest", tmp_path / "missing.txt", "--project", tmp_path],
                         capture_output=True, text=True)
    assert bad.returncode == 1
    assert "missing.txt: no such file or folder" in bad.stderr and "Traceback" not in bad.stderr
    usage = subprocess.run([*run, "documents", "--no-such-option"], capture_output=True, text=True)
    assert usage.returncode == 2


def test_pyvi_model_loads() -> None:
    """pyvi (a 2021 package) imports and segments Vietnamese with its bundled model, offline."""
    from pyvi import ViTokenizer

    assert ViTokenizer.tokenize("Người dân tộc thiểu số") == "Người dân_tộc_thiểu_số"
    import spacy

    nlp = spacy.blank("vi")
    assert [t.text for t in nlp("Người dân tộc thiểu số")] == ["Người", "dân tộc thiểu số"]

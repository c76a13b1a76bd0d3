"""`--help` as a person reads it: plain value names, examples that work as written, and the command reference
in step with the code."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from qualcode import __version__
from qualcode.cli.base import EXAMPLES
from qualcode.cli.reference import commands, help_text, reference

# The order a researcher runs the examples in: later ones use what earlier ones made (codings, sheets).
WORKFLOW = ["init", "ingest", "documents", "backup", "codebook check", "codebook export", "codebook import", "code",
            "tag", "untag", "show", "search", "codebook explain", "words", "codings export", "codings import",
            "codings stale", "suggest", "matrix", "cooccur", "quotes", "pseudonymise", "appendix", "leaks",
            "agreement", "eval", "export", "import", "memo add", "memo list", "memo show", "memo edit", "participants",
            "config", "remove"]
INTERACTIVE = {"review"}  # a full-screen session: driven in test_review.py instead


def test_every_command_has_one_to_three_examples() -> None:
    """Each command's help ends with 1–3 examples, and every command is in the workflow run below."""
    names = [name for name, _ in commands()]
    assert set(names) == set(EXAMPLES)
    for name in names:
        assert 1 <= len(EXAMPLES[name]) <= 3, name
        assert all(e.startswith(f"qualcode {name}") for e in EXAMPLES[name]), name
        assert "Examples:" in help_text(name, dict(commands())[name])
    assert set(WORKFLOW) | INTERACTIVE == set(names)


@pytest.mark.parametrize("name", [name for name, _ in commands()])
def test_help_names_no_internal_types(name: str) -> None:
    """No `<str>`, `<list[str]>`, `<int range>` or `{document}` in any help: values have plain names."""
    text = help_text(name, dict(commands())[name])
    for internal in ("<str>", "<int>", "<path>", "<file>", "<dir>", "list[", "range>", "{"):
        assert internal not in text, f"`qualcode {name} --help` shows {internal!r}:\n{text}"


def test_version() -> None:
    """`qualcode --version` prints the package version and exits 0."""
    run = subprocess.run([sys.executable, "-m", "qualcode", "--version"], capture_output=True, text=True)
    assert run.returncode == 0 and run.stdout.strip() == f"qualcode {__version__}"


def test_examples_work_as_written(tmp_path: Path) -> None:
    """Every example of every `--help` runs with exit 0 against a copy of the sample project, in workflow order."""
    for part in ("qualcode.toml", "codebooks", "transcripts"):
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / part)
    qualcode = str(Path(sys.executable).with_name("qualcode"))
    env = {**os.environ, "COLUMNS": "100"}
    for name in WORKFLOW:
        for example in EXAMPLES[name]:
            words = shlex.split(example)
            run = subprocess.run([qualcode, *words[1:]], cwd=tmp_path, capture_output=True, text=True, env=env)
            assert run.returncode == 0, f"{example}\n{run.stdout}\n{run.stderr}"
            assert "Traceback" not in run.stderr, example


def test_command_reference_is_in_step() -> None:
    """docs/commands.md is what `python -m qualcode.cli.reference` writes today (`make docs` regenerates it)."""
    written = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
    assert written == reference(), "docs/commands.md is out of date: run `make docs`"

"""`--help` as a person reads it: plain value names, examples that work as written, and the command reference
in step with the code."""

from __future__ import annotations

import os
import re
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
# How the example value in a parameter's help (`e.g. …`) runs on the sample: the command around the value `{}`.
# None: the value is checked without a run (an LLM endpoint needs a chat server the sample does not have).
RUN_EXAMPLE = {
    "where": ["matrix", "--by", "ethnicity", "--include-suggestions", "--where", "{}"],
    "code": ["tag", "IDI-03", "6", "{}", "--coder", "minh"],
    "endpoint": None,
}
EXAMPLE_VALUE = re.compile(r'\be\.g\. (?:"([^"]+)"|(\S+?))[.,;)]?(?:\s|$)')


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


def help_examples() -> dict[tuple[str, str], str]:
    """``{(parameter, example): command}``: every example value in a parameter's help, with the first command
    whose help shows it (a parameter shared by many commands, such as --where, is run once)."""
    found: dict[tuple[str, str], str] = {}
    for name, command in commands():
        for parameter in command.params:
            for match in EXAMPLE_VALUE.finditer(getattr(parameter, "help", None) or ""):
                found.setdefault((parameter.name, match.group(1) or match.group(2)), name)
    return found


def test_help_examples_are_found() -> None:
    """The examples inside option help are found (--where's among them), each parameter with an example has a
    way to run it below, and at least one command's Examples use --where."""
    found = help_examples()
    assert {parameter for parameter, _ in found} == set(RUN_EXAMPLE), found
    assert any("--where" in example for examples in EXAMPLES.values() for example in examples)


def test_help_examples_run_on_the_sample(tmp_path: Path) -> None:
    """Every `e.g. …` value in an option's or argument's help works on the sample study as written: the --where
    expression selects participants, the code path names a code, the LLM endpoint is one allowed without
    --allow-remote."""
    from qualcode.autocode.llm import chat_url

    for part in ("qualcode.toml", "codebooks", "transcripts"):
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / part)
    qualcode = str(Path(sys.executable).with_name("qualcode"))
    for setup in (["ingest"], ["code"]):
        assert subprocess.run([qualcode, *setup], cwd=tmp_path, capture_output=True).returncode == 0
    for (parameter, value), name in sorted(help_examples().items()):
        words = RUN_EXAMPLE[parameter]
        if words is None:
            assert chat_url(value).startswith(value.rstrip("/")), value
            continue
        argv = [value if w == "{}" else w for w in words]
        run = subprocess.run([qualcode, *argv], cwd=tmp_path, capture_output=True, text=True)
        assert run.returncode == 0, f"`qualcode {name} --help` shows {value!r}: {shlex.join(argv)}\n{run.stderr}"
        assert "Traceback" not in run.stderr


def test_command_reference_is_in_step() -> None:
    """docs/commands.md is what `python -m qualcode.cli.reference` writes today (`make docs` regenerates it)."""
    written = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
    assert written == reference(), "docs/commands.md is out of date: run `make docs`"

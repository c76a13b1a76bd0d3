"""The outputs the docs show are what the program prints: docs/examples.py runs every shown command on a fresh
copy of the sample study, and fails with a diff when a page and the program disagree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

SCRIPT = REPO / "docs" / "examples.py"
PAGES = sorted([REPO / "README.md", REPO / "docs" / "tutorial.md", *(REPO / "docs" / "howto").glob("*.md")])
FENCE = re.compile(r"^ *(```+|~~~+)(\S*)")
# What a fenced block on these pages may be: generated output, commands without output, or a file shown.
FILE_KINDS = {"yaml", "toml", "csv", "python", "gitignore", "srt", "vtt"}
COMMAND_WORDS = {"qualcode", "make", "source", "mkdir", "cp", "mv", "cd", "sed", "echo", "ollama", "grep", "printf",
                 "pip"}


def examples(*args: str | Path, timeout: float = 900) -> subprocess.CompletedProcess:
    """``python docs/examples.py ARGS`` with this test run's Python (the project's .venv)."""
    return subprocess.run([sys.executable, SCRIPT, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def blocks(text: str) -> list[tuple[int, str, list[str]]]:
    """``(line, info, body)`` of every fenced block of a page."""
    found, fence, info, body, start = [], None, "", [], 0
    for n, line in enumerate(text.splitlines(), start=1):
        mark = FENCE.match(line)
        if fence is None and mark:
            fence, info, body, start = mark.group(1), mark.group(2), [], n
        elif fence is not None and line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
            found.append((start, info, body))
            fence = None
        elif fence is not None:
            body.append(line.strip())
    return found


def test_every_page_shows_what_the_program_prints() -> None:
    """`docs/examples.py --check` passes: every output in the README, tutorial and how-tos is what the
    commands print today on a fresh copy of the sample (`make docs` rewrites them when a change is meant)."""
    run = examples("--check")
    assert run.returncode == 0, (f"the docs show outputs the program no longer gives; run `make docs` to rewrite "
                                 f"them, then read the diff:\n{run.stdout}\n{run.stderr}")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_fenced_blocks_are_outputs_commands_or_files(page: Path) -> None:
    """No hand-written output is left on a page: a block is a generated ```console, ```sh commands without
    output, or a file of a named kind (```yaml, ```csv …), never a ```text block."""
    for line, info, body in blocks(page.read_text(encoding="utf-8")):
        where = f"{page.name}:{line}"
        assert info == "console" or info in ("sh", "bash") or info in FILE_KINDS, \
            f"{where}: a ```{info or '(no language)'} block; show outputs in ```console blocks (docs/development.md)"
        if info in ("sh", "bash"):
            for command in body:
                word = command.split()[0] if command.split() else "#"
                assert word.startswith("#") or word in COMMAND_WORDS, \
                    f"{where}: {command!r} looks like output in a ```{info} block; use a ```console block"


def write_page(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text, encoding="utf-8")
    return page


def test_write_fills_outputs_and_check_then_passes(tmp_path: Path) -> None:
    """--write puts each command's output under it (files the page writes first included); --check then
    passes, and the text outside the blocks is untouched."""
    page = write_page(tmp_path, "# A page\n\nSome prose.\n\n<!-- docs: write notes.txt -->\n```csv\nname\nLan\n```\n\n"
                                "```console\n$ qualcode --version\nstale\n$ cat notes.txt\n```\n\nMore prose.\n")
    assert examples("--write", page).returncode == 0
    from qualcode import __version__

    assert page.read_text(encoding="utf-8") == (
        "# A page\n\nSome prose.\n\n<!-- docs: write notes.txt -->\n```csv\nname\nLan\n```\n\n"
        f"```console\n$ qualcode --version\nqualcode {__version__}\n$ cat notes.txt\nname\nLan\n```\n\nMore prose.\n")
    assert examples("--check", page).returncode == 0


def test_check_shows_a_diff_for_a_block_edited_by_hand(tmp_path: Path) -> None:
    """A generated block edited by hand fails --check (exit 1) with a diff naming the page and the line, and a
    pointer to `make docs`; the page itself is left as it was."""
    text = "# A page\n\n```console\n$ qualcode --version\nqualcode 9.9.9\n```\n"
    page = write_page(tmp_path, text)
    run = examples("--check", page)
    assert run.returncode == 1
    assert "-qualcode 9.9.9" in run.stdout and "+qualcode " in run.stdout and "page.md (the page)" in run.stdout
    assert "run `make docs`" in run.stderr
    assert page.read_text(encoding="utf-8") == text


def test_a_failing_command_names_page_line_and_its_error(tmp_path: Path) -> None:
    """A command that exits other than the page expects stops the run with exit 1, naming the page, the line
    and the command's own error; `exit=N` on the block makes the failure the expected output."""
    page = write_page(tmp_path, "# A page\n\ntext\n\n```console\n$ qualcode tag IDI-99 1 language --coder x\n```\n")
    run = examples("--check", page)
    assert run.returncode == 1
    assert f"{page}:6: `qualcode tag IDI-99 1 language --coder x` exited 1 (the page expects 0)" in run.stderr
    assert "run `qualcode ingest` first" in run.stderr
    page.write_text(page.read_text(encoding="utf-8").replace("```console", "<!-- docs: exit=1 -->\n```console"),
                    encoding="utf-8")
    assert examples("--write", page).returncode == 0
    assert "error: no project store at /tmp/study/.qualcode/qualcode.db" in page.read_text(encoding="utf-8")


def test_a_hanging_command_is_stopped(tmp_path: Path) -> None:
    """A command that runs past the block's timeout is killed and reported with its page and line."""
    page = write_page(tmp_path, "# A page\n\n<!-- docs: timeout=1 -->\n```console\n$ sleep 60\n```\n")
    run = examples("--check", page, timeout=30)
    assert run.returncode == 1 and f"{page}:5: `sleep 60` ran for over 1 s and was stopped" in run.stderr


def test_keep_cuts_long_output_with_a_mark(tmp_path: Path) -> None:
    """`keep=` shows only the lines it names (by number, from the end, or from a line a regex finds), with `…`
    where lines were cut."""
    page = write_page(tmp_path, "# A page\n\n<!-- docs: keep='1..2,/^l5$/..+1,-1' -->\n```console\n"
                                "$ for n in 1 2 3 4 5 6 7 8 9; do echo l$n; done\n```\n")
    assert examples("--write", page).returncode == 0
    assert "done\nl1\nl2\n…\nl5\nl6\n…\nl9\n```" in page.read_text(encoding="utf-8")


def test_a_bad_directive_is_refused(tmp_path: Path) -> None:
    """A directive with a word the script does not know, or with no block after it, is an error with its line."""
    page = write_page(tmp_path, "# A page\n\n<!-- docs: rnu -->\n```sh\nqualcode ingest\n```\n")
    run = examples("--check", page)
    assert run.returncode == 1 and f"{page}:3: unknown directive word 'rnu'" in run.stderr
    page = write_page(tmp_path, "# A page\n\n<!-- docs: run -->\n\nprose\n")
    run = examples("--check", page)
    assert run.returncode == 1 and "must be followed at once by a fenced block" in run.stderr


def test_decide_types_the_tables_decisions_into_the_sheet(tmp_path: Path) -> None:
    """`decide SHEET` writes each table row's decision into the one sheet row with its document, turn, code
    and text (a text ending in … matching its start); a row that matches nothing is an error with its line."""
    sheet = ("<!-- docs: write s.csv -->\n```csv\nid,document,turn,code,text,decision\n"
             "1,IDI-03,6,language,Lately… the language.,\n2,IDI-03,8,prejudice,Not because she is stupid.,\n```\n\n")
    table = ("<!-- docs: decide s.csv -->\n| document | turn | code | text | decision |\n|---|---|---|---|---|\n"
             "| IDI-03 | 8 | prejudice | Not because… | `reject` |\n\n```console\n$ cat s.csv\n```\n")
    page = write_page(tmp_path, "# A page\n\n" + sheet + table)
    assert examples("--write", page).returncode == 0
    assert "$ cat s.csv\nid,document,turn,code,text,decision\n1,IDI-03,6,language,Lately… the language.,\n" \
           "2,IDI-03,8,prejudice,Not because she is stupid.,reject\n```" in page.read_text(encoding="utf-8")
    page = write_page(tmp_path, "# A page\n\n" + sheet + table.replace("| 8 |", "| 9 |"))
    run = examples("--check", page)
    assert run.returncode == 1 and f"{page}:13: 0 rows of s.csv have document IDI-03, turn 9" in run.stderr


def test_unknown_options_are_refused(tmp_path: Path) -> None:
    """A misspelt option (`exti=1`) or a value of the wrong kind (`exit=one`) is an error, not ignored."""
    for directive, message in (("exti=1", "unknown directive word 'exti=1'"), ("exit=one", "exit='one'")):
        page = write_page(tmp_path, f"# A page\n\n<!-- docs: {directive} -->\n```console\n$ true\n```\n")
        run = examples("--check", page)
        assert run.returncode == 1 and f"{page}:3: {message}" in run.stderr, run.stderr

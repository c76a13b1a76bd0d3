"""Run the commands the docs show, and put their real output in the pages.

    python docs/examples.py --write [PAGE ...]   # rewrite the output blocks (`make docs` runs this)
    python docs/examples.py --check [PAGE ...]   # exit 1, with a diff per page, when a page shows other output

A page's commands run in order, as a reader would type them, in a fresh copy of the sample study
(qualcode.toml, codebooks/, transcripts/) with the `qualcode` of the Python running this script. What a page
may hold (docs/development.md explains it with examples):

- a ```console block: lines starting with `$ ` are commands; the lines after each command are its output,
  written by this script (stdout and stderr as a terminal shows them, interleaved);
- an HTML comment `<!-- docs: OPTIONS -->` on the line just before a block or a table:
  - before a ```console block: `exit=N` (every command of the block must exit N; default 0),
    `keep=1..8,-2..-1,/REGEX/..+1` (show only these output lines: 1-based, negative from the end, or from the
    first line a regular expression finds; `..+N` ends N lines after the start; `…` marks a cut),
    `match=REGEX` (show every line it finds too), `keys=TEXT` (typed on a terminal, for `qualcode review`),
    `timeout=S` (default 120);
  - `run` before a ```sh block: run its commands (a visible setup step), show no output;
  - `write PATH` before any fenced block: write the block's text to PATH in the project;
  - `decide SHEET` before a Markdown table with document, turn, code, text and decision columns: type each
    decision into the `decision` column of the row of SHEET (.xlsx or .csv) that has that document, turn,
    code and text, as a reviewer would in Excel.

Pages without any of these are left alone. Outputs are made deterministic: the project folder shows as
/tmp/study, times as placeholders (YYYY-MM-DDThh:mm:ssZ), trailing spaces are dropped.
"""

from __future__ import annotations

import argparse
import difflib
import os
import pty
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from excerpts import ExcerptError, keep
from sheet_decisions import TableError, fill_decisions

REPO = Path(__file__).resolve().parent.parent
PAGES = ["README.md", "docs/tutorial.md", "docs/howto/*.md"]
SAMPLE = ("qualcode.toml", "codebooks", "transcripts")
SHOWN_AS = "/tmp/study"  # the project folder, as every page shows it
COLUMNS = 100
TIMEOUT = 120
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+|~~~+)(?P<info>[^`]*)$")
DIRECTIVE = re.compile(r"^ *<!-- docs: (?P<options>.*?) -->\s*$")
# Times change on every run: show them as placeholders (memo times, backup names).
TIMES = [(re.compile(r"\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z"), "YYYY-MM-DDThh:mm:ssZ"),
         (re.compile(r"\b\d{8}-\d{6}\b"), "YYYYMMDD-hhmmss"),
         (re.compile(r"\b\d{8}T\d{6}\d*Z\b"), "YYYYMMDDThhmmssZ")]


class ExampleError(Exception):
    """A page whose commands cannot be run as written; the message names the page and line."""


@dataclass
class Block:
    """A fenced block (or a table after a directive): its lines in the page and what the directive asks."""

    start: int  # index of the opening fence (or of the table's first line)
    end: int  # index just past the closing fence (or the table)
    indent: str
    info: str
    body: list[str]
    options: dict[str, str] = field(default_factory=dict)


OPTIONS = {"exit": int, "keep": str, "match": re.compile, "keys": str, "timeout": float}


def _options(text: str, where: str) -> dict[str, str]:
    """``run``, ``write PATH``, ``decide SHEET``, ``key=value`` … of a directive, as a dict; ExampleError for
    a word or value the script does not know."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ExampleError(f"{where}: cannot read the directive ({exc})") from None
    found: dict[str, str] = {}
    while words:
        word = words.pop(0)
        key, is_option, value = word.partition("=")
        if is_option and key in OPTIONS:
            try:
                OPTIONS[key](value)
            except (ValueError, re.error) as exc:
                raise ExampleError(f"{where}: {key}={value!r}: {exc}") from None
            found[key] = value
        elif word in ("write", "decide") and words:
            found[word] = words.pop(0)
        elif word == "run":
            found["run"] = ""
        else:
            raise ExampleError(f"{where}: unknown directive word {word!r} (use run, write PATH, decide SHEET or "
                               f"{', '.join(k + '=' for k in OPTIONS)})")
    return found


def parse(lines: list[str], page: str) -> list[Block]:
    """The blocks of a page that this script runs or fills, in page order."""
    blocks, i = [], 0
    while i < len(lines):
        directive = DIRECTIVE.match(lines[i])
        options = _options(directive["options"], f"{page}:{i + 1}") if directive else {}
        at = i + 1 if directive else i
        opening = FENCE.match(lines[at]) if at < len(lines) else None
        if directive and "decide" in options:
            end = at
            while end < len(lines) and lines[end].lstrip().startswith("|"):
                end += 1
            if end == at:
                raise ExampleError(f"{page}:{i + 1}: `decide` must be followed by a Markdown table")
            blocks.append(Block(at, end, "", "table", lines[at:end], options))
            i = end
            continue
        if directive and not opening:
            raise ExampleError(f"{page}:{i + 1}: a docs directive must be followed at once by a fenced block")
        if opening:
            indent, fence = opening["indent"], opening["fence"]
            end = at + 1
            while end < len(lines) and not re.match(rf"^ {{0,{len(indent) + 3}}}{fence[0]}{{{len(fence)},}}\s*$",
                                                    lines[end]):
                end += 1
            if end == len(lines):
                raise ExampleError(f"{page}:{at + 1}: this fenced block is never closed")
            info = opening["info"].strip()
            body = [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in lines[at + 1:end]]
            if info == "console" or options:
                blocks.append(Block(at, end + 1, indent, info, body, options))
            i = end + 1
            continue
        i += 1
    return blocks


def commands(body: list[str]) -> list[tuple[int, str]]:
    """The `$ ` commands of a console block (joined over lines ending in `\\`), with their line in the block."""
    found: list[tuple[int, str]] = []
    continuing = False
    for n, line in enumerate(body):
        if continuing:
            found[-1] = (found[-1][0], found[-1][1] + "\n" + line)
        elif line.startswith("$ "):
            found.append((n, line[2:]))
        continuing = (continuing or line.startswith("$ ")) and line.endswith("\\")
    return found


def shell_lines(body: list[str]) -> list[str]:
    """The commands of a ```sh block: each line (joined over `\\`), without blank and comment-only lines."""
    found, pending = [], ""
    for line in body:
        pending = f"{pending}\n{line}" if pending else line
        if pending.endswith("\\"):
            continue
        if pending.strip() and not pending.lstrip().startswith("#"):
            found.append(pending)
        pending = ""
    return found


class Runner:
    """Runs one page's commands in a fresh copy of the sample project, at the same path for every page."""

    def __init__(self, root: Path, verbose: bool = False) -> None:
        self.root = root
        self.verbose = verbose
        self.project = root / "study"
        self.bin = Path(sys.executable).parent
        if not (self.bin / "qualcode").exists():
            raise ExampleError(f"no qualcode beside {sys.executable}: run `make install`, then use .venv/bin/python")
        self.env = {"PATH": f"{self.bin}{os.pathsep}/usr/local/bin:/usr/bin:/bin", "COLUMNS": str(COLUMNS),
                    "LINES": "40", "NO_COLOR": "1", "TERM": "dumb", "PYTHONUNBUFFERED": "1", "TZ": "UTC",
                    "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": str(root / "home"), "USER": "researcher",
                    "LOGNAME": "researcher", "EDITOR": "false"}
        self.snapshots: dict[tuple[str, ...], Path] = {}  # setup commands run from a fresh copy -> the result
        self.history: tuple[str, ...] | None = ()  # setup run since the fresh copy; None: something else ran

    def fresh(self) -> None:
        """A new copy of the sample study at the project path; nothing else left from another page."""
        for folder in (self.project, self.root / "home"):
            shutil.rmtree(folder, ignore_errors=True)
        for other in self.root.iterdir():  # files a page wrote beside the project (another project, a key)
            if other.name not in ("snapshots", "study", "home"):
                shutil.rmtree(other) if other.is_dir() else other.unlink()
        (self.root / "home").mkdir()
        self.project.mkdir()
        for part in SAMPLE:
            source = REPO / part
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, self.project / part)
        self.history = ()

    def setup(self, lines: list[str], where: str) -> None:
        """Run a visible setup block. The state after the same steps from a fresh copy is reused: ingesting and
        coding the sample takes seconds, and most how-tos start with it."""
        keys, key = [], self.history
        for line in lines:
            key = None if key is None else (*key, line)
            keys.append(key)
        done = max((n for n, key in enumerate(keys) if key in self.snapshots), default=-1)
        if done >= 0:
            shutil.rmtree(self.project)
            shutil.copytree(self.snapshots[keys[done]], self.project, symlinks=True)
        for line, key in zip(lines[done + 1:], keys[done + 1:]):
            self.run(line, where, expect=0)
            if key is not None:
                self.snapshots[key] = self.root / "snapshots" / str(len(self.snapshots))
                shutil.copytree(self.project, self.snapshots[key], symlinks=True)
        self.history = keys[-1] if keys else self.history

    def run(self, command: str, where: str, expect: int = 0, keys: str | None = None,
            timeout: float = TIMEOUT) -> list[str]:
        """The output lines of ``command`` run by bash in the project; ExampleError when its exit code is not
        ``expect`` or it runs past ``timeout`` seconds."""
        self.history = None
        master = None
        stdin: int = subprocess.DEVNULL
        if keys is not None:  # a terminal to type on, as `qualcode review` wants; the output stays a pipe
            master, stdin = pty.openpty()
        started = time.monotonic()
        try:
            process = subprocess.Popen(["bash", "-c", command], cwd=self.project, env=self.env, stdin=stdin,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
            if master is not None:
                os.close(stdin)
                os.write(master, keys.encode().decode("unicode_escape").encode())
            try:
                out, _ = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
                raise ExampleError(f"{where}: `{command}` ran for over {timeout:g} s and was stopped") from None
        finally:
            if master is not None:
                os.close(master)
        if self.verbose:
            print(f"{time.monotonic() - started:6.1f} s  {where}  {command}", file=sys.stderr)
        text = self.clean(out.decode("utf-8", errors="replace"))
        if process.returncode != expect:
            raise ExampleError(f"{where}: `{command}` exited {process.returncode} (the page expects {expect}):\n"
                               + text.rstrip())
        return text.splitlines()

    def clean(self, text: str) -> str:
        """Output as the page shows it: the project at /tmp/study, times as placeholders, no trailing spaces."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        for real in {str(self.root), str(self.root.resolve())}:
            text = text.replace(real + "/study", SHOWN_AS).replace(real, str(Path(SHOWN_AS).parent))
        for pattern, placeholder in TIMES:
            text = pattern.sub(placeholder, text)
        return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")

    def write(self, name: str, body: list[str], where: str) -> None:
        """Write a file the page shows into the project (or beside it, for ../PATH)."""
        target = (self.project / name).resolve()
        if not target.is_relative_to(self.root.resolve()):
            raise ExampleError(f"{where}: `write {name}` would leave the project's folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(body) + "\n", encoding="utf-8")
        self.history = None if self.history is None else (*self.history, f"write {name}", *body)

    def decide(self, sheet: str, table: list[str], page: str, start: int) -> None:
        """Type the table's decisions into the sheet's `decision` column (see sheet_decisions.py)."""
        try:
            fill_decisions(self.project / sheet, table)
        except TableError as exc:
            raise ExampleError(f"{page}:{start + exc.line + 1}: {exc}") from None
        self.history = None


def render(page: Path, runner: Runner) -> str:
    """The page's text with every console block's output as the program prints it now."""
    name = _name(page)
    lines = page.read_text(encoding="utf-8").split("\n")
    blocks = parse(lines, name)
    if not blocks:
        return "\n".join(lines)
    runner.fresh()
    out, done = [], 0
    for block in blocks:
        where = f"{name}:{block.start + 1}"
        out.extend(lines[done:block.start])
        done = block.end
        if "decide" in block.options:
            runner.decide(block.options["decide"], block.body, name, block.start)
        elif "write" in block.options:
            runner.write(block.options["write"], block.body, where)
        elif "run" in block.options:
            runner.setup(shell_lines(block.body), where)
        if block.info != "console":
            if {*block.options} & {*OPTIONS}:
                raise ExampleError(f"{where}: {', '.join(block.options)} apply to ```console blocks only")
            out.extend(lines[block.start:block.end])
            continue
        found = commands(block.body)
        if not found:
            raise ExampleError(f"{where}: a console block without a `$ ` command")
        out.append(lines[block.start])
        for n, command in found:
            spot = f"{name}:{block.start + 2 + n}"
            shown = runner.run(command, spot, expect=int(block.options.get("exit", 0)), keys=block.options.get("keys"),
                               timeout=float(block.options.get("timeout", TIMEOUT)))
            if "keep" in block.options or "match" in block.options:
                try:
                    shown = keep(shown, block.options.get("keep"), block.options.get("match"))
                except ExcerptError as exc:
                    raise ExampleError(f"{spot}: {exc}") from None
            for line in shown:
                if line.startswith("$ ") or FENCE.match(line):
                    raise ExampleError(f"{spot}: `{command}` prints {line!r}, which the page would not read back as "
                                       "output")
            out.extend(block.indent + line if line else "" for line in ["$ " + command, *shown])
        out.append(lines[block.end - 1])
    out.extend(lines[done:])
    return "\n".join(out)


def _name(page: Path) -> str:
    """The page as messages name it: relative to the repository when it is inside."""
    return str(page.relative_to(REPO)) if page.is_relative_to(REPO) else str(page)


def pages(names: list[str]) -> list[Path]:
    """The pages named, or every page that may show outputs."""
    if names:
        missing = [n for n in names if not Path(n).is_file()]
        if missing:
            raise ExampleError(f"no such page: {', '.join(missing)}")
        return [Path(n).resolve() for n in names]
    return sorted({p for pattern in PAGES for p in REPO.glob(pattern)})


def main(argv: list[str] | None = None) -> int:
    """Rewrite (--write) or check (--check) the pages; 1 when a page differs or a command fails."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite the output blocks in place")
    mode.add_argument("--check", action="store_true", help="exit 1 and show a diff when a page differs")
    parser.add_argument("--verbose", action="store_true", help="print each command and its time on stderr")
    parser.add_argument("pages", nargs="*", help="pages to run (default: README.md, the tutorial and how-tos)")
    args = parser.parse_args(argv)
    stale = []
    with tempfile.TemporaryDirectory(prefix="qualcode-docs-") as tmp:
        try:
            runner, chosen = Runner(Path(tmp), verbose=args.verbose), pages(args.pages)
        except ExampleError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        for page in chosen:
            name = _name(page)
            try:
                new = render(page, runner)
            except ExampleError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            old = page.read_text(encoding="utf-8")
            if new == old:
                continue
            stale.append(name)
            if args.write:
                page.write_text(new, encoding="utf-8")
                print(f"rewrote {name}")
            else:
                sys.stdout.writelines(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                                           f"{name} (the page)", f"{name} (what the program prints)"))
    if args.check and stale:
        print(f"\n{len(stale)} page(s) show outputs the program no longer gives: {', '.join(stale)}; "
              "run `make docs` to rewrite them", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    VENV = REPO / ".venv" / "bin" / "python"
    if not Path(sys.executable).with_name("qualcode").exists() and VENV.exists():  # run with the project's .venv
        os.execv(VENV, [str(VENV), __file__, *sys.argv[1:]])
    sys.exit(main())

"""The app and what every command shares: options, errors, tables.

Only the cli package prints. Library errors arrive as :class:`~qualcode.errors.QualcodeError` and leave as one
line on stderr and an exit code; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from qualcode.errors import QualcodeError

app = typer.Typer(
    name="qualcode",
    help="Code qualitative interview transcripts: ingest, auto-code, review, matrices and Word appendices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

codebook_app = typer.Typer(help="Check and import codebooks.", no_args_is_help=True)
codings_app = typer.Typer(help="Export, import and inspect codings.", no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")
app.add_typer(codings_app, name="codings")

ProjectOption = typer.Option(None, "--project", "-p", help="Project folder (default: found upward from here).",
                             file_okay=False)
_state = {"debug": bool(os.environ.get("QUALCODE_DEBUG"))}


def fail(exc: QualcodeError) -> None:
    """Leave with ``exc`` as one line on stderr — after the problems it lists, if any — and its exit code."""
    if _state["debug"]:
        raise exc
    print_problems(exc.problems)
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


def command(group: typer.Typer = app, name: str | None = None):
    """Register a command on ``group``; a QualcodeError it raises leaves through :func:`fail`, so commands
    call the library without wrapping each call."""

    def register(function):
        @functools.wraps(function)
        def run(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except QualcodeError as exc:
                fail(exc)

        return group.command(name)(run)

    return register


def progress():
    """A progress callback drawing a bar on a terminal, or None when output is piped."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = bar.add_task("reading", total=None)

    def update(done: int, total: int, what: str) -> None:
        bar.update(task, completed=done, total=total, description=Path(what).name[:30])

    return bar, update


@app.callback()
def main_options(debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors.")
                 ) -> None:
    """Code qualitative interview transcripts from the command line."""
    if debug:
        _state["debug"] = True


def print_problems(problems) -> None:
    """One ``error:`` or ``warning:`` line on stderr per problem."""
    for problem in problems:
        typer.echo(f"{problem.severity}: {problem}", err=True)


def selection_from(coder: list[str] | None, status: list[str] | None):
    from qualcode.codings.selection import Selection

    split = [c.strip() for value in (coder or []) for c in value.split(",") if c.strip()]
    statuses = [s.strip() for value in (status or []) for s in value.split(",") if s.strip()]
    return Selection(tuple(split), tuple(statuses))


CoderOption = typer.Option(None, "--coder", help="Only these coders (repeat or comma-separate).")
StatusOption = typer.Option(None, "--status", help="Only these statuses: suggested, accepted, rejected.")


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an OSError while writing ``path`` into the one-line `cannot write` error."""
    try:
        yield
    except OSError as exc:
        raise QualcodeError(f"cannot write: {exc.strerror}", where=str(path)) from None


def write_table_or_exit(path: Path, columns: list[str], rows: list[dict], title: str, notes: list[str] = ()) -> None:
    """Write a table file by suffix (see :func:`qualcode.output.write_table`)."""
    from qualcode.report.tables import write_table

    with writing(path):
        write_table(path, columns, rows, title=title, notes=notes)


def print_table(columns: list[str], rows: list[dict], caption: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(caption=caption, show_lines=False)
    for column in columns:
        numeric = bool(rows) and isinstance(rows[0].get(column), int)
        table.add_column(column, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    Console(width=None if sys.stdout.isatty() else 160).print(table)


def main() -> None:
    """Entry point of the ``qualcode`` console script."""
    app()

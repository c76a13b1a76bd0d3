"""The app and what every command shares: options, errors, tables.

Only the cli package prints. Library errors arrive as :class:`~qualcode.errors.QualcodeError` and leave as one
line on stderr and an exit code; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from ..errors import QualcodeError

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
    if _state["debug"]:
        raise exc
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


def open_project_or_exit(project_dir: Path | None):
    from ..project import open_project

    try:
        return open_project(project_dir)
    except QualcodeError as exc:
        fail(exc)


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
    for problem in problems:
        typer.echo(f"{problem.severity}: {problem}", err=True)

def selection_from(coder: list[str] | None, status: list[str] | None):
    from ..codings import Selection

    split = [c.strip() for value in (coder or []) for c in value.split(",") if c.strip()]
    statuses = [s.strip() for value in (status or []) for s in value.split(",") if s.strip()]
    try:
        return Selection(tuple(split), tuple(statuses))
    except QualcodeError as exc:
        fail(exc)


CoderOption = typer.Option(None, "--coder", help="Only these coders (repeat or comma-separate).")
StatusOption = typer.Option(None, "--status", help="Only these statuses: suggested, accepted, rejected.")

def write_table_or_exit(path: Path, columns: list[str], rows: list[dict], title: str, notes: list[str] = ()) -> None:
    from ..output import write_table

    try:
        write_table(path, columns, rows, title=title, notes=notes)
    except QualcodeError as exc:
        fail(exc)
    except OSError as exc:
        fail(QualcodeError(f"cannot write: {exc.strerror}", where=str(path)))


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

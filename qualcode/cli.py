"""The ``qualcode`` command line: one thin function per command (parse → one library call → render).

Only this module prints. Library errors arrive as :class:`~qualcode.errors.QualcodeError` and leave as one
line on stderr and an exit code; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from .errors import QualcodeError

app = typer.Typer(
    name="qualcode",
    help="Code qualitative interview transcripts: ingest, auto-code, review, matrices and Word appendices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

ProjectOption = typer.Option(None, "--project", "-p", help="Project folder (default: found upward from here).",
                             file_okay=False)
_state = {"debug": bool(os.environ.get("QUALCODE_DEBUG"))}


def _fail(exc: QualcodeError) -> None:
    if _state["debug"]:
        raise exc
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


def _open(project_dir: Path | None):
    from .project import open_project

    try:
        return open_project(project_dir)
    except QualcodeError as exc:
        _fail(exc)


def _progress():
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


@app.command()
def init(directory: Path = typer.Argument(Path("."), help="Folder to scaffold (created if missing).")) -> None:
    """Scaffold a project: qualcode.toml, a sample codebook and a participants.csv header."""
    from .scaffold import init_project

    try:
        created, kept = init_project(directory)
    except QualcodeError as exc:
        _fail(exc)
    for path in created:
        typer.echo(f"created {path}")
    for path in kept:
        typer.echo(f"kept existing {path}")
    typer.echo(f"next: put transcripts in {directory / 'transcripts'} and run `qualcode ingest`")


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(None, help="Transcript files or folders (default: the transcripts folder)."),
    participants: Path | None = typer.Option(None, "--participants", help="Participants CSV to use instead of "
                                                "transcripts/participants.csv.", dir_okay=False),
    encoding: str | None = typer.Option(None, "--encoding", help="Decode text files with this encoding."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Read transcripts (.txt .md .docx .vtt .srt .pdf) into the project store; unchanged files are skipped."""
    from .corpus import ingest as run_ingest

    project = _open(project_dir)
    bar, update = _progress()
    try:
        if bar:
            with bar:
                report = run_ingest(project, paths or (), participants=participants, encoding=encoding,
                                    on_progress=update)
        else:
            report = run_ingest(project, paths or (), participants=participants, encoding=encoding)
    except QualcodeError as exc:
        _fail(exc)
    for problem in report.failures:
        typer.echo(f"error: {problem}", err=True)
    limit = 20
    for problem in report.warnings[:limit]:
        typer.echo(f"warning: {problem}", err=True)
    if len(report.warnings) > limit:
        typer.echo(f"warning: … and {len(report.warnings) - limit} more", err=True)
    summary = (f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
               f"{len(report.failures)} failed")
    if report.skipped:
        summary += f", {len(report.skipped)} skipped (not transcripts)"
    if report.stale:
        summary += f"; {report.stale} codings could not be re-anchored (see `qualcode codings stale`)"
    typer.echo(summary)
    raise typer.Exit(report.return_code)


@app.command()
def documents(
    output: Path | None = typer.Option(None, "-o", "--output", help="Write .csv .json .md .html or .xlsx."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """List documents: id, type, language, turns, words, speakers, participants."""
    from dataclasses import asdict

    from .corpus import list_documents

    project = _open(project_dir)
    try:
        rows = [asdict(d) for d in list_documents(project)]
    except QualcodeError as exc:
        _fail(exc)
    columns = ["id", "type", "language", "turns", "words", "speakers", "participants", "format", "path"]
    if output is not None:
        _write_table(output, columns, rows, "documents")
        typer.echo(f"wrote {len(rows)} documents to {output}")
        return
    _print_table(columns, rows, f"{len(rows)} documents")


def _write_table(path: Path, columns: list[str], rows: list[dict], title: str) -> None:
    from .output import write_table

    try:
        write_table(path, columns, rows, title=title)
    except QualcodeError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(QualcodeError(f"cannot write: {exc.strerror}", where=str(path)))


def _print_table(columns: list[str], rows: list[dict], caption: str) -> None:
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

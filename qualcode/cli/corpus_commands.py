"""Commands about the corpus: init, ingest, documents."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.api import open_project
from qualcode.cli.base import (
    JobsOption,
    ProjectOption,
    command,
    print_table,
    progress,
    with_progress,
    write_table_or_exit,
)
from qualcode.wording import plural


@command(examples=('qualcode init my-study',))
def init(directory: Path = typer.Argument(Path("."), help="Folder to scaffold (created if missing).")) -> None:
    """Scaffold a project: qualcode.toml, a sample codebook and a participants.csv header."""
    from qualcode.api import init_project

    created, kept = init_project(directory)
    for path in created:
        typer.echo(f"created {path}")
    for path in kept:
        typer.echo(f"kept existing {path}")
    typer.echo(f"next: put transcripts in {directory / 'transcripts'} and run `qualcode ingest`")


@command(examples=('qualcode ingest', 'qualcode ingest transcripts/IDI-03.txt transcripts/FGD-01.txt',
                   'qualcode ingest --jobs 2'))
def ingest(
    paths: list[Path] = typer.Argument(None, help="Transcript files or folders (default: the transcripts folder)."),
    participants: Path | None = typer.Option(None, "--participants", help="Participants CSV to use instead of "
                                                "transcripts/participants.csv.", dir_okay=False),
    encoding: str | None = typer.Option(None, "--encoding", help="Decode text files with this encoding."),
    jobs: int = JobsOption,
    project_dir: Path | None = ProjectOption,
) -> None:
    """Read transcripts (.txt .md .docx .vtt .srt .pdf) into the project store; unchanged files are skipped."""
    project = open_project(project_dir)
    bar, update = progress("words", "reading")
    report = with_progress(bar, lambda: project.ingest(paths or (), participants=participants, encoding=encoding,
                                                       on_progress=update, jobs=jobs))
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
        summary += f"; {plural(report.stale, 'coding')} could not be re-anchored (see `qualcode codings stale`)"
    typer.echo(summary)
    raise typer.Exit(report.return_code)


@command(examples=('qualcode documents', 'qualcode documents -o out/documents.xlsx'))
def documents(
    output: Path | None = typer.Option(None, "-o", "--output", help="Write .csv .json .md .html or .xlsx."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """List documents: id, type, language, turns, words, speakers, participants."""
    frame = open_project(project_dir).documents()
    columns, rows = list(frame.columns), frame.to_dict("records")
    if output is not None:
        write_table_or_exit(output, columns, rows, "documents")
        typer.echo(f"wrote {plural(len(rows), 'document')} to {output}")
        return
    print_table(columns, rows, plural(len(rows), "document"))

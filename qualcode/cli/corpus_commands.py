"""Commands about the corpus and the project: init, ingest, documents, participants, remove,
config."""

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
    prune: bool = typer.Option(False, "--prune", help="Remove documents whose source file is gone, after writing "
                               "their human codings, decisions and memos to a backup file in .qualcode/backups."),
    jobs: int = JobsOption,
    project_dir: Path | None = ProjectOption,
) -> None:
    """Read transcripts (.txt .md .docx .vtt .srt .pdf) into the project store; unchanged files are skipped,
    and documents whose source file is gone are reported (removed with --prune)."""
    project = open_project(project_dir)
    bar, update = progress("words", "reading")
    report = with_progress(bar, lambda: project.ingest(paths or (), participants=participants, encoding=encoding,
                                                       on_progress=update, prune=prune, jobs=jobs))
    if report.removed:
        for removal in report.removed:
            print_removal(removal, project.root)
    else:
        for doc_id, path in report.missing:
            typer.echo(f"warning: {path}: the source of {doc_id} is gone; `qualcode remove {doc_id}` (or `qualcode "
                       "ingest --prune`) removes it after backing up its human codings, decisions and memos",
                       err=True)
    for problem in report.failures:
        typer.echo(f"error: {problem}", err=True)
    limit = 20
    for problem in report.warnings[:limit]:
        typer.echo(f"warning: {problem}", err=True)
    if len(report.warnings) > limit:
        typer.echo(f"warning: … and {len(report.warnings) - limit} more", err=True)
    if report.backup:
        typer.echo(f"the store was backed up before changed transcripts replaced coded ones: {report.backup}")
    summary = (f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
               f"{len(report.failures)} failed")
    if report.skipped:
        summary += f", {len(report.skipped)} skipped (not transcripts)"
    if report.removed:
        summary += f", {len(report.removed)} removed"
    elif report.missing:
        summary += f", {len(report.missing)} gone (source file missing)"
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


@command(examples=('qualcode participants', 'qualcode participants -o out/participants.xlsx'))
def participants(
    output: Path | None = typer.Option(None, "-o", "--output", help="Write .csv .json .md .html or .xlsx."),
    attributes: str | None = typer.Option(None, "--attributes", help="Attributes to show (comma-separated; "
                                          "default: all not marked identifying)."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """List participants: attributes, documents, turns and words; flag participants.csv rows that match no turn
    and speakers with no row."""
    chosen = [a.strip() for a in attributes.split(",") if a.strip()] if attributes is not None else None
    roster = open_project(project_dir).participants(chosen)
    for message in roster.unmatched_rows:
        typer.echo(f"warning: {message}", err=True)
    if roster.unmapped:
        typer.echo(f"warning: {plural(roster.unmapped, 'speaker')} with no row in participants.csv (see the note "
                   "column): add a row with their document and speaker label", err=True)
    rows = list(roster.rows)
    if output is not None:
        write_table_or_exit(output, list(roster.columns), rows, "participants")
        typer.echo(f"wrote {plural(len(rows), 'participant')} to {output}")
        return
    print_table(list(roster.columns), rows, plural(len(rows), "participant"))


def print_removal(removal, root: Path) -> None:
    """One line saying a document was removed and where its backup is (and a note when its file is still there)."""
    backup = removal.backup.relative_to(root) if removal.backup.is_relative_to(root) else removal.backup
    typer.echo(f"removed {removal.document}: {plural(removal.codings, 'human coding')}, "
               f"{plural(removal.decisions, 'review decision')}, {plural(removal.quote_choices, 'quote choice')} "
               f"and {plural(removal.memos, 'memo')} backed up to {backup.as_posix()}")
    if removal.source_exists:
        typer.echo(f"note: {removal.path} is still there: the next `qualcode ingest` reads it again unless you "
                   "delete it or name it in .qualcodeignore", err=True)


@command(examples=('qualcode remove IDI-49',))
def remove(
    documents: list[str] = typer.Argument(..., metavar="DOCUMENT...", help="Document ids to remove."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Remove documents from the project, after writing their human codings, review decisions, quote choices
    and memos to a backup file (.qualcode/backups/removed-DOCUMENT-DATE-TIME.json)."""
    project = open_project(project_dir)
    for removal in project.remove(documents):
        print_removal(removal, project.root)


@command(examples=('qualcode config codebook', 'qualcode config coder lan',
                   'qualcode config codebook codebooks/barriers.yaml'))
def config(
    key: str = typer.Argument(..., metavar="KEY", help="codebook, coder, language or transcripts."),
    value: str | None = typer.Argument(None, metavar="[VALUE]", help="The new value (default: print the current "
                                       "one)."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Read or set a project setting in qualcode.toml (its other lines and comments are kept)."""
    setting = open_project(project_dir).setting(key, value)
    if value is None:
        if setting.value is None:
            typer.echo(f"{setting.key} is not set in qualcode.toml; set it with `qualcode config {setting.key} "
                       "VALUE`", err=True)
            raise typer.Exit(1)
        typer.echo(setting.value)
        return
    typer.echo(f"{setting.key} = {setting.value}" + ("" if setting.changed else " (unchanged)"))


@command(examples=('qualcode backup', 'qualcode backup -o backups/before-review.db'))
def backup(
    output: Path | None = typer.Option(None, "-o", "--output", help="Where to write the copy (default: "
                                       ".qualcode/backups/, named by the time)."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Copy the project store (codings, decisions, documents) to a file; restore by copying it back over
    .qualcode/qualcode.db."""
    written = open_project(project_dir).backup(output)
    typer.echo(f"backed up the project store to {written}")

"""The ``qualcode`` command line: one thin function per command (parse → one library call → render).

Only this module prints. Library errors arrive as :class:`~qualcode.errors.QualcodeError` and leave as one
line on stderr and an exit code; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path

import typer

from .errors import QualcodeError, UsageError

app = typer.Typer(
    name="qualcode",
    help="Code qualitative interview transcripts: ingest, auto-code, review, matrices and Word appendices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

codebook_app = typer.Typer(help="Check codebooks.", no_args_is_help=True)
codings_app = typer.Typer(help="Export, import and inspect codings.", no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")
app.add_typer(codings_app, name="codings")


class Unit(str, Enum):
    """What a rule codes."""

    sentence = "sentence"
    turn = "turn"
    match = "match"


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


def _print_problems(problems) -> None:
    for problem in problems:
        typer.echo(f"{problem.severity}: {problem}", err=True)


@codebook_app.command("check")
def codebook_check(
    codebook: Path | None = typer.Argument(None, help="Codebook YAML (default: the project's codebook)."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Check a codebook: syntax, keys, ids, colours, rules, patterns and the example self-test."""
    from .coding import check_codebook, codebook_path

    project = _open(project_dir)
    try:
        path = codebook_path(project, codebook)
        report = check_codebook(path)
    except QualcodeError as exc:
        _fail(exc)
    _print_problems(report.problems)
    errors, warnings = len(report.errors), len(report.warnings)
    status = "invalid" if errors else "ok"
    typer.echo(f"{path.name}: {status} — {errors} error(s), {warnings} warning(s)")
    raise typer.Exit(report.return_code)


@app.command()
def code(
    codebook: Path | None = typer.Option(None, "--codebook", help="Codebook YAML (default: qualcode.toml's).",
                                            dir_okay=False),
    unit: Unit | None = typer.Option(None, "--unit", help="Override the codebook's unit."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Auto-code every document with the codebook's rules (coder `auto`, status `suggested`)."""
    from .coding import CodebookInvalid, code_project

    project = _open(project_dir)
    try:
        report = code_project(project, codebook, unit=unit.value if unit else None)
    except CodebookInvalid as exc:
        _print_problems(exc.problems)
        _fail(exc)
    except QualcodeError as exc:
        _fail(exc)
    _print_problems(report.warnings)
    rows = [{"code": c, "suggestions": n} for c, n in sorted(report.per_code.items())]
    if rows:
        _print_table(["code", "suggestions"], rows, "new suggestions by code")
    typer.echo(f"{report.codebook} {report.version}: {report.added} suggestions in {report.documents} documents "
               f"({report.replaced} earlier suggestions replaced, {report.kept_decisions} spans already reviewed)")


def _selection(coder: list[str] | None, status: list[str] | None):
    from .codings import Selection

    split = [c.strip() for value in (coder or []) for c in value.split(",") if c.strip()]
    statuses = [s.strip() for value in (status or []) for s in value.split(",") if s.strip()]
    try:
        return Selection(tuple(split), tuple(statuses))
    except QualcodeError as exc:
        _fail(exc)


CoderOption = typer.Option(None, "--coder", help="Only these coders (repeat or comma-separate).")
StatusOption = typer.Option(None, "--status", help="Only these statuses: suggested, accepted, rejected.")


@codings_app.command("export")
def codings_export(
    output: Path | None = typer.Option(None, "-o", "--output", help="Write .csv .xlsx .jsonl .json .md .html."),
    coder: list[str] | None = CoderOption,
    status: list[str] | None = StatusOption,
    attributes: str | None = typer.Option(None, "--attributes", help="Participant attributes to include "
                                             "(comma-separated; default: all not marked identifying)."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Export codings with their turn, speaker, participant and attributes."""
    from .codings import export_rows, write_jsonl
    from .store import open_store

    project = _open(project_dir)
    selection = _selection(coder, status)
    chosen = [a.strip() for a in attributes.split(",") if a.strip()] if attributes is not None else None
    try:
        store = open_store(project.store_path)
        try:
            columns, rows, codings = export_rows(project, store, selection, chosen)
        finally:
            store.close()
    except QualcodeError as exc:
        _fail(exc)
    typer.echo(selection.describe(codings), err=True)
    if output is None:
        _print_table(["id", "document", "turn", "participant", "code", "coder", "status", "text"],
                     [{**r, "text": r["text"][:60]} for r in rows], f"{len(rows)} codings")
        return
    if output.suffix.lower() == ".jsonl":
        try:
            write_jsonl(output, columns, rows)
        except OSError as exc:
            _fail(QualcodeError(f"cannot write: {exc.strerror}", where=str(output)))
    else:
        _write_table(output, columns, rows, "codings")
    typer.echo(f"wrote {len(rows)} codings to {output}")


@codings_app.command("import")
def codings_import(
    file: Path = typer.Argument(..., help="CSV or XLSX with document, code and text (or start and end)."),
    coder: str | None = typer.Option(None, "--coder", help="Whose codings these are (default: qualcode.toml)."),
    codebook: Path | None = typer.Option(None, "--codebook", help="Resolve codes against this codebook."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Import a coder's codings; text is located in its document, codes by id, label or path."""
    from .coding import CodebookInvalid, active_codebook
    from .codings import import_codings
    from .store import open_store

    project = _open(project_dir)
    name = coder or project.config.coder
    if not name:
        _fail(UsageError("name the coder with --coder (or set [project] coder in qualcode.toml)"))
    try:
        book = active_codebook(project, codebook)
        store = open_store(project.store_path)
        try:
            with store.transaction():
                report = import_codings(store, book, file, name)
        finally:
            store.close()
    except CodebookInvalid as exc:
        _print_problems(exc.problems)
        _fail(exc)
    except QualcodeError as exc:
        _fail(exc)
    for problem in report.failures:
        typer.echo(f"error: {problem}", err=True)
    typer.echo(f"imported {report.imported} codings as {name}; {len(report.failures)} rows not imported")
    raise typer.Exit(report.return_code)


@codings_app.command("stale")
def codings_stale(project_dir: Path | None = ProjectOption) -> None:
    """List codings that could not be re-anchored after a transcript changed."""
    from .store import open_store

    project = _open(project_dir)
    try:
        store = open_store(project.store_path)
    except QualcodeError as exc:
        _fail(exc)
    try:
        rows = [{"id": c.id, "document": c.document, "code": c.code, "coder": c.coder, "status": c.status,
                 "text": c.text[:70]} for c in store.codings() if c.stale]
    finally:
        store.close()
    _print_table(["id", "document", "code", "coder", "status", "text"], rows, f"{len(rows)} stale codings")


class Count(str, Enum):
    """What a matrix cell counts."""

    participants = "participants"
    documents = "documents"
    segments = "segments"


class CooccurCount(str, Enum):
    """What a co-occurrence cell counts."""

    segments = "segments"
    participants = "participants"


def _frame_rows(frame) -> tuple[list[str], list[dict]]:
    columns = [str(c) for c in frame.columns]
    return columns, [dict(zip(columns, row)) for row in frame.itertuples(index=False, name=None)]


def _report_notes(frame) -> list[str]:
    notes = [f"Counts: {frame.attrs.get('counts') or frame.attrs.get('title', '')}.",
             f"Codings {frame.attrs.get('selection', '')}."]
    if frame.attrs.get("interviewer_codings"):
        notes.append(f"{frame.attrs['interviewer_codings']} codings on interviewer turns are not counted.")
    if frame.attrs.get("min_cell"):
        notes.append(f"Counts from 1 to {frame.attrs['min_cell'] - 1} are shown as <{frame.attrs['min_cell']}.")
    return notes


def _plot(path: Path, draw, frame) -> None:
    try:
        draw(path, frame)
    except OSError as exc:
        _fail(QualcodeError(f"cannot write: {exc.strerror}", where=str(path)))
    typer.echo(f"wrote heatmap {path}")


@app.command()
def matrix(
    by: str = typer.Option("gender", "--by", help="Attribute(s) for the columns, comma-separated."),
    count: Count = typer.Option(Count.participants, "--count", help="What a cell counts."),
    percent: bool = typer.Option(False, "--percent", help="Percent of the participants (documents) per column."),
    min_cell: int | None = typer.Option(None, "--min-cell", min=2, help="Show counts below K as <K."),
    coder: list[str] | None = CoderOption,
    status: list[str] | None = StatusOption,
    output: Path | None = typer.Option(None, "-o", "--output", help="Write .csv .xlsx .md .html or .json."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a heatmap PNG."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Theme frequency matrix: codes × attribute values (participants, documents or segments)."""
    from . import reports
    from .plot import matrix_heatmap

    project = _open(project_dir)
    selection = _selection(coder, status)
    try:
        frame = reports.matrix(project, [b.strip() for b in by.split(",") if b.strip()], count.value,
                               percent=percent, min_cell=min_cell, coders=selection.coders,
                               statuses=selection.statuses)
    except QualcodeError as exc:
        _fail(exc)
    _show_frame(frame, output, "matrix", indent=True)
    if plot is not None:
        _plot(plot, matrix_heatmap, frame)


def _show_frame(frame, output: Path | None, title: str, *, indent: bool = False) -> None:
    notes = _report_notes(frame)
    columns, rows = _frame_rows(frame)
    if output is None:
        if indent:
            rows = [{**r, "label": "  " * (int(r["level"]) - 1) + str(r["label"])} for r in rows]
            columns = [c for c in columns if c not in ("code", "level")]
        _print_table(columns, rows, frame.attrs.get("title", title))
        for note in notes:
            typer.echo(note)
        return
    _write_table(output, columns, rows, title, notes)
    typer.echo(f"wrote {title} to {output}")
    for note in notes:
        typer.echo(note)


@app.command()
def cooccur(
    count: CooccurCount = typer.Option(CooccurCount.segments, "--count",
                                       help="segments: respondent turns with both codes; or participants."),
    coder: list[str] | None = CoderOption,
    status: list[str] | None = StatusOption,
    output: Path | None = typer.Option(None, "-o", "--output", help="Write .csv .xlsx .md .html or .json."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a heatmap PNG."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Code co-occurrence: how many turns (or participants) have both codes."""
    from . import reports
    from .plot import cooccurrence_heatmap

    project = _open(project_dir)
    selection = _selection(coder, status)
    try:
        frame = reports.cooccur(project, count.value, coders=selection.coders, statuses=selection.statuses)
    except QualcodeError as exc:
        _fail(exc)
    table = frame.copy()
    table.insert(0, "code", frame.index)
    table.attrs = frame.attrs
    _show_frame(table, output, "co-occurrence")
    if plot is not None:
        _plot(plot, cooccurrence_heatmap, frame)


@app.command()
def quotes(
    code_name: str = typer.Argument(..., metavar="CODE", help="Code id, label or path."),
    by: str | None = typer.Option(None, "--by", help="Group the quotes by this attribute."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Show at most N quotes."),
    coder: list[str] | None = CoderOption,
    status: list[str] | None = StatusOption,
    project_dir: Path | None = ProjectOption,
) -> None:
    """Show the passages coded CODE (or its children) with who said them."""
    from . import reports

    project = _open(project_dir)
    selection = _selection(coder, status)
    try:
        found = reports.quotes(project, code_name, by=by, limit=limit, coders=selection.coders,
                               statuses=selection.statuses)
    except QualcodeError as exc:
        _fail(exc)
    group = None
    for quote in found:
        if by and quote.group != group:
            group = quote.group
            typer.echo(f"\n== {by}: {group}")
        typer.echo(f"\n“{quote.text}”\n  {quote.attribution}")
    typer.echo(f"\n{len(found)} quotes")


def _write_table(path: Path, columns: list[str], rows: list[dict], title: str, notes: list[str] = ()) -> None:
    from .output import write_table

    try:
        write_table(path, columns, rows, title=title, notes=notes)
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

"""Commands that exchange projects with other QDA tools: export and import REFI-QDA projects (.qdpx)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from qualcode.api import open_project
from qualcode.cli.base import (
    CoderOption,
    ProjectOption,
    StatusOption,
    SuggestionsOption,
    WhereOption,
    command,
    print_problems,
    split_names,
    warn_if_draft,
)
from qualcode.wording import plural


@command(examples=(
    'qualcode export out/study.qdpx',
    'qualcode export out/draft.qdpx --include-suggestions --coder auto',
    'qualcode export out/for-qualcoder.qdpx --case-nodes',
))
def export(
    output: Path = typer.Argument(..., metavar="FILE", help="The REFI-QDA project to write (.qdpx).",
                                  dir_okay=False),
    coder: list[str] | None = CoderOption,
    status: list[str] | None = StatusOption,
    include_suggestions: bool = SuggestionsOption,
    where: str | None = WhereOption,
    attributes: str | None = typer.Option(None, "--attributes", help="Participant attributes to include "
                                             "(comma-separated; default: all not marked identifying)."),
    codebook: Path | None = typer.Option(None, "--codebook", help="Codebook YAML (default: the project's)."),
    case_nodes: bool = typer.Option(False, "--case-nodes", help="Also write NVivo-style case nodes (a code per "
                                    "participant with the case's GUID, coded on their documents or turns): how "
                                    "QualCoder and NVivo link participants to their text. Other tools show them as "
                                    "extra codes."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Write the project as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder: transcripts,
    codes, the selected codings (reviewed ones by default) with their coders, and participants as cases."""
    chosen = [a.strip() for a in attributes.split(",") if a.strip()] if attributes is not None else None
    warn_if_draft(include_suggestions or "suggested" in split_names(status))
    summary = open_project(project_dir).export_qdpx(
        output, coders=split_names(coder), statuses=split_names(status), include_suggestions=include_suggestions,
        where=where, attributes=chosen, codebook=codebook, case_nodes=case_nodes)
    if summary.unknown_codes:
        typer.echo(f"warning: codes not in the codebook, exported by id: {', '.join(summary.unknown_codes)}",
                   err=True)
    typer.echo(f"wrote {plural(summary.documents, 'document')}, {plural(summary.codes, 'code')}, "
               f"{plural(summary.codings, 'coding')} by {plural(summary.users, 'coder')} and "
               f"{plural(summary.cases, 'participant')} ({plural(summary.variables, 'variable')}) to {output}")


class Positions(str, Enum):
    """How a .qdpx's selection positions count (``--positions``)."""

    utf16 = "utf16"
    codepoints = "codepoints"
    bytes = "bytes"


@command(name="import", examples=(
    'qualcode import out/study.qdpx --project my-study --positions codepoints',
))
def import_(
    file: Path = typer.Argument(..., help="A REFI-QDA project (.qdpx) from NVivo, ATLAS.ti, MAXQDA, QualCoder or "
                                "qualcode.", dir_okay=False),
    positions: Positions | None = typer.Option(
        None, "--positions", help="How the archive's selection positions count, for every source: UTF-16 units "
        "(NVivo), code points (QualCoder, ATLAS.ti) or UTF-8 bytes. Default: chosen per source from the data "
        "(selection names, word boundaries, the exporting software), with a warning when it cannot tell."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Bring a REFI-QDA project (.qdpx) into this project: text sources become transcripts, codes a codebook
    (the active one unless the project has codings already), cases participants, codings keep their coders, memos
    stay on their documents, participants, codes and codings; what cannot come over is counted by kind."""
    from qualcode.exchange.positions import NAMES
    from qualcode.exchange.qdpx_import import dropped_phrase

    result = open_project(project_dir).import_qdpx(file, positions=positions.value if positions else None)
    print_problems(result.problems)
    for what, count in sorted(result.dropped.items()):
        typer.echo(f"warning: not brought over: {dropped_phrase(what, count)}", err=True)
    typer.echo(f"imported {plural(len(result.documents), 'document')}"
               + (f" into {result.transcripts}" if result.transcripts else "")
               + f", {plural(result.codings, 'coding')}"
               + (f" by {', '.join(result.coders)}" if result.coders else "")
               + f", {plural(result.participants, 'participant')}")
    if result.memos:
        typer.echo(f"stored {plural(result.memos, 'memo')} on their documents, participants, codes and codings")
    for mode, count in sorted(result.readings.items()):
        typer.echo(f"read the positions of {plural(count, 'source')} as {NAMES[mode]}")
    if result.codebook:
        typer.echo(f"wrote {plural(result.codes, 'code')} to {result.codebook}"
                   + (" (now the project's active codebook)" if result.active else ""))
    if result.notes_file:
        typer.echo(f"wrote {plural(result.notes, 'note')} to {result.notes_file}")
    raise typer.Exit(result.return_code)

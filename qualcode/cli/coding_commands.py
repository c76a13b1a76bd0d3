"""Commands about codebooks and codings: codebook check/import, code, codings export/import/stale."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from qualcode.api import open_project
from qualcode.cli.base import (
    CoderOption,
    JobsOption,
    ProjectOption,
    StatusOption,
    SuggestionsOption,
    WhereOption,
    codebook_app,
    codings_app,
    command,
    print_problems,
    print_table,
    progress,
    selection_from,
    warn_if_draft,
    with_progress,
)
from qualcode.errors import UsageError
from qualcode.model import CodeListFormat
from qualcode.wording import plural


class Unit(str, Enum):
    """What a rule codes."""

    sentence = "sentence"
    turn = "turn"
    match = "match"


@command(codebook_app, "check", examples=(
    'qualcode codebook check',
    'qualcode codebook check codebooks/barriers.yaml',
))
def codebook_check(
    codebook: Path | None = typer.Argument(None, help="Codebook YAML (default: the project's codebook)."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Check a codebook: syntax, keys, ids, colours, rules, patterns and the example self-test."""
    from qualcode.autocode.run import check_codebook
    from qualcode.codebook.active import codebook_path

    project = open_project(project_dir)
    path = codebook_path(project, codebook)
    report = check_codebook(path)
    print_problems(report.problems)
    errors, warnings = len(report.errors), len(report.warnings)
    status = "invalid" if errors else "ok"
    typer.echo(f"{path.name}: {status} — {plural(errors, 'error')}, {plural(warnings, 'warning')}")
    raise typer.Exit(report.return_code)


@command(examples=('qualcode code', 'qualcode code --unit turn', 'qualcode code --jobs 2'))
def code(
    codebook: Path | None = typer.Option(None, "--codebook", help="Codebook YAML (default: qualcode.toml's).",
                                            dir_okay=False),
    unit: Unit | None = typer.Option(None, "--unit", help="Override the codebook's unit."),
    jobs: int = JobsOption,
    project_dir: Path | None = ProjectOption,
) -> None:
    """Auto-code every document with the codebook's rules (coder `auto`, status `suggested`). After a codebook
    edit only the codes whose rules changed are matched again; after an ingest, only changed documents."""
    project = open_project(project_dir)
    bar, update = progress("words", "coding")
    report = with_progress(bar, lambda: project.code(codebook, unit=unit.value if unit else None, jobs=jobs,
                                                     on_progress=update))
    print_problems(report.warnings)
    if report.unchanged:
        typer.echo(f"{report.codebook} {report.version}: nothing changed since the last run "
                   f"({plural(report.documents, 'document')}, {plural(report.codes, 'code')} with rules)")
        return
    rows = [{"code": c, "suggestions": n} for c, n in sorted(report.per_code.items())]
    if rows:
        print_table(["code", "suggestions"], rows, "new suggestions by code")
    again = ""
    if report.recoded_codes < report.codes or report.recoded_documents < report.documents:
        again = (f"; matched again: {plural(report.recoded_codes, 'code')} of {report.codes} in every document, "
                 f"every code in {plural(report.recoded_documents, 'changed document')}")
    typer.echo(f"{report.codebook} {report.version}: {plural(report.added, 'suggestion')} in "
               f"{plural(report.documents, 'document')} ({plural(report.replaced, 'earlier suggestion')} replaced, "
               f"{plural(report.kept_decisions, 'span')} already reviewed{again})")
    if report.inactive:
        typer.echo(f"note: reports use the codebook qualcode.toml names; to make {report.inactive} the active one: "
                   f"`qualcode config codebook {report.inactive}`", err=True)


@command(codings_app, "export", examples=(
    'qualcode codings export --coder auto --include-suggestions',
    'qualcode codings export -o out/codings.csv --attributes gender,ethnicity',
    'qualcode codings export -o out/review.xlsx --status suggested',
))
def codings_export(
    output: Path | None = typer.Option(None, "-o", "--output", help="Write .csv .xlsx .jsonl .json .md .html."),
    coder: list[str] | None = CoderOption,
    status: list[str] | None = StatusOption,
    include_suggestions: bool = SuggestionsOption,
    where: str | None = WhereOption,
    attributes: str | None = typer.Option(None, "--attributes", help="Participant attributes to include "
                                             "(comma-separated; default: all not marked identifying)."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Export codings with their turn, speaker, participant and attributes (CSV and XLSX end with an empty
    `decision` column for review or adjudication)."""
    project = open_project(project_dir)
    selection = selection_from(coder, status, include_suggestions)
    warn_if_draft(selection.draft)
    chosen = [a.strip() for a in attributes.split(",") if a.strip()] if attributes is not None else None
    if output is None:
        frame = project.codings(coders=selection.coders, statuses=selection.statuses, attributes=chosen,
                                include_suggestions=include_suggestions, where=where)
        described = project.selection(coders=selection.coders, statuses=selection.statuses,
                                      include_suggestions=include_suggestions, where=where)
        typer.echo(f"selected: {described}", err=True)
        rows = frame.to_dict("records")
        print_table(["id", "document", "turn", "participant", "code", "coder", "status", "text"],
                    [{**r, "text": r["text"][:60]} for r in rows], plural(len(rows), "coding"))
        return
    result = project.export_codings(output, coders=selection.coders, statuses=selection.statuses,
                                    attributes=chosen, include_suggestions=include_suggestions, where=where)
    typer.echo(f"selected: {result.selection}", err=True)
    if result.left_out:
        typer.echo("note: to export another codebook's codings, make it the active one: `qualcode config "
                   "codebook FILE`", err=True)
    typer.echo(f"wrote {plural(result.count, 'coding')} to {output}")


@command(codings_app, "import", examples=(
    'qualcode codings import out/review.xlsx --review --coder lan',
    'qualcode codings import out/review.xlsx --review --partial',
    'qualcode codings import out/codings.csv --coder lan',
))
def codings_import(
    file: Path = typer.Argument(..., help="CSV or XLSX: document, code and text (or start and end, or turn)."),
    coder: str | None = typer.Option(None, "--coder", help="Whose codings these are, or with --review who "
                                     "recodes (default: qualcode.toml)."),
    review: bool = typer.Option(False, "--review", help="Apply the sheet's decision column (accept, reject, "
                                "recode:CODE) or new_code column to the codings its rows show (id and check)."),
    document_column: str | None = typer.Option(None, "--document-column", help="The column naming the "
                                               "document (default: document, document name, file, …)."),
    code_column: str | None = typer.Option(None, "--code-column", help="The column naming the code or code "
                                           "path (default: code, code path, codename, node, …)."),
    text_column: str | None = typer.Option(None, "--text-column", help="The column holding the coded text "
                                           "(default: text, segment, coded text, …)."),
    adjudicated: bool = typer.Option(False, "--adjudicated", help="The sheet is a decided adjudication sheet: "
                                     "import its rows as --coder's codings, leaving out `reject` rows and "
                                     "recoding `recode:CODE` rows."),
    as_human: bool = typer.Option(False, "--as-human", help="Import rows that copy auto suggestions (coder auto, "
                                  "status suggested, a rule) as --coder's own codings: only if a person coded them."),
    partial: bool = typer.Option(False, "--partial", help="With --review: apply the rows that pass every check "
                                 "even when others are refused (by default one refused row stops the import)."),
    codebook: Path | None = typer.Option(None, "--codebook", help="Resolve codes against this codebook."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Import a coder's (or another tool's) codings, or apply a reviewed sheet's decisions with --review: each row
    only to the coding it shows (its id, code, span, text and check must agree)."""
    project = open_project(project_dir)
    if review and (adjudicated or as_human):
        raise UsageError("--review applies a sheet's decisions to the suggestions it names; --adjudicated and "
                         "--as-human import rows as a coder's codings: use one or the other")
    if partial and not review:
        raise UsageError("--partial goes with --review (an import of codings stores its good rows anyway)")
    if review:
        _apply_review(project, file, coder, codebook, partial)
    name = coder or project.config.coder
    report = project.import_codings(file, coder=coder, document_column=document_column,
                                    code_column=code_column, text_column=text_column, codebook=codebook,
                                    adjudicated=adjudicated, as_human=as_human)
    print_problems(report.notes)
    print_problems(report.failures)
    how = ", ".join(f"{n} {m}" for m, n in sorted(report.methods.items()))
    extra = "".join(f", {n} {what}" for n, what in ((report.duplicates, "already present"),
                                                    (report.rejected, "rejected by their decision"),
                                                    (report.recoded, "recoded by their decision")) if n)
    typer.echo(f"imported {plural(report.imported, 'coding')} as {name}; {plural(len(report.failures), 'row')} "
               "not imported"
               f"{extra}" + (f" (placed by {how})" if how else ""))
    raise typer.Exit(report.return_code)


SHOWN_PROBLEMS = 50  # a sheet refused row by row says the first ones and how many more


def _apply_review(project, file: Path, coder: str | None, codebook: Path | None, partial: bool) -> None:
    """`codings import --review`: each refused row as soon as it is read (a long sheet's first error at once),
    then what was applied — or that nothing was."""
    errors = [0]

    def say(problem) -> None:
        if problem.severity == "error":
            errors[0] += 1
            if errors[0] > SHOWN_PROBLEMS:
                return
        typer.echo(f"{problem.severity}: {problem}", err=True)

    result = project.apply_review(file, reviewer=coder, codebook=codebook, partial=partial, on_problem=say)
    if errors[0] > SHOWN_PROBLEMS:
        typer.echo(f"error: … and {plural(errors[0] - SHOWN_PROBLEMS, 'more refused row')}", err=True)
    done = {"accept": "accepted", "reject": "rejected", "recode": "recoded"}
    counts = ", ".join(f"{result.decided[a]} {word}" for a, word in done.items())
    rest = (f"{result.unchanged} already applied, {plural(result.blank, 'row')} without a decision")
    if not result.committed:
        typer.echo(f"nothing applied: {plural(result.refused, 'row')} refused; fix them or use --partial "
                   f"({plural(sum(result.decided.values()), 'other decision')} ready: {counts}; {rest})")
    else:
        refused = f"; {plural(result.refused, 'row')} refused (not applied)" if result.refused else ""
        typer.echo(f"applied {plural(sum(result.decided.values()), 'decision')} ({counts}); {rest}{refused}")
    raise typer.Exit(result.return_code)


@command(codings_app, "stale", examples=('qualcode codings stale',))
def codings_stale(project_dir: Path | None = ProjectOption) -> None:
    """List codings that could not be re-anchored after a transcript changed."""
    frame = open_project(project_dir).stale_codings()
    rows = [{**r, "text": r["text"][:70]} for r in frame.to_dict("records")]
    print_table(["id", "document", "code", "coder", "status", "text"], rows, plural(len(rows), "stale coding"))


@command(codebook_app, "export", examples=(
    'qualcode codebook export out/codebook.docx',
    'qualcode codebook export out/codebook.qdc',
    'qualcode codebook export out/taguette-codebook.csv --format taguette',
))
def codebook_export(
    output: Path = typer.Argument(..., metavar="FILE", help="The annex to write (.docx, .md or .html), a "
                                  "REFI-QDA codebook for other QDA tools (.qdc), or a code list (.csv).",
                                  dir_okay=False),
    codebook: Path | None = typer.Argument(None, help="Codebook YAML (default: the project's codebook)."),
    layout: CodeListFormat | None = typer.Option(
        None, "--format", help="The columns of a .csv code list: qualcode (code path with ` > `, definition, "
        "include, exclude, examples, color; the default) or taguette (tag, description: what Taguette's codebook "
        "import reads)."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Write the codebook as a report annex (codes, definitions, when to use them, examples and rules), as a
    REFI-QDA codebook (.qdc) that NVivo, ATLAS.ti, MAXQDA and QualCoder import, or as a code list (.csv) for
    spreadsheets and Taguette."""
    annex = open_project(project_dir).export_codebook(output, codebook, layout.value if layout else None)
    typer.echo(f"wrote {plural(len(annex.entries), 'code')} of {annex.title.removeprefix('Annex: ')} to {output}")


@command(codebook_app, "import", examples=(
    'qualcode codebook import codebooks/nvivo-codes.csv -o out/nvivo-codes.yaml',
    'qualcode codebook import out/codebook.qdc -o out/from-qdc.yaml',
))
def codebook_import(
    file: Path = typer.Argument(..., help="A CSV codebook (a code, path, tag or name column with levels "
                                "separated by ` > `; optional definition, description or memo, include, exclude, "
                                "examples and color columns), Taguette's codebook CSV, or a REFI-QDA codebook "
                                "(.qdc, Taguette's too).", dir_okay=False),
    output: Path | None = typer.Option(None, "-o", "--output", help="The YAML codebook to write (never over an "
                                       "existing file; default: codebooks/NAME.yaml)."),
    name: str | None = typer.Option(None, "--name", help="The codebook's name (default: the file name)."),
    separator: str = typer.Option(">", "--separator", help="What separates the levels of a CSV code path "
                                  "(Taguette users often write `parent.child`: use `.`)."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Turn another tool's code list (CSV, Taguette's CSV or a REFI-QDA .qdc) into a YAML codebook."""
    target, result = open_project(project_dir).import_codebook(file, output, name, separator)
    print_problems(result.problems)
    typer.echo(f"wrote {plural(result.count, 'code')} of codebook {result.name!r} to {target}")
    raise typer.Exit(result.return_code)

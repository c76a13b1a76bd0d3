"""Report commands: matrix, cooccur, quotes."""

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
    note_left_out,
    print_problems,
    print_table,
    progress,
    selection_from,
    warn_if_draft,
    with_progress,
    writing,
)
from qualcode.errors import UsageError
from qualcode.wording import plural


class Count(str, Enum):
    """What a matrix cell counts."""

    participants = "participants"
    documents = "documents"
    segments = "segments"


class Annex(str, Enum):
    """What an appendix can append."""

    codebook = "codebook"


class CooccurCount(str, Enum):
    """What a co-occurrence cell counts."""

    segments = "segments"
    participants = "participants"


def quote_limit(value: str) -> int | None:
    """``--limit N`` as a number, or None for ``all``. Raises UsageError for anything else."""
    text = value.strip().casefold()
    if text == "all":
        return None
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"--limit {value!r}: give a whole number of at least 1, or `all`")
    return int(text)


def frame_rows(frame) -> tuple[list[str], list[dict]]:
    columns = [str(c) for c in frame.columns]
    return columns, [dict(zip(columns, row)) for row in frame.itertuples(index=False, name=None)]


def report_notes(frame) -> list[str]:
    """What a table output says about itself: draft mark, what the cells hold (counts, or percent of what),
    the selection, what is left out, what ``<K`` and empty cells mean."""
    from qualcode.analysis.matrix import cell_notes
    from qualcode.codings.selection import DRAFT_NOTE

    notes = [DRAFT_NOTE] if frame.attrs.get("draft") else []
    held, *more = cell_notes(frame)
    notes += [held, f"Codings selected: {frame.attrs.get('selection', '')}."]
    if frame.attrs.get("interviewer_codings"):
        notes.append(f"{plural(frame.attrs['interviewer_codings'], 'coding')} on interviewer turns "
                     f"{'is' if frame.attrs['interviewer_codings'] == 1 else 'are'} not counted.")
    return notes + more


def table_heading(frame) -> list[str]:
    """The line above the table itself in a CSV (a ``#`` line) and an XLSX sheet (a bold first row): DRAFT
    when unreviewed suggestions are counted, then the title and what the cells hold."""
    from qualcode.analysis.matrix import matrix_caption
    from qualcode.codings.selection import DRAFT_NOTE

    return [f"{DRAFT_NOTE} {matrix_caption(frame)}" if frame.attrs.get("draft") else matrix_caption(frame)]


def warn_unmapped(project_dir: Path | None, where: str | None) -> None:
    """Tell the user on stderr how many speakers with no participants.csv row a report counted as respondents
    (an interviewer without a row would be one), and how to map them."""
    from qualcode.analysis.corpus_view import unmapped_respondents

    names = unmapped_respondents(open_project(project_dir), where)
    if names:
        shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        typer.echo(f"warning: {plural(len(names), 'speaker')} with no participants.csv row "
                   f"{'is' if len(names) == 1 else 'are'} counted as respondents ({shown}): give each a row in "
                   "participants.csv (role `interviewer` for an interviewer), or list an interviewer under "
                   "`interviewer:` in the transcript's front matter", err=True)


TableOutputOption = typer.Option(None, "-o", "--output", help="Write .csv .xlsx .md .html or .json.")
KAnonymityOption = typer.Option(None, "--k-anonymity", metavar="K", help="Show in each attribution only what "
                                "at least K participants share (default: qualcode.toml [report] k_anonymity, "
                                "else 3; 1 turns the check off).")


def note_disclosure(summary, explicit: bool = False) -> None:
    """Tell the user on stderr what the k-anonymity check did to a report's attributions: switched off, no
    attribute shown at all, ``--by`` groups smaller than k, and (``explicit``: fields the user asked for with
    --attribution) which fields were left out; counts only, never which participant."""
    k = summary.k
    if k <= 1:
        typer.echo("warning: k-anonymity is off (k = 1): an attribution may point at one person", err=True)
        return
    if summary.impossible:
        typer.echo(f"warning: this report speaks of {plural(summary.population, 'participant')}, fewer than k = "
                   f"{k}: attributions show no attribute, only the participant id and where it was said", err=True)
        return
    small = summary.small_groups
    if small:
        groups = ", ".join(f"{group}: {n}" for group, n in list(small.items())[:5]) + (" …" if len(small) > 5 else "")
        which = "every group quoted has" if summary.short == summary.quoted else \
            f"{plural(len(small), 'group')} {'has' if len(small) == 1 else 'have'}"
        typer.echo(f"warning: --by {summary.by}: {which} fewer than {k} participants ({groups}): the group heading "
                   "narrows a quote down to them; give several values one label in qualcode.toml [attributes], or "
                   "group by another attribute", err=True)
    if explicit and summary.dropped:
        left = ", ".join(f"{name} for {plural(n, 'participant')}" for name, n in summary.dropped.items())
        typer.echo(f"warning: --attribution: left out so that at least {k} participants share each attribution: "
                   f"{left}", err=True)
    elif summary.generalised:
        typer.echo(f"note: {summary.generalised} of {plural(summary.attributions, 'attribution')} leave out fields "
                   f"so that at least {k} participants share each (k-anonymity; see the method note)", err=True)
PlotOption = typer.Option(None, "--plot", help="Write a heatmap PNG.")


def plot_or_exit(path: Path, draw, frame) -> None:
    with writing(path) as temp:
        draw(temp, frame)
    typer.echo(f"wrote heatmap {path}")


@command(examples=(
    'qualcode matrix --by gender',
    'qualcode matrix --by ethnicity,site --count segments -o out/matrix.xlsx',
    'qualcode matrix --by disability --where "gender = female" --percent --plot out/heatmap.png',
))
def matrix(
    by: str = typer.Option("gender", "--by", help="Attribute(s) for the columns, comma-separated."),
    count: Count = typer.Option(Count.participants, "--count", help="What a cell counts."),
    percent: bool = typer.Option(False, "--percent", help="Percent of the participants (documents) per column."),
    min_cell: int | None = typer.Option(None, "--min-cell", min=2, help="Show counts below N as <N."),
    coder: list[str] | None = CoderOption,
    status: list[str] | None = StatusOption,
    include_suggestions: bool = SuggestionsOption,
    where: str | None = WhereOption,
    output: Path | None = TableOutputOption,
    plot: Path | None = PlotOption,
    project_dir: Path | None = ProjectOption,
) -> None:
    """Theme frequency matrix: codes × attribute values (participants, documents or segments)."""
    from qualcode.report.plot import matrix_heatmap

    selection = selection_from(coder, status, include_suggestions)
    warn_if_draft(selection.draft)
    frame = open_project(project_dir).matrix([b.strip() for b in by.split(",") if b.strip()], count.value,
                           percent=percent, min_cell=min_cell, coders=selection.coders,
                           statuses=selection.statuses,
                           include_suggestions=include_suggestions, where=where)
    note_left_out(frame.attrs["codebook"], frame.attrs["left_out"])
    warn_unmapped(project_dir, where)
    show_frame(frame, output, "matrix", indent=True)
    if plot is not None:
        plot_or_exit(plot, matrix_heatmap, frame)


def show_frame(frame, output: Path | None, title: str, *, indent: bool = False) -> None:
    notes = report_notes(frame)
    columns, rows = frame_rows(frame)
    if output is None:
        if indent:
            rows = [{**r, "label": "  " * (int(r["level"]) - 1) + str(r["label"])} for r in rows]
            columns = [c for c in columns if c not in ("code", "level")]
        print_table(columns, rows, frame.attrs.get("title", title))
        for note in notes:
            typer.echo(note)
        return
    from qualcode.report.tables import write_table

    heading = table_heading(frame)
    if output.suffix.lower() == ".csv" and not (frame.attrs.get("draft") or frame.attrs.get("percent")):
        heading = []  # a plain table unless a reader must be warned: draft numbers, or percentages
    counted = [c for c in columns if c not in ("code", "label", "level")]
    formats = dict.fromkeys(counted, "0.0") if frame.attrs.get("percent") else None
    with writing(output) as temp:
        write_table(temp, columns, rows, title=title, notes=notes, heading=heading, number_formats=formats)
    typer.echo(f"wrote {title} to {output}")
    for note in notes:
        typer.echo(note)


@command(examples=(
    'qualcode cooccur',
    'qualcode cooccur --count participants -o out/cooccur.csv --plot out/cooccur.png',
))
def cooccur(
    count: CooccurCount = typer.Option(CooccurCount.segments, "--count",
                                       help="segments: respondent turns with both codes; or participants."),
    coder: list[str] | None = CoderOption,
    status: list[str] | None = StatusOption,
    include_suggestions: bool = SuggestionsOption,
    where: str | None = WhereOption,
    output: Path | None = TableOutputOption,
    plot: Path | None = PlotOption,
    project_dir: Path | None = ProjectOption,
) -> None:
    """Code co-occurrence: how many turns (or participants) have both codes."""
    from qualcode.report.plot import cooccurrence_heatmap

    selection = selection_from(coder, status, include_suggestions)
    warn_if_draft(selection.draft)
    frame = open_project(project_dir).cooccur(count.value, coders=selection.coders, statuses=selection.statuses,
                                              include_suggestions=include_suggestions, where=where)
    table = frame.copy()
    table.insert(0, "code", frame.index)
    table.attrs = frame.attrs
    note_left_out(frame.attrs["codebook"], frame.attrs["left_out"])
    warn_unmapped(project_dir, where)
    show_frame(table, output, "co-occurrence")
    if plot is not None:
        plot_or_exit(plot, cooccurrence_heatmap, frame)


@command(examples=(
    'qualcode quotes "Language barriers" --by gender --limit 5',
    'qualcode quotes language -o out/candidates.xlsx',
    'qualcode quotes import out/candidates.xlsx',
))
def quotes(
    code_name: str = typer.Argument(..., metavar="CODE", help="Code id, label or path; or `import` to read a "
                                    "candidates sheet back."),
    file: Path | None = typer.Argument(None, metavar="[FILE]", help="With `import`: the candidates sheet whose "
                                       "use (pin / exclude) and translation columns to store.", dir_okay=False),
    by: str | None = typer.Option(None, "--by", help="Group the quotes by this attribute."),
    limit: str = typer.Option("all", "--limit", "-n", metavar="N", help="Show at most N quotes, chosen as the "
                              "appendix chooses (default: all)."),
    seed: int = typer.Option(0, "--seed", metavar="N", help="Draw other quotes among equally good ones."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the candidates (.xlsx or .csv) with "
                                       "use and translation columns to fill in."),
    coder: list[str] | None = CoderOption,
    status: list[str] | None = StatusOption,
    include_suggestions: bool = SuggestionsOption,
    where: str | None = WhereOption,
    k_anonymity: int | None = KAnonymityOption,
    project_dir: Path | None = ProjectOption,
) -> None:
    """Show the passages coded CODE (or its children) with who said them; write them as candidates to pin,
    exclude or translate, and read those choices back with `qualcode quotes import FILE`."""
    project = open_project(project_dir)
    if code_name.casefold() == "import":
        if file is None:
            raise UsageError("name the candidates sheet: qualcode quotes import FILE")
        report = project.import_quote_choices(file)
        print_problems(report.failures)
        typer.echo(f"stored {plural(report.pinned, 'pin')}, {plural(report.excluded, 'exclusion')} and "
                   f"{plural(report.translated, 'translation')}; {plural(len(report.failures), 'row')} not used")
        raise typer.Exit(report.return_code)
    if file is not None:
        raise UsageError(f"unexpected argument {str(file)!r}: only `qualcode quotes import FILE` takes a file")
    selection = selection_from(coder, status, include_suggestions)
    warn_if_draft(selection.draft)
    found = project.quotes(code_name, by=by, limit=quote_limit(limit), seed=seed, coders=selection.coders,
                           statuses=selection.statuses, include_suggestions=include_suggestions, where=where,
                           k_anonymity=k_anonymity)
    note_disclosure(project.disclosure(found, by=by, where=where, k_anonymity=k_anonymity,
                                       coders=selection.coders, statuses=selection.statuses,
                                       include_suggestions=include_suggestions))
    note_left_out(*project.left_out(coders=selection.coders, statuses=selection.statuses,
                                    include_suggestions=include_suggestions))
    warn_unmapped(project_dir, where)
    if output is not None:
        project.write_quote_candidates(output, found)
        typer.echo(f"wrote {plural(len(found), 'candidate')} to {output}: fill in `use` and `translation`, then "
                   f"run `qualcode quotes import {output}`")
        return
    group = None
    for quote in found:
        if by and quote.group != group:
            group = quote.group
            typer.echo(f"\n== {by}: {group}")
        typer.echo("")
        for kind, line in quote.lines():
            typer.echo(f"  {line}" if kind == "attribution" else line)
    typer.echo(f"\n{plural(len(found), 'quote')}")


@command(examples=(
    'qualcode appendix',
    'qualcode appendix -o out/appendix.html --by ethnicity --limit 3',
    'qualcode appendix -o out/language.md --codes language --context',
))
def appendix(
    output: Path | None = typer.Option(None, "-o", "--output", help="Write .docx, .html or .md "
                                       "(default: out/appendix.docx)."),
    codes: str | None = typer.Option(None, "--codes", help="Only these codes and their children (comma-separated)."),
    limit: str = typer.Option("5", "--limit", "--max-quotes", "-n", metavar="N",
                              help="At most N quotes per code, spread across groups and participants; `all` for "
                                   "every one."),
    per_group: int | None = typer.Option(None, "--per-group", min=1, metavar="N",
                                         help="With --by: N quotes per code from each group that has them."),
    seed: int = typer.Option(0, "--seed", metavar="N", help="Draw other quotes among equally good ones."),
    by: str | None = typer.Option(None, "--by", help="Group each code's quotes by this attribute."),
    percent: bool = typer.Option(False, "--percent", help="The summary table in percent of each column's "
                                 "participants."),
    min_cell: int | None = typer.Option(None, "--min-cell", min=2, help="In the summary table, show counts "
                                        "below N as <N."),
    summary_by: str | None = typer.Option(None, "--summary-by", help="Attribute of the summary matrix's columns "
                                          "(default: --by, else gender)."),
    attribution: str | None = typer.Option(None, "--attribution", help="Fields after each quote, comma-separated "
                                           "(default: participant,gender,ethnicity,position,site,document,turn,"
                                           "timestamp)."),
    context: bool = typer.Option(False, "--context", help="Show the interviewer's preceding question."),
    reference_doc: Path | None = typer.Option(None, "--reference-doc", help="Word document or template (.docx, "
                                              ".dotx) whose styles, margins, headers and footers to use."),
    date: str | None = typer.Option(None, "--date", help="Print this date in the appendix (`today` for today); "
                                    "an ISO date (2025-06-30) also dates the Word file."),
    title: str | None = typer.Option(None, "--title", help="The appendix's title."),
    annex: Annex | None = typer.Option(None, "--annex", help="Append an annex: codebook (its codes, "
                                       "definitions, examples and rules)."),
    report_language: str | None = typer.Option(None, "--language-of-report", metavar="LANG",
                                               help="The report's language (default: qualcode.toml [report] "
                                                    "language, else [project] language); quotes in another "
                                                    "without a translation are marked [untranslated]."),
    translated_only: bool = typer.Option(False, "--translated-only", help="Leave out quotes in another language "
                                         "than the report's that have no translation."),
    coder: list[str] | None = CoderOption,
    status: list[str] | None = StatusOption,
    include_suggestions: bool = SuggestionsOption,
    where: str | None = WhereOption,
    k_anonymity: int | None = KAnonymityOption,
    project_dir: Path | None = ProjectOption,
) -> None:
    """Quote appendix for a report: per code its definition, counts and participants' words."""
    import datetime as dt

    from qualcode.report.quotes import DEFAULT_ATTRIBUTION

    project = open_project(project_dir)
    selection = selection_from(coder, status, include_suggestions)
    warn_if_draft(selection.draft)
    path = output or project.root / "out" / "appendix.docx"
    fields = [f.strip() for f in attribution.split(",") if f.strip()] if attribution else list(DEFAULT_ATTRIBUTION)
    when = dt.date.today().isoformat() if date == "today" else date
    bar, update = progress("quotes", "choosing quotes")
    content = with_progress(bar, lambda: project.appendix(
        path, codes=[c.strip() for c in codes.split(",")] if codes else None, limit=quote_limit(limit),
        per_group=per_group, seed=seed, by=by, summary_by=summary_by, percent=percent, min_cell=min_cell,
        attribution=fields, context=context, coders=selection.coders, statuses=selection.statuses,
        include_suggestions=include_suggestions, date=when, title=title, reference_doc=reference_doc,
        annex=annex is Annex.codebook, where=where, on_progress=update, language=report_language,
        translated_only=translated_only, k_anonymity=k_anonymity))
    note_left_out(content.codebook, content.left_out)
    note_disclosure(content.disclosure, explicit=attribution is not None)
    warn_unmapped(project_dir, where)
    quotes = sum(len(q) for s in content.sections for _, q in s.groups)
    if content.untranslated:
        what = ("were left out (--translated-only)" if translated_only else
                "are marked [untranslated] in the appendix")
        typer.echo(f"warning: {plural(content.untranslated, 'quote')} in another language than the report's "
                   f"({content.report_language}) without a translation {what}; add translations with "
                   "`qualcode quotes CODE -o candidates.xlsx` (fill in `translation`) and "
                   "`qualcode quotes import candidates.xlsx`", err=True)
    typer.echo(f"wrote {path}: {plural(len(content.sections), 'code')}, {plural(quotes, 'quote')}")


@command(examples=('qualcode pseudonymise --key transcripts/pseudonyms.csv', 'qualcode pseudonymise --off'))
def pseudonymise(
    key: Path | None = typer.Option(None, "--key", help="CSV of real names, places and organisations: term, "
                                    "replacement (optional) and kind (name, place or organisation).",
                                    dir_okay=False),
    off: bool = typer.Option(False, "--off", help="Stop pseudonymising: outputs show the original text again."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Replace real names in every output from now on (quotes, appendices, exports); the store keeps the
    original, so codings stay valid."""
    if (key is None) == (not off):
        raise UsageError("give --key KEY.csv, or --off")
    terms = open_project(project_dir).pseudonymise(None if off else key)
    if off:
        typer.echo("outputs show the original text again")
    else:
        typer.echo(f"{plural(terms, 'term')} will be replaced in every output; check one with `qualcode leaks`")


@command(examples=('qualcode leaks out/appendix.docx --key transcripts/pseudonyms.csv',))
def leaks(
    files: list[Path] = typer.Argument(..., help="Exported files: .docx .xlsx .csv .html .md .txt .json .jsonl "
                                       ".qdpx .qdc."),
    key: Path | None = typer.Option(None, "--key", help="CSV of real names, places and organisations (a `term` "
                                    "column), as for pseudonymisation (default: the key `pseudonymise` saved).",
                                    dir_okay=False),
    k_anonymity: int | None = typer.Option(None, "--k-anonymity", metavar="K", help="Report appendix "
                                           "attributions whose values fewer than K participants hold (default: "
                                           "qualcode.toml [report] k_anonymity, else 3; 1 skips the check)."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Look for real names in exported files as their readers see them: the key's terms and the values of
    participant attributes marked identifying in qualcode.toml, as whole words, with or without accents; and,
    in appendices (.docx, .html, .md), attributions that fewer than K participants share. Each find is listed
    with its file and place. Exit 1 if any is found."""
    from qualcode.report.leaks import PLACES_SHOWN

    report = open_project(project_dir).leaks(files, key, k_anonymity=k_anonymity)
    for path, hits in report.found.items():
        for (term, source), count in sorted(hits.items()):
            places = report.places[path][(term, source)]
            more = f" and {len(places) - PLACES_SHOWN} more" if len(places) > PLACES_SHOWN else ""
            typer.echo(f"{path}: {term!r} ({'key' if source == 'key' else 'identifying ' + source}) "
                       f"{plural(count, 'time')}: {'; '.join(places[:PLACES_SHOWN])}{more}", err=True)
    for path, flagged in report.singling_out.items():
        for item in flagged:
            said = f" ({item.quoted})" if item.quoted else ""
            typer.echo(f"{path}: {item.place}{said}: an attribution ({', '.join(item.attributes)}) fits "
                       f"{plural(item.sharing, 'participant')}, fewer than k = {report.k}", err=True)
    found = sum(1 for hits in report.found.values() if hits)
    singling = sum(len(flagged) for flagged in report.singling_out.values())
    if found:
        typer.echo(f"found names in {plural(found, 'file')} of {len(report.files)}: pseudonymise or edit them "
                   "before sharing")
    if singling:
        typer.echo(f"found {plural(singling, 'attribution')} that fewer than {report.k} participants share: write "
                   f"the appendix again (its attributions are generalised to k = {report.k} by default)")
    if found or singling:
        raise typer.Exit(1)
    checked = (f"; {plural(report.attributions, 'attribution')} fit at least {report.k} of "
               f"{plural(report.participants, 'participant')}" if report.attributions else "")
    typer.echo(f"no names found in {plural(len(report.files), 'file')} ({plural(report.terms, 'term')} looked "
               f"for){checked}")

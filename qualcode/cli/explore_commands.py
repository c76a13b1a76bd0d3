"""Commands for exploring the corpus: show, search, codebook explain, words."""

from __future__ import annotations

import sys
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
    codebook_app,
    command,
    print_table,
    selection_from,
    split_names,
    warn_if_draft,
    write_table_or_exit,
    writing,
)
from qualcode.wording import plural


class Accents(str, Enum):
    """How diacritics compare in a search."""

    ignore = "ignore"
    keep = "keep"


class TagUnit(str, Enum):
    """What `search --tag` codes around each hit."""

    sentence = "sentence"
    turn = "turn"
    match = "match"


class WordSort(str, Enum):
    """How `words` orders each group's lemmas."""

    count = "count"
    keyness = "keyness"


def _tint(colour: str, share: float = 0.55) -> str:
    """``colour`` mixed with white (a highlight light enough to read black text on)."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    parts = [int(digits[i:i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{round(p + (255 - p) * share):02x}" for p in parts)


@command(examples=(
    'qualcode show IDI-03 --turns 1-6',
    'qualcode show IDI-03 --codes --include-suggestions',
    'qualcode show FGD-01 -o out/FGD-01.html --include-suggestions',
))
def show(
    document: str = typer.Argument(..., help="Document id (as `qualcode documents` lists it) or file name."),
    turns: str | None = typer.Option(None, "--turns", metavar="A-B", help="Only these turns: 3-9, 5 or 12-."),
    codes: bool = typer.Option(False, "--codes", help="Highlight the coded spans and list their codes."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write a self-contained HTML page of the "
                                       "coded transcript (.html).", dir_okay=False),
    coder: list[str] | None = CoderOption,
    status: list[str] | None = StatusOption,
    include_suggestions: bool = SuggestionsOption,
    project_dir: Path | None = ProjectOption,
) -> None:
    """Print a transcript with turn numbers, speakers, participant ids and timestamps (and its codings)."""
    selection = selection_from(coder, status, include_suggestions)
    if codes or output is not None:
        warn_if_draft(selection.draft)
    transcript = open_project(project_dir).show(document, turns=turns, codes=codes, output=output,
                                                coders=selection.coders, statuses=selection.statuses,
                                                include_suggestions=include_suggestions)
    if output is not None:
        coded = sum(e.count for e in transcript.legend)
        typer.echo(f"wrote {output}: {transcript.document}, {plural(len(transcript.turns), 'turn')}, "
                   f"{plural(coded, 'coded span')} of {plural(len(transcript.legend), 'code')}")
        return
    if sys.stdout.isatty():
        _show_rich(transcript)
    else:
        _show_plain(transcript)


def _heading(t) -> list[str]:
    lines = [f"{t.document} ({t.doc_type}, {t.language}, {plural(t.total_turns, 'turn')})"]
    lines += [f"{k}: {v}" for k, v in t.attributes]
    lines += [f"memo — {memo}" for memo in t.memos]
    if t.with_codes:
        lines.append(f"Codings shown: {t.selection}.")
    return lines


def _show_plain(t) -> None:
    for line in _heading(t):
        typer.echo(line)
    for turn in t.turns:
        typer.echo("")
        typer.echo(f"[{turn.number}] {turn.speaker}" + (f" {turn.timestamp}" if turn.timestamp else ""))
        speech = "".join(f"⟦{p.text}⟧" if p.codings else p.text for p in turn.pieces) if t.with_codes else turn.text
        for paragraph in speech.split("\n"):
            typer.echo(f"    {paragraph}" if paragraph.strip() else "")
        for coding in turn.codings:
            quote = " ".join(coding.text.split())
            quote = quote if len(quote) <= 60 else quote[:59] + "…"
            typer.echo(f"    = {coding.code} ({coding.coder}, {coding.status}): “{quote}”")


def _show_rich(t) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    for line in _heading(t):
        console.print(line, markup=False, highlight=False)
    colours = {e.code: e.colour for e in t.legend}
    if t.legend:
        legend = Text()
        for entry in t.legend:
            legend.append(f" {entry.label} ", style=f"on {_tint(entry.colour)} black")
            legend.append(f" {entry.count}  ")
        console.print(legend)
    console.print()
    table = Table(show_header=False, box=None, padding=(0, 1), expand=True)
    table.add_column(justify="right", style="dim", no_wrap=True)
    table.add_column(max_width=22)
    table.add_column(ratio=1)
    if t.with_codes:
        table.add_column(max_width=24)
    for turn in t.turns:
        speaker = Text(turn.label or "(no label)", style="bold")
        if turn.who:
            speaker.append(f" [{turn.who}]", style="")
        if turn.timestamp:
            speaker.append(f"\n{turn.timestamp}", style="dim")
        speech = Text()
        for piece in turn.pieces:
            style = f"on {_tint(colours.get(piece.codings[0].code, '#999999'))} black" if piece.codings else ""
            speech.append(piece.text, style=style)
        if turn.role == "interviewer":
            speech.stylize("italic")
        cells = [str(turn.number), speaker, speech]
        if t.with_codes:
            margin = Text()
            for code, label in turn.margin:
                margin.append("█ ", style=colours.get(code, "#999999"))
                margin.append(f"{label}\n")
            cells.append(margin)
        table.add_row(*cells)
        table.add_row()
    console.print(table)


@command(examples=(
    'qualcode search interpreter',
    'qualcode search "tieng kinh" --speaker participant -o out/tieng-kinh.csv',
    'qualcode search "can(not|\'t) (read|write)" --pattern --uncoded --tag language.literacy --coder minh',
))
def search(
    query: str = typer.Argument(..., help="Word(s) to find, as a codebook keyword: lemmas, `word*` wildcard; "
                                "or a regular expression with --pattern."),
    pattern: bool = typer.Option(False, "--pattern", help="QUERY is a regular expression (case-insensitive)."),
    exact: bool = typer.Option(False, "--exact", help="Forms only: `house` does not find `houses`."),
    fuzzy: int | None = typer.Option(None, "--fuzzy", min=0, max=100, metavar="N",
                                     help="Also words of 5+ letters at least N% similar (rapidfuzz ratio)."),
    accents: Accents | None = typer.Option(None, "--accents", help="Compare diacritics or ignore them "
                                           "(default: ignored when QUERY has none)."),
    speaker: list[str] | None = typer.Option(None, "--speaker", metavar="WHO", help="Only turns of these "
                                             "speakers: a role (participant, interviewer) or a label."),
    code: str | None = typer.Option(None, "--code", metavar="CODE", help="Only hits inside codings of CODE "
                                    "(or its children)."),
    uncoded: bool = typer.Option(False, "--uncoded", help="Only hits outside every selected coding."),
    tag: str | None = typer.Option(None, "--tag", metavar="CODE", help="Code the hits with CODE as --coder "
                                   "(human codings)."),
    unit: TagUnit | None = typer.Option(None, "--unit", help="With --tag: code each hit's sentence, turn or the "
                                        "match itself (default: the code's unit)."),
    width: int = typer.Option(40, "--width", min=10, metavar="N", help="Characters of context on each side."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the hits: .csv .xlsx .md .html "
                                       "or .json."),
    coder: list[str] | None = typer.Option(None, "--coder", help="With --tag: who codes the hits. Otherwise: "
                                           "the coders whose codings --code and --uncoded use."),
    status: list[str] | None = StatusOption,
    include_suggestions: bool = SuggestionsOption,
    where: str | None = WhereOption,
    project_dir: Path | None = ProjectOption,
) -> None:
    """Keyword in context: every place QUERY occurs, matched as the codebook matches keywords."""
    names = split_names(coder)
    if tag is not None and len(names) > 1:
        from qualcode.errors import UsageError

        raise UsageError("--tag codes as one coder: name one with --coder")
    selection = selection_from(None if tag is not None else coder, status, include_suggestions)
    if code or uncoded:
        warn_if_draft(selection.draft)
    result = open_project(project_dir).search(
        query, pattern=pattern, exact=exact, fuzzy=fuzzy, accents=accents.value if accents else None,
        speakers=split_names(speaker), code=code, uncoded=uncoded, coders=selection.coders,
        statuses=selection.statuses, include_suggestions=include_suggestions, width=width, tag=tag,
        tag_coder=names[0] if tag is not None and names else None, unit=unit.value if unit else None,
        where=where)
    rows = [h.row() for h in result.hits]
    summary = (f"{plural(len(result.hits), 'hit')} of “{result.query}” ({result.how})"
               + (f"; {result.matched} before the code filter" if result.selection else ""))
    notes = [summary] + ([f"Codings used by the filter: {result.selection}."] if result.selection else [])
    if output is not None:
        from qualcode.analysis.kwic import HIT_COLUMNS

        write_table_or_exit(output, list(HIT_COLUMNS), rows, "search", notes)
        typer.echo(f"wrote {plural(len(rows), 'hit')} to {output}")
    else:
        _print_hits(result.hits, width)
    for note in notes:
        typer.echo(note)
    if result.tagged is not None:
        t = result.tagged
        typer.echo(f"tagged {plural(t.added, t.unit)} with {t.code} as {t.coder} "
                   f"({t.existing} already coded so)")
        if result.skipped_interviewer:
            typer.echo(f"note: {plural(result.skipped_interviewer, 'hit')} on interviewer turns not coded "
                       "(add --speaker interviewer to code them)", err=True)


def _print_hits(hits, width: int) -> None:
    if not hits:
        return
    doc_w = max(len(h.shown_document or h.document) for h in hits)
    turn_w = max(len(str(h.turn)) for h in hits)
    who_w = min(24, max(len(h.participant) for h in hits))
    bold = sys.stdout.isatty()
    for h in hits:
        match = typer.style(h.match, bold=True) if bold else f"⟦{h.match}⟧"
        typer.echo(f"{h.shown_document or h.document:<{doc_w}}  {h.turn:>{turn_w}}  {h.participant[:who_w]:<{who_w}}  "
                   f"{h.left:>{width + 1}}{match}{h.right}")


@command(codebook_app, "explain", examples=(
    'qualcode codebook explain language',
    'qualcode codebook explain "Access to public services" --examples 1',
))
def codebook_explain(
    code: str = typer.Argument(..., help="Code id, label or path."),
    examples: int = typer.Option(3, "--examples", "-n", min=0, metavar="N", help="Matches in context per "
                                 "keyword or pattern."),
    codebook: Path | None = typer.Option(None, "--codebook", help="Codebook YAML (default: the project's).",
                                         dir_okay=False),
    project_dir: Path | None = ProjectOption,
) -> None:
    """What each rule of CODE matches in the corpus, in context, and why: form, lemma, wildcard, fuzzy, accents."""
    found = open_project(project_dir).explain_code(code, codebook=codebook, examples=examples)
    typer.echo(f"{found.code} — {found.label} (unit {found.unit}; {found.settings})")
    typer.echo(f"its rules code {plural(found.coded, found.unit)}")
    bold = sys.stdout.isatty()
    for term in found.terms:
        if not term.matches:
            continue
        kind = {"keyword": "keyword", "all": "all-group keyword", "not": "not (excludes)",
                "pattern": "pattern"}[term.kind]
        typer.echo("")
        typer.echo(f"{term.rule} {kind} “{term.term}”: {plural(term.matches, 'match', 'matches')} in "
                   f"{plural(term.sentences, 'sentence')}")
        text_w = min(30, max(len(v.text) for v in term.variants))
        for v in term.variants[:12]:
            typer.echo(f"    {v.text:<{text_w}}  {v.count:>5}  {v.reason}")
        if len(term.variants) > 12:
            typer.echo(f"    … and {plural(len(term.variants) - 12, 'other form')}")
        for e in term.examples:
            match = typer.style(e.match, bold=True) if bold else f"⟦{e.match}⟧"
            typer.echo(f"    {e.document} turn {e.turn}: {e.left}{match}{e.right}")
    unmatched = [f"“{t.term}”" for t in found.terms if not t.matches]
    if unmatched:
        typer.echo("")
        typer.echo(f"no match in the corpus: {', '.join(unmatched)}")


@command(examples=(
    'qualcode words',
    'qualcode words --by gender --top 10 -o out/words-gender.xlsx',
    'qualcode words --by ethnicity --sort keyness --plot out/words-ethnicity.png',
))
def words(
    by: str | None = typer.Option(None, "--by", help="Compare the groups of this attribute (keyness of each "
                                  "against the rest)."),
    top: int = typer.Option(20, "--top", "-n", min=1, metavar="N", help="Lemmas per group."),
    sort: WordSort = typer.Option(WordSort.count, "--sort", help="count: most frequent first; keyness: the "
                                  "group's key words (used more than in the rest), largest G2 first."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write .csv .xlsx .md .html or .json."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a bar chart per group (PNG)."),
    where: str | None = WhereOption,
    project_dir: Path | None = ProjectOption,
) -> None:
    """Lemma frequencies of respondent speech per group, stop words left out, with keyness (G2, log ratio)."""
    frame = open_project(project_dir).words(by, top=top, sort=sort.value, where=where)
    groups = frame.attrs["groups"]
    notes = [f"Lemmas of respondent speech{' by ' + frame.attrs['by'] if frame.attrs['by'] else ''}, stop words "
             "left out; per_10k: per 10,000 words of the group."]
    if frame.attrs["by"]:
        notes.append("Keyness against the rest of the corpus: g2 is Dunning's log-likelihood (3.84: p < 0.05; "
                     "6.63: p < 0.01; 10.83: p < 0.001), log_ratio is Hardie's log2 ratio of relative "
                     "frequencies (+1: twice as frequent in the group).")
    notes += [f"{group}: {plural(size['participants'], 'participant')}, {plural(size['words'], 'word')}"
              for group, size in groups.items()]
    columns = [str(c) for c in frame.columns]
    if not frame.attrs["by"]:
        columns = [c for c in columns if c in ("group", "lemma", "count", "per_10k")]
    rows = [dict(zip([str(c) for c in frame.columns], r)) for r in frame.itertuples(index=False, name=None)]
    if output is not None:
        write_table_or_exit(output, columns, rows, "words", notes)
        typer.echo(f"wrote {plural(len(rows), 'row')} to {output}")
    else:
        for group in groups:
            shown = [{k: _cell(v) for k, v in r.items()} for r in rows if r["group"] == group]
            print_table([c for c in columns if c != "group"], shown,
                        f"{group}: {plural(groups[group]['participants'], 'participant')}, "
                        f"{plural(groups[group]['words'], 'word')}")
        for note in notes[:2 if frame.attrs["by"] else 1]:
            typer.echo(note)
    if plot is not None:
        from qualcode.report.plot import word_bars

        with writing(plot) as temp:
            word_bars(temp, frame)
        typer.echo(f"wrote bar chart {plot}")


def _cell(value):
    """A number as the terminal table shows it (NaN as an empty cell)."""
    if isinstance(value, float):
        return "" if value != value else f"{value:g}"
    return value

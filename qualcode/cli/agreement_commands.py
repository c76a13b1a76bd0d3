"""Commands of the human-coding work: `qualcode agreement` (two coders) and `qualcode eval` (against gold)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from qualcode.api import open_project
from qualcode.cli.base import ProjectOption, command, print_table, split_names
from qualcode.wording import plural


class Unit(str, Enum):
    """What agreement and evaluation count."""

    turn = "turn"
    sentence = "sentence"
    document = "document"


UnitOption = typer.Option(Unit.turn, "--unit", help="Respondent turns, their sentences, or whole documents.")
ByRuleOption = typer.Option(False, "--by-rule", help="Also report each rule behind the suggestions: the units it "
                            "marked, how many the other coder coded with its code (precision), and the share of "
                            "theirs it found.")
OutputOption = typer.Option(None, "-o", "--output", dir_okay=False,
                            help="Write .csv (plus NAME-disagreements.csv / NAME-errors.csv), .xlsx or, for "
                                 "agreement, a .docx adjudication sheet.")


@command(examples=(
    'qualcode agreement --coders auto,minh',
    'qualcode agreement --coders auto,minh --unit sentence -o out/agreement.xlsx',
    'qualcode agreement --coders auto,minh --by-rule',
))
def agreement(
    coders: list[str] = typer.Option(..., "--coders", help="The two coders to compare: A,B (comma-separated or "
                                     "repeated)."),
    unit: Unit = UnitOption,
    by_rule: bool = ByRuleOption,
    output: Path | None = OutputOption,
    project_dir: Path | None = ProjectOption,
) -> None:
    """Inter-coder agreement per code and pooled: counts, percent agreement, Cohen's kappa, Krippendorff's alpha."""
    from qualcode.report.agreement_tables import agreement_table, disagreement_table, write_agreement

    project = open_project(project_dir)
    report = project.agreement(split_names(coders), unit.value)
    if output is not None:
        _write(write_agreement, output, report, "agreement")
    else:
        _show(agreement_table(report), "agreement")
        if report.disagreements:
            columns, rows = disagreement_table(report)
            print_table([c for c in columns if c != "label"], rows, plural(len(rows), "disagreement"))
        else:
            typer.echo("no disagreements")
    for note in report.notes():
        typer.echo(note)
    if by_rule:
        a, b = report.coders
        rules_of, other = (b, a) if b == "auto" else (a, b)  # the rules of coder auto, else of the first coder
        _rules(project.rule_scores(other, rules_of, unit.value, evaluation=False), rules_of, other)


def _rules(scores, coder: str, other: str) -> None:
    from qualcode.analysis.rule_scores import rule_rows

    columns, rows = rule_rows(scores)
    print_table(columns, rows, f"per rule of {coder}: units it marked, and how many {other} coded with its code")


@command(name="eval", examples=(
    'qualcode eval --gold minh',
    'qualcode eval --gold minh --coder auto --unit sentence -o out/eval.csv',
    'qualcode eval --gold minh --by-rule',
))
def evaluate(
    gold: str = typer.Option(..., "--gold", help="The coder whose codings are taken as right."),
    coder: str = typer.Option("auto", "--coder", help="The coder to evaluate (default: the rules' suggestions)."),
    unit: Unit = UnitOption,
    fail_under: float | None = typer.Option(None, "--fail-under", min=0.0, max=1.0,
                                            help="Exit 1 when the micro-averaged F1 is lower (0 to 1)."),
    by_rule: bool = ByRuleOption,
    output: Path | None = OutputOption,
    project_dir: Path | None = ProjectOption,
) -> None:
    """Precision, recall and F1 of a coder against a gold coder, per code and micro-averaged, with their errors."""
    from qualcode.report.agreement_tables import evaluation_notes, evaluation_table, stat, write_evaluation

    project = open_project(project_dir)
    report = project.evaluate(gold, coder, unit.value)
    if output is not None:
        _write(write_evaluation, output, report, "evaluation")
    else:
        _show(evaluation_table(report), "evaluation")
        for miss in report.misses:
            typer.echo(f"\n{miss.kind}: {miss.code} ({miss.unit.where})\n  “{miss.quote}”")
        if report.misses:
            typer.echo()
    for note in evaluation_notes(report):
        typer.echo(note)
    if by_rule:
        _rules(project.rule_scores(gold, coder, unit.value), coder, gold)
    micro = report.micro
    typer.echo(f"micro: precision {stat(micro.precision)}, recall {stat(micro.recall)}, F1 {stat(micro.f1)}")
    if fail_under is not None and not report.passes(fail_under):
        typer.echo(f"error: micro F1 {stat(micro.f1)} is under --fail-under {fail_under}", err=True)
        raise typer.Exit(1)


def _show(table: tuple[list[str], list[dict]], title: str) -> None:
    columns, rows = table
    rows = [{**r, "code": "  " * (int(r["level"] or 1) - 1) + str(r["code"])} for r in rows]
    print_table([c for c in columns if c not in ("label", "level")], rows, title)


def _write(writer, output: Path, report, title: str) -> None:
    written = writer(output, report)  # each file written whole or not at all
    typer.echo(f"wrote {title} to {', '.join(str(p) for p in written)}")

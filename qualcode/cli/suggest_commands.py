"""`qualcode suggest`: machine suggestions beyond the rules — learned from review, similar passages, a local LLM."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from qualcode.api import open_project
from qualcode.cli.base import ProjectOption, command, print_table, progress
from qualcode.wording import plural


class Method(str, Enum):
    """Which assisted suggester to run."""

    learned = "learned"
    similar = "similar"
    llm = "llm"


class SuggestUnit(str, Enum):
    """What a suggestion codes."""

    sentence = "sentence"
    turn = "turn"


@command(examples=(
    'qualcode suggest --method learned --cross-validate 5 --min-precision 0.8',
    'qualcode suggest --method similar --code language --top 10',
))
def suggest(
    method: Method = typer.Option(..., "--method", help="learned: a classifier per code trained on your review "
                                  "decisions; similar: passages closest to a code; llm: a chat model on this "
                                  "machine."),
    code: str | None = typer.Option(None, "--code", metavar="ID", help="Only this code (id, label or path); "
                                    "required for similar."),
    unit: SuggestUnit | None = typer.Option(None, "--unit", help="Suggest on sentences or turns (default: the "
                                            "codebook's unit; match means sentence)."),
    folds: int | None = typer.Option(None, "--cross-validate", metavar="K", help="learned: first report "
                                     "precision, recall, F1 and kappa per code on held-out documents (K folds by "
                                     "document, nested), with 95% intervals and baselines."),
    min_precision: float | None = typer.Option(None, "--min-precision", metavar="P", help="learned: per code, the "
                                               "threshold whose cross-validated precision reaches P (0-1); a code "
                                               "whose held-out precision misses P is listed, not suggested."),
    everywhere: bool = typer.Option(False, "--everywhere", help="Suggest on documents a person has coded too "
                                    "(default: only on documents nobody has coded)."),
    top: int = typer.Option(20, "--top", metavar="N", help="similar: how many passages to suggest."),
    model: str | None = typer.Option(None, "--model", metavar="NAME", help="llm: the model's name at the "
                                     "endpoint; similar: tfidf or wordllama (default: wordllama when installed)."),
    endpoint: str | None = typer.Option(None, "--endpoint", metavar="URL", help="llm: an OpenAI-compatible chat "
                                        "endpoint, e.g. http://127.0.0.1:11434/v1 (Ollama)."),
    allow_remote: bool = typer.Option(False, "--allow-remote", help="llm: allow an endpoint off this machine "
                                      "(participants' words are sent there)."),
    timeout: float = typer.Option(60.0, "--timeout", metavar="SECONDS", help="llm: how long one request may "
                                  "take before that unit counts as failed."),
    max_failures: int = typer.Option(5, "--max-failures", metavar="N", help="llm: stop asking after N units "
                                     "failed in a row (units answered are kept)."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Suggest codings beyond the rules (coder learned, similar or llm; status suggested, reviewed like any)."""
    bar, update = progress() if method is Method.llm else (None, None)
    try:
        if bar:
            bar.start()
        report = open_project(project_dir).suggest(
            method.value, code=code, unit=unit.value if unit else None, folds=folds, min_precision=min_precision,
            top=top, model=model, endpoint=endpoint, allow_remote=allow_remote, everywhere=everywhere,
            timeout=timeout, max_failures=max_failures, on_estimate=_print_estimate, on_progress=update)
    finally:
        if bar:
            bar.stop()
    if method is Method.learned:
        _print_learned(report)
    else:
        rows = [{"code": r.code, "suggestions": r.suggested} for r in report.per_code]
        if rows:
            print_table(["code", "suggestions"], rows, f"new {method.value} suggestions by code ({report.model})")
    if not report.everywhere and not report.open_documents:
        typer.echo("every document has a person's codings, and suggestions go only where nobody has coded: "
                   "add --everywhere to suggest there too")
    for where, message in report.failures:
        typer.echo(f"error: {where}: {message}", err=True)
    if report.stopped:
        left = f"; {plural(report.not_sent, 'unit')} not sent" if report.not_sent else ""
        typer.echo(f"error: stopped asking: {report.stopped}{left}", err=True)
    if report.unanswered:
        typer.echo(f"error: {plural(report.unanswered, 'unit')} of {report.units} left unanswered: their earlier "
                   "suggestions are kept; run the same command again to ask for them (answers received are "
                   "cached)", err=True)
    typer.echo(f"{method.value}: {plural(report.added, 'suggestion')} on {report.unit}s "
               f"({plural(report.replaced, 'earlier suggestion')} replaced, "
               f"{plural(report.already_decided, 'span')} already reviewed); review them with "
               f"`qualcode review --coder {method.value}" + (" --order score`" if method is not Method.llm else "`"))
    raise typer.Exit(report.return_code)


def _print_estimate(estimate) -> None:
    if estimate.seconds is None and estimate.remote and estimate.units > estimate.cached:
        typer.echo(f"warning: passages are sent to {estimate.remote}, off this machine (--allow-remote)", err=True)
    if estimate.seconds is None:
        typer.echo(f"llm: {plural(estimate.units, 'unit')} to code, {estimate.cached} already answered (cached), "
                   f"{estimate.units - estimate.cached} to send", err=True)
    elif estimate.units > estimate.cached + 1:
        seconds = estimate.seconds
        took = f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"
        typer.echo(f"llm: about {took} for the {estimate.units - estimate.cached} units to send "
                   f"({estimate.seconds_per_unit:.1f} s for the first)", err=True)


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _interval(value: tuple[float, float] | None) -> str:
    return "–" if value is None else f"{value[0]:.2f}–{value[1]:.2f}"


def _with_interval(value: float | None, interval: tuple[float, float] | None) -> str:
    return "–" if value is None else f"{value:.2f} ({_interval(interval)})"


def _print_learned(report) -> None:
    shown = [r for r in report.per_code if not r.skipped or r.heldout]
    validated = any(r.heldout for r in shown)
    columns = ["code", "positive", "negative"]
    if validated:
        columns += ["precision", "95% CI", "recall", "F1", "kappa"]
    columns += ["threshold", "suggested"]
    rows = []
    for r in shown:
        row = {"code": r.code, "positive": r.positives, "negative": r.negatives, "threshold": _number(r.threshold),
               "suggested": r.suggested}
        if r.heldout:
            s = r.heldout.scores
            row.update({"precision": _number(s.precision), "95% CI": _interval(r.heldout.precision_ci),
                        "recall": _number(s.recall), "F1": _number(s.f1), "kappa": _number(s.kappa)})
        rows.append(row)
    if rows:
        caption = (f"held out: {report.outer_folds} folds by document, nested (vocabulary, model and threshold "
                   f"chosen inside each training part), on the reviewed {report.unit}s"
                   if validated else f"trained on every reviewed {report.unit}")
        print_table(columns, rows, caption)
    if report.pooled:
        _print_pooled(report)
    skipped: dict[str, list[str]] = {}
    for r in report.per_code:
        if r.skipped:
            skipped.setdefault(r.skipped, []).append(r.code)
    for reason, codes in skipped.items():
        verb = "not suggested" if reason.startswith(("held-out", "no threshold")) else "skipped"
        typer.echo(f"{verb} {plural(len(codes), 'code')}, {reason}: {', '.join(codes)}")


def _print_pooled(report) -> None:
    names = {"learned": "learned", "rules": "rules (the codebook's keywords)", "rules + learned": "rules + learned",
             "most frequent code": "always the most frequent code"}
    rows = []
    for key, name in names.items():
        f = report.pooled[key]
        rows.append({"decided by": name, "precision": _with_interval(f.scores.precision, f.precision_ci),
                     "recall": _with_interval(f.scores.recall, f.recall_ci),
                     "F1": _with_interval(f.scores.f1, f.f1_ci), "kappa": _with_interval(f.scores.kappa, f.kappa_ci)})
    codes = sum(1 for r in report.per_code if r.heldout)
    print_table(["decided by", "precision", "recall", "F1", "kappa"], rows,
                f"pooled over {plural(codes, 'code')} on held-out documents (95% intervals: bootstrap over "
                "documents)")
    learned = report.pooled["learned"]
    p, ci = learned.scores.precision, learned.precision_ci
    if p is None:
        typer.echo("held out, the learned model suggested nothing at these thresholds")
        return
    spread = f" (95% interval {ci[0] * 100:.0f}–{ci[1] * 100:.0f})" if ci else ""
    recall = learned.scores.recall or 0
    typer.echo(f"for a reviewer: of 100 learned suggestions on documents it has not seen, about {p * 100:.0f} are "
               f"right{spread}; they find about {recall * 100:.0f} of every 100 {report.unit}s a person coded")

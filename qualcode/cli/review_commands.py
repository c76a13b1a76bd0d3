"""Commands of the human-coding work (review); see the issue on human coding."""

from __future__ import annotations

import io
from enum import Enum
from pathlib import Path

import typer

from qualcode.api import open_project
from qualcode.cli.base import ProjectOption, command, print_table
from qualcode.errors import UsageError
from qualcode.wording import plural


class Order(str, Enum):
    """The order suggestions are shown in."""

    position = "position"
    score = "score"


class Bulk(str, Enum):
    """The one decision for the rest of a rule's suggestions."""

    accept = "accept"
    reject = "reject"


@command(examples=('qualcode review --code language --reviewer minh', 'qualcode review --by-rule',
                   'qualcode review --rule participation.meetings#1 --sheet out/sample.xlsx'))
def review(
    code: str | None = typer.Option(None, "--code", metavar="ID",
                                    help="Only this code and its sub-codes (id, label or path)."),
    document: str | None = typer.Option(None, "--document", metavar="ID", help="Only this document."),
    coder: str = typer.Option("auto", "--coder", metavar="NAME", help="Whose suggestions to review."),
    reviewer: str | None = typer.Option(None, "--reviewer", metavar="NAME",
                                        help="Your name, recorded on codes you change and on a bulk decision "
                                             "(default: [project] coder in qualcode.toml)."),
    order: Order = typer.Option(Order.position, "--order",
                                help="position: document by document; score: the most likely first (the "
                                     "score of learned and similar suggestions)."),
    by_rule: bool = typer.Option(False, "--by-rule", help="List each rule with its pending, accepted and rejected "
                                 "suggestions, its open sample and its bulk decisions."),
    rule: str | None = typer.Option(None, "--rule", metavar="RULE", help="Review a random sample of this rule's "
                                    "suggestions (CODE#N: the N-th of the code's rules, as --by-rule lists them)."),
    sample: int | None = typer.Option(None, "--sample", metavar="N", help="With --rule: the sample's size (default "
                                      "10; a larger N widens the open sample)."),
    seed: int | None = typer.Option(None, "--seed", help="With --rule: the seed of a new sample (default: drawn from "
                                    "the rule and its suggestions; recorded either way)."),
    new_sample: bool = typer.Option(False, "--new-sample", help="With --rule: drop the open sample and draw another "
                                    "from the suggestions still pending."),
    sheet: Path | None = typer.Option(None, "--sheet", dir_okay=False, help="With --rule: write the sample to this "
                                      ".xlsx or .csv review sheet instead (then `codings import FILE --review`)."),
    apply: Bulk | None = typer.Option(None, "--apply", help="With --rule: once its sample is decided, accept or "
                                      "reject the rest of the rule's suggestions in one decision."),
    force: bool = typer.Option(False, "--force", help="With --apply: apply although the sample holds decisions "
                               "against it (accept although some were wrong)."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Review suggestions one by one: accept, reject, change the code, also code as, widen to the sentence or
    turn, memo, skip, undo; each decision is saved at once. Or by rule: check a random sample of a rule's
    suggestions, then accept or reject the rest of them at once."""
    project = open_project(project_dir)
    for given, name in ((sample, "--sample"), (seed, "--seed"), (new_sample, "--new-sample"), (sheet, "--sheet"),
                        (apply, "--apply"), (force, "--force")):
        if given not in (None, False) and rule is None:
            raise UsageError(f"{name} goes with --rule RULE (`qualcode review --by-rule` lists the rules)")
    if rule is not None and (code or document or order is not Order.position):
        raise UsageError("--rule reviews one rule's sample: leave out --code, --document and --order")
    if apply is not None and (sheet or new_sample or sample or seed is not None):
        raise UsageError("--apply settles the open sample: leave out --sheet, --sample, --seed and --new-sample")
    if force and apply is None:
        raise UsageError("--force goes with --apply")
    if by_rule and rule is None:
        _list_rules(project, coder)
        return
    if rule is not None:
        _review_rule(project, rule, coder, reviewer, sample, seed, new_sample, sheet, apply, force)
        return
    session = project.review(code=code, document=document, coder=coder, reviewer=reviewer, order=order.value)
    with session:
        scope = session.filters.describe(session.book)
        if not session.items:
            typer.echo(f"nothing to review: no unreviewed suggestions ({scope})")
            return
        _check_terminal()
        from qualcode.cli.review_screen import run_review

        progress = run_review(session)
        left = session.remaining()
    _said(progress)
    if left:
        typer.echo(f"{plural(left, 'suggestion')} left to review ({scope}): run the same command again to go on")
    else:
        typer.echo(f"no suggestions left to review ({scope})")


def _said(progress) -> None:
    also = f", {progress.also} also coded" if progress.also else ""
    typer.echo(f"this session: {progress.accepted} accepted, {progress.rejected} rejected, {progress.recoded} "
               f"changed, {progress.skipped} skipped{also}")


def _list_rules(project, coder: str) -> None:
    """The rules table, their bulk decisions, and a warning for each rule that codes most turns."""
    from qualcode.codings.rule_review import describe

    rules = project.rules(coder=coder)
    if not rules:
        typer.echo(f"no suggestions of coder {coder} to review by rule: run `qualcode code` first")
        return
    rows = []
    for r in rules:
        terms = ", ".join(f"{_short(t)} ({n})" for t, n in r.terms[:3]) + (", …" if len(r.terms) > 3 else "")
        opened = f"{min(r.sample.size, len(r.sample.population))} drawn" if r.sample else ""
        rows.append({"rule": r.name, "code": r.code, "pending": r.pending, "accepted": r.accepted,
                     "rejected": r.rejected, "turns": f"{r.share:.0%}", "sample": opened, "matched": terms})
    print_table(list(rows[0]), rows, f"{plural(len(rules), 'rule')} of coder {coder} · turns: share of respondent "
                f"turns it suggested a code on")
    for r in rules:
        for record in r.settled:
            by = f" by {record.reviewer}" if record.reviewer else ""
            typer.echo(f"{r.name}: {describe(record)}{by}")  # its time is in the store: outputs stay the same
    for r in (r for r in rules if r.broad):
        typer.echo(f"warning: rule {r.name} suggests {r.code} on {r.share:.0%} of respondent turns ({r.turns} of "
                   f"{r.respondent_turns}): it matches nearly everything; see `qualcode codebook explain {r.code}`",
                   err=True)
    pending = sum(r.pending for r in rules)
    if pending:
        typer.echo(f"{plural(pending, 'suggestion')} pending; check a rule by a sample: qualcode review --rule RULE")


def _short(term: str) -> str:
    """A matched term as the rules table shows it: a keyword without its quotes, a pattern as `pattern`."""
    kind, _, what = term.partition(" ")
    if kind == "pattern":
        return "pattern"
    what = what.replace('"', "")
    return what if len(what) <= 24 else what[:23] + "…"


def _review_rule(project, rule: str, coder: str, reviewer: str | None, size: int | None, seed: int | None,
                 new: bool, sheet: Path | None, apply: Bulk | None, force: bool) -> None:
    """`review --rule`: settle the rest (--apply), write the sample's sheet (--sheet), or review it here."""
    from qualcode.codings.rule_review import describe

    if apply is not None:
        record = project.settle_rule(rule, apply.value, force=force, reviewer=reviewer, coder=coder)
        typer.echo(f"rule {record.rule}: {describe(record)} (recorded as one bulk decision)")
        return
    if sheet is not None:
        state = project.write_rule_sample(rule, sheet, size=size, seed=seed, new=new, coder=coder)
        _tell_sample(state, size)
        typer.echo(f"wrote {plural(len(state.undecided), 'suggestion')} of the sample to {sheet}; decide them, then "
                   f"`qualcode codings import {sheet} --review` and `qualcode review --rule {state.rule.name} "
                   "--apply accept` (or reject)")
        return
    session, state = project.review_rule(rule, size=size, seed=seed, new=new, coder=coder, reviewer=reviewer)
    with session:
        _tell_sample(state, size)
        if session.items:
            _check_terminal()
            from qualcode.cli.review_screen import run_review

            _said(run_review(session))
        from qualcode.codings.rule_review import current, find_rule, summaries

        now = find_rule(summaries(session.store, session.book, coder), state.rule.name, coder)
        state = current(session.store, session.book, now, coder)
    _next_step(state)


def _tell_sample(state, asked: int | None) -> None:
    record = state.record
    size = min(record.size, len(record.population))
    if state.drawn_now or state.widened:
        what = "drew" if state.drawn_now else "widened to"
        typer.echo(f"rule {record.rule}: {what} a sample of {size} of its {len(record.population)} pending "
                   f"suggestions (seed {record.seed})")
    else:
        typer.echo(f"rule {record.rule}: going on with its open sample of {size} (drawn {record.drawn}, seed "
                   f"{record.seed}; --new-sample draws another)")
    if asked is not None and asked > len(record.population):
        typer.echo(f"note: rule {record.rule} has only {plural(len(record.population), 'pending suggestion')}: the "
                   "sample takes them all", err=True)
    if state.gone:
        typer.echo(f"note: {plural(state.gone, 'suggestion')} of the sample no longer exist (a re-run of "
                   "`qualcode code` replaced them)", err=True)


def _next_step(state) -> None:
    """Where a rule's sample stands once the screen closed, and the command that settles the rest."""
    name, undecided = state.record.rule, len(state.undecided)
    checked = state.right + state.wrong
    if undecided:
        typer.echo(f"sample of rule {name}: {checked} decided, {undecided} to go: run the same command again")
        return
    typer.echo(f"sample of rule {name}: {checked} checked, {state.right} right, {state.wrong} wrong")
    if state.gained:
        typer.echo(f"rule {name} has gained {plural(len(state.gained), 'suggestion')} since the sample was drawn: "
                   f"draw a new sample (`qualcode review --rule {name} --new-sample`)")
    elif state.rest:
        verdict = "accept" if state.wrong * 2 <= checked else "reject"
        typer.echo(f"to settle the other {plural(len(state.rest), 'suggestion')} at once: qualcode review --rule "
                   f"{name} --apply {verdict}")
    else:
        typer.echo(f"every pending suggestion of rule {name} was in the sample: nothing else to settle")


def _check_terminal() -> None:
    """Fail with one line when there is no input to read keys from (stdin without a file descriptor)."""
    from prompt_toolkit.application import get_app_session
    from prompt_toolkit.input import DummyInput

    try:
        keys = get_app_session().input  # created on first use
    except io.UnsupportedOperation:
        keys = DummyInput()
    if isinstance(keys, DummyInput):
        raise UsageError("qualcode review is interactive: run it in a terminal") from None

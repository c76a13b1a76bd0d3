"""Commands of the human-coding work (review); see the issue on human coding."""

from __future__ import annotations

import io
from enum import Enum
from pathlib import Path

import typer

from qualcode.api import open_project
from qualcode.cli.base import ProjectOption, command
from qualcode.errors import UsageError
from qualcode.wording import plural


class Order(str, Enum):
    """The order suggestions are shown in."""

    position = "position"
    score = "score"


@command(examples=('qualcode review', 'qualcode review --code language --reviewer minh'))
def review(
    code: str | None = typer.Option(None, "--code", metavar="ID",
                                    help="Only this code and its sub-codes (id, label or path)."),
    document: str | None = typer.Option(None, "--document", metavar="ID", help="Only this document."),
    coder: str = typer.Option("auto", "--coder", metavar="NAME", help="Whose suggestions to review."),
    reviewer: str | None = typer.Option(None, "--reviewer", metavar="NAME",
                                        help="Your name, recorded on codes you change "
                                             "(default: [project] coder in qualcode.toml)."),
    order: Order = typer.Option(Order.position, "--order",
                                help="position: document by document; score: the most likely first (the "
                                     "score of learned and similar suggestions)."),
    project_dir: Path | None = ProjectOption,
) -> None:
    """Review suggestions one by one: accept, reject, change the code, also code as, widen to the sentence or
    turn, memo, skip, undo; each decision is saved at once."""
    session = open_project(project_dir).review(code=code, document=document, coder=coder, reviewer=reviewer,
                                               order=order.value)
    with session:
        scope = session.filters.describe(session.book)
        if not session.items:
            typer.echo(f"nothing to review: no unreviewed suggestions ({scope})")
            return
        _check_terminal()
        from qualcode.cli.review_screen import run_review

        progress = run_review(session)
        left = session.remaining()
    also = f", {progress.also} also coded" if progress.also else ""
    typer.echo(f"this session: {progress.accepted} accepted, {progress.rejected} rejected, {progress.recoded} "
               f"changed, {progress.skipped} skipped{also}")
    if left:
        typer.echo(f"{plural(left, 'suggestion')} left to review ({scope}): run the same command again to go on")
    else:
        typer.echo(f"no suggestions left to review ({scope})")


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

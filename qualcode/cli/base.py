"""The app and what every command shares: options, errors, tables.

Only the cli package prints. Library errors arrive as :class:`~qualcode.errors.QualcodeError` and leave as one
line on stderr and an exit code; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import enum
import functools
import inspect
import os
import sys
import typing
from pathlib import Path

import typer
from typer.core import TyperArgument, TyperCommand

from qualcode.errors import QualcodeError, writing

app = typer.Typer(
    name="qualcode",
    help="Code qualitative interview transcripts: ingest, auto-code, review, matrices and Word appendices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

codebook_app = typer.Typer(help="Check and import codebooks.", no_args_is_help=True)
codings_app = typer.Typer(help="Export, import and inspect codings.", no_args_is_help=True)
app.add_typer(codebook_app, name="codebook")
memo_app = typer.Typer(help="Memos on documents, participants, codes and codings.", no_args_is_help=True)
app.add_typer(codings_app, name="codings")
app.add_typer(memo_app, name="memo")
GROUPS = {id(app): None, id(codebook_app): "codebook", id(codings_app): "codings", id(memo_app): "memo"}

ProjectOption = typer.Option(None, "--project", "-p", help="Project folder (default: found upward from here).",
                             file_okay=False)
JobsOption = typer.Option(1, "--jobs", "-j", min=1, help="Processes to use (each reads part of the corpus; the "
                          "store's content does not depend on it).")
_state = {"debug": bool(os.environ.get("QUALCODE_DEBUG"))}


def fail(exc: QualcodeError) -> None:
    """Leave with ``exc`` as one line on stderr — after the problems it lists, if any — and its exit code."""
    if _state["debug"]:
        raise exc
    print_problems(exc.problems)
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(exc.exit_code)


EXAMPLES: dict[str, tuple[str, ...]] = {}  # full command name -> its examples, as `--help` shows them

# What `--help` calls a value, by parameter name, so no internal type name (`<list[str]>`) reaches a user.
METAVARS = {"by": "ATTR", "summary_by": "ATTR", "attributes": "ATTRS", "attribution": "FIELDS", "codes": "CODES",
            "coder": "NAME", "coders": "NAMES", "gold": "NAME", "reviewer": "NAME", "name": "NAME",
            "status": "STATUS", "project_dir": "DIR", "codebook": "FILE", "reference_doc": "FILE.docx",
            "plot": "FILE.png", "participants": "FILE", "encoding": "NAME", "date": "DATE", "title": "TEXT",
            "document": "DOCUMENT", "code": "CODE", "code_name": "CODE", "turn": "TURN", "fail_under": "F1",
            "document_column": "COLUMN", "code_column": "COLUMN", "text_column": "COLUMN"}
BY_TYPE = {int: "N", float: "X", Path: "PATH", str: "TEXT"}


class _PlainArgument(TyperArgument):
    """An argument shown as its metavar alone (`DOCUMENT`), not `{document}` and `<str>`."""

    def display_type_rich(self, ctx):  # noqa: D102 - typer's hook for the type after the name
        return None

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name if self.nargs == 1 else f"{name}..."


class _Command(TyperCommand):
    """A command whose arguments render plainly in `--help` (see :class:`_PlainArgument`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for parameter in self.params:
            if type(parameter) is TyperArgument:
                parameter.__class__ = _PlainArgument


def _name_values(function) -> None:
    """Give every option and argument of ``function`` a plain metavar: by name, else by type."""
    from typer.models import ArgumentInfo, OptionInfo

    hints = typing.get_type_hints(function)
    for name, parameter in inspect.signature(function).parameters.items():
        info, kind = parameter.default, hints.get(name)
        if not isinstance(info, (OptionInfo, ArgumentInfo)) or info.metavar is not None or kind is bool:
            continue
        bare = next((a for a in typing.get_args(kind) if a is not type(None)), kind)
        bare = typing.get_args(bare)[0] if typing.get_origin(bare) is list else bare
        default = ("|".join(m.value for m in bare) if isinstance(bare, type) and issubclass(bare, enum.Enum)
                   else "VALUE")
        info.metavar = METAVARS.get(name) or (name.upper() if isinstance(info, ArgumentInfo)
                                              else BY_TYPE.get(bare, default))


OUTPUT_PARAMETERS = ("output", "plot")  # parameters naming a file a command writes


def _output_labels(function) -> dict[str, str]:
    """``{parameter: how the user wrote it}`` for the output parameters of ``function`` (``-o``, ``--plot``; ``""``
    for an argument)."""
    from typer.models import OptionInfo

    labels = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in OUTPUT_PARAMETERS:
            info = parameter.default
            flags = [d for d in getattr(info, "param_decls", None) or () if d.startswith("-")]
            labels[name] = flags[0] if isinstance(info, OptionInfo) and flags else ""  # an argument: the path alone
    return labels


def command(group: typer.Typer = app, name: str | None = None, *, examples: tuple[str, ...] = ()):
    """Register a command on ``group`` with the ``examples`` its ``--help`` ends with; a QualcodeError it
    raises leaves through :func:`fail`, so commands call the library without wrapping each call."""

    def register(function):
        labels = _output_labels(function)

        @functools.wraps(function)
        def run(*args, **kwargs):
            from qualcode.project.store import store_errors
            from qualcode.project.text_form import nfc

            kwargs = {k: nfc(v) for k, v in kwargs.items()}  # typed text composed, as stored text is (not paths)
            try:
                outputs = {labels[k]: Path(v) for k, v in kwargs.items() if k in labels and v}
                if outputs:  # before anything is read or written: an output never replaces an input
                    from qualcode.cli.outputs import refuse_inputs

                    inputs = [v for k, v in kwargs.items() if isinstance(v, Path) and k not in labels
                              and k != "project_dir"]
                    refuse_inputs(outputs, inputs, kwargs.get("project_dir"))
                with store_errors():
                    return function(*args, **kwargs)
            except QualcodeError as exc:
                fail(exc)

        _name_values(function)
        full = " ".join(x for x in (GROUPS.get(id(group)), name or function.__name__.replace("_", "-")) if x)
        EXAMPLES[full] = examples
        epilog = "\b\nExamples:\n" + "\n".join(f"  {e}" for e in examples) if examples else None
        return group.command(name, epilog=epilog, cls=_Command)(run)

    return register


def progress(unit: str = "words", description: str = "reading"):
    """A progress callback ``(done, total, what)`` drawing a bar with ``unit`` per second on a terminal (total
    0: unknown), and the bar to enter; ``(None, None)`` when stderr is piped (nothing is drawn)."""
    if not sys.stderr.isatty():
        return None, None
    from rich.progress import BarColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:,.0f} {unit}/s" if speed else f"… {unit}/s")

    bar = Progress(TextColumn("{task.description}"), BarColumn(),
                   TextColumn("{task.completed:,.0f} " + unit), Rate(), TimeRemainingColumn(),
                   transient=True)
    task = bar.add_task(description, total=None)

    def update(done: int, total: int, what: str) -> None:
        bar.update(task, completed=done, total=total or None, description=f"{description} {Path(what).name[:30]}")

    return bar, update


def with_progress(bar, call):
    """``call()`` inside ``bar`` when there is one (a terminal), else plainly."""
    if bar is None:
        return call()
    with bar:
        return call()


def _version(value: bool) -> None:
    if value:
        from qualcode import __version__

        typer.echo(f"qualcode {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(debug: bool = typer.Option(False, "--debug", help="Show tracebacks instead of one-line errors."),
                 version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                              help="Print qualcode's version and exit.")) -> None:
    """Code qualitative interview transcripts from the command line."""
    if debug:
        _state["debug"] = True


def print_problems(problems) -> None:
    """One ``error:`` or ``warning:`` line on stderr per problem."""
    for problem in problems:
        typer.echo(f"{problem.severity}: {problem}", err=True)


def split_names(values: list[str] | None) -> list[str]:
    """Names given repeated (`--coder a --coder b`) or comma-separated (`--coder a,b`), alike."""
    return [name.strip() for value in (values or []) for name in value.split(",") if name.strip()]


def selection_from(coder: list[str] | None, status: list[str] | None, suggestions: bool = False):
    """The coding selection the `--coder`, `--status` and `--include-suggestions` options ask for."""
    from qualcode.codings.selection import Selection

    return Selection(tuple(split_names(coder)), tuple(split_names(status)), suggestions)


CoderOption = typer.Option(None, "--coder", help="Only these coders (repeat or comma-separate).")
StatusOption = typer.Option(None, "--status", help="Only these statuses: suggested, accepted, rejected.")
WhereOption = typer.Option(None, "--where", metavar="EXPR", help="Only participants whose attributes satisfy "
                           "EXPR, e.g. \"gender = female and disability != none\" (=, !=, in (a, b), and, or, "
                           "not).")
SuggestionsOption = typer.Option(False, "--include-suggestions", help="Also count unreviewed machine suggestions; "
                                 "the output is marked as a draft.")


def warn_if_draft(draft: bool) -> None:
    """Tell the user on stderr that what was written includes unreviewed suggestions."""
    if draft:
        typer.echo("warning: unreviewed machine suggestions are included; the output is marked as a draft",
                   err=True)


def note_left_out(codebook: str, left_out: dict[str, int]) -> None:
    """Tell the user on stderr which codebook a report used and how many codings of other codebooks it left
    out, with how to switch (when there are any)."""
    from qualcode.codings.selection import other_codebooks_note

    if left_out:
        typer.echo(f"note: {other_codebooks_note(codebook, left_out)}; to report on another codebook, make it "
                   "the active one: `qualcode config codebook FILE`", err=True)


def write_table_or_exit(path: Path, columns: list[str], rows: list[dict], title: str, notes: list[str] = ()) -> None:
    """Write a table file by suffix (see :func:`qualcode.output.write_table`)."""
    from qualcode.report.tables import write_table

    with writing(path) as temp:
        write_table(temp, columns, rows, title=title, notes=notes)


def print_table(columns: list[str], rows: list[dict], caption: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(caption=caption, show_lines=False)
    for column in columns:
        numeric = bool(rows) and isinstance(rows[0].get(column), (int, float))  # counts and percentages
        table.add_column(column, justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(str(row.get(c, "")) for c in columns))
    Console(width=None if sys.stdout.isatty() else 160).print(table)


def main() -> None:
    """Entry point of the ``qualcode`` console script."""
    app()

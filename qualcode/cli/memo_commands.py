"""Commands about memos: `qualcode memo add|list|show|edit`."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.api import open_project
from qualcode.cli.base import ProjectOption, command, memo_app, print_table
from qualcode.errors import UsageError
from qualcode.wording import plural

DocumentOption = typer.Option(None, "--document", metavar="DOCUMENT", help="A memo on this document.")
ParticipantOption = typer.Option(None, "--participant", metavar="ID", help="A memo on this participant.")
CodeOption = typer.Option(None, "--code", metavar="CODE", help="A memo on this code (id, label or path).")
CodingOption = typer.Option(None, "--coding", metavar="ID", help="A memo on this coding (its id in `qualcode "
                            "codings export`).")
IdOption = typer.Option(None, "--id", metavar="N", help="The memo's number (see `qualcode memo list`).")
TextOption = typer.Option(None, "--text", help="The memo's text (default: write it in $EDITOR).")


def _written(text: str | None, current: str = "") -> str:
    """``text``, or what the user writes in $VISUAL or $EDITOR (else vi, or Notepad on Windows), starting from
    ``current``. Raises UsageError when the editor cannot be started or fails."""
    if text is not None:
        return text
    import os
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or ("notepad" if os.name == "nt" else "vi")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "memo.txt"
        try:
            path.write_text(current, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write the memo for the editor ({exc.strerror or exc}): give it with --text") \
                from None
        try:
            done = subprocess.run([*shlex.split(editor), str(path)], check=False)
        except (FileNotFoundError, PermissionError):
            raise UsageError(f"cannot start the editor {editor!r}: set $EDITOR, or give the memo with --text") from None
        if done.returncode != 0:
            raise UsageError(f"the editor {editor!r} exited with an error: nothing stored")
        return path.read_text(encoding="utf-8")


def _heading(memo) -> str:
    edited = f", edited {memo.updated}" if memo.updated else ""
    return f"memo {memo.id} on {memo.kind} {memo.target} — {memo.author}, {memo.created}{edited}"


@command(memo_app, "add", examples=(
    'qualcode memo add --document IDI-03 --text "Officials spoke freely after the recorder was off."',
    'qualcode memo add --code language --text "Merge with literacy?" --author minh',
))
def memo_add(document: str | None = DocumentOption, participant: str | None = ParticipantOption,
             code: str | None = CodeOption, coding: int | None = CodingOption, text: str | None = TextOption,
             author: str | None = typer.Option(None, "--author", metavar="NAME", help="Who writes it (default: "
                                               "[project] coder in qualcode.toml, else your user name)."),
             project_dir: Path | None = ProjectOption) -> None:
    """Write a memo on a document, participant, code or coding, with its author and the time."""
    project = open_project(project_dir)
    memo = project.add_memo(_written(text), document=document, participant=participant, code=code, coding=coding,
                            author=author)
    typer.echo(f"added {_heading(memo)}")


@command(memo_app, "list", examples=('qualcode memo list', 'qualcode memo list --document IDI-03'))
def memo_list(document: str | None = DocumentOption, participant: str | None = ParticipantOption,
              code: str | None = CodeOption, coding: int | None = CodingOption,
              project_dir: Path | None = ProjectOption) -> None:
    """List memos (all, or those on one document — with its codings' —, participant, code or coding)."""
    memos = open_project(project_dir).memos(document=document, participant=participant, code=code, coding=coding)
    rows = [{"id": m.id, "on": m.kind, "target": m.target, "author": m.author, "written": m.created,
             "text": (lambda t: t if len(t) <= 60 else t[:59] + "…")(" ".join(m.text.split()))} for m in memos]
    print_table(["id", "on", "target", "author", "written", "text"], rows, plural(len(rows), "memo"))


@command(memo_app, "show", examples=('qualcode memo show --document IDI-03', 'qualcode memo show --id 1'))
def memo_show(memo_id: int | None = IdOption, document: str | None = DocumentOption,
              participant: str | None = ParticipantOption, code: str | None = CodeOption,
              coding: int | None = CodingOption, project_dir: Path | None = ProjectOption) -> None:
    """Print memos in full: one by --id, or every memo on a target."""
    project = open_project(project_dir)
    if memo_id is not None:
        memos = [project.memo(memo_id)]
    else:
        memos = project.memos(document=document, participant=participant, code=code, coding=coding)
    for i, memo in enumerate(memos):
        typer.echo(("\n" if i else "") + _heading(memo))
        typer.echo(memo.text)
    if not memos:
        typer.echo("no memos", err=True)


@command(memo_app, "edit", examples=('qualcode memo edit --id 1 --text "Officials spoke freely off the record."',))
def memo_edit(memo_id: int | None = IdOption, document: str | None = DocumentOption,
              participant: str | None = ParticipantOption, code: str | None = CodeOption,
              coding: int | None = CodingOption, text: str | None = TextOption,
              project_dir: Path | None = ProjectOption) -> None:
    """Change a memo's text: by --id, or the only memo on a target ($EDITOR without --text)."""
    project = open_project(project_dir)
    memo = project.memo(memo_id, document=document, participant=participant, code=code, coding=coding)
    edited = project.edit_memo(memo.id, _written(text, memo.text))
    typer.echo(f"edited {_heading(edited)}")

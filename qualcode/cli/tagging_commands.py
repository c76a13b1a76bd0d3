"""Commands of manual coding: `qualcode tag` and `qualcode untag`."""

from __future__ import annotations

from pathlib import Path

import typer

from qualcode.api import open_project
from qualcode.cli.base import ProjectOption, command

DocumentArg = typer.Argument(..., help="Document id (as `qualcode documents` lists it).")
TurnArg = typer.Argument(..., help="Turn number in the document (1-based, interviewer turns included).", min=1)
CodeArg = typer.Argument(..., help="Code id, label or path, e.g. \"Language barriers > Literacy\".")
TagCoderOption = typer.Option(None, "--coder", help="Whose coding this is (default: [project] coder in "
                              "qualcode.toml).")
TagCodebookOption = typer.Option(None, "--codebook", help="Resolve the code against this codebook.", dir_okay=False)
TextOption = typer.Option(None, "--text", help="Code only these words of the turn (found despite spacing and "
                          "punctuation; must occur once in the turn).")
SentenceOption = typer.Option(None, "--sentence", help="Code only the turn's Nth sentence (1-based).", min=1)
CharsOption = typer.Option(None, "--chars", metavar="A-B", help="Code only characters A to B of the turn's "
                           "speech: counted from 0 at the first character after the speaker label, end exclusive.")


@command(examples=(
    'qualcode tag IDI-03 2 language --coder minh',
    'qualcode tag IDI-03 4 "Access to public services > Health care" --coder minh --sentence 1',
    'qualcode tag IDI-03 2 language --coder minh --chars 0-20',
))
def tag(document: str = DocumentArg, turn: int = TurnArg, code: str = CodeArg, coder: str | None = TagCoderOption,
        text: str | None = TextOption, sentence: int | None = SentenceOption, chars: str | None = CharsOption,
        codebook: Path | None = TagCodebookOption, project_dir: Path | None = ProjectOption) -> None:
    """Code the speech of one turn by hand (an accepted coding of the named coder), or a part of it with
    --text, --sentence or --chars."""
    result = open_project(project_dir).tag(document, turn, code, coder=coder, codebook=codebook, text=text,
                                           sentence=sentence, chars=chars)
    if result.interviewer:
        typer.echo(f"note: turn {turn} is an interviewer's; reports leave codings on interviewer turns out",
                   err=True)
    what = "tagged" if result.created else "already tagged"
    preview = " ".join(result.text.split())
    preview = preview if len(preview) <= 70 else preview[:69] + "…"
    typer.echo(f"{what} {result.document} turn {turn} {result.code} ({result.coder}): {preview}")


@command(examples=(
    'qualcode untag IDI-03 2 language --coder minh --chars 0-20',
    'qualcode untag IDI-03 4 service_access.health --coder minh',
))
def untag(document: str = DocumentArg, turn: int = TurnArg, code: str = CodeArg, coder: str | None = TagCoderOption,
          text: str | None = TextOption, sentence: int | None = SentenceOption, chars: str | None = CharsOption,
          codebook: Path | None = TagCodebookOption, project_dir: Path | None = ProjectOption) -> None:
    """Remove a coder's codings of one code on one turn (all that start in it), or, with --text, --sentence or
    --chars, the one on that part of the turn."""
    result = open_project(project_dir).untag(document, turn, code, coder=coder, codebook=codebook, text=text,
                                             sentence=sentence, chars=chars)
    plural = "coding" if result.removed == 1 else "codings"
    typer.echo(f"removed {result.removed} {plural} of {result.code} by {result.coder} from {result.document} "
               f"turn {turn}")

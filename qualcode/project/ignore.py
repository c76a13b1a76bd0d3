"""Which files of a transcripts folder a scan leaves alone: `.qualcodeignore`, in gitignore syntax.

Without the file the defaults apply (``README*``, ``SOURCES*``, ``LICENSE*``, ``CHANGELOG*``); `qualcode init`
writes them into one, so a project can add its own notes and drafts. Patterns match paths relative to the
folder, ignoring case (as git does on Windows and macOS, where most researchers' transcripts live).
"""

from __future__ import annotations

from pathlib import Path

from qualcode.errors import InputFileError

IGNORE_NAME = ".qualcodeignore"
DEFAULT_PATTERNS = ("README*", "SOURCES*", "LICENSE*", "CHANGELOG*")
IGNORE_FILE = """\
# Files in this folder that `qualcode ingest` leaves alone (gitignore syntax; case is ignored).
# Without this file, these four defaults apply.
README*
SOURCES*
LICENSE*
CHANGELOG*
# notes/
# *-draft.docx
"""


class IgnoreRules:
    """The patterns of one folder's ``.qualcodeignore`` (or the defaults), ready to test relative paths."""

    def __init__(self, lines: list[str]) -> None:
        import pathspec

        self.spec = pathspec.GitIgnoreSpec.from_lines(line.casefold() for line in lines)

    def ignores(self, relative: Path) -> bool:
        """Whether the path (relative to the folder) is ignored."""
        return self.spec.match_file(relative.as_posix().casefold())


def ignore_rules(folder: Path) -> IgnoreRules:
    """The rules of ``folder``'s ``.qualcodeignore``, or the defaults when it has none. Raises InputFileError
    for a file that cannot be read."""
    path = folder / IGNORE_NAME
    if not path.is_file():
        return IgnoreRules(list(DEFAULT_PATTERNS))
    try:
        return IgnoreRules(path.read_text(encoding="utf-8-sig").splitlines())
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read: {exc}", where=str(path)) from None

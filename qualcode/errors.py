"""Errors raised by qualcode's library code.

The library never prints or exits: it raises a :class:`QualcodeError` subclass that says where the
problem is and what to do. Only :mod:`qualcode.cli` turns them into one line on stderr and an exit code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class QualcodeError(Exception):
    """Base class of every error qualcode reports to a user (exit code 1 unless said otherwise)."""

    exit_code = 1
    problems: tuple = ()  # every problem found, when the error sums up several (a codebook's)

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class UsageError(QualcodeError):
    """The command was called wrongly (exit code 2)."""

    exit_code = 2


class ProjectError(QualcodeError):
    """The project or its store cannot be used (missing store, newer schema, bad qualcode.toml)."""


class InputFileError(QualcodeError):
    """A transcript, participants file or other input file cannot be read."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input, with the place it was found (``file:line`` or ``file``)."""

    where: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@contextmanager
def writing(path: Path) -> Iterator[Path]:
    """Write ``path`` whole or not at all: yields a temporary file beside it (hidden, same suffix, so writers
    that go by the suffix still do) to write to, which replaces ``path`` only when the block ends without error.
    A full disk, a killed process or a writer's error never leaves a partial output, and a file already at
    ``path`` stays as it was. Missing parent folders are created. An OSError, or a writer's own I/O error
    (lxml's ``IO_ENOSPC``), becomes the one-line `cannot write` error naming the file."""
    path = Path(path)
    temp = path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield temp
        os.replace(temp, path)
    except BaseException as exc:
        try:
            temp.unlink(missing_ok=True)
        except OSError:
            pass
        if isinstance(exc, QualcodeError):  # a writer's own error names the file the user gave, not the temporary one
            for name, shown in ((str(temp), str(path)), (temp.name, path.name)):
                exc.message = exc.message.replace(name, shown)
                exc.where = exc.where.replace(name, shown) if exc.where else exc.where
        reason = _io_failure(exc)
        if reason is None:
            raise
        raise QualcodeError(f"cannot write: {reason}", where=str(path)) from None


_LXML_IO = {"IO_ENOSPC": "No space left on device", "IO_EFBIG": "File too large", "IO_EIO": "Input/output error"}


def _io_failure(exc: BaseException) -> str | None:
    """Why writing failed, when ``exc`` is an I/O failure (an OSError, or lxml's serialisation error for one)."""
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    if type(exc).__module__.startswith("lxml") and str(exc).startswith("IO_"):
        return _LXML_IO.get(str(exc), str(exc))
    return None

"""Errors raised by qualcode's library code.

The library never prints or exits: it raises a :class:`QualcodeError` subclass that says where the
problem is and what to do. Only :mod:`qualcode.cli` turns them into one line on stderr and an exit code.
"""

from __future__ import annotations

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
def writing(path: Path) -> Iterator[None]:
    """Create ``path``'s missing parent folders, then turn an OSError while writing it into the one-line
    `cannot write` error naming the file (and remove what was half written)."""
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        yield
    except OSError as exc:
        try:  # a half-written file (a full disk) must not pass for an output
            Path(path).unlink(missing_ok=True)
        except OSError:
            pass
        raise QualcodeError(f"cannot write: {exc.strerror or exc}", where=str(path)) from None

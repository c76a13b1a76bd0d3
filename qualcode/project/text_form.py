"""One Unicode form for everything typed: values reach qualcode composed (NFC), as its stored text is.

`Tày` can be typed as four code points or five (``a`` + a combining grave): they look alike and compare unequal.
Transcripts, participants files, codebooks and settings are read as NFC; what a user types — `--where`,
`--attribution`, code ids, labels and paths, coder names, memos — is made NFC by :func:`nfc` where it enters:
every command's options (the CLI's ``command`` wrapper), every public method of :class:`qualcode.api.Project`
and the review session's (:func:`nfc_arguments`), so no command compares a decomposed value with a composed
one. File paths are left as they are: a file system may store a name decomposed.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def nfc(value: T) -> T:
    """``value`` with every text in it NFC: a string, or the strings of a list, tuple, set or dict (one level
    deep); anything else (paths, numbers, a choice's enum member) as it is."""
    if type(value) is str:  # not a str Enum member: the command compares it with its enum
        return unicodedata.normalize("NFC", value)  # type: ignore[return-value]
    if type(value) in (list, tuple, set, frozenset):
        return type(value)(unicodedata.normalize("NFC", v) if type(v) is str else v for v in value)
    if type(value) is dict:
        return {nfc(k): nfc(v) for k, v in value.items()}  # type: ignore[return-value]
    return value


def nfc_arguments(function: Callable) -> Callable:
    """``function`` called with its text arguments NFC (see :func:`nfc`)."""

    @functools.wraps(function)
    def call(*args, **kwargs):
        return function(*(nfc(a) for a in args), **{k: nfc(v) for k, v in kwargs.items()})

    return call

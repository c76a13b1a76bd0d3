"""Checking a zip package (``.docx``, ``.xlsx``) before any of it is read: member count, sizes and ratios.

A few kilobytes of zip can inflate to gigabytes (a "zip bomb"). The sizes a zip declares are read from its
directory without inflating anything, and Python's zip reader never inflates a member past its declared size,
so checking them first bounds the memory and time any later reader can spend.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from qualcode.errors import InputFileError

MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 200 * 2**20  # one member inflated
MAX_TOTAL_BYTES = 500 * 2**20  # all members inflated
MAX_RATIO = 200  # inflated / compressed, for members inflating past 1 MB (Word's XML compresses about 10:1)
_RATIO_FLOOR = 2**20


def check_zip(source: bytes | Path, where: str, what: str) -> None:
    """Raise InputFileError (naming ``what``, e.g. "Word .docx file") unless ``source`` is a zip whose members
    are few enough, small enough inflated and not inflating suspiciously much."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        article = "an" if what[:1] in "AEIOU" else "a"
        raise InputFileError(f"not {article} {what} (not a valid zip package)", where=where) from None
    if len(members) > MAX_MEMBERS:
        raise InputFileError(f"refused: the {what} holds {len(members):,} parts (at most {MAX_MEMBERS:,})",
                             where=where)
    total = 0
    for member in members:
        size = member.file_size
        total += size
        ratio = size / max(member.compress_size, 1)
        if size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES or (size > _RATIO_FLOOR and ratio > MAX_RATIO):
            raise InputFileError(f"refused: the {what} would inflate to over {_mb(max(size, total))} "
                                 f"({member.filename!r} is {_mb(size)}, {ratio:,.0f} times its packed size); "
                                 "a damaged file or a zip bomb", where=where)


def _mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB"

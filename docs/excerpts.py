"""The excerpt language of docs/examples.py: `keep=1..8,-2..-1,/REGEX/..+1` and `match=REGEX` choose the
output lines a page shows, and `…` marks every cut."""

from __future__ import annotations

import re


class ExcerptError(ValueError):
    """A `keep=` or `match=` that cannot be read, or that keeps nothing."""


ENDPOINT = r"([+-]?\d+|/(?:[^/\\]|\\.)*/(?:[+-]\d+)?)"
RANGE = re.compile(rf"{ENDPOINT}(?:\.\.{ENDPOINT})?(?:,|$)")


def _line(lines: list[str], endpoint: str) -> int:
    """The 0-based index an endpoint names: 3 (third line), -1 (last), /regex/ or /regex/+2 (first match, on)."""
    if not endpoint.startswith("/"):
        number = int(endpoint)
        return number - 1 if number > 0 else len(lines) + number
    pattern, _, offset = endpoint[1:].rpartition("/")
    found = next((n for n, line in enumerate(lines) if re.search(pattern, line)), None)
    if found is None:
        raise ExcerptError(f"no output line matches /{pattern}/")
    return found + int(offset or 0)


def keep(lines: list[str], ranges: str | None, pattern: str | None) -> list[str]:
    """Only the output lines named by ``ranges`` (``1..8,/^Total/..-1``) or matching ``pattern``, with ``…``
    where lines were cut."""
    chosen: set[int] = set()
    at = 0
    while ranges and at < len(ranges):
        found = RANGE.match(ranges, at)
        if not found:
            raise ExcerptError(f"keep={ranges!r}: write ranges as 1..8,-2..-1,/regex/..+3")
        first = _line(lines, found[1])
        last = (first + int(found[2]) if found[2] and found[2][0] == "+"  # ..+2: two lines after the start
                else _line(lines, found[2]) if found[2] else first)
        chosen.update(range(max(first, 0), min(last, len(lines) - 1) + 1))
        at = found.end()
    if pattern:
        chosen.update(n for n, line in enumerate(lines) if re.search(pattern, line))
    if not chosen:
        raise ExcerptError(f"keep={ranges!r} match={pattern!r} keep none of the {len(lines)} output lines")
    shown, previous = [], -1
    for n in sorted(chosen):
        if n != previous + 1:
            shown.append("…")
        shown.append(lines[n])
        previous = n
    return shown + (["…"] if previous < len(lines) - 1 else [])

"""How qualcode words what it tells a user: counts with the right plural, and names it did not know."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun`` in the right number: ``1 suggestion``, ``3 suggestions``, ``2 replies``."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def find_name(name: str, known: Iterable[str]) -> str | None:
    """The one of ``known`` that ``name`` means: itself, else the only one equal to it ignoring case."""
    known = list(known)
    if name in known:
        return name
    folded = [k for k in known if k.casefold() == name.strip().casefold()]
    return folded[0] if len(folded) == 1 else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``known`` (ignoring case), or an empty string."""
    by_folded = {k.casefold(): k for k in known}
    close = difflib.get_close_matches(name.strip().casefold(), list(by_folded), n=1, cutoff=0.6)
    return f" (did you mean {by_folded[close[0]]!r}?)" if close else ""


def resolve_names(names: Iterable[str], known: Sequence[str], what: str = "attribute") -> list[str]:
    """The names of ``known`` that ``names`` mean, matched ignoring case (``Gender`` is ``gender``). Raises
    UsageError naming the first unknown one, the closest known name and every known one."""
    from qualcode.errors import UsageError

    found = []
    for name in names:
        match = find_name(name, known)
        if match is None:
            raise UsageError(f"unknown {what} {name!r}{did_you_mean(name, known)}; available: "
                             f"{', '.join(known) or '(none)'}")
        found.append(match)
    return found

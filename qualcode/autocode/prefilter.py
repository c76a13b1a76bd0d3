"""An exact, cheap pre-check for regex rules: literal strings that every match must contain.

Codebook patterns are mostly alternations of words under IGNORECASE, which Python's ``re`` scans slowly.
If every match of a pattern must contain one of a few literal strings, a sentence without any of them
cannot match, and plain substring search (fast, in C) finds the few sentences worth running the regex on.
The analysis walks the parsed pattern; whatever it does not understand yields "no requirement", so the
pre-check can only skip sentences the pattern cannot match.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import product

try:  # Python 3.11+
    from re import _constants as C
    from re import _parser as parser
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as parser  # type: ignore[no-redef]

MAX_STRINGS = 64
ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}
# Characters that IGNORECASE lets match ASCII letters; mapped before lowercasing text for the pre-check.
_SPECIALS = re.compile("[\u0130\u0131\u017f\u212a]")
_CASE_SPECIALS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def fold_for_search(text: str) -> str:
    """``text`` lowercased the way the pre-check compares (same length as ``text``, or not usable)."""
    if _SPECIALS.search(text) is None:  # the usual case: str.translate is slow on non-Latin-1 text
        return text.lower()
    return text.translate(_CASE_SPECIALS).lower()


def _exact(item) -> set[str] | None:
    """The strings one parsed item can match when it is a small finite set of literals, else None."""
    op, av = item
    if op == C.LITERAL:
        return {chr(av).lower()}
    if op == C.IN and all(o == C.LITERAL for o, _ in av):
        return {chr(v).lower() for _, v in av}
    if op == C.SUBPATTERN:
        return _exact_seq(av[-1])
    if op == C.BRANCH:
        out: set[str] = set()
        for branch in av[1]:
            strings = _exact_seq(branch)
            if strings is None:
                return None
            out |= strings
        return out if len(out) <= MAX_STRINGS else None
    return None


def _exact_seq(seq) -> set[str] | None:
    strings = {""}
    for item in seq:
        if item[0] in ZERO_WIDTH:
            continue
        one = _exact(item)
        if one is None or len(strings) * len(one) > MAX_STRINGS:
            return None
        strings = {a + b for a, b in product(strings, one)}
    return strings


def _score(strings: set[str]) -> tuple[int, int]:
    return (min(len(s) for s in strings), -len(strings))


def _required(seq) -> set[str] | None:
    """Strings of which every match of ``seq`` contains at least one, or None."""
    candidates: list[set[str]] = []
    run: set[str] = {""}
    for item in list(seq) + [(None, None)]:
        op, av = item
        if op in ZERO_WIDTH:
            continue
        one = _exact(item) if op is not None else None
        if one is not None and len(run) * len(one) <= MAX_STRINGS:
            run = {a + b for a, b in product(run, one)}
            continue
        if run != {""}:
            candidates.append(run)
        run = {""} if one is None else set(one)
        if op == C.SUBPATTERN:
            inner = _required(av[-1])
        elif op == C.BRANCH:
            parts = [_required(branch) for branch in av[1]]
            inner = set().union(*parts) if all(parts) and len(set().union(*parts)) <= MAX_STRINGS else None
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) and av[0] >= 1:
            inner = _required(av[2])
        else:
            inner = None
        if inner:
            candidates.append(inner)
    candidates = [c for c in candidates if c and "" not in c]
    return max(candidates, key=_score) if candidates else None


@cache
def required_literals(pattern: str) -> frozenset[str] | None:
    """Lowercased strings one of which every case-insensitive match of ``pattern`` contains, or None."""
    try:
        parsed = parser.parse(pattern, re.I)
    except re.error:
        return None
    try:
        found = _required(list(parsed))
    except (TypeError, ValueError, IndexError):  # an unfamiliar parse tree: no pre-check
        return None
    return frozenset(found) if found else None

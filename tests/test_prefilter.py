"""The literal pre-check for patterns never skips a text the pattern matches."""

from __future__ import annotations

import random
import re

import pytest
from conftest import REPO

from qualcode.autocode.prefilter import fold_for_search, required_literals
from qualcode.codebook.load import load_codebook


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\b(?:speak|spoke)\s+\w+", {"speak", "spoke"}),
        (r"ab[cd]", {"abc", "abd"}),
        (r"\bcan(?:not|'t) (?:read|write)\b", {"cannot read", "cannot write", "can't read", "can't write"}),
        (r"^Nobody", {"nobody"}),
        (r"colou?r", {"colo"}),
        (r"(?:a|b)+c", {"c"}),
        (r"x|\w+", None),
        (r"[^a]bc", {"bc"}),
        (r"\d+", None),
    ],
)
def test_required_literals(pattern: str, literals: set[str] | None) -> None:
    """Every match must contain one of the literals (lowercased); None when no literal is required."""
    found = required_literals(pattern)
    assert (set(found) if found is not None else None) == literals


def _lines() -> list[str]:
    lines = []
    for path in sorted((REPO / "transcripts").iterdir()):
        if path.suffix in (".txt", ".md", ".vtt", ".srt") and path.name != "README.md":
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                continue
            lines += [line for line in text.splitlines() if line.strip()]
    return lines


def test_precheck_is_exact_on_the_study_codebook_and_corpus() -> None:
    """For every pattern of barriers.yaml and every transcript line: a match implies a literal is there."""
    book = load_codebook(REPO / "codebooks" / "barriers.yaml").codebook
    patterns = [r.pattern for c in book.codes for r in c.rules if r.kind == "pattern"]
    assert patterns
    lines = _lines()
    checked = 0
    for pattern in patterns:
        literals = required_literals(pattern)
        if literals is None:
            continue
        regex = re.compile(pattern, re.I)
        for line in lines:
            if regex.search(line):
                checked += 1
                folded = fold_for_search(line)
                assert any(lit in folded for lit in literals), (pattern, line)
    assert checked > 50


def test_precheck_is_exact_on_random_texts() -> None:
    """Random texts built from the patterns' own pieces: no match is ever missed by the pre-check."""
    rng = random.Random(7)
    pieces = ["speak", "SPOKE", "Kinh", " ", "can", "not", "'t", "read", "colour", "color", "İ", "ſ", "K", "x", ".",
              "nobody", "Nobody", "\n", "abc", "abd", "cannot", "write"]
    patterns = [r"\b(?:speak|spoke)\s+kinh", r"\bcan(?:not|'t) (?:read|write)\b", r"colou?r", r"^nobody",
                r"a[bc]d|xs", r"(?<!x)cannot\b", r"sk|ik"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        for pattern in patterns:
            literals = required_literals(pattern)
            if literals and re.search(pattern, text, re.I):
                assert any(lit in fold_for_search(text) for lit in literals), (pattern, text)

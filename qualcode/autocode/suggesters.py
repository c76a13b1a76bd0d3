"""What the assisted suggesters (learned, similar, llm) share: the passages they score, the suggestions they
make, and how those are stored.

A suggester turns units (respondent sentences or turns) into :class:`Suggestion` values; it never touches
the store. :func:`store_suggestions` stores them like `qualcode code` stores the rules' suggestions: status
``suggested``, the earlier unreviewed suggestions of that coder replaced, decided spans never suggested again,
human codings never touched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.codebook.load import Codebook
from qualcode.project.store import Store

RULE_CODER = "auto"
MACHINE_CODERS = (RULE_CODER, "learned", "similar", "llm")  # every other coder is a person (or another tool)
SCORE = re.compile(r"\b[ps]=(\d+(?:\.\d+)?)")  # the score a suggester writes in the rule column


@dataclass(frozen=True)
class Suggestion:
    """A proposed coding of a passage with ``code``; ``note`` goes in the rule column (``learned p=0.83``)."""

    document: str
    start: int
    end: int
    code: str
    note: str
    score: float | None = None


@dataclass(frozen=True)
class Stored:
    """What storing one suggester's suggestions did."""

    added: int
    replaced: int
    already_decided: int


def score_of(rule: str) -> float | None:
    """The score written in a suggestion's rule column (``learned p=0.83`` → 0.83), or None."""
    found = SCORE.search(rule or "")
    return float(found.group(1)) if found else None


def store_suggestions(store: Store, book: Codebook, coder: str, suggestions: Sequence[Suggestion],
                      texts: dict[str, str], codes: Sequence[str] | None = None, *, replace: bool = True,
                      answered: Sequence[tuple[str, int, int]] | None = None) -> Stored:
    """Store ``suggestions`` as ``coder``'s, status suggested, inside the caller's transaction.

    With ``replace``, ``coder``'s earlier unreviewed suggestions of ``codes`` (all codes when None) made with this
    codebook go first — all of them, or, when ``answered`` is given, only those inside those ``(document, start,
    end)`` spans: a suggester that may fail on some passages (llm) replaces only what it answered anew. A span
    ``coder`` already had accepted or rejected with that code is not suggested again.
    """
    if not replace:
        replaced = 0
    elif answered is None:
        replaced = store.delete_suggestions(book.name, coder=coder, codes=codes)
    else:
        replaced = store.delete_suggestions_within(book.name, answered, coder=coder, codes=codes)
    decided = store.auto_decisions(book.name, coder=coder)
    fresh = [s for s in suggestions if (s.document, s.start, s.end, s.code) not in decided]
    store.add_suggestions([(s.document, s.start, s.end, s.code, s.note, texts[s.document][s.start:s.end])
                           for s in fresh], (book.name, book.version, book.content_hash), coder=coder, origin=coder)
    return Stored(len(fresh), replaced, len(suggestions) - len(fresh))

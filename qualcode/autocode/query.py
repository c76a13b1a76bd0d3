"""A search query as a one-rule code, matched exactly as a codebook's keywords and patterns are.

`qualcode search QUERY` compiles its query into a :class:`~qualcode.codebook.load.Code` with a single rule —
``keywords: [QUERY]`` or ``pattern: QUERY`` — and runs the :class:`~qualcode.autocode.coder.Coder` on it with
unit ``match``, so a search finds what a rule with the same words would code: lemmas, ``*`` wildcards,
``fuzzy``, diacritic folding and case-insensitive patterns behave identically.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from qualcode.autocode.coder import Coder
from qualcode.autocode.lemmas import fold
from qualcode.codebook.load import Code, Codebook, Rule
from qualcode.errors import UsageError

QUERY_CODE = "query"


@dataclass(frozen=True)
class Query:
    """What to search for and how words compare.

    ``accents`` is ``ignore``, ``keep`` or None: ignored when the query is written without diacritics (so
    ``ngon ngu`` finds ``ngôn ngữ``), kept otherwise. ``speakers`` are roles or labels (empty: every turn).
    """

    text: str
    pattern: bool = False
    exact: bool = False
    fuzzy: int | None = None
    accents: str | None = None
    language: str = "en"
    speakers: tuple[str, ...] = ()

    @property
    def accents_ignore(self) -> bool:
        """Whether diacritics are ignored in this search."""
        if self.accents is None:
            return fold(self.text) == self.text
        return self.accents == "ignore"

    def codebook(self) -> Codebook:
        """The query as a codebook of one code with one rule. Raises UsageError for an empty query, a
        misplaced ``*``, a pattern that does not compile or a fuzzy threshold outside 0–100."""
        text = self.text.strip()
        if not text:
            raise UsageError("the query is empty")
        if self.accents not in (None, "ignore", "keep"):
            raise UsageError(f"unknown --accents {self.accents!r}; use ignore or keep")
        if self.fuzzy is not None and not 0 <= self.fuzzy <= 100:
            raise UsageError(f"--fuzzy {self.fuzzy} is outside 0–100")
        if self.pattern:
            try:
                re.compile(text, re.I)
            except re.error as exc:
                raise UsageError(f"the pattern {text!r} does not compile: {exc}") from None
            rule = Rule("pattern", "query", pattern=text)
        else:
            body = text[:-1] if text.endswith("*") else text
            if "*" in body:
                raise UsageError(f"misplaced '*' in {text!r}: a wildcard may only end the query (`illitera*`)")
            if text.endswith("*") and len(body.strip()) < 2:
                raise UsageError(f"the wildcard {text!r} needs at least two letters before '*'")
            rule = Rule("keywords", "query", keywords=(text,))
        code = Code(QUERY_CODE, text, "query", rules=(rule,), fuzzy=self.fuzzy,
                    accents_ignore=self.accents_ignore, speakers=self.speakers)
        return Codebook("search", "", self.language, "match", (code,))


@dataclass(frozen=True)
class Match:
    """One place the query matches: the document, its character span and the turn's index in the document."""

    document: str
    start: int
    end: int
    turn: int  # index into the document's turns (not the turn number)


def find_matches(coder: Coder, query: Query) -> list[Match]:
    """Every place ``query`` matches in the coder's documents, in document order. Keyword matches never
    cross a sentence; patterns are searched sentence by sentence, as codebook patterns are."""
    book = query.codebook()
    found = coder.apply(book, unit="match", ignore_speakers=not query.speakers, lemmas=not query.exact)
    starts = {d.id: [t.start for t in d.turns] for d in coder.docs}
    return [Match(s.document, s.start, s.end, max(0, bisect.bisect_right(starts[s.document], s.start) - 1))
            for s in found]

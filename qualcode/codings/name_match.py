"""Finding a key's names in a text as a reader recognises them, for `pseudonymise` (which replaces them) and
`leaks` (which looks for them in a written file). One set of rules for both, so what one replaces the other
no longer finds:

- **Whole words.** A term starts and ends where no letter or digit touches it: spaces, punctuation, ``_`` and
  ``-`` separate words, so ``Lành-FGD`` and ``Nguyen_Thi_Lanh`` hold a name and ``Lan`` is not in ``Land`` or
  ``Lành``. The words of a term may be joined by spaces, ``_`` or ``-`` in the text (``Séo-Phìn``).
- **Accents.** Every letter as the key writes it, or without any mark at all: ``Nguyễn Thị Lành`` finds
  ``Nguyen Thi Lanh`` and ``Nguyễn Thi Lanh``, ``Đức`` finds ``Duc``; composed and decomposed accents alike.
  A letter with *other* marks is another word: ``Lành`` does not find ``lạnh`` (cold), ``Lan`` does not find
  ``Làn``. Write the key with its accents: an unaccented key finds only unaccented spellings. A one-word term
  of fewer than four letters keeps its accents (``Mỹ`` does not find ``My``, ``Sơn`` not ``Son``): short names
  without them are everyday words; give the unaccented spelling its own row if the transcripts use it.
- **Case.** Any case (``NGUYỄN THỊ LÀNH``), except that a one-word term the key writes with a capital is found
  only where the text capitalises it too: ``Lành`` finds ``Lành``, ``LÀNH`` and ``Lanh``, not the word
  ``lành`` (gentle); ``Mai`` is not ``mai`` (tomorrow), ``Hoa`` not ``hoa`` (flower). Write a one-word term in
  lower case to find it in any case. Document ids and lemmas are matched in any case.
- **Invisible characters** (soft hyphens, zero-width spaces and joiners, direction marks, BOMs) inside a name
  are ignored: ``Là\u00adnh`` is ``Lành``.
- **Longest first.** Where two terms overlap, the longer wins; a ``keep`` term (a phrase that holds a name but
  is not one, ``người Hoa`` beside the name ``Hoa``) wins the same way and is left as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

# Characters a reader does not see: they never separate the letters of a name.
INVISIBLE = frozenset("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
                      "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
                      "\u3164\ufeff\uffa0")
# Letters whose mark is not a combining character in Unicode: folded by hand (đ is d with a stroke).
STROKES = {"đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "ħ": "h", "Ħ": "h", "ŧ": "t", "Ŧ": "t"}
STROKE = "\u0335"  # the stroke, as a mark, so `Đ` and `D` differ the way `É` and `E` do
SEPARATOR = "\\s_\\-\u2010\u2011"
_SEPARATORS = re.compile(f"[{SEPARATOR}]+")
_IS_SEPARATOR = re.compile(f"[{SEPARATOR}]")
_BEFORE, _AFTER = r"(?<![^\W_])", r"(?![^\W_])"  # no letter or digit touches the term (`_` separates)
# A one-word term shorter than this keeps its accents: without them, short names are everyday words (Mỹ is
# "My", Sơn "Son", Tâm "Tam"): on the sample study, `Mỹ` found 209 sentences starting with "My".
BARE_LETTERS = 4


@lru_cache(maxsize=65536)
def letter(char: str) -> tuple[str, str]:
    """``(folded, marks)`` of one character: its letters without marks, case folded, and its marks (NFD
    order). An invisible character folds to nothing; a combining mark to nothing, with itself as marks."""
    if char in INVISIBLE:
        return "", ""
    if unicodedata.combining(char):
        return "", char
    if char in STROKES:
        return STROKES[char], STROKE
    parts = unicodedata.normalize("NFD", char)
    compatible = unicodedata.normalize("NFKD", parts[0])
    base = compatible if len(compatible) == 1 else parts[0]  # a full-width Ａ is A; "…" stays one character
    return base.casefold(), "".join(c for c in parts if unicodedata.combining(c))


class _FoldTable(dict):
    """A ``str.translate`` table filled as characters are met (each folded once)."""

    def __missing__(self, code: int) -> str:
        self[code] = letter(chr(code))[0]
        return self[code]


class _IrregularTable(dict):
    """A ``str.translate`` table keeping only the characters that do not fold to exactly one character."""

    def __missing__(self, code: int) -> str:
        self[code] = "" if len(letter(chr(code))[0]) == 1 else "!"
        return self[code]


_TABLE, _IRREGULAR = _FoldTable(), _IrregularTable()


def fold(text: str) -> str:
    """``text`` as names are compared: marks and invisible characters removed, ``đ`` as ``d``, case folded
    (``Nguyễn Thị LÀNH`` → ``nguyen thi lanh``)."""
    return text.translate(_TABLE)


class Folded:
    """A text folded letter by letter (``text``, as :func:`fold` gives it) that knows, for each folded
    character, the offset in the original it comes from, its marks and whether it was a capital. Most texts
    (composed accents, no invisible characters) fold one character to one, and need no table for that."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.text = fold(original)
        self.regular = len(self.text) == len(original) and not original.translate(_IRREGULAR)
        self._origin: list[int] = []
        self._marks: list[str] = []
        self._upper: list[bool] = []

    def _table(self) -> None:
        """Where each folded character comes from, for a text that does not fold one to one (built once)."""
        if self._origin:
            return
        for i, char in enumerate(self.original):
            folded, mark = letter(char)
            if folded:
                for _ in folded:
                    self._origin.append(i)
                    self._marks.append("")
                    self._upper.append(char.isupper())
                self._marks[-1] = mark
            elif mark and self._marks:  # a combining mark written after its letter
                self._marks[-1] = unicodedata.normalize("NFD", "a" + self._marks[-1] + mark)[1:]

    def origin(self, at: int) -> int:
        """The offset in the original of folded character ``at``."""
        if self.regular:
            return at
        self._table()
        return self._origin[at]

    def marks(self, at: int) -> str:
        """The marks (NFD) of folded character ``at``."""
        if self.regular:
            return letter(self.original[at])[1]
        self._table()
        return self._marks[at]

    def upper(self, at: int) -> bool:
        """Whether folded character ``at`` was a capital."""
        if self.regular:
            return self.original[at].isupper()
        self._table()
        return self._upper[at]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of folded ``start:end`` (with the marks and invisible characters after it)."""
        return self.origin(start), self.origin(end) if end < len(self.text) else len(self.original)


@dataclass(frozen=True)
class Term:
    """A string that must not show: ``replacement`` replaces it (None: a ``keep`` phrase, left as written);
    ``exact`` terms (document ids) match only as written, in any Unicode form; ``source`` says where it comes
    from (``key``, or an identifying attribute's name)."""

    text: str
    replacement: str | None = ""
    exact: bool = False
    source: str = "key"


@dataclass(frozen=True)
class _Prepared:
    term: Term
    pattern: re.Pattern
    marks: tuple[str, ...]  # of each letter, separators left out
    capital: bool  # one word written with a capital: found only capitalised
    bare: bool  # found without its accents too (not a one-word term shorter than BARE_LETTERS)
    size: int
    first: str  # its first folded character


def _prepare(term: Term) -> _Prepared | None:
    folded = Folded(term.text)
    words = [w for w in _SEPARATORS.split(folded.text) if w]
    if not words:
        return None
    marks = tuple(folded.marks(i) for i, c in enumerate(folded.text) if not _IS_SEPARATOR.match(c))
    first = next((c for c in term.text if not c.isspace()), "")
    body = f"[{SEPARATOR}]+".join(map(re.escape, words))
    size = len("".join(words))
    return _Prepared(term, re.compile(f"{_BEFORE}{body}{_AFTER}"), marks, len(words) == 1 and first.isupper(),
                     len(words) > 1 or size >= BARE_LETTERS, size, words[0][0])


class Matcher:
    """Every term of a key, found in texts by the rules of this module."""

    def __init__(self, terms: Iterable[Term]) -> None:
        prepared = [p for p in map(_prepare, terms) if p is not None]
        prepared.sort(key=lambda p: (-p.size, p.term.exact is False, p.term.replacement is None))
        self.terms = tuple(prepared)
        self._first: dict[str, list[_Prepared]] = {}
        for p in prepared:
            self._first.setdefault(p.first, []).append(p)
        bodies = dict.fromkeys(p.pattern.pattern[len(_BEFORE):-len(_AFTER)] for p in prepared)
        # one scan finds where some term may start; the boundaries outside the alternation keep it fast
        self._any = re.compile(f"{_BEFORE}(?:{'|'.join(bodies)}){_AFTER}") if prepared else None

    def find(self, text: str, any_case: bool = False) -> list[tuple[int, int, Term]]:
        """``(start, end, term)`` of every term in ``text`` (offsets into ``text``), keep terms included, in
        text order; ``any_case`` drops the capital rule of one-word terms (for ids and lemmas)."""
        if self._any is None or not text:
            return []
        folded = Folded(text)
        found, at = [], 0
        while (candidate := self._any.search(folded.text, at)) is not None:
            hit = self._at(folded, candidate.start(), any_case)
            if hit is None:
                at = candidate.start() + 1
                continue
            end, term = hit
            found.append((*folded.span(candidate.start(), end), term))
            at = end
        return found

    def _at(self, folded: Folded, start: int, any_case: bool) -> tuple[int, Term] | None:
        """The longest term that fits at folded ``start``: its folded end and itself."""
        for p in self._first.get(folded.text[start], ()):
            match = p.pattern.match(folded.text, start)
            if match is None:
                continue
            end = match.end()
            if p.term.exact:
                low, high = folded.span(start, end)
                if unicodedata.normalize("NFC", folded.original[low:high]) == unicodedata.normalize("NFC", p.term.text):
                    return end, p.term
                continue
            if p.capital and not any_case and not folded.upper(start):
                continue
            marks = [folded.marks(i) for i in range(start, end) if not _IS_SEPARATOR.match(folded.text[i])]
            if all(seen == wanted or not seen and p.bare for seen, wanted in zip(marks, p.marks)):
                return end, p.term
        return None


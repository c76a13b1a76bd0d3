"""Pseudonymisation: real names, places and organisations replaced in every output, never in the store.

`qualcode pseudonymise --key KEY.csv` saves the key in the project store; from then on every rendered text —
quotes and their attributions, appendices, quote candidates, codings exports (text, question, speaker,
attribute columns) — shows each term's replacement instead. The stored transcripts keep the original, so
offsets and codings stay valid, and switching it off (`--off`) gives the original back. Terms match as whole
words, ignoring case, longest first. A row without a replacement gets ``[Name-1]``, ``[Place-1]``,
``[Org-1]``… by its ``kind`` column (default ``name``), numbered in key order.
"""

from __future__ import annotations

import json
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import InputFileError
from qualcode.ingest.csvfile import csv_rows
from qualcode.ingest.encoding import decode
from qualcode.project.store import Store

KEY_COLUMNS = ("term", "name", "real", "original")
KINDS = {"name": "Name", "person": "Name", "place": "Place", "location": "Place", "organisation": "Org",
         "organization": "Org", "org": "Org"}
MIN_TERM = 2
META_KEY = "pseudonyms"


@dataclass(frozen=True)
class Pseudonyms:
    """``(term, replacement)`` pairs; :meth:`apply` replaces every term in a text."""

    pairs: tuple[tuple[str, str], ...]
    _pattern: list = field(default_factory=list, compare=False, repr=False)  # compiled once, lazily

    def apply(self, text: str) -> str:
        """``text`` with every term (a whole word, any case) replaced by its replacement."""
        if not self.pairs or not text:
            return text
        return remap(unicodedata.normalize("NFC", text), self)[0]

    def parts(self) -> frozenset[str]:
        """The words of the multi-word terms, case-folded (``nguyễn``, ``thị``, ``lành`` of a full name)."""
        return frozenset(w for t, _ in self.pairs if len(t.split()) > 1 for w in _key(t).split())

    def compiled(self) -> tuple[re.Pattern, dict[str, str]]:
        """The pattern matching every term as a whole word (longest first, any case, composed or decomposed
        accents) and ``folded term -> replacement``; compiled once."""
        if not self._pattern:
            terms = sorted(self.pairs, key=lambda pair: len(pair[0]), reverse=True)
            forms = dict.fromkeys(form for t, _ in terms for form in (t, unicodedata.normalize("NFD", t)))
            alternation = "|".join(r"\s+".join(map(re.escape, t.split())) for t in forms)
            self._pattern.append((re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE),
                                  {_key(t): r for t, r in self.pairs}))
        return self._pattern[0]


@dataclass(frozen=True)
class Remap:
    """Where each offset of a text lands in its pseudonymised version: ``replaced`` holds ``(start, end,
    new_start, new_end)`` of every replaced term, in text order. An offset inside a term goes to the start of
    its replacement as a span's start and to its end as a span's end, so a span keeps covering the same words."""

    replaced: tuple[tuple[int, int, int, int], ...] = ()

    def _at(self, offset: int, inside_to_end: bool) -> int:
        index = bisect_right(self.replaced, (offset, float("inf"))) - 1
        if index < 0:
            return offset
        start, end, new_start, new_end = self.replaced[index]
        if offset == start:
            return new_start
        if offset < end:
            return new_end if inside_to_end else new_start
        return offset + new_end - end

    def start(self, offset: int) -> int:
        """The new offset of a span's start (inside a term: its replacement's start)."""
        return self._at(offset, False)

    def end(self, offset: int) -> int:
        """The new offset of a span's end (inside a term: its replacement's end)."""
        return self._at(offset, True)


def remap(text: str, pseudonyms: Pseudonyms | None) -> tuple[str, Remap]:
    """``text`` pseudonymised (as the store holds it: not re-normalised, so offsets stay meaningful) and the
    :class:`Remap` of its offsets onto the new text. Without a key the text comes back unchanged."""
    if pseudonyms is None or not pseudonyms.pairs or not text:
        return text, Remap()
    pattern, replacements = pseudonyms.compiled()
    parts: list[str] = []
    replaced = []
    last = length = 0
    for match in pattern.finditer(text):
        replacement = replacements.get(_key(match.group()), match.group())
        parts.append(text[last:match.start()])
        length += match.start() - last
        replaced.append((match.start(), match.end(), length, length + len(replacement)))
        parts.append(replacement)
        length += len(replacement)
        last = match.end()
    parts.append(text[last:])
    return "".join(parts), Remap(tuple(replaced))


def _key(term: str) -> str:
    return " ".join(unicodedata.normalize("NFC", term).casefold().split())


def read_key(path: Path) -> Pseudonyms:
    """The key CSV: a ``term`` column (or ``name``/``real``/``original``, else the first), optional
    ``replacement`` and ``kind`` columns. Raises InputFileError when unreadable or without terms."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", where=str(path)) from None
    rows = csv_rows(decode(data, str(path))[0], str(path))
    header = [h.strip().casefold() for h in rows[0][1]] if rows else []
    column = next((header.index(c) for c in KEY_COLUMNS if c in header), 0)
    given = header.index("replacement") if "replacement" in header else None
    kind_at = header.index("kind") if "kind" in header else None
    numbers: dict[str, int] = {}
    pairs: dict[str, tuple[str, str]] = {}
    for line, cells in rows[1:]:
        cells = cells + [""] * (len(header) - len(cells))
        term = " ".join(unicodedata.normalize("NFC", cells[column]).split())
        if len(term) < MIN_TERM or _key(term) in pairs:
            continue
        replacement = cells[given].strip() if given is not None else ""
        if not replacement:
            kind = KINDS.get(cells[kind_at].strip().casefold() if kind_at is not None else "", "Name")
            numbers[kind] = numbers.get(kind, 0) + 1
            replacement = f"[{kind}-{numbers[kind]}]"
        if _key(term) in _key(replacement):
            raise InputFileError(f"the replacement {replacement!r} contains the term itself", where=f"{path}:{line}")
        pairs[_key(term)] = (term, replacement)
    if not pairs:
        raise InputFileError("no terms: the key needs a header (term, replacement, kind) and a row per real "
                             "name, place or organisation", where=str(path))
    return Pseudonyms(tuple(pairs.values()))


def stored(store: Store) -> Pseudonyms | None:
    """The key saved in the store, or None when outputs are not pseudonymised."""
    saved = store.get_meta(META_KEY)
    return Pseudonyms(tuple(tuple(pair) for pair in json.loads(saved))) if saved else None


def save(store: Store, pseudonyms: Pseudonyms | None) -> None:
    """Save ``pseudonyms`` in the store (None: stop pseudonymising). Call inside a transaction."""
    store.set_meta(META_KEY, json.dumps([list(p) for p in pseudonyms.pairs], ensure_ascii=False)
                   if pseudonyms else "")


def hide(pseudonyms: Pseudonyms | None, text: str) -> str:
    """``text`` pseudonymised when there is a key."""
    return pseudonyms.apply(text) if pseudonyms is not None else text


def hide_columns(pseudonyms: Pseudonyms | None, frame, keep: tuple[str, ...] = ("code", "label", "level")):
    """A DataFrame with pseudonymised column names (attribute values such as villages), ``attrs`` kept."""
    if pseudonyms is None:
        return frame
    renamed = frame.rename(columns={c: pseudonyms.apply(c) for c in frame.columns
                                    if isinstance(c, str) and c not in keep})
    renamed.attrs = dict(frame.attrs)
    return renamed


def hide_in_context(text: str, low: int, high: int, shown: tuple[str, str, str], pseudonyms: Pseudonyms | None,
                    width: int | None = None) -> tuple[str, str, str]:
    """``(left, match, right)`` of a match in context inside ``text[low:high]`` (a turn's speech), as
    `codebook explain` cut it, recut from the pseudonymised text so a name at the edge of the window is
    replaced whole. The match is found again as the occurrence whose context is ``shown``; failing that the
    three parts are pseudonymised together."""
    from qualcode.autocode.explain import CONTEXT_CHARS, context

    left, match, right = shown
    if pseudonyms is None or not match:
        return shown
    width = width or CONTEXT_CHARS
    at = text.find(match, low, high)
    while at >= 0:
        if context(text, at, at + len(match), low, high, width) == (left, right):
            new, moved = remap(text, pseudonyms)
            start, end = moved.start(at), moved.end(at + len(match))
            new_left, new_right = context(new, start, end, moved.start(low), moved.end(high), width)
            return new_left, new[start:end], new_right
        at = text.find(match, at + 1, high)
    new, moved = remap(left + match + right, pseudonyms)
    start, end = moved.start(len(left)), moved.end(len(left) + len(match))
    return new[:start], new[start:end], new[end:]


def hide_explanation(found, docs, pseudonyms: Pseudonyms):
    """`codebook explain`'s :class:`~qualcode.autocode.explain.Explanation` ``found`` with its examples in
    context and matched forms pseudonymised; ``docs`` are the coder's documents the examples come from."""
    from dataclasses import replace

    by_turn = {(d.id, t.number): (d.text, t.start, t.end) for d in docs for t in d.turns}
    terms = []
    for term in found.terms:
        examples = []
        for e in term.examples:
            text, low, high = by_turn.get((e.document, e.turn), ("", 0, 0))
            left, match, right = hide_in_context(text, low, high, (e.left, e.match, e.right), pseudonyms)
            examples.append(replace(e, left=left, match=match, right=right))
        variants = tuple(replace(v, text=pseudonyms.apply(v.text)) for v in term.variants)
        terms.append(replace(term, examples=tuple(examples), variants=variants))
    return replace(found, terms=tuple(terms))


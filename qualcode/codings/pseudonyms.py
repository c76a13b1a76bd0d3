"""Pseudonymisation: real names, places and organisations replaced in every output, never in the store.

`qualcode pseudonymise --key KEY.csv` saves the key in the project store; from then on every rendered text —
quotes and their attributions, appendices, codebook texts, memos, document ids and file names, quote
candidates, codings exports — shows each term's replacement instead. The stored transcripts keep the
original, so offsets and codings stay valid, and switching it off (`--off`) gives the original back. Terms
are found by the rules of :mod:`qualcode.codings.name_match` (whole words, accents optional, longest first).
A row without a replacement gets ``[Name-1]``, ``[Place-1]``, ``[Org-1]``… by its ``kind`` column (default
``name``), numbered in key order; a ``keep`` row is a phrase that holds a term but is no name, left as it is.

A document id holding a term shows with the term replaced (``Lành-FGD`` → ``[Name-2]-FGD``), in any case;
two ids that would then show alike are told apart by ``~2``, ``~3``… (in id order), and every output —
tables, attributions, paths, the `.qdpx` — shows the same id, which :meth:`Pseudonyms.original` maps back.
"""

from __future__ import annotations

import json
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from qualcode.codebook.load import Codebook
from qualcode.codings.name_match import Matcher, Term
from qualcode.errors import InputFileError
from qualcode.ingest.csvfile import csv_rows
from qualcode.ingest.encoding import decode
from qualcode.project.store import Store

KEY_COLUMNS = ("term", "name", "real", "original")
KINDS = {"name": "Name", "person": "Name", "place": "Place", "location": "Place", "organisation": "Org",
         "organization": "Org", "org": "Org"}
KEEP = "keep"  # the kind of a phrase that holds a term but is no name (`người Hoa` beside the name `Hoa`)
MIN_TERM = 2
META_KEY = "pseudonyms"


@dataclass(frozen=True)
class Pseudonyms:
    """``(term, replacement)`` pairs (replacement None: a ``keep`` phrase) and ``documents``, ``(id, shown
    id)`` of the stored document ids the key changes; :meth:`apply` replaces every term in a text."""

    pairs: tuple[tuple[str, str | None], ...]
    documents: tuple[tuple[str, str], ...] = ()
    _cache: dict = field(default_factory=dict, compare=False, repr=False)  # matchers and maps, built once

    def matcher(self) -> Matcher:
        """The terms (the changed document ids among them, matched exactly) as one :class:`Matcher`."""
        if "matcher" not in self._cache:
            self._cache["matcher"] = Matcher([*(Term(t, r) for t, r in self.pairs),
                                              *(Term(i, shown, exact=True) for i, shown in self.documents)])
        return self._cache["matcher"]

    def apply(self, text: str, any_case: bool = False) -> str:
        """``text`` with every term replaced (``any_case``: one-word terms in lower case too, for ids and file
        names); the rest of the text is left exactly as it was."""
        if not self.pairs or not text:
            return text
        return remap(text, self, any_case)[0]

    def document(self, doc_id: str) -> str:
        """The id ``doc_id`` shows as: the key's terms replaced in it (in any case)."""
        if "shown" not in self._cache:
            self._cache["shown"] = dict(self.documents)
        return self._cache["shown"].get(doc_id) or self.apply(doc_id, any_case=True)

    def original(self, shown: str) -> str:
        """The stored document id that shows as ``shown`` (``shown`` itself when the key changes no id so)."""
        if "original" not in self._cache:
            self._cache["original"] = {unicodedata.normalize("NFC", s): i for i, s in self.documents}
        return self._cache["original"].get(unicodedata.normalize("NFC", shown.strip()), shown.strip())

    def with_documents(self, ids: Iterable[str]) -> Pseudonyms:
        """This key knowing the shown ids of ``ids`` (the stored documents): each with the key's terms
        replaced, and ``~2``, ``~3``… added (in id order) to an id that would show like another."""
        taken = set(ids)
        shown: dict[str, str] = {}
        for doc_id in sorted(taken):
            new = self.apply(doc_id, any_case=True)
            if new == doc_id:
                continue
            candidate, n = new, 1
            while candidate in taken or candidate in shown.values():
                n += 1
                candidate = f"{new}~{n}"
            shown[doc_id] = candidate
        return Pseudonyms(self.pairs, tuple(shown.items()))

    def is_part(self, word: str) -> bool:
        """Whether ``word`` is, whole, one word of a multi-word term (``séo``, ``seo`` of ``Séo Phìn``)."""
        if "parts" not in self._cache:
            words = {w for t, r in self.pairs if r is not None and len(t.split()) > 1 for w in t.split()}
            self._cache["parts"] = Matcher(Term(w) for w in sorted(words))
        return any(start == 0 and end == len(word)
                   for start, end, _ in self._cache["parts"].find(word, any_case=True))


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


def remap(text: str, pseudonyms: Pseudonyms | None, any_case: bool = False) -> tuple[str, Remap]:
    """``text`` pseudonymised (as the store holds it: not re-normalised, so offsets stay meaningful) and the
    :class:`Remap` of its offsets onto the new text. Without a key the text comes back unchanged."""
    if pseudonyms is None or not pseudonyms.pairs or not text:
        return text, Remap()
    parts: list[str] = []
    replaced = []
    last = length = 0
    for start, end, term in pseudonyms.matcher().find(text, any_case):
        if term.replacement is None:  # a keep phrase: left as written
            continue
        parts.append(text[last:start])
        length += start - last
        replaced.append((start, end, length, length + len(term.replacement)))
        parts.append(term.replacement)
        length += len(term.replacement)
        last = end
    parts.append(text[last:])
    return "".join(parts), Remap(tuple(replaced))


def read_key(path: Path) -> Pseudonyms:
    """The key CSV: a ``term`` column (or ``name``/``real``/``original``, else the first), optional
    ``replacement`` and ``kind`` columns (``kind`` ``keep``: a phrase left as written). Raises InputFileError
    when unreadable, without terms, or when a replacement holds a term (it would show the name)."""
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
    pairs: dict[str, tuple[str, str | None]] = {}
    lines: dict[str, int] = {}
    for line, cells in rows[1:]:
        cells = cells + [""] * (len(header) - len(cells))
        term = " ".join(unicodedata.normalize("NFC", cells[column]).split())
        kind = cells[kind_at].strip().casefold() if kind_at is not None else ""
        if len(term) < MIN_TERM:
            continue
        if _key(term) in pairs:
            if (pairs[_key(term)][1] is None) != (kind == KEEP):
                raise InputFileError(f"{term!r} is both a name and a `keep` phrase (line {lines[_key(term)]}): keep "
                                     "one row", where=f"{path}:{line}")
            continue
        replacement: str | None = cells[given].strip() if given is not None else ""
        if kind == KEEP:
            replacement = None
        elif not replacement:
            label = KINDS.get(kind, "Name")
            numbers[label] = numbers.get(label, 0) + 1
            replacement = f"[{label}-{numbers[label]}]"
        pairs[_key(term)], lines[_key(term)] = (term, replacement), line
    if not any(r is not None for _, r in pairs.values()):
        raise InputFileError("no terms: the key needs a header (term, replacement, kind) and a row per real "
                             "name, place or organisation", where=str(path))
    matcher = Matcher(Term(t, r) for t, r in pairs.values())
    for key, (_, replacement) in pairs.items():
        held = [t for _, _, t in matcher.find(replacement or "", any_case=True) if t.replacement is not None]
        if held:
            raise InputFileError(f"the replacement {replacement!r} holds the term {held[0].text!r}: outputs would "
                                 "show it", where=f"{path}:{lines[key]}")
    return Pseudonyms(tuple(pairs.values()))


def _key(term: str) -> str:
    return " ".join(unicodedata.normalize("NFC", term).casefold().split())


def stored(store: Store) -> Pseudonyms | None:
    """The key saved in the store, knowing the store's document ids, or None when outputs are not
    pseudonymised."""
    saved = store.get_meta(META_KEY)
    if not saved:
        return None
    pseudonyms = Pseudonyms(tuple((term, replacement) for term, replacement in json.loads(saved)))
    return pseudonyms.with_documents(store.document_keys())


def save(store: Store, pseudonyms: Pseudonyms | None) -> None:
    """Save ``pseudonyms`` in the store (None: stop pseudonymising). Call inside a transaction."""
    store.set_meta(META_KEY, json.dumps([list(p) for p in pseudonyms.pairs], ensure_ascii=False)
                   if pseudonyms else "")


def hide(pseudonyms: Pseudonyms | None, text: str) -> str:
    """``text`` pseudonymised when there is a key."""
    return pseudonyms.apply(text) if pseudonyms is not None else text


def hide_columns(pseudonyms: Pseudonyms | None, frame, keep: tuple[str, ...] = ("code", "label", "level")):
    """A DataFrame with pseudonymised column names (attribute values such as villages, document ids) and code
    labels (its ``label`` column), ``attrs`` kept."""
    if pseudonyms is None:
        return frame
    renamed = frame.rename(columns={c: pseudonyms.apply(c) for c in frame.columns
                                    if isinstance(c, str) and c not in keep})
    if "label" in renamed.columns:
        renamed["label"] = [pseudonyms.apply(v) if isinstance(v, str) else v for v in renamed["label"]]
    renamed.attrs = dict(frame.attrs)
    return renamed


def hide_codebook(pseudonyms: Pseudonyms | None, book: Codebook | None) -> Codebook | None:
    """``book`` as outputs show it: its name and every code's label, definition, include, exclude, examples and
    counter-examples pseudonymised; ids, rules and the tree unchanged. For showing only: codes typed by a user
    are resolved in the original."""
    if pseudonyms is None or book is None:
        return book
    shown = pseudonyms.apply
    codes = tuple(replace(c, label=shown(c.label), definition=shown(c.definition), include=shown(c.include),
                          exclude=shown(c.exclude), examples=tuple(map(shown, c.examples)),
                          counterexamples=tuple(map(shown, c.counterexamples))) for c in book.codes)
    return replace(book, name=shown(book.name), codes=codes)


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
    context, documents and matched forms pseudonymised; ``docs`` are the coder's documents the examples come
    from."""
    by_turn = {(d.id, t.number): (d.text, t.start, t.end) for d in docs for t in d.turns}
    terms = []
    for term in found.terms:
        examples = []
        for e in term.examples:
            text, low, high = by_turn.get((e.document, e.turn), ("", 0, 0))
            left, match, right = hide_in_context(text, low, high, (e.left, e.match, e.right), pseudonyms)
            examples.append(replace(e, document=pseudonyms.document(e.document), left=left, match=match,
                                    right=right))
        variants = tuple(replace(v, text=pseudonyms.apply(v.text)) for v in term.variants)
        terms.append(replace(term, examples=tuple(examples), variants=variants))
    return replace(found, label=pseudonyms.apply(found.label), terms=tuple(terms))


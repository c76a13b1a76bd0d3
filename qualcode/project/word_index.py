"""The stored word index: every word form of a document (lowercased, diacritics folded) → its sentences.

Written at ingest beside the sentences (and built for older stores by the schema migration), so a warm
`qualcode code` and `qualcode search` find the sentences that can hold a literal with a few look-ups instead
of scanning every text. A *word* here is a maximal run of letters, digits, underscores and combining marks
of one sentence's text — not a spaCy token — so that any piece of a literal made of such characters lies
inside one indexed word whatever the tokenizer did (``n't``, ``don`` in ``don't``, ``tay`` in ``stay``): a
sentence holding a literal always holds an indexed word containing the literal's longest word piece. The
index can only over-select; the coder decides what matches.

Size: one row per distinct form per document (about a fifth of the document's words), each a packed list of
``(turn, number)`` pairs — about as large on disk as the text itself.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from functools import lru_cache

# Letters, digits, underscore, and the combining marks that decomposed Vietnamese and Latin text carry.
WORD = re.compile(r"[\w\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
# What case-insensitive patterns let match ASCII letters (as qualcode.autocode.prefilter maps them).
_CASE_SPECIALS = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


@lru_cache(maxsize=262144)
def index_form(word: str) -> str:
    """The form ``word`` is indexed and looked up under: lowercased (with the letters case-insensitive
    patterns equate with ASCII ones, such as ``ſ``, made ASCII), diacritics folded, đ as d."""
    lower = word.translate(_CASE_SPECIALS).lower().replace("đ", "d")
    if lower.isascii():
        return lower
    return "".join(c for c in unicodedata.normalize("NFD", lower) if not unicodedata.combining(c))


def postings(text: str, sentences: Iterable[tuple[int, int, int, int]]) -> list[tuple[str, bytes]]:
    """``(form, packed (turn, number) pairs)`` of one document, forms sorted, from its ``text`` and its
    sentences as ``(turn, number, start, end)``."""
    found: dict[str, list[int]] = {}
    findall = WORD.findall
    for turn, number, start, end in sentences:
        for form in {index_form(word) for word in findall(text, start, end)}:
            found.setdefault(form, []).extend((turn, number))
    return [(form, array("I", found[form]).tobytes()) for form in sorted(found)]


def unpack_sentences(blob: bytes) -> list[tuple[int, int]]:
    """The ``(turn, number)`` pairs of one stored posting."""
    flat = array("I")
    flat.frombytes(blob)
    return list(zip(flat[::2], flat[1::2]))


def literal_piece(literal: str) -> str | None:
    """The longest word of ``literal`` in its indexed form (the most selective look-up), or None when it has
    no word (punctuation only)."""
    words = WORD.findall(literal)
    if not words:
        return None
    return index_form(max(words, key=len))


def forms_containing(vocabulary: Sequence[str], pieces: Iterable[str]) -> set[str]:
    """The forms of ``vocabulary`` (sorted, distinct) containing one of ``pieces``: one substring search per
    piece over the vocabulary joined into one string, so a short piece ("tay") finds the longer forms that
    hold it ("stay") without a scan of any text."""
    import bisect

    joined = "\n".join(vocabulary)
    starts = []
    at = 0
    for form in vocabulary:
        starts.append(at)
        at += len(form) + 1
    found: set[str] = set()
    for piece in set(pieces):
        at = joined.find(piece)
        while at != -1:
            k = bisect.bisect_right(starts, at) - 1
            found.add(vocabulary[k])
            at = joined.find(piece, starts[k] + len(vocabulary[k]) + 1)  # next form
    return found


# -- SQL (the store's word_index table) --------------------------------------------------------------------
# A plain table with two indexes: inserting a document's rows costs a third less than a table clustered on
# (form, document) with a foreign key, and ingest writes every row. A document's rows are deleted with it
# (:meth:`Store.put_document`, :meth:`Store.delete_document`).
TABLE = """CREATE TABLE IF NOT EXISTS word_index (form TEXT NOT NULL, document TEXT NOT NULL,
    sentences BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS word_index_form ON word_index(form);
CREATE INDEX IF NOT EXISTS word_index_document ON word_index(document);
"""


def write(db, doc_id: str, text: str, sentences: Iterable[tuple[int, int, int, int]]) -> None:
    """Index one document, replacing its earlier rows."""
    forget(db, doc_id)
    db.executemany("INSERT INTO word_index VALUES (?,?,?)",
                   [(form, doc_id, blob) for form, blob in postings(text, sentences)])


def forget(db, doc_id: str) -> None:
    """Remove one document's rows."""
    db.execute("DELETE FROM word_index WHERE document = ?", (doc_id,))


def build(db) -> None:
    """Index every stored document (the schema migration that adds the index)."""
    db.execute("DELETE FROM word_index")
    for doc_id, text in db.execute("SELECT id, text FROM documents ORDER BY id").fetchall():
        rows = db.execute('SELECT turn, number, start, "end" FROM sentences WHERE document = ? '
                          "ORDER BY turn, number", (doc_id,)).fetchall()
        write(db, doc_id, text, rows)


def vocabulary(db) -> list[str]:
    """Every indexed form, sorted."""
    return [r[0] for r in db.execute("SELECT DISTINCT form FROM word_index ORDER BY form")]


def lookup(db, forms: Iterable[str]) -> dict[str, set[tuple[int, int]]]:
    """``document -> (turn, number)`` of the sentences holding one of ``forms``."""
    out: dict[str, set[tuple[int, int]]] = {}
    wanted = sorted(set(forms))
    for at in range(0, len(wanted), 500):
        chunk = wanted[at:at + 500]
        for doc_id, blob in db.execute(f"SELECT document, sentences FROM word_index WHERE form IN "
                                       f"({','.join('?' * len(chunk))})", chunk):
            out.setdefault(doc_id, set()).update(unpack_sentences(blob))
    return out

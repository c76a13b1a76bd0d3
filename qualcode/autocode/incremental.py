"""What `qualcode code` can skip: per-code rule hashes, per-document fingerprints and a literal pre-filter.

After a run, the store's ``meta`` table keeps, per codebook, a hash of each code's effective matching inputs
(rules and where they sit, ``not``, fuzzy, accents, speakers, unit, language, and the tokenizer and lemma
versions) and a fingerprint of each document (parse key, language, speakers). The next run re-matches only
codes whose hash changed, over documents whose fingerprint did not, and every code over documents whose
fingerprint changed. A changed code is matched only in the sentences (or, for unit ``turn``, the turns) that
contain a literal string every match must contain: a keyword word's forms (the word, its lemma, and every
form the lemma table maps to that lemma), a wildcard's prefix, a pattern's required literals. When no such
literal can be derived (fuzzy words, ignored accents, open patterns) the code is matched everywhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import PackageNotFoundError, version

from qualcode.autocode.coder import CodingDoc, CodingTurn
from qualcode.autocode.lemmas import Lemmatizer, _table, fold
from qualcode.autocode.matcher import MIN_FUZZY_CHARS
from qualcode.autocode.prefilter import required_literals
from qualcode.autocode.tokens import TokenCache, cache_key
from qualcode.codebook.load import Code, Codebook
from qualcode.model import Sentence
from qualcode.project.store import Store, unpack_tokens
from qualcode.project.word_index import forms_containing, literal_piece

STATE_PREFIX = "code_state:"
MATCH_VERSION = "1"  # bump when the coder would match the same rules differently


def matching_key() -> str:
    """What every code's matches depend on besides its rules: tokenizer, parser, lemma table, matcher."""
    try:
        lookups = version("spacy-lookups-data")
    except PackageNotFoundError:  # pragma: no cover - a declared dependency
        lookups = ""
    return f"{cache_key()}; lookups {lookups}; matcher {MATCH_VERSION}"


def code_hash(book: Codebook, code: Code, unit: str | None, key: str) -> str:
    """A hash of everything ``code``'s suggestions depend on (``unit``: the command line's override)."""
    data = {"key": key, "language": book.language, "unit": unit or code.unit or book.unit,
            "rules": [[r.kind, r.where, list(r.keywords), r.pattern, [list(g) for g in r.groups], r.lang]
                      for r in code.rules],
            "not": list(code.not_), "fuzzy": code.fuzzy, "accents": code.accents_ignore,
            "speakers": list(code.speakers)}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class CodeState:
    """What the last `qualcode code` of one codebook matched: code hashes, document fingerprints, how many
    auto codings it left, and the self-test's warnings for the codebook content it last checked."""

    codes: dict[str, str] = field(default_factory=dict)
    documents: dict[str, str] = field(default_factory=dict)
    codings: int = -1
    selftest: str = ""
    warnings: list[list[str]] = field(default_factory=list)
    tested: dict[str, str] = field(default_factory=dict)  # code -> self-test key of its examples when they passed

    @classmethod
    def load(cls, store: Store, codebook: str) -> CodeState:
        """The state kept for ``codebook`` (empty when there is none or it cannot be read)."""
        raw = store.get_meta(STATE_PREFIX + codebook)
        try:
            data = json.loads(raw) if raw else {}
            return cls(dict(data.get("codes", {})), dict(data.get("documents", {})), int(data.get("codings", -1)),
                       str(data.get("selftest", "")), list(data.get("warnings", [])), dict(data.get("tested", {})))
        except (ValueError, TypeError, AttributeError):
            return cls()

    def save(self, store: Store, codebook: str) -> None:
        """Keep the state in the store's meta table (inside the caller's transaction)."""
        store.set_meta(STATE_PREFIX + codebook, json.dumps(
            {"codes": self.codes, "documents": self.documents, "codings": self.codings,
             "selftest": self.selftest, "warnings": self.warnings, "tested": self.tested},
            ensure_ascii=False, sort_keys=True))


def selftest_keys(book: Codebook, hashes: dict[str, str]) -> dict[str, str]:
    """Per code, what its self-test depends on: its examples and counterexamples, and the rules of every code
    of its family (itself and its descendants, by their ``hashes``)."""
    keys = {}
    for code in book.codes:
        family = [code.id, *book.descendants(code.id)]
        data = [list(code.examples), list(code.counterexamples), [hashes.get(c, "") for c in family]]
        keys[code.id] = hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()
    return keys


def fingerprint_digest(fingerprints: dict[str, str]) -> dict[str, str]:
    """The fingerprints hashed to short strings (what the state keeps)."""
    return {d: hashlib.sha256(f.encode()).hexdigest()[:32] for d, f in fingerprints.items()}


# -- the literal pre-filter ------------------------------------------------------------------------------
@cache
def _forms_of_lemma(language: str, folded: bool) -> dict[str, tuple[str, ...]]:
    """``lemma -> every form the lemma table maps to it`` (lemmas and forms diacritic-folded when ``folded``)."""
    reverse: dict[str, list[str]] = {}
    if language == "en":
        for form, lemma in _table("en").items():
            if folded and not (form.isascii() and lemma.isascii()):
                form, lemma = fold(form), fold(lemma)
            reverse.setdefault(lemma, []).append(form)
    return {lemma: tuple(forms) for lemma, forms in reverse.items()}


def _word_literals(word: str, language: str, lemmatizer: Lemmatizer, fuzzy: int | None,
                   folded: bool) -> set[str] | None:
    """Strings one of which every token the keyword word matches contains (None: cannot tell)."""
    norm = fold if folded else (lambda text: text)
    if word.endswith("*"):
        prefix = norm(word[:-1])
        return {prefix} if prefix else None
    if fuzzy is not None and len(word) >= MIN_FUZZY_CHARS:
        return None
    lemma = norm(lemmatizer.lemma(word, language))
    return {norm(word), lemma, *(f.lower() for f in _forms_of_lemma(language, folded).get(lemma, ()))}


def _keyword_literals(keyword: str, language: str, tokens: TokenCache, lemmatizer: Lemmatizer,
                      fuzzy: int | None, folded: bool) -> set[str] | None:
    """Literals for one keyword: those of its most selective word (empty set: the keyword has no words)."""
    words = tokens.keyword(keyword, language)
    best: set[str] | None = None
    for word in words:
        found = _word_literals(word, language, lemmatizer, fuzzy, folded)
        if found is not None and (best is None or min(map(len, found)) > min(map(len, best))):
            best = found
    return set() if not words else best


def code_literals(book: Codebook, code: Code, tokens: TokenCache, lemmatizer: Lemmatizer) -> set[str] | None:
    """Literal strings (lowercase, straight apostrophes; diacritics folded when the code ignores accents) one
    of which every match of ``code`` contains, or None when the code must be matched everywhere."""
    out: set[str] = set()
    for rule in code.rules:
        language = rule.lang or book.language
        if rule.kind == "pattern":
            found = required_literals(rule.pattern or "")
            if not found:
                return None
            out |= {fold(f) for f in found} if code.accents_ignore else set(found)
            continue
        keywords = rule.keywords if rule.kind == "keywords" else (rule.groups[0] if rule.groups else ())
        for keyword in keywords:
            found = _keyword_literals(keyword, language, tokens, lemmatizer, code.fuzzy, code.accents_ignore)
            if found is None:
                return None
            out |= found
    return _minimal(out)


def _minimal(literals: set[str]) -> set[str]:
    """The literals without those containing a shorter one (a text holding the longer holds the shorter)."""
    kept: list[str] = []
    for literal in sorted(literals, key=len):
        if literal and not any(k in literal for k in kept):
            kept.append(literal)
    return set(kept)


# -- documents for the coder -----------------------------------------------------------------------------
def load_docs(store: Store, ids: Iterable[str]) -> list[CodingDoc]:
    """The documents ``ids`` as the coder sees them (one document's rows at a time)."""
    docs = []
    for doc_id in ids:
        row = store.document(doc_id)
        if row is None:
            continue
        sentences = store.sentences(doc_id)
        turns = tuple(CodingTurn(t.number, t.start, t.end, t.role, t.label, t.role_name,
                                 tuple(sentences.get(t.number, ()))) for t in store.turns(doc_id))
        docs.append(CodingDoc(doc_id, row.text, row.language, turns))
    return docs


def candidate_docs(store: Store, ids: Iterable[str], literals: list[tuple[str, set[str]]],
                   ) -> list[CodingDoc] | None:
    """The documents ``ids`` as the coder sees them, cut down to the turns and sentences where codes with these
    ``(unit, literals)`` can match: a sentence holding a literal (for unit ``turn``, its whole turn). The
    sentences come from the stored word index (:mod:`qualcode.project.word_index`), and only their rows are
    read. None when a literal has no word to look up (the caller then reads every document)."""
    pieces: dict[str, set[str]] = {}
    for unit, found in literals:
        for literal in found:
            piece = literal_piece(literal)
            if piece is None:
                return None
            pieces.setdefault("turn" if unit == "turn" else "sentence", set()).add(piece)
    wanted = set(ids)
    vocabulary = store.word_vocabulary()
    whole_turns: dict[str, set[int]] = {}
    parts: dict[str, set[tuple[int, int]]] = {}
    for unit, found in sorted(pieces.items()):
        for doc_id, sentences in store.word_lookup(sorted(forms_containing(vocabulary, found))).items():
            if doc_id not in wanted:
                continue
            if unit == "turn":
                whole_turns.setdefault(doc_id, set()).update(t for t, _ in sentences)
            else:
                parts.setdefault(doc_id, set()).update(sentences)
    docs = []
    for doc_id in sorted(wanted & (set(whole_turns) | set(parts))):
        row = store.text_of(doc_id)
        if row is None:
            continue
        whole = whole_turns.get(doc_id, set())
        chosen = parts.get(doc_id, set())
        numbers = whole | {t for t, _ in chosen}
        sentences: dict[int, list[Sentence]] = {}
        for turn, number, start, end, blob in store.sentence_rows_in(doc_id, sorted(numbers)):
            if turn in whole or (turn, number) in chosen:
                sentences.setdefault(turn, []).append(Sentence(start, end, unpack_tokens(blob)))
        kept = tuple(CodingTurn(t.number, t.start, t.end, t.role, t.label, t.role_name, tuple(sentences[t.number]))
                     for t in store.turns_in(doc_id, sorted(numbers)) if sentences.get(t.number))
        if kept:
            docs.append(CodingDoc(doc_id, row[0], row[1], kept))
    return docs


def query_docs(store: Store, book: Codebook, tokens: TokenCache) -> list[CodingDoc] | None:
    """The documents as the coder sees them, cut down by the word index to the sentences where the codes of
    ``book`` (a search's one-code codebook) can match, with unit ``match``; None when a code has no literal
    to look up (fuzzy words, open patterns), so every document must be read."""
    lemmatizer = Lemmatizer()
    literals = [code_literals(book, code, tokens, lemmatizer) for code in book.codes]
    if any(found is None for found in literals):
        return None
    return candidate_docs(store, store.document_words(), [("match", found) for found in literals if found])

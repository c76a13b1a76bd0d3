"""Finding keywords in tokenised sentences: a vocabulary, an inverted index and word-set matching.

Matching a keyword word against a token is decided once per distinct token form (the vocabulary), never per
occurrence, so a corpus of hundreds of thousands of words is coded in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .lemmas import Lemmatizer, fold

MIN_FUZZY_CHARS = 5


@dataclass(frozen=True)
class Settings:
    """How a code's keywords compare: diacritics ignored or not, fuzzy threshold or off."""

    accents_ignore: bool = False
    fuzzy: int | None = None


@dataclass(frozen=True)
class Word:
    """A keyword word: its lowercased form (``*`` kept), its lemma, and whether it is a wildcard."""

    form: str
    lemma: str

    @property
    def wildcard(self) -> bool:
        """Whether the word ends in ``*`` (matches any token starting with the rest)."""
        return self.form.endswith("*")


class Index:
    """Tokens of many sentences, by vocabulary id, with postings for fast keyword lookup.

    ``sentences`` is a sequence of ``(language, text, token spans)``; tokens are the stored word tokens.
    """

    def __init__(self, sentences: Sequence[tuple[str, str, Sequence[tuple[int, int]]]], lemmatizer: Lemmatizer):
        self.lemmatizer = lemmatizer
        vocab: dict[tuple[str, str], int] = {}
        self.forms: list[str] = []
        self.lemmas: list[str] = []
        self.tokens: list[list[int]] = []
        self.postings: dict[int, list[tuple[int, int]]] = {}
        for s_index, (language, text, spans) in enumerate(sentences):
            ids = []
            for position, (start, end) in enumerate(spans):
                form = text[start:end].lower()
                key = (form, language)
                token_id = vocab.get(key)
                if token_id is None:
                    token_id = vocab[key] = len(self.forms)
                    self.forms.append(form)
                    self.lemmas.append(lemmatizer.lemma(form, language))
                ids.append(token_id)
                self.postings.setdefault(token_id, []).append((s_index, position))
            self.tokens.append(ids)
        self._by_form: dict[bool, dict[str, set[int]]] = {}
        self._by_lemma: dict[bool, dict[str, set[int]]] = {}
        self._cache: dict[tuple[Word, Settings], frozenset[int]] = {}

    def _maps(self, folded: bool) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
        if folded not in self._by_form:
            by_form: dict[str, set[int]] = {}
            by_lemma: dict[str, set[int]] = {}
            for token_id, (form, lemma) in enumerate(zip(self.forms, self.lemmas)):
                by_form.setdefault(fold(form) if folded else form, set()).add(token_id)
                by_lemma.setdefault(fold(lemma) if folded else lemma, set()).add(token_id)
            self._by_form[folded], self._by_lemma[folded] = by_form, by_lemma
        return self._by_form[folded], self._by_lemma[folded]

    def word_ids(self, word: Word, settings: Settings) -> frozenset[int]:
        """Vocabulary ids of every token form ``word`` matches under ``settings``."""
        key = (word, settings)
        found = self._cache.get(key)
        if found is not None:
            return found
        folded = settings.accents_ignore
        norm = fold if folded else (lambda s: s)
        by_form, by_lemma = self._maps(folded)
        if word.wildcard:
            prefix = norm(word.form[:-1])
            ids = {i for form, members in by_form.items() if form.startswith(prefix) for i in members}
        else:
            ids = set(by_form.get(norm(word.form), ())) | set(by_lemma.get(norm(word.lemma), ()))
            if settings.fuzzy is not None and len(word.form) >= MIN_FUZZY_CHARS:
                from rapidfuzz import fuzz, process

                choices = list(by_form)
                for _, _, at in process.extract(norm(word.form), choices, scorer=fuzz.ratio,
                                                score_cutoff=settings.fuzzy, limit=None):
                    ids |= by_form[choices[at]]
        result = frozenset(ids)
        self._cache[key] = result
        return result

    def find(self, words: Sequence[Word], settings: Settings) -> list[tuple[int, int, int]]:
        """``(sentence, first token, last token + 1)`` for every place the word sequence occurs."""
        sets = [self.word_ids(w, settings) for w in words]
        if not all(sets):
            return []
        hits = []
        for token_id in sets[0]:
            for s_index, position in self.postings.get(token_id, ()):
                tokens = self.tokens[s_index]
                end = position + len(sets)
                if end <= len(tokens) and all(tokens[position + k] in sets[k] for k in range(1, len(sets))):
                    hits.append((s_index, position, end))
        hits.sort()
        return hits

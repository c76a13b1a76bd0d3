"""Finding keywords in tokenised sentences: a vocabulary, an inverted index and word-set matching.

Matching a keyword word against a token is decided once per distinct token form (the vocabulary), never per
occurrence, so a corpus of hundreds of thousands of words is coded in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.autocode.lemmas import Lemmatizer, fold

MIN_FUZZY_CHARS = 5


@dataclass(frozen=True)
class Settings:
    """How a code's keywords compare: diacritics ignored or not, fuzzy threshold or off, and whether lemmas
    count (a search with ``--exact`` compares forms only)."""

    accents_ignore: bool = False
    fuzzy: int | None = None
    lemmas: bool = True


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
    """Tokens of many sentences as one array of vocabulary ids, sorted once for fast keyword lookup.

    ``sentences`` is a sequence of ``(language, text, tokens)``; tokens are the stored word tokens, flat
    ``(start, end)`` pairs.
    Vocabulary entries are distinct (raw text, language) pairs; their compared form and lemma are computed
    once each.
    """

    def __init__(self, sentences: Sequence[tuple[str, str, Sequence[int]]], lemmatizer: Lemmatizer):
        import numpy as np

        from qualcode.ingest.segment import word_form  # here: importing qualcode.ingest loads every reader

        self.lemmatizer = lemmatizer
        self.forms: list[str] = []
        self.lemmas: list[str] = []
        vocabularies: dict[str, dict[str, int]] = {}
        flat: list[int] = []
        first_token = [0]  # index in `flat` of each sentence's first token, plus the end
        for language, text, spans in sentences:
            vocab = vocabularies.setdefault(language, {})
            for raw in [text[a:b] for a, b in zip(spans[::2], spans[1::2])]:
                token_id = vocab.get(raw)
                if token_id is None:
                    token_id = vocab[raw] = len(self.forms)
                    form = word_form(raw)
                    self.forms.append(form)
                    self.lemmas.append(lemmatizer.lemma(form, language))
                flat.append(token_id)
            first_token.append(len(flat))
        self.np = np
        self.flat = np.asarray(flat, dtype=np.int64)
        self.first_token = np.asarray(first_token, dtype=np.int64)
        self.sentence_of = np.repeat(np.arange(len(first_token) - 1), np.diff(self.first_token))
        self.order = np.argsort(self.flat, kind="stable")
        self.bounds = np.searchsorted(self.flat[self.order], np.arange(len(self.forms) + 1))
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
            ids = set(by_form.get(norm(word.form), ()))
            if settings.lemmas:
                ids |= by_lemma.get(norm(word.lemma), set())
            if settings.fuzzy is not None and len(word.form) >= MIN_FUZZY_CHARS:
                from rapidfuzz import fuzz, process

                choices = list(by_form)
                for _, _, at in process.extract(norm(word.form), choices, scorer=fuzz.ratio,
                                                score_cutoff=settings.fuzzy, limit=None):
                    ids |= by_form[choices[at]]
        result = frozenset(ids)
        self._cache[key] = result
        return result

    def why(self, word: Word, settings: Settings, token_id: int) -> str:
        """Why ``word`` matches the vocabulary entry ``token_id`` under ``settings``, in words: ``form``,
        ``lemma "house"``, ``wildcard``, ``fuzzy "teh" (ratio 91)``, each with ``, accents ignored`` when only
        folding made it equal. A slow path, for `codebook explain`; raises ValueError when it does not match."""
        form, lemma = self.forms[token_id], self.lemmas[token_id]
        folded = settings.accents_ignore
        accents = ", accents ignored"
        if word.wildcard:
            prefix = word.form[:-1]
            if form.startswith(prefix):
                return "wildcard"
            if folded and fold(form).startswith(fold(prefix)):
                return "wildcard" + accents
        else:
            if form == word.form:
                return "form"
            if folded and fold(form) == fold(word.form):
                return "form" + accents
            if settings.lemmas and lemma == word.lemma:
                return f'lemma "{lemma}"'
            if settings.lemmas and folded and fold(lemma) == fold(word.lemma):
                return f'lemma "{lemma}"' + accents
            if settings.fuzzy is not None and len(word.form) >= MIN_FUZZY_CHARS:
                from rapidfuzz import fuzz

                norm = fold if folded else (lambda s: s)
                ratio = fuzz.ratio(norm(word.form), norm(form))
                if ratio >= settings.fuzzy:
                    return f"fuzzy (ratio {int(ratio)})" + (accents if norm(form) != form else "")
        raise ValueError(f"{word.form!r} does not match {form!r}")

    def token_id(self, sentence: int, position: int) -> int:
        """The vocabulary id of token ``position`` of sentence ``sentence``."""
        return int(self.flat[self.first_token[sentence] + position])

    def find(self, words: Sequence[Word], settings: Settings) -> list[tuple[int, int, int]]:
        """``(sentence, first token, last token + 1)`` for every place the word sequence occurs."""
        np = self.np
        sets = [self.word_ids(w, settings) for w in words]
        if not all(sets):
            return []
        starts = np.concatenate([self.order[self.bounds[i]:self.bounds[i + 1]] for i in sorted(sets[0])])
        for k, members in enumerate(sets[1:], start=1):
            mask = np.zeros(len(self.forms), dtype=bool)
            mask[list(members)] = True
            nxt = starts + k
            inside = nxt < len(self.flat)
            starts, nxt = starts[inside], nxt[inside]
            keep = (self.sentence_of[nxt] == self.sentence_of[starts]) & mask[self.flat[nxt]]
            starts = starts[keep]
        starts.sort()
        sentences = self.sentence_of[starts]
        positions = starts - self.first_token[sentences]
        return [(s, p, p + len(sets)) for s, p in zip(sentences.tolist(), positions.tolist())]

"""Tokenised keywords and example sentences, kept in the store so coding need not load spaCy again.

Keywords and codebook examples must be tokenised by spaCy's pipelines, exactly as transcripts are. `ingest`
has spaCy loaded anyway, so it tokenises the configured codebook's keywords and examples into this cache;
`code` then finds them there. A keyword that is new since is tokenised without spaCy when it is plain
(letters, hyphens, a final ``'s``, digits) and none of its pieces is one of the tokenizer's special cases,
which ingest caches here too; only other keywords make `code` import spaCy. Entries are keyed by spaCy's
version and qualcode's parser version, so an upgrade empties the cache rather than reusing stale tokens.
"""

from __future__ import annotations

import json
from importlib.metadata import version

from qualcode.codebook.load import Codebook
from qualcode.project.store import Store

Segments = list[tuple[int, int, tuple[int, ...]]]


def cache_key() -> str:
    """What cached tokens depend on: spaCy's version and qualcode's parser version."""
    from qualcode.ingest import PARSER_VERSION

    return f"spacy {version('spacy')}; parser {PARSER_VERSION}"


class TokenCache:
    """Keyword words and example sentences by (kind, language, text); new entries are saved with :meth:`save`."""

    def __init__(self, entries: dict[tuple[str, str, str], str] | None = None) -> None:
        self.entries = dict(entries or {})
        self.new: dict[tuple[str, str, str], str] = {}
        self._special: dict[str, frozenset[str] | None] = {}

    @classmethod
    def from_store(cls, store: Store) -> TokenCache:
        """The cache kept in ``store`` (empty when it was made by another spaCy or parser version)."""
        if store.get_meta("token_cache_key") != cache_key():
            return cls()
        return cls(store.token_cache())

    def keyword(self, keyword: str, language: str) -> tuple[str, ...]:
        """The words of a keyword as :func:`qualcode.nlp.keyword_words` gives them."""
        key = ("keyword", language, keyword)
        if key not in self.entries:
            from qualcode.ingest.segment import fast_keyword_words

            exceptions = self._exceptions(language)
            words = fast_keyword_words(keyword, language, exceptions) if exceptions is not None else None
            if words is None:
                from qualcode.ingest.segment import keyword_words

                words = keyword_words(keyword, language)
                self.remember_exceptions(language)  # spaCy is loaded now: the next keyword need not load it
            self.entries[key] = self.new[key] = json.dumps(list(words), ensure_ascii=False)
        return tuple(json.loads(self.entries[key]))

    def _exceptions(self, language: str) -> frozenset[str] | None:
        """The keyword tokenizer's special cases for ``language``, when cached."""
        from qualcode.ingest.segment import keyword_tokenizer_language

        lang = keyword_tokenizer_language(language)
        if lang not in self._special:
            raw = self.entries.get(("exceptions", lang, ""))
            self._special[lang] = frozenset(json.loads(raw)) if raw is not None else None
        return self._special[lang]

    def remember_exceptions(self, language: str) -> None:
        """Cache the keyword tokenizer's special cases for ``language`` (loads spaCy when not cached), so
        plain keywords are tokenised without spaCy from then on."""
        from qualcode.ingest.segment import keyword_exceptions, keyword_tokenizer_language

        lang = keyword_tokenizer_language(language)
        key = ("exceptions", lang, "")
        if key not in self.entries:
            self.entries[key] = self.new[key] = json.dumps(keyword_exceptions(language), ensure_ascii=False)
            self._special.pop(lang, None)

    def sentences(self, text: str, language: str) -> Segments:
        """The sentences and word tokens of a short text, as :func:`qualcode.nlp.segment` gives them."""
        key = ("sentences", language, text)
        if key not in self.entries:
            from qualcode.ingest.segment import segment

            self.entries[key] = self.new[key] = json.dumps(segment([text], language)[0])
        return [(a, b, tuple(tokens)) for a, b, tokens in json.loads(self.entries[key])]

    def warm(self, book: Codebook, *, exceptions: bool = False) -> None:
        """Tokenise every keyword and example of ``book`` that is not cached yet; with ``exceptions``, also
        cache the special cases of the keyword tokenizers of its languages (loads spaCy)."""
        if exceptions:
            for language in {book.language, *(r.lang for c in book.codes for r in c.rules if r.lang)}:
                self.remember_exceptions(language)
        for code in book.codes:
            for rule in code.rules:
                for keyword in (*rule.keywords, *(w for group in rule.groups for w in group)):
                    self.keyword(keyword, rule.lang or book.language)
            for keyword in code.not_:
                self.keyword(keyword, book.language)
            for text in (*code.examples, *code.counterexamples):
                self.sentences(text, book.language)

    def save(self, store: Store) -> None:
        """Write the new entries (inside the caller's transaction)."""
        if store.get_meta("token_cache_key") != cache_key():
            store.clear_token_cache()
            store.set_meta("token_cache_key", cache_key())
            self.new = dict(self.entries)
        store.add_token_cache(self.new)
        self.new = {}

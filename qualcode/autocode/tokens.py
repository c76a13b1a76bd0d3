"""Tokenised keywords and example sentences, kept in the store so coding need not load spaCy again.

Keywords and codebook examples must be tokenised by spaCy's pipelines, exactly as transcripts are. `ingest`
has spaCy loaded anyway, so it tokenises the configured codebook's keywords and examples into this cache;
`code` then finds them there and never imports spaCy unless a keyword is new. Entries are keyed by spaCy's
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
            from qualcode.ingest.segment import keyword_words

            self.entries[key] = self.new[key] = json.dumps(list(keyword_words(keyword, language)),
                                                           ensure_ascii=False)
        return tuple(json.loads(self.entries[key]))

    def sentences(self, text: str, language: str) -> Segments:
        """The sentences and word tokens of a short text, as :func:`qualcode.nlp.segment` gives them."""
        key = ("sentences", language, text)
        if key not in self.entries:
            from qualcode.ingest.segment import segment

            self.entries[key] = self.new[key] = json.dumps(segment([text], language)[0])
        return [(a, b, tuple(tokens)) for a, b, tokens in json.loads(self.entries[key])]

    def warm(self, book: Codebook) -> None:
        """Tokenise every keyword and example of ``book`` that is not cached yet."""
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

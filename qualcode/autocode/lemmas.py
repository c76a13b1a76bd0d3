"""Lemmas from spaCy's lookup tables (spacy-lookups-data) and diacritic folding."""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache


@cache
def _table(language: str) -> dict[str, str]:
    """spacy-lookups-data's lemma lookup table for ``language`` ({} when there is none).

    Read straight from the package's data file — the file spaCy's ``load_lookups`` reads — so coding does not
    have to import spaCy just for lemmas.
    """
    import gzip
    import json
    from importlib import resources

    data = resources.files("spacy_lookups_data").joinpath("data", f"{language}_lemma_lookup.json.gz")
    if not data.is_file():
        return {}
    with gzip.open(data.open("rb"), "rt", encoding="utf-8") as handle:
        return json.load(handle)


class Lemmatizer:
    """``lemma(form, language)``: the lookup-table lemma of a lowercased form (itself when not listed).

    Only English has a table here; Vietnamese syllables are their own lemmas. The table is
    case-sensitive, so forms are always lowercased first (``Women`` → ``women`` → ``woman``).
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], str] = {}

    def lemma(self, form: str, language: str) -> str:
        """The lemma of ``form`` (lowercased) in ``language``."""
        key = (form, language)
        found = self._cache.get(key)
        if found is None:
            lower = form.lower()
            found = _table("en").get(lower, lower) if language == "en" else lower
            self._cache[key] = found
        return found


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """``text`` without diacritics, đ as d (``coi thường`` → ``coi thuong``)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))

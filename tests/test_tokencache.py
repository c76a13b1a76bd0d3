"""The token cache: ingest prepares the configured codebook, so `code` runs without loading spaCy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO, db
from helpers import make_project

from qualcode.autocode.tokens import TokenCache, cache_key
from qualcode.project.store import open_store

CODEBOOK = """codebook: Cache test
version: "1"
codes:
  - id: time
    label: Time
    definition: No time.
    examples: ["We don't have time for meetings."]
    rules:
      - keywords: ["don't have time", housework]
      - keywords: [thời gian]
        lang: vi
"""

IDI = "---\nparticipant: P01\n---\nI: Do you go?\nR: We don’t have time. Housework all day.\n"


def test_ingest_prepares_keywords_and_examples(tmp_path: Path) -> None:
    """After ingest, every keyword and example of the configured codebook is in the store's cache."""
    project = make_project(tmp_path, {"IDI-01.txt": IDI}, CODEBOOK)
    store = open_store(project.store_path)
    entries = store.token_cache()
    assert store.get_meta("token_cache_key") == cache_key()
    store.close()
    assert json.loads(entries[("keyword", "en", "don't have time")]) == ["do", "n't", "have", "time"]
    assert ("keyword", "vi", "thời gian") in entries
    assert ("sentences", "en", "We don't have time for meetings.") in entries


def test_code_does_not_load_spacy_when_prepared(tmp_path: Path) -> None:
    """`code` on a prepared project codes without importing spaCy, and finds what a cold run finds."""
    project = make_project(tmp_path, {"IDI-01.txt": IDI}, CODEBOOK)
    script = ("import sys, qualcode\nfrom qualcode.autocode.run import code_project\n"
              f"report = code_project(qualcode.open_project({str(project.root)!r}))\n"
              "print(report.added, 'spacy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["2", "False"]
    warm = sorted(db(project.root).execute("SELECT text, rule FROM codings").fetchall())
    cold_root = tmp_path / "cold"
    cold = make_project(cold_root, {"IDI-01.txt": IDI}, CODEBOOK, config="")
    store = open_store(cold.store_path)
    with store.transaction():
        store.clear_token_cache()
    store.close()
    from qualcode.autocode.run import code_project

    code_project(cold)
    assert sorted(db(cold_root).execute("SELECT text, rule FROM codings").fetchall()) == warm


def test_cache_of_another_version_is_ignored(tmp_path: Path) -> None:
    """Tokens cached under another spaCy or parser version are not used, and are replaced on save."""
    project = make_project(tmp_path, {"IDI-01.txt": IDI}, CODEBOOK)
    store = open_store(project.store_path)
    with store.transaction():
        store.set_meta("token_cache_key", "spacy 0.0; parser 0")
        store.add_token_cache({("keyword", "en", "housework"): '["wrong"]'})
    assert TokenCache.from_store(store).entries == {}
    tokens = TokenCache.from_store(store)
    assert tokens.keyword("housework", "en") == ("housework",)
    with store.transaction():
        tokens.save(store)
    keywords = {k: v for k, v in store.token_cache().items() if k[0] == "keyword"}
    assert keywords == {("keyword", "en", "housework"): '["housework"]'}
    assert store.get_meta("token_cache_key") == cache_key()
    store.close()


def test_keyword_exceptions_are_the_tokenizers_special_cases() -> None:
    """The special cases the fast keyword path avoids are exactly those of the tokenizer spaCy builds."""
    from qualcode.ingest.segment import keyword_exceptions, keyword_pipeline

    for language in ("en", "vi"):
        assert set(keyword_exceptions(language)) == set(keyword_pipeline(language).tokenizer.rules)


TRICKY = ["cannot", "Cannot", "can't", "don’t", "women's", "women’s", "well-being", "covid-19", "gonna",
          "hard-to-reach", "co-operate", "ain't", "e-mail", "parents'", "self-employed", "10km", "x-ray", "o'clock",
          "ima", "Id", "lovin", "2019", "U.S.", "café", "naïve", "đi làm", "thời gian", "người khuyết tật",
          "Hmông", "hard‐to‐reach", "well--being", "-ish", "it's", "Let's", "whats", "c'mon", "'s", "xD", "XD",
          "self-help*", "work*", "disab*", "cafe\u0301", "Ms. Lan", "3rd", "100 %", "can not", "wanna go"]


def test_fast_keyword_path_equals_spacy() -> None:
    """The fast keyword tokenizer gives spaCy's words for every keyword of the study codebook and tricky ones,
    or leaves the keyword to spaCy; it handles most of the codebook itself."""
    from qualcode.codebook.load import load_codebook
    from qualcode.ingest.segment import fast_keyword_words, keyword_exceptions, keyword_words

    book = load_codebook(REPO / "codebooks" / "barriers.yaml").codebook
    keywords = {(k, r.lang or book.language) for c in book.codes for r in c.rules
                for k in (*r.keywords, *(w for g in r.groups for w in g))}
    keywords |= {(k, book.language) for c in book.codes for k in c.not_}
    keywords |= {(k, lang) for k in TRICKY for lang in ("en", "vi")}
    exceptions = {lang: frozenset(keyword_exceptions(lang)) for lang in ("en", "vi")}
    fast = 0
    for keyword, language in sorted(keywords):
        words = fast_keyword_words(keyword, language, exceptions[language])
        if words is not None:
            fast += 1
            assert words == keyword_words(keyword, language), (keyword, language)
    assert fast / len(keywords) > 0.8
    assert fast_keyword_words("cannot", "en", exceptions["en"]) is None
    assert fast_keyword_words("can't", "en", exceptions["en"]) is None


def test_new_plain_keyword_does_not_load_spacy(tmp_path: Path) -> None:
    """After ingest, `code` with a new plain keyword tokenises it without importing spaCy."""
    project = make_project(tmp_path, {"IDI-01.txt": IDI}, CODEBOOK)
    (project.root / "codebook.yaml").write_text(CODEBOOK.replace("housework]", "housework, all day]"),
                                                encoding="utf-8")
    script = ("import sys, qualcode\nfrom qualcode.autocode.run import code_project\n"
              f"report = code_project(qualcode.open_project({str(project.root)!r}))\n"
              "print(report.added, 'spacy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["2", "False"]

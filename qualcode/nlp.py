"""spaCy pipelines, built once per language and cached (spaCy is imported only when needed)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

# spaCy's Vietnamese tokenizer does not split punctuation from syllables unless pyvi segments words; sentence
# boundaries only need punctuation, so sentences of languages other than English use the multilingual one.
_SENTENCE_LANG = {"en": "en"}


@cache
def sentence_pipeline(language: str):
    """A blank spaCy pipeline with the rule-based sentencizer for ``language``."""
    import spacy

    nlp = spacy.blank(_SENTENCE_LANG.get(language, "xx"))
    nlp.add_pipe("sentencizer")
    return nlp


def sentence_spans(texts: Iterable[str], language: str) -> list[list[tuple[int, int]]]:
    """Sentence ``(start, end)`` offsets within each text, trimmed of surrounding whitespace."""
    nlp = sentence_pipeline(language)
    result = []
    for doc in nlp.pipe(texts, batch_size=256):
        spans = []
        for sent in doc.sents:
            chunk = sent.text
            stripped = chunk.strip()
            if stripped:
                lead = len(chunk) - len(chunk.lstrip())
                spans.append((sent.start_char + lead, sent.start_char + lead + len(stripped)))
        result.append(spans)
    return result

"""spaCy pipelines, built once per language and cached (spaCy is imported only when needed).

Two jobs: segmenting turn text into sentences and word tokens at ingest (the tokens are stored, so coding
never re-tokenises a transcript), and tokenising codebook keywords with the same tokenizers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

# English and Vietnamese have their own tokenizers (Vietnamese: pyvi word segmentation, whose multi-syllable
# words are stored as their syllables, so matching never depends on segmentation); other languages use
# spaCy's multilingual tokenizer.
_TEXT_LANG = {"en": "en", "vi": "vi"}
_SYLLABLE = re.compile(r"\S+")
_SPACE = re.compile(r"\s")

Segments = list[tuple[int, int, list[tuple[int, int]]]]


def text_language(language: str) -> str:
    """The spaCy language whose tokenizer reads transcript text of ``language``."""
    return _TEXT_LANG.get(language, "xx")


@cache
def sentence_pipeline(language: str):
    """A blank spaCy pipeline with the rule-based sentencizer for transcript text of ``language``."""
    import spacy

    nlp = spacy.blank(text_language(language))
    nlp.add_pipe("sentencizer")
    return nlp


def is_word(text: str) -> bool:
    """Whether a token counts as a word for matching (it holds a letter or digit)."""
    return any(c.isalnum() for c in text)


def segment(texts: Iterable[str], language: str) -> list[Segments]:
    """Sentences of each text as ``(start, end, word tokens)``, offsets within that text.

    Sentences are trimmed of surrounding whitespace; tokens are spaCy tokens holding a letter or digit.
    """
    from spacy.attrs import IDX, IS_ALPHA, IS_DIGIT, IS_SPACE, LENGTH, SENT_START

    nlp = sentence_pipeline(language)
    result = []
    for doc in nlp.pipe(texts, batch_size=256):
        text = doc.text
        sentences: Segments = []
        current: list | None = None  # [start, end, words] of the sentence being read
        # Token attributes as one integer array: far cheaper than Token objects on long transcripts.
        for idx, length, alpha, digit, space, sent_start in doc.to_array(
                [IDX, LENGTH, IS_ALPHA, IS_DIGIT, IS_SPACE, SENT_START]).tolist():
            if sent_start == 1 or current is None:
                if current is not None and current[2] is not None:
                    sentences.append(tuple(current))
                current = [idx, idx, None]
            end = idx + length
            if space or text[idx:end].isspace():
                continue
            if current[2] is None:
                current[0], current[2] = idx, []
            current[1] = end
            if not (alpha or digit or is_word(text[idx:end])):
                continue
            if length > 1 and _SPACE.search(text, idx, end):  # a pyvi word of several syllables
                current[2].extend((idx + m.start(), idx + m.end()) for m in _SYLLABLE.finditer(text[idx:end]))
            else:
                current[2].append((idx, end))
        if current is not None and current[2] is not None:
            sentences.append(tuple(current))
        result.append(sentences)
    return result


@cache
def keyword_pipeline(language: str):
    """A blank spaCy pipeline for tokenising keywords written in ``language`` (Vietnamese: pyvi words)."""
    import spacy

    return spacy.blank(language) if language in ("en", "vi") else spacy.blank("xx")


def keyword_words(keyword: str, language: str) -> list[str]:
    """The words of a keyword as the ``language`` pipeline tokenises it, lowercased, punctuation skipped.

    Vietnamese words segmented by pyvi are split back into syllables, so matching never depends on
    segmentation. A trailing ``*`` stays on its word.
    """
    star = keyword.rstrip().endswith("*")
    text = keyword.rstrip().rstrip("*") if star else keyword
    words: list[str] = []
    for token in keyword_pipeline(language)(text):
        if token.is_space or not is_word(token.text):
            continue
        words.extend(token.text.lower().split())
    if star and words:
        words[-1] += "*"
    return words

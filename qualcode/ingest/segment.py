"""spaCy pipelines, built once per language and cached (spaCy is imported only when needed).

Two jobs: segmenting turn text into sentences and word tokens at ingest (the tokens are stored, so coding
never re-tokenises a transcript), and tokenising codebook keywords with the same tokenizers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

# English and Vietnamese have their own tokenizers (Vietnamese: pyvi word segmentation, whose multi-syllable
# words are stored as their syllables, so matching never depends on segmentation); other languages use
# spaCy's multilingual tokenizer.
_TEXT_LANG = {"en": "en", "vi": "vi"}
_SYLLABLE = re.compile(r"\S+")
_SPACE = re.compile(r"\s")
_OPENERS = {"[", "(", "{", "“", "‘", "«"}

Segments = list[tuple[int, int, tuple[int, ...]]]


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


@cache
def _period_hashes(language: str):
    """spaCy's string hashes of the sentencizer's sentence-final characters (``.``, ``!``, ``?``, ``。`` …)."""
    nlp = sentence_pipeline(language)
    chars = nlp.get_pipe("sentencizer").punct_chars
    assert all(len(c) == 1 for c in chars)  # segment() looks only at one-character tokens
    return frozenset(nlp.vocab.strings.add(c) for c in chars)


def sentence_starts(period, punct):
    """Which tokens begin a sentence, exactly as spaCy's rule-based sentencizer decides, computed on arrays
    (the sentencizer builds a Python object per token, which cost ingest a fifth of its time).

    ``period``: the token is a sentence-final character; ``punct``: spaCy's ``is_punct``. The sentencizer
    starts a sentence at the first token after a sentence-final character that is neither punctuation nor
    such a character (and at the first token): so token ``i`` starts one when it is not punctuation and a
    sentence-final character lies between it and the previous token that is not punctuation.
    """
    import numpy as np

    period = np.asarray(period, dtype=bool)
    plain = np.flatnonzero(~(period | np.asarray(punct, dtype=bool)))
    seen = np.concatenate(([0], np.cumsum(period)))  # seen[x]: sentence-final characters before token x
    previous = np.concatenate(([-1], plain[:-1]))
    starts = np.zeros(len(period), dtype=bool)
    starts[plain[seen[plain] - seen[previous + 1] > 0]] = True
    if len(period):
        starts[0] = True
    return starts


def is_word(text: str) -> bool:
    """Whether a token counts as a word for matching (it holds a letter or digit)."""
    return any(c.isalnum() for c in text)


# A paragraph longer than this (a transcript saved as one line) is segmented in pieces cut at whitespace: a
# sentence running across a cut is split there.
CHUNK = 100_000


def _chunks(text: str, base: int) -> list[tuple[str, int]]:
    """``text`` cut into pieces of at most about :data:`CHUNK` characters at whitespace, with their offsets."""
    pieces, start = [], 0
    while len(text) - start > CHUNK:
        cut = text.rfind(" ", start + CHUNK // 2, start + CHUNK)
        cut = start + CHUNK if cut == -1 else cut + 1
        pieces.append((text[start:cut], base + start))
        start = cut
    pieces.append((text[start:], base + start))
    return pieces


def segment(texts: Sequence[str], language: str, offsets: Sequence[int] | None = None) -> list[Segments]:
    """Sentences of each text as ``(start, end, word tokens)``; ``offsets[i]`` is added to every offset.

    Sentences are trimmed of surrounding whitespace; word tokens — spaCy tokens holding a letter or digit,
    multi-syllable pyvi words split into syllables — come flat: ``(start0, end0, start1, end1, …)``.
    """
    import numpy as np
    from spacy.attrs import IDX, IS_ALPHA, IS_DIGIT, IS_PUNCT, IS_SPACE, LENGTH, ORTH

    nlp = sentence_pipeline(language)
    tokenizer, periods = nlp.tokenizer, _period_hashes(language)
    syllables = text_language(language) == "vi"  # only pyvi's words hold spaces (spaCy splits at whitespace)
    offsets = offsets if offsets is not None else [0] * len(texts)
    if any(len(text) > CHUNK for text in texts):  # spaCy refuses texts over 1,000,000 characters
        pieces = [_chunks(text, base) for text, base in zip(texts, offsets)]
        flat = segment([t for p in pieces for t, _ in p], language, [b for p in pieces for _, b in p])
        out, at = [], 0
        for p in pieces:
            out.append([sentence for part in flat[at:at + len(p)] for sentence in part])
            at += len(p)
        return out
    nlp = sentence_pipeline(language)
    result = []
    for text, base in zip(texts, offsets):  # not doc.text: it is rebuilt
        doc = tokenizer(text)
        if len(doc) == 0:
            result.append([])
            continue
        # Token attributes as integer arrays: far cheaper than Token objects on long transcripts.
        table = doc.to_array([IDX, LENGTH, IS_ALPHA, IS_DIGIT, IS_SPACE, IS_PUNCT, ORTH])
        if len(doc) <= SMALL_TURN:  # numpy's cost per call outweighs its speed on a few tokens
            bounds, solid_list, word_list, starts, stops = _small_tokens(table.tolist(), text, periods, base)
            if not syllables:
                result.append(_small_sentences(bounds, solid_list, word_list, starts, stops))
                continue
            result.append(_syllable_sentences(text, base, bounds, solid_list, word_list, starts, stops))
            continue
        idx, length, alpha, digit, space, punct = table[:, :6].astype(np.int64).T
        ends = idx + length
        period = np.zeros(len(idx), dtype=bool)
        single = np.flatnonzero(length == 1)  # every sentence-final character is one character long
        period[single] = [o in periods for o in table[single, 6].tolist()]
        starts_sentence = sentence_starts(period, punct == 1)
        solid = space == 0
        word = solid & ((alpha == 1) | (digit == 1))
        for i in np.flatnonzero(solid & ~word).tolist():  # punctuation, symbols, mixed tokens: look at them
            piece = text[idx[i]:ends[i]]
            if piece.isspace():
                solid[i] = False
            elif is_word(piece):
                word[i] = True
        bounds = np.flatnonzero(starts_sentence).tolist()
        for k in range(1, len(bounds)):  # "hard. [laughs]": an opening bracket begins the next sentence
            while bounds[k] - 1 > bounds[k - 1] and text[idx[bounds[k] - 1]:ends[bounds[k] - 1]] in _OPENERS:
                bounds[k] -= 1
        bounds.append(len(idx))
        if not syllables:
            result.append(_sentences(bounds, solid, word, idx + base, ends + base))
            continue
        result.append(_syllable_sentences(text, base, bounds, solid.tolist(), word.tolist(), (idx + base).tolist(),
                                          (ends + base).tolist()))
    return result


# A turn of at most this many tokens is segmented with Python lists rather than numpy arrays: 100,000 one-word
# turns took 20-36 s, nearly all of it numpy's overhead per call. Both ways give the same sentences.
SMALL_TURN = 48


def _small_tokens(rows: list[list[int]], text: str, periods: frozenset[int], base: int
                  ) -> tuple[list[int], list[bool], list[bool], list[int], list[int]]:
    """What :func:`segment` works out from a turn's token table — sentence bounds (token indexes, ending with
    the token count), solid and word flags, start and end offsets — for a few tokens, without numpy."""
    count = len(rows)
    starts = [r[0] + base for r in rows]
    stops = [r[0] + r[1] + base for r in rows]
    solid, word = [False] * count, [False] * count
    bounds = [0] if count else []  # the first token always begins a sentence
    since = 0  # sentence-final characters since the last token that is neither punctuation nor one of them
    for i, (at, length, alpha, digit, space, punct, orth) in enumerate(rows):
        if length == 1 and orth in periods:
            since += 1
        elif not punct:
            if since and i:
                bounds.append(i)
            since = 0
        if not space:
            solid[i] = True
            word[i] = bool(alpha or digit)
            if not word[i]:  # punctuation, symbols, mixed tokens: look at them
                piece = text[at:at + length]
                if piece.isspace():
                    solid[i] = False
                elif is_word(piece):
                    word[i] = True
    for k in range(1, len(bounds)):  # "hard. [laughs]": an opening bracket begins the next sentence
        while bounds[k] - 1 > bounds[k - 1] and text[starts[bounds[k] - 1] - base:stops[bounds[k] - 1] - base] \
                in _OPENERS:
            bounds[k] -= 1
    bounds.append(count)
    return bounds, solid, word, starts, stops


def _small_sentences(bounds: list[int], solid: list[bool], word: list[bool], starts: list[int],
                     stops: list[int]) -> Segments:
    """:func:`_sentences` on lists, for a few tokens."""
    sentences: Segments = []
    for first, last in zip(bounds, bounds[1:]):
        body = [i for i in range(first, last) if solid[i]]
        if body:
            sentences.append((starts[body[0]], stops[body[-1]],
                              tuple(x for i in range(first, last) if word[i] for x in (starts[i], stops[i]))))
    return sentences


def _syllable_sentences(text: str, base: int, bounds: list[int], solid_list: list[bool], word_list: list[bool],
                        starts: list[int], stops: list[int]) -> Segments:
    """The sentences of a Vietnamese turn, whose pyvi words of several syllables are split into syllables."""
    sentences: Segments = []
    for first, last in zip(bounds, bounds[1:]):
        body = [i for i in range(first, last) if solid_list[i]]
        if not body:
            continue
        flat: list[int] = []
        for i in range(first, last):
            if not word_list[i]:
                continue
            a, b = starts[i], stops[i]
            if b - a > 1 and _SPACE.search(text, a - base, b - base):  # a pyvi word of several syllables
                flat.extend(x for m in _SYLLABLE.finditer(text, a - base, b - base)
                            for x in (m.start() + base, m.end() + base))
            else:
                flat += (a, b)
        sentences.append((starts[body[0]], stops[body[-1]], tuple(flat)))
    return sentences


def _sentences(bounds: list[int], solid, word, starts, stops) -> Segments:
    """The sentences between ``bounds`` (token indexes) as :func:`segment` gives them, for tokenizers whose
    tokens never hold whitespace: each sentence spans its first to its last solid token, and its word
    tokens come flat from arrays, not token by token."""
    import numpy as np

    solid_at, word_at = np.flatnonzero(solid), np.flatnonzero(word)
    edges = np.asarray(bounds)
    solid_lo, solid_hi = np.searchsorted(solid_at, edges[:-1]), np.searchsorted(solid_at, edges[1:])
    word_lo, word_hi = np.searchsorted(word_at, edges[:-1]) * 2, np.searchsorted(word_at, edges[1:]) * 2
    pairs = np.empty(2 * len(word_at), dtype=np.int64)
    pairs[0::2], pairs[1::2] = starts[word_at], stops[word_at]
    flat = pairs.tolist()
    keep = np.flatnonzero(solid_hi > solid_lo)
    first_at, last_at = solid_at[solid_lo[keep]], solid_at[solid_hi[keep] - 1]
    return [(a, b, tuple(flat[lo:hi])) for a, b, lo, hi in zip(
        starts[first_at].tolist(), stops[last_at].tolist(), word_lo[keep].tolist(), word_hi[keep].tolist())]


@cache
def keyword_pipeline(language: str):
    """A blank spaCy pipeline for tokenising keywords written in ``language``.

    English keywords use the English tokenizer, as English text does. Vietnamese keywords are split into
    syllables by the multilingual tokenizer: text words from pyvi are stored as syllables too, so the result
    is the same, without loading pyvi's model (over a second) for a few keywords.
    """
    return sentence_pipeline("en" if language == "en" else "xx")


@cache
def keyword_words(keyword: str, language: str) -> tuple[str, ...]:
    """The words of a keyword as the ``language`` pipeline tokenises it, lowercased, punctuation skipped.

    Multi-syllable tokens are split into syllables, so matching never depends on word segmentation. A
    trailing ``*`` stays on its word.
    """


    star = keyword.rstrip().endswith("*")
    text = keyword.rstrip().rstrip("*") if star else keyword
    words: list[str] = []
    for token in keyword_pipeline(language).tokenizer(text):  # tokens only, no sentencizer
        if token.is_space or not is_word(token.text):
            continue
        words.extend(word_form(token.text).split())
    if star and words:
        words[-1] += "*"
    return tuple(words)


_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})

def word_form(text: str) -> str:
    """The form a token or keyword word is compared in: lowercased, typographic apostrophes made straight
    (``Don’t`` and ``don't`` are the same word)."""
    return text.lower().translate(_APOSTROPHES)


def keyword_exceptions(language: str) -> list[str]:
    """The special-case strings of the tokenizer that reads keywords of ``language`` (``cannot``, ``can't``,
    emoticons …): the fast keyword path must leave these to spaCy. Imports spaCy, but builds no pipeline: the
    special cases are the language's default tokenizer exceptions (what ``tokenizer.rules`` holds)."""
    from spacy.util import get_lang_class

    return sorted(get_lang_class(keyword_tokenizer_language(language)).Defaults.tokenizer_exceptions)


def keyword_tokenizer_language(language: str) -> str:
    """Which spaCy tokenizer reads keywords of ``language`` (``en`` or the multilingual ``xx``)."""
    return "en" if language == "en" else "xx"


def fast_keyword_words(keyword: str, language: str, exceptions: frozenset[str]) -> tuple[str, ...] | None:
    """:func:`keyword_words` without spaCy for plain keywords, or None when it cannot be sure.

    Plain means: whitespace-separated pieces of letters, joined by single hyphens (spaCy splits those off as
    infixes) or ending in ``'s`` (a suffix), or of digits, none of them one of the tokenizer's special cases
    (``exceptions``, from :func:`keyword_exceptions`: ``cannot`` → ``can not``, ``gonna`` → ``gon na``).
    Anything else — other punctuation, mixed letters and digits, combining marks — is left to spaCy.
    """
    star = keyword.rstrip().endswith("*")
    text = keyword.rstrip().rstrip("*") if star else keyword
    words: list[str] = []
    for piece in text.split():
        if piece in exceptions or piece.lower() in exceptions:
            return None
        if piece.isdigit() and piece.isascii():
            words.append(piece)
            continue
        suffix = ""
        if piece[-2:] in ("'s", "\u2019s") and len(piece) > 2:
            piece, suffix = piece[:-2], piece[-2:]
            if piece in exceptions or piece.lower() in exceptions:
                return None
        parts = piece.split("-")
        for part in parts:
            if not part or not _plain_letters(part) or (len(parts) > 1 and (part in exceptions or
                                                                          part.lower() in exceptions)):
                return None
        words.extend(word_form(part) for part in parts)
        if suffix:
            words.append(word_form(suffix))
    if star and words:
        words[-1] += "*"
    return tuple(words)


def _plain_letters(text: str) -> bool:
    """Letters only, each one precomposed (no combining marks, which spaCy may treat apart)."""
    import unicodedata

    return text.isalpha() and (text.isascii() or unicodedata.is_normalized("NFC", text)
                                and not any(unicodedata.combining(c) for c in text))


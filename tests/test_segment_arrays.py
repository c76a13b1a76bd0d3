"""Ingest's array shortcuts give exactly what spaCy's sentencizer and the token-by-token loop give."""

from __future__ import annotations

from conftest import REPO
from spacy.attrs import IS_PUNCT, ORTH

from qualcode.ingest.segment import (
    _OPENERS,
    _period_hashes,
    is_word,
    segment,
    sentence_pipeline,
    sentence_starts,
)

TRICKY = ["", " ", ".", "...", "Hi!!! you", "a. . b", "[laughs] ok. (pause) yes", "Really?! No.", "。 x",
          "Dr. Smith went. Then", " . a", "! ! !", ". \n x", "x\u00a0y z. w", "tab\tsep. next", "\n\n",
          "He said: \"go.\" Then left.", "Wait… what?", "(1) first. (2) second."]


def _lines() -> list[str]:
    lines = []
    for path in sorted((REPO / "transcripts").glob("*.txt")):
        lines += [line for line in path.read_bytes().decode("utf-8", "replace").splitlines() if line.strip()]
    return lines + TRICKY


def test_sentence_starts_equal_spacys_sentencizer() -> None:
    """On every line of the sample transcripts and tricky strings, sentence starts are the sentencizer's."""
    for language in ("en", "xx"):
        nlp = sentence_pipeline(language)
        periods = _period_hashes(language)
        for text in _lines():
            doc = nlp(text)
            if not len(doc):
                continue
            expected = [bool(token.is_sent_start) for token in doc]
            table = nlp.tokenizer(text).to_array([ORTH, IS_PUNCT])
            got = sentence_starts([o in periods for o in table[:, 0].tolist()], table[:, 1] == 1)
            assert got.tolist() == expected, (language, text)


def test_segment_equals_the_token_loop() -> None:
    """segment() on English text equals a token-by-token reading of spaCy's sentences and tokens."""
    texts = _lines()
    got = segment(texts, "en")
    nlp = sentence_pipeline("en")
    for text, sentences in zip(texts, got):
        doc = nlp(text)
        starts = [t.i for t in doc if t.is_sent_start]
        for k in range(1, len(starts)):  # an opening bracket begins the next sentence
            while starts[k] - 1 > starts[k - 1] and doc[starts[k] - 1].text in _OPENERS:
                starts[k] -= 1
        bounds = [*starts, len(doc)] if len(doc) else []
        expected = []
        for first, last in zip(bounds, bounds[1:]):
            solid = [t for t in doc[first:last] if not t.is_space and not t.text.isspace()]
            if not solid:
                continue
            words = [t for t in doc[first:last] if not t.is_space and (t.is_alpha or t.is_digit or is_word(t.text))]
            expected.append((solid[0].idx, solid[-1].idx + len(solid[-1].text),
                             tuple(x for t in words for x in (t.idx, t.idx + len(t.text)))))
        assert sentences == expected, text


def test_small_turns_and_arrays_give_the_same_sentences(monkeypatch) -> None:
    """A turn segmented with Python lists (few tokens) and with numpy arrays gives the same sentences and word
    tokens, in English, Vietnamese (pyvi syllables) and the multilingual tokenizer."""
    import qualcode.ingest.segment as segmenting

    texts = _lines() + ["— yes", "... ok. Fine", "Chúng tôi không có tiền. Đường xa lắm!", "Hỏi: Ông có khỏe không?"]
    for language in ("en", "vi", "km"):
        monkeypatch.setattr(segmenting, "SMALL_TURN", 10**9)
        small = segment(texts, language)
        monkeypatch.setattr(segmenting, "SMALL_TURN", -1)
        assert segment(texts, language) == small, language

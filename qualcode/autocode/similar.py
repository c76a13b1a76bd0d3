"""The `similar` suggester: passages ranked by how close they are to what a code is about.

What a code is about: its label, definition and include note, its examples, and the passages already coded
with it or one of its sub-codes (human codings and accepted suggestions). A passage's score is its cosine
similarity to the centroid (the mean vector) of these — on the PDPilot interviews the centroid found twice the
base rate of coded turns among the top 5 of a held-out interview, where the highest similarity to any one of
them (nearest neighbours) found no more than chance (docs/howto/assisted-coding.md). Two models:

- ``wordllama``: static word embeddings shipped inside the `wordllama` package (``pip install
  qualcode[similar]``); loaded from the package's own folder with downloads disabled, so nothing is fetched.
- ``tfidf``: TF-IDF of word 1–2-grams and character 2–5-grams (scikit-learn), fitted on the passages and the
  code's texts. Always available; the default when wordllama is not installed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from qualcode.errors import UsageError

MODELS = ("tfidf", "wordllama")


def wordllama_available() -> bool:
    """Whether the optional `wordllama` package is installed."""
    from importlib.util import find_spec

    return find_spec("wordllama") is not None


def default_model() -> str:
    """``wordllama`` when installed, else ``tfidf``."""
    return "wordllama" if wordllama_available() else "tfidf"


def similarities(queries: Sequence[str], texts: Sequence[str], model: str | None = None) -> tuple[list[float], str]:
    """Each text's cosine similarity to the centroid of ``queries``, and the model used.

    Raises UsageError for an unknown model, or for ``wordllama`` when it is not installed.
    """
    model = model or default_model()
    if model not in MODELS:
        raise UsageError(f"unknown similarity model {model!r}; use {' or '.join(MODELS)}")
    queries = [q for q in queries if q.strip()]
    if not queries or not texts:
        return [0.0] * len(texts), model
    if model == "wordllama":
        return _wordllama(queries, texts), model
    return _tfidf(queries, texts), model


def _tfidf(queries: Sequence[str], texts: Sequence[str]) -> list[float]:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity
    from sklearn.pipeline import FeatureUnion

    features = FeatureUnion([
        ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")),
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
    ])
    matrix = features.fit_transform(list(texts) + list(queries))
    centre = np.asarray(matrix[len(texts):].mean(axis=0))
    return [float(x) for x in cosine_similarity(matrix[:len(texts)], centre)[:, 0]]


def _wordllama(queries: Sequence[str], texts: Sequence[str]) -> list[float]:
    if not wordllama_available():
        raise UsageError("the wordllama model is not installed: `pip install qualcode[similar]`, or use "
                         "--model tfidf")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from pathlib import Path

    import numpy as np
    import wordllama

    # The package ships its weights and tokenizer; pointing the cache at its own folder finds both there
    # (its own lookup looks for the tokenizer in a misnamed folder and would otherwise download it).
    model = wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    a = np.asarray(model.embed(list(texts), norm=True))
    b = np.asarray(model.embed(list(queries), norm=True))
    centre = b.mean(axis=0)
    norm = float(np.linalg.norm(centre))
    return [float(x) for x in a @ (centre / norm if norm else centre)]

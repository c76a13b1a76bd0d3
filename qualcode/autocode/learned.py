"""The `learned` suggester: per code, a classifier trained on the researcher's own decisions.

Features are word 1–2-grams and character 3–5-grams (within word boundaries) of the lowercased text, TF-IDF
weighted, each seen in at least two units of the training documents: they need no tokeniser or language model,
so English and Vietnamese (whose words are runs of syllables) work alike. The classifier is a class-balanced
logistic regression. :class:`Recipe` holds the variants measured against it (the question before a turn,
the codebook's texts as positives, regularisation, class weighting).
Everything is deterministic: fixed folds, a fixed ``random_state``, a solver without randomness. scikit-learn
is imported inside the functions, so `qualcode --help` does not load it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MIN_EXAMPLES = 5  # a code needs at least this many positive and this many negative units to be learned
THRESHOLD = 0.5  # the decision threshold when no precision is asked for
RANDOM_STATE = 0


@dataclass(frozen=True)
class Recipe:
    """How the model is built; the defaults are what `qualcode suggest` runs, the rest is what
    ``benchmarks/eval_suggest.py`` compared (docs/howto/assisted-coding.md has the table)."""

    context: bool = False  # the question before a turn as features of their own
    context_weight: float = 0.5  # how much the question counts beside the turn's own words
    codebook_text: bool = False  # a code's label, definition, include note and examples as extra positive units
    class_weight: str | None = "balanced"
    c: float = 4.0  # inverse regularisation strength of the logistic regression


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 of yes/no decisions against the truth (None where undefined)."""

    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int = 0

    @property
    def precision(self) -> float | None:
        """TP / (TP + FP), None when nothing was predicted."""
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else None

    @property
    def recall(self) -> float | None:
        """TP / (TP + FN), None when there is nothing to find."""
        truth = self.true_positives + self.false_negatives
        return self.true_positives / truth if truth else None

    @property
    def f1(self) -> float | None:
        """The harmonic mean of precision and recall, None when either is undefined or both are 0."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p is not None and r is not None and p + r else None

    @property
    def kappa(self) -> float | None:
        """Cohen's κ of the decisions against the truth, None when chance agreement is total."""
        return kappa(self.true_positives, self.false_positives, self.false_negatives, self.true_negatives)


def kappa(tp: float, fp: float, fn: float, tn: float) -> float | None:
    """Cohen's κ of a 2×2 table (yes/yes, yes/no, no/yes, no/no), None when chance agreement is total."""
    n = tp + fp + fn + tn
    if not n:
        return None
    observed = (tp + tn) / n
    chance = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n)
    return (observed - chance) / (1 - chance) if chance < 1 else None


def scores(predicted: Sequence[bool], truth: Sequence[bool]) -> Scores:
    """The :class:`Scores` of ``predicted`` against ``truth`` (two equally long yes/no sequences)."""
    tp = sum(p and t for p, t in zip(predicted, truth))
    fp = sum(p and not t for p, t in zip(predicted, truth))
    fn = sum(t and not p for p, t in zip(predicted, truth))
    tn = sum(not t and not p for p, t in zip(predicted, truth))
    return Scores(tp, fp, fn, tn)


def features(texts: Sequence[str], contexts: Sequence[str] | None = None, fit_rows: Sequence[int] | None = None,
             recipe: Recipe | None = None):
    """The feature matrix of ``texts`` (one row each): TF-IDF word and character n-grams of the text and, with
    ``recipe.context``, word n-grams of the question before it (``contexts``, a block of its own).

    The vocabulary and IDF are fitted on ``fit_rows`` only (all rows when None): an honest evaluation fits them on
    the training documents, so nothing of a held-out document shapes the features.
    """
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer

    recipe = recipe or Recipe()
    rows = list(range(len(texts))) if fit_rows is None else list(fit_rows)
    blocks = []
    for vectorizer, column in ((_words(), texts), (_chars(), texts),
                               *(((_words(), contexts),) if recipe.context and contexts is not None else ())):
        fitted = [column[i] for i in rows]
        if not any(t.strip() for t in fitted):
            continue  # no question before any training unit: a block of nothing
        try:
            vectorizer.fit(fitted)
        except ValueError:  # every n-gram seen once (min_df): nothing to learn from this block
            continue
        weight = recipe.context_weight if column is contexts else 1.0
        blocks.append(vectorizer.transform(list(column)) * weight)
    if not blocks:
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 1))
        vectorizer.fit([t or " " for t in (texts[i] for i in rows)] or [" "])
        blocks.append(vectorizer.transform([t or " " for t in texts]))
    return hstack(blocks).tocsr()


def _words():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                           token_pattern=r"(?u)\b\w+\b")


def _chars():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2)


def fit_predict(matrix, train: Sequence[int], labels: Sequence[bool], rows: Sequence[int],
                recipe: Recipe | None = None) -> list[float]:
    """Train on the ``train`` rows of ``matrix`` with ``labels`` and return the probability that each of
    ``rows`` has the code. Both classes must occur in ``labels``."""
    from sklearn.linear_model import LogisticRegression

    if not len(rows):
        return []
    recipe = recipe or Recipe()
    # the dual problem: the same optimum, found 5 times faster when features far outnumber units (as here)
    model = LogisticRegression(class_weight=recipe.class_weight, C=recipe.c, solver="liblinear", dual=True,
                               max_iter=1000, random_state=RANDOM_STATE)
    model.fit(matrix[list(train)], [int(x) for x in labels])
    return [float(p) for p in model.predict_proba(matrix[list(rows)])[:, 1]]


def pick_threshold(probabilities: Sequence[float], labels: Sequence[bool], min_precision: float) -> float | None:
    """The lowest threshold whose cross-validated precision is at least ``min_precision`` (so recall is as high
    as that precision allows), or None when no threshold reaches it."""
    pairs = sorted(zip(probabilities, labels), key=lambda x: -x[0])
    best, tp, fp = None, 0, 0
    for i, (p, label) in enumerate(pairs):
        tp, fp = tp + bool(label), fp + (not label)
        if i + 1 < len(pairs) and pairs[i + 1][0] == p:
            continue  # a threshold takes every text of that score at once
        if tp and tp / (tp + fp) >= min_precision:
            best = p
    return best

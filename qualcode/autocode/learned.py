"""The `learned` suggester: per code, a classifier trained on the researcher's own decisions.

Features are word 1–2-grams and character 3–5-grams (within word boundaries) of the lowercased text, TF-IDF
weighted, each seen in at least two units: they need no tokeniser or language model, so English and Vietnamese
(whose words are runs of syllables) work alike. The classifier is a class-balanced logistic regression.
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
class Scores:
    """Precision, recall and F1 of yes/no decisions against the truth (None where undefined)."""

    true_positives: int
    false_positives: int
    false_negatives: int

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


def scores(predicted: Sequence[bool], truth: Sequence[bool]) -> Scores:
    """The :class:`Scores` of ``predicted`` against ``truth`` (two equally long yes/no sequences)."""
    tp = sum(p and t for p, t in zip(predicted, truth))
    fp = sum(p and not t for p, t in zip(predicted, truth))
    fn = sum(t and not p for p, t in zip(predicted, truth))
    return Scores(tp, fp, fn)


def features(texts: Sequence[str]):
    """The feature matrix of ``texts`` (one row each): TF-IDF word and character n-grams fitted on these texts —
    every unit of the project, whatever its label, so no label is used and every model shares one matrix."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    union = FeatureUnion([
        ("words", TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                                  token_pattern=r"(?u)\b\w+\b")),
        ("chars", TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                  min_df=2)),
    ])
    return union.fit_transform(list(texts)).tocsr()


def fit_predict(matrix, train: Sequence[int], labels: Sequence[bool], rows: Sequence[int]) -> list[float]:
    """Train on the ``train`` rows of ``matrix`` with ``labels`` and return the probability that each of
    ``rows`` has the code. Both classes must occur in ``labels``."""
    from sklearn.linear_model import LogisticRegression

    if not len(rows):
        return []
    model = LogisticRegression(class_weight="balanced", C=4.0, solver="liblinear", random_state=RANDOM_STATE)
    model.fit(matrix[list(train)], [int(x) for x in labels])
    return [float(p) for p in model.predict_proba(matrix[list(rows)])[:, 1]]


def out_of_fold(matrix, rows: Sequence[int], labels: Sequence[bool], groups: Sequence[str],
                folds: int) -> list[float]:
    """Cross-validated probabilities of ``rows``: each scored by a model trained without its group (document).

    Folds keep a group whole and spread the positives evenly (stratified grouped K-fold, no shuffling); a fold
    whose training part lacks one class scores its rows 0. ``folds`` is capped at the number of groups and at
    the size of the larger class (≥ 2).
    """
    import warnings

    from sklearn.model_selection import StratifiedGroupKFold

    # no more folds than groups, nor than the members of the larger class (scikit-learn refuses the split)
    k = max(2, min(folds, len(set(groups)), max(sum(labels), len(labels) - sum(labels))))
    probabilities = [0.0] * len(rows)
    y = [int(x) for x in labels]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "the least populated class has fewer members than n_splits"
        splits = list(StratifiedGroupKFold(n_splits=k).split(list(rows), y, list(groups)))
    for train, test in splits:
        train_y = [y[i] for i in train]
        if len(set(train_y)) < 2:
            continue
        found = fit_predict(matrix, [rows[i] for i in train], train_y, [rows[i] for i in test])
        for i, p in zip(test, found):
            probabilities[i] = p
    return probabilities


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

"""Honest held-out decisions of the `learned` suggester: nested cross-validation by document.

Outer folds keep each document whole. Inside each outer training part, everything the model depends on is
chosen again from the training documents only: the TF-IDF vocabulary and IDF, the classifier, and — when a
precision is asked for — the threshold, picked by an inner cross-validation (again by document, features
refitted in every inner fold). The held-out documents are then decided once, with that threshold. Nothing of a
held-out document reaches the decision about it, so the figures computed from these decisions are what a
reviewer can expect on documents the model has not seen (issue 26: choosing the threshold on the scores it is
reported on turned a promised precision of 0.5 into 0.36).

The same functions choose the threshold of the run that suggests (:func:`choose_thresholds` on every reviewed
document), so the evaluation measures exactly what is then done.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from qualcode.autocode import learned


@dataclass(frozen=True)
class Problem:
    """What the learner sees: rows of text (units, then any codebook texts) and, per code, its evidence.

    ``groups`` is each row's document ("" for a codebook text, which belongs to no fold). Per code,
    ``positives`` and ``negatives`` are the rows known to have it and known not to (the rest are unknown and
    neither trained on nor scored); ``priors[code]`` the codebook rows counted as positives whenever the code is
    trained.
    """

    texts: tuple[str, ...]
    contexts: tuple[str, ...]
    groups: tuple[str, ...]
    positives: dict[str, frozenset[int]]
    negatives: dict[str, frozenset[int]]
    priors: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def rows_of(self, code: str, documents: set[str] | None = None) -> list[int]:
        """The rows with a known answer for ``code`` (in ``documents`` when given), in order."""
        rows = sorted(self.positives[code] | self.negatives[code])
        return rows if documents is None else [i for i in rows if self.groups[i] in documents]

    def labelled(self, codes: Sequence[str]) -> list[int]:
        """The rows with a known answer for any of ``codes``."""
        return sorted({i for code in codes for i in self.positives[code] | self.negatives[code]})

    @property
    def prior_rows(self) -> list[int]:
        """Every codebook row (part of every training vocabulary: the codebook is never held out)."""
        return sorted({i for rows in self.priors.values() for i in rows})


@dataclass(frozen=True)
class HeldOut:
    """Per code, the held-out rows decided yes, and the threshold each outer fold chose (None: no threshold
    reached the precision, so that fold suggested nothing)."""

    folds: tuple[tuple[str, ...], ...]  # the documents of each outer fold
    predicted: dict[str, frozenset[int]]
    thresholds: dict[str, tuple[float | None, ...]]


def document_folds(documents: Sequence[str], sizes: dict[str, int], k: int) -> list[tuple[str, ...]]:
    """``documents`` split into ``min(k, len(documents))`` folds of about equal units: the largest document
    first, each to the fold with the fewest units so far (ties: the first such fold), like scikit-learn's
    GroupKFold. With ``k`` at least the number of documents, one document per fold (leave one out)."""
    k = min(k, len(documents))
    folds: list[list[str]] = [[] for _ in range(k)]
    load = [0] * k
    for doc in sorted(documents, key=lambda d: (-sizes.get(d, 0), d)):
        i = min(range(k), key=lambda j: (load[j], j))
        folds[i].append(doc)
        load[i] += sizes.get(doc, 0)
    return [tuple(sorted(f)) for f in folds]


def sizes(problem: Problem, rows: Sequence[int]) -> dict[str, int]:
    """How many of ``rows`` each document holds."""
    found: dict[str, int] = {}
    for i in rows:
        found[problem.groups[i]] = found.get(problem.groups[i], 0) + 1
    return found


def scores_by_code(problem: Problem, codes: Sequence[str], train_docs: set[str], test_rows: Sequence[int],
                   recipe: learned.Recipe) -> dict[str, list[float] | None]:
    """Per code, the probabilities of ``test_rows`` from a model trained on the code's known rows of
    ``train_docs`` (features fitted on the known rows of those documents and the codebook texts); None when the
    training rows lack a class."""
    fit = [i for i in problem.labelled(codes) if problem.groups[i] in train_docs]
    matrix = learned.features(problem.texts, problem.contexts, [*fit, *problem.prior_rows], recipe)
    found: dict[str, list[float] | None] = {}
    for code in codes:
        train = problem.rows_of(code, train_docs)
        positive = problem.positives[code]
        if all(i in positive for i in train) or not any(i in positive for i in train):
            found[code] = None
            continue
        priors = problem.priors.get(code, ())
        found[code] = learned.fit_predict(matrix, [*train, *priors],
                                          [i in positive for i in train] + [True] * len(priors), test_rows, recipe)
    return found


class Scorer:
    """:func:`scores_by_code` of every known row, remembered per set of training documents: in nested
    cross-validation by document the inner model trained without documents A and B serves both the outer fold
    of A and that of B, so remembering halves the work."""

    def __init__(self, problem: Problem, codes: Sequence[str], recipe: learned.Recipe) -> None:
        self.problem, self.codes, self.recipe = problem, list(codes), recipe
        self.rows = problem.labelled(codes)
        self.where = {row: n for n, row in enumerate(self.rows)}
        self.seen: dict[frozenset[str], dict[str, list[float] | None]] = {}

    def scores(self, train_docs: set[str], rows: Sequence[int]) -> dict[str, list[float] | None]:
        """Per code, the probabilities of ``rows`` (known rows) from the model trained on ``train_docs``."""
        key = frozenset(train_docs)
        if key not in self.seen:
            self.seen[key] = scores_by_code(self.problem, self.codes, train_docs, self.rows, self.recipe)
        return {code: None if found is None else [found[self.where[i]] for i in rows]
                for code, found in self.seen[key].items()}


def choose_thresholds(problem: Problem, codes: Sequence[str], documents: set[str], folds: int,
                      min_precision: float | None, recipe: learned.Recipe,
                      scorer: Scorer | None = None) -> dict[str, float | None]:
    """Per code, the threshold to decide with after training on ``documents``: :data:`learned.THRESHOLD` when
    no precision is asked for, else the lowest whose precision, cross-validated over those documents (features
    refitted in every fold), reaches ``min_precision`` — None when none does or there are fewer than two
    documents."""
    if min_precision is None:
        return {code: learned.THRESHOLD for code in codes}
    if len(documents) < 2:
        return {code: None for code in codes}
    scorer = scorer or Scorer(problem, codes, recipe)
    rows = [i for i in problem.labelled(codes) if problem.groups[i] in documents]
    scored: dict[str, dict[int, float]] = {code: {} for code in codes}
    for fold in document_folds(sorted(documents), sizes(problem, rows), folds):
        test = [i for i in rows if problem.groups[i] in fold]
        for code, found in scorer.scores(documents - set(fold), test).items():
            for i, p in zip(test, found or [0.0] * len(test)):  # a fold that cannot learn scores 0
                scored[code][i] = p
    chosen = {}
    for code in codes:
        known = problem.rows_of(code, documents)
        chosen[code] = learned.pick_threshold([scored[code][i] for i in known],
                                              [i in problem.positives[code] for i in known], min_precision)
    return chosen


def held_out(problem: Problem, codes: Sequence[str], folds: int, min_precision: float | None,
             recipe: learned.Recipe | None = None, scorer: Scorer | None = None) -> HeldOut:
    """Every known row decided (yes / no per code) by a model that never saw its document: outer folds by
    document; in each, features, model and threshold come from the other documents alone."""
    recipe = recipe or learned.Recipe()
    rows = problem.labelled(codes)
    documents = {problem.groups[i] for i in rows}
    outer = document_folds(sorted(documents), sizes(problem, rows), folds)
    predicted: dict[str, set[int]] = {code: set() for code in codes}
    thresholds: dict[str, list[float | None]] = {code: [] for code in codes}
    scorer = scorer or Scorer(problem, codes, recipe)
    for fold in outer:
        train_docs = documents - set(fold)
        chosen = choose_thresholds(problem, codes, train_docs, folds, min_precision, recipe, scorer)
        test = [i for i in rows if problem.groups[i] in fold]
        found = scorer.scores(train_docs, test)
        for code in codes:
            threshold, probabilities = chosen[code], found.get(code)
            thresholds[code].append(threshold)
            if threshold is None or probabilities is None:
                continue
            known = problem.positives[code] | problem.negatives[code]
            predicted[code].update(i for i, p in zip(test, probabilities) if p >= threshold and i in known)
    return HeldOut(tuple(outer), {c: frozenset(v) for c, v in predicted.items()},
                   {c: tuple(v) for c, v in thresholds.items()})

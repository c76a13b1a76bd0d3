"""Figures of yes/no decisions against a person's coding: precision, recall, F1 and Cohen's κ per code and pooled
over codes, each with a 95% confidence interval from a bootstrap over documents.

Documents, not units, are resampled: units of one interview are not independent (one person, one
conversation, one coder's habits), so a unit bootstrap would give intervals far too narrow for what a reviewer
will meet in the next interview. The bootstrap is seeded: the same inputs give the same intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.autocode.learned import Scores

RESAMPLES = 2000
SEED = 0


@dataclass(frozen=True)
class Figures:
    """Scores with their 95% intervals (``(low, high)``; None where a figure is undefined in too many
    resamples — e.g. precision when nothing was predicted)."""

    scores: Scores
    precision_ci: tuple[float, float] | None
    recall_ci: tuple[float, float] | None
    f1_ci: tuple[float, float] | None
    kappa_ci: tuple[float, float] | None


@dataclass(frozen=True)
class Table:
    """Per-code figures (codes in the order asked) and the figures pooled over those codes (every unit × code
    decision counted once: micro precision, recall, F1 and κ)."""

    per_code: dict[str, Figures]
    pooled: Figures


def figures(codes: Sequence[str], rows_of: dict[str, Sequence[int]], groups: Sequence[str],
            truth: dict[str, frozenset[int]], predicted: dict[str, frozenset[int]], *, resamples: int = RESAMPLES,
            seed: int = SEED) -> Table:
    """The :class:`Table` of ``predicted`` against ``truth`` (per code, the rows that have it), each code scored on
    its rows ``rows_of[code]``, whose documents are ``groups[row]``; intervals from ``resamples`` bootstrap draws
    of documents."""
    import numpy as np

    documents = sorted({groups[i] for code in codes for i in rows_of[code]})
    where = {d: n for n, d in enumerate(documents)}
    counts = np.zeros((len(documents), len(codes), 4))  # tp, fp, fn, tn
    for c, code in enumerate(codes):
        yes, said = truth.get(code, frozenset()), predicted.get(code, frozenset())
        for i in rows_of[code]:
            counts[where[groups[i]], c, (0 if i in yes else 1) if i in said else (2 if i in yes else 3)] += 1
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(documents), size=(resamples, len(documents))) if documents else None
    boot = counts[draws].sum(axis=1) if draws is not None else np.zeros((0, len(codes), 4))  # resample × code × 4
    per_code = {code: _figures(counts[:, c].sum(axis=0), boot[:, c]) for c, code in enumerate(codes)}
    return Table(per_code, _figures(counts.sum(axis=(0, 1)), boot.sum(axis=1)))


def _figures(total, boot) -> Figures:
    """Figures of one 2×2 table ``total`` (tp, fp, fn, tn) with intervals from its resampled tables ``boot``."""
    import numpy as np

    tp, fp, fn, tn = (boot[:, j] for j in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = tp / (tp + fp)
        recall = tp / (tp + fn)
        f1 = 2 * tp / (2 * tp + fp + fn)
        n = tp + fp + fn + tn
        chance = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n)
        kappa = ((tp + tn) / n - chance) / (1 - chance)
    scores = Scores(*(int(x) for x in total))
    return Figures(scores, _interval(precision), _interval(recall),
                   _interval(f1) if scores.f1 is not None else None, _interval(kappa))


def _interval(values) -> tuple[float, float] | None:
    """The 2.5th and 97.5th percentiles of the defined values; None when fewer than half are defined."""
    import numpy as np

    defined = values[np.isfinite(values)]
    if not len(values) or len(defined) < len(values) / 2:
        return None
    low, high = np.percentile(defined, [2.5, 97.5])
    return float(low), float(high)

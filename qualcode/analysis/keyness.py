"""Word frequencies and keyness, the corpus-linguistics way: pure functions on counts, DataFrames out.

Keyness compares a group's frequency of a word with the rest of the corpus (every other group together):

- **G2**, Dunning's log-likelihood (Dunning 1993; the two-cell form of Rayson & Garside 2000): with ``a`` the
  word's count in the group, ``b`` in the rest, ``c`` and ``d`` the groups' sizes in words,
  ``E1 = c(a+b)/(c+d)``, ``E2 = d(a+b)/(c+d)`` and ``G2 = 2(a ln(a/E1) + b ln(b/E2))`` (a term with a zero
  count is 0). ``p`` is its chi-squared probability with one degree of freedom.
- **Log ratio** (Hardie 2014), the effect size: ``log2((a/c) / (b/d))``, a zero count taken as 0.5 so the
  ratio stays finite. +1 means twice as frequent in the group as in the rest; the sign says which way.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

WORD_COLUMNS = ("group", "lemma", "count", "per_10k", "rest_count", "rest_per_10k", "g2", "log_ratio", "p")
ZERO = 0.5  # Hardie's adjustment of a zero frequency in the log ratio


def log_likelihood(a: float, b: float, c: float, d: float) -> float:
    """Dunning's G2 of a word counted ``a`` times in ``c`` words and ``b`` times in ``d`` words."""
    total = c + d
    if total == 0 or c == 0 or d == 0:
        return math.nan
    e1, e2 = c * (a + b) / total, d * (a + b) / total
    return 2 * sum(o * math.log(o / e) for o, e in ((a, e1), (b, e2)) if o > 0)


def log_ratio(a: float, b: float, c: float, d: float) -> float:
    """Hardie's log ratio: ``log2`` of the relative frequency in the group over that in the rest."""
    if c == 0 or d == 0:
        return math.nan
    return math.log2(((a or ZERO) / c) / ((b or ZERO) / d))


def chi2_p(g2: float) -> float:
    """The probability of a G2 at least this large by chance (chi-squared, one degree of freedom)."""
    return math.nan if math.isnan(g2) else math.erfc(math.sqrt(g2 / 2))


def keyness(counts: Mapping[tuple[str, str], int], totals: Mapping[str, int],
            groups: Sequence[str] | None = None) -> pd.DataFrame:
    """Every (group, lemma) with its count, its rate per 10,000 words, the rest's count and rate, G2, log
    ratio and p (NaN when there is no rest: a single group).

    ``counts`` maps ``(group, lemma)`` to a count; ``totals`` maps a group to its size in words (stop words
    included). Rows come in ``groups`` order (default: sorted), then by count, descending, then lemma.
    """
    groups = list(groups) if groups is not None else sorted(totals)
    corpus = sum(totals.values())
    overall: dict[str, int] = {}
    for (_, lemma), n in counts.items():
        overall[lemma] = overall.get(lemma, 0) + n
    rank = {g: i for i, g in enumerate(groups)}
    rows = []
    for (group, lemma), a in sorted(counts.items(), key=lambda kv: (rank.get(kv[0][0], len(rank)), -kv[1],
                                                                    kv[0][1])):
        c = totals.get(group, 0)
        b, d = overall[lemma] - a, corpus - c
        g2 = log_likelihood(a, b, c, d)
        rows.append({"group": group, "lemma": lemma, "count": a, "per_10k": _rate(a, c), "rest_count": b,
                     "rest_per_10k": _rate(b, d) if d else math.nan, "g2": _round(g2),
                     "log_ratio": _round(log_ratio(a, b, c, d)), "p": _significant(chi2_p(g2))})
    return pd.DataFrame(rows, columns=list(WORD_COLUMNS))


def top_words(frame: pd.DataFrame, top: int, sort: str = "count") -> pd.DataFrame:
    """The ``top`` rows of each group: by ``count``, or by ``keyness`` — the words used more in the group
    than in the rest (log ratio above 0), largest G2 first."""
    if sort == "keyness":
        order = {g: i for i, g in enumerate(dict.fromkeys(frame["group"]))}
        frame = frame[frame["log_ratio"] > 0].sort_values(["g2", "lemma"], ascending=[False, True], kind="stable")
        frame = frame.sort_values("group", key=lambda s: s.map(order), kind="stable")
    out = frame.groupby("group", sort=False).head(top).reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out


def _rate(count: int, size: int) -> float:
    return round(count * 10000 / size, 2) if size else math.nan


def _significant(value: float) -> float:
    """``value`` to three significant digits (a p value of 5e-14 stays 5e-14, not 0)."""
    return value if math.isnan(value) else float(f"{value:.3g}")


def _round(value: float, digits: int = 3) -> float:
    return value if math.isnan(value) else round(value, digits)

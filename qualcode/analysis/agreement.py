"""Inter-coder agreement (percent agreement, Cohen's kappa, Krippendorff's alpha) and evaluation against a gold coder.

Both compare, code by code, whether two coders coded each unit (see :mod:`qualcode.units`); "coded X" means
coded X or one of its descendants. Rows are the codes either coder used and their ancestors, in codebook
order; pooled and micro-averaged figures stack only the codes either coder used, so a parent's decisions
are not counted twice. A statistic that is undefined (no variation, nothing to divide by) is None.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from qualcode.analysis.units import (
    Marks,
    Unit,
    UnitKind,
    code_family,
    code_rows,
    counted_codings,
    mark_units,
    unit_kind,
)
from qualcode.codebook.active import active_codebook
from qualcode.codings.pseudonyms import Pseudonyms
from qualcode.errors import ProjectError, UsageError
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import open_store
from qualcode.wording import plural

POOLED = "(pooled)"
MICRO = "(micro)"
FALSE_POSITIVE = "false positive"
FALSE_NEGATIVE = "false negative"


@dataclass(frozen=True)
class CodeAgreement:
    """How two coders agree on one code (or pooled over codes): counts of units and the statistics."""

    code: str
    label: str
    level: int
    used: bool  # a coder applied this code itself (not only a descendant of it)
    units: int
    both: int
    only_a: int
    only_b: int
    neither: int
    percent_agreement: float | None  # 0-100
    kappa: float | None
    alpha: float | None


@dataclass(frozen=True)
class Disagreement:
    """A unit where one coder coded ``code`` and the other did not; ``a`` and ``b`` say what each did."""

    unit: Unit
    code: str
    label: str
    a: str  # "yes", "yes (language.literacy)", "no" or "no (coded language)"
    b: str
    text: str  # the unit's text; for a document, the passages the coders coded


@dataclass(frozen=True)
class AgreementReport:
    """What :func:`agreement` found: per-code rows, the pooled row and the disagreeing units."""

    coders: tuple[str, str]
    unit: UnitKind
    documents: tuple[str, ...]
    units: int
    codes: tuple[CodeAgreement, ...]
    pooled: CodeAgreement
    disagreements: tuple[Disagreement, ...]
    interviewer_codings: int
    unplaced_codings: int
    unreviewed: int

    def notes(self) -> list[str]:
        """What was compared and counted, one sentence each (for the terminal and every output file)."""
        a, b = self.coders
        used = sum(c.used for c in self.codes)
        notes = [f"Coders: A = {a}, B = {b}. Units: {_units(self.unit, self.units, self.documents, 'both')}.",
                 f"A unit is coded X when a coding of X or of a sub-code overlaps it; pooled: every (unit, code) "
                 f"decision over the {used} codes either coder used.",
                 f"Codings counted: every coding not rejected or stale; "
                 f"{plural(self.unreviewed, 'unreviewed suggestion')} included."]
        return notes + _ignored(self.interviewer_codings, self.unplaced_codings)

    def frame(self):
        """The per-code rows and the pooled row as a pandas DataFrame (undefined statistics are NaN)."""
        import pandas as pd

        return pd.DataFrame([vars(row) for row in (*self.codes, self.pooled)])


@dataclass(frozen=True)
class CodeScore:
    """Precision, recall and F1 of the evaluated coder against the gold coder on one code (or micro-averaged)."""

    code: str
    label: str
    level: int
    used: bool
    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float | None
    recall: float | None
    f1: float | None


@dataclass(frozen=True)
class Miss:
    """A false positive (the coder coded it, gold did not) or a false negative, with the coded passage."""

    kind: str  # "false positive" or "false negative"
    unit: Unit
    code: str
    label: str
    quote: str  # what the coder (false positive) or gold (false negative) coded in this unit


@dataclass(frozen=True)
class EvaluationReport:
    """What :func:`evaluate` found: per-code scores, the micro average and every false positive and negative."""

    gold: str
    coder: str
    unit: UnitKind
    documents: tuple[str, ...]
    units: int
    codes: tuple[CodeScore, ...]
    micro: CodeScore
    misses: tuple[Miss, ...]
    interviewer_codings: int
    unplaced_codings: int
    statuses: tuple[tuple[str, int], ...]  # the evaluated coder's counted codings by review status

    def passes(self, threshold: float) -> bool:
        """Whether the micro F1 is defined and at least ``threshold`` (what ``--fail-under`` checks)."""
        return self.micro.f1 is not None and self.micro.f1 >= threshold

    def notes(self) -> list[str]:
        """What was compared and counted, one sentence each."""
        statuses = ", ".join(f"{n} {s}" for s, n in self.statuses) or "none"
        notes = [f"Gold: {self.gold}; evaluated: {self.coder}. "
                 f"Units: {_units(self.unit, self.units, self.documents, self.gold)}.",
                 f"Every coding of {self.coder} counts whatever its review status ({statuses}); {self.gold}'s "
                 "rejected codings do not; stale codings never count.",
                 "Micro average: true and false positives and negatives summed over the codes either coder used."]
        return notes + _ignored(self.interviewer_codings, self.unplaced_codings)

    def frame(self):
        """The per-code rows and the micro row as a pandas DataFrame (undefined scores are NaN)."""
        import pandas as pd

        return pd.DataFrame([vars(row) for row in (*self.codes, self.micro)])


def agreement(project: ProjectFolder, coders: Sequence[str], unit: str | UnitKind = "turn", *,
              codebook: str | Path | None = None) -> AgreementReport:
    """Compare two coders over the units of the documents both coded.

    ``coders`` is ``(A, B)``. Rejected and stale codings never count; codings on interviewer turns are left out
    and counted. Raises UsageError for a wrong pair or unit or an unknown coder, ProjectError when a coder has no
    codings that count or the two share no document, and the codebook's errors when it cannot be loaded.
    """
    kind = unit_kind(unit)
    pair = tuple(c.strip() for c in coders)
    if len(pair) != 2 or not all(pair) or pair[0] == pair[1]:
        raise UsageError(f"name two different coders, e.g. --coders lan,minh (got {','.join(coders) or 'none'})")
    a, b = pair
    book = active_codebook(project, codebook)
    store = open_store(project.store_path)
    try:
        counted = counted_codings(store, pair, lambda c: c.status != "rejected",
                                  "rejected and stale codings never count")
        shared = sorted({c.document for c in counted[a]} & {c.document for c in counted[b]})
        if not shared:
            raise ProjectError(f"{a} and {b} have not coded any document in common: agreement compares the "
                               "documents in which both have at least one coding")
        marks = mark_units(store, shared, counted[a] + counted[b], kind)
    finally:
        store.close()
    rows, disagreements = [], []
    used = marks.codes_used(pair)
    for order, (code, label, level) in enumerate(code_rows(book, used)):
        family = code_family(book, code)
        got_a, got_b = marks.coded(a, family), marks.coded(b, family)
        rows.append(_agree(code, label, level, code in used, len(marks.units), set(got_a), set(got_b)))
        if code in used:
            for index in sorted(set(got_a) ^ set(got_b)):
                unit_ = marks.units[index]
                text = unit_.text or _join(p for _, p in got_a.get(index, []) + got_b.get(index, []))
                disagreements.append((index, order, Disagreement(
                    unit_, code, label, _said(marks, a, index, code, got_a), _said(marks, b, index, code, got_b),
                    _flat(text))))
    pooled = _pool([r for r in rows if r.used], len(marks.units))
    unreviewed = sum(c.status == "suggested" and c.document in shared for c in counted[a] + counted[b])
    return AgreementReport(pair, kind, tuple(shared), len(marks.units), tuple(rows), pooled,
                           tuple(d for _, _, d in sorted(disagreements, key=lambda x: x[:2])),
                           sum(marks.interviewer.values()), sum(marks.unplaced.values()), unreviewed)


def evaluate(project: ProjectFolder, gold: str, coder: str = "auto", unit: str | UnitKind = "turn", *,
             codebook: str | Path | None = None) -> EvaluationReport:
    """Score ``coder`` against ``gold`` over the units of the documents ``gold`` coded.

    Every coding of ``coder`` counts whatever its review status; ``gold``'s rejected codings do not; stale codings
    never do. Raises UsageError for an unknown unit or coder or when ``gold`` is ``coder``, ProjectError when one
    of them has no codings that count.
    """
    kind = unit_kind(unit)
    gold, coder = gold.strip(), coder.strip()
    if gold == coder:
        raise UsageError(f"the gold coder and the evaluated coder are both {gold!r}: name another with --coder")
    book = active_codebook(project, codebook)
    store = open_store(project.store_path)
    try:
        counted = counted_codings(store, (gold, coder), lambda c: c.coder == coder or c.status != "rejected",
                                  f"stale codings never count, nor rejected ones of the gold coder {gold!r}")
        documents = sorted({c.document for c in counted[gold]})
        marks = mark_units(store, documents, counted[gold] + counted[coder], kind)
    finally:
        store.close()
    rows, misses = [], []
    used = marks.codes_used((gold, coder))
    for order, (code, label, level) in enumerate(code_rows(book, used)):
        family = code_family(book, code)
        truth, found = marks.coded(gold, family), marks.coded(coder, family)
        rows.append(_score(code, label, level, code in used, len(set(found) & set(truth)),
                           len(set(found) - set(truth)), len(set(truth) - set(found))))
        if code in used:
            for index in sorted(set(found) ^ set(truth)):
                kind_, passages = (FALSE_POSITIVE, found) if index in found else (FALSE_NEGATIVE, truth)
                quote = _flat(_join(p for _, p in passages[index]))
                misses.append((kind_ == FALSE_NEGATIVE, index, order,
                               Miss(kind_, marks.units[index], code, label, quote)))
    scored = [r for r in rows if r.used]
    micro = _score(MICRO, "micro average", 0, False, sum(r.true_positives for r in scored),
                   sum(r.false_positives for r in scored), sum(r.false_negatives for r in scored))
    statuses = Counter(c.status for c in counted[coder] if c.document in documents)
    return EvaluationReport(gold, coder, kind, tuple(documents), len(marks.units), tuple(rows), micro,
                            tuple(m for *_, m in sorted(misses, key=lambda x: x[:3])),
                            sum(marks.interviewer.values()), sum(marks.unplaced.values()),
                            tuple(sorted(statuses.items())))


# -- statistics ------------------------------------------------------------------------------------------------
def cohen_kappa(both: int, only_a: int, only_b: int, neither: int) -> float | None:
    """Cohen's kappa of two coders' yes/no decisions; None when chance agreement is 1 (no variation)."""
    n = both + only_a + only_b + neither
    yes_a, yes_b = both + only_a, both + only_b
    chance = yes_a * yes_b + (n - yes_a) * (n - yes_b)  # expected agreement, times n²
    if n == 0 or chance == n * n:
        return None
    return (n * (both + neither) - chance) / (n * n - chance)


def krippendorff_alpha(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """Krippendorff's alpha (nominal) of two coders' yes/no decisions; None when only one value occurs."""
    values = {*a, *b}
    if len(values) < 2:
        return None
    import krippendorff

    return float(krippendorff.alpha(reliability_data=[[int(x) for x in a], [int(x) for x in b]],
                                    level_of_measurement="nominal"))


def _agree(code: str, label: str, level: int, used: bool, n: int, got_a: set[int], got_b: set[int]) -> CodeAgreement:
    a = [i in got_a for i in range(n)]
    b = [i in got_b for i in range(n)]
    return _agreement_row(code, label, level, used, a, b)


def _agreement_row(code: str, label: str, level: int, used: bool, a: Sequence[bool],
                   b: Sequence[bool]) -> CodeAgreement:
    both = sum(x and y for x, y in zip(a, b))
    only_a = sum(x and not y for x, y in zip(a, b))
    only_b = sum(y and not x for x, y in zip(a, b))
    n = len(a)
    neither = n - both - only_a - only_b
    percent = 100 * (both + neither) / n if n else None
    return CodeAgreement(code, label, level, used, n, both, only_a, only_b, neither, percent,
                         cohen_kappa(both, only_a, only_b, neither), krippendorff_alpha(a, b))


def _pool(rows: Sequence[CodeAgreement], n: int) -> CodeAgreement:
    """Stack every (unit, code) decision of ``rows``: the same counts summed, statistics over all decisions."""
    a: list[bool] = []
    b: list[bool] = []
    for row in rows:
        # the order of decisions does not change any statistic, only the counts do
        a += [True] * row.both + [True] * row.only_a + [False] * row.only_b + [False] * row.neither
        b += [True] * row.both + [False] * row.only_a + [True] * row.only_b + [False] * row.neither
    return _agreement_row(POOLED, f"{len(rows)} codes × {n} units", 0, False, a, b)


def _score(code: str, label: str, level: int, used: bool, tp: int, fp: int, fn: int) -> CodeScore:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None
    return CodeScore(code, label, level, used, tp, fp, fn, precision, recall, f1)


# -- helpers ---------------------------------------------------------------------------------------------------
def _said(marks: Marks, coder: str, index: int, code: str, got: dict[int, list[tuple[str, str]]]) -> str:
    """``yes`` (``yes (sub-code)`` when only a descendant was coded) or ``no`` (``no (coded other)``)."""
    if index in got:
        codes = sorted({c for c, _ in got[index]})
        return "yes" if code in codes else f"yes ({', '.join(codes)})"
    others = marks.codes_at(coder, index)
    return f"no (coded {', '.join(others)})" if others else "no"


def _flat(text: str) -> str:
    """Newlines become spaces; the text is otherwise left as stored."""
    return text.replace("\r\n", " ").replace("\n", " ")


def _join(passages) -> str:
    """Distinct passages, in order, joined by an ellipsis."""
    return " … ".join(dict.fromkeys(passages))


def _units(kind: UnitKind, n: int, documents: Sequence[str], who: str) -> str:
    """``8 respondent turns of the 2 documents both coded (IDI-01, IDI-02)``; long lists are cut after ten."""
    names = ", ".join(documents[:10]) + (f" and {len(documents) - 10} more" if len(documents) > 10 else "")
    docs = f"{plural(len(documents), 'document')} {who} coded ({names})"
    if kind is UnitKind.DOCUMENT:
        return f"the {docs}, each as one unit of its respondent turns"
    what = "respondent turn" if kind is UnitKind.TURN else "sentence"
    many = "respondent turns" if kind is UnitKind.TURN else "sentences"
    return f"{plural(n, what, many)}{'' if kind is UnitKind.TURN else ' of respondent turns'} of the {docs}"


def _are(count: int) -> str:
    return "is" if count == 1 else "are"


def _ignored(interviewer: int, unplaced: int) -> list[str]:
    notes = []
    if interviewer:
        notes.append(f"{plural(interviewer, 'coding')} on interviewer turns {_are(interviewer)} not counted.")
    if unplaced:
        notes.append(f"{plural(unplaced, 'coding')} {'covers' if unplaced == 1 else 'cover'} no unit's text (only "
                     f"spaces, or outside any turn) and {_are(unplaced)} not counted.")
    return notes


def hide_texts(report: AgreementReport | EvaluationReport, pseudonyms: Pseudonyms | None
               ) -> AgreementReport | EvaluationReport:
    """``report`` with its document ids, code labels and the speaker labels and texts of its disagreements (or
    misses) pseudonymised (`qualcode pseudonymise`); numbers are untouched."""
    if pseudonyms is None:
        return report
    shown = pseudonyms.apply

    def unit(u: Unit) -> Unit:
        return replace(u, document=pseudonyms.document(u.document), speaker=shown(u.speaker), text=shown(u.text))

    documents = tuple(pseudonyms.document(d) for d in report.documents)
    codes = tuple(replace(c, label=shown(c.label)) for c in report.codes)
    if isinstance(report, AgreementReport):
        return replace(report, documents=documents, codes=codes, disagreements=tuple(
            replace(d, unit=unit(d.unit), label=shown(d.label), text=shown(d.text)) for d in report.disagreements))
    return replace(report, documents=documents, codes=codes, misses=tuple(
        replace(m, unit=unit(m.unit), label=shown(m.label), quote=shown(m.quote)) for m in report.misses))

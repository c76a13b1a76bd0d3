"""Agreement and evaluation per rule (`qualcode eval --by-rule`, `qualcode agreement --by-rule`): for each rule
that made a coder's suggestions, the units it marked and how many of them the other coder (gold, or the second
coder) coded with the rule's code or a descendant — the rule's precision — and the share of that coder's units
of the code it found. Units and counting rules are those of :mod:`qualcode.analysis.agreement`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from qualcode.analysis.units import code_family, counted_codings, mark_units, unit_kind
from qualcode.codebook.active import active_codebook
from qualcode.codings.rule_review import rule_name, rule_place
from qualcode.errors import UsageError
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import open_store

_RULES = "\0rules"  # the coder name the rule-made codings are marked under, apart from every real coder


@dataclass(frozen=True)
class RuleScore:
    """How one rule's units compare with the other coder's codings of its code."""

    rule: str  # CODE#N
    code: str
    units: int  # units the rule marked
    right: int  # of them, units the other coder coded with the code (or a descendant)
    precision: float | None  # right / units
    coded: int  # units the other coder coded with the code
    found: float | None  # right / coded: the share of them this rule found

    @property
    def wrong(self) -> int:
        """Units the rule marked that the other coder did not code with its code."""
        return self.units - self.right


def rule_scores(project: ProjectFolder, reference: str, coder: str = "auto", unit: str = "turn", *,
                evaluation: bool = True, codebook: str | Path | None = None) -> list[RuleScore]:
    """One row per rule that made ``coder``'s codings, compared with ``reference``'s, in codebook order.

    With ``evaluation`` (eval): the units of the documents ``reference`` coded, every coding of ``coder`` whatever
    its status; otherwise (agreement): the documents both coded, rejected codings left out. Raises UsageError when
    ``coder`` has no codings a rule made, and what :func:`qualcode.analysis.agreement.evaluate` raises.
    """
    kind = unit_kind(unit)
    book = active_codebook(project, codebook)
    store = open_store(project.store_path)
    try:
        keep = (lambda c: c.coder == coder or c.status != "rejected") if evaluation else \
            (lambda c: c.status != "rejected")
        counted = counted_codings(store, (reference, coder), keep, "stale codings never count")
        ruled = [c for c in counted[coder] if rule_place(c.rule)]
        if not ruled:
            raise UsageError(f"no codings of {coder!r} were made by a rule: --by-rule reports the rules behind "
                             "`qualcode code`'s suggestions (coder auto)")
        documents = {c.document for c in counted[reference]}
        if not evaluation:
            documents &= {c.document for c in counted[coder]}
        marks = mark_units(store, sorted(documents), counted[reference] + [replace(c, code=rule_name(c),
                                                                                 coder=_RULES) for c in ruled], kind)
    finally:
        store.close()
    codes = {rule_name(c): c.code for c in ruled}
    order = {c.id: i for i, c in enumerate(book.codes)}
    rows = []
    for name in sorted(codes, key=lambda n: (order.get(codes[n], len(order)), _number(n), n)):
        got = set(marks.coded(_RULES, [name]))
        family = code_family(book, codes[name])
        truth = set(marks.coded(reference, family))
        right = len(got & truth)
        rows.append(RuleScore(name, codes[name], len(got), right, right / len(got) if got else None, len(truth),
                              right / len(truth) if truth else None))
    return rows


def _number(name: str) -> int:
    tail = name.rsplit("#", 1)[-1]
    return int(tail) if tail.isdigit() else 1 << 30


def rule_rows(scores: Sequence[RuleScore]) -> tuple[list[str], list[dict]]:
    """Columns and rows of the per-rule table the terminal shows (scores rounded to three decimals)."""
    columns = ["rule", "code", "units", "right", "wrong", "precision", "found"]
    return columns, [{"rule": s.rule, "code": s.code, "units": s.units, "right": s.right, "wrong": s.wrong,
                      "precision": _stat(s.precision), "found": _stat(s.found)} for s in scores]


def _stat(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"

"""`qualcode suggest --method learned`: the evidence turned into a learning problem, the honest held-out figures
(nested cross-validation by document, with baselines and bootstrap intervals), and the suggestions.

The figures and the suggestions come from one procedure: the threshold a code suggests with is chosen by the
same cross-validation (:func:`qualcode.autocode.nested.choose_thresholds`) whose held-out result is reported,
and a code whose held-out precision misses ``--min-precision`` is listed, not suggested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qualcode.analysis import heldout
from qualcode.autocode import learned, nested
from qualcode.autocode.suggesters import Suggestion
from qualcode.codebook.load import Code, Codebook
from qualcode.errors import ProjectError
from qualcode.model import Role
from qualcode.project.store import Store

FOLDS = 5  # outer (and inner) folds when --min-precision is asked for without --cross-validate
RECIPE = learned.Recipe()  # what runs: benchmarks/eval_suggest.py measured the alternatives


def questions(store: Store, units) -> list[str]:
    """Per unit, the interviewer's turn that came last before the unit's turn in its document ("" if none):
    the question a respondent answers tells what the answer is about."""
    asked: dict[tuple[str, int], str] = {}
    last: dict[str, str] = {}
    texts = {d.id: d.text for d in store.documents()}
    for turn in store.turns():
        if turn.role is Role.INTERVIEWER:
            last[turn.document] = texts[turn.document][turn.start:turn.end]
        else:
            asked[(turn.document, turn.number)] = last.get(turn.document, "")
    return [asked.get((u.document, u.turn), "") for u in units]


def codebook_texts(book: Codebook, code: Code) -> list[str]:
    """What the codebook says a code (or one of its sub-codes) looks like: label with definition and include
    note, and each example."""
    found = []
    for c in (code, *(book.code(d) for d in book.descendants(code.id))):
        about = " ".join(x for x in (c.label, c.definition, c.include) if x and x.strip())
        found.extend(t for t in (about, *c.examples) if t.strip())
    return found


def problem(store: Store, book: Codebook, codes: Sequence[Code], evidence, recipe: learned.Recipe) -> nested.Problem:
    """The learning problem of ``codes``: every unit a row, per code its positive and negative units, and (with
    ``recipe.codebook_text``) the codebook's texts as extra rows of prior positives."""
    units = evidence.marks.units
    texts = [u.text for u in units]
    contexts = questions(store, units) if recipe.context else [""] * len(units)
    groups = [u.document for u in units]
    positives, negatives, priors = {}, {}, {}
    for code in codes:
        positive = evidence.family_units("accepted", book, code.id)
        positives[code.id] = frozenset(positive)
        negatives[code.id] = frozenset((evidence.units_of("rejected", code.id) | set(evidence.reviewed)) - positive)
        if recipe.codebook_text:
            extra = codebook_texts(book, code)
            priors[code.id] = tuple(range(len(texts), len(texts) + len(extra)))
            texts += extra
            contexts += [""] * len(extra)
            groups += [""] * len(extra)
    return nested.Problem(tuple(texts), tuple(contexts), tuple(groups), positives, negatives, priors)


def run(store: Store, book: Codebook, codes: Sequence[Code], evidence, report, candidates_of,
        recipe: learned.Recipe = RECIPE) -> list[Suggestion]:
    """Fill ``report`` (per code evidence, held-out figures when validation is asked, thresholds) and return the
    suggestions on ``candidates_of(code)``. Raises ProjectError when nothing was ever coded, accepted or
    rejected: there is nothing to learn from."""
    from qualcode.analysis.assist import CodeResult

    if not evidence.marks.passages.get("accepted") and not evidence.marks.passages.get("rejected"):
        raise ProjectError("nothing to learn from: no unit is coded by a person, accepted or rejected; code a few "
                           "documents (qualcode tag, or qualcode codings import) or review suggestions first")
    report.model = "logistic regression on word and character n-grams"
    units = evidence.marks.units
    task = problem(store, book, codes, evidence, recipe)
    validate = report.folds is not None or report.min_precision is not None
    folds = report.folds or FOLDS
    results: dict[str, CodeResult] = {}
    learnable: list[str] = []
    for code in codes:
        positive, known = task.positives[code.id], task.rows_of(code.id)
        result = CodeResult(code.id, code.label, len(positive), len(known) - len(positive),
                            len({units[i].document for i in known}))
        holders = sorted({units[i].document for i in positive})
        if len(positive) < learned.MIN_EXAMPLES or result.negatives < learned.MIN_EXAMPLES:
            result = replace(result, skipped=f"too few examples (needs {learned.MIN_EXAMPLES} positive and "
                                             "negative units)")
        elif validate and len(holders) < 2:
            result = replace(result, skipped="all positive units in one document, which cross-validation by "
                                             "document cannot test (code another document)")
        else:
            learnable.append(code.id)
        results[code.id] = result
    documents = {units[i].document for i in task.labelled(learnable)}
    scorer = nested.Scorer(task, learnable, recipe)  # shared: the evaluation's models serve the threshold's too
    if validate and learnable:
        _validate(task, learnable, folds, report, results, evidence, book, recipe, scorer)
    thresholds = nested.choose_thresholds(task, learnable, documents, folds, report.min_precision, recipe, scorer)
    made: list[Suggestion] = []
    wanted = {code: thresholds[code] for code in learnable if thresholds[code] is not None
              and not results[code].skipped}
    for code, threshold in thresholds.items():
        if threshold is None and not results[code].skipped:
            results[code] = replace(results[code], skipped=f"no threshold reaches precision {report.min_precision:g}"
                                                           " in cross-validation")
    candidates = {code: candidates_of(code) for code in wanted}
    rows = sorted({i for found in candidates.values() for i in found})
    found = nested.scores_by_code(task, list(wanted), documents, rows, recipe) if rows and wanted else {}
    for code, threshold in wanted.items():
        chosen = candidates[code]
        probabilities = dict(zip(rows, found.get(code) or [0.0] * len(rows)))
        suggested = [Suggestion(units[i].document, units[i].start, units[i].end, code,
                                f"learned p={probabilities[i]:.2f}", probabilities[i])
                     for i in chosen if probabilities[i] >= threshold]
        made.extend(suggested)
        results[code] = replace(results[code], threshold=threshold, suggested=len(suggested))
    report.per_code = [results[c.id] for c in codes]
    return made


def _validate(task: nested.Problem, codes: list[str], folds: int, report, results: dict, evidence,
              book: Codebook, recipe: learned.Recipe, scorer: nested.Scorer) -> None:
    """Nested held-out figures of the learned model and the baselines, per code and pooled; a code whose held-out
    precision misses ``report.min_precision`` is marked skipped (listed, not suggested)."""
    found = nested.held_out(task, codes, folds, report.min_precision, recipe, scorer)
    rows_of = {code: task.rows_of(code) for code in codes}
    ruled = {code: frozenset(evidence.family_units("rules", book, code)) for code in codes}
    both = {code: found.predicted[code] | (ruled[code] & set(rows_of[code])) for code in codes}
    frequent: dict[str, set[int]] = {code: set() for code in codes}
    for fold in found.folds:  # "always the most frequent code" of the training documents, on every held-out unit
        inside = set(fold)
        top = max(codes, key=lambda c: (sum(task.groups[i] not in inside for i in task.positives[c]), -codes.index(c)))
        frequent[top].update(i for i in rows_of[top] if task.groups[i] in inside)
    tables = {name: heldout.figures(codes, rows_of, task.groups, task.positives, {c: frozenset(v) for c, v in
                                                                                    decided.items()})
              for name, decided in (("learned", found.predicted), ("rules", ruled), ("rules + learned", both),
                                    ("most frequent code", frequent))}
    report.pooled = {name: table.pooled for name, table in tables.items()}
    report.outer_folds = len(found.folds)
    for code in codes:
        mine = tables["learned"].per_code[code]
        result = replace(results[code], heldout=mine, rules=tables["rules"].per_code[code],
                         combined=tables["rules + learned"].per_code[code])
        precision = mine.scores.precision
        if report.min_precision is not None and (precision is None or precision < report.min_precision):
            result = replace(result, skipped=f"held-out precision below {report.min_precision:g}")
        results[code] = result

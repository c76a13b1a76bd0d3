"""Compare variants of the `learned` suggester on a project's human codings, honestly: nested cross-validation by
document (the procedure `qualcode suggest --cross-validate` reports), pooled micro precision, recall, F1 and κ
over the codes with enough examples, with 95% bootstrap intervals over documents.

    python benchmarks/eval_suggest.py PROJECT [--unit turn] [--folds 7] [--min-precision 0.5]

PROJECT is a qualcode project whose human codings are the truth (e.g. the PDPilot interviews with the MAXQDA
segments imported: tests/test_suggest_real.py shows how it is built). `make eval-suggest` builds that project in
a temporary folder and runs this. The recipes compared are those of docs/howto/assisted-coding.md's table.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

from qualcode.analysis import heldout
from qualcode.analysis.assist import gather
from qualcode.analysis.assist_learned import RECIPE, problem
from qualcode.analysis.units import unit_kind
from qualcode.api import open_project
from qualcode.autocode import learned, nested
from qualcode.codebook.active import active_codebook
from qualcode.project.store import open_store

RECIPES = {
    "before (issue 26: C 4, balanced, no context)": learned.Recipe(),
    "+ question before the turn": replace(learned.Recipe(), context=True),
    "+ codebook text as positives": replace(learned.Recipe(), codebook_text=True),
    "+ both": replace(learned.Recipe(), context=True, codebook_text=True),
    "C 1": replace(learned.Recipe(), c=1.0),
    "C 16": replace(learned.Recipe(), c=16.0),
    "no class weighting": replace(learned.Recipe(), class_weight=None),
    "what runs": RECIPE,
}


def main() -> None:
    """Print one row per recipe: pooled held-out precision, recall, F1, κ (95% intervals) and seconds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project")
    parser.add_argument("--unit", default="turn")
    parser.add_argument("--folds", type=int, default=7)
    parser.add_argument("--min-precision", type=float, default=0.5)
    parser.add_argument("--only", nargs="*", help="recipe names to run (default: all)")
    args = parser.parse_args()
    project = open_project(args.project)
    book = active_codebook(project)
    store = open_store(project.store_path)
    try:
        evidence = gather(store, book, unit_kind(args.unit))
        base = problem(store, book, book.codes, evidence, replace(RECIPE, context=True, codebook_text=False))
        least = learned.MIN_EXAMPLES
        codes = [c.id for c in book.codes if len(base.positives[c.id]) >= least and len(base.negatives[c.id]) >= least
                 and len({base.groups[i] for i in base.positives[c.id]}) >= 2]
        print(f"{len(codes)} codes, {len(evidence.marks.units)} {args.unit}s, {args.folds} folds, "
              f"min precision {args.min_precision}")
        print("| recipe | precision | recall | F1 | κ | seconds |\n|---|---|---|---|---|---|")
        for name, recipe in RECIPES.items():
            if args.only and name not in args.only:
                continue
            started = time.perf_counter()
            task = problem(store, book, [book.code(c) for c in codes], evidence, recipe)
            found = nested.held_out(task, codes, args.folds, args.min_precision, recipe)
            table = heldout.figures(codes, {c: task.rows_of(c) for c in codes}, task.groups, task.positives,
                                    found.predicted)
            f = table.pooled
            cells = [_cell(f.scores.precision, f.precision_ci), _cell(f.scores.recall, f.recall_ci),
                     _cell(f.scores.f1, f.f1_ci), _cell(f.scores.kappa, f.kappa_ci)]
            print(f"| {name} | {' | '.join(cells)} | {time.perf_counter() - started:.0f} |", flush=True)
    finally:
        store.close()


def _cell(value, interval) -> str:
    if value is None:
        return "–"
    return f"{value:.2f} ({interval[0]:.2f}–{interval[1]:.2f})" if interval else f"{value:.2f}"


if __name__ == "__main__":
    main()

"""`qualcode suggest`: the assisted suggesters (learned, similar, llm) run over a project.

The units are those of agreement and evaluation (:func:`qualcode.analysis.units.mark_units`): respondent
sentences or turns. The evidence a code has:

- **positive** units: overlapped by an accepted coding of the code or of one of its descendants (as everywhere
  units are counted) — a person's coding (human codings are accepted) or an accepted suggestion of any method;
- **negative** units: overlapped by a rejected coding of the code and not positive, and the
  *reviewed-but-uncoded* units: every respondent unit of a document in which a person (a coder other than
  ``auto``, ``learned``, ``similar``, ``llm``) has an accepted coding, not positive for the code. A document a
  person coded is taken as coded throughout.

Suggestions go only on units that the rules (``auto``, not rejected) did not code with that code or a
descendant, that are not positive, and on which no coding of that code was rejected; and, unless
``everywhere``, only on documents no person has coded (where a suggestion saves a reader's time: a document
a person coded is taken as coded throughout, and is the model's evidence of what the code is not).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from qualcode.analysis.heldout import Figures
from qualcode.analysis.units import Marks, UnitKind, mark_units, unit_kind
from qualcode.autocode import llm, similar
from qualcode.autocode.suggesters import MACHINE_CODERS, RULE_CODER, Suggestion, store_suggestions
from qualcode.codebook.active import active_codebook
from qualcode.codebook.load import Code, Codebook
from qualcode.codebook.names import unknown_code
from qualcode.errors import ProjectError, UsageError
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import Store, open_store

METHODS = ("learned", "similar", "llm")
MAX_FAILURES = 5  # llm: stop asking an endpoint that fails this many units in a row
TIMEOUT = 60.0  # llm: seconds one request may take
CACHE_FILE = "llm-cache.jsonl"


@dataclass(frozen=True)
class CodeResult:
    """What one code got: its evidence, the cross-validated scores, the threshold and the suggestions made.

    ``skipped`` says why nothing was learned or suggested for it (empty when it was). With validation,
    ``heldout`` scores the learned model on held-out documents (nested cross-validation), ``rules`` the rules'
    codings alone and ``combined`` the rules or the learned model, on the same units.
    """

    code: str
    label: str
    positives: int = 0
    negatives: int = 0
    documents: int = 0
    skipped: str = ""
    threshold: float | None = None
    heldout: Figures | None = None
    rules: Figures | None = None
    combined: Figures | None = None
    suggested: int = 0


@dataclass(frozen=True)
class Estimate:
    """An llm run before it starts (and once the first answer has timed the endpoint)."""

    units: int
    cached: int
    seconds_per_unit: float | None = None
    remote: str = ""  # the host passages are sent to when it is not this machine (--allow-remote)

    @property
    def seconds(self) -> float | None:
        """The estimated time of the units still to send, when the endpoint has been timed."""
        return None if self.seconds_per_unit is None else self.seconds_per_unit * (self.units - self.cached)


@dataclass
class SuggestReport:
    """What `qualcode suggest` did; ``return_code`` is 1 when the endpoint failed on some unit."""

    method: str
    codebook: str
    unit: str
    model: str = ""
    folds: int | None = None
    min_precision: float | None = None
    per_code: list[CodeResult] = field(default_factory=list)
    pooled: dict[str, Figures] = field(default_factory=dict)  # learned, rules, rules + learned, most frequent code
    outer_folds: int = 0  # how many held-out folds the figures come from
    everywhere: bool = False  # suggestions also on documents a person coded
    open_documents: int = 0  # documents suggestions may go on
    units: int = 0
    added: int = 0
    replaced: int = 0
    already_decided: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)  # (unit's place, what went wrong)
    not_sent: int = 0  # llm: units not asked once the run stopped
    answered: int = 0  # llm: units answered (their earlier suggestions replaced)
    stopped: str = ""  # llm: why the run stopped asking early, if it did
    interrupted: bool = False  # llm: stopped by Ctrl-C

    @property
    def unanswered(self) -> int:
        """llm: the units left without a new answer (their earlier suggestions kept); 0 for the other methods."""
        return self.units - self.answered if self.method == "llm" else 0

    @property
    def return_code(self) -> int:
        """0 when every unit was handled, 1 when some unit was left unanswered, 130 after Ctrl-C."""
        if self.interrupted:
            return 130
        return 1 if self.failures or self.unanswered else 0


@dataclass(frozen=True)
class Evidence:
    """The units of the project and, per code, which are positive, rejected, coded by rules; which are reviewed."""

    marks: Marks
    reviewed: frozenset[int]  # units of documents a person coded

    def units_of(self, group: str, code: str) -> set[int]:
        """The units ``group`` (accepted, rejected, rules) marks with exactly ``code``."""
        return set(self.marks.passages.get(group, {}).get(code, {}))

    def family_units(self, group: str, book: Codebook, code: str) -> set[int]:
        """The units ``group`` marks with ``code`` or one of its descendants."""
        return {i for c in (code, *book.descendants(code)) for i in self.units_of(group, c)}


def gather(store: Store, book: Codebook, kind: UnitKind) -> Evidence:
    """Every respondent unit of the project with the accepted, rejected and rule codings that mark it."""
    everything = [c for c in store.codings() if not c.stale]
    grouped = []
    for c in everything:
        if c.status in ("accepted", "rejected"):
            grouped.append(replace(c, coder=c.status))
        if c.coder == RULE_CODER and c.status != "rejected":
            grouped.append(replace(c, coder="rules"))
    marks = mark_units(store, [d.id for d in store.documents()], grouped, kind)
    people = {c.document for c in everything if c.coder not in MACHINE_CODERS and c.status == "accepted"}
    return Evidence(marks, frozenset(i for i, u in enumerate(marks.units) if u.document in people))


def suggest(project: ProjectFolder, method: str, *, code: str | None = None, unit: str | None = None,
            folds: int | None = None, min_precision: float | None = None, top: int = 20, model: str | None = None,
            endpoint: str | None = None, allow_remote: bool = False, everywhere: bool = False,
            timeout: float = TIMEOUT, max_failures: int = MAX_FAILURES,
            on_estimate: Callable[[Estimate], None] | None = None,
            on_progress: Callable[[int, int, str], None] | None = None) -> SuggestReport:
    """Run one assisted suggester over the project and store its suggestions (coder = the method's name).

    Suggestions go on documents no person has coded unless ``everywhere``. Raises UsageError for an unknown
    method, code or unit, bad options (a fold count below 2 or above the number of documents, a precision
    outside 0–1, `similar` without a code, `llm` without an endpoint and model, with an endpoint off this
    machine unless ``allow_remote``, a ``timeout`` or ``max_failures`` below what makes sense), and ProjectError
    when nothing was ingested, or for `learned` when nothing was coded, accepted or rejected.
    """
    if method not in METHODS:
        raise UsageError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if folds is not None and folds < 2:
        raise UsageError(f"--cross-validate {folds}: a model must be tested on documents it did not learn from, "
                         "so it needs at least 2 folds (5 is usual)")
    if min_precision is not None and not 0 < min_precision <= 1:
        raise UsageError("--min-precision is a precision between 0 and 1, e.g. 0.8")
    if top < 1:
        raise UsageError("--top must be at least 1")
    book = active_codebook(project)
    codes = list(book.codes)
    if code is not None:
        target = book.resolve(code)
        if target is None:
            raise UsageError(unknown_code(book, code))
        codes = [target]
    elif method == "similar":
        raise UsageError("name the code to find passages for: qualcode suggest --method similar --code CODE")
    kind = unit_kind(unit or ("turn" if book.unit == "turn" else "sentence"))
    if kind is UnitKind.DOCUMENT:
        raise UsageError("suggestions are made on sentences or turns: use --unit sentence or --unit turn")
    if method == "llm":
        if not endpoint or not model:
            raise UsageError("the llm method needs --endpoint URL and --model NAME (e.g. --endpoint "
                             "http://127.0.0.1:11434/v1 --model llama3.1)")
        where = llm.endpoint(endpoint, allow_remote)
        if not timeout > 0:
            raise UsageError(f"--timeout {timeout:g}: give the seconds one request may take, e.g. 60")
        if max_failures < 1:
            raise UsageError(f"--max-failures {max_failures}: give how many failures in a row stop the run, e.g. 5")
    store = open_store(project.store_path)
    try:
        documents = len(store.document_keys())
        if not documents:
            raise ProjectError("no documents: run `qualcode ingest` first")
        if folds is not None and folds > documents:  # before any model is built: folds split by document
            raise UsageError(f"--cross-validate {folds}: folds keep each document whole and this project has "
                             f"{documents} documents; use at most {documents} (5 is usual)")
        evidence = gather(store, book, kind)
        texts = {d.id: d.text for d in store.documents()}
        report = SuggestReport(method, book.name, kind.value, folds=folds, min_precision=min_precision,
                               units=len(evidence.marks.units), everywhere=everywhere)
        reviewed_docs = {evidence.marks.units[i].document for i in evidence.reviewed}
        report.open_documents = documents if everywhere else documents - len(reviewed_docs)
        if method == "learned":
            _learned(store, book, codes, evidence, texts, report)
        elif method == "similar":
            _similar(store, book, codes[0], evidence, texts, report, top, model)
        else:
            from qualcode.analysis.assist_llm import run_llm  # it imports this module

            run_llm(store, book, codes, evidence, texts, report, where, model,
                    llm.ResponseCache(cache_path(project)),
                    timeout=timeout, max_failures=max_failures, on_estimate=on_estimate, on_progress=on_progress)
    finally:
        store.close()
    return report


def _open_units(evidence: Evidence, book: Codebook, code: str, everywhere: bool = True) -> list[int]:
    """The units a suggester may code with ``code``: not positive, not coded by the rules, never rejected — and
    unless ``everywhere``, not in a document a person coded."""
    taken = (evidence.family_units("accepted", book, code) | evidence.family_units("rules", book, code)
             | evidence.units_of("rejected", code))
    if not everywhere:
        taken |= evidence.reviewed
    return [i for i in range(len(evidence.marks.units)) if i not in taken]


def _suggestion(evidence: Evidence, index: int, code: str, note: str, score: float | None = None) -> Suggestion:
    u = evidence.marks.units[index]
    return Suggestion(u.document, u.start, u.end, code, note, score)


# -- learned -------------------------------------------------------------------------------------------------
def _learned(store: Store, book: Codebook, codes: Sequence[Code], evidence: Evidence, texts: dict[str, str],
             report: SuggestReport) -> None:
    from qualcode.analysis import assist_learned

    made = assist_learned.run(store, book, codes, evidence, report,
                              lambda code: _open_units(evidence, book, code, report.everywhere))
    with store.transaction():
        stored = store_suggestions(store, book, "learned", made, texts, [c.id for c in codes])
    report.added, report.replaced, report.already_decided = stored.added, stored.replaced, stored.already_decided


# -- similar -------------------------------------------------------------------------------------------------
def _similar(store: Store, book: Codebook, code: Code, evidence: Evidence, texts: dict[str, str],
             report: SuggestReport, top: int, model: str | None) -> None:
    about = " ".join(x for x in (code.label, code.definition, code.include) if x.strip())
    family = {code.id, *book.descendants(code.id)}  # a sub-code's passage is about its parent too (issue 26)
    accepted = [c.text for c in store.codings() if c.code in family and c.status == "accepted" and not c.stale]
    queries = [about, *code.examples, *accepted]
    candidates = _open_units(evidence, book, code.id, report.everywhere)
    found, report.model = similar.similarities(queries, [evidence.marks.units[i].text for i in candidates], model)
    ranked = sorted(zip(candidates, found), key=lambda x: (-round(x[1], 6), x[0]))
    chosen = [_suggestion(evidence, i, code.id, f"similar {report.model} s={s:.2f}", s)
              for i, s in ranked[:top] if s > 0]
    with store.transaction():
        stored = store_suggestions(store, book, "similar", chosen, texts, [code.id])
    report.added, report.replaced, report.already_decided = stored.added, stored.replaced, stored.already_decided
    report.per_code.append(CodeResult(code.id, code.label, len(evidence.family_units("accepted", book, code.id)),
                                      suggested=stored.added))


def cache_path(project: ProjectFolder) -> Path:
    """Where the llm method keeps the answers it has received and checked."""
    return project.store_path.parent / CACHE_FILE

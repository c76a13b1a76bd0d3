"""Review by rule: each rule's suggestions counted, a seeded sample of them checked one by one, then one decision
for the rest — recorded with the sample's size and result, so the audit trail says "accepted 214 after checking
20, 20 right".

A rule is named ``CODE#N``: the N-th entry (from 1) of the code's ``rules:`` list, read from the place every
suggestion records (``codes[4].children[2].rules[0] keyword "meeting*"`` is a suggestion of
``participation.meetings#1``). Suggestions made without a rule (``learned``, ``similar``, ``llm``) are grouped
as ``CODE#CODER``. A sample is the first N of a seeded shuffle of the rule's pending suggestions when it was
drawn (its *population*), so the same seed and suggestions give the same sample, and a wider sample keeps the
narrower one's suggestions. The bulk decision applies only to the population's suggestions still pending: it is
refused while the sample is not fully decided, and when the rule has gained suggestions since the draw (their
quality was not sampled). This module never prints; the CLI is :mod:`qualcode.cli.review_commands`.
"""

from __future__ import annotations

import bisect
import hashlib
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qualcode.codebook.load import Codebook
from qualcode.errors import UsageError
from qualcode.model import Role
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import CodingRow, RuleSampleRow, Store, open_store
from qualcode.wording import did_you_mean, plural

if TYPE_CHECKING:
    from qualcode.codings.review_session import ReviewSession

DEFAULT_SAMPLE = 10
BROAD_SHARE = 0.5  # a rule suggesting a code on at least this share of respondent turns is reported as too broad
_PLACE = re.compile(r"^(codes\[\d+\](?:\.children\[\d+\])*)\.rules\[(\d+)\]")
_OPEN, _DROPPED = "", "dropped"
ACTIONS = ("accept", "reject")


def rule_place(rule: str) -> tuple[str, int] | None:
    """``(code place, rule index)`` of a suggestion's rule column (``codes[0].rules[2] keyword "x"`` →
    ``("codes[0]", 2)``), or None when a rule did not make it."""
    found = _PLACE.match(rule or "")
    return (found.group(1), int(found.group(2))) if found else None


def rule_name(coding: CodingRow) -> str:
    """The name review by rule gives the rule that made ``coding``: ``CODE#N`` (N from 1), or ``CODE#CODER``
    for a suggestion no rule made."""
    place = rule_place(coding.rule)
    return f"{coding.code}#{place[1] + 1}" if place else f"{coding.code}#{coding.coder}"


def rule_term(coding: CodingRow) -> str:
    """What matched, as the rule column says after the rule's place (``keyword "meeting*"``), or the whole rule
    column when no rule made it."""
    found = _PLACE.match(coding.rule or "")
    return coding.rule[found.end():].strip() if found else coding.rule


@dataclass(frozen=True)
class RuleSummary:
    """One rule's suggestions by review status, where it is, what it matched most, and its open sample."""

    name: str
    code: str
    place: str  # ``codes[4].children[2].rules[0]``, or "" for suggestions no rule made
    pending: int
    accepted: int
    rejected: int
    terms: tuple[tuple[str, int], ...]  # the matched terms, most frequent first
    turns: int  # respondent turns holding at least one of its suggestions
    respondent_turns: int  # in the project
    sample: RuleSampleRow | None = None  # the open sample, if any
    settled: tuple[RuleSampleRow, ...] = ()  # its bulk decisions, oldest first

    @property
    def suggestions(self) -> int:
        """Every suggestion the rule made that is still stored, whatever its status."""
        return self.pending + self.accepted + self.rejected

    @property
    def decided(self) -> int:
        """Suggestions accepted or rejected."""
        return self.accepted + self.rejected

    @property
    def share(self) -> float:
        """The share of the project's respondent turns it suggested a code on (0 to 1)."""
        return self.turns / self.respondent_turns if self.respondent_turns else 0.0

    @property
    def broad(self) -> bool:
        """Whether it suggests a code on at least :data:`BROAD_SHARE` of the respondent turns."""
        return self.turns >= 2 and self.share >= BROAD_SHARE


@dataclass(frozen=True)
class SampleState:
    """A rule's sample as it stands: its suggestions in sample order and how each was decided."""

    rule: RuleSummary
    record: RuleSampleRow
    codings: tuple[CodingRow, ...]  # the sample's suggestions still stored, in sample order
    gone: int  # sampled suggestions no longer stored (replaced by a re-run of `qualcode code`)
    rest: tuple[int, ...]  # ids of the population's other suggestions still pending
    gained: tuple[int, ...]  # ids of the rule's pending suggestions drawn after the sample (not in its population)
    drawn_now: bool = False  # this call drew it (else it was open already)
    widened: bool = False  # this call widened it

    @property
    def undecided(self) -> list[CodingRow]:
        """The sample's suggestions still to decide."""
        return [c for c in self.codings if c.status == "suggested" and not c.stale]

    @property
    def right(self) -> int:
        """Sample suggestions accepted."""
        return sum(c.status == "accepted" for c in self.codings)

    @property
    def wrong(self) -> int:
        """Sample suggestions rejected (a changed code counts: the rule's code was wrong)."""
        return sum(c.status == "rejected" for c in self.codings)

    @property
    def took_all(self) -> bool:
        """Whether the sample holds every suggestion of its population (asked for more than there were)."""
        return len(self.record.population) <= self.record.size


def describe(record: RuleSampleRow) -> str:
    """What a bulk decision did, in the audit trail's words: ``accepted 214 after checking 20, 20 right``."""
    done = "accepted" if record.action == "accept" else "rejected"
    checked = record.sample_accepted + record.sample_rejected
    if record.sample_rejected and record.sample_accepted:
        result = f"{record.sample_accepted} right, {record.sample_rejected} wrong"
    elif record.sample_rejected:
        result = f"{record.sample_rejected} wrong"
    else:
        result = f"{record.sample_accepted} right"
    forced = " (--force)" if record.forced else ""
    return f"{done} {len(record.applied)} after checking {checked}, {result}{forced}"


def audit_column(store: Store, codebook: str | None = None) -> dict[int, str]:
    """``coding id -> how it was decided`` for the codings a review by rule decided: the bulk decision's words
    for the rest, and the sample it was checked in for a sampled one (the export's ``how_decided`` column); of
    one codebook's samples, or of all when ``codebook`` is None."""
    said: dict[int, str] = {}
    for record in store.rule_samples(codebook):
        if record.action in ACTIONS:
            for coding_id in record.applied:
                said[coding_id] = f"rule {record.rule}: {describe(record)}"
            for coding_id in sample_ids(record):
                said.setdefault(coding_id, f"checked in the sample of rule {record.rule}; the rest {describe(record)}")
    return said


def sample_ids(record: RuleSampleRow) -> list[int]:
    """The ids of a sample, in sample order: the first ``size`` of the seeded shuffle of its population."""
    order = sorted(record.population)
    random.Random(record.seed).shuffle(order)
    return order[:record.size]


def default_seed(rule: str, population: Sequence[int]) -> int:
    """The seed of a sample drawn without ``--seed``: a hash of the rule and its pending suggestions, so the same
    project state draws the same sample."""
    text = rule + ":" + ",".join(map(str, sorted(population)))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def rule_codings(store: Store, book: Codebook, coder: str) -> dict[str, list[CodingRow]]:
    """``rule name -> coder's non-stale codings of the codebook it made``, in codebook order of their codes."""
    order = {c.id: i for i, c in enumerate(book.codes)}
    found: dict[str, list[CodingRow]] = {}
    for coding in store.codings():
        if coding.coder == coder and not coding.stale and coding.codebook == book.name and coding.origin != "review":
            found.setdefault(rule_name(coding), []).append(coding)
    return dict(sorted(found.items(), key=lambda kv: (order.get(kv[1][0].code, len(order)), _number(kv[0]),
                                                      kv[0])))


def _number(name: str) -> int:
    tail = name.rsplit("#", 1)[-1]
    return int(tail) if tail.isdigit() else 1 << 30


def summaries(store: Store, book: Codebook, coder: str = "auto") -> list[RuleSummary]:
    """Every rule of ``coder``'s stored suggestions of ``book``, in codebook order."""
    by_rule = rule_codings(store, book, coder)
    turns: dict[str, list[tuple[int, int, bool]]] = {}
    for t in store.turns():
        turns.setdefault(t.document, []).append((t.start, t.end, t.role is not Role.INTERVIEWER))
    respondent = sum(r for doc in turns.values() for *_, r in doc)
    starts = {doc: [s for s, _, _ in found] for doc, found in turns.items()}
    samples: dict[str, list[RuleSampleRow]] = {}
    for record in store.rule_samples(book.name, coder):
        samples.setdefault(record.rule, []).append(record)
    out = []
    for name, codings in by_rule.items():
        status = Counter(c.status for c in codings)
        terms = Counter(rule_term(c) for c in codings)
        held = set()
        for c in codings:
            i = bisect.bisect_right(starts.get(c.document, []), c.start) - 1
            if i >= 0 and turns[c.document][i][2]:
                held.add((c.document, i))
        place = rule_place(codings[0].rule)
        records = samples.get(name, [])
        out.append(RuleSummary(
            name, codings[0].code, f"{place[0]}.rules[{place[1]}]" if place else "", status["suggested"],
            status["accepted"], status["rejected"], tuple(sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))),
            len(held), respondent, next((r for r in reversed(records) if r.action == _OPEN), None),
            tuple(r for r in records if r.action in ACTIONS)))
    return out


RULE_SHEET_COLUMNS = ("rule", "code", "suggestions", "decided", "accepted", "rejected", "pending", "settled")


def rule_sheet(store: Store, book: Codebook, coders: Sequence[str]) -> list[dict]:
    """The per-rule summary of a review sheet: one row per rule of ``coders``' suggestions (columns
    :data:`RULE_SHEET_COLUMNS`), ``settled`` holding its bulk decisions' words."""
    return [{"rule": r.name, "code": r.code, "suggestions": r.suggestions, "decided": r.decided,
             "accepted": r.accepted, "rejected": r.rejected, "pending": r.pending,
             "settled": "; ".join(describe(s) for s in r.settled)}
            for coder in coders for r in summaries(store, book, coder)]


def find_rule(rules: Sequence[RuleSummary], name: str, coder: str = "auto") -> RuleSummary:
    """The rule ``name`` means: its name (``language#2``, any case), or its place (``codes[0].rules[1]``).

    Raises UsageError naming the closest rule names.
    """
    wanted = " ".join(name.split()).casefold()
    for rule in rules:
        if wanted in (rule.name.casefold(), rule.place.casefold()):
            return rule
    names = [r.name for r in rules]
    if not names:
        raise UsageError(f"no suggestions of coder {coder!r} to review by rule: run `qualcode code` first")
    raise UsageError(f"unknown rule {name!r}{did_you_mean(name, names)}; `qualcode review --by-rule` lists the "
                     "rules with suggestions (a rule is CODE#N, the N-th of the code's rules)")


def state(store: Store, rule: RuleSummary, record: RuleSampleRow, pending: Sequence[CodingRow]) -> SampleState:
    """The sample ``record`` of ``rule`` now, ``pending`` being the rule's pending suggestions."""
    ids = sample_ids(record)
    stored = {c.id: c for c in store.codings_by_ids(ids)}
    chosen = set(ids)
    population = set(record.population)
    return SampleState(rule, record, tuple(stored[i] for i in ids if i in stored), len(ids) - len(stored),
                       tuple(c.id for c in pending if c.id in population and c.id not in chosen),
                       tuple(c.id for c in pending if c.id not in population))


def draw(store: Store, book: Codebook, rule: RuleSummary, *, size: int | None = None, seed: int | None = None,
         new: bool = False, coder: str = "auto", now: str = "") -> SampleState:
    """The rule's open sample, widened to ``size`` when that is larger; or, with none open (or ``new``), a new
    sample of ``size`` (default :data:`DEFAULT_SAMPLE`) of its pending suggestions, seeded with ``seed`` (default
    :func:`default_seed`). The caller holds the transaction.

    Raises UsageError for a size below 1, a seed given for an open sample, or a rule with nothing pending.
    """
    if size is not None and size < 1:
        raise UsageError(f"--sample {size}: a sample needs at least one suggestion")
    pending = [c for c in rule_codings(store, book, coder).get(rule.name, []) if c.status == "suggested"]
    record = rule.sample
    if record is not None and new:
        current = state(store, rule, record, pending)
        store.close_rule_sample(record.id, _DROPPED, (), current.right, current.wrong, "", now, False)
        record = None
    if record is not None:
        if seed is not None and seed != record.seed:
            raise UsageError(f"rule {rule.name} has an open sample drawn with seed {record.seed}; to draw another "
                             "with your seed, add --new-sample")
        widened = size is not None and size > record.size and len(record.population) > record.size
        if widened:
            store.set_rule_sample_size(record.id, size)
            record = next(r for r in store.rule_samples(book.name, coder) if r.id == record.id)
        return _with(state(store, rule, record, pending), widened=widened)
    if not pending:
        raise UsageError(f"rule {rule.name} has no suggestions left to review ({plural(rule.accepted, 'accepted')}, "
                         f"{rule.rejected} rejected)")
    population = sorted(c.id for c in pending)
    seed = default_seed(rule.name, population) if seed is None else seed
    sample_id = store.add_rule_sample(book.name, coder, rule.name, seed, size or DEFAULT_SAMPLE, population, now)
    record = next(r for r in store.rule_samples(book.name, coder) if r.id == sample_id)
    return _with(state(store, rule, record, pending), drawn_now=True)


def _with(found: SampleState, **changes) -> SampleState:
    from dataclasses import replace

    return replace(found, **changes)


def current(store: Store, book: Codebook, rule: RuleSummary, coder: str = "auto") -> SampleState:
    """The rule's open sample as it stands. Raises UsageError when none is open."""
    if rule.sample is None:
        raise UsageError(f"no sample is open for rule {rule.name}: draw one with `qualcode review --rule "
                         f"{rule.name}` (or add --sheet FILE.xlsx to review it in a spreadsheet)")
    pending = [c for c in rule_codings(store, book, coder).get(rule.name, []) if c.status == "suggested"]
    return state(store, rule, rule.sample, pending)


def settle(store: Store, book: Codebook, rule: RuleSummary, action: str, *, force: bool = False,
           reviewer: str = "", coder: str = "auto", now: str = "") -> RuleSampleRow:
    """Apply ``action`` (accept or reject) to the rest of the rule's sampled suggestions and record it with the
    sample's result; the caller holds the transaction. Returns the closed sample record.

    Raises UsageError when no sample is open, some of it is undecided, the rule gained suggestions since it was
    drawn, nothing is left to decide, or — without ``force`` — the sample holds decisions against ``action``.
    """
    if action not in ACTIONS:
        raise UsageError(f"--apply {action}: use accept or reject")
    found = current(store, book, rule, coder)
    size = len(found.codings)
    if found.gained:
        raise UsageError(f"rule {rule.name} has gained {plural(len(found.gained), 'suggestion')} since its sample was "
                         f"drawn (a re-run of `qualcode code`?), so the sample does not stand for them: draw a new "
                         f"one with `qualcode review --rule {rule.name} --new-sample`")
    if found.undecided:
        raise UsageError(f"{len(found.undecided)} of the {size} suggestions in the sample of rule {rule.name} are "
                         f"not decided yet: decide them first (`qualcode review --rule {rule.name}`, or import the "
                         "sample's sheet with `qualcode codings import FILE --review`)")
    if not found.rest:
        raise UsageError(f"nothing left to decide for rule {rule.name}: every suggestion it has pending was in the "
                         "sample")
    against = found.wrong if action == "accept" else found.right
    if against and not force:
        verb, word = ("accept", "wrong") if action == "accept" else ("reject", "right")
        raise UsageError(f"{verb} the other {len(found.rest)} suggestions of rule {rule.name} although {against} of "
                         f"the {size} in its sample {'were' if against > 1 else 'was'} {word}? Add --force to do "
                         f"so, or review them one by one (`qualcode review --code {rule.code}`)")
    store.set_statuses(found.rest, "accepted" if action == "accept" else "rejected")
    store.close_rule_sample(found.record.id, action, found.rest, found.right, found.wrong, reviewer, now,
                            bool(against))
    return next(r for r in store.rule_samples(book.name, coder) if r.id == found.record.id)


def open_rule_review(project: ProjectFolder, rule: str, *, size: int | None = None, seed: int | None = None,
                     new: bool = False, coder: str = "auto",
                     reviewer: str | None = None) -> tuple[ReviewSession, SampleState]:
    """A review of the sample of ``rule`` (its name ``CODE#N`` or place): the open sample, widened to ``size``, or
    a new one (see :func:`draw`), drawn and recorded at once. Returns the session
    over the sample's undecided suggestions, in sample order, and the sample's
    :class:`SampleState`.

    Raises ProjectError (no store, no codebook), CodebookInvalid, or UsageError for an unknown rule, a rule with
    nothing pending or a bad size or seed.
    """
    from qualcode.codebook.active import active_codebook
    from qualcode.codings.memos import now
    from qualcode.codings.review_session import Filters, ReviewSession, load_items

    book = active_codebook(project)
    store = open_store(project.store_path)
    try:
        found = find_rule(summaries(store, book, coder), rule, coder)
        with store.transaction():
            sample = draw(store, book, found, size=size, seed=seed, new=new, coder=coder, now=now())
        filters = Filters(coder=coder, rule=found.name, only=tuple(sample_ids(sample.record)))
        items = load_items(store, book, filters)
    except BaseException:
        store.close()
        raise
    return ReviewSession(store, book, items, filters, reviewer or project.config.coder), sample

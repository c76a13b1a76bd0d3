"""`qualcode suggest --method llm`: a chat model codes every unit, and a failed or partial run loses nothing.

Per unit, in order: the cached answer when there is one (checked again), else a request to the endpoint. An
answer counts only when it passes the schema check (:mod:`qualcode.autocode.llm_answers`); then, and only then,
it is cached and the unit's earlier unreviewed ``llm`` suggestions (of the codes asked about) are replaced by
the new ones. A unit whose request fails — an HTTP error, a timeout, a dropped connection, a malformed answer —
keeps every earlier suggestion and is counted as unanswered. After ``max_failures`` failures in a row, a
redirect, or Ctrl-C, the run stops asking; what was answered is committed (every :data:`BATCH` units and at the
end) and the rest is reported as unanswered.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace

from qualcode.analysis.assist import CodeResult, Estimate, Evidence, SuggestReport, _open_units, _suggestion
from qualcode.autocode import llm
from qualcode.autocode.suggesters import Suggestion, store_suggestions
from qualcode.codebook.load import Code, Codebook
from qualcode.project.store import Store

BATCH = 20  # units answered between two commits


def run_llm(store: Store, book: Codebook, codes: Sequence[Code], evidence: Evidence, texts: dict[str, str],
            report: SuggestReport, where: llm.Endpoint, model: str, cache: llm.ResponseCache, *,
            timeout: float, max_failures: int,
            on_estimate: Callable[[Estimate], None] | None = None,
            on_progress: Callable[[int, int, str], None] | None = None) -> None:
    """Ask the model at ``where`` about every unit and store its suggestions (coder ``llm``) into ``report``."""
    report.model = model
    prompt = llm.codebook_prompt(codes)
    hashed = llm.prompt_hash(prompt)
    known = [c.id for c in codes]
    open_units = {c.id: set(_open_units(evidence, book, c.id, report.everywhere)) for c in codes}
    # only units where a suggestion could land are sent (by default: documents nobody has coded), so no
    # passage leaves for an answer that would be thrown away
    asked = sorted(set().union(*open_units.values()))
    units = [evidence.marks.units[i] for i in asked]
    report.units = len(units)  # the units asked about: what "left unanswered" counts against
    chats = [llm.messages(prompt, u.text) for u in units]
    keys = [llm.cache_key(model, where.host, chat) for chat in chats]
    estimate = Estimate(len(units), sum(cache.get(k) is not None for k in keys),
                        remote="" if where.local else where.host)
    if on_estimate:
        on_estimate(estimate)
    per_code: Counter = Counter()
    pending: list[tuple[tuple[str, int, int], list[Suggestion]]] = []  # answered units not yet committed
    failing, timed = 0, False

    def commit() -> None:
        nonlocal pending
        if pending:
            made = [s for _, suggestions in pending for s in suggestions]
            with store.transaction():
                stored = store_suggestions(store, book, "llm", made, texts, known, answered=[p[0] for p in pending])
            report.added += stored.added
            report.replaced += stored.replaced
            report.already_decided += stored.already_decided
            report.answered += len(pending)
            per_code.update(s.code for s in made)
        pending = []

    try:
        for step, (index, unit, chat, key) in enumerate(zip(asked, units, chats, keys)):
            if on_progress:
                on_progress(step, len(units), unit.document)
            cached = cache.get(key)
            answer = None
            if cached is not None:
                try:
                    answer, when = llm.parse_answer(cached[0], known), cached[1]
                except llm.EndpointFailure:
                    cache.forget(key)  # cached by an older qualcode that checked less: ask again
            if answer is None:
                if report.stopped:
                    report.not_sent += 1
                    continue
                began = time.monotonic()
                try:
                    content = llm.ask(where.url, model, chat, timeout=timeout)
                    when = llm.now()
                    answer = llm.parse_answer(content, known)
                except llm.EndpointRefused as exc:
                    report.failures.append((unit.where, str(exc)))
                    report.stopped = "the endpoint redirected"
                    continue
                except llm.EndpointFailure as exc:
                    report.failures.append((unit.where, str(exc)))
                    failing += 1
                    if failing >= max_failures:
                        report.stopped = f"{failing} failures in a row (--max-failures {max_failures})"
                    continue
                failing = 0
                if not timed and on_estimate:
                    on_estimate(replace(estimate, seconds_per_unit=time.monotonic() - began))
                    timed = True
                cache.put(key, content, when)  # only answers that passed the check are kept
            made = [_suggestion(evidence, index, p.code, llm.note(model, where.host, hashed, when, p))
                    for p in answer.picks if index in open_units[p.code]]
            pending.append(((unit.document, unit.start, unit.end), made))  # one step: Ctrl-C cannot split it
            if len(pending) >= BATCH:
                commit()
    except KeyboardInterrupt:  # Ctrl-C: keep what was answered; the caller reports the rest as unanswered
        report.stopped = "interrupted (Ctrl-C)"
        report.interrupted = True
    commit()
    report.per_code = [CodeResult(c.id, c.label, suggested=per_code[c.id]) for c in codes if per_code[c.id]]

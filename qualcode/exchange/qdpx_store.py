"""The codings and memos of an imported ``.qdpx`` into the store, at positions mapped onto the stored text.

Called inside the import's one transaction (:mod:`qualcode.exchange.staged_import`), after ingest stored the
transcripts: each selection's codings become codings of their coder, each memo a memo on its document,
participant, code or coding (a note on a span of text: a memo on the document quoting the span).
"""

from __future__ import annotations

from dataclasses import replace

from qualcode.errors import Problem
from qualcode.exchange.qdpx_import import Placed, ProjectImport, QdpxProject, position


def add_codings(store, data: QdpxProject, placed: list[Placed], book, report: ProjectImport) -> dict[str, list[int]]:
    """Store every coding of the placed sources as its coder's coding (status accepted, or as a qualcode export
    said), at positions mapped into the stored text; codings on unknown codes or outside the text are
    reported. Returns ``selection GUID -> the ids of its codings`` (for the memos). The caller holds the
    transaction."""
    stored = {d.id: d.text for d in store.documents()}
    known_codes = {c.id for c in book.codes} if book is not None else set()
    coders: set[str] = set()
    have = {(c.document, c.start, c.end, c.code, c.coder): c.id for c in store.codings()}
    ids: dict[str, list[int]] = {}
    identity = (book.name, book.version, book.content_hash) if book is not None else ("", "", "")
    for p in placed:
        text = stored.get(p.doc_id)
        if text is None:
            count = sum(len(s.codings) for s in p.source.selections)
            if count:
                report.dropped["coding in a document that failed to ingest"] += count
            continue
        shift = text_shift(p.text, text)
        if p.source.timestamps and shift is not None:
            store.set_turn_timestamps(p.doc_id, p.source.timestamps)
        if shift is None:
            count = sum(len(s.codings) for s in p.source.selections)
            report.dropped["coding in a document whose text changed"] += count
            report.problems.append(Problem(str(p.path), "the stored text differs from the source's text; its "
                                           f"{count} codings are left out"))
            continue
        for selection in p.source.selections:
            if not selection.codings:
                continue
            start = position(p, selection.start) - shift
            end = position(p, selection.end) - shift
            moved = (start, end) != (selection.start, selection.end)
            for code_guid, user_guid in selection.codings:
                code = data.code_ids.get(code_guid)
                where = f"{data.path}: {p.doc_id} {selection.start}-{selection.end}"
                if code is None or code not in known_codes:
                    report.dropped["coding with an unknown code"] += 1
                    report.problems.append(Problem(where, "a coding refers to a code that is not in the codebook",
                                                   "warning"))
                    continue
                if not (0 <= selection.start < selection.end <= p.units and 0 <= start < end <= len(text)):
                    report.dropped["coding outside its text"] += 1
                    report.problems.append(Problem(where, f"a coding of {code} lies outside the text (0-{p.units}) "
                                                          "or ends before it starts"))
                    continue
                coder = data.users.get(user_guid) or "imported"
                key = (p.doc_id, start, end, code, coder)
                if key in have:
                    ids.setdefault(selection.guid, []).append(have[key])
                    continue
                have[key] = store.add_coding(p.doc_id, start, end, code, coder, selection.status, text[start:end],
                                             origin="import", codebook=identity)
                ids.setdefault(selection.guid, []).append(have[key])
                coders.add(coder)
                report.codings += 1
                report.moved += moved
    report.coders = sorted(coders)
    return ids


def add_memos(store, data: QdpxProject, placed: list[Placed], codings: dict[str, list[int]],
              report: ProjectImport) -> None:
    """Store every memo of ``data`` on its object: a document, participant, code or coding (``codings``: what
    :func:`add_codings` returned); a note on a span is a memo on its document quoting the span. A memo whose
    object did not come in is counted in ``report.dropped``; a memo already there is not stored again."""
    stored = {d.id: d.text for d in store.documents()}
    documents = {p.source.guid: p for p in placed if p.doc_id in stored}
    cases = {c.guid: c.name for c in data.cases}
    people = {p.id for p in store.participants()}
    selections = {s.guid: p for p in placed for s in p.source.selections}
    have = {(m.kind, m.target, m.author, m.text) for m in store.memos()}
    for memo in data.memos:
        kind, text, targets = memo.kind, memo.text, []
        if kind == "coding" and not codings.get(memo.ref) and memo.ref in selections:
            p = selections[memo.ref]
            selection = next(s for s in p.source.selections if s.guid == memo.ref)
            kind, memo = "span", replace(memo, ref=p.source.guid, span=(selection.start, selection.end))
        if kind == "document" and memo.ref in documents:
            targets = [documents[memo.ref].doc_id]
        elif kind == "span" and memo.ref in documents and memo.span is not None:
            p = documents[memo.ref]
            shift = text_shift(p.text, stored[p.doc_id]) or 0
            start, end = (max(position(p, x) - shift, 0) for x in memo.span)
            quote = " ".join(stored[p.doc_id][start:end].split())
            quote = quote if len(quote) <= 80 else quote[:79] + "…"
            kind, targets, text = "document", [p.doc_id], f"On “{quote}” (characters {start}–{end}):\n{memo.text}"
        elif kind == "participant" and cases.get(memo.ref) in people:
            targets = [cases[memo.ref]]
        elif kind == "code" and memo.ref in data.code_ids:
            targets = [data.code_ids[memo.ref]]
        elif kind == "coding":
            targets = [str(i) for i in codings.get(memo.ref, [])]
        if not targets:
            report.dropped[f"memo on a {memo.kind if memo.kind != 'span' else 'document'} that did not come in"] += 1
            continue
        author = memo.author or "imported"
        for target in targets:
            if (kind, target, author, text) in have:
                continue
            have.add((kind, target, author, text))
            store.add_memo(kind, target, author, memo.date, text)
            report.memos += 1


def text_shift(written: str, stored: str) -> int | None:
    """How far ingest moved the written text (the blank lines it drops after front matter), or None when the
    stored text is not the written text."""
    if stored == written:
        return 0
    shift = len(written) - len(stored)
    if shift > 0 and written[shift:] == stored and not written[:shift].strip():
        return shift
    return None

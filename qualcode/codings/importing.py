"""Codings in and out: selecting which codings count, exporting them, importing a coder's (or another tool's)
work. Applying a reviewed sheet's decisions is in :mod:`qualcode.review_sheet`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.codebook.load import Codebook
from qualcode.codebook.names import resolve_code, unknown_code
from qualcode.codings.align import Aligner, Miss, Placement, normalise, snap_to_speech
from qualcode.codings.pseudonyms import remap
from qualcode.codings.pseudonyms import stored as stored_key
from qualcode.codings.sheets import DECISION, NEW_CODE, read_sheet, row_decision, whole_number
from qualcode.errors import InputFileError, Problem, UsageError
from qualcode.model import Role
from qualcode.project.crash import crash_point
from qualcode.project.store import Store, TurnRow
from qualcode.wording import plural

AUTO = "auto"  # the rule coder

ALIASES = {  # header names other tools use, tried in order (MAXQDA, NVivo, QualCoder, ATLAS.ti exports)
    "document": ("document", "document name", "documentname", "file", "file name", "filename", "source",
                 "source name", "doc"),
    "code": ("code", "code path", "codepath", "code name", "codename", "node", "node path"),
    "text": ("text", "segment", "coded segment", "coded text", "codedtext", "quotation", "quote", "reference",
             "content"),
}


@dataclass(frozen=True)
class Columns:
    """Which sheet columns hold the document, the code and the segment text (header names, any case);
    None means the usual names of qualcode, MAXQDA, NVivo and QualCoder exports."""

    document: str | None = None
    code: str | None = None
    text: str | None = None

    def resolve(self, header: Sequence[str], where: str) -> dict[str, str | None]:
        """``role -> header key`` for document, code and text. Raises UsageError for a named column that is
        missing and InputFileError when no document or code column is found."""
        found: dict[str, str | None] = {}
        for role, aliases in ALIASES.items():
            named = getattr(self, role)
            if named:
                key = " ".join(named.split()).casefold()
                if key not in header:
                    raise UsageError(f"{where}: no column {named!r}; columns: {', '.join(h for h in header if h)}")
                found[role] = key
            else:
                found[role] = next((a for a in aliases if a in header), None)
        missing = [role for role in ("document", "code") if found[role] is None]
        if missing:
            raise InputFileError(f"no {' or '.join(missing)} column (found: {', '.join(h for h in header if h)}); "
                                 f"name it with --{missing[0]}-column", where=where)
        return found


def resolve_document(ids: Sequence[str], name: str) -> str | None:
    """The document id ``name`` means: as written, without a file suffix (``P1.docx``), or ignoring case."""
    name = name.strip()
    folded: dict[str, list[str]] = {}
    for doc_id in ids:
        folded.setdefault(doc_id.casefold(), []).append(doc_id)
    for candidate in (name, Path(name).stem if Path(name).suffix else name):
        if candidate in ids:
            return candidate
        if len(folded.get(candidate.casefold(), [])) == 1:
            return folded[candidate.casefold()][0]
    return None


@dataclass
class ImportReport:
    """What an import stored and what it could not; exit code 1 when any row failed."""

    imported: int = 0
    failures: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # rows placed approximately, worth a look
    methods: Counter = field(default_factory=Counter)  # how the imported rows were placed
    duplicates: int = 0  # rows the coder already had, or that repeat an earlier row
    rejected: int = 0  # rows whose decision is `reject` (not imported)
    recoded: int = 0  # rows imported under the code their decision names

    @property
    def return_code(self) -> int:
        """1 when any row failed."""
        return 1 if self.failures else 0


@dataclass
class _Document:
    text: str
    turns: list[TurnRow]
    aligner: Aligner | None = None
    shown: tuple | None = None  # the text pseudonymised and its Remap, when the project has a key

    def shown_span(self, start: int, end: int) -> str:
        """``text[start:end]`` as a pseudonymised export shows it."""
        if self.shown is None:
            return self.text[start:end]
        new, moved = self.shown
        return new[moved.start(start):moved.end(end)]

    def place(self, segment: str, within: tuple[int, int] | None) -> Placement | Miss:
        if self.aligner is None:
            self.aligner = Aligner(self.text)
        return self.aligner.place(segment, within)


def import_codings(store: Store, book: Codebook, path: Path, coder: str, columns: Columns = Columns(), *,
                   adjudicated: bool = False, as_human: bool = False) -> ImportReport:
    """Import a sheet of codings as ``coder``'s accepted codings; the caller holds the transaction.

    A row names its document and code (id, label or path) and gives its span by ``start`` and ``end``, by its
    text (placed with :mod:`qualcode.align` and trimmed to the speech of the turns it covers; a ``turn`` column
    picks among several places), or by a ``turn`` alone (that turn's speech). A ``decision`` column, when
    present, is applied: ``reject`` rows are left out, ``recode:CODE`` rows (or rows with a ``new_code``) take
    that code, blank and ``accept`` rows come in as they are — so a decided adjudication sheet imports as the
    final coding; that takes ``adjudicated``, since a review sheet's decisions belong to `codings import
    --review`. Rows that copy auto suggestions (coder ``auto``, status ``suggested`` or a ``rule`` in the sheet,
    or — in a sheet that does not name each row's coder — the span and code of an existing auto coding) come in
    only with ``as_human``:
    otherwise machine output would become a person's coding, and gold for `agreement` and `eval`. Rows the
    coder already has are skipped.

    Raises InputFileError or UsageError for an unusable sheet — UsageError, before anything is stored, for
    decisions without ``adjudicated`` and auto copies without ``as_human``; each bad row is reported with its
    line.
    """
    rows = read_sheet(path)
    report = ImportReport()
    if not rows:
        return report
    decided = sum(1 for row in rows if row.get(DECISION, "").strip() or row.get(NEW_CODE, "").strip())
    if decided and not adjudicated:
        raise UsageError(f"{path.name} has {plural(decided, 'decision')} in its `decision` column: apply them "
                         f"to the suggestions they name with `qualcode codings import {path.name} --review`, or "
                         "import a decided adjudication sheet as a coder's codings with --adjudicated; "
                         "nothing was imported")
    roles = columns.resolve(list(rows[0]), f"{path}:1")
    docs = {d.id: _Document(d.text, []) for d in store.documents()}
    for turn in store.turns():
        docs[turn.document].turns.append(turn)
    pseudonyms = stored_key(store)
    if pseudonyms is not None:  # a pseudonymised export shows the texts so: its offsets still fit
        for doc in docs.values():
            doc.shown = remap(doc.text, pseudonyms)
    stored = store.codings()
    have = {(c.document, c.start, c.end, c.code) for c in stored if c.coder == coder}
    machine = {(c.document, c.start, c.end, c.code) for c in stored if c.coder == AUTO}
    copies: list[int] = []  # lines of rows that copy auto suggestions
    for line, row in enumerate(rows, start=2):
        where = f"{path}:{line}"
        try:
            decision = row_decision(row, same=lambda a, b: _same_code(book, a, b))
        except UsageError as exc:
            report.failures.append(Problem(where, exc.message))
            continue
        if decision is not None and decision[0] == "reject":
            report.rejected += 1
            continue
        name = row.get(roles["document"] or "", "").strip()
        doc_id = resolve_document(list(docs), name)
        if doc_id is None and pseudonyms is not None:  # the id as a pseudonymised export shows it
            doc_id = resolve_document(list(docs), pseudonyms.original(name))
        code_name = decision[1] if decision is not None and decision[1] else row.get(roles["code"] or "", "")
        code = resolve_code(book, code_name)
        if doc_id is None:
            report.failures.append(Problem(where, f"unknown document {name!r}"))
            continue
        if code is None:
            report.failures.append(Problem(where, unknown_code(book, code_name)))
            continue
        span = _span(docs[doc_id], row, roles["text"])
        if isinstance(span, str):
            report.failures.append(Problem(where, span))
            continue
        start, end, method, score = span
        key = (doc_id, start, end, code.id)
        if _from_rules(row) or (key in machine and not row.get("coder", "").strip()):
            copies.append(line)
        if key in have:
            report.duplicates += 1
            continue
        have.add(key)
        store.add_coding(doc_id, start, end, code.id, coder, "accepted", docs[doc_id].text[start:end],
                         origin="import", codebook=(book.name, book.version, book.content_hash))
        report.imported += 1
        crash_point("import")
        report.recoded += decision is not None and decision[0] == "recode"
        report.methods[method] += 1
        if method in ("anchored", "fuzzy"):
            report.notes.append(Problem(where, f"placed approximately ({method}, score {score:g}) at "
                                               f"{start}–{end}", "note"))
    if copies and not as_human and coder != AUTO:
        lines = ", ".join(map(str, copies[:5])) + (" …" if len(copies) > 5 else "")
        raise UsageError(f"{path.name}: {plural(len(copies), 'row')} (line {lines}) copy auto suggestions; "
                         f"importing them as {coder}'s codings makes machine output a person's coding (and gold for "
                         "agreement and eval): review them with `qualcode review` or `codings import --review`, or "
                         "add --as-human if a person did code them; nothing was imported")
    return report


def _same_code(book: Codebook, a: str, b: str) -> bool:
    found_a, found_b = resolve_code(book, a), resolve_code(book, b)
    return found_a is not None and found_b is not None and found_a.id == found_b.id


def _from_rules(row: dict[str, str]) -> bool:
    """Whether an exported row says it is the rule coder's: coder ``auto``, status ``suggested`` or a rule."""
    return (row.get("coder", "").strip().casefold() == AUTO or row.get("status", "").strip().casefold() == "suggested"
            or bool(row.get("rule", "").strip()))


def _span(doc: _Document, row: dict[str, str], text_key: str | None) -> tuple[int, int, str, float] | str:
    """``(start, end, method, score)`` of a row's coding in its document, or why it has none."""
    segment = row.get(text_key or "", "")
    start, end = whole_number(row.get("start", "")), whole_number(row.get("end", ""))
    if row.get("start", "").strip() and row.get("end", "").strip() and (start is None or end is None):
        return "start and end must be whole numbers"
    if start is not None and end is not None:
        if not 0 <= start < end <= len(doc.text):
            return f"span {start}–{end} is outside the document (0–{len(doc.text)})"
        if not segment.strip() or normalise(segment)[0] in (normalise(doc.text[start:end])[0],
                                                               normalise(doc.shown_span(start, end))[0]):
            return start, end, "offsets", 100.0
        # offsets from another tool's text: the segment's own text decides
    turn = None
    if row.get("turn", "").strip():
        number = whole_number(row["turn"])
        turn = next((t for t in doc.turns if t.number == number), None)
        if turn is None:
            return f"no turn {row['turn'].strip()} in this document (it has {len(doc.turns)})"
    if segment.strip():
        placed = doc.place(segment, (turn.start, turn.end) if turn else None)
        if isinstance(placed, Miss):
            return str(placed)
        start, end = (snap_to_speech([(t.start, t.end) for t in doc.turns if t.role is not Role.INTERVIEWER],
                                     placed.start, placed.end)
                      or snap_to_speech([(t.start, t.end) for t in doc.turns], placed.start, placed.end)
                      or (placed.start, placed.end))
        return start, end, placed.method, placed.score
    if turn is not None:
        if turn.end <= turn.start:
            return f"turn {turn.number} has no speech"
        return turn.start, turn.end, "turn", 100.0
    return "needs the coded text, start and end, or a turn"

"""Ingesting transcripts into the store and listing what is there."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qualcode.errors import InputFileError, Problem, ProjectError
from qualcode.ingest import (
    add_sentences,
    parse_key,
    read_bytes,
    read_document,
    supported,
    unsupported_message,
    word_count,
)
from qualcode.ingest.labels import label_key
from qualcode.ingest.participants import (
    ParticipantTable,
    load_participants,
    participant_records,
    resolve_document,
    unused_rows,
)
from qualcode.model import ParsedDocument, SpeakerRow
from qualcode.project.backup import backup_store
from qualcode.project.crash import crash_point
from qualcode.project.folder import Config, ProjectFolder
from qualcode.project.ignore import ignore_rules
from qualcode.project.store import Store, open_store

Progress = Callable[[int, int, str], None]
TextChange = Callable[[Store, str, str, str], int]  # (store, document, old text, new text) -> codings made stale
Remove = Callable[[Store, str], object]  # (store, document) -> what was removed (after backing its work up)
SCAN_SKIP_NAMES = ("participants.csv", "pseudonyms.csv")


@dataclass
class IngestReport:
    """What an ingest did; :attr:`return_code` is 1 when any file failed."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # folder-scan files qualcode does not read
    failures: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    stale: int = 0  # codings that could not be re-anchored in changed documents
    missing: list[tuple[str, str]] = field(default_factory=list)  # (document, path) whose source file is gone
    removed: list = field(default_factory=list)  # what `--prune` removed: one value per document, from `remove`
    backup: str | None = None  # where the store was copied before changed documents replaced stored ones

    @property
    def return_code(self) -> int:
        """0 when every file was read, 1 when any failed."""
        return 1 if self.failures else 0


@dataclass(frozen=True)
class DocumentSummary:
    """One line of ``qualcode documents``."""

    id: str
    type: str
    language: str
    turns: int
    words: int
    speakers: int
    participants: int
    format: str
    path: str


def _scan(paths: Sequence[Path], report: IngestReport) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            rules = ignore_rules(path)
            for item in sorted(path.rglob("*")):
                relative = item.relative_to(path)
                if not item.is_file() or any(p.startswith(".") for p in relative.parts):
                    continue
                name = item.name
                if name.startswith("~$") or name in SCAN_SKIP_NAMES or rules.ignores(relative):
                    continue
                if supported(item):
                    files.append(item)
                else:
                    report.skipped.append(str(item))
        elif path.is_file():
            if supported(path):
                files.append(path)
            else:
                report.failures.append(Problem(str(path), unsupported_message(path)))
        else:
            report.failures.append(Problem(str(path), "no such file or folder"))
    return list(dict.fromkeys(files))


def saved_table(store: Store) -> ParticipantTable:
    """The participants table the last ingest used (empty when there was none)."""
    saved = store.get_meta("participants_table")
    if not saved:
        return ParticipantTable()
    data = json.loads(saved)
    return ParticipantTable(data["path"], tuple(data["columns"]), data["people"],
                            tuple(SpeakerRow(**row) for row in data["rows"]))


def save_table(store: Store, table: ParticipantTable) -> None:
    """Remember ``table`` as the participants table the last ingest used."""
    store.set_meta("participants_table", json.dumps(
        {"path": table.path, "columns": list(table.columns), "people": table.people,
         "rows": [asdict(r) for r in table.rows]}, ensure_ascii=False))


def _participants(project: ProjectFolder, store: Store, explicit: Path | None,
                  report: IngestReport) -> tuple[ParticipantTable, bool]:
    path = explicit or project.participants_path
    if explicit is None and not path.is_file():
        return ParticipantTable(), True
    if not path.is_file():
        report.failures.append(Problem(str(path), "participants file not found"))
        return saved_table(store), False
    try:
        table = load_participants(path)
    except InputFileError as exc:
        report.failures.append(Problem(exc.where or str(path),
                                       exc.message + " (the previous participants mapping is kept)"))
        return saved_table(store), False
    report.warnings.extend(Problem(f"{path}:{line}" if line else str(path), message, "warning")
                           for line, message in table.warnings)
    return table, True


def ingest(project: ProjectFolder, paths: Sequence[str | Path] = (), *, participants: str | Path | None = None,
           encoding: str | None = None, on_progress: Progress | None = None,
           on_text_change: TextChange | None = None, before_commit: Callable[[Store], None] | None = None,
           remove: Remove | None = None, jobs: int = 1) -> IngestReport:
    """Read transcripts (files or folders; default the project's transcripts folder) into the store.

    Unchanged files are skipped, changed files replace their document (codings are re-anchored, never
    deleted), and every document's speakers are re-resolved against the participants file. Failing files are
    reported in the returned report and the rest is committed in one transaction.

    Ingest knows nothing of codes: what later stages must do in the same transaction comes as callbacks —
    ``on_text_change(store, document, old_text, new_text)`` re-anchors a changed document's codings and
    returns how many became stale; ``before_commit(store)`` runs last (the API tokenises the codebook's
    keywords there while spaCy is loaded). Documents whose source file is gone are listed in the report's
    ``missing``; with ``remove(store, document)`` (`ingest --prune`: back the work up, then delete) they are
    removed in the same transaction and what it returns is in ``removed``. ``jobs`` processes parse the files
    (the store's content does not depend on it); ``on_progress(words done, words to read, file)`` follows the
    parsing.
    Raises ProjectError when the default transcripts folder is missing or the store cannot be opened.
    """
    report = IngestReport()
    targets = [Path(p) for p in paths] or [project.transcripts_dir]
    if not paths and not project.transcripts_dir.is_dir():
        raise ProjectError(f"no transcripts folder at {project.transcripts_dir}: name files or folders to ingest")
    files = _scan(targets, report)
    store = open_store(project.store_path, create=True)
    try:
        table, fresh = _participants(project, store, Path(participants) if participants else None, report)
        labels: dict[str | None, set[str]] = {}
        for row in table.rows:
            labels.setdefault(row.document, set()).add(label_key(row.speaker))
        by_path = {path: (doc_id, key) for doc_id, (path, key) in store.document_keys().items()}
        stored_ids = {doc_id: path for doc_id, (path, _) in store.document_keys().items()}
        todo: list[tuple[Path, str, bytes]] = []
        for path in files:
            rel = project.relative(path)
            try:
                data = read_bytes(path)
                if rel in by_path:
                    doc_id, key = by_path[rel]
                    if parse_key(data, encoding, doc_id, project.config, labels) == key:
                        report.unchanged.append(doc_id)
                        continue
            except InputFileError as exc:
                report.failures.append(Problem(exc.where or str(path), exc.message))
                continue
            todo.append((path, rel, data))
        gone = [(doc_id, path) for doc_id, path in sorted(stored_ids.items()) if not _exists(project, path)]
        if (any(rel in by_path for _, rel, _ in todo) or (remove is not None and gone)) and store.codings():
            # a changed transcript re-anchors codings, a pruned one takes them away: keep a copy of the store
            report.backup = str(backup_store(project.store_path, reason="before-ingest", source=store.db))
        sizes = [len(data.split()) for _, _, data in todo]
        done = 0
        written: dict[str, str] = {}  # id -> path of the documents read in this run
        with store.transaction():  # documents are written as they come, while the other files are parsed
            for (path, rel, _), size, result in zip(todo, sizes, _parse_all(todo, project, labels, encoding, jobs)):
                done += size
                if on_progress:
                    on_progress(done, sum(sizes), str(path))
                if isinstance(result, Problem):
                    report.failures.append(result)
                    continue
                doc = result
                other = written[doc.id] if doc.id in written else stored_ids.get(doc.id)
                if other is not None and other != rel and (doc.id in written or (project.root / other).exists()):
                    report.failures.append(Problem(str(path), f"document id {doc.id!r} is already used by "
                                                   f"{other}; give one of them another `id:` in its front matter"))
                    continue
                written[doc.id] = doc.path
                report.warnings.extend(Problem(f"{rel}:{line}" if line else rel, message, "warning")
                                       for line, message in doc.warnings)
                crash_point("ingest-read")
                _write(store, doc, report, on_text_change)
            report.missing = [(doc_id, path) for doc_id, path in gone if doc_id not in written]
            if remove is not None:
                report.removed = [remove(store, doc_id) for doc_id, _ in report.missing]
            if fresh:
                save_table(store, table)
            _resolve_all(store, table, project, report)
            store.set_meta("needs_reingest", "0")
            if before_commit is not None:
                before_commit(store)
    finally:
        store.close()
    return report


def _exists(project: ProjectFolder, path: str) -> bool:
    return (Path(path) if Path(path).is_absolute() else project.root / path).is_file()


def _parse(path: Path, rel: str, config: Config, labels: dict[str | None, set[str]], data: bytes,
           encoding: str | None) -> ParsedDocument | Problem:
    """One transcript read and segmented (with sentences and tokens), or the problem that stopped it: the
    unit of work of one ingest process."""
    try:
        return add_sentences(read_document(path, rel, config, labels, data=data, encoding=encoding))
    except InputFileError as exc:
        return Problem(exc.where or str(path), exc.message)


def _parse_all(todo: list[tuple[Path, str, bytes]], project: ProjectFolder, labels: dict[str | None, set[str]],
               encoding: str | None, jobs: int) -> Iterator[ParsedDocument | Problem]:
    """Each file of ``todo`` parsed, in order, by ``jobs`` processes (the results do not depend on ``jobs``)."""
    if jobs <= 1 or len(todo) <= 1:
        for path, rel, data in todo:
            yield _parse(path, rel, project.config, labels, data, encoding)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from qualcode.ingest.segment import sentence_pipeline

    forking = "fork" in multiprocessing.get_all_start_methods()
    if forking:  # build the pipeline once, before forking: every process inherits it instead of building its own
        sentence_pipeline(project.config.language)
    context = multiprocessing.get_context("fork" if forking else "spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context) as pool:
        waiting: deque = deque()  # at most a few parses ahead of the writing, so memory stays flat
        for path, rel, data in todo:
            waiting.append(pool.submit(_parse, path, rel, project.config, labels, data, encoding))
            if len(waiting) >= 3 * jobs:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()


def _write(store: Store, doc: ParsedDocument, report: IngestReport, on_text_change: TextChange | None) -> None:
    old = store.document(doc.id)
    store.put_document(doc, word_count(doc))
    crash_point("ingest-write")
    if old is None:
        report.added.append(doc.id)
        return
    report.updated.append(doc.id)
    if old.text != doc.text and on_text_change is not None:
        report.stale += on_text_change(store, doc.id, old.text, doc.text)


def _resolve_all(store: Store, table: ParticipantTable, project: ProjectFolder, report: IngestReport) -> None:
    used: set[int] = set()
    speaking: dict[str, list[str]] = {}
    front: dict[str, dict[str, str]] = {}
    for doc in store.documents():
        front[doc.id] = doc.attributes
        turns = store.turns(doc.id)
        result = resolve_document(doc.id, doc.attributes, [(t.number, t.label) for t in turns], table,
                                  project.config, [doc.text[t.start:t.end] for t in turns])
        store.set_speakers(result.turns)
        used |= result.used_rows
        report.warnings.extend(Problem(doc.path, message, "warning") for message in result.problems)
        for turn in result.turns:
            if turn.participant and doc.id not in speaking.setdefault(turn.participant, []):
                speaking[turn.participant].append(doc.id)
    for row in unused_rows(table, used, speaking):
        report.warnings.append(Problem(f"{table.path}:{row.line}", f"row for {row.participant} (speaker "
                                       f"{row.speaker!r}{' in ' + row.document if row.document else ''}) "
                                       "matches no turn", "warning"))
    store.set_participants(participant_records(table, speaking, front), table.columns)


def refresh_speakers(store: Store, project: ProjectFolder) -> None:
    """Resolve every stored document's speakers again against the participants table the last ingest used
    (after documents were removed, so the participants list holds only people who still speak)."""
    _resolve_all(store, saved_table(store), project, IngestReport())


def list_documents(project: ProjectFolder) -> list[DocumentSummary]:
    """A summary line per stored document. Raises ProjectError when nothing was ingested yet."""
    store = open_store(project.store_path)
    try:
        summaries = []
        for doc in store.documents():
            turns = store.turns(doc.id)
            summaries.append(DocumentSummary(
                id=doc.id, type=doc.doc_type.value, language=doc.language, turns=len(turns), words=doc.words,
                speakers=len({label_key(t.label) for t in turns if t.label}),
                participants=len({t.participant for t in turns if t.participant and t.role.value == "respondent"}),
                format=doc.format, path=doc.path))
        return summaries
    finally:
        store.close()

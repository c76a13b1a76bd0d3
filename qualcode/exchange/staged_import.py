"""`qualcode import FILE.qdpx` as one step: every file staged, the store committed once, then the files moved in.

The transcripts, the codebook, the notes and the new ``participants.csv`` are written under
``.qualcode/staging/`` (:mod:`qualcode.project.pending`); the transcripts are ingested from there as if they
already lay in their final folder (the store records their final paths), the codings are added in the same
transaction, and the moves are recorded with it. Only after the commit do the files move into the project.
A kill at any point before the commit leaves the project as it was, so running the import again gives what one
uninterrupted run gives; a kill after it is finished by the next command that opens the store.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from qualcode.errors import InputFileError, Problem, QualcodeError, UsageError
from qualcode.project.crash import crash_point
from qualcode.project.folder import ProjectFolder
from qualcode.project.pending import discard_staging, new_staging_folder, record_moves


@dataclass(frozen=True)
class _Staged(ProjectFolder):
    """The project as ingest should see it: files under a staging folder are named by their final path."""

    places: tuple[tuple[Path, Path], ...] = ()  # (staged folder or file, where it goes)

    def relative(self, path: Path) -> str:
        """``path`` relative to the project root, a staged path given as the path it will have."""
        path = path.resolve()
        for staged, final in self.places:
            if path == staged or staged in path.parents:
                return super().relative(final / path.relative_to(staged))
        return super().relative(path)


def _free(path: Path, taken: set[Path]) -> Path:
    """``path`` or ``path`` with ``-2``, ``-3``… before its suffix: the first neither on disk nor in ``taken``."""
    candidate, n = path, 2
    while candidate.exists() or candidate in taken:
        candidate, n = path.with_name(f"{path.stem}-{n}{path.suffix}"), n + 1
    taken.add(candidate)
    return candidate


def _rename(problem: Problem, places: tuple[tuple[Path, Path], ...]) -> Problem:
    where = problem.where
    for staged, final in places:
        where = where.replace(str(staged), str(final))
    return replace(problem, where=where)


def import_project(project: ProjectFolder, path: Path, positions: str | None = None):
    """Bring the REFI-QDA project at ``path`` into ``project`` (see :meth:`qualcode.api.Project.import_qdpx`):
    atomic, as the module docstring says. Returns a :class:`~qualcode.exchange.qdpx_import.ProjectImport`.
    ``positions`` (``utf16``, ``codepoints`` or ``bytes``) forces how every source's positions count. Raises
    UsageError for a file that is not a .qdpx and InputFileError for an unreadable or unsafe archive."""
    from qualcode.codebook.csv_import import slug
    from qualcode.exchange.qdpx_import import ProjectImport, read_qdpx

    if path.suffix.lower() != ".qdpx":
        raise UsageError(f"{path}: import reads a REFI-QDA project: name a .qdpx file")
    data = read_qdpx(path)
    report = ProjectImport(dropped=data.dropped.copy(), problems=list(data.problems))
    taken: set[Path] = set()
    final_folder = _free(project.transcripts_dir / slug(path.stem), taken)
    try:
        stage = new_staging_folder(project.store_path)
    except OSError as exc:
        raise QualcodeError(f"cannot write: {exc.strerror or exc}", where=str(project.store_path.parent)) from None
    try:
        _run(project, data, report, stage, final_folder, taken, positions)
    except OSError as exc:  # a full disk while staging: nothing was committed, the staging folder goes
        raise QualcodeError(f"cannot write: {exc.strerror or exc}; nothing was imported",
                            where=str(exc.filename or stage)) from None
    finally:
        discard_staging(stage)  # committed moves were made already; uncommitted ones never happen
    return report


def _run(project: ProjectFolder, data, report, stage: Path, final_folder: Path, taken: set[Path],
         positions: str | None) -> None:
    from qualcode.codebook.csv_import import slug
    from qualcode.codebook.load import load_codebook
    from qualcode.exchange.qdpx_cases import participant_rows, write_participants
    from qualcode.exchange.qdpx_import import write_transcripts
    from qualcode.exchange.qdpx_store import text_shift
    from qualcode.ingest import read_document
    from qualcode.ingest.labels import label_key
    from qualcode.project.store import open_store

    existing: set[str] = set()
    coded = False  # the project has codings already: its active codebook stays
    if project.store_path.exists():
        store = open_store(project.store_path)
        try:
            existing = {d.id for d in store.documents()}
            coded = bool(store.codings())
        finally:
            store.close()
    staged_folder = stage / "transcripts"
    placed = write_transcripts(data, staged_folder, existing, report, positions)
    places: list[tuple[Path, Path]] = [(staged_folder.resolve(), final_folder)] if placed else []
    turns: dict[str, list[tuple[int, int, str | None]]] = {}
    for p in placed:
        try:
            doc = read_document(p.path, p.path.name, project.config, {})
        except InputFileError:
            continue
        shift = text_shift(p.text, doc.text) or 0
        turns[p.doc_id] = [(t.start + shift, t.end + shift, t.label) for t in doc.turns]
    rows = participant_rows(data, placed, turns, {label_key(v) for v in project.config.interviewer_labels}, report)
    staged_participants = None
    if rows:
        staged_participants = stage / "participants.csv"
        if project.participants_path.is_file():
            shutil.copyfile(project.participants_path, staged_participants)
        write_participants(staged_participants, rows, data.variables)
        places.append((staged_participants.resolve(), project.participants_path))
        report.participants_file = project.participants_path
    book = None
    if data.codebook.codes:
        from qualcode.codebook.csv_import import write_codebook

        final_codebook = _free(project.root / "codebooks" / f"{slug(data.name)}.yaml", taken)
        staged_codebook = stage / final_codebook.name
        write_codebook(data.codebook, staged_codebook)
        places.append((staged_codebook.resolve(), final_codebook))
        report.codebook = final_codebook
        loaded = load_codebook(staged_codebook)
        book = loaded.codebook
        report.problems.extend(Problem(str(final_codebook), e.message, "warning") for e in loaded.errors)
        if book is not None and not coded:
            places.append(_stage_config(project, stage, project.relative(final_codebook)))
            report.active = True
    if data.notes:
        from qualcode.exchange.qdpx_import import write_notes

        final_notes = _free(project.root / "notes" / f"{slug(data.path.stem)}.md", taken)
        staged_notes = write_notes(data, stage / "notes")
        assert staged_notes is not None
        places.append((staged_notes.resolve(), final_notes))
        report.notes_file = final_notes
    report.participants = len({r["participant"] for r in rows})
    report.notes = len(data.notes)
    report.codes = data.codebook.count
    report.transcripts = final_folder if placed else None
    crash_point("qdpx")  # everything staged, nothing committed
    view = _Staged(project.root, project.config, tuple(places))
    _commit(project, view, data, report, placed, book, stage, staged_participants)
    if book is not None and not report.active and report.codings:
        imported = project.relative(report.codebook)
        report.problems.append(Problem(
            str(project.root / "qualcode.toml"), "the project had codings already, so its active codebook stays "
            f"and reports count those; the imported codings use {imported}: pass --codebook {imported} to "
            f"reports, or switch with `qualcode config codebook {imported}`", "warning"))


def _stage_config(project: ProjectFolder, stage: Path, codebook: str) -> tuple[Path, Path]:
    """``qualcode.toml`` naming ``codebook`` as the active codebook, staged (every other line kept); returns the
    move that puts it in place."""
    import json

    from qualcode.project.folder import CONFIG_NAME
    from qualcode.project.settings import _with_value

    final = project.root / CONFIG_NAME
    text = final.read_text(encoding="utf-8") if final.is_file() else ""
    staged = stage / CONFIG_NAME
    staged.write_text(_with_value(text, "codebook", json.dumps(codebook, ensure_ascii=False)), encoding="utf-8")
    return staged.resolve(), final


def _commit(project: ProjectFolder, view: _Staged, data, report, placed, book, stage: Path,
            staged_participants: Path | None) -> None:
    """Ingest the staged transcripts, add the codings and record the moves in one transaction; then move."""
    from qualcode.autocode.run import prepare_tokens
    from qualcode.codings.reanchor import reanchor_document
    from qualcode.exchange.qdpx_store import add_codings, add_memos
    from qualcode.ingest.run import ingest, save_table, saved_table
    from qualcode.project.pending import finish_moves
    from qualcode.project.store import open_store

    moves = [(staged, final) for staged, final in view.places]

    def before_commit(store) -> None:
        prepare_tokens(project, store)
        table = saved_table(store)
        if staged_participants is not None and table.path == str(staged_participants):
            save_table(store, replace(table, path=str(project.participants_path)))
        codings = add_codings(store, data, placed, book, report)
        add_memos(store, data, placed, codings, report)
        if report.active:
            store.set_meta("active_codebook", project.relative(report.codebook))
        record_moves(store, project.root, stage, moves)
        crash_point("qdpx")  # all written, not yet committed

    if placed:
        ingested = ingest(view, [stage / "transcripts"], participants=staged_participants,
                          on_text_change=reanchor_document, before_commit=before_commit)
        report.problems.extend(_rename(p, view.places) for p in ingested.failures)
        report.problems.extend(_rename(w, view.places) for w in ingested.warnings
                               if project.relative(report.transcripts) in w.where)
        report.documents = [p.doc_id for p in placed if p.doc_id in set(ingested.added) | set(ingested.updated)]
    store = open_store(project.store_path, create=True)  # the pending moves of an ingest are finished here
    try:
        if not placed and moves:
            with store.transaction():
                before_commit(store)
            finish_moves(store)
    finally:
        store.close()

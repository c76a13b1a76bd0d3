"""The Python API: a :class:`Project` whose methods mirror the commands, one method per command.

The CLI parses its options, makes one of these calls and renders what comes back, so a notebook user and a
command-line user do the same thing by construction. Tables come back as pandas DataFrames with the columns of
the matching export. This module sits above every stage: it is the only place that joins them (ingest is
handed the re-anchoring of codings and the tokenising of keywords as callbacks, so it knows nothing of codes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import UsageError, writing
from qualcode.project.folder import ProjectFolder, open_folder

if TYPE_CHECKING:  # only for annotations: the CLI's --help must not import pandas or spaCy
    import pandas as pd

    from qualcode.analysis.agreement import AgreementReport, EvaluationReport
    from qualcode.autocode.run import CodeReport
    from qualcode.codebook.csv_import import CodebookImport
    from qualcode.codebook.load import CodebookReport
    from qualcode.codings.importing import ImportReport
    from qualcode.codings.review_session import ReviewSession
    from qualcode.codings.review_sheet import ReviewReport
    from qualcode.codings.tagging import TagResult, UntagResult
    from qualcode.ingest.run import IngestReport
    from qualcode.report.appendix import Appendix
    from qualcode.report.codebook_annex import CodebookAnnex
    from qualcode.report.curation import ChoiceReport
    from qualcode.report.quotes import Quote

DOCUMENT_COLUMNS = ("id", "type", "language", "turns", "words", "speakers", "participants", "format", "path")
STALE_COLUMNS = ("id", "document", "code", "coder", "status", "text")


@dataclass(frozen=True)
class ExportResult:
    """What :meth:`Project.export_codings` wrote: how many codings, and which selection they came from."""

    path: Path
    count: int
    selection: str
    draft: bool = False  # unreviewed suggestions were asked for


def open_project(path: str | Path | None = None) -> Project:
    """Open the project at ``path`` (or found upward from the current folder) and read its ``qualcode.toml``.

    Raises ProjectError when ``path`` does not exist or the config is invalid.
    """
    folder = open_folder(path)
    return Project(root=folder.root, config=folder.config)


def init_project(directory: str | Path) -> tuple[list[Path], list[Path]]:
    """Scaffold a project in ``directory``: ``(created, kept)`` files (`qualcode init`)."""
    from qualcode.project.scaffold import init_project as scaffold

    return scaffold(Path(directory))


def _store_tokens(project: ProjectFolder) -> Callable:
    from qualcode.autocode.run import prepare_tokens

    return lambda store: prepare_tokens(project, store)


class Project(ProjectFolder):
    """A qualcode project folder, with one method per command. Open one with :func:`open_project`."""

    # -- corpus ------------------------------------------------------------------------------------------
    def ingest(self, paths: Sequence[str | Path] = (), *, participants: str | Path | None = None,
               encoding: str | None = None, on_progress: Callable[[int, int, str], None] | None = None,
               jobs: int = 1) -> IngestReport:
        """Read transcripts into the store (`qualcode ingest`); changed documents keep their codings,
        re-anchored. ``jobs`` processes read the files; ``on_progress(words done, words to read, file)``.
        The report's ``return_code`` is 1 when a file failed."""
        from qualcode.codings.reanchor import reanchor_document
        from qualcode.ingest.run import ingest

        return ingest(self, paths, participants=participants, encoding=encoding, on_progress=on_progress,
                      on_text_change=reanchor_document, before_commit=_store_tokens(self), jobs=jobs)

    def documents(self) -> pd.DataFrame:
        """One row per document (`qualcode documents`): id, type, language, turns, words, speakers, …"""
        import pandas as pd

        from qualcode.ingest.run import list_documents

        rows = [asdict(d) for d in list_documents(self)]
        return pd.DataFrame(rows, columns=list(DOCUMENT_COLUMNS))

    # -- codebook and auto-coding ------------------------------------------------------------------------
    def codebook_path(self, codebook: str | Path | None = None) -> Path:
        """The codebook used: ``codebook``, else ``qualcode.toml``'s, else the one `code` last used."""
        from qualcode.codebook.active import codebook_path

        return codebook_path(self, codebook)

    def check_codebook(self, codebook: str | Path | None = None) -> CodebookReport:
        """Every problem of the codebook, structure first, then its example self-test (`codebook check`)."""
        from qualcode.autocode.run import check_codebook

        return check_codebook(self.codebook_path(codebook))

    def import_codebook(self, source: str | Path, output: str | Path | None = None,
                        name: str | None = None) -> tuple[Path, CodebookImport]:
        """Turn another tool's CSV code list into a YAML codebook (`codebook import`), never over an
        existing file; returns where it was written and what was read."""
        from qualcode.codebook.csv_import import import_codebook

        source = Path(source)
        target = Path(output) if output else self.root / "codebooks" / f"{source.stem}.yaml"
        with writing(target):
            return target, import_codebook(source, target, name)

    def export_codebook(self, path: str | Path, codebook: str | Path | None = None) -> CodebookAnnex:
        """Write the codebook as a report annex (`qualcode codebook export FILE.docx|.md|.html`): codes,
        definitions, when to use them, examples and a summary of the rules."""
        from qualcode.codebook.active import active_codebook
        from qualcode.report.codebook_annex import build_annex, write_annex

        path = Path(path)
        annex = build_annex(active_codebook(self, codebook))
        with writing(path):
            write_annex(annex, path)
        return annex

    def code(self, codebook: str | Path | None = None, *, unit: str | None = None, jobs: int = 1,
             on_progress: Callable[[int, int, str], None] | None = None) -> CodeReport:
        """Auto-code every document with the codebook's rules (`qualcode code`): coder ``auto``, status
        ``suggested``; review decisions and human codings are kept. Only codes whose rules changed and
        documents whose text changed since the last run are re-matched; ``jobs`` processes code a first run;
        ``on_progress(words done, words in all, document)``."""
        from qualcode.autocode.run import code_project

        return code_project(self, codebook, unit=unit, jobs=jobs, on_progress=on_progress)

    # -- codings -----------------------------------------------------------------------------------------
    def codings(self, *, coders: Sequence[str] = (), statuses: Sequence[str] = (),
                attributes: Sequence[str] | None = None, include_suggestions: bool = False,
                where: str | None = None) -> pd.DataFrame:
        """The selected codings with the columns of `codings export` (participant attributes last): reviewed
        ones unless ``include_suggestions`` or ``statuses`` say otherwise, of the participants ``where`` keeps
        (an expression such as ``"gender = female and site != B"``)."""
        import pandas as pd

        columns, rows, _, _ = self._export_rows(coders, statuses, attributes, include_suggestions, where)
        return pd.DataFrame(rows, columns=columns)

    def export_codings(self, path: str | Path, *, coders: Sequence[str] = (), statuses: Sequence[str] = (),
                       attributes: Sequence[str] | None = None, include_suggestions: bool = False,
                       where: str | None = None) -> ExportResult:
        """Write the selected codings to ``path`` by suffix (`codings export -o`): .csv and .xlsx end with an
        empty ``decision`` column for review or adjudication; also .jsonl .json .md .html."""
        from qualcode.codings.export import with_decision, write_jsonl
        from qualcode.codings.selection import DRAFT_NOTE
        from qualcode.report.tables import write_table

        path = Path(path)
        columns, rows, description, draft = self._export_rows(coders, statuses, attributes, include_suggestions,
                                                              where)
        notes = [DRAFT_NOTE] * draft + [f"Codings selected: {description}."]
        with writing(path):
            if path.suffix.lower() == ".jsonl":
                write_jsonl(path, columns, rows)
            else:
                write_table(path, with_decision(columns, path), rows, title="codings", notes=notes)
        return ExportResult(path, len(rows), description, draft)

    def _export_rows(self, coders: Sequence[str], statuses: Sequence[str], attributes: Sequence[str] | None,
                     suggestions: bool = False, where: str | None = None):
        from qualcode.codings.export import export_rows
        from qualcode.codings.selection import Selection
        from qualcode.codings.where import turn_filter
        from qualcode.project.store import open_store

        selection = Selection(tuple(coders), tuple(statuses), suggestions, where or "")
        store = open_store(self.store_path)
        try:
            kept = turn_filter(store, selection.where, self.config.value_labels) if selection.where else None
            columns, rows, codings = export_rows(self, store, selection, attributes, kept)
        finally:
            store.close()
        return columns, rows, selection.describe(codings, kept), selection.draft

    def selection(self, *, coders: Sequence[str] = (), statuses: Sequence[str] = (),
                  include_suggestions: bool = False, where: str | None = None) -> str:
        """One line saying which codings a selection keeps and how many unreviewed suggestions it includes."""
        return self._export_rows(coders, statuses, (), include_suggestions, where)[2]

    def import_codings(self, path: str | Path, *, coder: str | None = None, document_column: str | None = None,
                       code_column: str | None = None, text_column: str | None = None,
                       codebook: str | Path | None = None) -> ImportReport:
        """Import a coder's (or another tool's) codings from CSV or XLSX as ``coder`` (`codings import`)."""
        from qualcode.codebook.active import active_codebook
        from qualcode.codings.importing import Columns, import_codings

        name = coder or self.config.coder
        if not name:
            raise UsageError("name the coder with --coder (or set [project] coder in qualcode.toml)")
        book = active_codebook(self, codebook)
        columns = Columns(document_column, code_column, text_column)
        return self._in_transaction(lambda store: import_codings(store, book, Path(path), name, columns))

    def apply_review(self, path: str | Path, *, reviewer: str | None = None,
                     codebook: str | Path | None = None) -> ReviewReport:
        """Apply a reviewed sheet's decision column — accept, reject, recode:CODE — to the codings its id
        column names (`codings import --review`)."""
        from qualcode.codebook.active import active_codebook
        from qualcode.codings.review_sheet import apply_review

        book = active_codebook(self, codebook)
        return self._in_transaction(lambda store: apply_review(store, book, Path(path),
                                                               reviewer or self.config.coder))

    def _in_transaction(self, work: Callable):
        from qualcode.project.store import open_store

        store = open_store(self.store_path)
        try:
            with store.transaction():
                return work(store)
        finally:
            store.close()

    def stale_codings(self) -> pd.DataFrame:
        """Codings that could not be re-anchored after a transcript changed (`codings stale`)."""
        import pandas as pd

        from qualcode.project.store import open_store

        store = open_store(self.store_path)
        try:
            rows = [{"id": c.id, "document": c.document, "code": c.code, "coder": c.coder, "status": c.status,
                     "text": c.text} for c in store.codings() if c.stale]
        finally:
            store.close()
        return pd.DataFrame(rows, columns=list(STALE_COLUMNS))

    def tag(self, document: str, turn: int, code: str, *, coder: str | None = None,
            codebook: str | Path | None = None) -> TagResult:
        """Code the speech of one turn by hand as ``coder`` (`qualcode tag`)."""
        from qualcode.codings.tagging import tag

        return tag(self, document, turn, code, coder=coder, codebook=codebook)

    def untag(self, document: str, turn: int, code: str, *, coder: str | None = None,
              codebook: str | Path | None = None) -> UntagResult:
        """Remove ``coder``'s codings of ``code`` on one turn (`qualcode untag`)."""
        from qualcode.codings.tagging import untag

        return untag(self, document, turn, code, coder=coder, codebook=codebook)

    def review(self, *, code: str | None = None, document: str | None = None, coder: str = "auto",
               reviewer: str | None = None) -> ReviewSession:
        """A review session over the unreviewed suggestions that match (`qualcode review`)."""
        from qualcode.codings.review_session import open_review

        return open_review(self, code=code, document=document, coder=coder, reviewer=reviewer)

    # -- analysis ----------------------------------------------------------------------------------------
    def matrix(self, by: Sequence[str] | str = ("gender",), count: str = "participants", *, percent: bool = False,
               min_cell: int | None = None, coders: Sequence[str] = (), statuses: Sequence[str] = (),
               codebook: str | Path | None = None, include_suggestions: bool = False,
               where: str | None = None) -> pd.DataFrame:
        """A theme frequency matrix, codes × attribute values (`qualcode matrix`) over the participants ``where``
        keeps; ``frame.attrs`` holds its title, what it counts and the selection."""
        from qualcode.analysis.corpus_view import view_for
        from qualcode.analysis.matrix import theme_matrix

        by = [by] if isinstance(by, str) else list(by)
        return theme_matrix(view_for(self, coders, statuses, codebook, include_suggestions, where), by, count,
                            percent, min_cell)

    def cooccur(self, count: str = "segments", *, coders: Sequence[str] = (), statuses: Sequence[str] = (),
                codebook: str | Path | None = None, include_suggestions: bool = False,
                where: str | None = None) -> pd.DataFrame:
        """A code × code co-occurrence matrix (`qualcode cooccur`) over the participants ``where`` keeps."""
        from qualcode.analysis.corpus_view import view_for
        from qualcode.analysis.matrix import cooccurrence

        return cooccurrence(view_for(self, coders, statuses, codebook, include_suggestions, where), count)

    def agreement(self, coders: Sequence[str], unit: str = "turn", *,
                  codebook: str | Path | None = None) -> AgreementReport:
        """Agreement of two coders per code and pooled: kappa, alpha, percent (`qualcode agreement`)."""
        from qualcode.analysis.agreement import agreement

        return agreement(self, coders, unit, codebook=codebook)

    def evaluate(self, gold: str, coder: str = "auto", unit: str = "turn", *,
                 codebook: str | Path | None = None) -> EvaluationReport:
        """Precision, recall and F1 of ``coder`` against ``gold`` (`qualcode eval`)."""
        from qualcode.analysis.agreement import evaluate

        return evaluate(self, gold, coder, unit, codebook=codebook)

    # -- reports -----------------------------------------------------------------------------------------
    def quotes(self, code: str, *, by: str | None = None, limit: int | None = None, coders: Sequence[str] = (),
               statuses: Sequence[str] = (), include_suggestions: bool = False, seed: int = 0,
               where: str | None = None) -> list[Quote]:
        """The passages coded ``code`` or its children, with who said them (`qualcode quotes`), from the
        participants ``where`` keeps."""
        from qualcode.report.quotes import find_quotes

        return find_quotes(self, code, by=by, limit=limit, coders=coders, statuses=statuses,
                           suggestions=include_suggestions, seed=seed, where=where)

    def import_quote_choices(self, path: str | Path) -> ChoiceReport:
        """Store the `use` (pin / exclude) and `translation` columns of a candidates sheet written by
        `qualcode quotes CODE -o FILE` (`qualcode quotes import FILE`)."""
        from qualcode.report.curation import import_choices

        return import_choices(self, Path(path))

    def write_quote_candidates(self, path: str | Path, quotes: Sequence[Quote]) -> None:
        """Write ``quotes`` as a candidates sheet with empty `use` and their `translation` for curation."""
        from qualcode.report.curation import CANDIDATE_COLUMNS, candidate_rows
        from qualcode.report.tables import write_table

        path = Path(path)
        with writing(path):
            write_table(path, CANDIDATE_COLUMNS, candidate_rows(quotes), title="candidates",
                        notes=["Fill `use` with pin (always quote it first) or exclude (never quote it), and "
                               "`translation` with an English rendering; then run `qualcode quotes import "
                               f"{path.name}`."])

    def appendix(self, path: str | Path | None = None, *, reference_doc: str | Path | None = None,
                 include_suggestions: bool = False, on_progress: Callable[[int, int, str], None] | None = None,
                 **options) -> Appendix:
        """Write the quote appendix to ``path`` (.docx, .html or .md; default ``out/appendix.docx``) and return
        its content (`qualcode appendix`). ``options`` are the fields of
        :class:`qualcode.report.appendix.AppendixOptions`: ``codes``, ``limit`` (most quotes per code),
        ``seed``, ``by``, ``summary_by``, ``percent``, ``min_cell``, ``attribution``, ``context``, ``coders``,
        ``statuses``, ``where``, ``date``, ``title``. ``on_progress(quotes looked at, 0, code)`` follows the
        choice of quotes."""
        from qualcode.report.appendix import AppendixOptions, build_appendix, render

        target = Path(path) if path else self.root / "out" / "appendix.docx"
        content = build_appendix(self, AppendixOptions(suggestions=include_suggestions, **options), on_progress)
        with writing(target):
            render(content, target, reference_doc=Path(reference_doc) if reference_doc else None)
        return content

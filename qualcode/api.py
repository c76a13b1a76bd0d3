"""The Python API: a :class:`Project` whose methods mirror the commands, one method per command.

The CLI parses its options, makes one of these calls and renders what comes back, so a notebook user and a
command-line user do the same thing by construction. Tables come back as pandas DataFrames with the columns of
the matching export. This module sits above every stage: it is the only place that joins them (ingest is
handed the re-anchoring of codings and the tokenising of keywords as callbacks, so it knows nothing of codes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.errors import Problem, QualcodeError, UsageError, writing
from qualcode.project.folder import ProjectFolder, open_folder

if TYPE_CHECKING:  # only for annotations: the CLI's --help must not import pandas or spaCy
    import pandas as pd

    from qualcode.analysis.agreement import AgreementReport, EvaluationReport
    from qualcode.analysis.assist import Estimate, SuggestReport
    from qualcode.analysis.disclosure import DisclosureSummary
    from qualcode.analysis.kwic import SearchResult
    from qualcode.analysis.rule_scores import RuleScore
    from qualcode.autocode.explain import Explanation
    from qualcode.autocode.run import CodeReport
    from qualcode.codebook.csv_import import CodebookImport
    from qualcode.codebook.load import CodebookReport
    from qualcode.codings.importing import ImportReport
    from qualcode.codings.memos import MemoTarget
    from qualcode.codings.removal import Removal
    from qualcode.codings.review_session import ReviewSession
    from qualcode.codings.review_sheet import ReviewReport
    from qualcode.codings.rule_review import RuleSummary, SampleState
    from qualcode.codings.tagging import TagResult, UntagResult
    from qualcode.exchange.qdpx_export import ExportSummary, NoteItem
    from qualcode.exchange.qdpx_import import ProjectImport
    from qualcode.ingest.roster import Roster
    from qualcode.ingest.run import IngestReport
    from qualcode.project.settings import Setting
    from qualcode.project.store import MemoRow, RuleSampleRow
    from qualcode.report.appendix import Appendix
    from qualcode.report.codebook_annex import CodebookAnnex
    from qualcode.report.curation import ChoiceReport
    from qualcode.report.leaks import LeakReport
    from qualcode.report.quotes import Quote
    from qualcode.report.transcript import Transcript

DOCUMENT_COLUMNS = ("id", "type", "language", "turns", "words", "speakers", "participants", "format", "path")
STALE_COLUMNS = ("id", "document", "code", "coder", "status", "text")


@dataclass(frozen=True)
class ExportResult:
    """What :meth:`Project.export_codings` wrote: how many codings, and which selection they came from."""

    path: Path
    count: int
    selection: str
    draft: bool = False  # unreviewed suggestions were asked for
    left_out: dict[str, int] = field(default_factory=dict)  # codings of other codebooks than the active one


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


def _memo_target(document: str | None, participant: str | None, code: str | None,
                 coding: int | str | None) -> MemoTarget | None:
    """The one memo target named, or None. Raises UsageError when several are."""
    from qualcode.codings.memos import MemoTarget

    named = [MemoTarget(kind, str(value)) for kind, value in (("document", document), ("participant", participant),
                                                               ("code", code), ("coding", coding)) if value is not None]
    if len(named) > 1:
        raise UsageError(f"a memo is about one thing: give one of --{', --'.join(t.kind for t in named)}")
    return named[0] if named else None


def _store_tokens(project: ProjectFolder) -> Callable:
    from qualcode.autocode.run import prepare_tokens

    return lambda store: prepare_tokens(project, store)


class Project(ProjectFolder):
    """A qualcode project folder, with one method per command. Open one with :func:`open_project`."""

    # -- corpus ------------------------------------------------------------------------------------------
    def ingest(self, paths: Sequence[str | Path] = (), *, participants: str | Path | None = None,
               encoding: str | None = None, on_progress: Callable[[int, int, str], None] | None = None,
               prune: bool = False, jobs: int = 1) -> IngestReport:
        """Read transcripts into the store (`qualcode ingest`); changed documents keep their codings,
        re-anchored. Documents whose source file is gone are listed in ``missing``; with ``prune`` they are
        removed after a backup of their human work (``removed``: :class:`~qualcode.codings.removal.Removal`s).
        ``jobs`` processes read the files; ``on_progress(words done, words to read, file)``. The report's
        ``return_code`` is 1 when a file failed."""
        from qualcode.codings.reanchor import reanchor_document
        from qualcode.codings.removal import remove_with_backup
        from qualcode.ingest.run import ingest

        remove = (lambda store, doc_id: remove_with_backup(self, store, doc_id)) if prune else None
        return ingest(self, paths, participants=participants, encoding=encoding, on_progress=on_progress,
                      on_text_change=reanchor_document, before_commit=_store_tokens(self), remove=remove, jobs=jobs)

    def remove(self, documents: Sequence[str]) -> list[Removal]:
        """Remove documents from the store (`qualcode remove`) after writing their human codings, review
        decisions, quote choices and memos to a backup file each. Raises UsageError for an unknown document."""
        from qualcode.codings.removal import remove_documents

        return remove_documents(self, documents)

    def backup(self, path: str | Path | None = None) -> Path:
        """Copy the project store, consistently even while another command runs (`qualcode backup`): to
        ``path``, or to ``.qualcode/backups/`` named by the time. Returns where it went."""
        from qualcode.project.backup import backup_store

        return backup_store(self.store_path, Path(path) if path else None)

    def pseudonymise(self, key: str | Path | None) -> int:
        """Replace the key's real names, places and organisations in every output from now on
        (`qualcode pseudonymise`); ``key`` None stops it. The store keeps the original text. Returns how many
        terms are replaced."""
        from qualcode.codings.pseudonyms import read_key, save

        pseudonyms = read_key(Path(key)) if key is not None else None
        self._in_transaction(lambda store: save(store, pseudonyms))
        return len(pseudonyms.pairs) if pseudonyms else 0

    def leaks(self, files: Sequence[str | Path], key: str | Path | None = None,
              k_anonymity: int | None = None) -> LeakReport:
        """Look for real names in exported files (`qualcode leaks`): the terms of the pseudonymisation
        ``key`` CSV (default: the key `pseudonymise` saved, if any) and the values of participant attributes
        marked identifying in qualcode.toml; and, in appendices (.docx, .html, .md), attributions whose values
        fewer than ``k_anonymity`` participants hold (default: qualcode.toml's ``[report] k_anonymity``; 1
        skips them). Raises UsageError when there is nothing to look for, or for k below 1."""
        from qualcode.analysis.disclosure import Population, resolve_k, store_population
        from qualcode.codings.name_match import Term
        from qualcode.codings.pseudonyms import stored
        from qualcode.project.store import open_store
        from qualcode.report.leaks import ATTRIBUTION_SUFFIXES, check_suffix, find_leaks, find_singling_out, read_key

        k = resolve_k(k_anonymity, self.config.report.k_anonymity)
        paths = [Path(f) for f in files]
        for path in paths:
            check_suffix(path)
        terms = read_key(Path(key)) if key else []
        population, documents = Population((), {}), set()
        if self.store_path.is_file():
            store = open_store(self.store_path)
            try:
                saved = stored(store)
                if not key and saved is not None:
                    terms = [Term(term, replacement) for term, replacement in saved.pairs]
                terms += [Term(value, source=column) for person in store.participants()
                          for column, value in person.attributes.items()
                          if column in self.config.identifying and value]
                if k > 1:
                    population = store_population(store, self.config.value_labels)
                    documents = set(store.document_keys())
                    documents |= {saved.document(d) for d in documents} if saved is not None else set()
            finally:
                store.close()
        appendices = any(p.suffix.lower() in ATTRIBUTION_SUFFIXES for p in paths) and len(population) > 0
        if not terms and not appendices:
            raise UsageError("nothing to look for: give --key KEY.csv (or save one with `qualcode pseudonymise`), "
                             "or mark identifying attribute columns ([participants] identifying in qualcode.toml)")
        report = find_leaks(paths, terms)
        if appendices:
            find_singling_out(paths, population, k, documents, report)
        return report

    def documents(self) -> pd.DataFrame:
        """One row per document (`qualcode documents`): id, type, language, turns, words, speakers, … (id and
        path pseudonymised after `pseudonymise`)."""
        import pandas as pd

        from qualcode.codings.pseudonyms import stored
        from qualcode.ingest.run import list_documents

        rows = [asdict(d) for d in list_documents(self)]
        pseudonyms = self._reading(stored) if self.store_path.exists() else None
        if pseudonyms is not None:  # a file name is an id: its terms replaced in any case
            for row in rows:
                row["id"], row["path"] = pseudonyms.document(row["id"]), pseudonyms.apply(row["path"], any_case=True)
        return pd.DataFrame(rows, columns=list(DOCUMENT_COLUMNS))

    def setting(self, key: str, value: str | None = None) -> Setting:
        """Read a project setting of ``qualcode.toml`` (`qualcode config KEY`), or set it when ``value`` is
        given (`qualcode config KEY VALUE`), keeping the file's other lines. Raises UsageError for an unknown
        key or unusable value, ProjectError when the file cannot be written."""
        from qualcode.project.settings import read_setting, set_setting

        return read_setting(self, key) if value is None else set_setting(self, key, value)

    def participants(self, attributes: Sequence[str] | None = None) -> Roster:
        """Every participant with attributes (default: all not marked identifying), documents, turns and words,
        and where participants.csv and the transcripts disagree (`qualcode participants`); attribute values
        and notes pseudonymised after `pseudonymise`."""
        from dataclasses import replace

        from qualcode.codings.pseudonyms import stored
        from qualcode.ingest.roster import list_participants

        roster = list_participants(self, attributes)
        pseudonyms = self._reading(stored) if self.store_path.exists() else None
        if pseudonyms is None:
            return roster
        def shown(column: str, value):
            if not isinstance(value, str) or column == "role":
                return value
            if column == "documents":
                return ", ".join(pseudonyms.document(d.strip()) for d in value.split(",")) if value else value
            return pseudonyms.apply(value)  # attribute values, notes (speaker labels), participant ids of speakers

        return replace(roster, rows=tuple({k: shown(k, v) for k, v in row.items()} for row in roster.rows))

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
                        name: str | None = None, separator: str = ">") -> tuple[Path, CodebookImport]:
        """Turn another tool's code list — CSV (levels of a code's path split at ``separator``), or a REFI-QDA
        ``.qdc`` — into a YAML codebook (`codebook import`), never over an existing file; returns where it was
        written and what was read."""
        from qualcode.codebook.csv_import import import_codebook
        from qualcode.exchange.qdc import read_qdc

        source = Path(source)
        target = Path(output) if output else self.root / "codebooks" / f"{source.stem}.yaml"
        if target.exists():  # checked here too: the codebook is written to a temporary file first
            raise QualcodeError("already exists; qualcode never writes over a codebook: choose another -o",
                                where=str(target))
        with writing(target) as temp:
            imported = import_codebook(source, temp, name, readers={".qdc": read_qdc},
                                       separator=separator)
        return target, imported

    def export_codebook(self, path: str | Path, codebook: str | Path | None = None,
                        layout: str | None = None) -> CodebookAnnex:
        """Write the codebook as a report annex (`qualcode codebook export FILE.docx|.md|.html`): codes,
        definitions, when to use them, examples and a summary of the rules; or, to a ``.qdc`` file, as a REFI-QDA
        codebook other QDA tools import (labels, hierarchy, colours, definitions, include, exclude, examples,
        groups as sets); or, to a ``.csv`` file, as a code list that `codebook import`, spreadsheets and other
        tools read: ``layout`` ``qualcode`` (default: ``code`` path with ``>``, ``definition``, ``include``,
        ``exclude``, ``examples``, ``color``) or ``taguette`` (``tag``, ``description``). Raises UsageError
        for a ``layout`` with another suffix."""
        from qualcode.codebook.active import active_codebook
        from qualcode.codings.pseudonyms import hide_codebook, stored
        from qualcode.report.codebook_annex import build_annex, write_annex

        path = Path(path)
        if layout is not None and path.suffix.lower() != ".csv":
            raise UsageError(f"{path}: --format chooses the columns of a .csv code list; name a .csv file")
        book = active_codebook(self, codebook)
        pseudonyms = self._reading(stored) if self.store_path.exists() else None
        annex = build_annex(book, self._code_memos(), pseudonyms)
        shown = hide_codebook(pseudonyms, book)  # labels, definitions and examples as outputs show them
        with writing(path) as temp:
            if path.suffix.lower() == ".qdc":
                from qualcode.exchange.qdc import codebook_qdc

                temp.write_bytes(codebook_qdc(shown))
            elif path.suffix.lower() == ".csv":
                from qualcode.codebook.csv_import import code_list
                from qualcode.report.tables import write_table

                columns, rows = code_list(shown, layout or "qualcode")
                write_table(temp, columns, rows, title="codebook")
            else:
                write_annex(annex, temp)
        return annex

    def code(self, codebook: str | Path | None = None, *, unit: str | None = None, jobs: int = 1,
             on_progress: Callable[[int, int, str], None] | None = None) -> CodeReport:
        """Auto-code every document with the codebook's rules (`qualcode code`): coder ``auto``, status
        ``suggested``; review decisions and human codings are kept. Only codes whose rules changed and
        documents whose text changed since the last run are re-matched; ``jobs`` processes code a first run;
        ``on_progress(words done, words in all, document)``."""
        from qualcode.autocode.run import code_project

        return code_project(self, codebook, unit=unit, jobs=jobs, on_progress=on_progress)

    def suggest(self, method: str, *, code: str | None = None, unit: str | None = None, folds: int | None = None,
                min_precision: float | None = None, top: int = 20, model: str | None = None,
                endpoint: str | None = None, allow_remote: bool = False, everywhere: bool = False,
                timeout: float = 60.0, max_failures: int = 5,
                on_estimate: Callable[[Estimate], None] | None = None,
                on_progress: Callable[[int, int, str], None] | None = None) -> SuggestReport:
        """Assisted suggestions beyond the rules (`qualcode suggest`): ``learned`` (a classifier per code trained
        on the reviewed codings; ``folds`` measures it on held-out documents first, ``min_precision`` picks its
        threshold), ``similar`` (the ``top`` passages closest to ``code``) or ``llm`` (a chat model at
        ``endpoint``, which must be on this machine unless ``allow_remote``; ``timeout`` seconds per request,
        stopping after ``max_failures`` failed units in a row; a unit left unanswered keeps its earlier
        suggestions). Suggestions go on documents no person has coded unless ``everywhere``. Stored as coder =
        method, status ``suggested``."""
        from qualcode.analysis.assist import suggest

        return suggest(self, method, code=code, unit=unit, folds=folds, min_precision=min_precision, top=top,
                       model=model, endpoint=endpoint, allow_remote=allow_remote, everywhere=everywhere,
                       timeout=timeout, max_failures=max_failures, on_estimate=on_estimate,
                       on_progress=on_progress)

    # -- codings -----------------------------------------------------------------------------------------
    def codings(self, *, coders: Sequence[str] = (), statuses: Sequence[str] = (),
                attributes: Sequence[str] | None = None, include_suggestions: bool = False,
                where: str | None = None) -> pd.DataFrame:
        """The selected codings with the columns of `codings export` (participant attributes last): reviewed
        ones unless ``include_suggestions`` or ``statuses`` say otherwise, of the participants ``where`` keeps
        (an expression such as ``"gender = female and site != B"``)."""
        import pandas as pd

        columns, rows, *_ = self._export_rows(coders, statuses, attributes, include_suggestions, where)
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
        columns, rows, description, draft, left_out = self._export_rows(coders, statuses, attributes,
                                                                        include_suggestions, where)
        notes = [DRAFT_NOTE] * draft + [f"Codings selected: {description}."]
        ruled = sorted({r["coder"] for r in rows if r.get("rule_name")})
        sheets = [("rules", *self._rule_sheet(ruled))] if ruled and path.suffix.lower() == ".xlsx" else []
        if sheets:
            notes.append("The rules sheet counts each rule's suggestions by review status, all of them, not only "
                         "the ones selected here; `settled` says how a review by rule decided the rest.")
        with writing(path) as temp:
            if path.suffix.lower() == ".jsonl":
                write_jsonl(temp, columns, rows)
            else:
                write_table(temp, with_decision(columns, path), rows, title="codings", notes=notes, sheets=sheets)
        return ExportResult(path, len(rows), description, draft, left_out)

    def _rule_sheet(self, coders: Sequence[str]) -> tuple[tuple[str, ...], list[dict]]:
        """Columns and rows of the per-rule summary sheet of a review sheet (rules of ``coders``)."""
        from qualcode.codebook.active import active_codebook
        from qualcode.codings.rule_review import RULE_SHEET_COLUMNS, rule_sheet

        book = active_codebook(self)
        return RULE_SHEET_COLUMNS, self._reading(lambda store: rule_sheet(store, book, coders))

    def _export_rows(self, coders: Sequence[str], statuses: Sequence[str], attributes: Sequence[str] | None,
                     suggestions: bool = False, where: str | None = None):
        from qualcode.codings.export import export_rows
        from qualcode.codings.selection import Selection
        from qualcode.codings.where import turn_filter
        from qualcode.project.store import open_store

        selection = Selection(tuple(coders), tuple(statuses), suggestions, where or "", self._active_codebook_name())
        store = open_store(self.store_path)
        try:
            kept = turn_filter(store, selection.where, self.config.value_labels) if selection.where else None
            columns, rows, codings = export_rows(self, store, selection, attributes, kept)
            left_out = selection.left_out(store.codings())
        finally:
            store.close()
        return columns, rows, selection.describe(codings, kept, left_out), selection.draft, left_out

    def _code_memos(self) -> dict[str, list[str]]:
        """The memos on codes, by code id, as the codebook annex prints them (none before the first ingest)."""
        from qualcode.codings.pseudonyms import stored
        from qualcode.project.store import open_store
        from qualcode.report.codebook_annex import code_memos

        if not self.store_path.exists():
            return {}
        store = open_store(self.store_path)
        try:
            return code_memos(store.memos("code"), stored(store))
        finally:
            store.close()

    def _active_codebook_name(self) -> str:
        """The active codebook's name, or '' when none is set or it cannot be read (exports then keep every
        codebook's codings)."""
        from qualcode.codebook.active import active_codebook
        from qualcode.errors import QualcodeError

        try:
            return active_codebook(self).name
        except QualcodeError:
            return ""

    def left_out(self, *, coders: Sequence[str] = (), statuses: Sequence[str] = (),
                 include_suggestions: bool = False) -> tuple[str, dict[str, int]]:
        """The active codebook's name and, per other codebook, how many codings the selection leaves out
        because they were made with that codebook (reports use the active codebook's codings only)."""
        from qualcode.codings.selection import Selection
        from qualcode.project.store import open_store

        name = self._active_codebook_name()
        store = open_store(self.store_path)
        try:
            return name, Selection(tuple(coders), tuple(statuses), include_suggestions,
                                   codebook=name).left_out(store.codings())
        finally:
            store.close()

    def selection(self, *, coders: Sequence[str] = (), statuses: Sequence[str] = (),
                  include_suggestions: bool = False, where: str | None = None) -> str:
        """One line saying which codings a selection keeps and how many unreviewed suggestions it includes."""
        return self._export_rows(coders, statuses, (), include_suggestions, where)[2]

    def import_codings(self, path: str | Path, *, coder: str | None = None, document_column: str | None = None,
                       code_column: str | None = None, text_column: str | None = None,
                       codebook: str | Path | None = None, adjudicated: bool = False,
                       as_human: bool = False) -> ImportReport:
        """Import a coder's (or another tool's) codings from CSV or XLSX as ``coder`` (`codings import`).

        A sheet with decisions needs ``adjudicated`` (a decided adjudication sheet) and rows copying auto
        suggestions need ``as_human``; otherwise UsageError and nothing is imported."""
        import unicodedata

        from qualcode.codebook.active import active_codebook
        from qualcode.codings.importing import Columns, import_codings

        name = unicodedata.normalize("NFC", coder or self.config.coder or "")  # as typed, composed or not
        if not name:
            raise UsageError("name the coder with --coder (or set [project] coder in qualcode.toml)")
        book = active_codebook(self, codebook)
        columns = Columns(document_column, code_column, text_column)
        return self._in_transaction(lambda store: import_codings(store, book, Path(path), name, columns,
                                                                 adjudicated=adjudicated, as_human=as_human))

    def apply_review(self, path: str | Path, *, reviewer: str | None = None, codebook: str | Path | None = None,
                     partial: bool = False, on_problem: Callable[[Problem], None] | None = None) -> ReviewReport:
        """Apply a reviewed sheet's decisions — accept, reject, recode:CODE, or a ``new_code`` — each only to the
        coding its row shows: id, code, span, text and check must agree (`codings import --review`). With any
        refused row nothing is applied unless ``partial``; ``on_problem`` gets each refused row and note as the
        sheet streams."""
        import unicodedata

        from qualcode.codebook.active import active_codebook
        from qualcode.codings.review_sheet import apply_review

        book = active_codebook(self, codebook)
        name = unicodedata.normalize("NFC", reviewer or self.config.coder or "") or None
        return self._in_transaction(lambda store: apply_review(store, book, Path(path), name, partial=partial,
                                                               on_problem=on_problem))

    def _reading(self, work: Callable):
        from qualcode.project.store import open_store

        store = open_store(self.store_path)
        try:
            return work(store)
        finally:
            store.close()

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

        from qualcode.codings.pseudonyms import hide, stored
        from qualcode.project.store import open_store

        store = open_store(self.store_path)
        try:
            pseudonyms = stored(store)
            rows = [{"id": c.id, "document": pseudonyms.document(c.document) if pseudonyms else c.document,
                     "code": c.code, "coder": c.coder, "status": c.status,
                     "text": hide(pseudonyms, c.text)} for c in store.codings() if c.stale]
        finally:
            store.close()
        return pd.DataFrame(rows, columns=list(STALE_COLUMNS))

    def tag(self, document: str, turn: int, code: str, *, coder: str | None = None,
            codebook: str | Path | None = None, text: str | None = None, sentence: int | None = None,
            chars: str | None = None) -> TagResult:
        """Code the speech of one turn by hand as ``coder`` (`qualcode tag`) — or a part of it: some ``text``
        of the turn, its ``sentence`` (1-based) or ``chars`` ``"A-B"`` counted from the start of its speech."""
        from qualcode.codings.tagging import SpanChoice, tag

        return tag(self, document, turn, code, coder=coder, codebook=codebook,
                   span=SpanChoice(text, sentence, chars))

    def untag(self, document: str, turn: int, code: str, *, coder: str | None = None,
              codebook: str | Path | None = None, text: str | None = None, sentence: int | None = None,
              chars: str | None = None) -> UntagResult:
        """Remove ``coder``'s codings of ``code`` on one turn (`qualcode untag`), or the one on the part of the
        turn that ``text``, ``sentence`` or ``chars`` names (as for :meth:`tag`)."""
        from qualcode.codings.tagging import SpanChoice, untag

        return untag(self, document, turn, code, coder=coder, codebook=codebook,
                     span=SpanChoice(text, sentence, chars))

    def review(self, *, code: str | None = None, document: str | None = None, coder: str = "auto",
               reviewer: str | None = None, order: str = "position") -> ReviewSession:
        """A review session over the unreviewed suggestions that match (`qualcode review`), in document order
        or (``order="score"``) the most likely first."""
        from qualcode.codings.review_session import open_review

        return open_review(self, code=code, document=document, coder=coder, reviewer=reviewer, order=order)

    def rules(self, *, coder: str = "auto") -> list[RuleSummary]:
        """Each rule that made ``coder``'s stored suggestions of the active codebook, with its pending, accepted
        and rejected counts, its open sample and its bulk decisions (`qualcode review --by-rule`)."""
        from qualcode.codebook.active import active_codebook
        from qualcode.codings.rule_review import summaries

        book = active_codebook(self)
        return self._reading(lambda store: summaries(store, book, coder))

    def review_rule(self, rule: str, *, size: int | None = None, seed: int | None = None, new: bool = False,
                    coder: str = "auto", reviewer: str | None = None) -> tuple[ReviewSession, SampleState]:
        """A review session over the sample of ``rule`` (``CODE#N``): the open sample (widened to ``size``) or a
        new seeded one, recorded at once (`qualcode review --rule`); also returns the sample's state."""
        from qualcode.codings.rule_review import open_rule_review

        return open_rule_review(self, rule, size=size, seed=seed, new=new, coder=coder, reviewer=reviewer)

    def write_rule_sample(self, rule: str, path: str | Path, *, size: int | None = None, seed: int | None = None,
                          new: bool = False, coder: str = "auto") -> SampleState:
        """Draw (or keep) the sample of ``rule`` as :meth:`review_rule` does and write its undecided suggestions to
        ``path`` (.csv or .xlsx) as a review sheet for `codings import --review` (`qualcode review --rule --sheet`).
        Raises UsageError for another suffix."""
        from qualcode.codebook.active import active_codebook
        from qualcode.codings.export import SHEET_SUFFIXES, export_rows, with_decision
        from qualcode.codings.memos import now
        from qualcode.codings.rule_review import draw, find_rule, sample_ids, summaries
        from qualcode.codings.selection import DRAFT_NOTE, Selection
        from qualcode.report.tables import write_table

        path = Path(path)
        if path.suffix.lower() not in SHEET_SUFFIXES:
            raise UsageError(f"{path}: a review sheet is .csv or .xlsx")
        book = active_codebook(self)

        def work(store):
            found = find_rule(summaries(store, book, coder), rule, coder)
            with store.transaction():
                sample = draw(store, book, found, size=size, seed=seed, new=new, coder=coder, now=now())
            columns, rows, _ = export_rows(self, store, Selection((coder,), ("suggested",), codebook=book.name))
            return sample, columns, rows

        sample, columns, rows = self._reading(work)
        order = {coding_id: i for i, coding_id in enumerate(sample_ids(sample.record))}
        rows = sorted((r for r in rows if r["id"] in order), key=lambda r: order[r["id"]])
        record = sample.record
        notes = [DRAFT_NOTE, f"Sample of rule {record.rule}: {len(order)} of the {len(record.population)} suggestions "
                 f"it had pending when drawn ({record.drawn}, seed {record.seed}); {len(rows)} still to decide.",
                 f"Decide each row, import the sheet (qualcode codings import {path.name} --review), then settle the "
                 f"rest: qualcode review --rule {record.rule} --apply accept (or reject)."]
        with writing(path) as temp:
            write_table(temp, with_decision(columns, path), rows, title="sample", notes=notes)
        return sample

    def settle_rule(self, rule: str, action: str, *, force: bool = False, reviewer: str | None = None,
                    coder: str = "auto") -> RuleSampleRow:
        """Apply ``action`` (accept or reject) to the rest of ``rule``'s sampled suggestions once its sample is
        decided, recorded with the sample's size and result (`qualcode review --rule --apply`). Refused (UsageError)
        while the sample is undecided, when the rule gained suggestions since the sample, and — unless ``force`` —
        when the sample holds decisions against ``action``."""
        from qualcode.codebook.active import active_codebook
        from qualcode.codings.memos import now
        from qualcode.codings.rule_review import find_rule, settle, summaries

        book = active_codebook(self)
        name = reviewer or self.config.coder or ""
        return self._in_transaction(lambda store: settle(store, book, find_rule(summaries(store, book, coder), rule,
                                                                                coder),
                                                         action, force=force, reviewer=name, coder=coder, now=now()))

    # -- exploring the corpus ------------------------------------------------------------------------------
    def show(self, document: str, *, turns: str | None = None, codes: bool = False, output: str | Path | None = None,
             coders: Sequence[str] = (), statuses: Sequence[str] = (), include_suggestions: bool = False,
             codebook: str | Path | None = None) -> Transcript:
        """One transcript with turn numbers, speakers, participants and timestamps (`qualcode show`); with
        ``codes`` (or an ``output`` page, always coded) the codings selected as reports select them. ``turns``
        is a range such as ``3-9``; ``output`` writes a self-contained HTML page."""
        from qualcode.codings.selection import Selection
        from qualcode.report.transcript import build_transcript, write_transcript_html

        selection = Selection(tuple(coders), tuple(statuses), include_suggestions)
        transcript = build_transcript(self, document, turns=turns, codes=codes or output is not None,
                                      selection=selection, codebook=codebook)
        if output is not None:
            path = Path(output)
            with writing(path) as temp:
                write_transcript_html(transcript, temp)
        return transcript

    def search(self, query: str, *, pattern: bool = False, exact: bool = False, fuzzy: int | None = None,
               accents: str | None = None, speakers: Sequence[str] = (), code: str | None = None,
               uncoded: bool = False, coders: Sequence[str] = (), statuses: Sequence[str] = (),
               include_suggestions: bool = False, width: int = 40, tag: str | None = None,
               tag_coder: str | None = None, unit: str | None = None,
               codebook: str | Path | None = None, where: str | None = None) -> SearchResult:
        """Keyword in context over the corpus with the codebook's matching (`qualcode search`): lemmas unless
        ``exact``, ``*`` wildcards, ``fuzzy``, diacritics ignored when the query has none (``accents``:
        ``ignore`` / ``keep``), or a regular expression (``pattern``); only in turns of ``speakers``; only
        inside codings of ``code`` or, with ``uncoded``, outside every selected coding; only in turns of the
        participants ``where`` keeps. ``tag`` codes the
        hits' sentences (``unit``: sentence, turn or match; default the code's) as ``tag_coder``'s human
        codings; ``result.tagged`` says how many were added. ``result.frame()`` is the table of hits."""
        from dataclasses import replace

        from qualcode.analysis.kwic import search
        from qualcode.autocode.query import Query
        from qualcode.codings.hit_tagging import code_unit, tag_spans
        from qualcode.codings.selection import Selection

        spec = Query(query, pattern=pattern, exact=exact, fuzzy=fuzzy, accents=accents,
                     language=self.config.language, speakers=tuple(speakers))
        if tag is not None:
            from qualcode.codings.tagging import coder_name

            coder_name(self, tag_coder)  # no coder: fail before searching
            unit = code_unit(self, tag, unit, codebook)
        result = search(self, spec, code=code, uncoded=uncoded,
                        selection=Selection(tuple(coders), tuple(statuses), include_suggestions, where or ""),
                        width=width,
                        codebook=str(codebook) if codebook else None)
        if tag is None:
            return result
        chosen = [h for h in result.hits if speakers or not h.interviewer]
        spans = [(h.document, *(h.sentence if unit == "sentence" else h.speech if unit == "turn"
                                else (h.start, h.end))) for h in chosen]
        tagged = tag_spans(self, spans, tag, coder=tag_coder, unit=unit or "sentence", codebook=codebook)
        return replace(result, tagged=tagged, skipped_interviewer=len(result.hits) - len(chosen))

    def explain_code(self, code: str, *, codebook: str | Path | None = None, examples: int = 3) -> Explanation:
        """What each rule of ``code`` matches in the corpus and why — form, lemma, wildcard, fuzzy ratio,
        accents — with a few matches in context (`qualcode codebook explain`)."""
        from qualcode.autocode.coder import Coder
        from qualcode.autocode.explain import explain_code
        from qualcode.autocode.run import coding_docs
        from qualcode.autocode.tokens import TokenCache
        from qualcode.codebook.active import active_codebook
        from qualcode.codebook.names import unknown_code
        from qualcode.codings.pseudonyms import hide_explanation, stored
        from qualcode.errors import ProjectError
        from qualcode.project.store import open_store

        book = active_codebook(self, codebook)
        target = book.resolve(code)
        if target is None:
            raise UsageError(unknown_code(book, code))
        store = open_store(self.store_path)
        try:
            docs = coding_docs(store)
            tokens = TokenCache.from_store(store)
            pseudonyms = stored(store)
        finally:
            store.close()
        if not docs:
            raise ProjectError("no documents: run `qualcode ingest` first")
        found = explain_code(Coder(docs, tokens=tokens), book, target, examples)
        return hide_explanation(found, docs, pseudonyms) if pseudonyms is not None else found

    def words(self, by: str | None = None, *, top: int = 20, sort: str = "count",
              where: str | None = None) -> pd.DataFrame:
        """Lemma frequencies of the respondent speech of the participants ``where`` keeps, per group of ``by``
        (`qualcode words`), stop words left
        out, with keyness against the rest of the corpus: Dunning's G2, Hardie's log ratio and p. The ``top``
        lemmas of each group by ``count`` or by ``keyness`` (words used more in the group, largest G2 first);
        ``frame.attrs`` holds the groups' sizes. After `pseudonymise`, key terms among the lemmas and group
        names are shown replaced, and a word of a multi-word term is left out."""
        from qualcode.analysis.keyness import keyness, top_words
        from qualcode.analysis.lemma_counts import count_lemmas, hide_lemmas
        from qualcode.codings.pseudonyms import stored

        if sort not in ("count", "keyness"):
            raise UsageError(f"unknown sort {sort!r}; use count or keyness")
        if top < 1:
            raise UsageError("--top must be at least 1")
        counted = hide_lemmas(count_lemmas(self, by, where), self._reading(stored))
        frame = top_words(keyness(counted.counts, counted.words, counted.groups), top, sort)
        frame.attrs = {"by": counted.by or "", "sort": sort, "top": top,
                       "groups": {g: {"words": counted.words[g], "participants": counted.participants[g]}
                                  for g in counted.groups},
                       "title": f"Words of respondents{' by ' + counted.by if counted.by else ''}"}
        return frame

    # -- memos -------------------------------------------------------------------------------------------
    def add_memo(self, text: str, *, document: str | None = None, participant: str | None = None,
                 code: str | None = None, coding: int | str | None = None, author: str | None = None) -> MemoRow:
        """Write a memo on one document, participant, code or coding (`qualcode memo add`), by ``author``
        (default: qualcode.toml's coder, else the OS user), timed now. Raises UsageError when not exactly one
        target is named, it does not exist, or the text is empty."""
        from qualcode.codings.memos import add_memo

        target = _memo_target(document, participant, code, coding)
        if target is None:
            raise UsageError("say what the memo is about: --document, --participant, --code or --coding")
        return add_memo(self, target, text, author=author)

    def memos(self, *, document: str | None = None, participant: str | None = None, code: str | None = None,
              coding: int | str | None = None) -> list[MemoRow]:
        """Every memo, or those on one target (`qualcode memo list`); a document's include the memos on its
        codings. Raises UsageError for a target that does not exist."""
        from qualcode.codings.memos import list_memos

        return list_memos(self, _memo_target(document, participant, code, coding))

    def memo(self, memo_id: int | None = None, *, document: str | None = None, participant: str | None = None,
             code: str | None = None, coding: int | str | None = None) -> MemoRow:
        """One memo: by id, or the only one on a target. Raises UsageError when there is none or several."""
        from qualcode.codings.memos import find_memo

        return find_memo(self, memo_id, _memo_target(document, participant, code, coding))

    def edit_memo(self, memo_id: int, text: str) -> MemoRow:
        """Replace a memo's text (`qualcode memo edit`), recording when. Raises UsageError for an unknown memo
        or empty text."""
        from qualcode.codings.memos import edit_memo

        return edit_memo(self, memo_id, text)

    # -- analysis ----------------------------------------------------------------------------------------
    def matrix(self, by: Sequence[str] | str = ("gender",), count: str = "participants", *, percent: bool = False,
               min_cell: int | None = None, coders: Sequence[str] = (), statuses: Sequence[str] = (),
               codebook: str | Path | None = None, include_suggestions: bool = False,
               where: str | None = None) -> pd.DataFrame:
        """A theme frequency matrix, codes × attribute values (`qualcode matrix`) over the participants ``where``
        keeps; ``frame.attrs`` holds its title, what it counts and the selection."""
        from qualcode.analysis.corpus_view import view_for
        from qualcode.analysis.matrix import theme_matrix
        from qualcode.codings.pseudonyms import hide_columns

        by = [by] if isinstance(by, str) else list(by)
        view = view_for(self, coders, statuses, codebook, include_suggestions, where)
        return hide_columns(view.pseudonyms, theme_matrix(view, by, count, percent, min_cell))

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
        from qualcode.analysis.agreement import agreement, hide_texts
        from qualcode.codings.pseudonyms import stored

        return hide_texts(agreement(self, coders, unit, codebook=codebook), self._reading(stored))

    def evaluate(self, gold: str, coder: str = "auto", unit: str = "turn", *,
                 codebook: str | Path | None = None) -> EvaluationReport:
        """Precision, recall and F1 of ``coder`` against ``gold`` (`qualcode eval`)."""
        from qualcode.analysis.agreement import evaluate, hide_texts
        from qualcode.codings.pseudonyms import stored

        return hide_texts(evaluate(self, gold, coder, unit, codebook=codebook), self._reading(stored))

    def rule_scores(self, reference: str, coder: str = "auto", unit: str = "turn", *, evaluation: bool = True,
                    codebook: str | Path | None = None) -> list[RuleScore]:
        """Per rule of ``coder``'s suggestions: the units it marked and how many ``reference`` coded with its code
        (`eval --by-rule`, and with ``evaluation=False`` `agreement --by-rule`)."""
        from qualcode.analysis.rule_scores import rule_scores

        return rule_scores(self, reference, coder, unit, evaluation=evaluation, codebook=codebook)

    # -- reports -----------------------------------------------------------------------------------------
    def quotes(self, code: str, *, by: str | None = None, limit: int | None = None, coders: Sequence[str] = (),
               statuses: Sequence[str] = (), include_suggestions: bool = False, seed: int = 0,
               where: str | None = None, k_anonymity: int | None = None) -> list[Quote]:
        """The passages coded ``code`` or its children, with who said them (`qualcode quotes`), from the
        participants ``where`` keeps; each attribution shows only what at least ``k_anonymity`` participants
        share (default: qualcode.toml's ``[report] k_anonymity``; 1 turns the check off)."""
        from qualcode.report.quotes import find_quotes

        return find_quotes(self, code, by=by, limit=limit, coders=coders, statuses=statuses,
                           suggestions=include_suggestions, seed=seed, where=where, k_anonymity=k_anonymity)

    def disclosure(self, quotes: Sequence[Quote] = (), *, attribution: Sequence[str] | None = None,
                   by: str | None = None, where: str | None = None, k_anonymity: int | None = None,
                   coders: Sequence[str] = (), statuses: Sequence[str] = (),
                   include_suggestions: bool = False) -> DisclosureSummary:
        """How identifying the attributions of ``quotes`` are (as :meth:`quotes` or :meth:`appendix` made them
        with the same ``attribution`` fields, ``by``, ``where``, ``k_anonymity`` and selection): k, the
        participants counted, how many attributions leave out fields, and ``--by`` groups smaller than k.
        Numbers only, never which participant. Raises UsageError for k below 1 or an unknown attribute."""
        from qualcode.analysis.corpus_view import view_for
        from qualcode.analysis.disclosure import attributed, check_attributions, resolve_k
        from qualcode.report.quotes import DEFAULT_ATTRIBUTION

        k = resolve_k(k_anonymity, self.config.report.k_anonymity)
        view = view_for(self, coders, statuses, suggestions=include_suggestions, where=where)
        resolved = view.resolve_attributes([by])[0] if by else None
        check = check_attributions(view, attribution or DEFAULT_ATTRIBUTION, resolved, k)
        return check.summary(attributed(view, [(q.document, p.turn) for q in quotes for p in q.parts
                                               if p.kind == "speech"]))

    def import_quote_choices(self, path: str | Path) -> ChoiceReport:
        """Store the `use` (pin / exclude) and `translation` columns of a candidates sheet written by
        `qualcode quotes CODE -o FILE` (`qualcode quotes import FILE`)."""
        from qualcode.report.curation import import_choices

        return import_choices(self, Path(path))

    def write_quote_candidates(self, path: str | Path, quotes: Sequence[Quote]) -> None:
        """Write ``quotes`` as a candidates sheet with empty `use` and their `translation` for curation."""
        from qualcode.codings.pseudonyms import stored
        from qualcode.report.curation import CANDIDATE_COLUMNS, candidate_rows
        from qualcode.report.tables import write_table

        path = Path(path)
        pseudonyms = self._reading(stored) if self.store_path.exists() else None
        with writing(path) as temp:
            write_table(temp, CANDIDATE_COLUMNS, candidate_rows(quotes, pseudonyms), title="candidates",
                        notes=["Fill `use` with pin (always quote it first) or exclude (never quote it), and "
                               "`translation` with an English rendering; then run `qualcode quotes import "
                               f"{path.name}`."])

    def appendix(self, path: str | Path | None = None, *, reference_doc: str | Path | None = None,
                 include_suggestions: bool = False, on_progress: Callable[[int, int, str], None] | None = None,
                 **options) -> Appendix:
        """Write the quote appendix to ``path`` (.docx, .html or .md; default ``out/appendix.docx``) and return
        its content (`qualcode appendix`). ``options`` are the fields of
        :class:`qualcode.report.appendix.AppendixOptions`: ``codes``, ``limit`` (most quotes per code,
        default 5; None for all), ``per_group`` (quotes per code from each group of ``by``), ``seed``, ``by``,
        ``summary_by``, ``percent``, ``min_cell``, ``attribution``, ``context``, ``coders``, ``statuses``,
        ``where``, ``date``, ``title``, ``annex``, ``language`` (the report's), ``translated_only``,
        ``k_anonymity`` (each attribution shows only what at least k participants share; default
        qualcode.toml's ``[report] k_anonymity``, 1 turns the check off; ``content.disclosure`` counts what
        was generalised). ``on_progress(quotes looked at, 0, code)`` follows the choice of quotes."""
        from qualcode.report.appendix import AppendixOptions, build_appendix, render

        target = Path(path) if path else self.root / "out" / "appendix.docx"
        content = build_appendix(self, AppendixOptions(suggestions=include_suggestions, **options), on_progress)
        with writing(target) as temp:
            render(content, temp, reference_doc=Path(reference_doc) if reference_doc else None)
        return content

    # -- exchange with other tools -----------------------------------------------------------------------
    def export_qdpx(self, path: str | Path, *, coders: Sequence[str] = (), statuses: Sequence[str] = (),
                    include_suggestions: bool = False, where: str | None = None,
                    attributes: Sequence[str] | None = None, codebook: str | Path | None = None,
                    notes: Sequence[NoteItem] = (), case_nodes: bool = False) -> ExportSummary:
        """Write the project as a REFI-QDA project (`qualcode export FILE.qdpx`): every document's stored text,
        the codebook, the selected codings (reviewed ones by default, as in reports), participants as cases
        with their attributes (``attributes``; default every column not marked identifying), every memo in its
        object's Description, and ``notes`` (project notes, or memos on a ``code:ID`` / ``document:ID``).
        After `pseudonymise` the texts, attribute values, memos and notes are pseudonymised and every
        selection's positions remapped onto the new text. ``case_nodes`` adds a code per participant with their
        case's GUID, coded on their documents or turns (NVivo's case nodes: how QualCoder and NVivo link cases).
        Two exports of the same project are byte-identical. Raises UsageError for a bad selection."""
        from dataclasses import replace

        from qualcode.codings.pseudonyms import stored
        from qualcode.codings.selection import Selection, select
        from qualcode.exchange.qdpx_export import build_project, write_qdpx
        from qualcode.project.store import open_store
        from qualcode.wording import resolve_names

        path = Path(path)
        if path.suffix.lower() != ".qdpx":
            raise UsageError(f"{path}: export writes a REFI-QDA project: name a .qdpx file")
        book = self._optional_codebook(codebook)
        selection = Selection(tuple(coders), tuple(statuses), include_suggestions, where or "")
        store = open_store(self.store_path)
        try:
            known = store.participant_columns()
            chosen = [a for a in known if a not in self.config.identifying] if attributes is None else \
                resolve_names(attributes, known)
            codings = select(store, selection, labels=self.config.value_labels)
            qde, entries, summary = build_project(self.root.name, store, book, codings, chosen, notes,
                                                  pseudonyms=stored(store), case_nodes=case_nodes)
        finally:
            store.close()
        with writing(path) as temp:
            write_qdpx(temp, qde, entries)
        return replace(summary, path=path)

    def _optional_codebook(self, codebook: str | Path | None):
        from qualcode.codebook.active import active_codebook
        from qualcode.errors import ProjectError

        try:
            return active_codebook(self, codebook)
        except ProjectError:
            if codebook:
                raise
            return None

    def import_qdpx(self, path: str | Path, *, positions: str | None = None) -> ProjectImport:
        """Bring a REFI-QDA project (`qualcode import FILE.qdpx`) into this project: its text sources as
        transcripts under ``transcripts/<name>/`` (ingested the normal way), its codes as
        ``codebooks/<name>.yaml`` (the active codebook in ``qualcode.toml`` unless the project had codings
        already), its cases as participants.csv rows, its codings with their coders, its memos as memos on their
        documents, participants, codes and codings, and its project notes as ``notes/<name>.md`` — never over an
        existing file. Each source's positions are read as the data show (UTF-16 units, code points or bytes);
        ``positions`` (``utf16``, ``codepoints``, ``bytes``) forces a reading. Atomic: killed at any point, the
        project is as it was (or, past the store's commit, is completed by the next command). What could not
        come over is counted in the result's ``dropped``. Raises InputFileError for an unreadable or unsafe
        archive, UsageError for an unknown ``positions``."""
        from qualcode.exchange.positions import UNITS
        from qualcode.exchange.staged_import import import_project

        if positions is not None and positions not in UNITS:
            raise UsageError(f"positions {positions!r}: use one of {', '.join(UNITS)}")
        return import_project(self, Path(path), positions)


def _store_safe(method: Callable) -> Callable:
    """``method`` with its text arguments NFC (:mod:`qualcode.project.text_form`: a value typed decomposed
    matches the stored one) and any SQLite error turned into the one-line ProjectError saying what to do."""
    import functools

    from qualcode.project.text_form import nfc

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        from qualcode.project.store import store_errors

        with store_errors(self.store_path):
            return method(self, *(nfc(a) for a in args), **{k: nfc(v) for k, v in kwargs.items()})

    return run


# Every public method: the Python API reports a locked, read-only, full or damaged store as the CLI does, and
# takes text in any Unicode form.
for _name, _method in list(vars(Project).items()):
    if callable(_method) and not _name.startswith("_"):
        setattr(Project, _name, _store_safe(_method))

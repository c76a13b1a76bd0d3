"""A report writer's curation of quotes: the candidates sheet (`qualcode quotes CODE -o candidates.xlsx`), its
`use` (pin / exclude) and `translation` columns read back (`qualcode quotes import`), and the stored choices
applied to the quotes every report chooses from.

A choice belongs to one code's quote, keyed by document and span. It is re-anchored with the codings when a
transcript changes; when the quote's span changes later (codings merged or edited), the choice still applies
to the quote of that code that overlaps it most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.codings.pseudonyms import Pseudonyms, hide, stored
from qualcode.errors import Problem
from qualcode.project.folder import ProjectFolder
from qualcode.report.quotes import Quote

USES = ("pin", "exclude")
CANDIDATE_COLUMNS = ["code", "document", "turn", "participant", "start", "end", "score", "text", "translation",
                     "use"]


def candidate_rows(quotes: Sequence[Quote], pseudonyms: Pseudonyms | None = None) -> list[dict]:
    """One row per candidate quote, with its stored use and translation, for the candidates sheet; its
    document id and participant as outputs show them (pseudonymised: `quotes import` maps the id back)."""
    return [{"code": q.code, "document": pseudonyms.document(q.document) if pseudonyms else q.document,
             "turn": q.turn, "participant": hide(pseudonyms, q.participant) or "unidentified speaker",
             "start": q.start, "end": q.end, "score": q.score, "text": q.text,
             "translation": q.translation, "use": "pin" if q.pinned else ""} for q in quotes]


@dataclass
class ChoiceReport:
    """What `qualcode quotes import` stored, and the rows it could not use."""

    pinned: int = 0
    excluded: int = 0
    translated: int = 0
    cleared: int = 0
    failures: list[Problem] = field(default_factory=list)

    @property
    def return_code(self) -> int:
        """1 when a row could not be used, else 0."""
        return 1 if self.failures else 0


def _whole(value: str) -> int | None:
    text = value.strip()
    return int(text) if text.isdigit() else None


def import_choices(project: ProjectFolder, path: Path) -> ChoiceReport:
    """Store the `use` and `translation` of every row of a candidates sheet, in one transaction. Rows naming
    an unknown document or code, a span outside the document, or another use are reported and skipped.
    Raises InputFileError for an unreadable file and UsageError for a sheet without the candidates' columns."""
    from qualcode.codebook.active import active_codebook
    from qualcode.codings.sheets import read_sheet
    from qualcode.errors import UsageError
    from qualcode.project.store import open_store

    rows = read_sheet(path)
    missing = [c for c in ("code", "document", "start", "end", "use") if rows and c not in rows[0]]
    if not rows or missing:
        raise UsageError(f"{path}: a candidates sheet needs the columns of `qualcode quotes CODE -o FILE` "
                         f"({', '.join(missing or CANDIDATE_COLUMNS)})")
    book = active_codebook(project)
    report = ChoiceReport()
    store = open_store(project.store_path)
    try:
        pseudonyms = stored(store)
        with store.transaction():
            for line, row in enumerate(rows, start=2):
                where = f"{path.name}:{line}"
                use = row.get("use", "").strip().casefold()
                translation = " ".join(row.get("translation", "").split())
                doc = store.document(row.get("document", "").strip())
                if doc is None and pseudonyms is not None:  # the id as the pseudonymised sheet shows it
                    doc = store.document(pseudonyms.original(row.get("document", "")))
                code = book.resolve(row.get("code", ""))
                start, end = _whole(row.get("start", "")), _whole(row.get("end", ""))
                if use not in ("", *USES):
                    report.failures.append(Problem(where, f"unknown use {use!r}; use pin, exclude or leave blank"))
                elif doc is None:
                    report.failures.append(Problem(where, f"unknown document {row.get('document', '')!r}"))
                elif code is None:
                    report.failures.append(Problem(where, f"unknown code {row.get('code', '')!r}"))
                elif start is None or end is None or not 0 <= start < end <= len(doc.text):
                    report.failures.append(Problem(where, f"start and end must be whole numbers inside "
                                                          f"{doc.id} (0–{len(doc.text)})"))
                else:
                    store.set_quote_choice(doc.id, start, end, code.id, use, translation, doc.text[start:end])
                    report.pinned += use == "pin"
                    report.excluded += use == "exclude"
                    report.translated += bool(translation)
                    report.cleared += not use and not translation
    finally:
        store.close()
    return report

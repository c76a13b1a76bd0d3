"""The report functions the CLI and the Python API share: matrices, co-occurrence and quotes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .coding import active_codebook
from .codings import Selection
from .project import Project
from .view import MISSING, CorpusView, load_view


def view_for(project: Project, coders: Sequence[str] = (), statuses: Sequence[str] = (),
             codebook: str | Path | None = None) -> CorpusView:
    """The corpus as reports see it: the active codebook and the selected codings."""
    return load_view(project, Selection(tuple(coders), tuple(statuses)), active_codebook(project, codebook))


def matrix(project: Project, by: Sequence[str] = ("gender",), count: str = "participants", *,
           percent: bool = False, min_cell: int | None = None, coders: Sequence[str] = (),
           statuses: Sequence[str] = (), codebook: str | Path | None = None):
    """A theme frequency matrix as a pandas DataFrame (see :func:`qualcode.crosstab.theme_matrix`).

    Raises ProjectError when nothing is ingested or coded, UsageError for unknown attributes.
    """
    from .crosstab import theme_matrix

    return theme_matrix(view_for(project, coders, statuses, codebook), by, count, percent, min_cell)


def cooccur(project: Project, count: str = "segments", *, coders: Sequence[str] = (),
            statuses: Sequence[str] = (), codebook: str | Path | None = None):
    """A code × code co-occurrence DataFrame (see :func:`qualcode.crosstab.cooccurrence`)."""
    from .crosstab import cooccurrence

    return cooccurrence(view_for(project, coders, statuses, codebook), count)


ATTRIBUTION = ("participant", "gender", "ethnicity", "position", "site")


@dataclass(frozen=True)
class Quote:
    """A coded passage with who said it and where."""

    code: str
    document: str
    turn: int
    start: int
    end: int
    text: str
    participant: str | None
    group: str
    attribution: str


def attribution(view: CorpusView, participant: str | None, document: str, turn_number: int,
                timestamp: str | None, fields: Sequence[str] = ATTRIBUTION) -> str:
    """``— P07, female, Hmong, community member, Site A (IDI-07, turn 12, 00:14:32)``; missing values left out."""
    parts = []
    for name in fields:
        value = participant if name == "participant" else view.value(name, participant, document)
        if value and value != MISSING:
            parts.append(value)
    where = ", ".join(p for p in (document, f"turn {turn_number}", timestamp or "") if p)
    return f"— {', '.join(parts)} ({where})" if parts else f"— ({where})"


def quotes(project: Project, code: str, *, by: str | None = None, limit: int | None = None,
           coders: Sequence[str] = (), statuses: Sequence[str] = ()) -> list[Quote]:
    """Passages coded ``code`` or a descendant, in document order, each span once however many coders.

    Raises UsageError for an unknown code or attribute.
    """
    from .errors import UsageError

    view = view_for(project, coders, statuses)
    target = view.book.resolve(code)
    if target is None:
        raise UsageError(f"unknown code {code!r} in codebook {view.book.name!r}")
    if by:
        view.check_attributes([by])
    family = {target.id, *view.book.descendants(target.id)}
    seen: set[tuple[str, int, int]] = set()
    found: list[Quote] = []
    for coding, turn in sorted(view.codings, key=lambda ct: (ct[0].document, ct[0].start, ct[0].end)):
        span = (coding.document, coding.start, coding.end)
        if coding.code not in family or span in seen:
            continue
        seen.add(span)
        text = view.docs[coding.document].text[coding.start:coding.end].replace("\n", " ")
        group = view.value(by, turn.participant, coding.document) if by else ""
        found.append(Quote(coding.code, coding.document, turn.number, coding.start, coding.end, text,
                           turn.participant, group,
                           attribution(view, turn.participant, coding.document, turn.number, turn.timestamp)))
    if by:
        found.sort(key=lambda q: (q.group == MISSING, q.group.casefold(), q.document, q.start))
    return found[:limit] if limit else found

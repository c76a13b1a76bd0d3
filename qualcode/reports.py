"""The report functions the CLI and the Python API share: matrices, co-occurrence and quotes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .coding import active_codebook
from .codings import Selection
from .project import Project
from .view import CorpusView, load_view


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


def quotes(project: Project, code: str, *, by: str | None = None, limit: int | None = None,
           coders: Sequence[str] = (), statuses: Sequence[str] = ()):
    """Quotes of ``code`` and its descendants (:class:`qualcode.report.quotes.Quote`), merged per turn as in
    the appendix, grouped by ``by`` (if given), in document order. Raises UsageError for an unknown code or
    attribute."""
    from .errors import UsageError
    from .report.quotes import choose, code_quotes

    view = view_for(project, coders, statuses)
    target = view.book.resolve(code)
    if target is None:
        raise UsageError(f"unknown code {code!r} in codebook {view.book.name!r}")
    if by:
        view.check_attributes([by])
    spans: dict[tuple[str, int, int], object] = {}
    for c in (target.id, *view.book.descendants(target.id)):
        for quote in code_quotes(view, c, by=by):
            spans.setdefault((quote.document, quote.start, quote.end), quote)  # a span once, whatever its code
    found = choose(list(spans.values()), None)  # grouped, then (document, turn, start)
    return found[:limit] if limit else found

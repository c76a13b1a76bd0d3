"""Quote appendices for reports: the content (:func:`build_appendix`) and its renderers (Word, HTML,
Markdown, dispatched by suffix in :data:`RENDERERS`)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from qualcode.codebook.names import unknown_code
from qualcode.codings.pseudonyms import hide, hide_columns
from qualcode.codings.selection import DRAFT_NOTE
from qualcode.errors import UsageError
from qualcode.project.folder import ProjectFolder, ReportSettings
from qualcode.report.codebook_annex import CodebookAnnex, build_annex, code_memos
from qualcode.report.quotes import DEFAULT_ATTRIBUTION, Quote, QuotePicker, code_quotes

LABEL_HEADER = "Code"  # the summary table's first column in every format (the frame calls it "label")


@dataclass
class Section:
    """One code's part of the appendix: heading, definition, counts and its quotes (grouped when asked)."""

    code: str
    label: str
    level: int
    definition: str
    counts: str
    groups: list[tuple[str, list[Quote]]] = field(default_factory=list)
    children: int = 0  # sub-codes in the codebook

    @property
    def no_quotes(self) -> str:
        """What the section says when it has no quotes of its own."""
        return "No quotes of this code itself (see its sub-codes)." if self.children else "No quotes of this code."


@dataclass
class Appendix:
    """Everything an appendix shows, ready for any renderer."""

    title: str
    method: list[str]
    summary: pd.DataFrame
    summary_caption: str
    heatmap_png: bytes | None
    sections: list[Section]
    by: str | None = None
    context: bool = False
    draft: bool = False  # unreviewed suggestions included: every renderer marks the appendix as a draft
    draft_note: str = DRAFT_NOTE
    group_sizes: dict[str, int] = field(default_factory=dict)  # participants per group of ``by``
    annex: CodebookAnnex | None = None  # the codebook, appended when asked for
    codebook: str = ""  # the codebook's name
    left_out: dict[str, int] = field(default_factory=dict)  # codings of other codebooks, not in the appendix
    date: str | None = None  # --date: printed in the method, and Word's created date when it is an ISO date
    settings: ReportSettings = field(default_factory=ReportSettings)  # [report]: Word's page size, locale, author

    def group_heading(self, group: str) -> str:
        """``Gender: Female (n=12)``: the attribute, the group's value and how many participants it has."""
        name = (self.by or "").replace("_", " ")
        n = self.group_sizes.get(group)
        return f"{name[:1].upper()}{name[1:]}: {group}" + (f" (n={n})" if n is not None else "")


def _counts(view, family: set[str]) -> str:
    participants, documents, passages = set(), set(), set()
    for coding, turn in view.codings:
        if coding.code in family:
            if turn.participant:
                participants.add(turn.participant)
            documents.add(coding.document)
            passages.add((coding.document, coding.start, coding.end))
    sub = " (including its sub-codes)" if len(family) > 1 else ""
    return (f"Raised by {_n(len(participants), 'participant')} in {_n(len(documents), 'document')}; "
            f"{_n(len(passages), 'coded passage')}{sub}.")


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _method(view, limit: int | None, by: str | None, date: str | None) -> list[str]:
    docs = view.docs.values()
    kinds = {k: sum(d.doc_type.value == k for d in docs) for k in ("IDI", "FGD")}
    respondents = {t.participant for t in view.respondent_turns() if t.participant}
    lines = [
        f"Codebook: {view.book.name}, version {view.book.version or '(none)'}.",
        f"Codings included: {view.selection_text}.",
        f"Corpus: {_n(len(view.docs), 'document')} ({_n(kinds['IDI'], 'interview')}, "
        f"{_n(kinds['FGD'], 'focus group')}), {_n(sum(len(t) for t in view.turns.values()), 'turn')}, "
        f"{_n(sum(d.words for d in docs), 'word')}, {_n(len(respondents), 'participant')}.",
        "Quotes are participants' own words as transcribed; “…” marks a passage cut from a longer turn. "
        "Interviewer turns are never quoted.",
    ]
    if view.interviewer_codings:
        lines.append(f"{_n(view.interviewer_codings, 'coding')} on interviewer turns "
                     f"{'is' if view.interviewer_codings == 1 else 'are'} left out.")
    if limit:
        spread = f"across the values of {by}, then " if by else ""
        lines.append(f"At most {limit} quotes per code, chosen {spread}from the participants quoted least so far "
                     "in this appendix, preferring whole sentences of 12 to 80 words.")
    if date:
        lines.append(f"Date: {date}.")
    return lines


@dataclass(frozen=True)
class AppendixOptions:
    """What an appendix shows and how it chooses (the options of `qualcode appendix`)."""

    codes: Sequence[str] | None = None  # only these codes and their children
    limit: int | None = None  # at most this many quotes per code
    seed: int = 0  # another draw among equally good quotes
    by: str | None = None  # group each code's quotes by this attribute
    summary_by: str | None = None  # the summary matrix's columns (default: by, else gender)
    percent: bool = False  # the summary matrix in percent of each column's participants
    min_cell: int | None = None  # summary counts 1..K-1 shown as <K
    attribution: Sequence[str] = DEFAULT_ATTRIBUTION
    context: bool = False  # show the interviewer's preceding question
    coders: Sequence[str] = ()
    statuses: Sequence[str] = ()
    suggestions: bool = False  # include unreviewed suggestions: a draft
    where: str | None = None  # only the participants whose attributes satisfy this expression
    date: str | None = None
    title: str | None = None
    annex: bool = False  # append the codebook (definitions, include/exclude, examples, rules)


def build_appendix(project: ProjectFolder, options: AppendixOptions = AppendixOptions(),
                   on_progress: Callable[[int, int, str], None] | None = None) -> Appendix:
    """Collect the appendix: method, summary matrix and heatmap, and per code its counts and quotes.
    ``on_progress(quotes looked at, 0, code)`` follows the choice of quotes code by code (0: no total known).

    Raises ProjectError when nothing is coded yet and UsageError for unknown codes or attributes.
    """
    from qualcode.analysis.corpus_view import view_for
    from qualcode.analysis.matrix import matrix_caption, theme_matrix
    from qualcode.report.plot import matrix_heatmap

    o = options
    view = view_for(project, o.coders, o.statuses, suggestions=o.suggestions, where=o.where)
    book = view.book
    wanted: set[str] | None = None
    if o.codes:
        wanted = set()
        for name in o.codes:
            code = book.resolve(name)
            if code is None:
                raise UsageError(f"{unknown_code(book, name)} (in --codes)")
            wanted |= {code.id, *book.descendants(code.id)}
    by = view.resolve_attributes([o.by])[0] if o.by else None
    known = [a for a in (o.summary_by, by) if a] or [a for a in ("gender", "type") if a in view.attributes()][:1]
    known = view.resolve_attributes(known[:1])
    summary = hide_columns(view.pseudonyms, theme_matrix(view, known[:1], "participants", o.percent, o.min_cell))
    if wanted is not None:
        summary = summary[summary["code"].isin(wanted)].reset_index(drop=True)
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "heatmap.png"
        matrix_heatmap(png, summary if len(summary) else hide_columns(view.pseudonyms, theme_matrix(
            view, known[:1], "participants", o.percent, o.min_cell)))
        heatmap = png.read_bytes()
    sections = []
    picker = QuotePicker(o.seed)  # one for the whole appendix: voices spread over every code
    looked = 0
    for code in book.codes:
        if wanted is not None and code.id not in wanted:
            continue
        candidates = code_quotes(view, code.id, by=by, fields=o.attribution, context=o.context)
        quotes = picker.choose(candidates, o.limit)
        looked += len(candidates)
        if on_progress:
            on_progress(looked, 0, code.id)
        groups: dict[str, list[Quote]] = {}
        for quote in quotes:
            groups.setdefault(quote.group, []).append(quote)
        family = {code.id, *book.descendants(code.id)}
        sections.append(Section(code.id, code.label, code.level, code.definition, _counts(view, family),
                                list(groups.items()), len(family) - 1))
    caption = matrix_caption(summary)
    return Appendix(o.title or f"Appendix: {book.name} — participants' own words", _method(view, o.limit, by, o.date),
                    summary, caption, heatmap, sections, by, o.context, view.draft,
                    group_sizes=_group_sizes(view, by) if by else {},
                    annex=build_annex(book, code_memos(view.memos, view.pseudonyms)) if o.annex else None,
                    codebook=book.name,
                    left_out=view.left_out, date=o.date, settings=project.config.report)


def _group_sizes(view, by: str) -> dict[str, int]:
    """How many identified participants speak in each group of ``by`` (the n of the group headings)."""
    from qualcode.report.quotes import identified

    members: dict[str, set[str]] = {}
    for turn in view.respondent_turns():
        person = identified(turn)
        if person:
            members.setdefault(view.value(by, person, turn.document), set()).add(person)
    return {hide(view.pseudonyms, group): len(people) for group, people in members.items()}



def render(appendix: Appendix, path: Path, *, reference_doc: Path | None = None) -> None:
    """Write ``appendix`` to ``path`` as .docx, .html or .md (by suffix).

    Raises UsageError for another suffix or a reference document that is not a .docx, OSError on write.
    """
    suffix = path.suffix.lower()
    if suffix not in RENDERERS:
        raise UsageError(f"{path}: write the appendix as {', '.join(RENDERERS)}")
    if reference_doc is not None and suffix != ".docx":
        raise UsageError("--reference-doc applies to Word output (.docx) only")
    if suffix == ".docx":
        from qualcode.report.word import write_docx

        write_docx(appendix, path, reference_doc)
    elif suffix == ".html":
        from qualcode.report.html import write_html

        write_html(appendix, path)
    else:
        from qualcode.report.markdown import write_markdown

        write_markdown(appendix, path)


RENDERERS = (".docx", ".html", ".md")

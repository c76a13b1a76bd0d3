"""Quote appendices for reports: the content (:func:`build_appendix`) and its renderers (Word, HTML,
Markdown, dispatched by suffix in :data:`RENDERERS`)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from qualcode.analysis.disclosure import DisclosureSummary
from qualcode.codebook.names import unknown_code
from qualcode.codings.pseudonyms import hide, hide_codebook, hide_columns
from qualcode.codings.selection import DRAFT_NOTE
from qualcode.errors import UsageError
from qualcode.project.folder import ProjectFolder, ReportSettings
from qualcode.report.codebook_annex import CodebookAnnex, build_annex, code_memos
from qualcode.report.quote_choice import GroupTally, QuotePicker
from qualcode.report.quotes import DEFAULT_ATTRIBUTION, Quote, code_quotes

PLACE_FIELDS = ("participant", "document", "turn", "timestamp")  # attribution fields that are not attributes
LABEL_HEADER = "Code"  # the summary table's first column in every format (the frame calls it "label")


def attribution_fields(view, fields: Sequence[str]) -> list[str]:
    """The attribution ``fields`` as the project names them (matched ignoring case). The default list is taken
    as it is (a project without, say, ethnicity shows the others); a field asked for by name must exist.
    Raises UsageError naming an unknown field, the closest known one and every known one."""
    from qualcode.wording import resolve_names

    if tuple(fields) == DEFAULT_ATTRIBUTION:
        return list(fields)
    known = list(dict.fromkeys([*PLACE_FIELDS, *view.attributes()]))
    try:
        return resolve_names(fields, known, "attribution field")
    except UsageError as exc:
        raise UsageError(f"--attribution: {exc.message}") from None


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
    report_language: str = ""  # the report's language: quotes in another one need a translation
    untranslated: int = 0  # quotes shown without a translation (or left out with translated_only)
    disclosure: DisclosureSummary | None = None  # how many attributions were generalised for k-anonymity
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


def _method(view, o: AppendixOptions, by: str | None, picker: QuotePicker, sections: list[Section],
            untranslated: int, language: str, disclosure: DisclosureSummary | None = None) -> list[str]:
    docs = view.docs.values()
    kinds = {k: sum(d.doc_type.value == k for d in docs) for k in ("IDI", "FGD")}
    respondents = {t.participant for t in view.respondent_turns() if t.participant}
    lines = [
        f"Codebook: {hide(view.pseudonyms, view.book.name)}, version {view.book.version or '(none)'}.",
        f"Codings included: {view.selection_text}.",
        f"Corpus: {_n(len(view.docs), 'document')} ({_n(kinds['IDI'], 'interview')}, "
        f"{_n(kinds['FGD'], 'focus group')}), {_n(sum(len(t) for t in view.turns.values()), 'turn')}, "
        f"{_n(sum(d.words for d in docs), 'word')}, {_n(len(respondents), 'participant')}.",
        "Quotes are participants' words as transcribed, never reworded, in double quotes; “…” inside them marks "
        "a sentence cut short; quotation marks inside a quote are shown as single ones; transcription notes "
        "such as [laughs] or [inaudible] are kept in square brackets as transcribed. Interviewer turns are never "
        "quoted.",
    ]
    interpreted = sum(q.interpreted for s in sections for _, qs in s.groups for q in qs)
    if interpreted:
        lines.append(f"{_n(interpreted, 'quote')} marked “interpreted” in {'its' if interpreted == 1 else 'their'} "
                     "attribution give an interpreter's rendering of what the participant said, often in the "
                     "third person: not the participant's own words.")
    if view.interviewer_codings:
        lines.append(f"{_n(view.interviewer_codings, 'coding')} on interviewer turns "
                     f"{'is' if view.interviewer_codings == 1 else 'are'} left out.")
    if o.per_group:
        lines.append(f"At most {o.per_group} quote{'s' if o.per_group != 1 else ''} per code from each value of "
                     f"{by}" + (f", {o.limit} in all" if o.limit else "") + _CHOICE)
    elif o.limit:
        spread = (f" Across the appendix, the values of {by} are quoted in turn, the one quoted least for its "
                  "number of participants first, so that every group is heard and groups are heard in "
                  "proportion to their size.") if by else ""
        lines.append(f"At most {o.limit} quotes per code.{spread}" + _CHOICE)
    if by:
        lines += _voices(by, picker.tally)
    lines += [disclosure.method_note()] if disclosure else []
    if untranslated:
        lines.append(f"{_n(untranslated, 'quote')} in another language than the report's ({language}) "
                     + ("had no translation and were left out." if o.translated_only else
                        f"{'has' if untranslated == 1 else 'have'} no translation yet and "
                        f"{'is' if untranslated == 1 else 'are'} marked [untranslated]."))
    if o.date:
        lines.append(f"Date: {o.date}.")
    return lines


_CHOICE = (" Within a group, the participants quoted least so far in the appendix come first, then whole "
           "sentences of 12 to 80 words; a participant's direct speech comes before an interpreter's rendering, "
           "and fragments or passages cut out of someone else's reported words come last.")


def _voices(by: str, tally: dict[str, GroupTally]) -> list[str]:
    """Per group of ``by``: its participants, how many were quoted and its quotes; and the groups not heard."""
    name = by.replace("_", " ")
    groups = sorted(tally, key=lambda g: (g == "(missing)", g.casefold()))
    parts = [f"{g}: {_n(tally[g].quotes, 'quote')} from {len(tally[g].quoted)} of "
             f"{_n(tally[g].participants, 'participant')}" for g in groups]
    lines = [f"Voices by {name} — " + "; ".join(parts) + "."] if parts else []
    unheard = [g for g in groups if tally[g].candidates and not tally[g].quotes]
    if unheard:
        lines.append(f"Not quoted although they have coded passages: {', '.join(unheard)}.")
    silent = [g for g in groups if not tally[g].candidates]
    if silent:
        lines.append(f"No coded passage to quote from: {', '.join(silent)}.")
    return lines


@dataclass(frozen=True)
class AppendixOptions:
    """What an appendix shows and how it chooses (the options of `qualcode appendix`)."""

    codes: Sequence[str] | None = None  # only these codes and their children
    limit: int | None = 5  # at most this many quotes per code (None: every one)
    per_group: int | None = None  # at most this many quotes per code from each group of ``by``
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
    language: str | None = None  # the report's language (default: qualcode.toml [report], else [project])
    translated_only: bool = False  # leave out quotes in another language that have no translation
    k_anonymity: int | None = None  # attributions shared by at least k participants (default: qualcode.toml's)


def build_appendix(project: ProjectFolder, options: AppendixOptions = AppendixOptions(),
                   on_progress: Callable[[int, int, str], None] | None = None) -> Appendix:
    """Collect the appendix: method, summary matrix and heatmap, and per code its counts and quotes.
    ``on_progress(quotes looked at, 0, code)`` follows the choice of quotes code by code (0: no total known).

    Raises ProjectError when nothing is coded yet and UsageError for unknown codes or attributes.
    """
    from qualcode.analysis.corpus_view import view_for
    from qualcode.analysis.disclosure import attributed, check_attributions, resolve_k
    from qualcode.analysis.matrix import matrix_caption, theme_matrix
    from qualcode.report.plot import matrix_heatmap

    o = options
    if o.limit is not None and o.limit < 1 or o.per_group is not None and o.per_group < 1:
        raise UsageError("--limit and --per-group take a whole number of at least 1 (or --limit all)")
    if o.per_group is not None and not o.by:
        raise UsageError("--per-group needs --by: the attribute whose groups to quote")
    k = resolve_k(o.k_anonymity, project.config.report.k_anonymity)
    view = view_for(project, o.coders, o.statuses, suggestions=o.suggestions, where=o.where)
    book = view.book
    shown_book = hide_codebook(view.pseudonyms, book)
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
    png = io.BytesIO()  # drawn in memory: a full disk can only fail the one file the appendix is written to
    matrix_heatmap(png, summary if len(summary) else hide_columns(view.pseudonyms, theme_matrix(
        view, known[:1], "participants", o.percent, o.min_cell)))
    heatmap = png.getvalue()
    language = (o.language or project.config.report.language or project.config.language).casefold()
    sizes = _group_sizes(view, by) if by else {}
    picker = QuotePicker(o.seed, sizes, o.per_group)  # one for the whole appendix: voices spread over every code
    for group, size in sizes.items():  # every group, with candidates or not, is in the method's count of voices
        picker.tally[group] = GroupTally(size)
    fields = attribution_fields(view, o.attribution)
    disclosure = check_attributions(view, fields, by, k)  # once: a participant's attribution is one
    sections = []
    looked = untranslated = 0
    for code in book.codes:
        if wanted is not None and code.id not in wanted:
            continue
        candidates, missing = _translations(code_quotes(view, code.id, by=by, fields=fields,
                                                        context=o.context,
                                                        disclosure=disclosure), language, o.translated_only)
        quotes = picker.choose(candidates, o.limit)
        untranslated += missing if o.translated_only else sum(q.untranslated for q in quotes)
        looked += len(candidates)
        if on_progress:
            on_progress(looked, 0, code.id)
        groups: dict[str, list[Quote]] = {}
        for quote in quotes:
            groups.setdefault(quote.group, []).append(quote)
        family = {code.id, *book.descendants(code.id)}
        shown = shown_book.code(code.id)  # label and definition as outputs show them (pseudonymised)
        sections.append(Section(code.id, shown.label, code.level, shown.definition, _counts(view, family),
                                list(groups.items()), len(family) - 1))
    caption = matrix_caption(summary)
    shown = disclosure.summary(attributed(view, [(q.document, p.turn) for s in sections for _, qs in s.groups
                                                 for q in qs for p in q.parts if p.kind == "speech"]))
    return Appendix(o.title or f"Appendix: {shown_book.name} — participants' words",
                    _method(view, o, by, picker, sections, untranslated, language, shown),
                    summary, caption, heatmap, sections, by, o.context, view.draft, group_sizes=sizes,
                    annex=build_annex(book, code_memos(view.memos, view.pseudonyms), view.pseudonyms)
                    if o.annex else None, codebook=shown_book.name, left_out=view.left_out,
                    report_language=language, untranslated=untranslated,
                    disclosure=shown, date=o.date, settings=project.config.report)


def _translations(quotes: list[Quote], language: str, translated_only: bool) -> tuple[list[Quote], int]:
    """``quotes`` with those in another language than ``language`` and without a translation marked
    untranslated — or left out when ``translated_only`` — and how many were left out."""
    from dataclasses import replace

    kept, left = [], 0
    for quote in quotes:
        if quote.language.casefold() == language or quote.translation:
            kept.append(quote)
        elif translated_only and not quote.pinned:
            left += 1
        else:
            kept.append(replace(quote, untranslated=True))
    return kept, left


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

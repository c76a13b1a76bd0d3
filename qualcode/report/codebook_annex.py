"""The codebook as a report annex (`qualcode codebook export FILE.docx|.md|.html`, `appendix --annex codebook`):
per code, in codebook order, its label and id, definition, when to use it and when not, examples and
counter-examples, and a plain summary of its rules, so a reader of the report sees how the coding was done."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.codebook.load import Code, Codebook, Rule
from qualcode.codings.pseudonyms import Pseudonyms, hide, hide_codebook
from qualcode.errors import UsageError
from qualcode.report.safe_text import markdown_escape

ANNEX_SUFFIXES = (".docx", ".md", ".html")


@dataclass(frozen=True)
class AnnexEntry:
    """One code's part of the annex: a heading and labelled paragraphs (name, text)."""

    code: str
    label: str
    level: int
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CodebookAnnex:
    """The whole annex: a title, a sentence on what it holds, one entry per code."""

    title: str
    intro: str
    entries: tuple[AnnexEntry, ...]


def rule_summary(rule: Rule) -> str:
    """A rule in words: ``Keywords: a, b (Vietnamese)``, ``Pattern: …`` or ``All of: (a or b) and (c)``."""
    lang = f" ({rule.lang})" if rule.lang else ""
    if rule.kind == "keywords":
        return f"Keywords{lang}: {', '.join(rule.keywords)}"
    if rule.kind == "pattern":
        return f"Pattern{lang}: {rule.pattern}"
    groups = " and ".join("(" + " or ".join(group) + ")" for group in rule.groups)
    return f"All of{lang}: {groups}"


def _fields(code: Code, memos: Sequence[str] = ()) -> tuple[tuple[str, str], ...]:
    out = [("Id", code.id)]
    for name, value in (("Definition", code.definition), ("Use when", code.include), ("Do not use when",
                                                                                         code.exclude)):
        if value.strip():
            out.append((name, " ".join(value.split())))
    out += [("Example", e) for e in code.examples]
    out += [("Counter-example", e) for e in code.counterexamples]
    out += [("Rule", rule_summary(rule)) for rule in code.rules]
    if code.not_:
        out.append(("Not when the passage has", ", ".join(code.not_)))
    settings = []
    if code.fuzzy:
        settings.append(f"fuzzy matching at {code.fuzzy}")
    if code.accents_ignore:
        settings.append("Vietnamese with or without diacritics")
    if code.speakers:
        settings.append(f"only {', '.join(code.speakers)} speech")
    if code.unit:
        settings.append(f"codes whole {code.unit}s")
    if settings:
        out.append(("Matching", "; ".join(settings)))
    out += [("Memo", memo) for memo in memos]
    return tuple(out)


def build_annex(book: Codebook, memos: Mapping[str, Sequence[str]] | None = None,
                pseudonyms: Pseudonyms | None = None) -> CodebookAnnex:
    """The annex of ``book``; ``memos`` (code id -> the code's memos as ``text (author)``) are printed under
    their code. With ``pseudonyms`` every text but the code ids — name, labels, definitions, examples, rules —
    is pseudonymised (the memos are expected so already)."""
    memos = memos or {}
    shown = hide_codebook(pseudonyms, book)
    assert shown is not None
    intro = (f"Codebook {shown.name}, version {book.version or '(none)'}: {len(book.codes)} codes. Rules match "
             "words by their dictionary form (lemma) unless marked otherwise; a passage is coded by a rule's "
             "match and reviewed by a researcher before it counts in the report.")
    entries = []
    for code in shown.codes:
        fields = _fields(code, memos.get(code.id, ()))
        if pseudonyms is not None:  # rules and their exceptions may name someone too
            fields = tuple((name, text if name in ("Id", "Memo") else pseudonyms.apply(text)) for name, text in fields)
        entries.append(AnnexEntry(code.id, code.label, code.level, fields))
    return CodebookAnnex(f"Annex: codebook {shown.name}", intro, tuple(entries))


def code_memos(memos, pseudonyms: Pseudonyms | None = None) -> dict[str, list[str]]:
    """``code id -> its memos as "text (author)"`` from stored memos (those on codes; others are ignored), their
    text pseudonymised with ``pseudonyms``."""
    found: dict[str, list[str]] = {}
    for memo in memos:
        if memo.kind == "code":
            text = hide(pseudonyms, " ".join(memo.text.split()))
            found.setdefault(memo.target, []).append(f"{text} ({memo.author})")
    return found


def annex_markdown(annex: CodebookAnnex, level: int = 1) -> str:
    """The annex as Markdown, its title at heading ``level``."""
    out = [f"{'#' * level} {markdown_escape(annex.title)}", "", markdown_escape(annex.intro), ""]
    for entry in annex.entries:  # labels, definitions, examples and memos are the researchers' text: escaped
        out += [f"{'#' * min(level + entry.level, 6)} {markdown_escape(entry.label)}", ""]
        out += [f"**{markdown_escape(name)}:** {markdown_escape(text)}" + "  " for name, text in entry.fields[:-1]]
        out += [f"**{markdown_escape(name)}:** {markdown_escape(text)}" for name, text in entry.fields[-1:]]
        out.append("")
    return "\n".join(out)


def annex_html(annex: CodebookAnnex, level: int = 1) -> str:
    """The annex as an HTML fragment (escaped), its title at heading ``level``."""
    out = [f"<h{level}>{html.escape(annex.title)}</h{level}>", f"<p>{html.escape(annex.intro)}</p>"]
    for entry in annex.entries:
        h = min(level + entry.level, 6)
        out.append(f'<h{h} id="annex-{html.escape(entry.code)}">{html.escape(entry.label)}</h{h}>')
        out.append("<dl>" + "".join(f"<dt>{html.escape(name)}</dt><dd>{html.escape(text)}</dd>"
                                    for name, text in entry.fields) + "</dl>")
    return "\n".join(out) + "\n"


def add_annex_docx(document, annex: CodebookAnnex, level: int = 1) -> None:
    """Append the annex to a python-docx ``document``: Word headings and labelled paragraphs."""
    from qualcode.report.safe_text import xml_text

    document.add_heading(xml_text(annex.title), level=level)
    document.add_paragraph(xml_text(annex.intro))
    for entry in annex.entries:
        document.add_heading(xml_text(entry.label), level=min(level + entry.level, 9))
        for name, text in entry.fields:
            paragraph = document.add_paragraph()
            paragraph.add_run(f"{xml_text(name)}: ").bold = True
            paragraph.add_run(xml_text(text))


def write_annex(annex: CodebookAnnex, path: Path) -> None:
    """Write the annex alone to ``path`` (.docx, .md or .html by suffix). Raises UsageError for another
    suffix and OSError when it cannot be written."""
    suffix = path.suffix.lower()
    if suffix == ".md":
        path.write_text(annex_markdown(annex), encoding="utf-8", newline="\n")
    elif suffix == ".html":
        path.write_text(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>'
                        f"{html.escape(annex.title)}</title></head>\n<body>\n{annex_html(annex)}</body></html>\n",
                        encoding="utf-8", newline="\n")
    elif suffix == ".docx":
        import docx

        from qualcode.report.tables import save_docx

        document = docx.Document()
        add_annex_docx(document, annex)
        save_docx(document, path, annex.title)
    else:
        raise UsageError(f"{path}: write the codebook as {', '.join(ANNEX_SUFFIXES)}")

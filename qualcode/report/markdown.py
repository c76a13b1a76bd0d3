"""The appendix as Markdown, for pasting into other tools (the heatmap is left out; the summary is a
Markdown table)."""

from __future__ import annotations

from pathlib import Path

from qualcode.report.appendix import LABEL_HEADER, Appendix
from qualcode.report.safe_text import markdown_escape


def _escape(text: str) -> str:
    """A table cell: escaped (``|`` included), on one line."""
    return markdown_escape(text).replace("\n", " ")


# How each kind of quote line is written: questions and interviewer context in italics outside the quote,
# the quote and its translation inside one blockquote with the attribution; raw HTML in them is escaped
MARKDOWN_LINES = {
    "question": lambda line: [f"*{markdown_escape(line)}*", ""],
    "context": lambda line: [f"*{markdown_escape(line)}*", ""],
    "quote": lambda line: [f"> {markdown_escape(line)}", ">"],
    "translation": lambda line: [f"> *{markdown_escape(line)}*", ">"],
    "attribution": lambda line: [f"> {markdown_escape(line)}", ""],
}


def markdown_text(appendix: Appendix) -> str:
    """The Markdown of the appendix."""
    frame = appendix.summary
    columns = [str(c) for c in frame.columns if c not in ("code", "level")]
    out = [f"# {markdown_escape(appendix.title)}", ""]
    if appendix.draft:
        out += [f"> **{markdown_escape(appendix.draft_note)}**", ""]
    out += ["## How this appendix was made", ""]
    out += [line for m in appendix.method for line in (markdown_escape(m), "")]  # names the codebook and coders
    out += ["## Summary", "", markdown_escape(appendix.summary_caption), "",
            "| " + " | ".join(_escape(LABEL_HEADER if c == "label" else c) for c in columns) + " |",
            "|" + "|".join("---" for _ in columns) + "|"]
    for row in frame.to_dict(orient="records"):
        cells = [("\u2003" * (int(row["level"]) - 1) + str(row[c])) if c == "label" else str(row[c]) for c in columns]
        out.append("| " + " | ".join(_escape(c) for c in cells) + " |")
    out.append("")
    for part in appendix.sections:
        out += [f"{'#' * min(part.level + 1, 6)} {markdown_escape(part.label)}", ""]
        if part.definition:
            out += [markdown_escape(part.definition), ""]
        out += [markdown_escape(part.counts), ""]
        if not part.groups:
            out += [markdown_escape(part.no_quotes), ""]
        for group, quotes in part.groups:
            if appendix.by:
                out += [f"**{markdown_escape(appendix.group_heading(group))}**", ""]
            for quote in quotes:
                for kind, line in quote.lines(appendix.context):
                    out += MARKDOWN_LINES[kind](line)
    if appendix.annex is not None:
        from qualcode.report.codebook_annex import annex_markdown

        out += [annex_markdown(appendix.annex, level=2)]
    return "\n".join(out)


def write_markdown(appendix: Appendix, path: Path) -> None:
    """Write the Markdown appendix to ``path``. Raises OSError when it cannot be written."""
    path.write_text(markdown_text(appendix), encoding="utf-8", newline="\n")

"""The codebook as a report annex: every code with its definition, include/exclude notes, examples and rules,
in Word, Markdown and HTML, alone or after the appendix."""

from __future__ import annotations

import shutil
from pathlib import Path

import docx
import pytest
from conftest import REPO
from markdown_it import MarkdownIt

from qualcode.codebook.load import load_codebook
from qualcode.report.codebook_annex import build_annex, rule_summary

BARRIERS = REPO / "codebooks" / "barriers.yaml"


def test_annex_holds_every_code_with_its_notes() -> None:
    """One entry per code in codebook order; the language code shows its definition, notes, examples and a
    Vietnamese keyword rule in words."""
    book = load_codebook(BARRIERS).codebook
    annex = build_annex(book)
    assert [e.code for e in annex.entries] == [c.id for c in book.codes]
    language = dict((name, text) for name, text in annex.entries[0].fields if name != "Example")
    assert language["Id"] == "language" and language["Definition"].startswith("Difficulties that arise")
    assert language["Use when"].startswith("Statements about how well") and "Do not use when" in language
    examples = [text for name, text in annex.entries[0].fields if name == "Example"]
    assert "Bà ấy nói tiếng Việt không rành, hỏi gì cũng chỉ gật đầu." in examples
    rules = [text for name, text in annex.entries[0].fields if name == "Rule"]
    assert rules[0].startswith("Keywords: language, mother tongue") and any(r.startswith("Keywords (vi): ngôn ngữ")
                                                                           for r in rules)


def test_rule_summary_of_all_groups() -> None:
    """An `all` rule reads as groups joined by and, alternatives by or."""
    from qualcode.codebook.load import Rule

    assert rule_summary(Rule("all", "r", groups=(("forms", "papers"), ("Vietnamese",)))) == \
        "All of: (forms or papers) and (Vietnamese)"


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    for part in ("qualcode.toml", "codebooks", "transcripts"):
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / part)
    return tmp_path


def test_codebook_export_in_three_formats(sample: Path, cli) -> None:
    """`codebook export` writes Word with a heading per code, Markdown whose headings render, HTML escaped."""
    for suffix in (".docx", ".md", ".html"):
        result = cli("codebook", "export", sample / "out" / f"codebook{suffix}", "--project", sample)
        assert result.exit_code == 0 and "wrote 22 codes" in result.stdout, result.output
    word = docx.Document(sample / "out" / "codebook.docx")
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["Annex: codebook LNOB Vietnam — barriers to inclusion", "Language barriers", "Literacy"]
    assert len(headings) == 23
    markdown = (sample / "out" / "codebook.md").read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").parse(markdown)
    assert sum(t.type == "heading_open" for t in tokens) == 23
    page = (sample / "out" / "codebook.html").read_text(encoding="utf-8")
    assert "<dt>Definition</dt>" in page and "<script" not in page
    bad = cli("codebook", "export", sample / "out" / "codebook.pdf", "--project", sample)
    assert bad.exit_code == 2 and "write the codebook as .docx, .md, .html" in bad.stderr


def test_appendix_with_the_codebook_annex(sample: Path, cli) -> None:
    """`appendix --annex codebook` appends the annex after the quotes."""
    assert cli("ingest", "--project", sample).exit_code == 0
    assert cli("code", "--project", sample).exit_code == 0
    out = sample / "out" / "a.md"
    result = cli("appendix", "-o", out, "--annex", "codebook", "--include-suggestions", "--limit", "1",
                 "--project", sample)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.index("## Annex: codebook") > text.index("### Literacy")

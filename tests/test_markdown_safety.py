"""Markdown and HTML outputs hold no raw HTML and no live link from transcript, codebook or memo text: a code
label `<script>`, a definition or quote holding `[here](javascript:…)`, a bare address, are shown as written
and stay inert when the file is rendered."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from qualcode.report.safe_text import markdown_escape

LABEL = "<script>alert(6)</script>"
LINK = "[here](javascript:alert(3))"
QUOTE = f"The form is only in Vietnamese, click {LINK} or see https://evil.example/x and write to lan@example.com."

CODEBOOK = f"""codebook: Hostile labels
codes:
  - id: language
    label: "{LABEL}"
    definition: "Forms in one language. See {LINK} and ![pic](http://evil.example/p.png)."
    examples: ["only in Vietnamese"]
    rules:
      - keywords: [Vietnamese]
"""


def _rendered(path: Path) -> str:
    return MarkdownIt("commonmark").render(path.read_text(encoding="utf-8"))


@pytest.fixture
def hostile(tmp_path: Path, cli) -> Path:
    """A project whose one transcript quotes a javascript link and whose codebook label is a script tag, coded,
    with a memo holding an image link."""
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / "IDI-01.txt").write_text(
        f"Interviewer: What about the forms?\nRespondent: {QUOTE}\n", encoding="utf-8")
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "qualcode.toml").write_text('[project]\ncodebook = "codebook.yaml"\n', encoding="utf-8")
    for args in (("ingest",), ("code",), ("memo", "add", "--code", "language", "--text", "see ![x](http://e.x/y)")):
        result = cli(*args, "-p", tmp_path)
        assert result.exit_code == 0, result.output
    return tmp_path


def _inert(html: str) -> None:
    assert "<script" not in html and "<a " not in html and "<img" not in html, html


def test_codebook_export_and_appendix_annex_escape_labels_and_definitions(hostile: Path, cli) -> None:
    """`codebook export x.md` and the appendix `.md` with `--annex codebook` show the label, the definition and
    the memo as written, and render with no script, link or image."""
    out = hostile / "out"
    assert cli("codebook", "export", out / "codebook.md", "-p", hostile).exit_code == 0
    result = cli("appendix", "-o", out / "appendix.md", "--annex", "codebook", "--include-suggestions", "-p", hostile)
    assert result.exit_code == 0, result.output
    for name in ("codebook.md", "appendix.md"):
        html = _rendered(out / name)
        _inert(html)
        assert "&lt;script&gt;alert(6)&lt;/script&gt;" in html and "[here](javascript:alert(3))" in html
        assert "![x](http://e.x/y)" in html


def test_quotes_stay_text_in_the_appendix_and_codings_markdown(hostile: Path, cli) -> None:
    """A quote holding a javascript link, a web address and an e-mail address is shown whole in the appendix and
    codings `.md`, and none of them becomes a link."""
    out = hostile / "out"
    for args in (("appendix", "-o", out / "appendix.md"), ("codings", "export", "-o", out / "codings.md")):
        result = cli(*args, "--include-suggestions", "-p", hostile)
        assert result.exit_code == 0, result.output
    for name in ("appendix.md", "codings.md"):
        html = _rendered(out / name)
        _inert(html)
        assert "[here](javascript:alert(3))" in html and "https://evil.example/x" in html


def test_html_outputs_escape_the_same_text(hostile: Path, cli) -> None:
    """The HTML appendix (with the codebook annex), the codebook annex and `show` write the text escaped: no
    script, link or image comes from it."""
    out = hostile / "out"
    for args in (("appendix", "-o", out / "appendix.html", "--annex", "codebook", "--include-suggestions"),
                 ("codebook", "export", out / "codebook.html"),
                 ("show", "IDI-01", "-o", out / "show.html", "--include-suggestions")):
        result = cli(*args, "-p", hostile)
        assert result.exit_code == 0, result.output
    for name in ("appendix.html", "codebook.html", "show.html"):
        text = (out / name).read_text(encoding="utf-8")
        assert "<script>alert" not in text and 'href="javascript' not in text and "<img src=\"http" not in text
        assert "&lt;script&gt;" in text or name == "show.html"


@pytest.mark.parametrize("text", [
    LABEL, LINK, "![img](http://x/y.png)", "*laughs* _yes_ `code`", "# not a heading", "1. not a list", "- no",
    "a | b", "line one\n# two\n12) three\n===", "[x]: javascript:alert(2)", "Tày ~~x~~ <b>", "a \\ b",
    "lan@example.com", "www.evil.example and HTTPS://EVIL.EXAMPLE", "[laughs] [inaudible 00:02]", "service_access",
])
def test_markdown_escape_renders_the_text_as_written(text: str) -> None:
    """Any text, escaped and rendered by a CommonMark renderer, comes back as the same words in one paragraph
    (or a code span for an e-mail address): no element it did not hold as text."""
    html = MarkdownIt("commonmark").render(markdown_escape(text))
    _inert(html)
    assert html.count("<p>") == 1 and not any(tag in html for tag in ("<h", "<li", "<em", "<strong", "<hr"))
    shown = unescape(re.sub(r"</?(p|code)>", "", html)).strip()
    assert shown == text.strip()

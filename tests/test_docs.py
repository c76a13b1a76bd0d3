"""The docs as a reader meets them: every page renders with its headings, links lead somewhere, the README
stays a front door, and the Python API example runs as written."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from markdown_it import MarkdownIt

PAGES = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])
FENCE = re.compile(r"^ {0,3}(```|~~~)")


def _headings_in_source(text: str) -> list[str]:
    """ATX headings outside fenced code, found line by line (what an author meant to be a heading)."""
    found, fence = [], None
    for line in text.splitlines():
        mark = FENCE.match(line)
        if mark:
            fence = None if fence == mark.group(1) else fence or mark.group(1)
        elif fence is None and re.match(r"^#{1,6} \S", line):
            found.append(line.lstrip("#").strip())
    return found


def _rendered_headings(text: str, tag: str | None = None) -> list[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    return [tokens[i + 1].content for i, t in enumerate(tokens)
            if t.type == "heading_open" and tag in (None, t.tag)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_page_renders_with_its_headings(page: Path) -> None:
    """CommonMark renders every heading the author wrote: no unclosed fence swallows the rest of the page."""
    text = page.read_text(encoding="utf-8")
    assert _rendered_headings(text) == _headings_in_source(text)
    assert len(_rendered_headings(text, "h1")) == 1, f"{page.name} has not exactly one title"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_lead_to_files(page: Path) -> None:
    """Every relative link of a page names a file that exists."""
    tokens = MarkdownIt("commonmark").enable("table").parse(page.read_text(encoding="utf-8"))
    links = [child.attrs["href"] for t in tokens if t.children for child in t.children if child.type == "link_open"]
    for href in links:
        target = str(href).split("#")[0]
        if target and not re.match(r"^[a-z]+:", target):
            assert (page.parent / target).exists(), f"{page.name} links to missing {href}"


def test_readme_is_a_front_door() -> None:
    """The README stays short, names the test command CI runs and links the docs."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    assert "make test" in text and "docs/tutorial.md" in text and "docs/commands.md" in text


def test_every_command_is_explained_beyond_the_reference() -> None:
    """Each command appears in the tutorial or a how-to, not only in the generated reference."""
    from qualcode.cli.reference import commands

    prose = "\n".join(p.read_text(encoding="utf-8") for p in PAGES if p.name != "commands.md")
    for name, _ in commands():
        assert re.search(rf"qualcode {name}\b", prose), f"no page but the reference shows `qualcode {name}`"


def test_api_example_runs(tmp_path: Path) -> None:
    """The Python blocks of docs/api.md run, in order, in a copy of the sample study."""
    for part in ("qualcode.toml", "codebooks", "transcripts"):
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / part)
    text = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    assert len(blocks) >= 2
    run = subprocess.run([sys.executable, "-c", "\n".join(blocks)], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "57 documents added" in run.stdout
    assert (tmp_path / "out" / "appendix.docx").is_file() and (tmp_path / "out" / "codings.xlsx").is_file()


def test_mkdocs_builds_strictly(tmp_path: Path) -> None:
    """`mkdocs build --strict` (what `make docs` runs) builds every page of the nav without a warning (not with
    --quiet, which hides the warnings strict mode counts)."""
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", tmp_path],
                         cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "commands.html").is_file() and (tmp_path / "api.html").is_file()

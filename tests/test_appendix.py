"""Quote appendices: Word, HTML and Markdown against golden files, verbatim quotes, fields, templates."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from helpers import make_project, place_codings

import qualcode
from qualcode.project.store import open_store
from qualcode.report.word import dump

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = bool(os.environ.get("QUALCODE_GOLDEN"))

CODEBOOK = """\
codebook: Appendix test
version: "1.2"
codes:
  - id: language
    label: Language barriers
    definition: Difficulties caused by language.
    children:
      - id: language.literacy
        label: Literacy
        definition: Reading and writing.
  - id: workload
    label: Workload
    definition: Unpaid work & no time.
"""

IDI = """---
type: IDI
site: Site A
participant: P01
---
IDI-01 · Phìn Hồ · 14/01/2019

[00:01:10] I: Can you read the forms at the commune?
[00:01:15] R: No. The forms are only in Vietnamese. My son reads them for me.
Sometimes he is away.
[00:02:40] I: What about your day?
[00:02:44] R: I carry water, cook, feed the pigs. <script>alert("x")</script> & {{ name }} was on the form.
"""

FGD = """---
type: FGD
site: Site B
---
Facilitator: Who speaks at meetings? Language is a problem, no?
Lan: The men speak. We cook.
Minh: The meeting is in Vietnamese, so Khmer women stay home.
Lan: Yes.
Sao: I never learned to read.
"""

PARTICIPANTS = """participant,document,speaker,gender,ethnicity,position,site
P01,,,female,Hmong,community member,
P02,FGD-01,Minh,male,Khmer,commune official,
P03,FGD-01,Lan,female,Khmer,community member,
P04,FGD-01,Sao,female,Kinh,community member,
"""

CODINGS = [  # (document, text, code, coder)
    ("IDI-01", "The forms are only in Vietnamese.", "language", "lan"),
    ("IDI-01", "The forms are only in Vietnamese.", "language", "minh"),  # same span, two coders: once
    ("IDI-01", "My son reads them for me.", "language", "lan"),  # adjacent: merged with the previous
    ("IDI-01", "I carry water, cook, feed the pigs.", "workload", "lan"),
    ("IDI-01", '<script>alert("x")</script> & {{ name }} was on the form.', "language.literacy", "lan"),
    ("FGD-01", "The men speak. We cook.", "workload", "lan"),
    ("FGD-01", "The meeting is in Vietnamese, so Khmer women stay home.", "language", "lan"),
    ("FGD-01", "I never learned to read.", "language.literacy", "lan"),
    ("FGD-01", "Language is a problem, no?", "language", "lan"),  # interviewer turn: never quoted
]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> qualcode.Project:
    """An interview and a focus group with hand-placed codings, participants with attributes."""
    project = make_project(tmp_path_factory.mktemp("appendix"), {"IDI-01.txt": IDI, "FGD-01.txt": FGD},
                           CODEBOOK, PARTICIPANTS)
    place_codings(project, [(doc, text, code, coder, "accepted") for doc, text, code, coder in CODINGS])
    return project


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if REGENERATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs (run `make golden` if intended)"


def _html_without_image(path: Path) -> str:
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,IMAGE",
                  path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def outputs(project, tmp_path_factory):
    """The appendix in the three formats, by the CLI, with --by gender and --context."""
    from typer.testing import CliRunner

    from qualcode.cli import app

    out = tmp_path_factory.mktemp("out")
    runner = CliRunner()
    for suffix in (".docx", ".html", ".md"):
        result = runner.invoke(app, ["appendix", "-o", str(out / f"appendix{suffix}"), "--by", "gender",
                                     "--context", "--project", str(project.root)])
        assert result.exit_code == 0, result.output
    return out


def test_golden_docx_html_md(outputs) -> None:
    """The Word text dump (paragraph styles and text), the HTML and the Markdown equal their golden files."""
    _golden("appendix.docx.txt", dump(outputs / "appendix.docx"))
    _golden("appendix.html", _html_without_image(outputs / "appendix.html"))
    _golden("appendix.md", (outputs / "appendix.md").read_text(encoding="utf-8"))


def test_two_runs_give_the_same_text(project, outputs, tmp_path: Path, cli) -> None:
    """Deterministic: a second run gives byte-identical Word, HTML and Markdown files."""
    for suffix in (".docx", ".html", ".md"):
        cli("appendix", "-o", tmp_path / f"again{suffix}", "--by", "gender", "--context", "--project", project.root)
    assert dump(tmp_path / "again.docx") == dump(outputs / "appendix.docx")
    assert (tmp_path / "again.docx").read_bytes() == (outputs / "appendix.docx").read_bytes()
    assert (tmp_path / "again.html").read_bytes() == (outputs / "appendix.html").read_bytes()
    assert (tmp_path / "again.md").read_bytes() == (outputs / "appendix.md").read_bytes()


def _letters(text: str) -> str:
    return re.sub(r"\W", "", text)


def test_docx_headings_quotes_and_attributions(project, outputs) -> None:
    """A Heading-styled heading per code; quotes verbatim from the stored text (letter for letter: the house
    style only changes quotation marks and apostrophes); attributions right; no interviewer turn quoted."""
    document = docx.Document(str(outputs / "appendix.docx"))
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Heading 1", "Language barriers") in paragraphs
    assert ("Heading 2", "Literacy") in paragraphs
    assert ("Heading 1", "Workload") in paragraphs
    store = open_store(project.store_path)
    texts = {d.id: d.text.replace("\n", " ") for d in store.documents()}
    store.close()
    quotes = [(text, paragraphs[i + 1][1]) for i, (style, text) in enumerate(paragraphs) if style == "Quote"]
    assert len(quotes) == 6
    for text, attribution in quotes:
        core = re.sub(r"^… ", "", re.sub(r" …$", "", text.strip("“”")))
        document_id = re.search(r"\((\w+-\d+), turn", attribution).group(1)
        assert _letters(core) in _letters(texts[document_id]), core
    assert ("Quote", "“The forms are only in Vietnamese. My son reads them for me.”") in paragraphs
    # four participants and k = 3 by default: only what three of them share is shown
    assert ("Quote Attribution", "— P01, female, community member (IDI-01, turn 2, 00:01:15)") in paragraphs
    assert not any("Language is a problem" in text for text, _ in quotes)
    assert ("Quote Context", "Question: Can you read the forms at the commune?") in paragraphs


def test_docx_has_real_fields(outputs) -> None:
    """Page numbers are real fields: a PAGEREF per contents line and a PAGE field in the footer, with
    updateFields set; the contents are not a bare 'Contents' paragraph."""
    with zipfile.ZipFile(outputs / "appendix.docx") as package:
        body = package.read("word/document.xml").decode("utf-8")
        footers = "".join(package.read(n).decode("utf-8") for n in package.namelist() if "footer" in n)
        settings = package.read("word/settings.xml").decode("utf-8")
    assert '<w:fldChar w:fldCharType="begin"/>' in body and body.count("PAGEREF _Toc_") == body.count(
        "<w:bookmarkStart") >= 5
    assert "PAGE" in footers and "fldChar" in footers
    assert '<w:updateFields w:val="true"/>' in settings


def test_markup_appears_as_text(outputs) -> None:
    """Transcript text with <script>, & and {{ }} appears as text in every format (escaped in HTML and
    Markdown)."""
    html = (outputs / "appendix.html").read_text(encoding="utf-8")
    # inner double quotes are shown as single ones (the house style), the markup stays text
    assert "&lt;script&gt;alert(‘x’)&lt;/script&gt; &amp; {{ name }}" in html
    assert "<script>" not in html
    assert "<script>alert(‘x’)</script> & {{ name }}" in dump(outputs / "appendix.docx")
    markdown = (outputs / "appendix.md").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(‘x’)&lt;/script&gt; &amp; {{ name }}" in markdown and "<script>" not in markdown


def test_reference_doc_styles_headers_kept(project, tmp_path: Path, cli) -> None:
    """--reference-doc: the template's Heading 1 and Quote styles and its header are in the output, its
    body is not."""
    from docx.shared import Pt, RGBColor

    template = docx.Document()
    template.styles["Heading 1"].font.size = Pt(23)
    template.styles["Heading 1"].font.color.rgb = RGBColor(0x99, 0x11, 0x22)
    template.styles["Quote"].font.name = "Courier New"
    template.sections[0].header.paragraphs[0].text = "Coalition report — draft"
    template.add_paragraph("TEMPLATE BODY TEXT")
    template.save(str(tmp_path / "house.docx"))
    out = tmp_path / "styled.docx"
    result = cli("appendix", "-o", out, "--reference-doc", tmp_path / "house.docx", "--project", project.root)
    assert result.exit_code == 0, result.output
    made = docx.Document(str(out))
    assert made.styles["Heading 1"].font.size == Pt(23)
    assert made.styles["Heading 1"].font.color.rgb == RGBColor(0x99, 0x11, 0x22)
    assert made.styles["Quote"].font.name == "Courier New"
    assert made.sections[0].header.paragraphs[0].text == "Coalition report — draft"
    assert "TEMPLATE BODY TEXT" not in dump(out)


def test_limit_cli(project, tmp_path: Path, cli) -> None:
    """--limit 1 keeps one quote per code, in every format; --max-quotes is the same option."""
    out = tmp_path / "one.md"
    assert cli("appendix", "-o", out, "--limit", "1", "--project", project.root).exit_code == 0
    text = out.read_text(encoding="utf-8")
    language = text.split("## Language barriers")[1].split("###")[0]
    assert language.count("> “") + language.count("> … “") == 1
    again = tmp_path / "again.md"
    assert cli("appendix", "-o", again, "--max-quotes", "1", "--project", project.root).exit_code == 0
    assert again.read_text(encoding="utf-8") == text


def test_bad_inputs(project, tmp_path: Path, cli) -> None:
    """A reference doc that is not .docx, an unknown code, nothing coded: one clear line, exit 1."""
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    bad = cli("appendix", "-o", tmp_path / "a.docx", "--reference-doc", tmp_path / "notes.txt",
              "--project", project.root)
    assert bad.exit_code == 1 and "--reference-doc must be an existing Word .docx file" in bad.stderr
    fake = tmp_path / "fake.docx"
    fake.write_bytes(b"not a zip")
    bad = cli("appendix", "-o", tmp_path / "a.docx", "--reference-doc", fake, "--project", project.root)
    assert bad.exit_code == 1 and "not a Word .docx file" in bad.stderr
    unknown = cli("appendix", "-o", tmp_path / "a.md", "--codes", "weather", "--project", project.root)
    assert unknown.exit_code == 2 and "unknown code 'weather'" in unknown.stderr and "(in --codes)" in unknown.stderr
    empty = tmp_path / "empty"
    (empty / "transcripts").mkdir(parents=True)
    (empty / "transcripts" / "IDI-01.txt").write_text(IDI, encoding="utf-8")
    (empty / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (empty / "qualcode.toml").write_text('[project]\ncodebook = "codebook.yaml"\n', encoding="utf-8")
    cli("ingest", "--project", empty)
    nothing = cli("appendix", "--project", empty)
    assert nothing.exit_code == 1 and "no codings yet" in nothing.stderr


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_converts_the_docx(outputs, tmp_path: Path) -> None:
    """LibreOffice opens the .docx and converts it to a PDF of more than one page."""
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(outputs / "appendix.docx")], check=True, capture_output=True, timeout=180)
    pdf = (tmp_path / "appendix.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type/Page") >= 1


def test_include_suggestions_marks_every_output_draft(project, outputs, tmp_path: Path, cli) -> None:
    """With --include-suggestions the terminal warns and Word (under the title and in the page header),
    HTML, Markdown, the matrix's XLSX about sheet and the heatmap subtitle all say draft; by default none do."""
    import docx
    import openpyxl

    from qualcode.codings.selection import DRAFT_NOTE
    from qualcode.report.plot import _subtitle

    for suffix in (".docx", ".html", ".md"):
        result = cli("appendix", "-o", tmp_path / f"draft{suffix}", "--include-suggestions", "--project",
                     project.root)
        assert result.exit_code == 0 and "warning: unreviewed machine suggestions are included" in result.stderr
    word = docx.Document(tmp_path / "draft.docx")
    assert word.paragraphs[0].style.name == "Title" and word.paragraphs[1].text == DRAFT_NOTE
    assert all(DRAFT_NOTE in "\n".join(p.text for p in s.header.paragraphs) for s in word.sections)
    assert '<p class="draft" role="alert">DRAFT:' in (tmp_path / "draft.html").read_text(encoding="utf-8")
    assert (tmp_path / "draft.md").read_text(encoding="utf-8").split("\n")[2] == f"> **{DRAFT_NOTE}**"
    cli("matrix", "-o", tmp_path / "m.xlsx", "--include-suggestions", "--project", project.root)
    assert openpyxl.load_workbook(tmp_path / "m.xlsx")["about"]["A1"].value == DRAFT_NOTE
    assert _subtitle(project.matrix(include_suggestions=True)).startswith("DRAFT")
    assert not _subtitle(project.matrix()).startswith("DRAFT")
    default = docx.Document(outputs / "appendix.docx")
    assert DRAFT_NOTE not in "\n".join(p.text for p in default.paragraphs)
    assert all(DRAFT_NOTE not in "\n".join(p.text for p in s.header.paragraphs) for s in default.sections)
    for suffix in (".html", ".md"):
        assert "DRAFT" not in (outputs / f"appendix{suffix}").read_text(encoding="utf-8")


def test_summary_table_numbers_never_break_inside() -> None:
    """A summary table of few columns keeps the style's size; one of many columns gets a smaller font
    (not numbers broken over two lines), and its label column keeps at least a quarter of the line."""
    from docx.shared import Cm

    from qualcode.report.word_table import layout

    usable, turned = int(Cm(16)), int(Cm(24.7))
    labels = [("Language barriers", 1)]
    narrow = layout(labels, ["Code", "female", "male", "Total"], [["31"], ["25"], ["56"]], usable, turned)
    assert narrow.size is None and sum(narrow.widths) == usable and narrow.widths[0] > usable // 2
    headers = [f"Group{i} (n={i}0)" for i in range(1, 7)] + ["Total (n=102)"]
    wide = layout(labels, ["Code", *headers], [["72.7"] for _ in headers], usable, turned)
    assert wide.size is not None and wide.size < 11 and sum(wide.widths) == usable
    assert wide.widths[0] >= usable * 0.25 and not wide.landscape

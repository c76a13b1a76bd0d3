"""The Word appendix as a writer hands it over: page size, languages and properties from qualcode.toml, a
contents list whose page numbers LibreOffice and Word fill in, wide summary tables that never split a word,
nothing of python-docx's template left in the package."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from helpers import make_project, place_codings

from qualcode.report.word import dump
from qualcode.report.word_table import PADDING, layout, plan, text_width

GROUPS = ["Dao", "Giáy", "Hmong", "Hoa", "Khmer", "Kinh", "Tày"]
CODES = ["access", "access.health", "language", "language.literacy", "workload", "meetings"]
CODEBOOK = """\
codebook: Word test
version: "2"
codes:
  - id: access
    label: Access to public services
    definition: Getting services.
    children:
      - id: access.health
        label: Health care
        definition: Clinics.
  - id: language
    label: Language barriers
    definition: Language.
    children:
      - id: language.literacy
        label: Literacy
        definition: Reading.
  - id: workload
    label: Workload
    definition: Work.
  - id: meetings
    label: Community meetings
    definition: Meetings.
"""
SAID = ("In our village the {what} is hard for people like me, because the officials come only once a month and "
        "they speak quickly, and when I ask again they tell me to come back another day with my papers, so I lose "
        "a day of work in the fields and my children stay home alone waiting for me until it is dark ({n}).")
VIETNAMESE = ("Ở bản chúng tôi việc {what} rất khó với những người như tôi, vì cán bộ chỉ đến mỗi tháng một lần "
              "và họ nói nhanh, khi tôi hỏi lại thì họ bảo hôm khác quay lại với giấy tờ, nên tôi mất một ngày "
              "làm ruộng và các con tôi ở nhà một mình chờ tôi đến tối ({n}).")


def _transcript(number: int) -> str:
    said = VIETNAMESE if number == 3 else SAID
    turns = "".join(f"I: And {code}?\nR: {said.format(what=code, n=number)}\n" for code in CODES)
    return f"---\ntype: IDI\nparticipant: P{number:02d}\n---\n{turns}"


def _study(root: Path, config: str = ""):
    """Fourteen interviews, two in each of seven ethnic groups (one in Vietnamese), each in its own village,
    every code in every one."""
    transcripts = {f"IDI-{n:02d}.txt": _transcript(n) for n in range(1, 15)}
    people = "participant,document,speaker,gender,ethnicity,village\n" + "".join(
        f"P{n:02d},,,{'female' if n % 2 else 'male'},{GROUPS[(n - 1) // 2]},Village {n:02d}\n" for n in range(1, 15))
    project = make_project(root, transcripts, CODEBOOK, people, config)
    codings = []
    for n in range(1, 15):
        said = VIETNAMESE if n == 3 else SAID
        codings += [(f"IDI-{n:02d}", said.format(what=code, n=n), code, "lan", "accepted") for code in CODES]
    place_codings(project, codings)
    return project


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The study with the default [report] settings."""
    return _study(tmp_path_factory.mktemp("word"))


@pytest.fixture(scope="module")
def appendix(study, tmp_path_factory) -> Path:
    """`qualcode appendix --by ethnicity --limit 5` of the study, by the CLI."""
    from typer.testing import CliRunner

    from qualcode.cli import app

    out = tmp_path_factory.mktemp("out") / "appendix.docx"
    result = CliRunner().invoke(app, ["appendix", "-o", str(out), "--by", "ethnicity", "--limit", "5",
                                      "--project", str(study.root)])
    assert result.exit_code == 0, result.output
    return out


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist()}


def test_a4_en_gb_and_vietnamese_runs_by_default(appendix) -> None:
    """Without [report] settings: A4 with 2.54 cm margins, en-GB as the styles' language and the theme's, and
    the Vietnamese participant's quotes tagged vi-VN (the English ones left to the default)."""
    document = docx.Document(str(appendix))
    for section in document.sections:
        assert (section.page_width.twips, section.page_height.twips) == (11906, 16838)
        assert section.left_margin.twips == section.right_margin.twips == 1440
    parts = _parts(appendix)
    styles, settings = parts["word/styles.xml"].decode(), parts["word/settings.xml"].decode()
    assert re.search(r'<w:docDefaults>.*<w:lang w:val="en-GB"', styles) and 'w:val="en-US"' not in styles
    assert '<w:themeFontLang w:val="en-GB"' in settings
    quotes = [p for p in document.paragraphs if p.style.name == "Quote"]
    vietnamese = [p for p in quotes if "bản chúng tôi" in p.text]
    english = [p for p in quotes if "In our village" in p.text]
    assert vietnamese and english
    tag = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}lang"
    for paragraph in vietnamese:
        assert {e.get(tag.replace("lang", "val")) for e in paragraph._p.iter(tag)} == {"vi-VN"}
    assert not any(list(p._p.iter(tag)) for p in english)


def test_properties_and_package_say_nothing_false(appendix) -> None:
    """Core properties carry the title, subject and keywords but no author, date or "python-docx"; app.xml
    names qualcode; the template's thumbnail, Word 2010 styles, bibliography stub and "spelling checked"
    mark are gone."""
    document = docx.Document(str(appendix))
    properties = document.core_properties
    assert properties.title == "Appendix: Word test — participants' words"
    assert properties.subject == "Word test"
    assert properties.keywords == "Access to public services; Language barriers; Workload; Community meetings"
    assert properties.author == properties.last_modified_by == "" and properties.language == "en-GB"
    assert properties.created is None and properties.modified is None and properties.last_printed is None
    assert properties.revision == 1 and properties.comments == "" and properties.content_status == ""
    parts = _parts(appendix)
    assert not any(b"python-docx" in data or b"Macintosh" in data for data in parts.values())
    assert b"<Application>qualcode</Application>" in parts["docProps/app.xml"]
    assert b"Normal.dotm" not in parts["docProps/app.xml"] and b"<Pages>" not in parts["docProps/app.xml"]
    assert not [name for name in parts if "thumbnail" in name or "stylesWithEffects" in name or "customXml" in name]
    assert b"proofState" not in parts["word/settings.xml"]


def test_toml_page_size_locale_author_and_date(tmp_path: Path, cli) -> None:
    """[report] page_size = "Letter", locale = "en-US" and author reach the Word file; --date with an ISO date
    becomes its created and modified date, and another text only the method's line; --include-suggestions
    marks the file's status Draft."""
    project = _study(tmp_path, '[report]\npage_size = "Letter"\nlocale = "en-US"\nauthor = "LNOB study team"\n')
    out = tmp_path / "letter.docx"
    assert cli("appendix", "-o", out, "--date", "2025-06-30", "--project", project.root).exit_code == 0
    document = docx.Document(str(out))
    assert (document.sections[0].page_width.twips, document.sections[0].page_height.twips) == (12240, 15840)
    properties = document.core_properties
    assert properties.author == properties.last_modified_by == "LNOB study team"
    assert properties.created.date().isoformat() == properties.modified.date().isoformat() == "2025-06-30"
    assert '<w:lang w:val="en-US"' in _parts(out)["word/styles.xml"].decode() and properties.language == "en-US"
    loose = tmp_path / "loose.docx"
    assert cli("appendix", "-o", loose, "--date", "June 2025", "--include-suggestions", "--project",
               project.root).exit_code == 0
    document = docx.Document(str(loose))
    assert document.core_properties.created is None and document.core_properties.content_status == "Draft"
    assert "Date: June 2025." in [p.text for p in document.paragraphs]


@pytest.mark.parametrize("value, shown", [('"english"', "'english'"), ('"en_GB"', "'en_GB'"), ("44", None)])
def test_a_locale_that_is_no_language_tag(tmp_path: Path, cli, value: str, shown: str | None) -> None:
    """A [report] locale that is not a language tag (or not a string) stops every command with one line
    naming qualcode.toml, exit 1."""
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "qualcode.toml").write_text(f"[report]\nlocale = {value}\n", encoding="utf-8")
    result = cli("appendix", "--project", tmp_path)
    assert result.exit_code == 1 and "qualcode.toml" in result.stderr and "Traceback" not in result.stderr
    assert f"report.locale {shown} is not a language tag" in result.stderr if shown else \
        "report.locale must be a string" in result.stderr


def test_contents_link_every_heading_with_a_page_field(appendix) -> None:
    """The contents list each heading of levels 1-3 once, in order, as a link to a bookmark on that heading
    ending in a dotted tab and a PAGEREF field; Word is asked to update fields on opening (w:updateFields,
    in its place before w:compat)."""
    document = docx.Document(str(appendix))
    body = document.element.body
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    bookmarks = {b.get(f"{w}name"): b.getparent() for b in body.iter(f"{w}bookmarkStart")}
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    entries = [p for p in document.paragraphs if p.style.name.startswith("toc ")]
    assert [p.text.rstrip("\t") for p in entries] == [text for _, text in headings]
    for entry, (style, text) in zip(entries, headings):
        anchor = entry._p.find(f"{w}hyperlink").get(f"{w}anchor")
        target = bookmarks[anchor]
        assert target.xpath("string(.)") == text and entry.style.name == f"toc {style.split()[1]}"
        assert [t.text for t in entry._p.iter(f"{w}instrText")] == [f" PAGEREF {anchor} \\h "]
        assert entry._p.find(f"{w}pPr/{w}tabs/{w}tab").get(f"{w}leader") == "dot"
    settings = _parts(appendix)["word/settings.xml"].decode()
    assert '<w:updateFields w:val="true"/>' in settings
    assert settings.index("updateFields") < settings.index("<w:compat>")
    assert "TOC \\o" not in dump(appendix)


def _pdf_pages(docx_path: Path, out: Path) -> list[str]:
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(out), str(docx_path)],
                   check=True, capture_output=True, timeout=300)
    pdf = out / f"{docx_path.stem}.pdf"
    count = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                                                               text=True).stdout).group(1))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"], check=True,
                           capture_output=True, text=True).stdout for n in range(1, count + 1)]


LIBREOFFICE = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("soffice", "pdftotext", "pdfinfo")),
    reason="LibreOffice (soffice) and poppler-utils (pdftotext, pdfinfo) are needed to render the .docx")


@LIBREOFFICE
def test_libreoffice_shows_the_right_page_numbers(appendix, tmp_path: Path) -> None:
    """Rendered by LibreOffice with no field update: every contents line ends in a page number, and that is
    the page where its heading stands."""
    pages = _pdf_pages(appendix, tmp_path)
    assert len(pages) >= 4
    document = docx.Document(str(appendix))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    contents = "\n".join(pages[:2])
    contents = contents[contents.index("Contents"):]
    for heading in headings:
        found = re.search(rf"^\s*{re.escape(heading)}\s*\.+\s*(\d+)\s*$", contents, re.M)
        assert found, f"no page number for {heading!r}"
        page = int(found.group(1))
        body = pages[page - 1] if heading != headings[0] else pages[page - 1].split("Contents")[0]
        assert re.search(rf"^\s*{re.escape(heading)}\s*$", body, re.M), (heading, page)


def _header_fits(chosen, headers: list[str]) -> bool:
    size = chosen.size or 11
    for width, header in zip(chosen.widths[1:], headers[1:]):
        longest = max(text_width(word, size, True) for word in header.split())
        if not chosen.rotated and width / 12700 < longest + PADDING:
            return False
    return True


def test_wide_tables_never_split_a_word() -> None:
    """Seven groups and Total fit a portrait A4 page at a smaller size with every header word whole; ten
    columns of longer words get a landscape page; twenty get rotated headers; fifty-seven are split into
    landscape tables with rotated headers, every column in one of them; the label column keeps a quarter of
    the line."""
    portrait, landscape = int(16 * 360000), int(24.7 * 360000)
    labels = [("Social allowances and poor-household status", 2), ("Language barriers", 1)]

    def table(headers: list[str], value: str = "100.0"):
        return layout(labels, ["Code", *headers], [[value, value] for _ in headers], portrait, landscape)

    seven = [f"{g} (n={n})" for g, n in zip(GROUPS, (11, 6, 21, 7, 28, 27, 9))] + ["Total (n=109)"]
    chosen = table(seven)
    assert not chosen.landscape and not chosen.rotated and chosen.size is not None and chosen.size >= 8
    assert _header_fits(chosen, ["Code", *seven]) and sum(chosen.widths) == portrait
    assert chosen.widths[0] >= portrait * 0.25
    ten = [f"Village {i:02d}" for i in range(9)] + ["Total"]
    chosen = table(ten, "27")
    assert chosen.landscape and not chosen.rotated and _header_fits(chosen, ["Code", *ten])
    twenty = [f"Village{i:02d}" for i in range(19)] + ["Total"]
    chosen = table(twenty, "7")
    assert chosen.landscape and chosen.rotated and chosen.header_height > 0 and sum(chosen.widths) == landscape
    assert table([f"Village{i:02d}" for i in range(56)] + ["Total"], "7") is None
    fifty_seven = [f"IDI-{i:02d}" for i in range(56)] + ["Total (n=102)"]
    parts = plan(labels, ["Code", *fifty_seven], [["100.0", "0.0"] for _ in fifty_seven], portrait, landscape)
    assert 2 <= len(parts) <= 4 and [i for part, _ in parts for i in part] == list(range(57))
    assert all(chosen.landscape and sum(chosen.widths) == landscape for _, chosen in parts) and parts[0][1].rotated
    few = table(["female", "male", "Total"], "12")
    assert few.size is None and not few.landscape  # a narrow table keeps the style's size


@LIBREOFFICE
def test_rendered_wide_summary_keeps_header_words_whole(study, tmp_path: Path, cli) -> None:
    """The appendix of seven ethnic groups with --percent, rendered by LibreOffice: the summary table's
    header shows every group name whole on A4 portrait; fourteen villages and Total get a landscape page of
    their own between portrait pages."""
    for percent in (("--percent",), ()):  # "(n=…)" headers, and counts whose last header is a bare "Total"
        out = tmp_path / f"wide{len(percent)}.docx"
        assert cli("appendix", "-o", out, "--by", "ethnicity", *percent, "--limit", "1", "--project",
                   study.root).exit_code == 0
        pages = _pdf_pages(out, tmp_path)
        header = next(line for page in pages for line in page.splitlines() if line.split()[:1] == ["Code"])
        for group in (*GROUPS, "Total"):
            assert group in header.split(), (group, header)  # whole words, none split over two lines
    wider = tmp_path / "wider.docx"
    assert cli("appendix", "-o", wider, "--summary-by", "village", "--limit", "1", "--project",
               study.root).exit_code == 0
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(wider)],
                   check=True, capture_output=True, timeout=300)
    sizes = subprocess.run(["pdfinfo", "-f", "1", "-l", "6", str(tmp_path / "wider.pdf")], check=True,
                           capture_output=True, text=True).stdout
    turned = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", sizes)
    orientation = ["landscape" if float(w) > float(h) else "portrait" for w, h in turned]
    assert orientation[0] == "portrait" and "landscape" in orientation and orientation[-1] == "portrait"


def test_reference_templates(study, tmp_path: Path, cli) -> None:
    """--reference-doc takes a .dotx template too; a template without Heading styles still gives Heading
    paragraphs; its margins are kept while the page size follows qualcode.toml; a .doc is refused in one
    line."""
    from docx.shared import Cm

    template = docx.Document()
    template.sections[0].left_margin = Cm(3.5)
    styles = template.styles.element
    for style in list(styles):
        name = style.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}name")
        if name is not None and name.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val", "") \
                .lower().startswith(("heading", "title", "quote")):
            styles.remove(style)
    template.save(str(tmp_path / "plain.docx"))
    with zipfile.ZipFile(tmp_path / "plain.docx") as source, zipfile.ZipFile(tmp_path / "house.dotx", "w") as dotx:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
            dotx.writestr(info, data)
    for name in ("plain.docx", "house.dotx"):
        out = tmp_path / f"from-{name}.docx"
        result = cli("appendix", "-o", out, "--reference-doc", tmp_path / name, "--project", study.root)
        assert result.exit_code == 0, result.output
        document = docx.Document(str(out))
        assert ("Heading 1", "Language barriers") in [(p.style.name, p.text) for p in document.paragraphs]
        assert abs(document.sections[0].left_margin - Cm(3.5)) < Cm(0.01)  # twips round
        assert document.sections[0].page_height.twips == 16838
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 not a zip")
    bad = cli("appendix", "-o", tmp_path / "x.docx", "--reference-doc", tmp_path / "old.doc", "--project",
              study.root)
    assert bad.exit_code == 1 and "must be an existing Word .docx file" in bad.stderr and "Traceback" not in bad.stderr

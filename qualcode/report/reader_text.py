"""The text of a written file as its reader sees it, place by place, for `qualcode leaks`.

A name can hide from a plain search of a file's bytes while every reader sees it: Word splits a word into
runs (``Ng`` + ``uyễn``), a workbook's rich text into runs, HTML into tags (``Là<mark>nh``) and entities
(``L&#224;nh``), JSON into ``\\u`` escapes, Markdown into emphasis (``Là**nh**``). Each reader here gives
``(place, text)`` pairs — ``paragraph 12`` of a Word body, ``cell Codings!K5`` of a workbook, ``line 40`` of a
text file — with those pieces joined again; soft hyphens, zero-width characters and accents are left to the
matching (:mod:`qualcode.codings.name_match`), which ignores them.
"""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from qualcode.errors import InputFileError, UsageError
from qualcode.ingest.encoding import decode
from qualcode.ingest.zipcheck import check_zip

Places = list[tuple[str, str]]

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
# Word: what each element adds to its paragraph's text as a reader sees it (deleted text too: Word can show it).
_WORD_TEXT = {f"{W}t": None, f"{W}delText": None, f"{W}instrText": None, f"{W}tab": "\t", f"{W}ptab": "\t",
              f"{W}br": "\n", f"{W}cr": "\n", f"{W}noBreakHyphen": "-"}
_WORD_PARTS = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")


def _parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _xml(package: zipfile.ZipFile, name: str, path: Path):
    from lxml import etree

    try:
        return etree.fromstring(package.read(name), _parser())
    except etree.XMLSyntaxError:
        raise InputFileError(f"damaged part {name!r}", where=str(path)) from None


def _decoded(data: bytes, where: str) -> str:
    return decode(data, where)[0] if data.strip() else ""


def _package(path: Path, what: str) -> zipfile.ZipFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", where=str(path)) from None
    check_zip(data, str(path), what)
    return zipfile.ZipFile(io.BytesIO(data))


def word_paragraphs(root) -> list[str]:
    """The text of every paragraph (``w:p``) of a WordprocessingML part, in document order, its runs joined:
    a paragraph inside another (a text box) is a paragraph of its own, not part of the outer one."""
    paragraphs = list(root.iter(f"{W}p"))
    index = {id(p): n for n, p in enumerate(paragraphs)}
    texts: list[list[str]] = [[] for _ in paragraphs]
    for element in root.iter(*_WORD_TEXT):
        owner = next(element.iterancestors(f"{W}p"), None)
        if owner is not None:
            added = _WORD_TEXT[element.tag]
            texts[index[id(owner)]].append(element.text or "" if added is None else added)
    return ["".join(parts) for parts in texts]


def docx_places(path: Path) -> Places:
    """``paragraph N`` of the body (numbered as `leaks` numbers attributions), ``PART paragraph N`` of headers,
    footers, notes and comments, image descriptions, link targets and the document properties."""
    places: Places = []
    with _package(path, "Word .docx file") as package:
        names = package.namelist()
        for name in names:
            found = _WORD_PARTS.fullmatch(name)
            if found:
                root = _xml(package, name, path)
                prefix = "" if found.group(1) == "document" else f"{PurePosixPath(name).stem} "
                places += [(f"{prefix}paragraph {n}", text) for n, text in enumerate(word_paragraphs(root), 1)]
                places += [(f"{prefix}image description", value) for element in root.iter()
                           if element.tag.endswith("}docPr") for value in (element.get("descr"), element.get("title"))
                           if value]
            elif name.startswith("word/_rels/"):
                places += _links(_xml(package, name, path))
        places += _properties(package, names, path)
    return places


def _links(root) -> Places:
    return [("link", r.get("Target", "")) for r in root.iter(f"{PR}Relationship") if r.get("TargetMode") == "External"]


def _properties(package: zipfile.ZipFile, names: list[str], path: Path) -> Places:
    return [("document properties", " ".join(t.strip() for t in _xml(package, name, path).itertext() if t.strip()))
            for name in names if name.startswith("docProps/") and name.endswith(".xml")]


def xlsx_places(path: Path) -> Places:
    """``cell SHEET!REF`` of every text cell (shared strings and inline strings with their rich-text runs
    joined, formula results), sheet names, comments, headers and footers, and the document properties."""
    places: Places = []
    with _package(path, "Excel .xlsx file") as package:
        names = set(package.namelist())
        shared = []
        if "xl/sharedStrings.xml" in names:
            root = _xml(package, "xl/sharedStrings.xml", path)
            shared = ["".join(t.text or "" for t in si.iter(f"{S}t")) for si in root.iter(f"{S}si")]
        for sheet, member in _sheets(package, names, path):
            places.append(("sheet name", sheet))
            root = _xml(package, member, path)
            for cell in root.iter(f"{S}c"):
                text = _cell_text(cell, shared)
                if text:
                    places.append((f"cell {sheet}!{cell.get('r', '?')}", text))
            for part in ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"):
                places += [(f"{sheet} header or footer", e.text or "") for e in root.iter(f"{S}{part}")]
        for name in sorted(names):
            if re.fullmatch(r"xl/comments\d*\.xml", name) or name.startswith("xl/threadedComments/"):
                root = _xml(package, name, path)
                places += [("comment", "".join(t.text or "" for t in c.iter() if t.tag.endswith("}t")))
                           for c in root.iter() if c.tag.endswith(("}comment", "}threadedComment"))]
        places += _properties(package, sorted(names), path)
    return places


def _cell_text(cell, shared: list[str]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{S}t"))
    value = cell.find(f"{S}v")
    if value is None or value.text is None:
        return ""
    if kind == "s":
        index = int(value.text) if value.text.strip().isdigit() else -1
        return shared[index] if 0 <= index < len(shared) else ""
    return value.text if kind in ("str", "e") else ""  # numbers and booleans hold no name


def _sheets(package: zipfile.ZipFile, names: set[str], path: Path) -> list[tuple[str, str]]:
    """``(sheet name, member)`` of every worksheet, in workbook order."""
    if "xl/workbook.xml" not in names:
        return [(PurePosixPath(n).stem, n) for n in sorted(names) if n.startswith("xl/worksheets/sheet")]
    targets = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for rel in _xml(package, "xl/_rels/workbook.xml.rels", path).iter(f"{PR}Relationship"):
            target = rel.get("Target", "").lstrip("/")
            targets[rel.get("Id")] = target if target.startswith("xl/") else f"xl/{target}"
    out = []
    for sheet in _xml(package, "xl/workbook.xml", path).iter(f"{S}sheet"):
        member = targets.get(sheet.get(f"{R}id"), "")
        if member in names:
            out.append((sheet.get("name", ""), member))
    return out


def xml_places(path: Path) -> Places:
    """A REFI-QDA project (``.qdpx``: ``project.qde`` and its sources) or codebook (``.qdc``): every element's
    text and attribute values (a source's name is an attribute) by ``MEMBER line N``, and the member names."""
    if path.suffix.lower() == ".qdc":
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputFileError(f"cannot read: {exc.strerror}", where=str(path)) from None
        return _xml_element_places(path.name, _parse(data, path.name, path))
    places: Places = []
    with _package(path, "REFI-QDA .qdpx file") as package:
        for name in package.namelist():
            places.append(("file name in the package", name))
            if name.endswith((".qde", ".xml")):
                places += _xml_element_places(name, _xml(package, name, path))
            elif name.endswith(".txt"):
                lines = _decoded(package.read(name), f"{path}:{name}").splitlines()
                places += [(f"{name} line {n}", line) for n, line in enumerate(lines, 1)]
    return places


def _parse(data: bytes, name: str, path: Path):
    from lxml import etree

    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError:
        raise InputFileError(f"damaged part {name!r}", where=str(path)) from None


def _xml_element_places(name: str, root) -> Places:
    places: Places = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        texts = [v for v in element.attrib.values()] + [element.text or ""]
        places += [(f"{name} line {element.sourceline}", t) for t in texts if t.strip()]
    return places


# HTML: tags inside a word (`Là<mark>nh`) join their text; block tags separate it.
_INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "del", "dfn", "em", "font", "i", "ins", "kbd",
           "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr"}
_TAG = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][\w:-]*)([^>]*)>", re.S)
_SEEN_ATTRIBUTE = re.compile(r"""\b(?:title|alt)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_MD_MARK = re.compile(r"[*`]+|~~")
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _untag(match: re.Match) -> str:
    whole = match.group(0)
    lines = "\n" * whole.count("\n")  # line numbers stay those of the file
    if match.group(2) is None or match.group(2).casefold() not in _INLINE:
        lines = lines or " "
    seen = " ".join(a or b for a, b in _SEEN_ATTRIBUTE.findall(match.group(3) or ""))
    return f" {seen} {lines}" if seen else lines


def html_lines(text: str) -> list[str]:
    """The lines of an HTML (or Markdown) text as a browser shows their words: tags removed (inline ones
    joining the text around them), a ``title`` or ``alt`` kept, entities decoded; line numbers kept."""
    return html.unescape(_TAG.sub(_untag, text)).split("\n")


def _text_file(path: Path) -> str:
    try:
        return _decoded(path.read_bytes(), str(path))
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", where=str(path)) from None


def html_places(path: Path) -> Places:
    """``line N`` of an HTML page, as :func:`html_lines` gives it."""
    return [(f"line {n}", line) for n, line in enumerate(html_lines(_text_file(path)), 1)]


def markdown_places(path: Path) -> Places:
    """``line N`` of a Markdown file as it renders: HTML as in :func:`html_lines`, backslash escapes and
    emphasis marks (``*``, `````, ``~~``) removed."""
    lines = html_lines(_MD_ESCAPE.sub(r"\1", _text_file(path).replace("\\\\", "\x00")))
    return [(f"line {n}", _MD_MARK.sub("", line).replace("\x00", "\\")) for n, line in enumerate(lines, 1)]


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _unescape_json(match: re.Match) -> str:
    try:
        return json.loads(match.group(0))
    except ValueError:
        return match.group(0)


def json_places(path: Path) -> Places:
    """``line N`` of a JSON (or JSON Lines) file with each string's escapes decoded (``\\u1ec5`` is ``ễ``)."""
    lines = _text_file(path).splitlines()
    return [(f"line {n}", _JSON_STRING.sub(_unescape_json, line)) for n, line in enumerate(lines, 1)]


def csv_places(path: Path) -> Places:
    """``line N, column NAME`` of every cell of a CSV file (each line alone when it is not valid CSV)."""
    from qualcode.ingest.csvfile import csv_rows

    text = _text_file(path)
    try:
        rows = csv_rows(text, str(path))
    except InputFileError:
        return text_places_of(text)
    header = rows[0][1] if rows else []
    places: Places = [(f"line {rows[0][0]}", cell) for cell in header]
    for line, cells in rows[1:]:
        places += [(f"line {line}, column {header[i] if i < len(header) else i + 1}", cell)
                   for i, cell in enumerate(cells) if cell.strip()]
    return places


def text_places_of(text: str) -> Places:
    """``line N`` of a plain text."""
    return [(f"line {n}", line) for n, line in enumerate(text.splitlines(), 1)]


def text_places(path: Path) -> Places:
    """``line N`` of a plain text file."""
    return text_places_of(_text_file(path))


READERS: dict[str, Callable[[Path], Places]] = {
    ".docx": docx_places, ".xlsx": xlsx_places, ".qdpx": xml_places, ".qdc": xml_places, ".csv": csv_places,
    ".html": html_places, ".htm": html_places, ".md": markdown_places, ".txt": text_places, ".json": json_places,
    ".jsonl": json_places,
}


def reader_places(path: Path) -> Places:
    """``(place, text)`` of ``path`` as its reader sees it, by suffix (:data:`READERS`), the file's own name
    first. Raises UsageError for a suffix not read here, InputFileError for a damaged or unreadable file."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UsageError(f"{path}: leaks reads {', '.join(READERS)}")
    return [("file name", path.name), *reader(path)]

"""The Word package around a report's body: page size and margins, the document's languages, core and app
properties, and a save that gives the same bytes for the same content.

python-docx starts every document from its own template, made on a Mac in 2013: US Letter, en-US, created
2000-01-01 by "python-docx", "Microsoft Macintosh Word" in ``docProps/app.xml``, a thumbnail of an empty page,
a spelling check marked done and a second copy of the styles for Word 2010. :func:`save_docx` replaces all of
that with what the project says, so a writer can hand the file over as it is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from qualcode.ingest.encoding import vietnamese_share

PAGE_SIZES = {"A4": (11906, 16838), "Letter": (12240, 15840)}  # portrait width, height in twips
MARGIN = 1440  # 2.54 cm on every side: Word's own default for A4 and Letter alike
LANGUAGE_TAGS = {"vi": "vi-VN", "en": "en-GB"}  # a document's language (ISO 639-1) as Word's proofing language
VIETNAMESE_SHARE = 0.05  # as ingest decides a document is Vietnamese (letters only Vietnamese uses)

# Where new elements go among the children of w:settings and cp:coreProperties (their schemas fix the order)
_AFTER_UPDATE_FIELDS = ("hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
                        "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
                        "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
                        "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol",
                        "listSeparator")
_AFTER_THEME_FONT_LANG = _AFTER_UPDATE_FIELDS[_AFTER_UPDATE_FIELDS.index("themeFontLang") + 1:]
APP_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            "<Application>qualcode</Application><DocSecurity>0</DocSecurity></Properties>")
_THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
_CUSTOM_XML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"


def set_page(document, size: str, *, margins: bool = True) -> None:
    """Every section portrait on ``size`` (``A4`` or ``Letter``); with ``margins``, 2.54 cm on every side (an
    organisation's template keeps its own)."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Twips

    width, height = PAGE_SIZES[size]
    for section in document.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Twips(width), Twips(height)
        if margins:
            section.top_margin = section.bottom_margin = Twips(MARGIN)
            section.left_margin = section.right_margin = Twips(MARGIN)
            section.header_distance = section.footer_distance = Twips(720)


def usable_width(section) -> int:
    """The width between ``section``'s margins, in EMU."""
    return int(section.page_width - section.left_margin - section.right_margin)


def language_tag(language: str, locale: str) -> str | None:
    """Word's language tag for text in ``language`` (``vi``, ``en``, …) in a document whose default is
    ``locale``; None when the text is in the document's own language (it inherits the default)."""
    if not language or language.casefold() == locale.split("-")[0].casefold():
        return None
    return LANGUAGE_TAGS.get(language.casefold(), language)


def text_language(text: str, declared: str = "") -> str:
    """The language of a line: ``declared`` (a quote's document language) when given, else ``vi`` when the
    line is mostly written with letters only Vietnamese uses (a Vietnamese heading or definition), else ``""``
    (the document's default)."""
    if declared:
        return declared
    return "vi" if vietnamese_share(text) >= VIETNAMESE_SHARE else ""


def tag_language(element, tag: str | None) -> None:
    """Mark every run inside ``element`` (a ``w:p``) as written in ``tag`` (``w:lang``), for spelling and
    hyphenation; nothing when ``tag`` is None."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if tag is None:
        return
    for run in element.iter(qn("w:r")):
        properties = run.find(qn("w:rPr"))
        if properties is None:
            properties = OxmlElement("w:rPr")
            run.insert(0, properties)
        lang = OxmlElement("w:lang")  # its place in w:rPr comes after every property qualcode writes
        lang.set(qn("w:val"), tag)
        properties.append(lang)


def set_language(document, locale: str) -> None:
    """Make ``locale`` (``en-GB``) the language of the document's text: the default run properties of its
    styles, any style that named the template's old default, and the theme fonts' language."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        run_defaults = OxmlElement("w:rPrDefault")
        defaults.insert(0, run_defaults)
    properties = run_defaults.find(qn("w:rPr"))
    if properties is None:
        properties = OxmlElement("w:rPr")
        run_defaults.append(properties)
    lang = properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        properties.append(lang)
    old = lang.get(qn("w:val"))
    lang.set(qn("w:val"), locale)
    for element in styles.iter(qn("w:lang")):  # styles that repeated the old default follow the new one
        if old and element.get(qn("w:val")) == old:
            element.set(qn("w:val"), locale)
    settings = document.settings.element
    theme = settings.find(qn("w:themeFontLang"))
    if theme is None:
        theme = OxmlElement("w:themeFontLang")
        _insert(settings, theme, _AFTER_THEME_FONT_LANG)
    theme.set(qn("w:val"), locale)


def update_fields_on_open(document) -> None:
    """Ask Word to update every field when the file is opened (``w:updateFields``): page numbers of the
    contents. Word asks the reader first."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        _insert(settings, update, _AFTER_UPDATE_FIELDS)


def _insert(parent, element, successors: tuple[str, ...]) -> None:
    """Insert ``element`` into ``parent`` before the first child named in ``successors`` (schema order)."""
    from docx.oxml.ns import qn

    following = [parent.find(qn(f"w:{name}")) for name in successors]
    first = next((child for child in following if child is not None), None)
    if first is None:
        parent.append(element)
    else:
        first.addprevious(element)


def iso_date(text: str | None) -> dt.date | None:
    """``text`` as a date when it is one in ISO form (``2025-06-30``), else None."""
    try:
        return dt.date.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None


def _core_properties(document, title: str, author: str, date: dt.date | None, subject: str, keywords: str,
                     language: str, status: str) -> None:
    """Rewrite ``docProps/core.xml``: title, author (also as last modified by), subject, keywords, language,
    status and revision 1; created and modified only with ``date``; nothing else of the template's."""
    old = document.core_properties._element
    for child in list(old):
        old.remove(child)
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = title, author, author
    properties.subject, properties.keywords, properties.language = subject, keywords, language
    properties.content_status = status
    properties.revision = 1
    if date is not None:
        properties.created = properties.modified = dt.datetime(date.year, date.month, date.day)
    for child in list(old):  # python-docx writes empty elements for empty values: leave them out
        if not (child.text or "").strip():
            old.remove(child)


def _drop_template_parts(document, from_template: bool) -> None:
    """Drop the parts python-docx's template brings that say something untrue of the new document: a
    thumbnail of another page, styles for Word 2010 that no longer match, an empty bibliography store; and
    the spelling check the template marks as done."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn

    package = document.part.package
    for rId, rel in list(package.rels.items()):
        if rel.reltype == _THUMBNAIL:
            package.rels.pop(rId)
        elif rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part._blob = APP_XML.encode("utf-8")
    dropped = (_STYLES_WITH_EFFECTS,) if from_template else (_STYLES_WITH_EFFECTS, _CUSTOM_XML)
    for rId, rel in list(document.part.rels.items()):
        if rel.reltype in dropped:
            document.part.rels.pop(rId)
    settings = document.settings.element
    for name in ("proofState",):
        for element in settings.findall(qn(f"w:{name}")):
            settings.remove(element)


def save_docx(document, path: Path, title: str, *, author: str = "", date: str | None = None, subject: str = "",
              keywords: str = "", language: str = "", status: str = "", from_template: bool = False) -> None:
    """Save a python-docx document so that two runs give identical bytes and its properties are the
    project's: ``title``, ``author`` (empty when not set, never "python-docx"), ``subject``, ``keywords``,
    ``language``, ``status`` (``Draft``); created and modified dates only when ``date`` is an ISO date
    (``2025-06-30``), since a fixed date would be false and today's would change the bytes.
    ``docProps/app.xml`` names qualcode as the application. Raises OSError when the file cannot be written."""
    import io

    from qualcode.report.tables import freeze_zip

    _core_properties(document, title, author, iso_date(date), subject, keywords, language, status)
    _drop_template_parts(document, from_template)
    package = io.BytesIO()  # saved in memory: only the final write touches the disk
    document.save(package)
    freeze_zip(path, package.getvalue())

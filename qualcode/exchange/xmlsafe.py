"""QDA-XML parsing without DTDs, entities or network access (defusedxml), and deterministic writing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from qualcode.errors import InputFileError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"


def parse_xml(data: bytes, where: str) -> ET.Element:
    """The root element of ``data``, parsed with DTDs, entity declarations and external references refused.

    Raises InputFileError naming ``where`` for malformed XML and, with "refused", for a DTD or an entity
    (an entity bomb, an external file).
    """
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InputFileError(f"refused: the XML declares a DTD or entities ({type(exc).__name__}); QDA-XML "
                             "needs neither", where=where) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise InputFileError(f"not well-formed XML: {str(exc).split(':')[0]}", where=f"{where}:{line}:{column}") \
            from None


def local(tag: str) -> str:
    """An element's name without its namespace (``{urn:…}Code`` → ``Code``)."""
    return tag.rsplit("}", 1)[-1]


def children(element: ET.Element, name: str) -> list[ET.Element]:
    """The direct children of ``element`` called ``name``, in any namespace (tools differ)."""
    return [child for child in element if local(child.tag) == name]


def child(element: ET.Element, name: str) -> ET.Element | None:
    """The first direct child called ``name``, or None."""
    return next((c for c in element if local(c.tag) == name), None)


def serialise(root: ET.Element, namespace: str) -> bytes:
    """``root`` as UTF-8 XML with ``namespace`` as the default namespace, indented, same bytes every time."""
    ET.register_namespace("", namespace)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n").encode("utf-8")

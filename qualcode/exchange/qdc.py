"""REFI-QDA codebooks (``.qdc``) out of and into qualcode, and the code tree shared with ``.qdpx`` projects.

A code's label is its ``name``; its definition, include, exclude, examples, memos and qualcode id are its
``Description`` (:mod:`qualcode.exchange.descriptions`), so a codebook that goes out and comes back keeps its
ids and its guidance. Codebook groups are ``Sets``. Other tools' codebooks are read as they come: Taguette's,
whose ``<Sets/>`` is empty (not valid against Codebook.xsd), NVivo's and MAXQDA's with braces in GUIDs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from qualcode.codebook.csv_import import COLOR_RE, MAX_CODE_DEPTH, CodebookImport, CodeNode, assign_ids, too_deep
from qualcode.codebook.load import ID_RE, Codebook
from qualcode.errors import InputFileError, Problem, QualcodeError
from qualcode.exchange.archive import MAX_ENTRY_BYTES
from qualcode.exchange.descriptions import parse
from qualcode.exchange.qdpx_export import _codes, code_guid, guid
from qualcode.exchange.xmlsafe import CODEBOOK_NS, children, local, parse_xml, serialise


def codebook_qdc(book: Codebook) -> bytes:
    """The ``.qdc`` bytes of ``book`` (valid against Codebook.xsd; the same book gives the same bytes).

    Raises QualcodeError when the codebook has no codes (the schema needs one).
    """
    if not book.codes:
        raise QualcodeError("the codebook has no codes: a .qdc needs at least one", where=book.path or None)
    root = ET.Element(f"{{{CODEBOOK_NS}}}CodeBook", {"origin": "qualcode"})
    _codes(root, book, (), namespace=CODEBOOK_NS)
    if book.groups:
        sets = ET.SubElement(root, f"{{{CODEBOOK_NS}}}Sets")
        for group, members in book.groups.items():
            element = ET.SubElement(sets, f"{{{CODEBOOK_NS}}}Set", {"guid": guid("set", group), "name": group})
            for member in members:
                ET.SubElement(element, f"{{{CODEBOOK_NS}}}MemberCode", {"guid": code_guid(member)})
    return serialise(root, CODEBOOK_NS)


def split_description(text: str) -> tuple[str, str | None]:
    """A code Description as ``(definition, qualcode id or None)``."""
    parsed = parse(text)
    return parsed.text, parsed.machine.get("id")


def read_code_tree(codes: ET.Element | None, sets: ET.Element | None, name: str, where: str
                   ) -> tuple[CodebookImport, dict[str, str]]:
    """The code tree under a ``Codes`` element (project or codebook namespace) and its ``Sets`` as groups;
    returns it with ``code GUID -> code id``. Ids are the ``qualcode id`` of the Description when present and
    unique, else derived from the names as for CSV codebooks."""
    result = CodebookImport(name, [])
    by_guid: dict[str, CodeNode] = {}
    wanted: dict[int, str] = {}

    def walk(element: ET.Element, siblings: list[CodeNode]) -> None:
        for code in children(element, "Code"):
            label = " ".join((code.get("name") or "").split()) or "code"
            parsed = parse(next((c.text or "" for c in code if local(c.tag) == "Description"), ""))
            code_id = parsed.machine.get("id")
            node = CodeNode(label, definition=" ".join(parsed.text.split()), include=parsed.include,
                            exclude=parsed.exclude, examples=list(parsed.examples),
                            counterexamples=list(parsed.counterexamples), memos=list(parsed.memos))
            node.codable = (code.get("isCodable") or "true").strip().lower() not in ("false", "0")
            color = (code.get("color") or "").strip()
            if color and COLOR_RE.match(color):
                node.color = color
            key = (code.get("guid") or "").strip("{}").lower()
            if key:
                if key in by_guid:
                    result.problems.append(Problem(where, f"code {label!r}: its GUID is used twice; "
                                                          "codings refer to the first"))
                else:
                    by_guid[key] = node
            if code_id and ID_RE.match(code_id):
                wanted[id(node)] = code_id
            siblings.append(node)
            result.count += 1
            walk(code, node.children)

    if codes is not None:
        depth = code_depth(codes)
        if depth > MAX_CODE_DEPTH:  # checked without recursion, so the walks below stay shallow
            raise InputFileError(too_deep(depth), where=where)
        walk(codes, result.codes)
    assign_ids(result.codes, "")
    taken = {n.id for n in _all(result.codes)}
    if wanted and len(set(wanted.values())) == len(wanted):
        # the ids a qualcode export wrote win, as long as they stay unique
        final = {n.id for n in _all(result.codes) if id(n) not in wanted} | set(wanted.values())
        if len(final) == len(taken):
            for node in _all(result.codes):
                node.id = wanted.get(id(node), node.id)
    ids = {key: node.id for key, node in by_guid.items()}
    partial: list[str] = []
    for element in children(sets, "Set") if sets is not None else ():
        members = [ids.get((m.get("targetGUID") or m.get("guid") or "").strip("{}").lower())
                   for m in children(element, "MemberCode")]
        kept = list(dict.fromkeys(m for m in members if m))
        set_name = " ".join((element.get("name") or "").split()) or "set"
        if kept:
            result.groups[set_name] = kept
        if len(kept) < len(members) or children(element, "MemberSource") or children(element, "MemberNote"):
            partial.append(set_name)
    if partial:
        result.problems.append(Problem(where, f"{len(partial)} sets hold documents or notes ({', '.join(partial)}); "
                                              "only their codes are kept, as codebook groups", "warning"))
    return result, ids


def code_depth(codes: ET.Element) -> int:
    """How many levels of ``Code`` elements nest under ``codes`` (counted without recursion)."""
    deepest = 0
    stack = [(codes, 0)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((code, depth + 1) for code in children(element, "Code"))
    return deepest


def _all(nodes: list[CodeNode]) -> list[CodeNode]:
    out = []
    for node in nodes:
        out.append(node)
        out.extend(_all(node.children))
    return out


def read_qdc(path: Path, name: str | None = None) -> CodebookImport:
    """Read a ``.qdc`` codebook into a code tree (for `codebook import`). A trailing empty ``<Sets/>`` (as
    some tools write) is accepted. Raises InputFileError for an unreadable, unsafe or code-less file."""
    try:
        size = path.stat().st_size
        if size > MAX_ENTRY_BYTES:
            raise InputFileError("refused: larger than a codebook can be", where=str(path))
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", where=str(path)) from None
    root = parse_xml(data, str(path))
    if local(root.tag) != "CodeBook":
        raise InputFileError(f"not a REFI-QDA codebook: the root element is <{local(root.tag)}>, not <CodeBook>",
                             where=str(path))
    codes = next((c for c in root if local(c.tag) == "Codes"), None)
    sets = next((c for c in root if local(c.tag) == "Sets"), None)
    result, _ = read_code_tree(codes, sets, name or path.stem, str(path))
    if not result.codes:
        raise InputFileError("no codes in the file", where=str(path))
    return result

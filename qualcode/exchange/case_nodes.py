"""NVivo-style case nodes in a ``.qdpx`` (`qualcode export --case-nodes`), so QualCoder and NVivo link participants
to their text.

QualCoder (``clean_up_case_codes_and_case_text`` in its ``refi.py``) and NVivo link a case to text only through a
``Code`` whose GUID is the ``Case``'s GUID: the codings of that code become the case's text, and the code itself
is dropped. With the option, each participant gets such a code (at the top level, so no empty category stays
behind), coded on their whole document (one-to-one interviews) or on each of their turns (focus groups), by the
user ``qualcode``. The REFI-QDA schema sets no uniqueness on GUIDs; without the option no such code is written,
as other tools would show one extra code per participant. qualcode's importer reads such codes back as case
links, never as codes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from qualcode.exchange.xmlsafe import PROJECT_NS

CASE_USER = "qualcode"


def _tag(name: str) -> str:
    return f"{{{PROJECT_NS}}}{name}"


def _ensure(root: ET.Element, name: str, before: Sequence[str]) -> ET.Element:
    """``root``'s child ``name``, created in schema order (before the first of ``before`` present)."""
    found = root.find(_tag(name))
    if found is not None:
        return found
    element = ET.Element(_tag(name))
    index = next((i for i, c in enumerate(root) if c.tag in {_tag(b) for b in before}), len(root))
    root.insert(index, element)
    return element


def add_case_nodes(root: ET.Element, people: Sequence[tuple[str, str, str]],
                   spans: dict[str, list[tuple[str, int, int]]], guid, user_guid) -> int:
    """Add to the project ``root`` a case node per participant: ``people`` is ``(participant id, shown name, case
    GUID)``; ``spans`` maps a participant id to ``(document GUID, start, end)`` spans that are theirs; ``guid``
    derives GUIDs from keys and ``user_guid`` a user's. Returns how many codings were added."""
    later = ("Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs", "Description", "NoteRef")
    users = _ensure(root, "Users", ("CodeBook", *later))
    if not any(u.get("name") == CASE_USER for u in users):
        ET.SubElement(users, _tag("User"), {"guid": user_guid(CASE_USER), "name": CASE_USER})
    codes = _ensure(_ensure(root, "CodeBook", later), "Codes", ())
    sources = {s.get("guid"): s for s in root.iter(_tag("TextSource"))}
    added = 0
    for person, shown, case_guid in people:
        mine = [s for s in spans.get(person, []) if s[0] in sources]
        if not mine:
            continue
        ET.SubElement(codes, _tag("Code"), {"guid": case_guid, "name": shown, "isCodable": "true"})
        for doc_guid, start, end in mine:
            source = sources[doc_guid]
            at = next((i for i, c in enumerate(source) if c.tag == _tag("VariableValue")), len(source))
            selection = ET.Element(_tag("PlainTextSelection"), {
                "guid": guid("case node", person, doc_guid, start, end), "name": shown,
                "startPosition": str(start), "endPosition": str(end), "creatingUser": user_guid(CASE_USER)})
            coding = ET.SubElement(selection, _tag("Coding"), {"guid": guid("case node coding", person, doc_guid,
                                                                            start, end),
                                                               "creatingUser": user_guid(CASE_USER)})
            ET.SubElement(coding, _tag("CodeRef"), {"targetGUID": case_guid})
            source.insert(at, selection)
            added += 1
    return added

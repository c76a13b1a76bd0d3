"""A qualcode project as a REFI-QDA project (``.qdpx``): a zip holding ``project.qde`` and ``sources/``.

What goes where (see docs/formats.md):

- ``Users``: the coders of the exported codings.
- ``CodeBook``: the codebook's codes with their hierarchy and colours; the label is the ``name``, the
  definition and the qualcode id are the ``Description`` (``qualcode id: ID`` on its last line).
- ``Variables``: one per participant attribute and document attribute, typed Integer, Float, Boolean or Text
  from the values.
- ``Cases``: one per participant with their ``VariableValue``s. The only respondent participant of a document
  refers to it by ``SourceRef``; in a document with several participants (a focus group), each refers to the
  ``PlainTextSelection``s of their turns by ``SelectionRef``.
- ``Sources``: a ``TextSource`` per document whose ``internal://GUID.txt`` is the stored text (UTF-8), a
  ``PlainTextSelection`` per coding (code-point offsets, end exclusive) holding its ``Coding``, and the
  document's attributes as ``VariableValue``s.
- ``Notes``: whatever :class:`NoteItem`\\ s the caller passes (memos, once the project has them).
- ``Sets``: the codebook's groups.

GUIDs are UUID 5 of stable keys (a code's id, a document's id, a coding's document, span, code and coder), and
the zip's entries are written in a fixed order with a fixed date: the same project exports to the same bytes.

After ``qualcode pseudonymise`` the sources hold the pseudonymised text and every selection's positions are
remapped onto it (:func:`qualcode.codings.pseudonyms.remap`), so each coding still covers the same words;
attribute values and notes are pseudonymised too.
"""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.codebook.load import Codebook
from qualcode.codings.pseudonyms import Pseudonyms, hide_codebook, remap
from qualcode.exchange.archive import write_zip
from qualcode.exchange.xmlsafe import PROJECT_NS, serialise
from qualcode.model import Role
from qualcode.project.store import CodingRow, DocumentRow, MemoRow, Store, TurnRow

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/qualcode/qualcode/refi-qda")
ID_LINE = "qualcode id: "
ROLE_LINE = "qualcode role: "
STATUS_LINE = "qualcode status: "
TIMESTAMPS_LINE = "qualcode turn timestamps: "
_INTEGER = re.compile(r"^-?(0|[1-9][0-9]*)$")
_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)\.[0-9]+$")
SELECTION_NAME_LENGTH = 80


def guid(*key: object) -> str:
    """A GUID derived from ``key`` (always the same for the same key)."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(str(k) for k in key)))


def code_guid(code_id: str) -> str:
    """The GUID of a code."""
    return guid("code", code_id)


def document_guid(doc_id: str) -> str:
    """The GUID of a document's ``TextSource``."""
    return guid("document", doc_id)


def user_guid(coder: str) -> str:
    """The GUID of a coder's ``User``."""
    return guid("user", coder)


@dataclass(frozen=True)
class NoteItem:
    """A note to export: ``target`` is ``code:ID``, ``document:ID`` or ``""`` (the project); ``author`` a
    coder name (may be empty)."""

    target: str
    author: str
    text: str


def memo_notes(memos: Sequence[MemoRow], coding_documents: Mapping[str, str]) -> list[NoteItem]:
    """The project's memos as notes: on a document or a code as that object's note; on a participant as a
    project note and on a coding as its document's note, each saying what it is about (REFI-QDA has no note
    reference on cases' or codings' own elements that every tool reads). ``coding_documents`` maps a coding id
    (as text) to its document."""
    notes = []
    for memo in memos:
        if memo.kind in ("document", "code"):
            notes.append(NoteItem(f"{memo.kind}:{memo.target}", memo.author, memo.text))
        elif memo.kind == "coding" and memo.target in coding_documents:
            notes.append(NoteItem(f"document:{coding_documents[memo.target]}", memo.author,
                                  f"On coding {memo.target}: {memo.text}"))
        else:
            notes.append(NoteItem("", memo.author, f"On {memo.kind} {memo.target}: {memo.text}"))
    return notes


@dataclass(frozen=True)
class ExportSummary:
    """What a ``.qdpx`` export holds."""

    path: Path
    documents: int
    codes: int
    codings: int
    cases: int
    variables: int
    users: int
    sets: int
    notes: int = 0
    unknown_codes: tuple[str, ...] = ()  # codes of exported codings that are not in the codebook


def variable_type(values: Iterable[str]) -> str:
    """The REFI type of an attribute from its non-empty values: Boolean when all are ``true``/``false``, Integer
    when all are whole numbers written plainly, Float when all are decimals (or whole numbers), else Text."""
    values = [v for v in values if v != ""]
    if not values:
        return "Text"
    if all(v in ("true", "false") for v in values):
        return "Boolean"
    if all(_INTEGER.match(v) for v in values):
        return "Integer"
    if all(_INTEGER.match(v) or _DECIMAL.match(v) for v in values):
        return "Float"
    return "Text"


_VALUE_ELEMENT = {"Text": "TextValue", "Boolean": "BooleanValue", "Integer": "IntegerValue", "Float": "FloatValue"}


def _sub(parent: ET.Element, name: str, attributes: dict[str, str] | None = None, text: str | None = None
         ) -> ET.Element:
    element = ET.SubElement(parent, f"{{{PROJECT_NS}}}{name}",
                            {k: _xml_text(v) for k, v in (attributes or {}).items()})
    if text is not None:
        element.text = _xml_text(text)
    return element


def _xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (control characters other than tab and newlines)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "\ufffd", text)


@dataclass
class _Variables:
    types: dict[str, str] = field(default_factory=dict)

    def value(self, parent: ET.Element, name: str, value: str) -> None:
        kind = self.types[name]
        element = _sub(parent, "VariableValue")
        _sub(element, "VariableRef", {"targetGUID": guid("variable", name)})
        _sub(element, _VALUE_ELEMENT[kind], text=_xml_text(value))


def code_description(definition: str, code_id: str) -> str:
    """A code's ``Description``: its definition, then ``qualcode id: ID`` on the last line."""
    definition = " ".join(definition.split())
    return f"{definition}\n{ID_LINE}{code_id}" if definition else f"{ID_LINE}{code_id}"


def _codes(parent: ET.Element, book: Codebook | None, extra: Sequence[str], namespace: str = PROJECT_NS) -> None:
    codes_element = ET.SubElement(parent, f"{{{namespace}}}Codes")
    made: dict[str | None, ET.Element] = {None: codes_element}
    for code in book.codes if book else ():
        attributes = {"guid": code_guid(code.id), "name": _xml_text(code.label), "isCodable": "true"}
        if code.color:
            attributes["color"] = code.color
        element = ET.SubElement(made[code.parent], f"{{{namespace}}}Code", attributes)
        ET.SubElement(element, f"{{{namespace}}}Description").text = _xml_text(
            code_description(code.definition, code.id))
        made[code.id] = element
    for code_id in extra:
        element = ET.SubElement(codes_element, f"{{{namespace}}}Code",
                                {"guid": code_guid(code_id), "name": code_id, "isCodable": "true"})
        ET.SubElement(element, f"{{{namespace}}}Description").text = code_description("", code_id)


def _selection_name(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SELECTION_NAME_LENGTH else flat[:SELECTION_NAME_LENGTH - 1] + "…"


def _case_refs(documents: Sequence[DocumentRow], turns: dict[str, list[TurnRow]]
               ) -> tuple[dict[str, list[str]], dict[str, list[tuple[str, TurnRow]]]]:
    """``participant -> documents referred to whole`` and ``participant -> (document, turn)`` selections.

    A turn one speaker interprets for another (``Mỹ: [translating] She says…``, P80's words under Mỹ's label) is
    no selection of P80's: its label belongs to the participant of its direct turns, and ingest gives the turn
    to P80 again from its note."""
    whole: dict[str, list[str]] = {}
    selected: dict[str, list[tuple[str, TurnRow]]] = {}
    for doc in documents:
        speaking = [t for t in turns.get(doc.id, []) if t.participant and t.end > t.start]
        respondents = {t.participant for t in speaking if t.role is Role.RESPONDENT}
        owner: dict[str, str] = {}  # label -> the participant of its turns of direct speech
        for turn in speaking:
            if turn.interpreted is None and turn.label:
                owner.setdefault(turn.label.casefold(), turn.participant)
        for turn in speaking:
            if turn.label and owner.get(turn.label.casefold(), turn.participant) != turn.participant:
                continue
            if turn.role is Role.RESPONDENT and len(respondents) == 1:
                if doc.id not in whole.setdefault(turn.participant, []):
                    whole[turn.participant].append(doc.id)
            else:
                selected.setdefault(turn.participant, []).append((doc.id, turn))
    return whole, selected


def turn_guid(doc_id: str, number: int) -> str:
    """The GUID of the selection standing for one turn's speech (a focus-group speaker's case refers to it)."""
    return guid("turn", doc_id, number)


def build_project(name: str, store: Store, book: Codebook | None, codings: Sequence[CodingRow],
                  attributes: Sequence[str], notes: Sequence[NoteItem] = (), pseudonyms: Pseudonyms | None = None
                  ) -> tuple[bytes, list[tuple[str, bytes]], ExportSummary]:
    """``project.qde``'s bytes, the source entries ``(name, bytes)`` and a summary, for the project's documents,
    participants (with the ``attributes`` asked for), codebook ``book`` and the selected ``codings``. With
    ``pseudonyms`` the sources hold the pseudonymised text, every selection's positions are remapped onto it
    (covering the same words), and attribute values, notes, source and case names and the codebook's texts are
    pseudonymised."""
    hidden = pseudonyms.apply if pseudonyms is not None else str
    shown_id = pseudonyms.document if pseudonyms is not None else str
    book = hide_codebook(pseudonyms, book)  # labels and definitions as outputs show them; ids unchanged
    name = pseudonyms.apply(name, any_case=True) if pseudonyms is not None else name
    documents = store.documents()
    turns: dict[str, list[TurnRow]] = {}
    for t in store.turns():
        turns.setdefault(t.document, []).append(t)
    people = store.participants()
    known_codes = {c.id for c in book.codes} if book else set()
    extra = sorted({c.code for c in codings} - known_codes)
    coders = sorted({c.coder for c in codings} | {n.author for n in notes if n.author})

    root = ET.Element(f"{{{PROJECT_NS}}}Project", {"name": name, "origin": "qualcode"})
    if coders:
        users = _sub(root, "Users")
        for coder in coders:
            _sub(users, "User", {"guid": user_guid(coder), "name": coder})
    if book is not None and book.codes or extra:
        _codes(_sub(root, "CodeBook"), book, extra)

    variables = _Variables()
    case_values = {p.id: {a: hidden(p.attributes.get(a, "")) for a in attributes if p.attributes.get(a, "") != ""}
                   for p in people}
    doc_values = {d.id: {k: hidden(v) for k, v in sorted(d.attributes.items()) if v != ""} for d in documents}
    names = list(dict.fromkeys([*attributes, *sorted({k for v in doc_values.values() for k in v})]))
    for variable in names:
        values = [v[variable] for v in (*case_values.values(), *doc_values.values()) if variable in v]
        if values:
            variables.types[variable] = variable_type(values)
    if variables.types:
        element = _sub(root, "Variables")
        for variable, kind in variables.types.items():
            _sub(element, "Variable", {"guid": guid("variable", variable), "name": variable, "typeOfVariable": kind})

    whole, selected = _case_refs(documents, turns)
    roles = {t.participant: t.role_name for ts in turns.values() for t in ts if t.participant and t.role_name}
    if people:
        cases = _sub(root, "Cases")
        for person in people:
            case = _sub(cases, "Case", {"guid": guid("case", person.id), "name": hidden(person.id)})
            if person.id in roles:
                _sub(case, "Description", text=_xml_text(f"{ROLE_LINE}{roles[person.id]}"))
            for variable, value in case_values[person.id].items():
                variables.value(case, variable, value)
            for doc_id in whole.get(person.id, []):
                _sub(case, "SourceRef", {"targetGUID": document_guid(doc_id)})
            for doc_id, turn in selected.get(person.id, []):
                _sub(case, "SelectionRef", {"targetGUID": turn_guid(doc_id, turn.number)})

    by_document: dict[str, list[CodingRow]] = {}
    for c in codings:
        by_document.setdefault(c.document, []).append(c)
    turn_selections = {(doc_id, t.number) for refs in selected.values() for doc_id, t in refs}
    entries: list[tuple[str, bytes]] = []
    seen: Counter = Counter()
    notes = [NoteItem(n.target, n.author, hidden(n.text)) for n in notes]
    note_guids = [guid("note", note.target, note.author, note.text, i) for i, note in enumerate(notes)]
    note_refs: dict[str, list[str]] = {}
    for note, note_guid in zip(notes, note_guids):
        note_refs.setdefault(note.target, []).append(note_guid)
    if documents:
        sources = _sub(root, "Sources")
        for doc in documents:
            doc_guid = document_guid(doc.id)
            text, moved = remap(doc.text, pseudonyms)
            entries.append((f"sources/{doc_guid}.txt", text.encode("utf-8")))
            source = _sub(sources, "TextSource", {"guid": doc_guid, "name": shown_id(doc.id),
                                                  "plainTextPath": f"internal://{doc_guid}.txt"})
            stamps = {t.number: t.timestamp for t in turns.get(doc.id, []) if t.timestamp}
            if stamps:  # subtitle cue times are not in the text: kept for a qualcode that imports this
                _sub(source, "Description", text=_xml_text(TIMESTAMPS_LINE + json.dumps(stamps, ensure_ascii=False)))
            for turn in turns.get(doc.id, []):
                if (doc.id, turn.number) in turn_selections:
                    _sub(source, "PlainTextSelection", {
                        "guid": turn_guid(doc.id, turn.number), "name": f"turn {turn.number}",
                        "startPosition": str(moved.start(turn.start)), "endPosition": str(moved.end(turn.end))})
            for c in by_document.get(doc.id, []):
                key = (c.document, c.start, c.end, c.code, c.coder)
                seen[key] += 1
                selection_guid = guid("coding", *key, seen[key])
                start, end = moved.start(c.start), moved.end(c.end)
                name_text = text[start:end] if pseudonyms is not None else c.text
                attributes = {"guid": selection_guid, "name": _selection_name(name_text),
                              "startPosition": str(start), "endPosition": str(end),
                              "creatingUser": user_guid(c.coder)}
                selection = _sub(source, "PlainTextSelection", attributes)
                if c.status != "accepted":
                    _sub(selection, "Description", text=f"{STATUS_LINE}{c.status}")
                coding = _sub(selection, "Coding", {"guid": guid("coding-of", selection_guid),
                                                    "creatingUser": user_guid(c.coder)})
                _sub(coding, "CodeRef", {"targetGUID": code_guid(c.code)})
            for ref in note_refs.get(f"document:{doc.id}", []):
                _sub(source, "NoteRef", {"targetGUID": ref})
            for variable, value in doc_values[doc.id].items():
                variables.value(source, variable, value)
    if notes:
        element = _sub(root, "Notes")
        for note, note_guid in zip(notes, note_guids):
            attributes = {"guid": note_guid, "name": hidden(note.target) or name}
            if note.author:
                attributes["creatingUser"] = user_guid(note.author)
            _sub(_sub(element, "Note", attributes), "PlainTextContent", text=_xml_text(note.text))
    groups = book.groups if book else {}
    if groups:
        sets = _sub(root, "Sets")
        for group, members in groups.items():
            element = _sub(sets, "Set", {"guid": guid("set", group), "name": group})
            for member in members:
                _sub(element, "MemberCode", {"targetGUID": code_guid(member)})
    for ref in note_refs.get("", []):
        _sub(root, "NoteRef", {"targetGUID": ref})
    _attach_code_notes(root, note_refs)
    summary = ExportSummary(Path(), len(documents), (len(book.codes) if book else 0) + len(extra), len(codings),
                            len(people), len(variables.types), len(coders), len(groups), len(notes), tuple(extra))
    return serialise(root, PROJECT_NS), entries, summary


def _attach_code_notes(root: ET.Element, note_refs: dict[str, list[str]]) -> None:
    """Put each code's NoteRefs right after its Description (the schema's order)."""
    for element in root.iter(f"{{{PROJECT_NS}}}Code"):
        description = element.find(f"{{{PROJECT_NS}}}Description")
        code_id = (description.text or "").rsplit(ID_LINE, 1)[-1] if description is not None else ""
        for offset, ref in enumerate(note_refs.get(f"code:{code_id}", []), start=1):
            element.insert(offset, ET.Element(f"{{{PROJECT_NS}}}NoteRef", {"targetGUID": ref}))


def write_qdpx(path: Path, qde: bytes, entries: Sequence[tuple[str, bytes]]) -> None:
    """Write the ``.qdpx`` zip: ``project.qde`` first, then the sources in the given order."""
    write_zip(path, [("project.qde", qde), *entries])

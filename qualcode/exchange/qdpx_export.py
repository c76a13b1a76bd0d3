"""A qualcode project as a REFI-QDA project (``.qdpx``): a zip holding ``project.qde`` and ``sources/``.

What goes where (see docs/formats.md; every choice is measured against QualCoder's own importer in
tests/test_qualcoder.py):

- ``Users``: the coders of the exported codings and the authors of memos and notes.
- ``CodeBook``: the codebook's codes with their hierarchy and colours (``#RRGGBB``); the label is the
  ``name``; the ``Description`` holds the definition, include, exclude, examples, the code's memos and
  ``qualcode id: ID`` (:mod:`qualcode.exchange.descriptions`).
- ``Variables``: one per attribute and owner kind, typed Integer, Float, Boolean, Date or Text from the values.
  A document attribute with the name of an exported participant attribute is its own variable,
  ``NAME (document)``, whose Description says ``qualcode attribute: NAME`` (QualCoder keeps one kind per name).
- ``Cases``: one per participant with their ``VariableValue``s and, in the ``Description``, their memos, role
  and the speaker labels that are theirs. The only respondent of a document refers to it by ``SourceRef``; a
  focus-group speaker refers by ``SelectionRef`` to the coded selections inside their own turns (no selection
  is written without a coding: QualCoder and MAXQDA read a bare selection as an annotation).
- ``Sources``: a ``TextSource`` per document whose ``internal://GUID.txt`` is the stored text (UTF-8), with the
  document's memos as its ``Description``; a ``PlainTextSelection`` per coding (code-point offsets, end
  exclusive) holding its ``Coding``, with the coding's memos — and, for an unreviewed or rejected coding
  exported on request, its status first — as the selection's ``Description``; the document's attributes as
  ``VariableValue``s.
- ``Notes``: project-wide notes, each dated and in its own ``sources/GUID.txt`` (QualCoder reads them as
  journal entries).
- ``Sets``: the codebook's groups; the project's ``Description`` names the codebook and its version.

GUIDs are UUID 5 of stable keys (a code's id, a document's id, a coding's document, span, code and coder), and
the zip's entries are written in a fixed order with a fixed date: the same project exports to the same bytes.

After ``qualcode pseudonymise`` the sources hold the pseudonymised text and every selection's positions are
remapped onto it (:func:`qualcode.codings.pseudonyms.remap`), so each coding still covers the same words;
attribute values, memos and notes are pseudonymised too.
"""

from __future__ import annotations

import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from qualcode.codebook.load import Code, Codebook
from qualcode.codings.pseudonyms import Pseudonyms, hide_codebook, remap
from qualcode.errors import QualcodeError
from qualcode.exchange.archive import write_zip
from qualcode.exchange.descriptions import (
    ATTRIBUTE_LINE,
    CODEBOOK_LINE,
    FIXED_DATE,
    ID_LINE,
    ROLE_LINE,
    SPEAKER_LINE,
    STATUS_LINE,
    TIMESTAMPS_LINE,
    VERSION_LINE,
    Memo,
    code_text,
    compose,
    status_line,
    xsd_datetime,
)
from qualcode.exchange.xmlsafe import PROJECT_NS, serialise
from qualcode.model import Role
from qualcode.project.store import CodingRow, DocumentRow, MemoRow, Store, TurnRow

__all__ = ["ID_LINE", "ROLE_LINE", "STATUS_LINE", "TIMESTAMPS_LINE", "ExportSummary", "NoteItem", "build_project",
           "code_description", "code_guid", "document_guid", "guid", "user_guid", "variable_type", "write_qdpx"]

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/qualcode/qualcode/refi-qda")
_INTEGER = re.compile(r"^-?(0|[1-9][0-9]*)$")
_DECIMAL = re.compile(r"^-?(0|[1-9][0-9]*)\.[0-9]+$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
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
    """A note to export besides the project's memos: ``target`` is ``code:ID``, ``document:ID`` (written as a
    memo in that object's Description) or ``""`` (a project note: a ``Note``); ``author`` a coder name (may be
    empty); ``date`` ISO 8601 (default: the fixed export date)."""

    target: str
    author: str
    text: str
    date: str = ""


@dataclass(frozen=True)
class ExportSummary:
    """What a ``.qdpx`` export holds (``memos``: the project's memos, each in its object's Description)."""

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
    memos: int = 0


def variable_type(values: Iterable[str]) -> str:
    """The REFI type of an attribute from its non-empty values: Boolean when all are ``true``/``false``, Integer
    when all are whole numbers written plainly, Float when all are decimals (or whole numbers), Date when all
    are calendar dates written ``YYYY-MM-DD``, else Text."""
    values = [v for v in values if v != ""]
    if not values:
        return "Text"
    if all(v in ("true", "false") for v in values):
        return "Boolean"
    if all(_INTEGER.match(v) for v in values):
        return "Integer"
    if all(_INTEGER.match(v) or _DECIMAL.match(v) for v in values):
        return "Float"
    if all(_DATE.match(v) and _is_date(v) for v in values):
        return "Date"
    return "Text"


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


_VALUE_ELEMENT = {"Text": "TextValue", "Boolean": "BooleanValue", "Integer": "IntegerValue", "Float": "FloatValue",
                  "Date": "DateValue"}


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


def _color(value: str | None) -> str | None:
    """``#RGB`` or ``#RRGGBB`` as ``#RRGGBB`` upper case (QualCoder reads only six digits: ``#abc`` would turn
    grey)."""
    if not value or not re.fullmatch(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})", value):
        return None
    digits = value[1:] if len(value) == 7 else "".join(ch * 2 for ch in value[1:])
    return "#" + digits.upper()


@dataclass
class _Variables:
    """The variables: ``(owner kind, attribute) -> (variable name, type)``."""

    made: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def add(self, owner: str, name: str, values: list[str], taken: set[str]) -> None:
        if not values:
            return
        label, n = name, 1
        while label.casefold() in taken:  # participants keep the plain name; documents give way
            label = f"{name} (document)" if n == 1 else f"{name} (document {n})"
            n += 1
        taken.add(label.casefold())
        self.made[(owner, name)] = (label, variable_type(values))

    def value(self, parent: ET.Element, owner: str, name: str, value: str) -> None:
        label, kind = self.made[(owner, name)]
        element = _sub(parent, "VariableValue")
        _sub(element, "VariableRef", {"targetGUID": guid("variable", owner, label)})
        _sub(element, _VALUE_ELEMENT[kind], text=value)

    def write(self, root: ET.Element) -> None:
        if not self.made:
            return
        element = _sub(root, "Variables")
        for (owner, name), (label, kind) in self.made.items():
            variable = _sub(element, "Variable", {"guid": guid("variable", owner, label), "name": label,
                                                  "typeOfVariable": kind})
            if label != name:
                _sub(variable, "Description", text=f"{ATTRIBUTE_LINE}{name}")


def code_description(code: Code | None, code_id: str, memos: Sequence[Memo] = ()) -> str:
    """A code's ``Description``: its definition, include, exclude, examples and counterexamples, its memos, then
    ``qualcode id: ID`` on the last line."""
    human = code_text(code.definition, code.include, code.exclude, code.examples, code.counterexamples) \
        if code is not None else ""
    return compose(human, memos, [f"{ID_LINE}{code_id}"])


def _codes(parent: ET.Element, book: Codebook | None, extra: Sequence[str], namespace: str = PROJECT_NS,
           memos: dict[str, list[Memo]] | None = None) -> None:
    """The ``Codes`` tree; a code whose parent is not in the codebook goes to the top level."""
    memos = memos or {}
    codes_element = ET.SubElement(parent, f"{{{namespace}}}Codes")
    made: dict[str | None, ET.Element] = {None: codes_element}
    for code in book.codes if book else ():
        attributes = {"guid": code_guid(code.id), "name": _xml_text(code.label),
                      "isCodable": "true" if code.codable else "false"}
        color = _color(code.color)
        if color:
            attributes["color"] = color
        element = ET.SubElement(made.get(code.parent, codes_element), f"{{{namespace}}}Code", attributes)
        ET.SubElement(element, f"{{{namespace}}}Description").text = _xml_text(
            code_description(code, code.id, memos.get(code.id, ())))
        made[code.id] = element
    for code_id in extra:
        element = ET.SubElement(codes_element, f"{{{namespace}}}Code",
                                {"guid": code_guid(code_id), "name": code_id, "isCodable": "true"})
        ET.SubElement(element, f"{{{namespace}}}Description").text = _xml_text(
            code_description(None, code_id, memos.get(code_id, ())))


def _selection_name(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SELECTION_NAME_LENGTH else flat[:SELECTION_NAME_LENGTH - 1] + "…"


def _case_refs(documents: Sequence[DocumentRow], turns: dict[str, list[TurnRow]]
               ) -> tuple[dict[str, list[str]], dict[str, list[tuple[str, TurnRow]]]]:
    """``participant -> documents referred to whole`` and ``participant -> (document, turn)`` of their own turns
    in documents with several speakers.

    A turn one speaker interprets for another (``Mỹ: [translating] She says…``, P80's words under Mỹ's label) is
    no turn of P80's here: its label belongs to the participant of its direct turns, and ingest gives the turn
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


def _memos(memos: Sequence[MemoRow], notes: Sequence[NoteItem], hidden) -> dict[str, list[Memo]]:
    """``kind:target -> memos`` (oldest first), memo texts pseudonymised; notes on a code or document join
    them."""
    out: dict[str, list[Memo]] = {}
    for memo in sorted(memos, key=lambda m: (m.created, m.id)):
        out.setdefault(f"{memo.kind}:{memo.target}", []).append(Memo(memo.author, memo.created, hidden(memo.text)))
    for note in notes:
        if note.target:
            out.setdefault(note.target, []).append(Memo(note.author, note.date or FIXED_DATE, hidden(note.text)))
    return out


def build_project(name: str, store: Store, book: Codebook | None, codings: Sequence[CodingRow],
                  attributes: Sequence[str], notes: Sequence[NoteItem] = (), pseudonyms: Pseudonyms | None = None,
                  case_nodes: bool = False) -> tuple[bytes, list[tuple[str, bytes]], ExportSummary]:
    """``project.qde``'s bytes, the entries ``(name, bytes)`` of the sources and notes, and a summary, for the
    project's documents, participants (with the ``attributes`` asked for), memos, codebook ``book``, the
    selected ``codings`` and the extra ``notes``. With ``pseudonyms`` the sources hold the pseudonymised text,
    every selection's positions are remapped onto it (covering the same words), and attribute values, memos and
    notes, source and case names and the codebook's texts are
    pseudonymised. ``case_nodes`` adds NVivo-style case nodes (:mod:`qualcode.exchange.case_nodes`). Raises
    QualcodeError if two elements would share a GUID (never expected; a case node shares its case's on purpose)."""
    hidden = pseudonyms.apply if pseudonyms is not None else str
    shown_id = pseudonyms.document if pseudonyms is not None else str
    book = hide_codebook(pseudonyms, book)  # labels and definitions as outputs show them; ids unchanged
    name = pseudonyms.apply(name, any_case=True) if pseudonyms is not None else name
    documents = store.documents()
    turns: dict[str, list[TurnRow]] = {}
    for t in store.turns():
        turns.setdefault(t.document, []).append(t)
    people = store.participants()
    stored_memos = store.memos()
    memos = _memos(stored_memos, notes, hidden)
    project_notes = [n for n in notes if not n.target]
    known_codes = {c.id for c in book.codes} if book else set()
    extra = sorted({c.code for c in codings} - known_codes)
    authors = {m.author for ms in memos.values() for m in ms} | {n.author for n in project_notes}
    coders = sorted(({c.coder for c in codings} | authors) - {""})

    root = ET.Element(f"{{{PROJECT_NS}}}Project", {"name": name, "origin": "qualcode"})
    if coders:
        users = _sub(root, "Users")
        for coder in coders:
            _sub(users, "User", {"guid": user_guid(coder), "name": coder})
    if book is not None and book.codes or extra:
        _codes(_sub(root, "CodeBook"), book, extra, memos={k[5:]: v for k, v in memos.items()
                                                          if k.startswith("code:")})

    variables = _Variables()
    case_values = {p.id: {a: hidden(p.attributes.get(a, "")) for a in attributes if p.attributes.get(a, "") != ""}
                   for p in people}
    doc_values = {d.id: {k: hidden(v) for k, v in sorted(d.attributes.items()) if v != ""} for d in documents}
    taken: set[str] = set()
    for variable in attributes:
        variables.add("participant", variable, [v[variable] for v in case_values.values() if variable in v], taken)
    for variable in sorted({k for v in doc_values.values() for k in v}):
        variables.add("document", variable, [v[variable] for v in doc_values.values() if variable in v], taken)
    variables.write(root)

    whole, selected = _case_refs(documents, turns)
    by_document: dict[str, list[CodingRow]] = {}
    for c in codings:
        by_document.setdefault(c.document, []).append(c)
    selection_guids: dict[int, str] = {}
    seen: Counter = Counter()
    for c in codings:
        key = (c.document, c.start, c.end, c.code, c.coder)
        seen[key] += 1
        selection_guids[c.id] = guid("coding", *key, seen[key])
    if people:
        roles = {t.participant: t.role_name for ts in turns.values() for t in ts if t.participant and t.role_name}
        cases = _sub(root, "Cases")
        for person in people:
            case = _sub(cases, "Case", {"guid": guid("case", person.id), "name": hidden(person.id)})
            mine = selected.get(person.id, [])
            machine = [f"{ROLE_LINE}{roles[person.id]}"] if person.id in roles else []
            machine += [f"{SPEAKER_LINE}{shown_id(doc_id)}: {hidden(label)}" for doc_id, label in
                        dict.fromkeys((doc_id, t.label) for doc_id, t in mine if t.label)]
            description = compose("", memos.get(f"participant:{person.id}", ()), machine)
            if description:
                _sub(case, "Description", text=description)
            for variable, value in case_values[person.id].items():
                variables.value(case, "participant", variable, value)
            for doc_id in whole.get(person.id, []):
                _sub(case, "SourceRef", {"targetGUID": document_guid(doc_id)})
            for doc_id, turn in mine:  # the codings inside their own turns: no selection exists without one
                for c in by_document.get(doc_id, []):
                    if turn.start <= c.start and c.end <= turn.end:
                        _sub(case, "SelectionRef", {"targetGUID": selection_guids[c.id]})

    entries: list[tuple[str, bytes]] = []
    exported: dict[str, tuple[int, object]] = {}  # document -> (length of the exported text, its position map)
    if documents:
        sources = _sub(root, "Sources")
        for doc in documents:
            doc_guid = document_guid(doc.id)
            text, moved = remap(doc.text, pseudonyms)
            exported[doc.id] = (len(text), moved)
            entries.append((f"sources/{doc_guid}.txt", text.encode("utf-8")))
            source = _sub(sources, "TextSource", {"guid": doc_guid, "name": shown_id(doc.id),
                                                  "plainTextPath": f"internal://{doc_guid}.txt"})
            stamps = {t.number: t.timestamp for t in turns.get(doc.id, []) if t.timestamp}
            # subtitle cue times are not in the text: kept for a qualcode that imports this
            machine = [TIMESTAMPS_LINE + json.dumps(stamps, ensure_ascii=False)] if stamps else []
            description = compose("", memos.get(f"document:{doc.id}", ()), machine)
            if description:
                _sub(source, "Description", text=description)
            for c in by_document.get(doc.id, []):
                start, end = moved.start(c.start), moved.end(c.end)
                name_text = text[start:end] if pseudonyms is not None else c.text
                selection = _sub(source, "PlainTextSelection", {
                    "guid": selection_guids[c.id], "name": _selection_name(name_text), "startPosition": str(start),
                    "endPosition": str(end), "creatingUser": user_guid(c.coder)})
                first = [status_line(c.status)] if c.status != "accepted" else []
                description = compose("", memos.get(f"coding:{c.id}", ()), first=first)
                if description:
                    _sub(selection, "Description", text=description)
                coding = _sub(selection, "Coding", {"guid": guid("coding-of", selection_guids[c.id]),
                                                    "creatingUser": user_guid(c.coder)})
                _sub(coding, "CodeRef", {"targetGUID": code_guid(c.code)})
            for variable, value in doc_values[doc.id].items():
                variables.value(source, "document", variable, value)
    note_guids = _notes(root, project_notes, name, hidden, entries)
    groups = book.groups if book else {}
    if groups:
        sets = _sub(root, "Sets")
        for group, members in groups.items():
            element = _sub(sets, "Set", {"guid": guid("set", group), "name": group})
            for member in members:
                _sub(element, "MemberCode", {"targetGUID": code_guid(member)})
    if book is not None:
        lines = [f"{CODEBOOK_LINE}{book.name}", f"{VERSION_LINE}{book.version}"]
        _sub(root, "Description", text=compose(machine=lines))
    for ref in note_guids:
        _sub(root, "NoteRef", {"targetGUID": ref})
    if case_nodes and people:
        from qualcode.exchange.case_nodes import add_case_nodes

        spans: dict[str, list[tuple[str, int, int]]] = {}
        for person in people:
            for doc_id in whole.get(person.id, []):
                spans.setdefault(person.id, []).append((document_guid(doc_id), 0, exported[doc_id][0]))
            for doc_id, turn in selected.get(person.id, []):
                moved = exported[doc_id][1]
                spans.setdefault(person.id, []).append((document_guid(doc_id), moved.start(turn.start),  # type: ignore[attr-defined]
                                                        moved.end(turn.end)))  # type: ignore[attr-defined]
        add_case_nodes(root, [(p.id, hidden(p.id), guid("case", p.id)) for p in people], spans, guid, user_guid)
    _check_unique(root)
    exported_memos = sum(len(v) for v in memos.values()) - sum(1 for n in notes if n.target)
    summary = ExportSummary(Path(), len(documents), (len(book.codes) if book else 0) + len(extra), len(codings),
                            len(people), len(variables.made), len(coders), len(groups), len(notes), tuple(extra),
                            exported_memos)
    return serialise(root, PROJECT_NS), entries, summary


def _notes(root: ET.Element, notes: Sequence[NoteItem], project: str, hidden,
           entries: list[tuple[str, bytes]]) -> list[str]:
    """The project notes as dated ``Note``s whose text is ``sources/GUID.txt`` (unique names: QualCoder makes
    each a journal entry and fails on a repeated name); returns their GUIDs."""
    if not notes:
        return []
    element = _sub(root, "Notes")
    names: Counter = Counter()
    out = []
    for i, note in enumerate(notes):
        note_guid = guid("note", note.author, hidden(note.text), i)
        base = f"Note by {note.author}" if note.author else f"Note on {project}"
        names[base] += 1
        when = xsd_datetime(note.date) or FIXED_DATE
        attributes = {"guid": note_guid, "name": base if names[base] == 1 else f"{base} ({names[base]})",
                      "plainTextPath": f"internal://{note_guid}.txt", "creationDateTime": when,
                      "modifiedDateTime": when}
        if note.author:
            attributes["creatingUser"] = user_guid(note.author)
        _sub(element, "Note", attributes)
        entries.append((f"sources/{note_guid}.txt", hidden(note.text).encode("utf-8")))
        out.append(note_guid)
    return out


def _check_unique(root: ET.Element) -> None:
    """Raise QualcodeError when two elements carry the same GUID (tools merge or drop such objects)."""
    cases = {e.get("guid", "").lower() for e in root.iter(f"{{{PROJECT_NS}}}Case")}
    codes = f"{{{PROJECT_NS}}}Code"
    # a case node (--case-nodes) is a Code with its Case's GUID, as NVivo and QualCoder link cases to text
    counts = Counter(e.get("guid", "").lower() for e in root.iter() if e.get("guid")
                     and not (e.tag == codes and e.get("guid", "").lower() in cases))
    twice = [g for g, n in counts.items() if n > 1]
    if twice:
        raise QualcodeError(f"internal error: {len(twice)} GUIDs would be used twice in the export ({twice[0]}); "
                            "please report it")


def write_qdpx(path: Path, qde: bytes, entries: Sequence[tuple[str, bytes]]) -> None:
    """Write the ``.qdpx`` zip: ``project.qde`` first, then the sources and notes in the given order."""
    write_zip(path, [("project.qde", qde), *entries])

"""Memos and notes of a ``.qdpx``, each on the object it is about, as qualcode memos.

Where tools put them (measured against QualCoder's importer and exporter and the NVivo and ATLAS.ti samples):

- a ``Description`` of a ``PlainTextSelection`` (QualCoder, MAXQDA: the coding memo), a ``TextSource`` (the
  document memo), a ``Case`` (the participant memo); memos a qualcode export wrote there
  (``Memo (AUTHOR, DATE):`` blocks) come back one by one, with their author and date; other text is one memo by
  the element's ``creatingUser``. A ``Code``'s Description is its definition and guidance; only the memo blocks
  in it become code memos;
- a ``Note`` referred to by a ``NoteRef`` of a selection, source, case or code, or linked to a selection by a
  ``Link`` (NVivo): a memo on that object;
- a ``Note`` holding a ``PlainTextSelection`` (QualCoder's annotations), referred to by a source: a memo on that
  span of the document, quoting it (qualcode's memos are on documents, participants, codes and codings);
- the project's ``Description`` and Notes about nothing else: project notes (``notes/<archive>.md``), as
  qualcode has no memo on a whole project.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone

from qualcode.errors import Problem
from qualcode.exchange.descriptions import FIXED_DATE, parse, xsd_datetime
from qualcode.exchange.xmlsafe import child, children, local

OWNER_KINDS = {"TextSource": "document", "Case": "participant", "Code": "code", "PlainTextSelection": "coding"}
# Dates as tools and locales write them, besides ISO 8601 (tried in this order: day before month, as most of the
# world writes it).
_DATE_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M",
                 "%d.%m.%Y", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p")


@dataclass(frozen=True)
class ImportedMemo:
    """A memo as read: on a ``document``, ``participant``, ``code``, ``coding`` (``ref`` is the GUID of the
    source, case, code or selection), a ``span`` of a source (``ref`` its GUID, ``span`` the positions as
    written) or the ``project``; with its author, date (``xsd:dateTime``) and text."""

    kind: str
    ref: str
    author: str
    date: str
    text: str
    span: tuple[int, int] | None = None
    name: str = ""


def key(value: str | None) -> str:
    """A GUID as compared: braces dropped, lower case."""
    return (value or "").strip().strip("{}").lower()


def note_date(value: str | None) -> str | None:
    """A tool's date (ISO 8601, or day/month/year and the like) as ``xsd:dateTime`` in UTC, or None."""
    found = xsd_datetime(value or "")
    if found or not (value or "").strip():
        return found
    for pattern in _DATE_FORMATS:
        try:
            moment = datetime.strptime(value.strip(), pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return None


def _when(element: ET.Element, problems: list[Problem], where: str) -> str:
    written = [element.get(a) for a in ("creationDateTime", "modifiedDateTime") if element.get(a)]
    for value in written:
        found = note_date(value)
        if found:
            return found
    if written:
        problems.append(Problem(where, f"date {written[0]!r} is not a date qualcode reads; the memo is dated "
                                       f"{FIXED_DATE}", "warning"))
    return FIXED_DATE


def _author(element: ET.Element, users: dict[str, str]) -> str:
    return users.get(key(element.get("creatingUser") or element.get("modifyingUser")), "")


def description_memos(root: ET.Element, users: dict[str, str], problems: list[Problem], where: str
                      ) -> list[ImportedMemo]:
    """The memos in Descriptions of selections, sources, cases, codes and the project."""
    out: list[ImportedMemo] = []
    for element in root.iter():
        kind = "project" if element is root else OWNER_KINDS.get(local(element.tag))
        description = child(element, "Description") if kind else None
        if description is None or not (description.text or "").strip():
            continue
        parsed = parse(description.text)
        ref = key(element.get("guid"))
        label = f"{where}: {local(element.tag)} {element.get('name') or ref!r}"
        for memo in parsed.memos:
            out.append(ImportedMemo(kind, ref, memo.author, note_date(memo.date) or FIXED_DATE, memo.text))  # type: ignore[arg-type]
        human = "\n\n".join(p for p in (parsed.text, *(f"{t} {getattr(parsed, k)}" for k, t in
                                                        (("include", "Include:"), ("exclude", "Exclude:"))
                                                        if getattr(parsed, k))) if p)
        if kind != "code" and human.strip():
            out.append(ImportedMemo(kind, ref, _author(element, users), _when(element, problems, label),  # type: ignore[arg-type]
                                    human.strip(), name="Project description" if kind == "project" else ""))
    return out


def note_memos(root: ET.Element, users: dict[str, str], text_of, problems: list[Problem], where: str
               ) -> list[ImportedMemo]:
    """The ``Notes``, each on what refers to it (NoteRef, NVivo's Link), a span when it holds a selection, else
    the project. ``text_of(note, where)`` reads a note's text (inline or its ``plainTextPath``)."""
    owners: dict[str, tuple[str, str]] = {}
    for element in root.iter():
        kind = "project" if element is root else OWNER_KINDS.get(local(element.tag))
        for ref in children(element, "NoteRef"):
            if kind:
                owners.setdefault(key(ref.get("targetGUID")), (kind, key(element.get("guid"))))
    selections = {key(e.get("guid")) for e in root.iter() if local(e.tag) == "PlainTextSelection"}
    for links in children(root, "Links"):
        for link in children(links, "Link"):
            origin, target = key(link.get("originGUID")), key(link.get("targetGUID"))
            if target in selections:  # NVivo: a Note linked to a text selection is its memo
                owners.setdefault(origin, ("coding", target))
    out: list[ImportedMemo] = []
    for notes in children(root, "Notes"):
        for note in children(notes, "Note"):
            label = f"{where}: note {note.get('name') or key(note.get('guid'))!r}"
            text = text_of(note, label)
            if not text or not text.strip():
                continue
            kind, ref = owners.get(key(note.get("guid")), ("project", ""))
            span = None
            selection = child(note, "PlainTextSelection")
            if selection is not None and kind == "document":
                try:
                    span = (int(selection.get("startPosition", "")), int(selection.get("endPosition", "")))
                    kind = "span"
                except ValueError:
                    problems.append(Problem(label, "its selection has no whole-number positions; it is a memo on "
                                                   "the whole document", "warning"))
            out.append(ImportedMemo(kind, ref, _author(note, users), _when(note, problems, label), text.strip(),
                                    span, (note.get("name") or "").strip()))
    return out

"""A REFI-QDA project (``.qdpx`` from NVivo, ATLAS.ti, MAXQDA, QualCoder or qualcode) into a qualcode project.

Reading (:func:`read_qdpx`) is tolerant of what real tools write: ``project.qde`` or any single ``*.qde``
at the root, ``sources/`` or ``Sources/``, missing source files, ``PlainTextContent`` inline, CRLF text, and
NVivo's UTF-16 positions on text outside the Basic Multilingual Plane (detected per source and converted).

Bringing in (:func:`write_transcripts`, then ingest, then :func:`add_codings`):

- each text source becomes ``transcripts/<archive>/<name>.txt`` — its text normalised as ingest would
  (CRLF → LF, NFC), after front matter holding its variables — and is then ingested the normal way, so
  speaker labels, turns and participants follow the usual rules;
- cases become ``participants.csv`` rows: a case's variables are the participant's attributes; a case that
  refers to a whole source is the respondent of its speaker labels, a case that refers to selections is the
  speaker of the turns holding them;
- codes become ``codebooks/<name>.yaml`` (never over an existing file), sets its groups;
- codings come in with their coder (the ``creatingUser``'s name) at positions mapped through the text
  normalisation, so they cover the same characters;
- notes are written to ``notes/<archive>.md``;
- PDF, picture, audio and video sources, graphs and links are counted and reported, never silently dropped.
"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from qualcode.codebook.csv_import import CodebookImport, slug
from qualcode.errors import InputFileError, Problem
from qualcode.exchange.archive import Archive, open_archive
from qualcode.exchange.descriptions import ROLE_LINE, TIMESTAMPS_LINE, parse
from qualcode.exchange.positions import choose, mapper, normalise_with_map
from qualcode.exchange.qdc import read_code_tree
from qualcode.exchange.qdpx_memos import ImportedMemo, description_memos, note_memos
from qualcode.exchange.xmlsafe import child, children, local, parse_xml

UNSUPPORTED_SOURCES = {"PDFSource": "PDF source", "PictureSource": "picture source",
                       "AudioSource": "audio source", "VideoSource": "video source"}
_UNSAFE_NAME = re.compile(r'[\x00-\x1f/\\:*?"<>|]+')
_DOC_SUFFIX = re.compile(r"\.(docx?|txt|rtf|odt|md|pdf|html?)$", re.I)
STATUSES = ("accepted", "suggested", "rejected")
# What an import can leave behind, singular -> plural (the keys of ``dropped``).
DROPPED = {
    "PDF source": "PDF sources", "picture source": "picture sources", "audio source": "audio sources",
    "video source": "video sources", "link": "links", "graph": "graphs",
    "coding of a whole source": "codings of whole sources", "case coding": "case codings",
    "text source without text": "text sources without text",
    "coding on a source without text": "codings on sources without text",
    "source already in the project": "sources already in the project",
    "coding in a document that failed to ingest": "codings in documents that failed to ingest",
    "coding in a document whose text changed": "codings in documents whose text changed",
    "coding with an unknown code": "codings with unknown codes",
    "coding outside its text": "codings outside their text",
    "case link to a selection that is not there": "case links to selections that are not there",
    **{f"memo on a {kind} that did not come in": f"memos on {kind}s that did not come in"
       for kind in ("document", "participant", "code", "coding")},
}


def dropped_phrase(what: str, count: int) -> str:
    """``2 PDF sources``, ``1 link``: a count of something an import left behind."""
    return f"{count} {what if count == 1 else DROPPED.get(what, what)}"


@dataclass(frozen=True)
class Selection:
    """A ``PlainTextSelection`` as read: positions as written, and the codings on it."""

    guid: str
    start: int
    end: int
    name: str
    status: str  # "accepted" unless a qualcode export said otherwise
    codings: tuple[tuple[str, str], ...]  # (code GUID, creating user GUID)


@dataclass
class Source:
    """A text source: its raw text (None when the archive lacks it), selections and variable values."""

    guid: str
    name: str
    text: str | None
    selections: list[Selection] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    timestamps: dict[int, str] = field(default_factory=dict)  # turn number -> time (from a qualcode export)


@dataclass(frozen=True)
class Case:
    """A case: a person (usually) with variable values and the sources or selections that are theirs."""

    guid: str
    name: str
    role: str
    values: dict[str, str]
    sources: tuple[str, ...]
    selections: tuple[str, ...]
    speakers: tuple[tuple[str, str], ...] = ()  # (source name, speaker label), as a qualcode export says


@dataclass
class QdpxProject:
    """Everything read from a ``.qdpx`` that qualcode can use, and what it could not."""

    path: Path
    name: str
    users: dict[str, str]
    codebook: CodebookImport
    code_ids: dict[str, str]  # code GUID -> code id
    variables: list[str]  # variable names in the project's order
    sources: list[Source]
    cases: list[Case]
    notes: list[tuple[str, str, str, tuple[str, ...]]]  # (name, author, text, what refers to it)
    dropped: Counter = field(default_factory=Counter)  # what could not come over -> how many
    problems: list[Problem] = field(default_factory=list)
    origin: str = ""  # the exporting software, as the archive names it
    memos: list[ImportedMemo] = field(default_factory=list)  # memos on documents, cases, codes, selections, spans


@dataclass
class ProjectImport:
    """What `qualcode import` brought in, where it put it, and what it left behind (``dropped``)."""

    documents: list[str] = field(default_factory=list)
    codings: int = 0
    coders: list[str] = field(default_factory=list)
    codes: int = 0
    participants: int = 0
    notes: int = 0
    transcripts: Path | None = None
    codebook: Path | None = None
    notes_file: Path | None = None
    participants_file: Path | None = None
    dropped: Counter = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    moved: int = 0  # codings whose positions needed mapping (normalised text, UTF-16 positions)
    memos: int = 0  # memos stored on their documents, participants, codes and codings
    readings: dict[str, int] = field(default_factory=dict)  # sources read in UTF-16 units or bytes -> how many
    active: bool = False  # the imported codebook became the project's active codebook

    @property
    def return_code(self) -> int:
        """1 when something could not be imported (errors, not warnings)."""
        return 1 if any(p.severity == "error" for p in self.problems) else 0


# -- reading -----------------------------------------------------------------------------------------------
def _key(value: str | None) -> str:
    return (value or "").strip().strip("{}").lower()


def _qde_name(archive: Archive) -> str:
    if archive.find("project.qde"):
        return archive.find("project.qde")  # type: ignore[return-value]
    roots = [info.filename for info in archive.names.values()
             if "/" not in info.filename and info.filename.lower().endswith(".qde")]
    if len(roots) == 1:
        return roots[0]
    raise InputFileError("not a REFI-QDA project: no project.qde at the root of the archive"
                         if not roots else f"{len(roots)} .qde files at the root: which is the project?",
                         where=str(archive.path))


def decode_source(data: bytes) -> str:
    """A source file's text, not yet normalised (positions count in it), detected as transcripts are
    (:func:`qualcode.ingest.encoding.decode_raw`: a BOM, else UTF-8, else Windows-1258 or Windows-1252); bytes
    that detection refuses (NUL bytes, no candidate) are read as UTF-8 with U+FFFD for what does not decode."""
    from qualcode.ingest.encoding import decode_raw

    try:
        return decode_raw(data, "source")[0]
    except InputFileError:
        return data.decode("utf-8", errors="replace")


def _source_text(archive: Archive, element: ET.Element, problems: list[Problem], where: str) -> str | None:
    inline = child(element, "PlainTextContent")
    if inline is not None:
        return inline.text or ""
    path = element.get("plainTextPath") or ""
    if not path:
        problems.append(Problem(where, "has no text (neither PlainTextContent nor plainTextPath)", "warning"))
        return None
    if path.startswith("internal://"):
        name = PurePosixPath(path[len("internal://"):]).name
        for folder in ("sources", ""):
            found = archive.find(f"{folder}/{name}" if folder else name)
            if found:
                return decode_source(archive.read(found))
        problems.append(Problem(where, f"its text {path} is not in the archive", "warning"))
        return None
    problems.append(Problem(where, f"its text is outside the archive ({path}); only internal:// texts come in",
                            "warning"))
    return None


def _selection(element: ET.Element) -> Selection | None:
    try:
        start, end = int(element.get("startPosition", "")), int(element.get("endPosition", ""))
    except ValueError:
        return None
    description = child(element, "Description")
    written = parse(description.text if description is not None else "").machine.get("status", "")
    status = written if written in STATUSES else "accepted"
    codings = []
    for coding in children(element, "Coding"):
        ref = child(coding, "CodeRef")
        if ref is not None:
            codings.append((_key(ref.get("targetGUID")),
                            _key(coding.get("creatingUser") or element.get("creatingUser"))))
    return Selection(_key(element.get("guid")), start, end, element.get("name") or "", status, tuple(codings))


_TYPED = {"IntegerValue": re.compile(r"^[+-]?[0-9]+$"), "FloatValue": re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)"
                                                                               r"([eE][+-]?[0-9]+)?$"),
          "BooleanValue": re.compile(r"^(true|false|1|0)$"), "DateValue": re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")}


def _values(element: ET.Element, variables: dict[str, str], problems: list[Problem], where: str) -> dict[str, str]:
    values = {}
    for value in children(element, "VariableValue"):
        ref = child(value, "VariableRef")
        name = variables.get(_key(ref.get("targetGUID"))) if ref is not None else None
        written = next((c for c in value if local(c.tag) != "VariableRef"), None)
        if name and written is not None and (written.text or "").strip():
            values[name] = " ".join((written.text or "").split())
            check = _TYPED.get(local(written.tag))
            if check is not None and not check.match(values[name]):
                kind = local(written.tag)[:-5]
                problems.append(Problem(where, f"variable {name!r}: {values[name]!r} is not {kind} as its type says; "
                                               "kept as written", "warning"))
    return values


def _timestamps(description: ET.Element | None) -> dict[int, str]:
    import json

    for line in (description.text or "").splitlines() if description is not None else ():
        if line.startswith(TIMESTAMPS_LINE):
            try:
                stamps = json.loads(line[len(TIMESTAMPS_LINE):])
                return {int(k): str(v) for k, v in stamps.items()} if isinstance(stamps, dict) else {}
            except (ValueError, TypeError):
                return {}
    return {}


def _drop_case_nodes(root: ET.Element, case_guids: set[str]) -> None:
    """Remove the case nodes (Codes whose GUID is a Case's, as NVivo and `export --case-nodes` write them) from
    the code tree: they link cases to text, they are not codes."""
    for parent in [e for e in root.iter() if local(e.tag) in ("Codes", "Code")]:
        for code in [c for c in parent if local(c.tag) == "Code" and _key(c.get("guid")) in case_guids]:
            parent.remove(code)


def _case_node_links(cases: list[Case], sources: list[Source]) -> list[Case]:
    """Cases with the text their case nodes code: a coding of a whole source refers the case to the source, a
    coding of a part of it to that selection; those codings are taken off the selections (they are no codings)."""
    by_guid = {c.guid: c for c in cases}
    whole: dict[str, list[str]] = {}
    parts: dict[str, list[str]] = {}
    for source in sources:
        for i, selection in enumerate(source.selections):
            linked = [code for code, _ in selection.codings if code in by_guid]
            if not linked:
                continue
            length = len(source.text or "")
            for case in linked:
                covers = selection.start <= 0 and selection.end >= length - 1
                (whole if covers else parts).setdefault(case, []).append(source.guid if covers else selection.guid)
            source.selections[i] = Selection(selection.guid, selection.start, selection.end, selection.name,
                                             selection.status, tuple(c for c in selection.codings
                                                                     if c[0] not in by_guid))
    return [Case(c.guid, c.name, c.role, c.values, tuple(dict.fromkeys((*c.sources, *whole.get(c.guid, ())))),
                 tuple(dict.fromkeys((*c.selections, *parts.get(c.guid, ())))), c.speakers) for c in cases]


def read_qdpx(path: Path) -> QdpxProject:
    """Read the ``.qdpx`` at ``path``: users, codes, sources with their selections, cases, variables, notes,
    and counts of what qualcode cannot bring over. Raises InputFileError for an unreadable or unsafe archive
    (paths leaving it, a zip bomb, DTDs or entities in the XML)."""
    archive = open_archive(path)
    try:
        qde = _qde_name(archive)
        where = f"{path}:{qde}"
        root = parse_xml(archive.read(qde), where)
        if local(root.tag) != "Project":
            raise InputFileError(f"not a REFI-QDA project: the root element is <{local(root.tag)}>", where=where)
        problems: list[Problem] = []
        dropped: Counter = Counter()
        users = {_key(u.get("guid")): (u.get("name") or u.get("id") or "").strip()
                 for users in children(root, "Users") for u in children(users, "User")}
        case_guids = {_key(c.get("guid")) for cs in children(root, "Cases") for c in children(cs, "Case")}
        _drop_case_nodes(root, case_guids)
        codebook_element = child(root, "CodeBook")
        codes = child(codebook_element, "Codes") if codebook_element is not None else None
        name = (root.get("name") or "").strip() or path.stem
        codebook, code_ids = read_code_tree(codes, child(root, "Sets"), name, where)
        problems.extend(codebook.problems)
        codebook.problems = []
        variables = {_key(v.get("guid")): " ".join((parse(child(v, "Description").text if child(v, "Description")
                                                         is not None else "").machine.get("attribute")
                                                   or v.get("name") or "").split())
                     for vs in children(root, "Variables") for v in children(vs, "Variable")}
        sources: list[Source] = []
        for sources_element in children(root, "Sources"):
            for element in sources_element:
                kind = local(element.tag)
                if kind in UNSUPPORTED_SOURCES:
                    dropped[UNSUPPORTED_SOURCES[kind]] += 1
                    continue
                if kind != "TextSource":
                    continue
                source_name = (element.get("name") or "").strip() or _key(element.get("guid"))
                text = _source_text(archive, element, problems, f"{where}: source {source_name!r}")
                values = _values(element, variables, problems, f"{where}: source {source_name!r}")
                source = Source(_key(element.get("guid")), source_name, text, values=values,
                                timestamps=_timestamps(child(element, "Description")))
                for selection_element in children(element, "PlainTextSelection"):
                    selection = _selection(selection_element)
                    if selection is None:
                        problems.append(Problem(where, f"source {source_name!r}: a selection without whole-number "
                                                       "positions is left out", "warning"))
                    else:
                        source.selections.append(selection)
                if children(element, "Coding"):
                    dropped["coding of a whole source"] += len(children(element, "Coding"))
                sources.append(source)
        cases = []
        for cases_element in children(root, "Cases"):
            for element in children(cases_element, "Case"):
                description = (child(element, "Description").text or "") if child(element, "Description") \
                    is not None else ""
                role = next((line.strip()[len(ROLE_LINE):].strip() for line in description.splitlines()
                             if line.strip().startswith(ROLE_LINE)), "")
                speakers = tuple(tuple(v.partition(": ")[::2]) for v in parse(description).repeated.get(
                    "speaker", ()) if ": " in v)
                cases.append(Case(_key(element.get("guid")), (element.get("name") or "").strip() or
                                  _key(element.get("guid")), role,
                                  _values(element, variables, problems, f"{where}: case {element.get('name')!r}"),
                                  tuple(_key(r.get("targetGUID")) for r in children(element, "SourceRef")),
                                  tuple(_key(r.get("targetGUID")) for r in children(element, "SelectionRef")),
                                  speakers))  # type: ignore[arg-type]
                if children(element, "CodeRef"):
                    dropped["case coding"] += len(children(element, "CodeRef"))
        cases = _case_node_links(cases, sources)

        def note_text(note: ET.Element, at: str) -> str | None:
            inline = child(note, "PlainTextContent")
            return inline.text if inline is not None and inline.text else _source_text(archive, note, problems, at)

        memos = description_memos(root, users, problems, where) + note_memos(root, users, note_text, problems,
                                                                                where)
        notes = [(m.name, m.author, m.text, ()) for m in memos if m.kind == "project"]
        machine = parse(child(root, "Description").text if child(root, "Description") is not None else "").machine
        codebook.name = machine.get("codebook", "").strip() or codebook.name
        codebook.version = machine.get("codebook version", "").strip()
        noted = {m.ref for m in memos if m.kind == "coding"}
        for links in children(root, "Links"):  # a Link from a Note to a selection is that selection's memo
            dropped["link"] += sum(1 for link in links if _key(link.get("targetGUID")) not in noted)
        for graphs in children(root, "Graphs"):
            dropped["graph"] += len(list(graphs))
        return QdpxProject(path, name, users, codebook, code_ids, list(dict.fromkeys(variables.values())), sources,
                           cases, notes, dropped, problems, origin=(root.get("origin") or "").strip(),
                           memos=[m for m in memos if m.kind != "project"])
    finally:
        archive.close()


# -- writing into the project --------------------------------------------------------------------------------
@dataclass
class Placed:
    """A source written as a transcript: its document id, file, and how to map its positions."""

    source: Source
    doc_id: str
    path: Path
    text: str  # normalised text, as written after the front matter
    offsets: list[int]  # raw position -> normalised position
    units: int = 0  # the text's length counted as its positions count (a selection ending past it is outside)
    mode: str = "points"  # how its positions count: see :func:`qualcode.exchange.positions.choose`
    to_raw: Callable[[int], int] | None = None  # a written position -> a code point of the source's raw text


def document_id(name: str) -> str:
    """A document id (and file name) for a source called ``name``: a file suffix dropped, characters a file
    name cannot hold replaced by ``_``."""
    stem = _DOC_SUFFIX.sub("", name.strip())
    stem = _UNSAFE_NAME.sub("_", unicodedata.normalize("NFC", stem)).strip(" .")
    return stem[:100] or "source"


def front_matter_values(values: dict[str, str], doc_id: str, where: str, report: ProjectImport) -> dict[str, str]:
    """A source's variables as front matter; a variable whose name front matter reserves (``id``, ``type``,
    ``language``) but whose value would change the document's id or fail ingest is kept as ``source NAME``."""
    from qualcode.codebook.load import LANGUAGES
    from qualcode.model import DocType

    valid = {"id": lambda v: v == doc_id, "type": lambda v: v.casefold() in {t.value.casefold() for t in DocType},
             "language": lambda v: v in LANGUAGES}
    kept: dict[str, str] = {}
    for name, value in values.items():
        if name in valid and not valid[name](value):
            kept[f"source {name}"] = value
            report.problems.append(Problem(where, f"variable {name}={value!r} kept as 'source {name}' (qualcode "
                                                  f"reads {name} in front matter)", "warning"))
        else:
            kept[name] = value
    return kept


def _front_matter(values: dict[str, str]) -> str:
    import yaml

    if not values:
        return "---\n---\n"
    return "---\n" + yaml.safe_dump(values, allow_unicode=True, sort_keys=False, width=1000) + "---\n"


def free_path(path: Path) -> Path:
    """``path``, or ``path`` with ``-2``, ``-3``… before its suffix: the first that does not exist."""
    candidate, n = path, 2
    while candidate.exists():
        candidate, n = path.with_name(f"{path.stem}-{n}{path.suffix}"), n + 1
    return candidate


def write_transcripts(data: QdpxProject, folder: Path, taken_ids: set[str], report: ProjectImport,
                      positions: str | None = None) -> list[Placed]:
    """Write every text source with text as ``folder/<id>.txt`` (front matter: its variables) and return how
    each was placed; sources without text, or whose id the project already uses, are reported and skipped."""
    placed: list[Placed] = []
    used = {i.casefold() for i in taken_ids}
    for source in data.sources:
        where = f"{data.path}: source {source.name!r}"
        if source.text is None or not source.text.strip():
            report.dropped["text source without text"] += 1
            if source.text is not None:
                report.problems.append(Problem(where, "its text is empty", "warning"))
            lost = sum(len(s.codings) for s in source.selections)
            if lost:
                report.dropped["coding on a source without text"] += lost
            continue
        doc_id = document_id(source.name)
        if doc_id.casefold() in used:
            if doc_id in taken_ids:
                report.problems.append(Problem(where, f"this project already has a document {doc_id!r}; the "
                                                      "source is not imported again"))
                report.dropped["source already in the project"] += 1
                continue
            base, n = doc_id, 2
            while doc_id.casefold() in used:
                doc_id, n = f"{base}-{n}", n + 1
        used.add(doc_id.casefold())
        text, offsets = normalise_with_map(source.text)
        choice = choose(source.text, text, [(s.start, s.end, s.name) for s in source.selections], data.origin,
                        positions)
        if choice.warning:
            report.problems.append(Problem(f"{data.path}: source {source.name!r}", choice.warning, "warning"))
        if choice.mode not in ("points", "normalised"):
            report.readings[choice.mode] = report.readings.get(choice.mode, 0) + 1
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{doc_id}.txt"
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(_front_matter(front_matter_values(source.values, doc_id, where, report)) + text)
        units = {"utf16": len(source.text.encode("utf-16-le", "replace")) // 2, "normalised": len(text),
                 "bytes": len(source.text.encode("utf-8", "replace"))}.get(choice.mode, len(source.text))
        placed.append(Placed(source, doc_id, path, text, offsets, units, choice.mode,
                             mapper(source.text, choice.mode)))
    return placed


def position(placed: Placed, raw: int) -> int:
    """A position as the source wrote it → the position in the normalised text written to the transcript."""
    if placed.mode == "normalised":
        return min(max(raw, 0), len(placed.text))
    if placed.to_raw is not None:
        raw = placed.to_raw(raw)
    raw = min(max(raw, 0), len(placed.offsets) - 1)
    return placed.offsets[raw]


def write_notes(data: QdpxProject, folder: Path) -> Path | None:
    """Write the project's notes as Markdown to ``folder/<archive>.md`` (a free name); everything the archive
    says is escaped (no HTML, no link from another tool's file)."""
    from qualcode.report.safe_text import markdown_escape as md

    if not data.notes:
        return None
    target = free_path(folder / f"{slug(data.path.stem)}.md")
    lines = [f"# Notes from {md(data.path.name)}", ""]
    for name, author, text, about in data.notes:
        lines += [f"## {md(name or 'Note')}" + (f" ({md(author)})" if author else ""), ""]
        if about:
            lines += [f"About: {md('; '.join(about))}", ""]
        lines += [md(text.replace("\r\n", "\n")), ""]
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8", newline="\n") as handle:
        handle.write("\n".join(lines))
    return target

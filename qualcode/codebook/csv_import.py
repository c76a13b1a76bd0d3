"""Codebooks from other tools' code lists — a CSV of code paths (as MAXQDA, NVivo, Taguette and spreadsheets
write them) → YAML — and resolving the code paths those tools write in their coded-segment exports.

A CSV codebook has one row per code: the code's path in the first of the columns ``code``, ``path``, ``tag``
(Taguette's) or ``name`` the file has, levels separated by ``>`` (or another ``separator``); optional
``definition`` (or ``description``, Taguette's, or ``memo``), ``color``, ``include``, ``exclude`` and
``examples`` (one per line) columns; other columns (Taguette's counts) are ignored. Ids are derived from labels
(lowercase ASCII, ``[a-z0-9_-]``, children ``parent.child``) and made unique. The YAML is written only where no
file exists yet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import InputFileError, Problem, QualcodeError, UsageError
from qualcode.ingest.csvfile import csv_rows
from qualcode.ingest.encoding import decode

PATH_COLUMNS = ("code", "path", "tag", "name")
DEFINITION_COLUMNS = ("definition", "description", "memo")
COLOR_RE = re.compile(r"^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")
SEPARATOR = ">"
# How deep an imported code tree may nest: a YAML codebook holds at most 100 levels of values, two per code level
# (a code and its children list), so deeper trees could not be loaded back; real codebooks nest under ten.
MAX_CODE_DEPTH = 40


def too_deep(depth: int) -> str:
    """The message for a code tree nesting ``depth`` levels, past :data:`MAX_CODE_DEPTH`."""
    return (f"codes nest {depth} levels deep; qualcode reads code trees at most {MAX_CODE_DEPTH} levels deep: "
            "move the deepest codes up a level in the tool that wrote the file")


@dataclass
class CodeNode:
    """A code of the imported tree: its label, id, definition, colour and children in file order."""

    label: str
    id: str = ""
    definition: str = ""
    color: str = ""
    children: list[CodeNode] = field(default_factory=list)
    include: str = ""
    exclude: str = ""
    examples: list[str] = field(default_factory=list)
    counterexamples: list[str] = field(default_factory=list)
    memos: list = field(default_factory=list)  # memos read from a REFI-QDA Description (author, date, text)
    codable: bool = True  # False for a REFI isCodable="false" code: a category written `codable: false`


@dataclass
class CodebookImport:
    """What `qualcode codebook import` read: the code tree, how many codes, and the rows it could not use."""

    name: str
    codes: list[CodeNode]
    count: int = 0
    problems: list[Problem] = field(default_factory=list)
    groups: dict[str, list[str]] = field(default_factory=dict)  # group name -> code ids (REFI "Sets")
    version: str = ""

    @property
    def return_code(self) -> int:
        """1 when any row could not be used."""
        return 1 if self.problems else 0


def slug(label: str) -> str:
    """An id fragment for ``label``: ASCII lowercase, runs of anything but ``[a-z0-9-]`` become ``_``.

    Diacritics are dropped (``đ`` → ``d``), so ``Ngôn ngữ`` becomes ``ngon_ngu``; an empty result is ``code``.
    """
    folded = unicodedata.normalize("NFKD", label.replace("đ", "d").replace("Đ", "D"))
    ascii_text = "".join(ch for ch in folded if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.lower().replace("'", "").replace("\u2019", "")
    return re.sub(r"[^a-z0-9-]+", "_", ascii_text).strip("_-") or "code"


def _split_path(value: str, separator: str = SEPARATOR) -> list[str]:
    return [" ".join(part.split()) for part in value.split(separator) if part.strip()]


def read_csv_codebook(path: Path, name: str | None = None, separator: str = SEPARATOR) -> CodebookImport:
    """Read a CSV codebook into a code tree; parents named only inside a child's path are created.

    Raises InputFileError when the file cannot be read or has no ``code``/``path``/``tag``/``name`` column;
    rows with a duplicate path or a bad colour are reported as problems (and left out or imported without the
    colour).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", where=str(path)) from None
    text, _ = decode(data, str(path))
    rows = [cells for _, cells in csv_rows(text, str(path))]
    if not rows:
        raise InputFileError("empty file: a CSV codebook needs a header with a `code` or `path` column",
                             where=str(path))
    header = [h.strip().casefold() for h in rows[0]]
    path_column = next((header.index(c) for c in PATH_COLUMNS if c in header), None)
    if path_column is None:
        raise InputFileError("no `code`, `path`, `tag` or `name` column (found: "
                             f"{', '.join(h for h in header if h)})", where=f"{path}:1")
    definition_column = next((header.index(c) for c in DEFINITION_COLUMNS if c in header), None)
    color_column = header.index("color") if "color" in header else None
    columns = {key: header.index(key) if key in header else None
               for key in ("include", "exclude", "examples", "counterexamples")}
    result = CodebookImport(name or path.stem, [])
    by_path: dict[tuple[str, ...], CodeNode] = {}
    seen_rows: dict[tuple[str, ...], int] = {}

    def cell(row: list[str], column: int | None) -> str:
        return row[column].strip() if column is not None and column < len(row) else ""

    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        where = f"{path}:{line}"
        parts = tuple(_split_path(cell(row, path_column), separator.strip() or separator))
        if not parts:
            result.problems.append(Problem(where, "empty code path"))
            continue
        if len(parts) > MAX_CODE_DEPTH:
            result.problems.append(Problem(where, too_deep(len(parts))))
            continue
        if parts in seen_rows:
            result.problems.append(Problem(where, f"duplicate code {' > '.join(parts)!r} "
                                                  f"(also on line {seen_rows[parts]})"))
            continue
        seen_rows[parts] = line
        node = _node(parts, by_path, result.codes)
        node.definition = cell(row, definition_column)
        node.include, node.exclude = cell(row, columns["include"]), cell(row, columns["exclude"])
        node.examples = [e.strip() for e in cell(row, columns["examples"]).split("\n") if e.strip()]
        node.counterexamples = [e.strip() for e in cell(row, columns["counterexamples"]).split("\n") if e.strip()]
        color = cell(row, color_column)
        if color and not COLOR_RE.match(color):
            result.problems.append(Problem(where, f"colour {color!r} left out: use #RRGGBB or #RGB"))
        elif color:
            node.color = color
    if not result.codes:
        raise InputFileError("no codes in the file", where=str(path))
    assign_ids(result.codes, "")
    result.count = len(by_path)
    return result


def _node(parts: tuple[str, ...], by_path: dict[tuple[str, ...], CodeNode], roots: list[CodeNode]) -> CodeNode:
    siblings = roots
    node = None
    for depth in range(1, len(parts) + 1):
        key = parts[:depth]
        node = by_path.get(key)
        if node is None:
            node = CodeNode(parts[depth - 1])
            by_path[key] = node
            siblings.append(node)
        siblings = node.children
    assert node is not None
    return node


def assign_ids(nodes: list[CodeNode], prefix: str) -> None:
    """Give every node an id from its label, unique among its siblings, children ``parent.child``."""
    used: set[str] = set()
    for node in nodes:
        base = slug(node.label)
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}_{n}", n + 1
        used.add(candidate)
        node.id = f"{prefix}{candidate}"
        assign_ids(node.children, node.id + ".")


def codebook_yaml(imported: CodebookImport) -> str:
    """The YAML text of a codebook holding the imported codes (no rules: they are for people to code with)."""
    import yaml

    def as_dict(node: CodeNode) -> dict:
        entry: dict = {"id": node.id, "label": node.label}
        if node.color:
            entry["color"] = node.color
        if node.definition:
            entry["definition"] = node.definition
        for key in ("include", "exclude", "examples", "counterexamples"):
            if getattr(node, key):
                entry[key] = getattr(node, key)
        if not node.codable:
            entry["codable"] = False
        if node.children:
            entry["children"] = [as_dict(child) for child in node.children]
        return entry

    body: dict = {"codebook": imported.name}
    if imported.version:
        body["version"] = imported.version
    body["codes"] = [as_dict(node) for node in imported.codes]
    if imported.groups:
        body["groups"] = {name: list(members) for name, members in imported.groups.items()}
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=110)


def code_list(book, layout: str = "qualcode") -> tuple[list[str], list[dict[str, str]]]:
    """The columns and rows of ``book`` (a loaded Codebook) as a CSV code list: ``qualcode`` layout — ``code``
    (the label path, levels joined by `` > ``), ``definition``, ``include``, ``exclude``, ``examples`` (one per
    line), ``color`` — or ``taguette`` — ``tag`` (the same path: Taguette finds a tag's sub-tags by this
    prefix) and ``description`` (the definition). :func:`read_csv_codebook` reads both back."""
    def flat(text: str) -> str:
        return " ".join(text.split())

    if layout == "taguette":
        return ["tag", "description"], [{"tag": book.label_path(c.id), "description": flat(c.definition)}
                                         for c in book.codes]
    columns = ["code", "definition", "include", "exclude", "examples", "color"]
    return columns, [{"code": book.label_path(c.id), "definition": flat(c.definition), "include": flat(c.include),
                      "exclude": flat(c.exclude), "examples": "\n".join(flat(e) for e in c.examples),
                      "color": c.color or ""} for c in book.codes]


READERS = {".csv": read_csv_codebook}


def import_codebook(source: Path, output: Path, name: str | None = None,
                    readers: dict[str, Callable[[Path, str | None], CodebookImport]] | None = None,
                    separator: str = SEPARATOR) -> CodebookImport:
    """Convert the code list at ``source`` into a YAML codebook at ``output``, never over an existing file.
    ``readers`` adds readers by suffix (later stages bring ``.qdc``); ``separator`` splits a CSV's code paths
    into levels.

    Raises UsageError for an unsupported suffix, QualcodeError when ``output`` exists, InputFileError for an
    unreadable source; rows it could not use are in the result's ``problems``.
    """
    known = {**READERS, **(readers or {})}
    reader = known.get(source.suffix.lower())
    if reader is None:
        raise UsageError(f"{source}: codebook import reads {', '.join(known)}")
    if output.exists():
        raise QualcodeError("already exists; qualcode never writes over a codebook: choose another -o",
                            where=str(output))
    imported = read_csv_codebook(source, name, separator) if reader is read_csv_codebook else reader(source, name)
    write_codebook(imported, output)
    return imported


def write_codebook(imported: CodebookImport, output: Path) -> None:
    """Write ``imported`` as YAML at ``output``. Raises QualcodeError when the file exists (never over a
    codebook) or cannot be written."""
    text = codebook_yaml(imported)
    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(output, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except FileExistsError:
        raise QualcodeError("already exists; qualcode never writes over a codebook: choose another -o",
                            where=str(output)) from None
    except OSError as exc:
        raise QualcodeError(f"cannot write: {exc.strerror}", where=str(output)) from None


"""The ``Description`` texts of a ``.qdpx`` / ``.qdc``: written to read well in NVivo, ATLAS.ti, MAXQDA and
QualCoder (which show a Description as the object's memo or comment), and parsed back by qualcode.

A Description has up to three parts, in this order (docs/formats.md, "Descriptions"):

1. the human text — for a code its definition, then ``Include:``, ``Exclude:``, ``Examples:`` and
   ``Counterexamples:`` sections (examples one per ``- `` line);
2. memos, each a header line ``Memo (AUTHOR, 2026-12-07T23:22:02Z):`` followed by its text (any number of
   lines, up to the next memo header or the machine lines);
3. machine lines, each ``qualcode KEY: VALUE`` (``qualcode id: language``) — at the end, or (the status of
   an unreviewed coding, so other tools show it first) at the very start.

Old exports (a definition, then ``qualcode id: ID`` on the last line) parse the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

ID_LINE = "qualcode id: "
STATUS_LINE = "qualcode status: "
ROLE_LINE = "qualcode role: "
SPEAKER_LINE = "qualcode speaker: "
TIMESTAMPS_LINE = "qualcode turn timestamps: "
CODEBOOK_LINE = "qualcode codebook: "
VERSION_LINE = "qualcode codebook version: "
ATTRIBUTE_LINE = "qualcode attribute: "
MACHINE_PREFIX = "qualcode "
# The date a Note gets when nothing better is known (a memo whose date cannot be read, a note given without one):
# the zip entries' fixed date, so exports stay byte-identical.
FIXED_DATE = "2000-01-01T00:00:00Z"
STATUS_WORDS = {"suggested": "a rule's suggestion, not reviewed by a coder",
                "rejected": "a suggestion a coder rejected"}
SECTIONS = (("include", "Include:"), ("exclude", "Exclude:"), ("examples", "Examples:"),
            ("counterexamples", "Counterexamples:"))
_MEMO_HEADER = re.compile(r"^Memo \((?:(?P<author>.*), )?(?P<date>[^,()]*)\):$")
_MACHINE = re.compile(r"^qualcode [a-z][a-z ]*: ")


@dataclass(frozen=True)
class Memo:
    """A memo as a Description carries it: who wrote it, when (ISO 8601 UTC) and its text."""

    author: str
    date: str
    text: str


@dataclass
class Parsed:
    """A Description taken apart: the human text, a code's sections, the memos and the machine lines
    (``{"id": "language", "status": "suggested"}``; repeated keys such as ``speaker`` keep every value in
    ``repeated``)."""

    text: str = ""
    include: str = ""
    exclude: str = ""
    examples: list[str] = field(default_factory=list)
    counterexamples: list[str] = field(default_factory=list)
    memos: list[Memo] = field(default_factory=list)
    machine: dict[str, str] = field(default_factory=dict)
    repeated: dict[str, list[str]] = field(default_factory=dict)


def xsd_datetime(value: str) -> str | None:
    """``value`` (ISO 8601 with ``T`` or a space, ``Z``, an offset or none — taken as UTC) as an
    ``xsd:dateTime`` in UTC (``2026-12-07T23:22:02Z``), or None when it is not a date and time."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def memo_block(memo: Memo) -> str:
    """A memo as it stands in a Description: the header line, then its text."""
    date = xsd_datetime(memo.date) or re.sub(r"[(),\n]+", " ", memo.date).strip()
    author = " ".join(memo.author.replace("(", " ").replace(")", " ").split())
    head = f"Memo ({author}, {date}):" if author else f"Memo ({date}):"
    return f"{head}\n{memo.text.strip()}"


def compose(human: str = "", memos: Iterable[Memo] = (), machine: Sequence[str] = (),
            first: Sequence[str] = ()) -> str:
    """A Description: ``first`` machine lines, the human text, the memos, then the ``machine`` lines; parts
    separated by a blank line."""
    parts = ["\n".join(first)] if first else []
    if human.strip():
        parts.append(human.strip())
    parts.extend(memo_block(m) for m in memos)
    if machine:
        parts.append("\n".join(machine))
    return "\n\n".join(parts)


def code_text(definition: str, include: str = "", exclude: str = "", examples: Sequence[str] = (),
              counterexamples: Sequence[str] = ()) -> str:
    """A code's human text: the definition, then the sections that are not empty."""
    blocks = [" ".join(definition.split())] if definition.strip() else []
    for value, title in ((include, "Include:"), (exclude, "Exclude:")):
        if value.strip():
            blocks.append(f"{title} {' '.join(value.split())}")
    for values, title in ((examples, "Examples:"), (counterexamples, "Counterexamples:")):
        if values:
            blocks.append(title + "".join(f"\n- {' '.join(v.split())}" for v in values))
    return "\n\n".join(blocks)


def status_line(status: str) -> str:
    """The first line of an unreviewed or rejected coding's Description: ``qualcode status: suggested (…)``."""
    reason = STATUS_WORDS.get(status)
    return f"{STATUS_LINE}{status}" + (f" ({reason})" if reason else "")


def parse(description: str | None) -> Parsed:
    """Take a Description apart (see the module docstring); text that follows no convention is the human text."""
    lines = (description or "").replace("\r\n", "\n").strip().split("\n")
    result = Parsed()

    def machine(line: str) -> bool:
        if not _MACHINE.match(line):
            return False
        key, _, value = line[len(MACHINE_PREFIX):].partition(": ")
        value = value.strip()
        if key == "status":
            value = value.split(" ", 1)[0]
        result.machine.setdefault(key, value)
        result.repeated.setdefault(key, []).append(value)
        return True

    while lines and (not lines[0].strip() or machine(lines[0].strip())):
        lines.pop(0)
    tail: list[str] = []
    while lines and (not lines[-1].strip() or _MACHINE.match(lines[-1].strip())):
        tail.insert(0, lines.pop().strip())
    for line in tail:
        if line:
            machine(line)
    human: list[str] = []
    memos: list[tuple[str, str, list[str]]] = []
    for line in lines:
        header = _MEMO_HEADER.match(line.strip())
        if header:
            memos.append((header["author"] or "", header["date"], []))
        elif memos:
            memos[-1][2].append(line)
        else:
            human.append(line)
    result.memos = [Memo(author, date, "\n".join(body).strip()) for author, date, body in memos]
    _sections(result, "\n".join(human).strip())
    return result


def _sections(result: Parsed, text: str) -> None:
    """Fill ``result.text`` and a code's sections from the human text."""
    blocks = re.split(r"\n\s*\n", text) if text else []
    plain: list[str] = []
    for block in blocks:
        for key, title in SECTIONS:
            if block.startswith(title):
                body = block[len(title):].strip()
                if key in ("examples", "counterexamples"):
                    items = [ln.strip()[2:].strip() for ln in body.split("\n") if ln.strip().startswith("- ")]
                    getattr(result, key).extend(items)
                else:
                    setattr(result, key, " ".join(body.split()))
                break
        else:
            plain.append(block)
    result.text = "\n\n".join(plain).strip()

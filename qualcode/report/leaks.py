"""Finding names that must not be in a report: key terms and identifying attribute values in exported files,
and attributions that point at fewer than k participants.

`qualcode leaks FILE ...` extracts the text of each file (`.docx`, `.xlsx`, `.csv`, `.html`, `.md`, `.txt`,
`.json`, `.qdpx`) and looks for every term as a whole word, ignoring case and Unicode normalisation (NFKC,
case folded: `NGUYỄN`, `nguyễn` and a decomposed `nguyễn` are one term; `Lan` is not found in `Land`).
The terms are the first column (`term`) of a key CSV — real names, places, organisations — and the values of
the participant attribute columns marked identifying in qualcode.toml.

In appendices (`.docx`, `.html`, `.md`) it also reads every attribution line (``— P07, female, Hoa, Site B
(IDI-29, turn 16)``): the values before the parentheses are matched against the participants' values as reports
show them (whatever attribute holds them; the participant id is not counted), and a line whose values fewer than
k participants hold together is reported with its line (paragraph in Word) and how many hold them.
"""

from __future__ import annotations

import html
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.analysis.disclosure import Population
from qualcode.analysis.disclosure import fold as fold_value
from qualcode.errors import InputFileError, UsageError
from qualcode.ingest.encoding import decode
from qualcode.ingest.zipcheck import check_zip

LEAK_SUFFIXES = (".docx", ".xlsx", ".csv", ".html", ".md", ".txt", ".json", ".qdpx")
MIN_TERM = 2  # a one-letter "term" would match everywhere


@dataclass(frozen=True)
class Term:
    """A string that must not appear in an output, and where it comes from (``key`` or an attribute name)."""

    text: str
    source: str


@dataclass(frozen=True)
class SinglingOut:
    """An attribution in an output that fewer than k participants share: where it is, how many participants
    hold its values and which attributes those values are of (never the values or who holds them)."""

    place: str  # "line 57", or "paragraph 57" in Word
    sharing: int
    attributes: tuple[str, ...]
    quoted: str = ""  # where the quote was said, as the attribution gives it: "IDI-29, turn 16"


@dataclass
class LeakReport:
    """Every term found in every file (``found[file]`` counts ``(term, source)``) and every attribution shared
    by fewer than ``k`` participants (``singling_out[file]``); exit code 1 when any."""

    files: list[str] = field(default_factory=list)
    terms: int = 0
    found: dict[str, Counter] = field(default_factory=dict)
    singling_out: dict[str, list[SinglingOut]] = field(default_factory=dict)
    attributions: int = 0  # attribution lines checked
    k: int = 1  # 1: attributions not checked
    participants: int = 0  # participants the attributions were checked against

    @property
    def return_code(self) -> int:
        """1 when any term or any attribution singling someone out was found."""
        return 1 if any(self.found.values()) or any(self.singling_out.values()) else 0


def fold(text: str) -> str:
    """``text`` compared as leaks compares it: NFKC, case folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def read_key(path: Path) -> list[Term]:
    """The terms of a pseudonymisation key CSV (see :func:`qualcode.codings.pseudonyms.read_key`).
    Raises InputFileError when the file cannot be read or has no terms."""
    from qualcode.codings.pseudonyms import read_key as read_pseudonyms

    return [Term(term, "key") for term, _ in read_pseudonyms(path).pairs]


def check_suffix(path: Path) -> str:
    """``path``'s suffix, lower case. Raises UsageError for a format leaks does not read."""
    suffix = path.suffix.lower()
    if suffix not in LEAK_SUFFIXES:
        raise UsageError(f"{path}: leaks reads {', '.join(LEAK_SUFFIXES)}")
    return suffix


def extract_text(path: Path) -> str:
    """The text a reader of ``path`` would see. Raises InputFileError (unreadable, damaged) or UsageError
    (a suffix leaks does not read)."""
    suffix = check_suffix(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", where=str(path)) from None
    if suffix in (".docx", ".xlsx", ".qdpx"):
        return _zip_text(data, path)
    text = decode(data, str(path))[0]
    return html.unescape(text) if suffix in (".html", ".md") else text


def _zip_text(data: bytes, path: Path) -> str:
    """Text of every XML (and plain text) part of a zip package, without resolving entities."""
    import io

    from lxml import etree

    check_zip(data, str(path), f"{path.suffix.lstrip('.').upper()} file")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    texts = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        for name in package.namelist():
            body = package.read(name)
            if name.endswith((".xml", ".qde", ".rels")):
                try:
                    texts.append(" ".join(etree.fromstring(body, parser).itertext()))
                except etree.XMLSyntaxError:
                    raise InputFileError(f"damaged part {name!r}", where=str(path)) from None
            elif name.endswith(".txt"):
                texts.append(decode(body, f"{path}:{name}")[0])
    return "\n".join(texts)


def find_leaks(files: Sequence[Path], terms: Iterable[Term]) -> LeakReport:
    """Count each term (as a whole word, case and normalisation ignored) in each file's text."""
    unique: dict[str, Term] = {}
    for term in terms:
        key = fold(" ".join(term.text.split()))
        if len(key) >= MIN_TERM:
            unique.setdefault(key, term)
    report = LeakReport([str(f) for f in files], len(unique))
    if not unique:
        return report
    alternatives = sorted(unique, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(r"\s+".join(map(re.escape, t.split())) for t in alternatives)
                         + r")(?!\w)")
    for path in files:
        hits: Counter = Counter()
        for match in pattern.finditer(fold(extract_text(path))):
            term = unique[" ".join(match.group().split())]
            hits[(term.text, term.source)] += 1
        report.found[str(path)] = hits
    return report


ATTRIBUTION_SUFFIXES = (".docx", ".html", ".md")
_TAG = re.compile(r"<[^>]+>")
_TURN = re.compile(r"\bturn \d+\b")


def attribution_lines(path: Path) -> list[tuple[str, str]]:
    """``(place, text)`` of every attribution line (starting ``— ``) of an appendix: ``line N`` of a
    Markdown or HTML file, ``paragraph N`` of a Word file's body. Raises InputFileError when unreadable."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        lines = [(f"paragraph {n}", text) for n, text in enumerate(_docx_paragraphs(path), 1)]
    else:
        try:
            text = decode(path.read_bytes(), str(path))[0]
        except OSError as exc:
            raise InputFileError(f"cannot read: {exc.strerror}", where=str(path)) from None
        lines = [(f"line {n}", html.unescape(_TAG.sub("", line)).lstrip("> \t"))
                 for n, line in enumerate(text.splitlines(), 1)]
    return [(place, " ".join(text.split())) for place, text in lines if text.strip().startswith("— ")]


def _docx_paragraphs(path: Path) -> list[str]:
    import io

    from lxml import etree

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read: {exc.strerror}", where=str(path)) from None
    check_zip(data, str(path), "DOCX file")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        try:
            root = etree.fromstring(package.read("word/document.xml"), parser)
        except (KeyError, etree.XMLSyntaxError):
            raise InputFileError("damaged part 'word/document.xml'", where=str(path)) from None
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    return ["".join(t.text or "" for t in p.iter(f"{w}t")) for p in root.iter(f"{w}p")]


def split_attribution(text: str, documents: set[str]) -> tuple[str, str]:
    """An attribution line's person part and its parenthesised place (document, turn, time), without the
    leading ``— ``: ``("P07, female, Hoa", "IDI-29, turn 16")``."""
    head = text.strip()[2:]
    if head.startswith("("):
        return "", head.strip("()")
    at = head.rfind(" (") if head.endswith(")") else -1
    if at >= 0:
        place = head[at + 2:-1]
        first = re.split(r"[,;]", place)[0].strip()
        if first in documents or _TURN.search(place):
            return head[:at], place
    return head, ""


def shown_values(head: str, known: Mapping[str, Sequence[str]]) -> list[str]:
    """The attribute values the person part of an attribution shows, folded: each comma-separated part (or
    run of parts, for a value with a comma in it) that is a known value; the participant id, ``unidentified
    speaker`` and anything unknown are skipped."""
    parts = [fold_value(p) for p in head.split(",")]
    found, i = [], 0
    while i < len(parts):
        for j in range(len(parts), i, -1):  # the longest run of parts that is a value
            joined = ", ".join(parts[i:j])
            if joined in known:
                found.append(joined)
                i = j
                break
        else:
            i += 1
    return found


def find_singling_out(files: Sequence[Path], population: Population, k: int, documents: set[str],
                      report: LeakReport) -> None:
    """Add to ``report`` every attribution of the appendices among ``files`` whose values fewer than ``k``
    participants of ``population`` hold together (none when ``k`` is 1)."""
    report.k, report.participants = k, len(population)
    if k <= 1:
        return
    known = population.values()
    ids = {fold_value(p) for p in population.people}
    for path in files:
        if path.suffix.lower() not in ATTRIBUTION_SUFFIXES:
            continue
        flagged = []
        for place, text in attribution_lines(path):
            report.attributions += 1
            head, quoted = split_attribution(text, documents)
            values = [v for v in shown_values(head, known) if v not in ids]
            sharing = population.holding(values) if values else 0  # no value shown: nobody narrowed down
            if 0 < sharing < k:  # 0: not this project's participants (another project's output, changed labels)
                names = tuple(dict.fromkeys(known[v][0] for v in values))
                flagged.append(SinglingOut(place, sharing, names, quoted))
        report.singling_out[str(path)] = flagged

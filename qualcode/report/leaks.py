"""Finding names that must not be in a report: key terms and identifying attribute values in exported files.

`qualcode leaks FILE ...` extracts the text of each file (`.docx`, `.xlsx`, `.csv`, `.html`, `.md`, `.txt`,
`.json`, `.qdpx`) and looks for every term as a whole word, ignoring case and Unicode normalisation (NFKC,
case folded: `NGUYỄN`, `nguyễn` and a decomposed `nguyễn` are one term; `Lan` is not found in `Land`).
The terms are the first column (`term`) of a key CSV — real names, places, organisations — and the values of
the participant attribute columns marked identifying in qualcode.toml.
"""

from __future__ import annotations

import html
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass
class LeakReport:
    """Every term found in every file: ``found[file]`` counts ``(term, source)``; exit code 1 when any."""

    files: list[str] = field(default_factory=list)
    terms: int = 0
    found: dict[str, Counter] = field(default_factory=dict)

    @property
    def return_code(self) -> int:
        """1 when any term was found."""
        return 1 if any(self.found.values()) else 0


def fold(text: str) -> str:
    """``text`` compared as leaks compares it: NFKC, case folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def read_key(path: Path) -> list[Term]:
    """The terms of a pseudonymisation key CSV (see :func:`qualcode.codings.pseudonyms.read_key`).
    Raises InputFileError when the file cannot be read or has no terms."""
    from qualcode.codings.pseudonyms import read_key as read_pseudonyms

    return [Term(term, "key") for term, _ in read_pseudonyms(path).pairs]


def extract_text(path: Path) -> str:
    """The text a reader of ``path`` would see. Raises InputFileError (unreadable, damaged) or UsageError
    (a suffix leaks does not read)."""
    suffix = path.suffix.lower()
    if suffix not in LEAK_SUFFIXES:
        raise UsageError(f"{path}: leaks reads {', '.join(LEAK_SUFFIXES)}")
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

"""Finding names that must not be in a report: key terms and identifying attribute values in written files,
and attributions that point at fewer than k participants.

`qualcode leaks FILE ...` reads each file as its reader sees it (:mod:`qualcode.report.reader_text`: Word runs
and workbook rich text joined, HTML tags and entities, JSON escapes and Markdown emphasis undone), place by
place, and looks there for every term by the rules `pseudonymise` replaces them by
(:mod:`qualcode.codings.name_match`: whole words, any case, accents optional, soft hyphens and zero-width
characters ignored; `Lan` is not found in `Land`). The terms are the key CSV's — real names, places,
organisations; its `keep` phrases are not reported — and the values of the participant attribute columns
marked identifying in qualcode.toml. Each find is reported with its file and place (paragraph, cell, line).

In appendices (`.docx`, `.html`, `.md`) it also reads every attribution line (``— P07, female, Hoa, Site B
(IDI-29, turn 16)``): the values before the parentheses are matched against the participants' values as reports
show them (whatever attribute holds them; the participant id is not counted), and a line whose values fewer than
k participants hold together is reported with its line (paragraph in Word) and how many hold them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.analysis.disclosure import Population
from qualcode.analysis.disclosure import fold as fold_value
from qualcode.codings.name_match import Matcher, Term
from qualcode.errors import UsageError
from qualcode.report.reader_text import READERS, reader_places

LEAK_SUFFIXES = tuple(READERS)
MIN_TERM = 2  # a one-letter "term" would match everywhere
PLACES_SHOWN = 5  # places listed per term and file; the rest are counted


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
    """Every term found in every file (``found[file]`` counts ``(term, source)``; ``places[file][(term,
    source)]`` lists where, in file order) and every attribution shared by fewer than ``k`` participants
    (``singling_out[file]``); exit code 1 when any."""

    files: list[str] = field(default_factory=list)
    terms: int = 0
    found: dict[str, Counter] = field(default_factory=dict)
    places: dict[str, dict[tuple[str, str], list[str]]] = field(default_factory=dict)
    singling_out: dict[str, list[SinglingOut]] = field(default_factory=dict)
    attributions: int = 0  # attribution lines checked
    k: int = 1  # 1: attributions not checked
    participants: int = 0  # participants the attributions were checked against

    @property
    def return_code(self) -> int:
        """1 when any term or any attribution singling someone out was found."""
        return 1 if any(self.found.values()) or any(self.singling_out.values()) else 0


def read_key(path: Path) -> list[Term]:
    """The terms of a pseudonymisation key CSV (see :func:`qualcode.codings.pseudonyms.read_key`), its
    ``keep`` phrases among them. Raises InputFileError when the file cannot be read or has no terms."""
    from qualcode.codings.pseudonyms import read_key as read_pseudonyms

    return [Term(term, replacement) for term, replacement in read_pseudonyms(path).pairs]


def check_suffix(path: Path) -> str:
    """``path``'s suffix, lower case. Raises UsageError for a format leaks does not read."""
    suffix = path.suffix.lower()
    if suffix not in LEAK_SUFFIXES:
        raise UsageError(f"{path}: leaks reads {', '.join(LEAK_SUFFIXES)}")
    return suffix


def find_leaks(files: Sequence[Path], terms: Iterable[Term]) -> LeakReport:
    """Find each term in each file's text as its reader sees it (see :mod:`qualcode.report.reader_text`),
    place by place. Raises InputFileError for a damaged file, UsageError for a format not read."""
    unique: dict[str, Term] = {}
    for term in terms:
        key = " ".join(term.text.split()).casefold()
        if len(key) >= MIN_TERM:
            unique.setdefault(key, term)
    report = LeakReport([str(f) for f in files], sum(1 for t in unique.values() if t.replacement is not None))
    if not report.terms:
        return report
    matcher = Matcher(unique.values())
    for path in files:
        hits: Counter = Counter()
        where: dict[tuple[str, str], list[str]] = {}
        for place, text in reader_places(path):
            for _, _, term in matcher.find(text):
                if term.replacement is None:  # a keep phrase: no name
                    continue
                hits[(term.text, term.source)] += 1
                where.setdefault((term.text, term.source), []).append(place)
        report.found[str(path)] = hits
        report.places[str(path)] = where
    return report


ATTRIBUTION_SUFFIXES = (".docx", ".html", ".md")
_TAG = re.compile(r"<[^>]+>")
_TURN = re.compile(r"\bturn \d+\b")


def attribution_lines(path: Path) -> list[tuple[str, str]]:
    """``(place, text)`` of every attribution line (starting ``— ``) of an appendix: ``line N`` of a
    Markdown or HTML file, ``paragraph N`` of a Word file's body. Raises InputFileError when unreadable."""
    lines = [(place, text) for place, text in reader_places(path)[1:] if place.startswith(("line ", "paragraph "))]
    return [(place, " ".join(text.split())) for place, text in lines if text.strip().lstrip("> \t").startswith("— ")]


def split_attribution(text: str, documents: set[str]) -> tuple[str, str]:
    """An attribution line's person part and its parenthesised place (document, turn, time), without the
    leading ``— ``: ``("P07, female, Hoa", "IDI-29, turn 16")``."""
    head = text.strip().lstrip("> \t")[2:]
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

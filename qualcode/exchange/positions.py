"""What a ``.qdpx`` selection's positions count, per source, and how they map onto the text qualcode stores.

The REFI-QDA standard says "characters" and tools differ: QualCoder, ATLAS.ti and qualcode count code points,
NVivo counts UTF-16 code units (every character beyond U+FFFF — an emoji, a CJK extension-B character — is two),
some tools count UTF-8 bytes, and some count on the text after CRLF → LF. The readings differ only on texts
holding such characters, and there :func:`choose` weighs every signal:

1. ``--positions`` (``forced``) decides outright;
2. a reading under which some selection ends beyond the text, or starts or ends inside a character (between the
   two halves of a surrogate pair, inside a UTF-8 sequence), is out;
3. selection names, when the tool wrote them (most write the selected text): the reading whose text matches
   more names wins;
4. word boundaries: coders select words, so the reading under which clearly more selections start and end on a
   word boundary wins (a margin of a tenth of the selections that differ, at least one);
5. the exporting software (``origin``): NVivo counts UTF-16 units; QualCoder, ATLAS.ti, MAXQDA and qualcode code
   points.

When the data decide against what the origin says, or nothing decides, the choice comes with a warning naming
the document and how many selections the choice moves (:class:`Choice`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from qualcode.wording import plural

# The readings, as `--positions` names them, and the internal reading of positions counted after normalisation.
UNITS = {"codepoints": "points", "utf16": "utf16", "bytes": "bytes"}
NAMES = {"points": "code points", "utf16": "UTF-16 units", "bytes": "UTF-8 bytes",
         "normalised": "code points of the text with CRLF as LF"}


@dataclass(frozen=True)
class Choice:
    """The reading chosen for a source (``points``, ``utf16``, ``bytes`` or ``normalised``), why, and a warning
    when the evidence disagrees or does not decide (``affected``: selections another reading would move)."""

    mode: str
    reason: str = ""
    warning: str = ""
    affected: int = 0


def normalise_with_map(raw: str) -> tuple[str, list[int]]:
    """``raw`` normalised as ingest does (invisible characters such as BOMs dropped, CRLF and CR → LF, NFC) and,
    for every offset 0..len(raw) of ``raw``, the offset in the result holding the same character (a combined
    character maps to its start)."""
    from qualcode.ingest.encoding import INVISIBLE

    if "\r" not in raw and INVISIBLE.isdisjoint(raw) and unicodedata.is_normalized("NFC", raw):
        return raw, list(range(len(raw) + 1))
    pieces: list[str] = []
    offsets: list[int] = []
    out = 0
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch in INVISIBLE:
            offsets.append(out)
            i += 1
            continue
        if ch == "\r":
            offsets.append(out)
            if i + 1 < n and raw[i + 1] == "\n":
                offsets.append(out)
                i += 1
            pieces.append("\n")
            out += 1
            i += 1
            continue
        j = i + 1  # a cluster: a character and the combining marks after it
        while j < n and (unicodedata.combining(raw[j]) or raw[j] in INVISIBLE):
            j += 1
        cluster = unicodedata.normalize("NFC", "".join(c for c in raw[i:j] if c not in INVISIBLE))
        offsets.extend([out] * (j - i))
        pieces.append(cluster)
        out += len(cluster)
        i = j
    offsets.append(out)
    return "".join(pieces), offsets


def unit_table(text: str, mode: str) -> tuple[list[int], set[int]]:
    """For every offset of ``text`` counted in ``mode`` (``utf16`` or ``bytes``), the code-point offset it falls
    in, and the offsets that fall inside a character (not a place a selection can start or end)."""
    table: list[int] = []
    inside: set[int] = set()
    for index, ch in enumerate(text):
        width = (2 if ord(ch) > 0xFFFF else 1) if mode == "utf16" else len(ch.encode("utf-8", "surrogatepass"))
        table.append(index)
        for _ in range(width - 1):
            inside.add(len(table))
            table.append(index)
    table.append(len(text))
    return table, inside


def utf16_to_code_points(text: str) -> list[int]:
    """For every UTF-16 code-unit offset of ``text`` (0..units), the code-point offset it falls in."""
    return unit_table(text, "utf16")[0]


def _ideographic(ch: str) -> bool:
    code = ord(ch)
    return 0x2E80 <= code <= 0x9FFF or 0xAC00 <= code <= 0xD7AF or 0xF900 <= code <= 0xFAFF or code >= 0x20000


def _wordy(ch: str) -> bool:
    return ch.isalnum() or unicodedata.combining(ch) > 0 or ch in "_'’"


def at_boundary(text: str, index: int) -> bool:
    """Whether code-point offset ``index`` of ``text`` is a place a coder's selection can start or end: not
    inside a word of a script written with spaces, never before a combining mark (every gap between CJK
    characters counts, as those scripts have no spaces)."""
    if index <= 0 or index >= len(text):
        return True
    before, after = text[index - 1], text[index]
    if unicodedata.combining(after):
        return False
    if not (_wordy(before) and _wordy(after)):
        return True
    return _ideographic(before) or _ideographic(after)


def origin_unit(origin: str) -> str | None:
    """The reading the exporting software (``origin``) is known to write: ``utf16`` for NVivo, ``points`` for
    QualCoder, ATLAS.ti, MAXQDA and qualcode, None when unknown."""
    low = (origin or "").casefold()
    if "nvivo" in low:
        return "utf16"
    if any(tool in low for tool in ("qualcoder", "atlas.ti", "maxqda", "qualcode")):
        return "points"
    return None


def choose(raw: str, normalised: str, selections: Sequence[tuple[int, int, str]], origin: str = "",
           forced: str | None = None) -> Choice:
    """The reading of a source's positions (see the module docstring). ``selections`` are ``(start, end, name)``
    as written; ``forced`` is a ``--positions`` value."""
    if forced:
        return Choice(UNITS.get(forced, forced), f"--positions {forced}")
    tables: dict[str, tuple[list[int], set[int]]] = {}
    if any(ord(ch) > 0xFFFF for ch in raw):
        tables["utf16"] = unit_table(raw, "utf16")
    if not raw.isascii():
        tables["bytes"] = unit_table(raw, "bytes")
    spans: dict[str, list[tuple[int, int] | None]] = {"points": [(s, e) if 0 <= s <= e <= len(raw) else None
                                                                 for s, e, _ in selections]}
    for mode, (table, inside) in tables.items():
        spans[mode] = [(table[s], table[e]) if 0 <= s <= e < len(table) and s not in inside and e not in inside
                       else None for s, e, _ in selections]
    if normalised != raw:
        spans["normalised"] = [(s, e) if 0 <= s <= e <= len(normalised) else None for s, e, _ in selections]
    prior = origin_unit(origin)
    if len(spans) == 1 or not selections:
        return Choice("points")

    def text_of(mode: str, span: tuple[int, int]) -> str:
        return (normalised if mode == "normalised" else raw)[span[0]:span[1]]

    fits = {m: sum(s is not None for s in v) for m, v in spans.items()}
    most = max(fits.values())
    possible = [m for m in spans if fits[m] == most]
    differing = [i for i in range(len(selections)) if len({text_of(m, spans[m][i]) if spans[m][i] else None
                                                            for m in possible}) > 1]
    if len(possible) == 1 or not differing:
        mode = "points" if "points" in possible else possible[0]
        return Choice(mode, "only reading that fits" if len(possible) == 1 else "every reading agrees")

    def flat(value: str) -> str:
        return " ".join(unicodedata.normalize("NFC", value).split()).rstrip("…")[:40]

    named = [i for i in differing if flat(selections[i][2])]
    if named:
        scores = {m: sum(spans[m][i] is not None and flat(text_of(m, spans[m][i])).startswith(flat(selections[i][2]))
                         for i in named) for m in possible}
        best = max(scores.values())
        winners = [m for m in possible if scores[m] == best]
        if best and len(winners) == 1:
            return _decided(winners[0], "selection names", prior, spans, differing)

    def on_words(mode: str, i: int) -> bool:
        span = spans[mode][i]
        text = normalised if mode == "normalised" else raw
        # coders select words: a span starts and ends on a word boundary, and not on white space
        return span is not None and span[0] < span[1] and not text[span[0]].isspace() and \
            not text[span[1] - 1].isspace() and at_boundary(text, span[0]) and at_boundary(text, span[1])

    words = {m: sum(on_words(m, i) for i in differing) for m in possible}
    ranked = sorted(possible, key=lambda m: -words[m])
    margin = max(1, -(-len(differing) // 10))
    if words[ranked[0]] - words[ranked[1]] >= margin:
        return _decided(ranked[0], f"word boundaries ({words[ranked[0]]} of {len(differing)} selections)", prior,
                        spans, differing)
    if prior in possible:
        return Choice(prior, f"the exporting software ({origin})")
    mode = "points" if "points" in possible else possible[0]
    return Choice(mode, "nothing decides", f"cannot tell how its positions count; read as {NAMES[mode]}: "
                  f"{plural(len(differing), 'selection')} land elsewhere under another reading — check them, or "
                  "force a reading with --positions utf16|codepoints|bytes", len(differing))


def _decided(mode: str, reason: str, prior: str | None, spans: dict, differing: list[int]) -> Choice:
    """A choice the data made; with a warning when the exporting software is known to count otherwise."""
    if prior is None or prior == mode or prior not in spans:
        return Choice(mode, reason)
    return Choice(mode, reason, f"its positions read as {NAMES[mode]} ({reason}), though the exporting software "
                  f"counts {NAMES[prior]}: {plural(len(differing), 'selection')} would land elsewhere that way — "
                  "check them, or force a reading with --positions utf16|codepoints|bytes", len(differing))


def mapper(raw: str, mode: str):
    """A function from a position as the source wrote it (counted in ``mode``) to a code-point offset of ``raw``
    (``normalised`` positions are returned as they are)."""
    if mode in ("utf16", "bytes"):
        table = unit_table(raw, mode)[0]
        return lambda p: table[min(max(p, 0), len(table) - 1)]
    return lambda p: min(max(p, 0), len(raw))

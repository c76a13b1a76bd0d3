"""`qualcode show`: one transcript with its turn numbers, speakers, participants and timestamps — and, when
asked, its codings (selected as reports select them) as highlighted pieces of each turn's speech.

:func:`build_transcript` reads the store once into a :class:`Transcript`; the CLI draws it on the terminal
and :func:`transcript_html` writes it as one self-contained HTML page (a jinja2 template with autoescaping,
inline CSS, a legend in the codebook's colours, the coder, status and rule of each coding on hover).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.codebook.active import active_codebook
from qualcode.codebook.load import Codebook
from qualcode.codings.importing import resolve_document
from qualcode.codings.pseudonyms import hide, remap, stored
from qualcode.codings.selection import DRAFT_NOTE, Selection, select
from qualcode.errors import ProjectError, QualcodeError, UsageError
from qualcode.model import Role
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import CodingRow, open_store
from qualcode.wording import did_you_mean

# Tableau 10, for codes the codebook gives no colour (the sample codebook's colours come from it too).
PALETTE = ("#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7", "#9C755F",
           "#BAB0AC")
UNKNOWN_COLOUR = "#999999"


@dataclass(frozen=True)
class ShownCoding:
    """A selected coding as `show` presents it: ``start``/``end`` and ``text`` are its part inside one turn, as
    offsets into the shown document text (pseudonymised, when `qualcode pseudonymise` is on)."""

    id: int
    code: str
    label: str
    coder: str
    status: str
    rule: str
    start: int
    end: int
    text: str

    @property
    def hover(self) -> str:
        """What the HTML shows on hover: code, coder, status and rule."""
        lines = [f"{self.label} ({self.code})", f"coder: {self.coder}", f"status: {self.status}"]
        return "\n".join(lines + ([f"rule: {self.rule}"] if self.rule else []))


@dataclass(frozen=True)
class Piece:
    """A stretch of a turn's speech and the codings that cover all of it (none: uncoded text)."""

    text: str
    codings: tuple[ShownCoding, ...] = ()


@dataclass(frozen=True)
class ShownTurn:
    """One turn: number, speaker label, role, participant id, timestamp, speech and its codings (label and
    speech pseudonymised when `qualcode pseudonymise` is on)."""

    number: int
    label: str
    role: str
    participant: str
    timestamp: str
    text: str
    pieces: tuple[Piece, ...]
    codings: tuple[ShownCoding, ...]
    interpreted: str | None = None  # given through an interpreter: "" (language unnamed) or the language

    @property
    def margin(self) -> list[tuple[str, str]]:
        """``(code, label)`` of each code coded in the turn, once each, in order of appearance."""
        return list(dict.fromkeys((c.code, c.label) for c in self.codings))

    @property
    def who(self) -> str:
        """What `show` prints in brackets after the label: ``interviewer``, the participant id (unless it is
        the label), and ``interpreted from Khmer`` for a turn given through an interpreter."""
        who = "interviewer" if self.role == Role.INTERVIEWER.value else self.participant
        parts = [who] if who and who != self.label else []
        if self.interpreted is not None:
            parts.append(f"interpreted from {self.interpreted}" if self.interpreted else "interpreted")
        return ", ".join(parts)

    @property
    def speaker(self) -> str:
        """The label with the participant id beside it (``Mai [P07]``, ``Facilitator [interviewer]``,
        ``Bà Mum [P88, interpreted from Khmer]``)."""
        label = self.label or "(no label)"
        return f"{label} [{self.who}]" if self.who else label


@dataclass(frozen=True)
class LegendEntry:
    """A code shown in the document, its colour and how many of the shown codings are of it."""

    code: str
    label: str
    colour: str
    count: int


@dataclass(frozen=True)
class Transcript:
    """A document as `show` presents it."""

    document: str
    doc_type: str
    language: str
    attributes: tuple[tuple[str, str], ...]
    total_turns: int
    turns: tuple[ShownTurn, ...]
    with_codes: bool
    legend: tuple[LegendEntry, ...] = ()
    selection: str = ""
    draft: bool = False
    memos: tuple[str, ...] = ()  # the memos on the document and on its codings, as "author: text"

    @property
    def draft_note(self) -> str:
        """The draft banner's text."""
        return DRAFT_NOTE


def parse_turns(text: str | None, count: int) -> tuple[int, int]:
    """``(first, last)`` turn numbers from ``3-9``, ``5``, ``3-`` or ``-9`` (None: every turn). Raises
    UsageError for anything else or a range outside ``1..count``."""
    if not text:
        return 1, count
    match = re.fullmatch(r"\s*(\d*)\s*(?:([-–])\s*(\d*))?\s*", text)
    if not match or not (match.group(1) or match.group(3)):
        raise UsageError(f"--turns {text!r}: give a turn or a range such as 3-9")
    first = int(match.group(1)) if match.group(1) else 1
    last = int(match.group(3)) if match.group(3) else (count if match.group(2) else first)
    if first > last:
        raise UsageError(f"--turns {text!r}: the first turn comes after the last")
    if first < 1 or first > count:
        raise UsageError(f"--turns {text!r}: the document has turns 1–{count}")
    return first, min(last, count)


def colours(book: Codebook | None) -> dict[str, str]:
    """Each code's colour: the codebook's, else one of :data:`PALETTE` in codebook order."""
    if book is None:
        return {}
    return {c.id: c.color or PALETTE[i % len(PALETTE)] for i, c in enumerate(book.codes)}


def build_transcript(project: ProjectFolder, document: str, *, turns: str | None = None, codes: bool = False,
                     selection: Selection = Selection(), codebook: str | Path | None = None) -> Transcript:
    """The transcript of ``document`` (id, or file name), turns ``turns`` (``3-9``), with the selected
    codings when ``codes``. Raises UsageError for an unknown document or a bad range, ProjectError when
    nothing was ingested, NothingReviewed when only unreviewed suggestions could be shown."""
    store = open_store(project.store_path)
    try:
        ids = list(store.document_keys())
        if not ids:
            raise ProjectError("no documents: run `qualcode ingest` first")
        pseudonyms = stored(store)
        doc_id = resolve_document(ids, document)
        if doc_id is None and pseudonyms is not None:  # the id as a pseudonymised output shows it
            doc_id = resolve_document(ids, pseudonyms.original(document))
        if doc_id is None:
            shown = ", ".join(sorted(ids)[:8]) + (", …" if len(ids) > 8 else "")
            raise UsageError(f"unknown document {document!r}{did_you_mean(document, ids)}; documents: {shown}")
        doc = store.document(doc_id)
        rows = store.turns(doc_id)
        memos = tuple(hide(pseudonyms, f"{m.author}: {m.text}" if m.kind == "document" else
                           f"{m.author}, on coding {m.target}: {m.text}") for m in store.document_memos(doc_id))
        chosen: list[CodingRow] = []
        description = ""
        if codes:
            chosen = select(store, selection, document=doc_id)
            description = selection.describe(chosen)
    finally:
        store.close()
    assert doc is not None
    first, last = parse_turns(turns, len(rows)) if rows else (1, 0)
    book = None
    if codes:
        try:
            book = active_codebook(project, codebook)
        except QualcodeError:  # codings still show, with their ids, when no codebook can be read
            book = None
    palette = colours(book)
    labels = {c.id: hide(pseudonyms, c.label) for c in book.codes} if book else {}
    shown_turns = []
    used: dict[str, int] = {}
    # With a key, the whole text is pseudonymised once and every offset moved onto it, so a highlight still
    # covers the same words and a name cut by a coding's edge is replaced whole.
    text, moved = remap(doc.text, pseudonyms)
    for row in rows:
        if not first <= row.number <= last:
            continue
        inside = [c for c in chosen if c.start < row.end and row.start < c.end] if row.end > row.start else []
        start, end = moved.start(row.start), moved.end(row.end)
        turn_codings = []
        for c in inside:
            a, b = moved.start(max(c.start, row.start)), moved.end(min(c.end, row.end))
            turn_codings.append(ShownCoding(c.id, c.code, labels.get(c.code, c.code), c.coder, c.status, c.rule,
                                            a, b, text[a:b]))
        for c in turn_codings:
            used[c.code] = used.get(c.code, 0) + 1
        shown_turns.append(ShownTurn(row.number, hide(pseudonyms, row.label or ""), row.role.value,
                                     hide(pseudonyms, row.participant or ""), row.timestamp or "", text[start:end],
                                     _pieces(text, start, end, turn_codings), tuple(turn_codings),
                                     row.interpreted))
    order = {c.id: i for i, c in enumerate(book.codes)} if book else {}
    legend = tuple(LegendEntry(code, labels.get(code, code), palette.get(code, UNKNOWN_COLOUR), n)
                   for code, n in sorted(used.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    attributes = tuple((k, hide(pseudonyms, str(v))) for k, v in sorted(doc.attributes.items())
                       if k not in ("id", "type", "language"))
    return Transcript(pseudonyms.document(doc.id) if pseudonyms else doc.id, doc.doc_type.value, doc.language,
                      attributes, len(rows), tuple(shown_turns), codes,
                      legend, description, codes and selection.draft, memos)


def _pieces(text: str, start: int, end: int, codings: Sequence[ShownCoding]) -> tuple[Piece, ...]:
    """The speech ``text[start:end]`` cut at every coding boundary, each piece with the codings covering it."""
    cuts = sorted({start, end, *(c.start for c in codings), *(c.end for c in codings)})
    pieces = []
    for a, b in zip(cuts, cuts[1:]):
        if b <= a:
            continue
        covering = tuple(c for c in codings if c.start <= a and b <= c.end)
        if pieces and pieces[-1].codings == covering:
            pieces[-1] = Piece(pieces[-1].text + text[a:b], covering)
        else:
            pieces.append(Piece(text[a:b], covering))
    return tuple(pieces)


def rgba(colour: str, alpha: float) -> str:
    """``#RRGGBB`` or ``#RGB`` as a CSS ``rgba(…)`` with ``alpha``."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    red, green, blue = (int(digits[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def highlight_style(codings: Sequence[ShownCoding], palette: dict[str, str]) -> str:
    """The CSS background of a piece: its code's colour, or stripes of each code's colour when several
    codes cover it."""
    codes = list(dict.fromkeys(c.code for c in codings))
    tints = [rgba(palette.get(code, UNKNOWN_COLOUR), 0.38) for code in codes]
    if len(tints) == 1:
        return f"background-color: {tints[0]}"
    step = 100 / len(tints)
    stops = ", ".join(f"{t} {i * step:.0f}%, {t} {(i + 1) * step:.0f}%" for i, t in enumerate(tints))
    return f"background-image: linear-gradient(180deg, {stops})"


def transcript_html(transcript: Transcript) -> str:
    """The transcript as one self-contained HTML page."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("qualcode.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"], default=True), keep_trailing_newline=True)
    palette = {entry.code: entry.colour for entry in transcript.legend}
    return env.get_template("transcript.html.j2").render(
        t=transcript, style=lambda codings: highlight_style(codings, palette), palette=palette,
        tint=lambda code: rgba(palette.get(code, UNKNOWN_COLOUR), 0.38))


def write_transcript_html(transcript: Transcript, path: Path) -> None:
    """Write the HTML page to ``path`` (UTF-8). Raises UsageError for another suffix than .html / .htm and
    OSError when it cannot be written."""
    if path.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"{path}: `show -o` writes an HTML page; name a .html file")
    path.write_text(transcript_html(transcript), encoding="utf-8", newline="\n")

"""Manual coding from the command line: `qualcode tag` codes a turn's speech, `qualcode untag` removes it.

A tag is a human coding (status ``accepted``, origin ``tag``) by a named coder, defaulting to ``qualcode.toml``'s
``[project] coder``. It covers the whole speech of a turn — the span after the speaker label and timestamp — or
a part of it: some words of the turn (placed with :mod:`qualcode.codings.align`), its Nth sentence, or a
character range counted from the start of the turn's speech.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qualcode.codebook.active import active_codebook
from qualcode.codebook.load import Codebook
from qualcode.codebook.names import unknown_code
from qualcode.codings.align import Aligner, Miss
from qualcode.codings.importing import resolve_document
from qualcode.errors import QualcodeError, UsageError
from qualcode.model import Role
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import Store, TurnRow, open_store
from qualcode.wording import did_you_mean

AUTO = "auto"


@dataclass(frozen=True)
class SpanChoice:
    """Which part of a turn to code: at most one of some ``text`` of the turn (widened to whole words), its
    ``sentence`` (1-based) or ``chars`` ``"A-B"`` (code points from the start of the turn's speech, end
    exclusive); none = the whole turn."""

    text: str | None = None
    sentence: int | None = None
    chars: str | None = None

    @property
    def whole_turn(self) -> bool:
        """Whether no part was asked for."""
        return self.text is None and self.sentence is None and self.chars is None


WHOLE_TURN = SpanChoice()


@dataclass(frozen=True)
class TagResult:
    """What `tag` did: the coding (new, or the coder's existing one on that span) and where it is."""

    document: str
    turn: int
    code: str
    coder: str
    coding_id: int
    created: bool  # False when the coder had already tagged this turn with this code
    text: str
    interviewer: bool  # reports leave codings on interviewer turns out
    start: int = 0  # the coded span in the document's stored text
    end: int = 0


@dataclass(frozen=True)
class UntagResult:
    """What `untag` removed."""

    document: str
    turn: int
    code: str
    coder: str
    removed: int


def coder_name(project: ProjectFolder, coder: str | None) -> str:
    """``coder``, else ``qualcode.toml``'s ``[project] coder``. Raises UsageError when neither is set or the
    name is a machine coder's (``auto``, ``learned``, ``similar``, ``llm``: their suggestions are reviewed,
    and a person's codings under their name would be taken for machine output)."""
    from qualcode.autocode.suggesters import MACHINE_CODERS

    name = (coder or project.config.coder or "").strip()
    if not name:
        raise UsageError("name the coder with --coder (or set [project] coder in qualcode.toml)")
    if name == AUTO:
        raise UsageError("`auto` is the rule coder: review its suggestions (`qualcode review`) instead")
    if name.casefold() in MACHINE_CODERS:
        raise UsageError(f"`{name}` is the name of a machine suggester (`qualcode suggest`): code by hand under "
                         "your own name")
    return name


def find_turn(store: Store, document: str, number: int) -> tuple[str, TurnRow]:
    """The document id and its turn ``number``. Raises UsageError for an unknown document or turn."""
    ids = [d for d in store.document_keys()]
    doc_id = resolve_document(ids, document)
    if doc_id is None:
        shown = ", ".join(sorted(ids)[:8]) + (", …" if len(ids) > 8 else "")
        raise UsageError(f"unknown document {document!r}{did_you_mean(document, ids)}; documents: "
                         f"{shown or '(none: run `qualcode ingest`)'}")
    turns = store.turns(doc_id)
    turn = next((t for t in turns if t.number == number), None)
    if turn is None:
        raise UsageError(f"{doc_id} has no turn {number}; its turns are 1–{len(turns)}" if turns
                         else f"{doc_id} has no turns")
    return doc_id, turn


def _code_id(book: Codebook, code: str) -> str:
    target = book.resolve(code)
    if target is None:
        raise UsageError(unknown_code(book, code))
    refuse_category(book, target)
    return target.id


def refuse_category(book: Codebook, code) -> None:
    """Raise UsageError when ``code`` is a category (``codable: false``), naming its children to code instead."""
    if not code.codable:
        kids = ", ".join(code.children[:6]) + (", …" if len(code.children) > 6 else "")
        raise UsageError(f"code {code.id!r} is a category (codable: false in {Path(book.path).name or 'the codebook'})"
                         f" and cannot be coded" + (f": code one of its children ({kids})" if kids else ""))


def span_in_turn(store: Store, doc_id: str, row: TurnRow, choice: SpanChoice) -> tuple[int, int]:
    """``(start, end)`` in the document of the part of turn ``row`` that ``choice`` names (the whole speech by
    default). Raises UsageError when several parts are asked for, the text is not in the turn or is there more
    than once, the sentence does not exist, or the range is malformed or outside the speech."""
    where = f"{doc_id} turn {row.number}"
    asked = [o for o, v in (("--text", choice.text), ("--sentence", choice.sentence), ("--chars", choice.chars))
             if v is not None]
    if len(asked) > 1:
        raise UsageError(f"give one of {', '.join(asked)}, not several")
    if row.end <= row.start:
        raise UsageError(f"{where} has no speech to code")
    speech = store.document(doc_id).text[row.start:row.end]
    if choice.text is not None:
        placed = Aligner(speech).place(choice.text)
        if isinstance(placed, Miss):
            if placed.reason == "ambiguous":
                offsets = ", ".join(str(p) for p in placed.places)
                raise UsageError(f"{choice.text!r} is {len(placed.places)} times in {where} (at characters "
                                 f"{offsets}): give more words, or the span with --chars A-B")
            raise UsageError(f"{choice.text!r} is not in {where}" if placed.reason != "empty"
                             else "--text is empty")
        start, end = placed.start, placed.end
        while start > 0 and speech[start - 1].isalnum() and speech[start].isalnum():
            start -= 1  # a hand coding codes whole words: "terpret" codes "interpreter"
        while end < len(speech) and speech[end].isalnum() and speech[end - 1].isalnum():
            end += 1
        return row.start + start, row.start + end
    if choice.sentence is not None:
        sentences = store.sentences(doc_id).get(row.number, [])
        if not 1 <= choice.sentence <= len(sentences):
            raise UsageError(f"{where} has no sentence {choice.sentence}; it has {len(sentences)}")
        chosen = sentences[choice.sentence - 1]
        return chosen.start, chosen.end
    if choice.chars is not None:
        first, dash, last = choice.chars.partition("-")
        if not (dash and first.strip().isdigit() and last.strip().isdigit()):
            raise UsageError(f"--chars {choice.chars!r}: write it as A-B, e.g. --chars 0-40 (characters of the "
                             "turn's speech, counted from 0, end exclusive)")
        start, end = int(first), int(last)
        if start >= end:
            raise UsageError(f"--chars {choice.chars}: A must be less than B")
        if end > len(speech):
            raise UsageError(f"--chars {choice.chars}: {where}'s speech has {len(speech)} characters, so B is at "
                             f"most {len(speech)}")
        return row.start + start, row.start + end
    return row.start, row.end


def tag(project: ProjectFolder, document: str, turn: int, code: str, *, coder: str | None = None,
        codebook: str | Path | None = None, span: SpanChoice = WHOLE_TURN) -> TagResult:
    """Code the speech of turn ``turn`` of ``document`` — or the part of it ``span`` names — with ``code``
    (id, label or path) as ``coder``.

    Tagging a span twice with the same code changes nothing. Raises UsageError for an unknown document, turn
    or code, a turn without speech, a span that cannot be placed (see :func:`span_in_turn`), or no coder;
    CodebookInvalid or ProjectError for an unusable codebook.
    """
    name = coder_name(project, coder)
    book = active_codebook(project, codebook)
    code_id = _code_id(book, code)
    store = open_store(project.store_path)
    try:
        doc_id, row = find_turn(store, document, turn)
        start, end = span_in_turn(store, doc_id, row, span)
        text = store.document(doc_id).text[start:end]
        interviewer = row.role is Role.INTERVIEWER
        existing = next((c for c in store.codings(doc_id) if c.coder == name and c.code == code_id
                         and (c.start, c.end) == (start, end) and c.status != "rejected"), None)
        if existing is not None:
            return TagResult(doc_id, turn, code_id, name, existing.id, False, text, interviewer, start, end)
        with store.transaction():
            new_id = store.add_coding(doc_id, start, end, code_id, name, "accepted", text, origin="tag",
                                      codebook=(book.name, book.version, book.content_hash))
    finally:
        store.close()
    return TagResult(doc_id, turn, code_id, name, new_id, True, text, interviewer, start, end)


def untag(project: ProjectFolder, document: str, turn: int, code: str, *, coder: str | None = None,
          codebook: str | Path | None = None, span: SpanChoice = WHOLE_TURN) -> UntagResult:
    """Remove ``coder``'s codings of ``code`` that start in turn ``turn`` of ``document`` (the turn that
    `codings export` gives them), however they were made — or, when ``span`` names a part of the turn, the
    coder's coding of exactly that part. Returns how many were removed.

    ``code`` is an id, label or path of the active codebook, or the id stored on the codings. Raises
    UsageError for an unknown document, turn or code or no coder, and QualcodeError when the coder has no
    such coding there.
    """
    name = coder_name(project, coder)
    book = active_codebook(project, codebook)
    store = open_store(project.store_path)
    try:
        doc_id, row = find_turn(store, document, turn)
        codings = store.codings(doc_id)
        target = book.resolve(code)
        if target is not None:
            code_id = target.id
        elif any(c.code == code for c in codings):
            code_id = code  # a code no longer in the codebook, named by its stored id
        else:
            raise UsageError(unknown_code(book, code))
        following = [t.start for t in store.turns(doc_id) if t.number > row.number]
        stop = following[0] if following else len(store.document(doc_id).text) + 1
        if span.whole_turn:
            doomed = [c.id for c in codings if c.coder == name and c.code == code_id and row.start <= c.start < stop]
        else:
            start, end = span_in_turn(store, doc_id, row, span)
            doomed = [c.id for c in codings
                      if c.coder == name and c.code == code_id and (c.start, c.end) == (start, end)]
        if not doomed:
            on = "" if span.whole_turn else f" at that span ({start}-{end})"
            raise QualcodeError(f"{name} has no coding of {code_id} on {doc_id} turn {turn}{on}")
        with store.transaction():
            for coding_id in doomed:
                store.delete_coding(coding_id)
    finally:
        store.close()
    return UntagResult(doc_id, turn, code_id, name, len(doomed))

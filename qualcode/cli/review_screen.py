"""The terminal side of `qualcode review`: shows each suggestion and reads one key per decision.

Built on prompt_toolkit, and it writes only through the current prompt_toolkit app session, so tests drive
it with ``create_pipe_input`` and a ``DummyOutput`` (or a ``PlainTextOutput`` over a string buffer). Every
decision goes through :class:`qualcode.review.ReviewSession`, which saves it at once; ending the input
(Ctrl-D, a closed pipe) or Ctrl-C quits like ``q``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from prompt_toolkit import print_formatted_text
from prompt_toolkit.application import Application, get_app_session
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.key_binding import KeyBindings
from prompt_toolkit.layout import FormattedTextControl, Layout, Window
from prompt_toolkit.output.plain_text import PlainTextOutput
from prompt_toolkit.shortcuts import PromptSession
from prompt_toolkit.styles import Style
from prompt_toolkit.utils import get_cwidth
from prompt_toolkit.validation import Validator

from qualcode.codebook.load import Code, Codebook
from qualcode.codings.review_session import Item, Progress, ReviewSession
from qualcode.errors import QualcodeError
from qualcode.wording import plural

KEYS = (("a", "accept"), ("r", "reject"), ("c", "change code"), ("o", "also code as"), ("w", "widen"),
        ("m", "memo"), ("s", "skip"), ("u", "undo"), ("q", "quit"))
WIDEN_KEYS = (("s", "to its sentence"), ("t", "to its turn"), ("x", "cancel"))
END_KEYS = (("u", "undo the last decision"), ("q", "quit"))
CONTEXT = 320  # characters of the turn shown on each side of the coded span
PREVIOUS = 300  # characters shown of the preceding turn

STYLE = Style.from_dict({
    "rule": "ansibrightblack",
    "progress": "bold",
    "where": "ansibrightblack",
    "speaker": "bold",
    "previous": "ansibrightblack",
    "span": "reverse bold",
    "mark": "bold ansiyellow",
    "label": "bold ansicyan",
    "definition": "italic",
    "key": "bold ansiyellow",
    "ok": "ansigreen",
    "no": "ansired",
    "note": "ansiyellow",
})


def run_review(session: ReviewSession) -> Progress:
    """Review ``session``'s suggestions until the reviewer quits or the input ends; returns the progress."""
    _say([("", f"Reviewing {plural(len(session.items), 'suggestion')} ({session.filters.describe(session.book)}). "
                "Each decision is saved at once: quit any time and run the same command again to go on.")])
    try:
        _loop(session)
    except KeyboardInterrupt:  # Ctrl-C between two keys; a decision being written is rolled back whole
        pass
    return session.progress()


def _loop(session: ReviewSession) -> None:
    show_card = True
    while True:
        item = session.current
        if item is None:
            progress = session.progress()
            _say([("class:rule", "── "),
                  ("class:progress", f"end of the list: {progress.total} of {progress.total} seen"),
                  ("class:rule", f" · {_counts(progress)}")])
            key = _read_key(END_KEYS)
        else:
            if show_card:
                _say(card(item, session.progress(), _width()))
            key = _read_key(KEYS)
        if key == "q":
            break
        try:
            show_card = HANDLERS[key](session)
        except QualcodeError as exc:
            _say([("class:no", f"  ! {exc}")])
            show_card = session.current is not item
        except EOFError:  # the input ended while asking for a code: quit like q
            break


def _accept(session: ReviewSession) -> bool:
    session.accept()
    _say([("class:ok", "  ✓ accepted")])
    return True


def _reject(session: ReviewSession) -> bool:
    session.reject()
    _say([("class:no", "  ✗ rejected")])
    return True


def _recode(session: ReviewSession) -> bool:
    if not _know_reviewer(session):
        return False
    code = _ask_code(session)
    if code is None:
        _say([("class:note", "  (code unchanged)")])
        return False
    session.recode(code)
    _say([("class:ok", f"  → changed to {session.book.label_path(code)} (coded by {session.reviewer}; "
                       "the suggestion is rejected)")])
    return True


def _also(session: ReviewSession) -> bool:
    if not _know_reviewer(session):
        return False
    code = _ask_code(session, "  also code as (type part of its label or id, ↑↓ or Tab to pick; empty cancels): ")
    if code is None:
        _say([("class:note", "  (nothing added)")])
        return False
    session.also(code)
    _say([("class:ok", f"  + also coded as {session.book.label_path(code)} (by {session.reviewer}); now decide on "
                       "the suggestion itself")])
    return False


def _widen(session: ReviewSession) -> bool:
    if not _know_reviewer(session):
        return False
    unit = {"s": "sentence", "t": "turn"}.get(_read_key(WIDEN_KEYS))
    if unit is None:
        _say([("class:note", "  (span unchanged)")])
        return False
    decision = session.widen(unit)
    text = session.store.coding(decision.new_coding_id).text if decision.new_coding_id else ""
    _say([("class:ok", f"  ✓ accepted, and widened to its {unit} (coded by {session.reviewer}): "), ("", _short(text))])
    return True


def _memo(session: ReviewSession) -> bool:
    if not _know_reviewer(session):
        return False
    text = _ask_line("  memo on this suggestion (empty cancels): ")
    if not text:
        _say([("class:note", "  (no memo)")])
        return False
    session.add_memo(text)
    _say([("class:ok", f"  ✎ memo saved (by {session.reviewer})")])
    return False


def _know_reviewer(session: ReviewSession) -> bool:
    """Whether the reviewer's name is known, asking for it when it is not (an empty answer cancels)."""
    if session.reviewer:
        return True
    name = _ask_line("  your name, recorded on the codes you add (empty cancels): ")
    if not name:
        _say([("class:note", "  (cancelled: a changed or added code needs your name)")])
        return False
    session.set_reviewer(name)
    return True


def _ask_line(message: str) -> str:
    """One line typed by the reviewer, stripped; empty when cancelled (Ctrl-C). Raises EOFError when the input
    ends."""
    prompt: PromptSession[str] = PromptSession(FormattedText([("", message)]), style=STYLE)
    try:
        return prompt.prompt().strip()
    except KeyboardInterrupt:
        return ""


def _skip(session: ReviewSession) -> bool:
    session.skip()
    _say([("class:note", "  · skipped (stays suggested)")])
    return True


def _undo(session: ReviewSession) -> bool:
    back = session.undo()
    _say([("class:note", f"  ↶ undone — back to {back.code_label}: "), ("", _short(back.marked()[1]))])
    return True


# Each handler decides (or not) and says what it did; it returns whether to show the current card again.
HANDLERS = {"a": _accept, "r": _reject, "c": _recode, "o": _also, "w": _widen, "m": _memo, "s": _skip, "u": _undo}


def card(item: Item, progress: Progress, width: int = 100) -> FormattedText:
    """The screen for one suggestion, filled to ``width`` columns: progress and where it is, the preceding
    turn, the turn with the coded span marked, the code's label and definition, and the matching rule."""
    coding = item.coding
    where = [coding.document] + ([f"turn {item.speech.turn}"] if item.speech.turn else [])
    where += [item.speech.timestamp] if item.speech.timestamp else []
    shown = min(progress.position, progress.total)
    blocks: list[tuple[str, list[tuple[str, str]]]] = [
        ("", [("class:rule", "── "), ("class:progress", f"{shown} of {progress.total}"),
              ("class:rule", f" · {_counts(progress)} ── "), ("class:where", " · ".join(where))])]
    if item.previous is not None:
        blocks.append(("    ", [("class:previous", f"  {item.previous.speaker}: {item.previous_text(PREVIOUS)}")]))
    before, span, after = item.marked(CONTEXT)
    blocks.append(("    ", [("class:speaker", f"  {item.speech.speaker}: "), ("", before), ("class:mark", "«"),
                            ("class:span", span), ("class:mark", "»"), ("", after)]))
    label = item.code_path if item.in_codebook else f"{item.code_label} (not in the active codebook)"
    blocks.append(("", []))
    blocks.append(("        ", [("", "  code  "), ("class:label", label), ("class:where", f"  [{coding.code}]")]))
    if item.definition:
        blocks.append(("        ", [("class:definition", "        " + " ".join(item.definition.split()))]))
    if coding.rule:
        blocks.append(("        ", [("class:where", f"  rule  {coding.rule}")]))
    parts: list[tuple[str, str]] = [("", "\n")]
    for indent, fragments in blocks:
        parts += fill(fragments, width, indent) + [("", "\n")]
    return FormattedText(parts)


def fill(fragments: list[tuple[str, str]], width: int, indent: str = "") -> list[tuple[str, str]]:
    """Styled ``fragments`` filled to ``width`` columns; continuation lines start with ``indent``.

    A word may span fragments (``«`` and the span's first word stay together); spaces at the start of the
    text are kept as its indentation and line breaks in the text are kept.
    """
    tokens = [(style, piece) for style, text in fragments for piece in re.split(r"(\s+)", text) if piece]
    out: list[tuple[str, str]] = []
    column, i = 0, 0
    space: tuple[str, str] | None = None  # the spaces between two words (reversed inside the span)
    while i < len(tokens):
        style, piece = tokens[i]
        if piece.isspace():
            i += 1
            if "\n" in piece:
                out += [("", "\n" * piece.count("\n") + indent)]
                column, space = len(indent), None
            elif not out:
                out.append((style, piece))
                column += len(piece)
            else:
                space = (style, piece)
            continue
        word = []
        while i < len(tokens) and not tokens[i][1].isspace():
            word.append(tokens[i])
            i += 1
        size = sum(get_cwidth(text) for _, text in word)
        gap = len(space[1]) if space else 0
        if column > len(indent) and column + gap + size > width:
            out.append(("", "\n" + indent))
            column = len(indent)
        elif space is not None:
            out.append(space)
            column += gap
        out += word
        column += size
        space = None
    return out


def _counts(progress: Progress) -> str:
    also = f" · {progress.also} also coded" if progress.also else ""
    return (f"decided {progress.decided} ({progress.accepted} accepted, {progress.rejected} rejected, "
            f"{progress.recoded} changed) · {progress.skipped} skipped{also}")


def _width() -> int:
    return max(40, get_app_session().output.get_size().columns - 1)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _say(parts: list[tuple[str, str]] | FormattedText) -> None:
    print_formatted_text(FormattedText(parts), style=STYLE)


def _read_key(keys: tuple[tuple[str, str], ...]) -> str:
    """One of ``keys`` (either case); Ctrl-C, Ctrl-D and the end of the input read as ``q``."""
    bindings = KeyBindings()
    for key, _ in keys:
        for variant in {key, key.upper()}:
            bindings.add(variant)(lambda event, key=key: event.app.exit(result=key))
    for quit_key in ("c-c", "c-d"):
        bindings.add(quit_key)(lambda event: event.app.exit(result="q"))
    bindings.add("<any>")(lambda event: None)  # other keys do nothing
    help_line = key_lines(keys, _width())
    app: Application[str] = Application(
        layout=Layout(Window(FormattedTextControl(FormattedText(help_line)), dont_extend_height=True)),
        key_bindings=bindings, style=STYLE, erase_when_done=True)
    try:
        key = app.run()
    except EOFError:
        key = "q"
    if isinstance(get_app_session().output, PlainTextOutput):  # a pipe keeps the keys line a terminal erases: end it
        _say([])
    return key


def key_lines(keys: tuple[tuple[str, str], ...], width: int) -> list[tuple[str, str]]:
    """The keys and what they do (``a accept   r reject …``), on as many lines of ``width`` as they need,
    never breaking between a key and its name."""
    out: list[tuple[str, str]] = [("", "  ")]
    column = 2
    for key, name in keys:
        size = len(key) + 1 + get_cwidth(name)
        if column > 2 and column + size > width:
            out.append(("", "\n  "))
            column = 2
        out += [("class:key", key), ("", f" {name}   ")]
        column += size + 3
    return out


def find_code(book: Codebook, typed: str) -> Code | None:
    """The code named by id, label or path; else the only code whose id or label path contains ``typed``."""
    code = book.resolve(typed)
    if code is None and typed.strip():
        matches = _matching(book, typed)
        code = matches[0] if len(matches) == 1 else None
    return code


def _matching(book: Codebook, typed: str) -> list[Code]:
    wanted = " ".join(typed.split()).casefold()
    return [c for c in book.codes if wanted in c.id.casefold() or wanted in book.label_path(c.id).casefold()]


class CodeCompleter(Completer):
    """Offers the codes whose id or label path contains what was typed (all of them at first), each shown in
    at most ``width`` columns with its id: a long label path keeps its end (``… > Health care``)."""

    def __init__(self, book: Codebook, width: int | None = None) -> None:
        self.book = book
        self.width = width

    def get_completions(self, document: Document, complete_event: object) -> Iterator[Completion]:
        typed = document.text_before_cursor
        width = self.width or _width()
        for code in _matching(self.book, typed):
            room = max(12, width - get_cwidth(code.id) - 6)  # the menu's borders, padding and the id column
            yield Completion(code.id, start_position=-len(typed), display=fit(self.book.label_path(code.id), room),
                             display_meta=code.id)


def fit(text: str, width: int) -> str:
    """``text`` in at most ``width`` columns, keeping its end after an ellipsis when it is cut."""
    if get_cwidth(text) <= width:
        return text
    kept = ""
    for ch in reversed(text):
        if get_cwidth(ch + kept) > width - 1:
            break
        kept = ch + kept
    return "…" + kept


def menu_rows() -> int:
    """How many codes the picker's menu shows at once: as many as the screen has room for, from 3 to 12."""
    return max(3, min(12, get_app_session().output.get_size().rows - 4))


def _ask_code(session: ReviewSession, message: str = "  new code (type part of its label or id, ↑↓ or Tab to "
              "pick; empty cancels): ") -> str | None:
    """The id of the code to use instead, or None when the reviewer cancels (empty line, Ctrl-C).

    Raises EOFError when the input ends.
    """
    book = session.book
    valid = Validator.from_callable(lambda text: not text.strip() or find_code(book, text) is not None,
                                    error_message="no such code (or several match): pick one from the list; "
                                                  "an empty line cancels", move_cursor_to_end=True)
    prompt: PromptSession[str] = PromptSession(
        FormattedText([("", message)]), completer=CodeCompleter(book), complete_while_typing=True,
        validator=valid, validate_while_typing=False, style=STYLE, reserve_space_for_menu=menu_rows())
    try:
        answer = prompt.prompt(pre_run=prompt.default_buffer.start_completion)
    except KeyboardInterrupt:
        return None
    code = find_code(book, answer)
    return code.id if code else None

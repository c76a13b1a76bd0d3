"""`qualcode review` driven through prompt_toolkit's pipe input on a real, auto-coded store."""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, db
from helpers import make_project
from prompt_toolkit.application import create_app_session
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.plain_text import PlainTextOutput

from qualcode import open_project
from qualcode.cli.review_screen import fill, run_review
from qualcode.codings.review_session import Progress, ReviewConflict, head, open_review, tail
from qualcode.errors import UsageError
from qualcode.project.store import open_store

CODEBOOK = """\
codebook: Barriers test
version: "2.0"
codes:
  - id: language
    label: Language barriers
    definition: Difficulties caused by language or literacy.
    rules:
      - keywords: [interpreter, "speak Kinh"]
    children:
      - id: language.literacy
        label: Literacy
        definition: Reading and writing.
        rules:
          - keywords: [read]
  - id: workload
    label: Workload
    definition: Unpaid work that leaves no time.
    rules:
      - keywords: [housework]
"""

IDI_01 = """---
participant: P01
---
Interviewer: Is there an interpreter?
Respondent: No interpreter. The nurse speaks Kinh only. I cannot read.
Interviewer: And at home?
Respondent: Housework all day.
"""

IDI_02 = """---
participant: P02
---
Interviewer: How was the clinic?
Respondent: I needed an interpreter at the clinic.
"""

# The suggestions of the fixture, in review order.
FIRST, SECOND, THIRD, FOURTH, FIFTH = ("No interpreter.", "The nurse speaks Kinh only.", "I cannot read.",
                                       "Housework all day.", "I needed an interpreter at the clinic.")


@pytest.fixture
def coded(tmp_path: Path, cli) -> Path:
    """A project with two interviews, ingested and auto-coded: five suggestions."""
    make_project(tmp_path, {"IDI-01.txt": IDI_01, "IDI-02.txt": IDI_02}, CODEBOOK)
    result = cli("code", "--project", tmp_path)
    assert result.exit_code == 0, result.output
    assert [text for text, *_ in stored(tmp_path)] == [FIRST, SECOND, THIRD, FOURTH, FIFTH]
    return tmp_path


def stored(project: Path) -> list[tuple[str, str, str, str]]:
    """``(text, code, coder, status)`` of every coding, in document and position order."""
    con = db(project)
    try:
        return con.execute('SELECT text, code, coder, status FROM codings ORDER BY document, start, "end", '
                           "coder = 'auto' DESC, id").fetchall()
    finally:
        con.close()


def statuses(project: Path) -> list[str]:
    """The status of every auto suggestion, in review order."""
    return [status for _, _, coder, status in stored(project) if coder == "auto"]


def review(project: Path, keys: str, **options) -> tuple[Progress, str]:
    """Run one review session on ``keys``, the input ending after them; returns its progress and what it showed
    (whitespace collapsed, as lines are filled to the output's width)."""
    shown = io.StringIO()
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=PlainTextOutput(shown)):
        pipe.send_text(keys)
        pipe.close()
        with open_review(open_project(project), **options) as session:
            progress = run_review(session)
    return progress, " ".join(shown.getvalue().split())


class LiveReview:
    """A review running in a thread, fed one key at a time, so the store can be read while it runs."""

    def __init__(self, project: Path, **options) -> None:
        self.pipe_context = create_pipe_input()
        self.pipe = self.pipe_context.__enter__()
        self.progress: Progress | None = None
        self.ended = False
        self.thread = threading.Thread(target=self._run, args=(project, options), daemon=True)
        self.thread.start()

    def _run(self, project: Path, options: dict) -> None:
        with create_app_session(input=self.pipe, output=DummyOutput()):
            with open_review(open_project(project), **options) as session:
                self.progress = run_review(session)

    def press(self, keys: str) -> None:
        self.pipe.send_text(keys)

    def end_input(self) -> Progress | None:
        """Close the input (as when the terminal goes away) and wait for the session to end."""
        self.ended = True
        self.pipe.close()
        self.thread.join(10)
        self.pipe_context.__exit__(None, None, None)
        return self.progress

    def __enter__(self) -> LiveReview:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.ended:
            self.end_input()


def wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    """Wait until ``condition()`` holds (a decision reaches the store), failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the store"
        time.sleep(0.02)


# -- what a reviewer sees ------------------------------------------------------------------------------------
def test_card_shows_passage_question_code_definition_progress_and_keys(coded: Path) -> None:
    """A suggestion is shown with the preceding question, the speaker, the marked span, the code's label and
    definition, the matching rule, the progress and the keys."""
    _, shown = review(coded, "q")
    assert "Reviewing 5 suggestions (coder auto)" in shown
    assert "1 of 5 · decided 0 (0 accepted, 0 rejected, 0 changed) · 0 skipped" in shown
    assert "IDI-01 · turn 2" in shown
    assert "Interviewer: Is there an interpreter?" in shown
    assert "Respondent (P01): «No interpreter.» The nurse speaks Kinh only. I cannot read." in shown
    assert "code Language barriers [language]" in shown
    assert "Difficulties caused by language or literacy." in shown
    assert 'rule codes[0].rules[0] keyword "interpreter"' in shown
    assert all(key in shown for key in ("a accept", "r reject", "c change code", "s skip", "u undo", "q quit"))


def test_child_code_is_shown_with_its_parent(coded: Path) -> None:
    """A child code is shown as its label path, with its own definition."""
    _, shown = review(coded, "ss")
    assert "code Language barriers > Literacy [language.literacy]" in shown
    assert "Reading and writing." in shown


def test_long_turns_are_cut_around_the_span() -> None:
    """Context is cut at a space with an ellipsis on the side where text was left out."""
    assert head("one two three four", 9) == "one two …"
    assert tail("one two three four", 10) == "… three four"
    assert head("short", 10) == "short" and tail("short", 10) == "short"


def test_fill_wraps_words_keeps_the_marks_on_the_span_and_indents() -> None:
    """Filling breaks between words only, keeps « with the span's first word, and indents continuation lines."""
    fragments = [("", "  Speaker: one two three "), ("mark", "«"), ("span", "four five"), ("mark", "»"), ("", " six")]
    text = "".join(t for _, t in fill(fragments, 21, "    "))
    assert text == "  Speaker: one two\n    three «four five»\n    six"


# -- deciding --------------------------------------------------------------------------------------------------
def test_each_decision_is_in_the_store_while_the_session_runs(coded: Path) -> None:
    """Accept, reject and change the code: each reaches the store as soon as its key is pressed."""
    with LiveReview(coded, reviewer="lan") as live:
        live.press("a")
        wait_for(lambda: statuses(coded) == ["accepted", "suggested", "suggested", "suggested", "suggested"])
        live.press("r")
        wait_for(lambda: statuses(coded) == ["accepted", "rejected", "suggested", "suggested", "suggested"])
        live.press("c")
        live.press("workload\r")
        wait_for(lambda: statuses(coded) == ["accepted", "rejected", "rejected", "suggested", "suggested"])
        assert (THIRD, "workload", "lan", "accepted") in stored(coded)
        progress = live.end_input()
    assert progress is not None and (progress.accepted, progress.rejected, progress.recoded) == (1, 1, 1)


def test_recode_accepts_a_label_or_a_unique_part_of_one(coded: Path) -> None:
    """The new code may be typed as its label, or as part of one label when only one code matches."""
    review(coded, "cWorkload\rcliter\r", reviewer="lan")
    assert stored(coded)[:4] == [(FIRST, "language", "auto", "rejected"), (FIRST, "workload", "lan", "accepted"),
                                 (SECOND, "language", "auto", "rejected"),
                                 (SECOND, "language.literacy", "lan", "accepted")]


def test_recode_cancelled_with_an_empty_line_keeps_the_suggestion(coded: Path) -> None:
    """An empty answer to the code prompt changes nothing and stays on the same suggestion."""
    progress, shown = review(coded, "c\ra", reviewer="lan")
    assert "(code unchanged)" in shown
    assert statuses(coded)[0] == "accepted" and progress.recoded == 0


def test_recode_asks_for_the_reviewers_name(coded: Path) -> None:
    """Without --reviewer or [project] coder, changing a code asks for the reviewer's name (an empty answer
    cancels and accept still works) and records the changed code in that name for the rest of the session."""
    progress, shown = review(coded, "c\racmai\rworkload\rcwork\r")
    assert "your name, recorded on the codes you add" in shown and "(cancelled: a changed or added code" in shown
    assert statuses(coded)[:3] == ["accepted", "rejected", "rejected"] and progress.recoded == 2
    assert (SECOND, "workload", "mai", "accepted") in stored(coded)
    assert (THIRD, "workload", "mai", "accepted") in stored(coded)  # asked once, kept for the session
    assert progress.accepted == 1


def test_reviewer_defaults_to_the_project_coder(coded: Path) -> None:
    """[project] coder in qualcode.toml names the reviewer of a changed code."""
    (coded / "qualcode.toml").write_text('[project]\ncodebook = "codebook.yaml"\ncoder = "mai"\n', encoding="utf-8")
    review(coded, "cworkload\r")
    assert (FIRST, "workload", "mai", "accepted") in stored(coded)


def test_undo_reverts_the_last_decisions_in_turn(coded: Path) -> None:
    """Undo takes back this session's last decision in the store (a recode's new coding too) and returns to it."""
    progress, shown = review(coded, "acworkload\ruur", reviewer="lan")
    assert statuses(coded) == ["rejected", "suggested", "suggested", "suggested", "suggested"]
    assert all(coder == "auto" for _, _, coder, _ in stored(coded))
    assert (progress.accepted, progress.rejected, progress.recoded) == (0, 1, 0)
    assert "↶ undone" in shown


def test_undo_with_nothing_decided_says_so(coded: Path) -> None:
    """Undo at the start of a session changes nothing and says there is nothing to undo."""
    _, shown = review(coded, "u")
    assert "nothing to undo in this session" in shown
    assert set(statuses(coded)) == {"suggested"}


def test_skip_leaves_the_suggestion_unreviewed(coded: Path) -> None:
    """Skip moves on and leaves the suggestion suggested; the progress counts it."""
    progress, _ = review(coded, "sa")
    assert statuses(coded)[:2] == ["suggested", "accepted"]
    assert (progress.skipped, progress.decided, progress.position) == (1, 1, 3)


def test_quit_stops_and_keeps_what_was_decided(coded: Path) -> None:
    """q ends the session at once; later keys are not read and earlier decisions stay."""
    progress, _ = review(coded, "arqaaa")
    assert statuses(coded) == ["accepted", "rejected", "suggested", "suggested", "suggested"]
    assert progress.position == 3


def test_ctrl_c_and_ctrl_d_quit_like_q(coded: Path) -> None:
    """Ctrl-C and Ctrl-D end the session like q, keeping what was decided."""
    review(coded, "a\x03a")
    review(coded, "r\x04r")
    assert statuses(coded) == ["accepted", "rejected", "suggested", "suggested", "suggested"]


def test_a_second_session_shows_only_what_is_still_suggested(coded: Path) -> None:
    """Resuming: a new session starts with the skipped suggestion and leaves out the decided ones."""
    review(coded, "sara")
    _, shown = review(coded, "q")
    assert "Reviewing 2 suggestions" in shown
    assert f"«{FIRST}»" in shown and f"«{FIFTH}»" not in shown  # the skipped one comes first
    review(coded, "rr")
    assert statuses(coded) == ["rejected", "accepted", "rejected", "accepted", "rejected"]


def test_end_of_the_list_still_offers_undo(coded: Path) -> None:
    """After the last suggestion the session offers undo and quit; undo reopens the last suggestion."""
    progress, shown = review(coded, "aaaaaur")
    assert "end of the list: 5 of 5 seen" in shown
    assert statuses(coded) == ["accepted"] * 4 + ["rejected"]
    assert progress.decided == 5


def test_ending_the_input_mid_way_loses_no_decision(coded: Path) -> None:
    """A session whose input stream ends (the terminal closed) keeps every decision already made."""
    with LiveReview(coded) as live:
        live.press("ar")
        wait_for(lambda: statuses(coded)[:2] == ["accepted", "rejected"])
        live.end_input()
    assert statuses(coded) == ["accepted", "rejected", "suggested", "suggested", "suggested"]


def test_an_exception_mid_session_loses_no_decision(coded: Path) -> None:
    """A session torn down by an error after two decisions keeps both in the store."""
    with open_review(open_project(coded)) as session:
        session.accept()
        session.reject()
        with pytest.raises(RuntimeError):
            with session.store.transaction():  # a crash inside the next write rolls back only that write
                session.store.set_status(session.current.coding.id, "accepted")
                raise RuntimeError("crash")
    assert statuses(coded) == ["accepted", "rejected", "suggested", "suggested", "suggested"]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_killing_the_review_process_loses_no_decision(coded: Path) -> None:
    """`qualcode review` killed with SIGKILL on a real terminal keeps the decisions made before the kill."""
    import pty

    main, child = pty.openpty()
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"}
    proc = subprocess.Popen([sys.executable, "-m", "qualcode", "review", "--project", str(coded)],
                            stdin=child, stdout=child, stderr=child, env=env, close_fds=True)
    os.close(child)
    seen = bytearray()

    def drain_until(condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + 30
        while not condition():
            assert proc.poll() is None, seen.decode(errors="replace")
            assert time.monotonic() < deadline, seen.decode(errors="replace")
            if select.select([main], [], [], 0.05)[0]:
                seen.extend(os.read(main, 65536))

    try:
        drain_until(lambda: b"quit" in seen)
        os.write(main, b"a")
        drain_until(lambda: statuses(coded)[0] == "accepted")
        os.write(main, b"r")
        drain_until(lambda: statuses(coded)[1] == "rejected")
    finally:
        proc.kill()
        proc.wait()
        os.close(main)
    assert statuses(coded) == ["accepted", "rejected", "suggested", "suggested", "suggested"]
    with open_review(open_project(coded)) as session:
        assert [item.coding.text for item in session.items] == [THIRD, FOURTH, FIFTH]


def test_a_suggestion_decided_elsewhere_is_not_overwritten(coded: Path) -> None:
    """When another review decided the current suggestion first, the session says so and moves on."""
    with open_review(open_project(coded)) as session:
        other = open_store(coded / ".qualcode" / "qualcode.db")
        with other.transaction():
            other.set_status(session.current.coding.id, "rejected")
        other.close()
        with pytest.raises(ReviewConflict, match="changed outside this review"):
            session.accept()
        assert session.current.coding.text == SECOND
    assert statuses(coded)[0] == "rejected"


def test_undo_leaves_a_coding_changed_elsewhere_since(coded: Path) -> None:
    """Undo does not overwrite a decision made outside the session after this session's own."""
    with open_review(open_project(coded)) as session:
        first = session.current.coding.id
        session.accept()
        other = open_store(coded / ".qualcode" / "qualcode.db")
        with other.transaction():
            other.set_status(first, "rejected")
        other.close()
        with pytest.raises(ReviewConflict, match="not undone"):
            session.undo()
        assert session.current.coding.text == SECOND
    assert statuses(coded)[0] == "rejected"


def test_a_span_across_turns_shows_every_turn_it_touches(coded: Path) -> None:
    """A suggestion spanning two turns is shown with both speakers and the text between them."""
    store = open_store(coded / ".qualcode" / "qualcode.db")
    text = store.document("IDI-02").text
    start, end = text.index("How was"), text.index("the clinic.") + len("the clinic.")
    with store.transaction():
        store.add_coding("IDI-02", start, end, "language", "auto", "suggested", text[start:end])
    store.close()
    with open_review(open_project(coded), document="IDI-02") as session:
        item = session.items[0]
    assert item.speech.speaker == "Interviewer … Respondent (P02)"
    assert item.marked()[1] == "How was the clinic?\nRespondent: I needed an interpreter at the clinic."
    assert item.previous is None


# -- filters ---------------------------------------------------------------------------------------------------
def texts_of(project: Path, **filters) -> list[str]:
    with open_review(open_project(project), **filters) as session:
        return [item.coding.text for item in session.items]


def test_filter_by_code_includes_its_descendants(coded: Path) -> None:
    """--code selects the code and its sub-codes, named by id, label or path."""
    assert texts_of(coded, code="language") == [FIRST, SECOND, THIRD, FIFTH]
    assert texts_of(coded, code="Literacy") == [THIRD]
    assert texts_of(coded, code="Language barriers > Literacy") == [THIRD]
    assert texts_of(coded, code="workload") == [FOURTH]


def test_filter_by_document(coded: Path) -> None:
    """--document selects one document's suggestions."""
    assert texts_of(coded, document="IDI-02") == [FIFTH]
    assert texts_of(coded, document="IDI-01", code="language") == [FIRST, SECOND, THIRD]


def test_filter_by_coder_of_the_suggestions(coded: Path) -> None:
    """--coder reviews another coder's suggestions; the default is auto."""
    store = open_store(coded / ".qualcode" / "qualcode.db")
    with store.transaction():
        store.add_coding("IDI-01", 0, 5, "workload", "model", "suggested", "Inter")
        store.add_coding("IDI-01", 0, 5, "workload", "model", "accepted", "Inter")
    store.close()
    assert texts_of(coded, coder="model") == ["Inter"]
    assert texts_of(coded) == [FIRST, SECOND, THIRD, FOURTH, FIFTH]


def test_unknown_code_or_document_is_a_usage_error(coded: Path) -> None:
    """An unknown code or document is refused before the session starts."""
    with pytest.raises(UsageError, match="unknown code 'nope'"):
        open_review(open_project(coded), code="nope")
    with pytest.raises(UsageError, match="unknown document 'IDI-99'"):
        open_review(open_project(coded), document="IDI-99")


# -- the command -----------------------------------------------------------------------------------------------
def run_cli(cli, keys: str, *args: str):
    """``qualcode review ARGS`` through typer's runner, with the keys fed through prompt_toolkit's pipe input."""
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        pipe.send_text(keys)
        pipe.close()
        return cli("review", *args)


def test_command_reviews_and_reports_what_is_left(coded: Path, cli) -> None:
    """The command decides through the keys, then prints this session's counts and what is left."""
    result = run_cli(cli, "arscLanguage barriers\r", "--project", coded, "--reviewer", "lan")
    assert result.exit_code == 0, result.output
    assert "this session: 1 accepted, 1 rejected, 1 changed, 1 skipped" in result.output
    assert "2 suggestions left to review (coder auto): run the same command again to go on" in result.output
    assert statuses(coded) == ["accepted", "rejected", "suggested", "rejected", "suggested"]


def test_command_with_filters(coded: Path, cli) -> None:
    """--code, --document and --coder narrow the session; the summary names them."""
    result = run_cli(cli, "a", "--project", coded, "--code", "language", "--document", "IDI-01",
                     "--coder", "auto")
    assert result.exit_code == 0, result.output
    assert "2 suggestions left to review (coder auto · code language and its sub-codes · document IDI-01)" \
        in result.output


def test_command_with_nothing_to_review(coded: Path, cli) -> None:
    """With no suggestion left the command says so and exits 0 without reading keys."""
    run_cli(cli, "a", "--project", coded, "--code", "workload")
    result = run_cli(cli, "", "--project", coded, "--code", "workload")
    assert result.exit_code == 0
    assert "nothing to review: no unreviewed suggestions (coder auto · code workload)" in result.output
    assert "no suggestions left to review" not in result.output


def test_command_usage_errors(coded: Path, cli) -> None:
    """An unknown code is one line on stderr and exit code 2."""
    result = run_cli(cli, "", "--project", coded, "--code", "nope")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: unknown code 'nope' in codebook 'Barriers test'"


def test_command_needs_a_terminal(coded: Path, cli) -> None:
    """Without a terminal or pipe input to read keys from, the command refuses with one line."""
    result = cli("review", "--project", coded)
    assert result.exit_code == 2
    assert "qualcode review is interactive: run it in a terminal" in result.stderr
    assert set(statuses(coded)) == {"suggested"}


# -- also code as, widen, memo, the picker ---------------------------------------------------------------------
def test_also_code_as_adds_a_second_code_and_stays(coded: Path) -> None:
    """`o` codes the same span with a second code as the reviewer and stays on the suggestion, which is then
    decided as usual; undo takes the second code back."""
    progress, shown = review(coded, "oworkload\ra", reviewer="lan")
    assert "+ also coded as Workload (by lan)" in shown and "1 also coded" in shown
    assert stored(coded)[:2] == [(FIRST, "language", "auto", "accepted"), (FIRST, "workload", "lan", "accepted")]
    assert (progress.accepted, progress.also) == (1, 1)
    review(coded, "owork\ruq", reviewer="lan")  # on SECOND: add, then undo
    assert [row for row in stored(coded) if row[0] == SECOND] == [(SECOND, "language", "auto", "suggested")]
    _, shown = review(coded, "olanguage\r", reviewer="lan")
    assert "is the suggested code: accept the suggestion instead" in shown


def test_widen_to_sentence_or_turn_accepts_and_codes_the_wider_span(coded: Path) -> None:
    """`w` then `t` accepts the suggestion and codes its whole turn with the same code as the reviewer; a span
    already as wide as its sentence says so; `x` cancels."""
    progress, shown = review(coded, "wtwx", reviewer="lan")
    assert "accepted, and widened to its turn (coded by lan)" in shown and "(span unchanged)" in shown
    turn = f"{FIRST} {SECOND} {THIRD}"
    assert stored(coded)[:2] == [(FIRST, "language", "auto", "accepted"), (turn, "language", "lan", "accepted")]
    assert progress.accepted == 1
    _, shown = review(coded, "ws", reviewer="lan")  # SECOND is a whole sentence already
    assert "the span already is its whole sentence" in shown


def test_widen_to_a_sentence_from_a_match(tmp_path: Path, cli) -> None:
    """A suggestion of a few matched words widens to the sentence around them."""
    make_project(tmp_path, {"IDI-01.txt": IDI_01}, CODEBOOK.replace('version: "2.0"', 'version: "2.0"\nunit: match'))
    assert cli("code", "--project", tmp_path).exit_code == 0
    review(tmp_path, "ws", reviewer="lan")
    assert stored(tmp_path)[:2] == [(FIRST, "language", "lan", "accepted"),
                                    ("interpreter", "language", "auto", "accepted")]


def test_memo_key_writes_a_memo_on_the_suggestion(coded: Path) -> None:
    """`m` asks for a memo and stores it on the suggestion's coding, by the reviewer (asked for when unknown)."""
    _, shown = review(coded, "mlan\rStrong example.\rm\r")
    assert "✎ memo saved (by lan)" in shown and "(no memo)" in shown
    memos = db(coded).execute("SELECT kind, target, author, text FROM memos").fetchall()
    first_id = db(coded).execute("SELECT min(id) FROM codings").fetchone()[0]
    assert memos == [("coding", str(first_id), "lan", "Strong example.")]


def test_code_picker_and_keys_fit_the_screen() -> None:
    """Long label paths are cut from the front to fit the menu's width (the id is shown beside them), and the
    keys wrap between entries, never inside one."""
    from prompt_toolkit.utils import get_cwidth

    from qualcode.cli.review_screen import KEYS, CodeCompleter, fit, key_lines
    from qualcode.codebook.load import load_codebook

    book = load_codebook(REPO / "codebooks" / "barriers.yaml").codebook
    long = max(book.codes, key=lambda c: len(book.label_path(c.id)))
    assert fit("Access to public services > Health care", 20) == "…vices > Health care"
    assert fit("Workload", 20) == "Workload"
    completions = list(CodeCompleter(book, width=40).get_completions(Document(""), None))
    assert len(completions) == len(book.codes)
    assert all(get_cwidth(c.display[0][1]) + get_cwidth(c.text) + 6 <= 40 or get_cwidth(c.display[0][1]) <= 12
               for c in completions)
    assert any(c.display[0][1].startswith("…") for c in completions if c.text == long.id)
    lines = "".join(text for _, text in key_lines(KEYS, 40)).split("\n")
    assert all(len(line) <= 40 for line in lines) and len(lines) >= 3
    assert "s skip" in "".join(lines)

"""Review decisions on a real store: accept, reject, recode and undo."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.codebook.load import load_codebook
from qualcode.codings.decisions import decide, undo
from qualcode.errors import UsageError
from qualcode.project.store import open_store

CODEBOOK = """codebook: D
version: "1"
codes:
  - id: language
    label: Language barriers
    definition: x
  - id: workload
    label: Workload
    definition: y
"""


@pytest.fixture
def setup(tmp_path: Path):
    (tmp_path / "cb.yaml").write_text(CODEBOOK, encoding="utf-8")
    book = load_codebook(tmp_path / "cb.yaml").codebook
    store = open_store(tmp_path / "q.db", create=True)
    with store.transaction():
        first = store.add_coding("IDI-01", 0, 5, "language", "auto", "suggested", "Hello")
    yield store, book, first
    store.close()


def test_accept_reject_and_undo(setup) -> None:
    """Accept and reject set the status; undo restores the previous one."""
    store, book, first = setup
    with store.transaction():
        decision = decide(store, book, first, "accept")
    assert store.coding(first).status == "accepted"
    with store.transaction():
        undo(store, decision)
        decide(store, book, first, "reject")
    assert store.coding(first).status == "rejected"


def test_recode_rejects_and_adds_the_reviewers_coding(setup) -> None:
    """A recode rejects the suggestion and adds the reviewer's accepted coding; undo removes it again."""
    store, book, first = setup
    with store.transaction():
        decision = decide(store, book, first, "recode", reviewer="lan", code="Workload")
    rows = [(c.code, c.coder, c.status, c.start, c.end) for c in store.codings()]
    assert rows == [("language", "auto", "rejected", 0, 5), ("workload", "lan", "accepted", 0, 5)]
    with store.transaction():
        undo(store, decision)
    assert [(c.code, c.status) for c in store.codings()] == [("language", "suggested")]


def test_bad_decisions(setup) -> None:
    """Unknown codings, actions and codes, and a recode without reviewer, are usage errors."""
    store, book, first = setup
    for args in [(999, "accept"), (first, "maybe")]:
        with pytest.raises(UsageError):
            decide(store, book, *args)
    with pytest.raises(UsageError, match="unknown code"):
        decide(store, book, first, "recode", reviewer="lan", code="nope")
    with pytest.raises(UsageError, match="reviewer"):
        decide(store, book, first, "recode", code="workload")


def test_a_rows_decision_from_its_decision_and_new_code_cells() -> None:
    """new_code alone is a recode; beside recode: of the same code it agrees; beside accept, reject or another
    code it is refused; a decision typed decomposed (NFD) reads composed."""
    import unicodedata

    from qualcode.codings.sheets import row_decision

    assert row_decision({"decision": "", "new_code": " Workload "}) == ("recode", "Workload")
    assert row_decision({"decision": "Recode: workload", "new_code": "WORKLOAD"}) == ("recode", "workload")
    assert row_decision({"decision": " ", "new_code": ""}) is None
    for decision in ("accept", "reject", "recode:language"):
        with pytest.raises(UsageError, match="new_code"):
            row_decision({"decision": decision, "new_code": "workload"})
    typed = unicodedata.normalize("NFD", "recode:Gánh nặng")
    assert row_decision({"decision": typed}) == ("recode", "Gánh nặng")

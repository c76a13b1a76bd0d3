"""SQLite failures become one-line messages saying what to do; a failed write leaves the store as it was."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from conftest import REPO, db

from qualcode.errors import ProjectError
from qualcode.project.store import open_store, store_errors, store_problem


@pytest.fixture
def tagged(project: Path, cli) -> Path:
    """A project with one ingested transcript and the sample codebook."""
    (project / "qualcode.toml").write_text(f'[project]\ncodebook = "{REPO / "codebooks" / "barriers.yaml"}"\n',
                                           encoding="utf-8")
    (project / "transcripts" / "IDI-01.txt").write_text(
        "Interviewer: How is the road?\nRespondent: The road is long and the forms are only in Vietnamese.\n",
        encoding="utf-8")
    assert cli("ingest", "-p", project).exit_code == 0
    return project


def test_a_full_disk_shows_the_real_error_and_changes_nothing(tagged: Path) -> None:
    """SQLITE_FULL inside a transaction (simulated with max_page_count) says the disk is full, not 'cannot
    rollback', and the store keeps exactly what it held."""
    store = open_store(tagged / ".qualcode" / "qualcode.db")
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    before = store.codings()
    with pytest.raises(ProjectError) as caught, store_errors(store.path), store.transaction():
        for _ in range(5000):
            store.add_coding("IDI-01", 0, 5, "language", "lan", "accepted", "x" * 500)
    store.close()
    assert "is full: nothing was changed; free some space" in str(caught.value)
    assert "rollback" not in str(caught.value)
    after = open_store(tagged / ".qualcode" / "qualcode.db")
    assert after.codings() == before
    assert after.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    after.close()


def test_a_read_only_store_says_check_the_permissions(tagged: Path) -> None:
    """The real error SQLite gives when writing a read-only store is worded as a permissions problem."""
    readonly = sqlite3.connect(f"file:{tagged / '.qualcode' / 'qualcode.db'}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as caught:
        readonly.execute("DELETE FROM codings")
    readonly.close()
    message = str(store_problem(caught.value, "store.db"))
    assert message.startswith("the project store store.db is read-only: check the permissions")


def test_a_short_lock_is_waited_for(tagged: Path, cli, monkeypatch) -> None:
    """A command finding the store locked for half a second waits (busy timeout) and then succeeds."""
    monkeypatch.setenv("QUALCODE_BUSY_SECONDS", "10")
    holder = sqlite3.connect(tagged / ".qualcode" / "qualcode.db", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    releaser = threading.Timer(0.5, lambda: holder.execute("ROLLBACK"))
    releaser.start()
    started = time.monotonic()
    result = cli("tag", "IDI-01", "2", "language", "--coder", "lan", "-p", tagged)
    releaser.join()
    holder.close()
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - started >= 0.4
    assert db(tagged).execute("SELECT count(*) FROM codings").fetchone()[0] == 1


def test_two_commands_writing_at_once_both_land(tagged: Path) -> None:
    """Two `tag` commands started together serialise on the store: both succeed and both codings are there."""
    import subprocess
    import sys

    runs = [subprocess.Popen([sys.executable, "-m", "qualcode", "tag", "IDI-01", "2", code, "--coder", coder],
                             cwd=tagged, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for code, coder in (("language", "lan"), ("prejudice", "minh"))]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    rows = db(tagged).execute("SELECT code, coder FROM codings ORDER BY coder").fetchall()
    assert rows == [("language", "lan"), ("prejudice", "minh")]
    assert db(tagged).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_python_api_reports_store_errors_as_the_cli_does(tagged: Path) -> None:
    """A Project method on a store missing a table raises the one-line ProjectError, not sqlite3's error."""
    import qualcode

    with sqlite3.connect(tagged / ".qualcode" / "qualcode.db") as damage:
        damage.execute("DROP TABLE codings")
    with pytest.raises(ProjectError, match="missing part of its structure"):
        qualcode.open_project(tagged).codings()

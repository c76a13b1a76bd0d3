"""Shared fixtures: a project folder in tmp_path, the CLI runner, and the optional ../shared data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.cli import app

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "real"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder with a transcripts/ subfolder."""
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "qualcode.toml").write_text("[project]\nlanguage = \"en\"\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def cli():
    """Run ``qualcode ARGS`` in-process; returns the click Result (stdout and stderr kept apart)."""
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return run


@pytest.fixture
def shared_real() -> Path:
    """../shared/data/real, or skip when this machine only has the project."""
    if not SHARED.is_dir():
        pytest.skip("../shared/data/real is absent: real-transcript tests need the shared data folder")
    return SHARED


def db(project: Path) -> sqlite3.Connection:
    """The project's store, opened read-only for assertions."""
    return sqlite3.connect(f"file:{project / '.qualcode' / 'qualcode.db'}?mode=ro", uri=True)


def turns_of(project: Path, doc_id: str) -> list[tuple]:
    """``(number, label, role, participant, speech)`` for every turn of a stored document."""
    con = db(project)
    text = con.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()[0]
    rows = con.execute('SELECT number, label, role, participant, start, "end" FROM turns WHERE document = ? '
                       "ORDER BY number", (doc_id,)).fetchall()
    con.close()
    return [(n, label, role, pid, text[s:e]) for n, label, role, pid, s, e in rows]

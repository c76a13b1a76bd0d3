"""Commands killed part-way (SIGKILL through the test-only QUALCODE_CRASH_AT hook) leave the store intact and
exactly as it was; `qualcode backup` copies it, and ingest backs it up before replacing coded documents."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO


def _qualcode(root: Path, *args: str, crash: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "QUALCODE_CRASH_AT": crash or ""}
    return subprocess.run([sys.executable, "-m", "qualcode", *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120)


def _dump(root: Path) -> str:
    with sqlite3.connect(root / ".qualcode" / "qualcode.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return "\n".join(db.iterdump())


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A project of three sample transcripts, ingested and coded."""
    root = tmp_path_factory.mktemp("interrupt")
    (root / "transcripts").mkdir()
    for name in ("IDI-03.txt", "IDI-04.txt", "IDI-06.txt"):
        shutil.copy(REPO / "transcripts" / name, root / "transcripts")
    shutil.copy(REPO / "codebooks" / "barriers.yaml", root)
    (root / "qualcode.toml").write_text('[project]\ncodebook = "barriers.yaml"\ncoder = "lan"\n', encoding="utf-8")
    for args in (("ingest",), ("code",)):
        assert _qualcode(root, *args).returncode == 0
    return root


def _review_sheet(root: Path) -> Path:
    with sqlite3.connect(root / ".qualcode" / "qualcode.db") as db:
        ids = [i for (i,) in db.execute("SELECT id FROM codings WHERE status = 'suggested' ORDER BY id LIMIT 4")]
    sheet = root / "review.csv"
    sheet.write_text("id,decision\n" + "".join(f"{i},accept\n" for i in ids), encoding="utf-8")
    return sheet


def _codings_sheet(root: Path) -> Path:
    sheet = root / "codings.csv"
    sheet.write_text("document,code,turn\nIDI-03,language,3\nIDI-03,language,5\nIDI-04,language,3\n",
                     encoding="utf-8")
    return sheet


def _changed_transcripts(root: Path) -> None:
    shutil.copy(REPO / "transcripts" / "IDI-07.md", root / "transcripts")
    path = root / "transcripts" / "IDI-03.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("Without the name", "Without my name"),
                    encoding="utf-8")


KILLS = [("ingest-read:2", ("ingest",), _changed_transcripts), ("ingest-write:2", ("ingest",), _changed_transcripts),
         # another unit changes every code's rules, so the re-run has work to do (an unchanged one returns at once)
         ("code:1", ("code", "--unit", "turn"), None), ("code:2", ("code", "--unit", "turn"), None),
         ("import:2", ("codings", "import", "codings.csv"), _codings_sheet),
         ("review:2", ("codings", "import", "review.csv", "--review"), _review_sheet)]


@pytest.mark.parametrize(("crash", "args", "prepare"), KILLS, ids=[k[0] for k in KILLS])
def test_a_killed_command_leaves_the_store_as_it_was(crash, args, prepare, template: Path, tmp_path: Path) -> None:
    """SIGKILL part-way through ingest, code, import or a review import: the store passes integrity_check and
    holds exactly what it held before."""
    root = tmp_path / "project"
    shutil.copytree(template, root)
    if prepare is not None:
        prepare(root)
    before = _dump(root)
    result = _qualcode(root, *args, crash=crash)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert _dump(root) == before
    assert _qualcode(root, *args).returncode == 0  # and the command then runs to the end


def test_backup_copies_the_store_and_ingest_backs_up_before_replacing(template: Path, tmp_path: Path) -> None:
    """`qualcode backup -o FILE` writes a store holding the same data; an ingest that replaces a coded
    document first writes a backup under .qualcode/backups and says where."""
    root = tmp_path / "project"
    shutil.copytree(template, root)
    result = _qualcode(root, "backup", "-o", "copies/store.db")
    assert result.returncode == 0 and "copies/store.db" in result.stdout
    with sqlite3.connect(root / "copies" / "store.db") as copy:
        assert "\n".join(copy.iterdump()) == _dump(root)
    before = _dump(root)
    _changed_transcripts(root)
    result = _qualcode(root, "ingest")
    assert result.returncode == 0, result.stderr
    backups = list((root / ".qualcode" / "backups").glob("qualcode-*-before-ingest.db"))
    assert len(backups) == 1 and backups[0].name in result.stdout
    with sqlite3.connect(backups[0]) as saved:
        assert "\n".join(saved.iterdump()) == before


def test_a_review_session_killed_mid_decision_keeps_every_earlier_decision(template: Path, tmp_path: Path) -> None:
    """The review screen saves each decision at once: killed inside its second decision, the store holds the
    first decision and nothing of the second, and passes integrity_check."""
    root = tmp_path / "project"
    shutil.copytree(template, root)
    script = ("import qualcode\nsession = qualcode.open_project('.').review()\nfirst = session.current.coding.id\n"
              "print(first, flush=True)\nsession.accept()\nsession.reject()\n")
    env = {**os.environ, "QUALCODE_CRASH_AT": "review:2"}
    run = subprocess.run([sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == -signal.SIGKILL, run.stderr
    first = int(run.stdout.split()[0])
    with sqlite3.connect(root / ".qualcode" / "qualcode.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        statuses = dict(db.execute("SELECT status, count(*) FROM codings GROUP BY status").fetchall())
        assert db.execute("SELECT status FROM codings WHERE id = ?", (first,)).fetchone()[0] == "accepted"
    assert statuses.get("accepted") == 1 and "rejected" not in statuses

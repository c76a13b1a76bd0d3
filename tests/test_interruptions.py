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


# -- `qualcode import`: staged, committed, then moved in ------------------------------------------------------

def _project_state(root: Path) -> dict[str, str]:
    """Every file of the project outside .qualcode (path -> text) and the store's dump, the root path removed."""
    files = {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*"))
             if p.is_file() and ".qualcode" not in p.relative_to(root).parts}
    if (root / ".qualcode" / "qualcode.db").is_file():
        files[".qualcode/qualcode.db"] = _dump(root).replace(str(root), "ROOT")
    return files


@pytest.fixture(scope="module")
def qdpx(template: Path, tmp_path_factory) -> Path:
    """The template project (three transcripts, coded, one participant file) exported as a .qdpx."""
    path = tmp_path_factory.mktemp("qdpx") / "study.qdpx"
    (template / "transcripts" / "participants.csv").write_text(
        "participant,document,speaker,gender\nP1,IDI-03,Respondent,female\n", encoding="utf-8")
    assert _qualcode(template, "ingest").returncode == 0
    result = _qualcode(template, "export", str(path), "--include-suggestions")
    assert result.returncode == 0, result.stderr
    return path


def _importing(tmp_path: Path, name: str) -> Path:
    """A project with one transcript, a participants file and a store, ready to import into."""
    root = tmp_path / name
    (root / "transcripts").mkdir(parents=True)
    shutil.copy(REPO / "transcripts" / "IDI-10.txt", root / "transcripts")
    (root / "transcripts" / "participants.csv").write_text("participant,document,speaker\nP9,IDI-10,Respondent\n",
                                                           encoding="utf-8")
    (root / "qualcode.toml").write_text('[project]\nlanguage = "en"\n', encoding="utf-8")
    assert _qualcode(root, "ingest").returncode == 0
    return root


IMPORT_KILLS = ["qdpx:1", "ingest-read:2", "ingest-write:3", "qdpx:2"]


@pytest.mark.parametrize("crash", IMPORT_KILLS)
def test_an_import_killed_before_its_commit_leaves_the_project_as_it_was(crash, qdpx: Path, tmp_path: Path) -> None:
    """SIGKILL while `qualcode import` stages, ingests or commits: every file and the store are as before, and
    running the import again gives exactly what one uninterrupted import gives (no `all-2` folder, no `-2`
    codebook, no later ingest failing on leftover transcripts)."""
    clean = _importing(tmp_path, "clean")
    assert _qualcode(clean, "import", str(qdpx)).returncode == 0
    root = _importing(tmp_path, "killed")
    before = _project_state(root)
    result = _qualcode(root, "import", str(qdpx), crash=crash)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert _project_state(root) == before
    again = _qualcode(root, "import", str(qdpx))
    assert again.returncode == 0, again.stderr
    assert _project_state(root) == _project_state(clean)
    assert not (root / ".qualcode" / "staging").exists()
    ingest = _qualcode(root, "ingest")
    assert ingest.returncode == 0 and "3 unchanged" in ingest.stdout, ingest.stdout + ingest.stderr


@pytest.mark.parametrize("crash", ["moves:1", "moves:3"])
def test_an_import_killed_after_its_commit_is_finished_by_the_next_command(crash, qdpx: Path,
                                                                            tmp_path: Path) -> None:
    """SIGKILL while the committed import moves its files in: the next command (here `documents`) moves the rest,
    and the project is what an uninterrupted import gives."""
    clean = _importing(tmp_path, "clean")
    assert _qualcode(clean, "import", str(qdpx)).returncode == 0
    root = _importing(tmp_path, "killed")
    result = _qualcode(root, "import", str(qdpx), crash=crash)
    assert result.returncode == -signal.SIGKILL, result.stderr
    listing = _qualcode(root, "documents")
    assert listing.returncode == 0 and "transcripts/study/IDI-03.txt" in listing.stdout, listing.stderr
    assert _project_state(root) == _project_state(clean)
    assert not (root / ".qualcode" / "staging").exists()

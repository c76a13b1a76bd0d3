"""Files that join the project only once the store has committed (`qualcode import`): staged, then moved in.

A command that adds files and store rows together (an import's transcripts, codebook, participants rows and
notes) writes the files to a staging folder under ``.qualcode/staging/`` first, records in the same transaction
as its store rows which staged file goes where (:func:`record_moves`), commits, and only then moves the files in
(:func:`finish_moves`). Killed before the commit, it leaves the project as it was (the staging folder is
cleared by the next import); killed after it, the next command that opens the store finishes the moves, as
SQLite finishes a transaction from its journal. No state shows store rows without their files for long, and
none shows files without their rows.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from qualcode.errors import ProjectError
from qualcode.project.crash import crash_point

STAGING = "staging"
PENDING_KEY = "pending_moves"


def staging_root(store_path: Path) -> Path:
    """The folder that holds every staging folder: ``.qualcode/staging``."""
    return store_path.parent / STAGING


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but is another user's
        return True
    return True


def new_staging_folder(store_path: Path) -> Path:
    """A fresh staging folder for this process; leftovers of killed processes (whose id is no longer running)
    are removed first, so an import killed before its commit leaves nothing behind for long."""
    root = staging_root(store_path)
    if root.is_dir():
        for old in root.iterdir():
            pid = old.name.rpartition("-")[2]
            if not (pid.isdigit() and _alive(int(pid))):
                shutil.rmtree(old, ignore_errors=True)
    folder = root / f"import-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)  # an earlier run of this same process id
    folder.mkdir(parents=True)
    return folder


def discard_staging(folder: Path) -> None:
    """Remove a staging folder (its moves done, or never committed), and the staging root once empty."""
    shutil.rmtree(folder, ignore_errors=True)
    try:
        folder.parent.rmdir()
    except OSError:  # another process stages there, or it is gone already
        pass


def record_moves(store, root: Path, folder: Path, moves: list[tuple[Path, Path]]) -> None:
    """Record, inside the caller's transaction, that each staged path goes to its place once it commits
    (paths relative to the project ``root``)."""
    def rel(path: Path) -> str:
        return path.resolve().relative_to(root.resolve()).as_posix()

    store.set_meta(PENDING_KEY, json.dumps({"folder": rel(folder), "moves": [[rel(a), rel(b)] for a, b in moves]},
                                           ensure_ascii=False))


def _move(source: Path, target: Path) -> None:
    """Move a file or folder into place; a folder whose target exists already (a move cut short) is merged."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir() and target.exists():
        for item in sorted(source.rglob("*")):
            if item.is_file():
                _move(item, target / item.relative_to(source))
        shutil.rmtree(source, ignore_errors=True)
        return
    try:
        os.replace(source, target)
    except OSError:  # another file system (a transcripts folder on a mounted drive): copy, then remove
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
            shutil.rmtree(source)
        else:
            shutil.copy2(source, target)
            source.unlink()


def finish_moves(store) -> list[Path]:
    """Move in the files a committed command staged (see the module docstring); returns where they went.
    Raises ProjectError when a file cannot be moved (the moves stay recorded and are tried again)."""
    recorded = store.get_meta(PENDING_KEY)
    if not recorded:
        return []
    root = store.path.parent.parent
    pending = json.loads(recorded)
    placed = []
    for source, target in pending["moves"]:
        crash_point("moves")
        if (root / source).exists():
            try:
                _move(root / source, root / target)
            except OSError as exc:
                raise ProjectError(f"an import committed but its file {source} could not be moved to {target} "
                                   f"({exc.strerror or exc}): free the target, then run any command again") from None
        placed.append(root / target)
    with store.transaction():
        store.delete_meta(PENDING_KEY)
    discard_staging(root / pending["folder"])
    return placed

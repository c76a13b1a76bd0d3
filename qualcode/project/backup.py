"""Backups of the project store: on request (`qualcode backup`) and automatically before a command replaces
documents that hold codings.

A backup is a consistent copy made with SQLite's online backup, so it is safe while another command runs.
Automatic backups go to ``.qualcode/backups/`` named by their UTC time and reason; the newest
:data:`KEEP` of them are kept. To restore one, copy it over ``.qualcode/qualcode.db``.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from qualcode.errors import ProjectError

BACKUP_DIR = "backups"
KEEP = 10


def backup_folder(store_path: Path) -> Path:
    """Where automatic backups of the store at ``store_path`` go."""
    return store_path.parent / BACKUP_DIR


def backup_store(store_path: Path, target: Path | None = None, *, reason: str = "backup",
                 source: sqlite3.Connection | None = None) -> Path:
    """Copy the store to ``target`` (default: ``.qualcode/backups/qualcode-<UTC time>-<reason>.db``) and return
    where it went; ``source`` is an open connection to copy from (default: the file is opened).

    Raises ProjectError when there is no store yet, or the copy cannot be written.
    """
    if not store_path.is_file():
        raise ProjectError(f"no project store at {store_path}: nothing to back up yet")
    automatic = target is None
    if target is None:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        target = backup_folder(store_path) / f"qualcode-{stamp}-{reason}.db"
    if target.exists() and target.resolve() == store_path.resolve():
        raise ProjectError(f"{target} is the store itself: name another file")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        opened = source or sqlite3.connect(store_path)
        copy = sqlite3.connect(partial)
        try:
            opened.backup(copy)
        finally:
            copy.close()
            if source is None:
                opened.close()
        partial.replace(target)
    except (OSError, sqlite3.Error) as exc:
        partial.unlink(missing_ok=True)
        raise ProjectError(f"cannot write the backup {target}: {getattr(exc, 'strerror', None) or exc}") from None
    if automatic:
        for old in sorted(backup_folder(store_path).glob("qualcode-*.db"))[:-KEEP]:
            old.unlink(missing_ok=True)
    return target

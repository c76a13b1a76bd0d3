"""Refusing a damaged store before a command uses it: ``PRAGMA quick_check``, run only when the file changed.

A store damaged outside SQLite (a disk fault, a sync tool, a copy cut short) can still answer the queries that
miss the damaged pages, so a command could exit 0 on it and a report could silently lack rows. Every command that
opens the store therefore runs SQLite's ``quick_check`` first — but only when the file changed since the last
check, so it costs nothing on an untouched store (about 10 ms per 2.5 MB when it runs). What was checked is
recorded beside the store (``.qualcode/checked``: the file's size and modification time), not inside it: writing
into the store would change what is recorded. A command that wrote to a store it checked records the store as
checked again when it closes it (SQLite, not an outside tool, changed it).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from qualcode.errors import ProjectError

STAMP_NAME = "checked"


def _stamp_path(store_path: Path) -> Path:
    return store_path.parent / STAMP_NAME


def file_stamp(store_path: Path) -> str:
    """What identifies this version of the store file: its size and modification time (ns); '' when absent."""
    try:
        info = store_path.stat()
    except OSError:
        return ""
    return f"{info.st_size} {info.st_mtime_ns}"


def record_checked(store_path: Path) -> None:
    """Remember the store as checked as it is now (best effort: a read-only folder only means checking again)."""
    stamp = file_stamp(store_path)
    if not stamp:
        return
    try:
        _stamp_path(store_path).write_text(stamp + "\n", encoding="utf-8")
    except OSError:
        pass


def needs_check(store_path: Path) -> bool:
    """True when the store changed since it was last found sound (or was never checked)."""
    try:
        recorded = _stamp_path(store_path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return True
    return recorded != file_stamp(store_path)


def check_store(db: sqlite3.Connection, store_path: Path) -> None:
    """Run ``PRAGMA quick_check`` on ``db`` when the store changed since its last check, and record a sound one.

    Raises ProjectError naming the damage and how to restore the newest backup when the store is damaged.
    """
    if not needs_check(store_path):
        return
    try:
        found = [row[0] for row in db.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:
        found = [str(exc)]
    if found != ["ok"]:
        lines = [line.strip() for text in found for line in text.splitlines()]
        raise damaged(store_path, next((x for x in lines if x and not x.startswith("***")), "damaged"))
    record_checked(store_path)


def damaged(store_path: Path, detail: str) -> ProjectError:
    """The one-line error for a damaged store: what SQLite found and how to restore the newest backup."""
    from qualcode.project.backup import backup_folder

    backups = sorted(backup_folder(store_path).glob("qualcode-*.db"))
    detail = " ".join(detail.split())
    detail = detail if len(detail) <= 120 else detail[:117] + "..."
    restore = (f"restore the newest backup: copy {backups[-1]} over {store_path}" if backups else
               f"restore a copy written by `qualcode backup` over {store_path}")
    return ProjectError(f"the project store {store_path} is damaged (quick_check: {detail}): nothing was read or "
                        f"changed; {restore}, or move it away and run `qualcode ingest` again (its codings would be "
                        "lost)")

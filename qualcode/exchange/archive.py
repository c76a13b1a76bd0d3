"""The zip container of a ``.qdpx``: read with bounds, write byte-identically.

Reading refuses what could hurt the machine: entry names that escape the archive (``../``, absolute paths,
drive letters), more entries than :data:`MAX_ENTRIES`, an entry or a total larger than the limits once
decompressed (the sizes are checked while decompressing, never trusted from the zip header), and
suspicious compression ratios. Writing stores entries in a fixed order with a fixed date.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from qualcode.errors import InputFileError

MAX_ENTRIES = 20_000
MAX_ENTRY_BYTES = 512 * 1024 * 1024  # one decompressed entry
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024  # everything we decompress from one archive
MAX_RATIO = 200  # decompressed / compressed, for entries larger than RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
FIXED_DATE = (2000, 1, 1, 0, 0, 0)
_CHUNK = 1024 * 1024


def safe_name(name: str) -> str | None:
    """``name`` as a relative POSIX path inside the archive, or None when it could escape a target folder
    (absolute, a drive letter, a ``..`` part, a backslash path or a NUL)."""
    if not name or "\0" in name or "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = PurePosixPath(name).parts
    if any(part in ("..",) for part in parts):
        return None
    return "/".join(p for p in parts if p not in (".", ""))


@dataclass
class Archive:
    """An opened ``.qdpx`` (or any zip) whose entries are read with bounds. Use :func:`open_archive`."""

    path: Path
    zip: zipfile.ZipFile
    names: dict[str, zipfile.ZipInfo]  # casefolded safe name -> entry
    read_total: int = 0

    def find(self, name: str) -> str | None:
        """The archive's spelling of ``name``, matched ignoring case (``Sources/`` or ``sources/``)."""
        info = self.names.get(name.casefold())
        return info.filename if info is not None else None

    def read(self, name: str, limit: int = MAX_ENTRY_BYTES) -> bytes:
        """The decompressed bytes of entry ``name`` (matched ignoring case).

        Raises InputFileError when it is missing, larger than ``limit`` or the archive's total budget, or
        compressed suspiciously well (a zip bomb).
        """
        info = self.names.get(name.casefold())
        if info is None:
            raise InputFileError(f"no entry {name!r} in the archive", where=str(self.path))
        where = f"{self.path}:{info.filename}"
        out = bytearray()
        try:
            with self.zip.open(info) as handle:
                while chunk := handle.read(_CHUNK):
                    out += chunk
                    self.read_total += len(chunk)
                    if len(out) > limit:
                        raise InputFileError(f"refused: the entry is larger than {limit // (1024 * 1024)} MB "
                                             "decompressed (a zip bomb?)", where=where)
                    if self.read_total > MAX_TOTAL_BYTES:
                        raise InputFileError("refused: the archive decompresses to more than "
                                             f"{MAX_TOTAL_BYTES // (1024 ** 3)} GB (a zip bomb?)", where=where)
                    if len(out) > RATIO_FLOOR and len(out) > MAX_RATIO * max(info.compress_size, 1):
                        raise InputFileError(f"refused: the entry decompresses more than {MAX_RATIO} times its "
                                             "stored size (a zip bomb?)", where=where)
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError, EOFError) as exc:
            raise InputFileError(f"cannot read this entry: {exc}", where=where) from None
        return bytes(out)

    def close(self) -> None:
        """Close the zip file."""
        self.zip.close()


def open_archive(path: Path) -> Archive:
    """Open the zip at ``path`` for bounded reading.

    Raises InputFileError when it is missing or not a zip, holds more than :data:`MAX_ENTRIES` entries, or
    names an entry that would escape a target folder (``../``, absolute paths).
    """
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InputFileError("no such file", where=str(path)) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFileError(f"not a REFI-QDA archive (a .qdpx is a zip file): {exc}", where=str(path)) from None
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        archive.close()
        raise InputFileError(f"refused: the archive holds {len(infos)} entries (at most {MAX_ENTRIES})",
                             where=str(path))
    names: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        name = safe_name(info.filename)
        if name is None:
            archive.close()
            raise InputFileError(f"refused: entry {info.filename!r} points outside the archive", where=str(path))
        if not info.is_dir():
            names.setdefault(name.casefold(), info)
    return Archive(path, archive, names)


def write_zip(path: Path, entries: list[tuple[str, bytes]]) -> None:
    """Write ``entries`` (name, bytes) to a zip at ``path`` in the given order, deflated, every entry dated
    :data:`FIXED_DATE`, so the same entries give the same bytes. The zip is built in memory and written at
    once: a full disk fails that one write, never a half-closed zip (whose clean-up would fail again later)."""
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, data, compresslevel=6)
    path.write_bytes(buffer.getvalue())

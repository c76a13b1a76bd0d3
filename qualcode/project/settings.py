"""`qualcode config KEY [VALUE]`: reading and setting a project setting in ``qualcode.toml``.

The file is edited as text, one line, so its comments, order and other settings stay as the researcher wrote
them; the result is read back with the same validation as any ``qualcode.toml`` before it is written.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from qualcode.errors import ProjectError, UsageError
from qualcode.project.folder import CONFIG_NAME, ProjectFolder, load_config
from qualcode.wording import did_you_mean

SETTINGS = {  # key -> what it is, as `qualcode config --help` and errors say it
    "codebook": "the active codebook (a YAML file): what `code`, reports and imports use",
    "coder": "the default coder name for `tag`, imports and review",
    "language": "the default transcript language (en or vi) when neither front matter nor the text says",
    "transcripts": "the folder `ingest` reads when given no paths",
}
LANGUAGES = ("en", "vi")
_HEADER = re.compile(r"^\s*\[\s*([^\[\]\s]+)\s*\]\s*(#.*)?$")


@dataclass(frozen=True)
class Setting:
    """A setting's value after `qualcode config`: ``None`` when it is not set; ``changed`` when written."""

    key: str
    value: str | None
    changed: bool = False
    path: Path | None = None  # the qualcode.toml written


def _key(key: str) -> str:
    found = key.strip().casefold()
    if found not in SETTINGS:
        raise UsageError(f"unknown setting {key!r}{did_you_mean(key, list(SETTINGS))}; settings: "
                         f"{', '.join(SETTINGS)}")
    return found


def read_setting(project: ProjectFolder, key: str) -> Setting:
    """The value of ``key`` in the project's ``qualcode.toml`` (None when unset). Raises UsageError for an
    unknown key."""
    key = _key(key)
    return Setting(key, getattr(project.config, key))


def _checked(project: ProjectFolder, key: str, value: str) -> str:
    """``value`` as it is stored: a codebook or folder relative to the project; raises UsageError when unusable."""
    value = value.strip()
    if not value:
        raise UsageError(f"give {key} a value, e.g. `qualcode config {key} {_example(key)}`")
    if key in ("codebook", "transcripts"):
        given = Path(value)
        candidates = [given] if given.is_absolute() else [Path.cwd() / given, project.root / given]
        found = next((c for c in candidates if (c.is_file() if key == "codebook" else c.is_dir())), None)
        if found is None:
            what = "codebook file" if key == "codebook" else "folder"
            raise UsageError(f"no {what} {value}" + (" (a codebook is a .yaml file)" if key == "codebook" else ""))
        if key == "codebook" and found.suffix.lower() not in (".yaml", ".yml"):
            raise UsageError(f"{value} is not a YAML codebook: turn a CSV code list into one with "
                             "`qualcode codebook import`")
        return project.relative(found)
    if key == "language" and value.casefold() not in LANGUAGES:
        raise UsageError(f"language {value!r}: use {' or '.join(LANGUAGES)}")
    if key == "coder" and value.casefold() == "auto":
        raise UsageError("`auto` is the rule coder; name a person")
    return value.casefold() if key == "language" else value


def _example(key: str) -> str:
    return {"codebook": "codebooks/barriers.yaml", "coder": "lan", "language": "en",
            "transcripts": "transcripts"}[key]


def set_setting(project: ProjectFolder, key: str, value: str) -> Setting:
    """Write ``key = value`` into the ``[project]`` table of ``qualcode.toml`` (created when missing), leaving
    every other line as it was. Raises UsageError for an unknown key or unusable value and ProjectError when
    the file cannot be read or the result would not be a valid ``qualcode.toml``."""
    key = _key(key)
    value = _checked(project, key, value)
    path = project.root / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(f"cannot read: {exc}", where=str(path)) from None
    if getattr(load_config(path), key) == value:
        return Setting(key, value, False, path)
    updated = _with_value(text, key, json.dumps(value, ensure_ascii=False))
    check = path.with_name(f".{CONFIG_NAME}.new")
    try:
        check.write_text(updated, encoding="utf-8")
        try:
            load_config(check)
        except ProjectError as exc:
            raise ProjectError(f"cannot set {key}: the file would not read back ({exc.message})",
                               where=str(path)) from None
        check.replace(path)
    except OSError as exc:
        raise ProjectError(f"cannot write: {exc.strerror or exc}", where=str(path)) from None
    finally:
        check.unlink(missing_ok=True)
    return Setting(key, value, True, path)


def _with_value(text: str, key: str, literal: str) -> str:
    """``text`` with ``key = literal`` in its ``[project]`` table: the key's line replaced (keeping a comment
    after a simple value), else a line added under the table's header, else a new table at the end."""
    lines = text.splitlines(keepends=True)
    headers = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _HEADER.match(line))]
    start = next((i for i, name in headers if name == "project"), None)
    if start is None:
        prefix = text if not text or text.endswith("\n") else text + "\n"
        return prefix + ("\n" if prefix else "") + f"[project]\n{key} = {literal}\n"
    end = next((i for i, _ in headers if i > start), len(lines))
    assignment = re.compile(rf"^(\s*){re.escape(key)}\s*=\s*(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^#\s]*)?(\s*#.*)?$")
    for i in range(start + 1, end):
        match = assignment.match(lines[i].rstrip("\r\n"))
        if match:
            newline = lines[i][len(lines[i].rstrip("\r\n")):] or "\n"
            lines[i] = f"{match.group(1)}{key} = {literal}{match.group(3) or ''}{newline}"
            return "".join(lines)
    lines.insert(start + 1, f"{key} = {literal}\n")
    return "".join(lines)

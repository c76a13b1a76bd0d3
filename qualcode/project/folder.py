"""Finding a project folder and reading its ``qualcode.toml``."""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.errors import ProjectError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_NAME = "qualcode.toml"
STORE_DIR = ".qualcode"
STORE_NAME = "qualcode.db"

DEFAULT_INTERVIEWER_LABELS = (
    "Interviewer", "Int", "I", "Q", "Moderator", "Facilitator", "Researcher", "PV", "Người phỏng vấn", "Hỏi",
)
DEFAULT_RESPONDENT_LABELS = (
    "Respondent", "R", "A", "Participant", "Interviewee", "ND", "Người trả lời", "Trả lời", "Đáp",
)
DEFAULT_INTERPRETER_LABELS = ("Interpreter", "Translator", "Phiên dịch", "Người phiên dịch")
PAGE_SIZES = ("A4", "Letter")
LOCALE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?")  # language[-Script][-REGION]


@dataclass(frozen=True)
class ReportSettings:
    """``[report]`` of ``qualcode.toml``: how reports are written for this study."""

    language: str | None = None  # the report's language (quotes in others need a translation); None: [project]
    k_anonymity: int = 3  # an attribution's shown fields must match at least this many participants
    page_size: str = "A4"  # Word page size: A4 or Letter
    locale: str = "en-GB"  # Word's proofing language for the report's own text (Vietnamese runs: vi-VN)
    author: str = ""  # the Word file's author (core properties)


@dataclass(frozen=True)
class Config:
    """Project defaults from ``qualcode.toml``; every field has a default so the file is optional."""

    codebook: str | None = None
    transcripts: str = "transcripts"
    language: str = "en"
    coder: str | None = None
    participants: str | None = None
    interviewer_labels: tuple[str, ...] = DEFAULT_INTERVIEWER_LABELS
    respondent_labels: tuple[str, ...] = DEFAULT_RESPONDENT_LABELS
    interpreter_labels: tuple[str, ...] = DEFAULT_INTERPRETER_LABELS
    # [speakers] interpreter_notes: regular expressions for a note in a turn saying it is interpreted; the named
    # group `language`, when there, is the language interpreted from
    interpreter_notes: tuple[str, ...] = field(default_factory=tuple)
    report: ReportSettings = field(default_factory=ReportSettings)
    identifying: tuple[str, ...] = field(default_factory=tuple)
    # [attributes]: how reports show attribute values — labels (`disability.none = "No disability"`) and an
    # order for columns and groups (`age_group.order = ["18-29", "30-44", "45-59", "60+"]`)
    value_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    value_order: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectFolder:
    """A project folder: where its config, transcripts and store live."""

    root: Path
    config: Config

    @property
    def store_path(self) -> Path:
        """The SQLite store, ``.qualcode/qualcode.db`` under the project root."""
        return self.root / STORE_DIR / STORE_NAME

    @property
    def transcripts_dir(self) -> Path:
        """The folder ``qualcode ingest`` reads when given no paths."""
        return self.root / self.config.transcripts

    @property
    def participants_path(self) -> Path:
        """The participants file used unless ``--participants`` names another."""
        if self.config.participants:
            return self.root / self.config.participants
        return self.transcripts_dir / "participants.csv"

    def relative(self, path: Path) -> str:
        """``path`` relative to the project root when it lies inside it, else absolute, with ``/``."""
        path = path.resolve()
        try:
            return path.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def find_root(start: Path | None = None) -> Path:
    """The nearest folder upward from ``start`` holding ``qualcode.toml`` or ``.qualcode/``, else ``start``."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file() or (folder / STORE_DIR).is_dir():
            return folder
    return start


def open_folder(path: str | Path | None = None) -> ProjectFolder:
    """Open the project at ``path`` (or found upward from the current folder) and read its config.

    Raises ProjectError when ``path`` does not exist or ``qualcode.toml`` is invalid.
    """
    if path is not None:
        root = Path(path)
        if not root.is_dir():
            raise ProjectError(f"project folder {root} does not exist")
        root = root.resolve()
    else:
        root = find_root()
    return ProjectFolder(root=root, config=load_config(root / CONFIG_NAME))


_KNOWN_KEYS = {
    "project": {"codebook", "transcripts", "language", "coder", "participants"},
    "speakers": {"interviewer", "respondent", "interpreter", "interpreter_notes"},
    "report": {"language", "k_anonymity", "page_size", "locale", "author"},
    "participants": {"identifying", "file"},
    "attributes": None,  # any attribute name: a table of value labels, with an optional `order` list
}


def load_config(path: Path) -> Config:
    """Read ``qualcode.toml`` at ``path``; a missing file gives the defaults.

    Raises ProjectError naming the file and key for syntax errors, unknown keys and wrong types.
    """
    if not path.is_file():
        return Config()
    try:
        data = tomllib.loads(unicodedata.normalize("NFC", path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProjectError(f"invalid TOML: {exc}", where=str(path)) from None
    for section, value in data.items():
        if section not in _KNOWN_KEYS or not isinstance(value, dict):
            raise ProjectError(f"unknown section [{section}]; known: {', '.join(sorted(_KNOWN_KEYS))}",
                               where=str(path))
        unknown = set(value) - _KNOWN_KEYS[section] if _KNOWN_KEYS[section] is not None else set()
        if unknown:
            raise ProjectError(f"unknown key {section}.{sorted(unknown)[0]}; known: "
                               f"{', '.join(sorted(_KNOWN_KEYS[section]))}", where=str(path))
    project = data.get("project", {})
    speakers = data.get("speakers", {})
    participants = data.get("participants", {})

    def text(section: dict, key: str, default: str | None) -> str | None:
        value = section.get(key, default)
        if value is not None and not isinstance(value, str):
            raise ProjectError(f"{key} must be a string", where=str(path))
        return value

    def texts(section: dict, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = section.get(key, default)
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ProjectError(f"{key} must be a list of strings", where=str(path))
        return tuple(value)

    return Config(
        codebook=text(project, "codebook", None),
        transcripts=text(project, "transcripts", "transcripts") or "transcripts",
        language=text(project, "language", "en") or "en",
        coder=text(project, "coder", None),
        participants=text(participants, "file", None) or text(project, "participants", None),
        interviewer_labels=texts(speakers, "interviewer", DEFAULT_INTERVIEWER_LABELS),
        respondent_labels=texts(speakers, "respondent", DEFAULT_RESPONDENT_LABELS),
        interpreter_labels=texts(speakers, "interpreter", DEFAULT_INTERPRETER_LABELS),
        interpreter_notes=_patterns(texts(speakers, "interpreter_notes", ()), path),
        report=_report(data.get("report", {}), path),
        identifying=texts(participants, "identifying", ()),
        **_attribute_values(data.get("attributes", {}), path),
    )


def _attribute_values(section: dict, path: Path) -> dict:
    """The ``[attributes]`` table as Config's ``value_labels`` and ``value_order``. Raises ProjectError for a
    value that is not a table of strings (with an optional ``order`` list of strings)."""
    labels: dict[str, dict[str, str]] = {}
    order: dict[str, tuple[str, ...]] = {}
    for attribute, values in section.items():
        if not isinstance(values, dict):
            raise ProjectError(f"attributes.{attribute} must be a table of value labels, e.g. "
                               f'{attribute}.none = "No disability"', where=str(path))
        for value, label in values.items():
            if value == "order":
                if not isinstance(label, list) or not all(isinstance(v, str) for v in label):
                    raise ProjectError(f"attributes.{attribute}.order must be a list of strings", where=str(path))
                order[attribute] = tuple(label)
            elif not isinstance(label, str):
                raise ProjectError(f"attributes.{attribute}.{value} must be a string (the value's label)",
                                   where=str(path))
            else:
                labels.setdefault(attribute, {})[value] = label
    return {"value_labels": labels, "value_order": order}


def _patterns(patterns: tuple[str, ...], path: Path) -> tuple[str, ...]:
    """``patterns`` after checking that each compiles. Raises ProjectError naming the bad one."""
    import re

    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ProjectError(f"speakers.interpreter_notes: {pattern!r} is not a regular expression ({exc})",
                               where=str(path)) from None
    return patterns


def _report(section: dict, path: Path) -> ReportSettings:
    """The ``[report]`` table. Raises ProjectError for a value of the wrong type or out of range."""
    def text(key: str, default: str | None) -> str | None:
        value = section.get(key, default)
        if value is not None and not isinstance(value, str):
            raise ProjectError(f"report.{key} must be a string", where=str(path))
        return value

    k = section.get("k_anonymity", 3)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ProjectError("report.k_anonymity must be a whole number of at least 1 (1 turns the check off)",
                           where=str(path))
    size = text("page_size", "A4") or "A4"
    match = next((s for s in PAGE_SIZES if s.casefold() == size.casefold()), None)
    if match is None:
        raise ProjectError(f"report.page_size {size!r}: use {' or '.join(PAGE_SIZES)}", where=str(path))
    language = text("language", None)
    locale = text("locale", "en-GB") or "en-GB"
    if not LOCALE.fullmatch(locale):  # Word needs a language tag; "english" would silently switch proofing off
        raise ProjectError(f"report.locale {locale!r} is not a language tag: use one such as en-GB, en-US or vi-VN",
                           where=str(path))
    return ReportSettings(language=language.casefold() if language else None, k_anonymity=k, page_size=match,
                          locale=locale, author=text("author", "") or "")

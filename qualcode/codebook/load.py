"""Codebook files (YAML) → a validated :class:`Codebook`, with every problem and where it is.

This module never matches text: the example self-test lives in :mod:`qualcode.coder`.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import regex  # the engine the coder runs patterns with: its searches take a timeout

from qualcode.codebook.locate import load_located
from qualcode.errors import InputFileError, Problem

UNITS = ("sentence", "turn", "match")
LANGUAGES = ("en", "vi")
TOP_KEYS = ("codebook", "version", "language", "unit", "description", "codes", "groups")
CODE_KEYS = ("id", "label", "color", "definition", "include", "exclude", "examples", "counterexamples", "rules",
             "not", "fuzzy", "accents", "speakers", "unit", "children", "memo", "codable")
RULE_KEYS = ("keywords", "pattern", "all", "lang")
RULE_KINDS = ("keywords", "pattern", "all")
ID_RE = re.compile(r"^[a-z0-9_.-]+$")
COLOR_RE = re.compile(r"^#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$")


@dataclass(frozen=True)
class Rule:
    """One rule of a code: exactly one of ``keywords``, ``pattern`` or ``all`` groups."""

    kind: str
    where: str  # "codes[0].rules[1]"
    keywords: tuple[str, ...] = ()
    pattern: str | None = None
    groups: tuple[tuple[str, ...], ...] = ()
    lang: str | None = None


@dataclass(frozen=True)
class Code:
    """A code with its inherited settings resolved (``fuzzy``, ``accents``, ``speakers``)."""

    id: str
    label: str
    where: str
    parent: str | None = None
    level: int = 1
    color: str | None = None
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()
    rules: tuple[Rule, ...] = ()
    not_: tuple[str, ...] = ()
    fuzzy: int | None = None
    accents_ignore: bool = False
    speakers: tuple[str, ...] = ()
    unit: str | None = None
    children: tuple[str, ...] = ()
    codable: bool = True  # False: a category (REFI isCodable="false"); counted through its children only


@dataclass(frozen=True)
class Codebook:
    """A loaded codebook; ``codes`` are in codebook order (depth first)."""

    name: str
    version: str
    language: str
    unit: str
    codes: tuple[Code, ...]
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    path: str = ""
    content_hash: str = ""
    marks: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False, compare=False)

    def locate(self, path: str) -> str:
        """``file:line:col path`` for a place in the codebook (``codes[2].examples[0]``)."""
        return locate(Path(self.path).name, self.marks, path)

    def code(self, code_id: str) -> Code:
        """The code with id ``code_id`` (KeyError when absent)."""
        return self._by_id()[code_id]

    def _by_id(self) -> dict[str, Code]:
        return self._index

    @cached_property
    def _index(self) -> dict[str, Code]:
        # built once per codebook: rebuilt on every call, a 10,000-code codebook took 35 s to walk its families
        return {c.id: c for c in self.codes}

    def descendants(self, code_id: str) -> list[str]:
        """Ids of every code below ``code_id`` (children, grandchildren, …)."""
        by_id = self._by_id()
        out: list[str] = []
        stack = list(reversed(by_id[code_id].children))
        while stack:
            current = stack.pop()
            out.append(current)
            stack.extend(reversed(by_id[current].children))
        return out

    def label_path(self, code_id: str) -> str:
        """``Parent label > Child label`` for ``code_id``."""
        by_id = self._by_id()
        labels = []
        current: str | None = code_id
        while current is not None:
            labels.append(by_id[current].label)
            current = by_id[current].parent
        return " > ".join(reversed(labels))

    def resolve(self, name: str) -> Code | None:
        """The code named by id, label or path (``A > B``, by labels or ids), case-insensitively."""
        wanted = " ".join(name.split()).casefold()
        for code in self.codes:
            if wanted in (code.id.casefold(), code.label.casefold(), self.label_path(code.id).casefold()):
                return code
        parts = [p.strip() for p in wanted.split(">")]
        if len(parts) > 1:
            return next((c for c in self.codes if c.id.casefold() == parts[-1]), None)
        return None


@dataclass
class CodebookReport:
    """A codebook (when it could be built) and every problem found; errors make it unusable.

    ``sound`` holds, when the codebook has errors, every code that loaded — each without its rules and `not`
    keywords that have errors, a repeated id made unique — so the example self-test still runs for all of them
    (`codebook check` lists every problem at once); ``dropped`` names, by code place, the rules left out.
    """

    codebook: Codebook | None
    problems: list[Problem] = field(default_factory=list)
    sound: Codebook | None = None
    dropped: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        """Problems of severity ``error``."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems of severity ``warning``."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def return_code(self) -> int:
        """1 when there is any error."""
        return 1 if self.errors else 0


def locate(filename: str, marks: dict[str, tuple[int, int]], path: str) -> str:
    """``file:line:col path``, using the nearest located ancestor of ``path``."""
    probe = path
    while probe and probe not in marks:
        # strip the last `.key` or `[i]`; a top-level key (`codebook`) has no parent and ends the walk at ""
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    line, col = marks.get(probe, (1, 1))
    return f"{filename}:{line}:{col} {path}"


class _Checker:
    def __init__(self, filename: str, marks: dict[str, tuple[int, int]]) -> None:
        self.filename = filename
        self.marks = marks
        self.problems: list[Problem] = []
        self.faulty: set[str] = set()  # places (`codes[0]`) of codes with an error of their own
        self.error_paths: list[str] = []  # where each error is, to leave broken rules out of the self-test
        self.code_where: str | None = None  # the code being checked, outside its children

    def error(self, path: str, message: str) -> None:
        if self.code_where is not None:
            self.faulty.add(self.code_where)
        self.error_paths.append(path)
        self.problems.append(Problem(self.at(path), message))

    def at(self, path: str) -> str:
        return locate(self.filename, self.marks, path)

    def warning(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.at(path), message, "warning"))

    def keys(self, mapping: dict, allowed: tuple[str, ...], path: str) -> None:
        for key in mapping:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(allowed)}"
                self.error(f"{path}.{key}" if path else key, f"unknown key {key!r}{hint}")

    def text(self, value: object, path: str, *, required: bool = False) -> str:
        if value is None:
            if required:
                self.error(path, "is required")
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.error(path, "must be text")
            return ""
        return value.strip()

    def texts(self, value: object, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.error(path, "must be a list of text")
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool):
                self.error(f"{path}[{i}]", "YAML reads this word as true/false: put it in quotes (\"on\", \"no\")")
            elif not isinstance(item, (str, int, float)) or not str(item).strip():
                self.error(f"{path}[{i}]", "must be non-empty text")
            else:
                out.append(str(item).strip())
        return tuple(out)

    def keywords(self, value: object, path: str) -> tuple[str, ...]:
        words = self.texts(value, path)
        for i, keyword in enumerate(words):
            body = keyword[:-1] if keyword.endswith("*") else keyword
            if "*" in body or any(w.endswith("*") for w in keyword.split()[:-1]):
                self.error(f"{path}[{i}]", f"misplaced '*' in {keyword!r}: a wildcard may only end the keyword")
            elif keyword.endswith("*") and len(body.strip()) < 2:
                self.error(f"{path}[{i}]", f"wildcard {keyword!r} needs at least two letters before '*'")
        return words


def load_codebook(path: str | Path) -> CodebookReport:
    """Read and validate a codebook file; every structural problem is reported with its place.

    Raises InputFileError only when the file cannot be read at all.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(f"cannot read codebook: {exc.strerror}", where=str(path)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"codebook is not UTF-8 (byte {exc.start})", where=str(path)) from None
    located = load_located(unicodedata.normalize("NFC", text), path.name)  # ids and labels as users type them
    report = CodebookReport(None, list(located.problems))
    if located.problems and located.value is None:
        return report
    check = _Checker(path.name, located.marks)
    root = located.value
    if not isinstance(root, dict):
        check.error("codebook", "a codebook is a mapping with `codebook:` and `codes:`")
        report.problems += check.problems
        return report
    check.keys(root, TOP_KEYS, "")
    name = check.text(root.get("codebook"), "codebook", required=True)
    version = check.text(root.get("version"), "version")
    language = check.text(root.get("language"), "language") or "en"
    if language not in LANGUAGES:
        check.error("language", f"language {language!r}: use one of {', '.join(LANGUAGES)}")
    unit = check.text(root.get("unit"), "unit") or "sentence"
    if unit not in UNITS:
        check.error("unit", f"unit {unit!r}: use one of {', '.join(UNITS)}")
    codes: list[Code] = []
    raw_codes = root.get("codes")
    if not isinstance(raw_codes, list) or not raw_codes:
        check.error("codes", "a codebook needs a non-empty list of codes")
    else:
        _codes(check, raw_codes, "codes", None, 1, {}, codes)
    seen: dict[str, str] = {}
    for code in codes:
        if code.id in seen and code.id != code.parent:  # a child repeating its parent is reported already
            check.error(f"{code.where}.id", f"duplicate id {code.id!r} (also at {seen[code.id]})")
        seen.setdefault(code.id, code.where)
    groups = _groups(check, root.get("groups"), {c.id for c in codes})
    _shared_keywords(check, codes)
    for code in codes:
        if not code.definition:
            check.warning(code.where, f"code {code.id!r} has no definition")
    report.problems += check.problems
    if not report.errors:
        report.codebook = Codebook(name, version, language, unit, tuple(codes), groups, str(path),
                                   hashlib.sha256(data).hexdigest(), located.marks)
    else:
        shell = Codebook(name, version, language if language in LANGUAGES else "en",
                         unit if unit in UNITS else "sentence", (), {}, str(path), "", located.marks)
        report.sound, report.dropped = _testable(codes, check.error_paths, shell)
    return report


def _testable(codes: list[Code], errors: list[str], shell: Codebook) -> tuple[Codebook | None,
                                                                             dict[str, tuple[str, ...]]]:
    """``shell`` holding every code that loaded, for the example self-test of a codebook with errors: each
    without its rules (and `not` keywords) that have an error, a bad unit dropped, and a repeated or missing id
    replaced by a unique name (``language (codes[1])``, ``codes[2]``); and the rules left out, by code place."""
    from dataclasses import replace

    def broken(where: str) -> bool:
        return any(p == where or p.startswith((where + ".", where + "[")) for p in errors)

    names: dict[str, str] = {}
    for code in codes:
        name = code.id or code.where
        names[code.where] = name if name not in names.values() else f"{name} ({code.where})"
    kept, dropped = [], {}
    for code in codes:
        parent = code.where.rsplit(".children[", 1)[0] if ".children[" in code.where else None
        children = tuple(names[c.where] for c in codes if ".children[" in c.where
                         and c.where.rsplit(".children[", 1)[0] == code.where)
        rules = tuple(r for r in code.rules if not broken(r.where))
        left_out = tuple(r.where[len(code.where) + 1:] for r in code.rules if broken(r.where))
        if left_out:
            dropped[code.where] = left_out
        kept.append(replace(code, id=names[code.where], parent=names.get(parent or ""), children=children,
                            rules=rules, not_=tuple(k for i, k in enumerate(code.not_)
                                                    if not broken(f"{code.where}.not[{i}]")),
                            unit=code.unit if code.unit in UNITS else None))
    return (replace(shell, codes=tuple(kept)) if kept else None), dropped


def _codes(check: _Checker, items: list, path: str, parent: str | None, level: int, inherited: dict,
           out: list[Code]) -> list[str]:
    ids = []
    outer = check.code_where
    for i, raw in enumerate(items):
        where = f"{path}[{i}]"
        check.code_where = outer
        if not isinstance(raw, dict):
            check.error(where, "a code is a mapping with at least `id:`")
            continue
        check.code_where = where
        check.keys(raw, CODE_KEYS, where)
        code_id = check.text(raw.get("id"), f"{where}.id", required=True)
        if code_id and not ID_RE.match(code_id):
            check.error(f"{where}.id", f"id {code_id!r}: use lowercase letters, digits and _ . -")
        if code_id and code_id == parent:
            check.error(f"{where}.id", f"child id {code_id!r} repeats its parent's id")
        color = check.text(raw.get("color"), f"{where}.color") or None
        if color and not COLOR_RE.match(color):
            check.error(f"{where}.color", f"colour {color!r}: use #RRGGBB or #RGB")
        fuzzy = raw.get("fuzzy", inherited.get("fuzzy"))
        if "fuzzy" in raw and (isinstance(fuzzy, bool) or not isinstance(fuzzy, (int, float)) or not 0 <= fuzzy <= 100):
            check.error(f"{where}.fuzzy", "fuzzy must be a number from 0 to 100")
            fuzzy = None
        accents = raw.get("accents")
        if accents is not None and accents not in ("ignore", "keep"):
            check.error(f"{where}.accents", f"accents {accents!r}: use `ignore` or `keep`")
        accents_ignore = accents == "ignore" if accents is not None else inherited.get("accents", False)
        speakers = check.texts(raw["speakers"], f"{where}.speakers") if "speakers" in raw \
            else inherited.get("speakers", ())
        unit = check.text(raw.get("unit"), f"{where}.unit") or None
        if unit and unit not in UNITS:
            check.error(f"{where}.unit", f"unit {unit!r}: use one of {', '.join(UNITS)}")
        rules = _rules(check, raw.get("rules"), f"{where}.rules")
        codable = raw.get("codable", True)
        if not isinstance(codable, bool):
            check.error(f"{where}.codable", "codable is true or false")
            codable = True
        elif not codable and rules:
            check.error(f"{where}.rules", "a code with `codable: false` cannot be coded, so it has no rules: move "
                                          "them to a child")
        index = len(out)
        out.append(Code(id=code_id, label=check.text(raw.get("label"), f"{where}.label") or code_id, where=where))
        children_raw = raw.get("children")
        children: list[str] = []
        if children_raw is not None:
            if not isinstance(children_raw, list):
                check.error(f"{where}.children", "children must be a list of codes")
            else:
                children = _codes(check, children_raw, f"{where}.children", code_id, level + 1,
                                  {"fuzzy": fuzzy, "accents": accents_ignore, "speakers": speakers}, out)
                check.code_where = where
        out[index] = Code(
            id=code_id, label=out[index].label, where=where, parent=parent, level=level, color=color,
            definition=check.text(raw.get("definition"), f"{where}.definition"),
            include=check.text(raw.get("include"), f"{where}.include"),
            exclude=check.text(raw.get("exclude"), f"{where}.exclude"),
            examples=check.texts(raw.get("examples"), f"{where}.examples"),
            counterexamples=check.texts(raw.get("counterexamples"), f"{where}.counterexamples"),
            rules=rules, not_=check.keywords(raw.get("not"), f"{where}.not"),
            fuzzy=int(fuzzy) if fuzzy is not None else None, accents_ignore=bool(accents_ignore),
            speakers=speakers, unit=unit, children=tuple(children), codable=codable)
        ids.append(code_id)
    check.code_where = outer
    return ids


def _rules(check: _Checker, raw: object, path: str) -> tuple[Rule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        check.error(path, "rules must be a list")
        return ()
    rules = []
    for i, item in enumerate(raw):
        where = f"{path}[{i}]"
        if not isinstance(item, dict):
            check.error(where, "a rule is a mapping with one of keywords, pattern, all")
            continue
        check.keys(item, RULE_KEYS, where)
        kinds = [k for k in RULE_KINDS if k in item]
        if len(kinds) != 1:
            found = ", ".join(kinds) if kinds else "none"
            check.error(where, f"a rule holds exactly one of keywords, pattern, all (found: {found})")
            continue
        kind = kinds[0]
        lang = check.text(item.get("lang"), f"{where}.lang") or None
        if lang and lang not in LANGUAGES:
            check.error(f"{where}.lang", f"lang {lang!r}: use one of {', '.join(LANGUAGES)}")
        if kind == "keywords":
            words = check.keywords(item["keywords"], f"{where}.keywords")
            if not words:
                check.error(f"{where}.keywords", "empty rule: list at least one keyword")
            rules.append(Rule("keywords", where, keywords=words, lang=lang))
        elif kind == "pattern":
            pattern = check.text(item["pattern"], f"{where}.pattern")
            if not pattern:
                check.error(f"{where}.pattern", "empty rule: the pattern is empty")
            else:
                try:
                    re.compile(pattern, re.I)
                    regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)
                except (re.error, regex.error) as exc:
                    at = f" at position {exc.pos}" if exc.pos is not None else ""
                    check.error(f"{where}.pattern", f"{exc.msg}{at}")
            rules.append(Rule("pattern", where, pattern=pattern, lang=lang))
        else:
            groups_raw = item["all"]
            groups: list[tuple[str, ...]] = []
            if not isinstance(groups_raw, list) or len(groups_raw) < 2:
                check.error(f"{where}.all", "all needs a list of at least two keyword lists")
            else:
                for j, group in enumerate(groups_raw):
                    words = check.keywords(group, f"{where}.all[{j}]")
                    if not words:
                        check.error(f"{where}.all[{j}]", "empty group: list at least one keyword")
                    groups.append(words)
            rules.append(Rule("all", where, groups=tuple(groups), lang=lang))
    return tuple(rules)


def _groups(check: _Checker, raw: object, ids: set[str]) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        check.error("groups", "groups must map a group name to a list of code ids")
        return {}
    groups = {}
    for name, members in raw.items():
        listed = check.texts(members, f"groups.{name}")
        for i, member in enumerate(listed):
            if member not in ids:
                close = difflib.get_close_matches(member, sorted(ids), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                check.error(f"groups.{name}[{i}]", f"unknown code {member!r}{hint}")
        groups[str(name)] = listed
    return groups


def _shared_keywords(check: _Checker, codes: list[Code]) -> None:
    owners: dict[str, str] = {}
    for code in codes:
        for rule in code.rules:
            for keyword in (*rule.keywords, *(w for g in rule.groups for w in g)):
                key = " ".join(keyword.casefold().split())
                if key in owners and owners[key] != code.id:
                    check.warning(rule.where, f"keyword {keyword!r} is also a keyword of {owners[key]!r}")
                owners.setdefault(key, code.id)

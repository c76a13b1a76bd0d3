"""YAML front matter between leading ``---`` lines (text files and Word paragraphs alike)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import yaml

from qualcode.errors import InputFileError
from qualcode.ingest.turns import Line
from qualcode.ingest.yaml_limits import alias_problem


def _as_text(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ", ".join(_as_text(v) for v in value)
    return "" if value is None else str(value)


# Values that name something (a document, a person) and so must fit on one line.
ONE_LINE = ("id", "participant")


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, except that a date that does not exist (``2018-13-45``) is an error with its line,
    not a traceback."""

    where = ""
    first_line = 1  # the file's line number of the block's first line

    def construct_yaml_timestamp(self, node):
        """A date or date-time; raises InputFileError at the value's line when no such date exists."""
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as exc:
            line = self.first_line + node.start_mark.line
            raise InputFileError(f"front matter: {node.value!r} is not a date ({exc}); write it as YYYY-MM-DD, "
                                 "or in quotes to keep it as text", where=f"{self.where}:{line}") from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _load(block: str, where: str, first: int) -> tuple[object, dict[str, int]]:
    """The front matter's values and the line of each top-level key's value; aliases are bounded (see
    :mod:`qualcode.ingest.yaml_limits`)."""
    loader = _Loader(block)
    loader.where, loader.first_line = where, first + 2
    try:
        root = loader.get_single_node()
        if root is None:
            return None, {}
        refused = alias_problem(root)
        if refused is not None:
            mark, message = refused
            raise InputFileError(f"front matter: {message}", where=f"{where}:{first + 2 + mark.line}")
        lines = {}
        if isinstance(root, yaml.MappingNode):
            lines = {str(key.value): first + 2 + value.start_mark.line for key, value in root.value
                     if isinstance(key, yaml.ScalarNode)}
        return loader.construct_document(root), lines
    finally:
        loader.dispose()


def split_front_matter(lines: Sequence[Line], where: str) -> tuple[dict[str, str], list[Line]]:
    """Split leading front matter off ``lines``: ``(attributes, remaining lines)``.

    Front matter starts at the first non-blank line when it is ``---`` and ends at the next ``---`` or
    ``...`` line; blank lines right after it are dropped too. Values become strings (dates ISO).
    Raises InputFileError with the line number when the YAML is invalid or not a mapping, a date does not
    exist, or an ``id`` or ``participant`` runs over more than one line.
    """
    first = next((i for i, line in enumerate(lines) if line.text.strip()), None)
    if first is None or lines[first].text.strip() != "---":
        return {}, list(lines)
    close = next((i for i in range(first + 1, len(lines)) if lines[i].text.strip() in ("---", "...")), None)
    if close is None:
        return {}, list(lines)
    block = "\n".join(line.text for line in lines[first + 1:close])
    try:
        data, lines_of = _load(block, where, first) if block.strip() else ({}, {})
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"{where}:{first + 2 + mark.line}" if mark is not None else where
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise InputFileError(f"front matter: {problem}", where=place) from None
    if not isinstance(data, dict):
        raise InputFileError("front matter must be `key: value` lines", where=f"{where}:{first + 2}")
    attributes = {str(k): _as_text(v) for k, v in data.items()}
    for key in ONE_LINE:
        if len(attributes.get(key, "").strip().splitlines()) > 1:
            raise InputFileError(f"front matter: {key} must be one line, not {attributes[key]!r}",
                                 where=f"{where}:{lines_of.get(key, first + 2)}")
    rest = close + 1
    while rest < len(lines) and not lines[rest].text.strip():
        rest += 1
    return attributes, list(lines[rest:])

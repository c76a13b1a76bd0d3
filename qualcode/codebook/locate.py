"""Loading YAML while remembering where every value stands (line and column), for precise messages."""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from qualcode.errors import Problem
from qualcode.ingest.yaml_limits import alias_problem


@dataclass
class Located:
    """Plain Python values from a YAML file plus ``path -> (line, column)`` for every node (1-based)."""

    value: object
    marks: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~10x faster; both report marks
_STR = "tag:yaml.org,2002:str"


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def load_located(text: str, filename: str) -> Located:
    """Parse ``text``; syntax errors and duplicate keys become problems at ``file:line:col``.

    Mapping entries are located at their key, list items at the item.
    """
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark else filename
        return Located(None, problems=[Problem(where, f"YAML syntax error: {exc.problem or exc.context}")])
    except yaml.YAMLError as exc:  # the reader's: a character YAML does not allow (NUL, other controls)
        where = f"{filename}:{text.count(chr(10), 0, getattr(exc, 'position', 0) or 0) + 1}"
        reason = getattr(exc, "reason", None) or "not valid YAML"
        return Located(None, problems=[Problem(where, f"YAML error: {reason}")])
    finally:
        loader.dispose()
    result = Located(None)
    if root is None:
        return result
    refused = alias_problem(root)
    if refused is not None:
        mark, message = refused
        result.problems.append(Problem(f"{filename}:{mark.line + 1}:{mark.column + 1}", message))
        return result

    def build(node: yaml.Node, path: str, mark: yaml.Mark) -> object:
        result.marks[path] = (mark.line + 1, mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            mapping: dict = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                    result.problems.append(Problem(f"{filename}:{line}:{col}", "a key must be plain text"))
                    continue
                key = key_node.value if key_node.tag == _STR else str(loader.construct_object(key_node, deep=True))
                child = _join(path, key)
                if key in mapping:
                    line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                    result.problems.append(Problem(f"{filename}:{line}:{col} {child}", f"duplicate key {key!r}"))
                mapping[key] = build(value_node, child, key_node.start_mark)
            return mapping
        if isinstance(node, yaml.SequenceNode):
            return [build(item, _join(path, i), item.start_mark) for i, item in enumerate(node.value)]
        if node.tag == _STR:  # most values: text needs no constructor (a 10,000-code codebook has 100,000)
            return node.value
        return loader.construct_object(node, deep=True)

    try:
        result.value = build(root, "", root.start_mark)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark else filename
        result.problems.append(Problem(where, f"YAML error: {exc.problem}"))
    return result

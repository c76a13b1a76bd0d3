"""Bounding what YAML aliases may expand to, before any value is built.

YAML lets a value repeat another (`&name` ... `*name`). Nine lines of aliases can stand for a billion values
(the "billion laughs" file), and an alias inside its own value loops. Codebooks and front matter are checked
here first: the size of the fully expanded document is counted on the parsed nodes (each node once), and a
file whose expansion is larger than ten times the values written plus 10,000, nests deeper than 100 levels or
refers to itself is refused. Real codebooks use aliases, if at all, to repeat a keyword list or two.
"""

from __future__ import annotations

import yaml

MIN_EXPANSION = 10_000
MAX_DEPTH = 100


def alias_problem(root: yaml.Node) -> tuple[yaml.Mark, str] | None:
    """Where and why expanding ``root``'s aliases is refused, or None when it is safe to build."""
    shared = _depth_or_shared(root)
    if shared is not True:
        return shared  # no list or mapping is reached twice: nothing can expand, only the depth counts
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    active: set[int] = set()
    distinct = 0
    # iterative post-order walk: (node, children visited?)
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            active.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            depths[key] = 1 + max((depths[id(c)] for c in children), default=0)
            if depths[key] > MAX_DEPTH:
                return node.start_mark, f"values nest more than {MAX_DEPTH} levels deep"
            continue
        if key in sizes:
            continue
        if key in active:
            return node.start_mark, "an alias (`*name`) refers to a value that contains it: remove the loop"
        active.add(key)
        distinct += 1
        stack.append((node, True))
        for child in children:
            if id(child) in active:
                return child.start_mark, "an alias (`*name`) refers to a value that contains it: remove the loop"
            if id(child) not in sizes:
                stack.append((child, False))
    if sizes[id(root)] > 10 * distinct + MIN_EXPANSION:
        return root.start_mark, (f"aliases (`*name`) expand this file to {sizes[id(root)]:,} values (an alias "
                                 "bomb?); write the repeated parts out")
    return None


def _depth_or_shared(root: yaml.Node) -> tuple[yaml.Mark, str] | None | bool:
    """A quick first walk: True when some list or mapping is reached twice (aliases: the full count must run),
    else the depth problem or None. Linear and light, so a codebook of 10,000 codes pays little for it."""
    seen: set[int] = set()
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node.start_mark, f"values nest more than {MAX_DEPTH} levels deep"
        if isinstance(node, yaml.ScalarNode):
            continue
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend((n, depth + 1) for pair in node.value for n in pair)
        else:
            stack.extend((n, depth + 1) for n in node.value)
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []

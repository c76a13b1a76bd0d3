"""Finding the code a name means, as people and other tools write it."""

from __future__ import annotations

import re

from qualcode.codebook.load import Code, Codebook

CODE_ROOTS = ("codes", "nodes", "code system")  # a root folder some tools put before every code path
_SEPARATOR_SPACE = re.compile(r"\s*([>\\/])\s*")


def resolve_code(book: Codebook, name: str) -> Code | None:
    """The code ``name`` means: by id, label or path — levels separated by ``>``, ``\\`` or ``/`` (labels or
    ids), with or without a leading ``Codes``/``Nodes`` root. None when no code fits."""

    def key(text: str) -> str:
        return _SEPARATOR_SPACE.sub(r"\1", " ".join(text.split())).casefold()

    names = [name.strip()]
    for root in CODE_ROOTS:
        if key(name)[:len(root) + 1] in (root + ">", root + "\\", root + "/"):
            names.append(_SEPARATOR_SPACE.split(name.strip(), maxsplit=1)[-1])
    for candidate in names:
        code = book.resolve(candidate)
        if code is not None:
            return code
    wanted = {key(n) for n in names}
    by_id = {c.id: c for c in book.codes}
    for code in book.codes:
        labels, current = [], code
        while current is not None:
            labels.insert(0, current.label)
            current = by_id.get(current.parent) if current.parent else None
        if any(key(sep.join(labels)) in wanted for sep in ">\\/"):
            return code
    return None


def unknown_code(book: Codebook, name: str) -> str:
    """The message for a code ``name`` that ``book`` does not have, with the closest id or label."""
    from qualcode.wording import did_you_mean

    known = [c.id for c in book.codes] + [c.label for c in book.codes]
    return f"unknown code {name!r} in codebook {book.name!r}{did_you_mean(name, known)}"

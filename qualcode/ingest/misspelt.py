"""Misspelt speaker labels: a label used once (``Particpant:``) that is a slip of the pen for one the same file
uses as a speaker (``Participant:``).

Two kinds of label, two standards of evidence, because merging two people is worse than leaving a label in the
text (both are reported). A *role* label (``Participant``, ``Respondent``, ``Interviewer`` …: the labels of
``qualcode.toml`` ``[speakers]`` or the built-in ones) is not a name, so any one slip counts — a letter
missing, added, changed or two swapped, or accents dropped — and two in an eleven-letter label. A *name* is
only matched when one word of at least seven letters has a letter missing or added inside it or two letters
swapped (``Wiliams`` for ``Williams``): changed letters (``Frances``/``Francis``, ``Trang``/``Trung``),
accents (``Thanh``/``Thành``), a letter added at the end (``Daniel``/``Daniela``) and short names
(``Lan``/``Lam``, ``Mai``/``Mây``) are different people.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable

from rapidfuzz.distance import OSA

from qualcode.ingest.labels import label_key

MIN_ROLE_CHARS = 5  # `Int`, `PV`, `Đáp` are too short to tell a slip from another label
LONG_ROLE_CHARS = 11  # from here two slips are allowed (`Partcipnt` for `Participant`)
MIN_NAME_WORD_CHARS = 7


def fold(text: str) -> str:
    """``text`` case-folded, without accents and with ``đ`` as ``d`` (how a hurried typist might write it)."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _role_slip(candidate: str, target: str) -> bool:
    a, b = fold(candidate), fold(target)
    if len(b) < MIN_ROLE_CHARS:
        return False
    return OSA.distance(a, b) <= (2 if len(b) >= LONG_ROLE_CHARS else 1)


def _inner_slip(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one letter missing inside the longer (not its first or last) or by two
    neighbouring letters swapped; never by a changed letter or accent."""
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    if len(longer) != len(shorter) + 1:
        return False
    return any(longer[:i] + longer[i + 1:] == shorter for i in range(1, len(longer) - 1))


def _name_slip(candidate: str, target: str) -> bool:
    a, b = label_key(candidate).split(), label_key(target).split()
    if len(a) != len(b):
        return False
    differing = [(x, y) for x, y in zip(a, b) if x != y]
    if len(differing) != 1:
        return False
    x, y = differing[0]
    if fold(x) == fold(y) or max(len(x), len(y)) < MIN_NAME_WORD_CHARS:
        return False  # accents make another name (Thanh, Thành); short names differ by a letter (Lan, Lam)
    return _inner_slip(x, y)


def misspelt_label(candidate: str, accepted: Iterable[str], role_labels: Collection[str]) -> str | None:
    """The one label of ``accepted`` (the speakers of the file, as first written) that ``candidate`` is a slip
    for, or None when none is — or when two are (a guess between two speakers is no reading)."""
    roles = {label_key(r) for r in role_labels}
    if label_key(candidate) in roles:
        return None  # a label of its own (`Interviewee` is not a slip for `Interviewer`)
    found = [label for label in dict.fromkeys(accepted) if label_key(label) != label_key(candidate) and (
        _role_slip(candidate, label) if label_key(label) in roles else _name_slip(candidate, label))]
    return found[0] if len(found) == 1 else None

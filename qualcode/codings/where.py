"""`--where EXPR`: which participants (and their turns) a report keeps, by their attributes.

The expression is parsed here, never evaluated as Python::

    gender = female and disability != none
    ethnicity in (Hmong, Dao) or not (site = "Site A")

Comparisons are ``attr = value``, ``attr != value``, ``attr in (a, b)`` and ``attr not in (a, b)``, joined by
``and``, ``or``, ``not`` and parentheses (``not`` binds tightest, then ``and``, then ``or``). A value is a
quoted string, or bare words up to the next operator or keyword (``community member``). Attribute names and
values match ignoring case, and a value may be written as stored or as its label from qualcode.toml's
``[attributes]``. A blank value is ``(missing)``, so ``gender != female`` keeps the participants whose gender
is not recorded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from qualcode.errors import UsageError
from qualcode.model import Role
from qualcode.project.store import DocumentRow, Store, TurnRow
from qualcode.wording import did_you_mean, find_name

MISSING = "(missing)"
DOCUMENT_FIELDS = ("type", "language", "document")
KEYWORDS = ("and", "or", "not", "in")
_TOKEN = re.compile(r"""\s*(?:(?P<op>!=|==|=|\(|\)|,)|(?P<quoted>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')"""
                    r"""|(?P<word>[^\s()=!,"']+)|(?P<bad>\S))""")
MAX_LENGTH = 2000  # a longer expression is a mistake, not a filter
MAX_DEPTH = 50  # parentheses: deeper is a mistake (and would exhaust Python's recursion)


# -- the expression ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Compare:
    """``attribute = value``, ``!=``, ``in (...)`` or ``not in (...)``: ``values`` as written."""

    attribute: str
    values: tuple[str, ...]
    negated: bool = False

    def test(self, value_of: Callable[[str], frozenset[str]]) -> bool:
        """Whether the participant whose values ``value_of`` gives satisfies this comparison."""
        spellings = value_of(self.attribute)
        hit = any(v.strip().casefold() in spellings for v in self.values)
        return hit != self.negated

    def comparisons(self) -> Iterable[Compare]:
        """This comparison (the leaves of an expression)."""
        yield self


@dataclass(frozen=True)
class Not:
    """``not EXPR``."""

    inner: Compare | Not | All | Any

    def test(self, value_of: Callable[[str], frozenset[str]]) -> bool:
        """Whether the inner expression is false."""
        return not self.inner.test(value_of)

    def comparisons(self) -> Iterable[Compare]:
        """The comparisons inside."""
        return self.inner.comparisons()


@dataclass(frozen=True)
class _Join:
    """Items joined by one operator."""

    items: tuple[Compare | Not | All | Any, ...]

    def comparisons(self) -> Iterable[Compare]:
        """The comparisons inside, in order."""
        for item in self.items:
            yield from item.comparisons()


class All(_Join):
    """``A and B and …``."""

    def test(self, value_of: Callable[[str], frozenset[str]]) -> bool:
        """Whether every item holds."""
        return all(item.test(value_of) for item in self.items)


class Any(_Join):
    """``A or B or …``."""

    def test(self, value_of: Callable[[str], frozenset[str]]) -> bool:
        """Whether at least one item holds."""
        return any(item.test(value_of) for item in self.items)


Expression = Compare | Not | All | Any


@dataclass(frozen=True)
class _Token:
    kind: str  # op, value, keyword, end
    text: str
    column: int  # 1-based, for messages
    quoted: bool = False


def _tokens(text: str) -> list[_Token]:
    found, position = [], 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:  # only trailing whitespace is left
            break
        column = match.start(match.lastgroup) + 1
        kind, value = match.lastgroup, match.group(match.lastgroup)
        if kind == "bad":
            message = "unterminated quote" if value in "\"'" else f"unexpected {value!r}"
            raise UsageError(f"--where: {message} at column {column}")
        if kind == "quoted":
            found.append(_Token("value", re.sub(r"\\(.)", r"\1", value[1:-1]), column, quoted=True))
        elif kind == "word" and value.casefold() in KEYWORDS:
            found.append(_Token("keyword", value.casefold(), column))
        else:
            found.append(_Token("op" if kind == "op" else "value", "=" if value == "==" else value, column))
        position = match.end()
    found.append(_Token("end", "", len(text) + 1))
    return found


class _Parser:
    """Recursive descent over the tokens: or → and → not → comparison or parenthesis."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def expect(self, kind: str, text: str, what: str) -> _Token:
        token = self.take()
        if token.kind != kind or token.text != text:
            raise self.error(token, what)
        return token

    @staticmethod
    def error(token: _Token, wanted: str) -> UsageError:
        got = "the end" if token.kind == "end" else repr(token.text)
        return UsageError(f"--where: expected {wanted} at column {token.column}, found {got}")

    def parse(self) -> Expression:
        expression = self.any()
        if self.peek().kind != "end":
            raise self.error(self.peek(), "'and', 'or' or the end")
        return expression

    def any(self) -> Expression:
        items = [self.all()]
        while self.peek() == _Token("keyword", "or", self.peek().column):
            self.take()
            items.append(self.all())
        return items[0] if len(items) == 1 else Any(tuple(items))

    def all(self) -> Expression:
        items = [self.negation()]
        while self.peek() == _Token("keyword", "and", self.peek().column):
            self.take()
            items.append(self.negation())
        return items[0] if len(items) == 1 else All(tuple(items))

    def negation(self) -> Expression:
        depth = 0
        while self.peek() == _Token("keyword", "not", self.peek().column):
            self.take()
            depth += 1
        inner = self.primary()
        return Not(inner) if depth % 2 else inner

    def primary(self) -> Expression:
        token = self.take()
        if token.kind == "op" and token.text == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise UsageError(f"--where: parentheses nested deeper than {MAX_DEPTH} at column {token.column}")
            inner = self.any()
            self.expect("op", ")", "')'")
            self.depth -= 1
            return inner
        if token.kind != "value":
            raise self.error(token, "an attribute name or '('")
        attribute, operator = token.text, self.take()
        if operator.kind == "op" and operator.text in ("=", "!="):
            return Compare(attribute, (self.value().text,), negated=operator.text == "!=")
        negated = operator == _Token("keyword", "not", operator.column)
        if negated:
            operator = self.take()
        if operator != _Token("keyword", "in", operator.column):
            raise self.error(operator, "'=', '!=', 'in' or 'not in' after the attribute")
        self.expect("op", "(", "'(' after 'in'")
        values = [self.value().text]
        while self.peek() == _Token("op", ",", self.peek().column):
            self.take()
            values.append(self.value().text)
        self.expect("op", ")", "',' or ')'")
        return Compare(attribute, tuple(values), negated=negated)

    def value(self) -> _Token:
        """A quoted value, or bare words up to the next operator or keyword (``community member``)."""
        token = self.take()
        if token.kind != "value":
            raise self.error(token, "a value (quote it if it is a word like 'and')")
        words = [token.text]
        while self.peek().kind == "value" and not self.tokens[self.at - 1].quoted and not self.peek().quoted:
            words.append(self.take().text)
        return _Token("value", " ".join(words), token.column, token.quoted)


def parse_where(text: str) -> Expression:
    """The expression ``text`` says. Raises UsageError naming the column of the first thing that is not
    part of the grammar (the module docstring has it)."""
    if not text.strip():
        raise UsageError("--where: the expression is empty; write for example --where \"gender = female\"")
    if len(text) > MAX_LENGTH:
        raise UsageError(f"--where: the expression is longer than {MAX_LENGTH} characters")
    return _Parser(text).parse()


# -- the participants it keeps ----------------------------------------------------------------------------
def attribute_names(columns: Sequence[str], documents: Iterable[DocumentRow]) -> list[str]:
    """Every attribute a report can filter or group by: participant columns, then front-matter keys, then
    the document's type, language and id."""
    names = list(columns)
    for doc in documents:
        names += [k for k in doc.attributes if k not in names and k not in ("id", "participant")]
    return names + [f for f in DOCUMENT_FIELDS if f not in names]


def raw_value(attribute: str, columns: Sequence[str], attributes: Mapping[str, str], doc: DocumentRow) -> str:
    """The stored value of ``attribute`` for a participant (``attributes``) speaking in ``doc``: a participant
    column, else the document's type, language or id, else a front-matter key; blank when absent."""
    if attribute in columns:
        value = attributes.get(attribute, "")
    elif attribute == "type":
        value = doc.doc_type.value
    elif attribute == "language":
        value = doc.language
    elif attribute == "document":
        value = doc.id
    else:
        value = doc.attributes.get(attribute, "")
    return value.strip()


@dataclass(frozen=True)
class TurnFilter:
    """The respondent turns a ``--where`` keeps, with the expression it came from and how many participants
    (of how many) it keeps. Interviewer turns are always kept: they are context, never counted."""

    text: str
    kept: frozenset[tuple[str, int]]  # (document, turn number) of respondent turns kept
    participants: int
    of: int

    def keeps(self, turn: TurnRow) -> bool:
        """Whether ``turn`` is kept."""
        return turn.role is Role.INTERVIEWER or (turn.document, turn.number) in self.kept

    def describe(self) -> str:
        """``where gender = female: 12 of 30 participants``."""
        return f"where {self.text}: {self.participants} of {self.of} participants"


def turn_filter(store: Store, text: str, labels: Mapping[str, Mapping[str, str]] | None = None,
                turns: Sequence[TurnRow] | None = None) -> TurnFilter:
    """The respondent turns whose speaker satisfies ``text`` (a ``--where`` expression). Names and values
    are resolved against the project, ignoring case; ``labels`` are qualcode.toml's value labels, which may
    stand for their values. Raises UsageError for a syntax error, an unknown attribute or an unknown value,
    with the closest name and what is available."""
    expression = parse_where(text)
    labels = labels or {}
    docs = {d.id: d for d in store.documents()}
    columns = store.participant_columns()
    people = {p.id: p.attributes for p in store.participants()}
    turns = [t for t in (store.turns() if turns is None else turns) if t.role is not Role.INTERVIEWER]
    available = attribute_names(columns, docs.values())

    def spellings(attribute: str, value: str) -> tuple[str, ...]:
        return tuple(s for s in (value or MISSING, _label(labels.get(attribute, {}), value)) if s)

    speakers = {(t.participant, t.document) for t in turns}
    values: dict[tuple, dict[str, frozenset[str]]] = {key: {} for key in speakers}
    resolved: dict[str, str] = {}
    for comparison in expression.comparisons():
        attribute = find_name(comparison.attribute, available)
        if attribute is None:
            raise UsageError(f"--where: unknown attribute {comparison.attribute!r}"
                             f"{did_you_mean(comparison.attribute, available)}; available: {', '.join(available)}")
        resolved[comparison.attribute] = attribute
        shown: set[str] = set()
        for participant, document in speakers:
            found = spellings(attribute, raw_value(attribute, columns, people.get(participant or "", {}),
                                                   docs[document]))
            values[(participant, document)][attribute] = frozenset(s.casefold() for s in found)
            shown.update(found)
        folded = {s.casefold() for s in shown}
        for value in comparison.values:
            if value.strip().casefold() not in folded:
                listed = sorted(shown, key=str.casefold)
                raise UsageError(f"--where: no participant has {attribute} {value!r}{did_you_mean(value, listed)}; "
                                 f"values of {attribute}: {', '.join(listed[:20])}{' …' if len(listed) > 20 else ''}")
    keep = {key for key, found in values.items()
            if expression.test(lambda name, found=found: found[resolved[name]])}
    kept = frozenset((t.document, t.number) for t in turns if (t.participant, t.document) in keep)
    identified = {p for p, _ in speakers if p}
    return TurnFilter(text.strip(), kept, len({p for p, _ in keep if p}), len(identified))


def _label(labels: Mapping[str, str], value: str) -> str:
    if not value:
        return ""
    return labels.get(value) or next((v for k, v in labels.items() if k.casefold() == value.casefold()), "")

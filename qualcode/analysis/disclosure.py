"""What an attribution tells a reader about a participant, and how many participants share it (k-anonymity).

An attribution such as ``— P07, female, Hoa, district official, Site B (IDI-29, turn 16)`` shows some of a
participant's attribute values, its *person fields*. The participant id is a study pseudonym, and the document,
turn and time say where it was said, so those are not counted. A reader who knows who took part can narrow the
quote down to the participants whose attributions would read the same. The check asks that at least ``k`` do.

Leaving out only the fields that single one person out is not enough: if every community member's attribution
says "community member" and one official's says nothing, the missing field points at the official. So the
fields are chosen for all participants together (:func:`check_attributions`): the participants are split into
groups by what their attributions show, field by field, each time by the field that lets the most participants
show a value shared by at least ``k`` of their group (the least identifying first; ties: the field listed first
in the attribution); those whose value is shared by fewer than ``k``, or missing, stay together without that
field, joined by as few others as needed to make ``k``. Every attribution then reads the same for at least
``k`` participants, and each participant's attribution is the same in every quote of a report (two quotes must
not reveal more together).

The participants counted (the *population*) are the identified speakers of the respondent turns of the report:
every participant who speaks as a respondent, or only those a ``--where`` keeps, because a reader of such a
report knows that every quote comes from them. Values are compared as reports show them (value labels from
qualcode.toml and pseudonyms applied), ignoring case and spacing. Giving several values one label therefore
coarsens them: `district official` and `commune official` both shown as `official` count together. A field
shown with every quote elsewhere (the ``--by`` group heading) splits first and is never left out.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from qualcode.codings.pseudonyms import Pseudonyms, hide, stored
from qualcode.codings.where import MISSING, attribute_names, raw_value
from qualcode.errors import UsageError
from qualcode.model import Role
from qualcode.project.store import Store, TurnRow

# the study pseudonym and where a quote was said (report.quotes.PLACE_FIELDS): shown, never counted
UNCHECKED = ("participant", "document", "turn", "timestamp")


def fold(value: str) -> str:
    """``value`` as the check compares it: case, spacing and Unicode normalisation ignored (``Female`` and
    ``female`` are one value, and so are a composed and a decomposed ``Tày``)."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def identified(turn: TurnRow) -> str | None:
    """The participant id of ``turn``'s speaker, or None when the speaker has no participants.csv row (as
    :func:`qualcode.report.quotes.identified`: such an id is built from the transcript's label)."""
    if not turn.participant or (turn.label and turn.participant == f"{turn.document}/{turn.label}"):
        return None
    return turn.participant


def resolve_k(k: int | None, default: int) -> int:
    """``k`` (``--k-anonymity``), else the project's ``default``. Raises UsageError below 1."""
    k = default if k is None else k
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise UsageError(f"--k-anonymity {k}: give a whole number of at least 1 (1 turns the check off, 3 is "
                         "the default)")
    return k


# -- the participants a report speaks of --------------------------------------------------------------------
@dataclass(frozen=True)
class Population:
    """The participants a report speaks of, as reports show them: for each participant, one description per
    document they speak in (front matter can differ between documents), each the folded values of ``fields``
    in order (``""`` when missing)."""

    fields: tuple[str, ...]
    people: Mapping[str, tuple[tuple[str, ...], ...]]
    spellings: Mapping[str, str] = field(default_factory=dict)  # folded value -> as first shown

    def __len__(self) -> int:
        return len(self.people)

    def holding(self, values: Iterable[str]) -> int:
        """How many participants hold every one of ``values`` in some field of one description (what a reader
        learns from an attribution whose fields are not named)."""
        wanted = {fold(v) for v in values}
        return sum(any(wanted <= set(d) for d in descriptions) for descriptions in self.people.values())

    def values(self) -> dict[str, list[str]]:
        """Every folded value shown, with the fields that hold it (in field order)."""
        found: dict[str, list[str]] = {}
        for descriptions in self.people.values():
            for d in descriptions:
                for name, value in zip(self.fields, d):
                    if value and name not in found.setdefault(value, []):
                        found[value].append(name)
        return {v: sorted(names, key=self.fields.index) for v, names in found.items()}


def collect(speakers: Iterable[tuple[str, str]], fields: Sequence[str],
            value_of: Callable[[str, str, str], str]) -> Population:
    """The population of ``speakers`` ((participant, document) pairs) described by ``fields``;
    ``value_of(field, participant, document)`` is the value a report shows (blank when missing)."""
    people: dict[str, dict[tuple[str, ...], None]] = {}
    spellings: dict[str, str] = {}
    for participant, document in sorted(set(speakers)):
        values = [value_of(f, participant, document) for f in fields]
        for value in values:
            spellings.setdefault(fold(value), value)
        people.setdefault(participant, {})[tuple(fold(v) for v in values)] = None
    return Population(tuple(fields), {p: tuple(d) for p, d in people.items()}, spellings)


def view_population(view, fields: Sequence[str]) -> Population:
    """The identified respondents of a :class:`~qualcode.analysis.corpus_view.CorpusView` (those its
    ``--where`` keeps), described by ``fields`` as the report shows them."""
    def value_of(name: str, participant: str, document: str) -> str:
        value = view.value(name, participant, document)
        return "" if value == MISSING else hide(view.pseudonyms, value)

    speakers = [(p, t.document) for t in view.respondent_turns() if (p := identified(t))]
    return collect(speakers, fields, value_of)


def store_population(store: Store, labels: Mapping[str, Mapping[str, str]]) -> Population:
    """Every identified respondent of the store described by every attribute except the document id, as
    reports show the values (``labels``: qualcode.toml's value labels; the stored pseudonyms)."""
    docs = {d.id: d for d in store.documents()}
    columns = store.participant_columns()
    people = {p.id: p.attributes for p in store.participants()}
    pseudonyms: Pseudonyms | None = stored(store)
    fields = [a for a in attribute_names(columns, docs.values()) if a != "document"]

    def value_of(name: str, participant: str, document: str) -> str:
        value = raw_value(name, columns, people.get(participant, {}), docs[document])
        shown = labels.get(name, {})
        value = shown.get(value) or next((v for k, v in shown.items() if k.casefold() == value.casefold()), value) \
            if value else ""
        return hide(pseudonyms, value)

    speakers = [(p, t.document) for t in store.turns() if t.role is not Role.INTERVIEWER and (p := identified(t))]
    return collect(speakers, fields, value_of)


# -- the check ------------------------------------------------------------------------------------------------
def _split(group: list[str], values: Mapping[str, tuple[str, ...]], left: list[int], k: int) \
        -> tuple[int, dict[str, list[str]], list[str]]:
    """The best split of ``group`` by one of the fields ``left``: ``(field, parts by value, rest)``, where
    each part has at least ``k`` participants and the rest (a missing value, or one shared by fewer than k)
    has none or at least ``k`` (when they are fewer, the largest value spares as few participants as needed,
    or, when it cannot, the smallest value joins them); the field chosen shows a value for the most
    participants (ties: the earlier field). ``(-1, {}, group)`` when no field can show a value for anyone."""
    best: tuple[int, dict[str, list[str]], list[str]] = (-1, {}, group)
    shown = 0
    for i in left:
        parts: dict[str, list[str]] = {}
        for person in group:
            parts.setdefault(values[person][i], []).append(person)
        rest = parts.pop("", [])
        for value in [v for v, people in parts.items() if len(people) < k]:
            rest += parts.pop(value)
        while 0 < len(rest) < k and parts:  # too few without it: others join them, so they hide among k
            need = k - len(rest)
            donor = max(parts, key=lambda v: (len(parts[v]), v))
            if len(parts[donor]) - need >= k:  # the largest value spares as few as needed, picked by a fixed hash
                spared = set(sorted(parts[donor], key=_stable)[:need])
                rest += [p for p in parts[donor] if p in spared]
                parts[donor] = [p for p in parts[donor] if p not in spared]
            else:  # else the smallest value joins them whole
                rest += parts.pop(min(parts, key=lambda v: (len(parts[v]), v)))
        count = len(group) - len(rest)
        if count > shown:
            best, shown = (i, parts, rest), count
    return best


def _stable(participant: str) -> bytes:
    """A fixed order that favours no id range (which participants lose a field to hide a rarer one)."""
    return hashlib.blake2b(participant.encode(), digest_size=8).digest()


def _partition(group: list[str], values: Mapping[str, tuple[str, ...]], left: list[int], k: int,
               shown: frozenset[int], out: dict[str, frozenset[int]]) -> None:
    """Assign to every participant of ``group`` the fields their attribution shows, splitting the group field
    by field (see :func:`_split`) while at least ``k`` participants share each branch."""
    field_at, parts, rest = _split(group, values, left, k) if len(group) >= k else (-1, {}, group)
    if field_at < 0:
        out.update(dict.fromkeys(group, shown))
        return
    others = [i for i in left if i != field_at]
    for value in sorted(parts):
        _partition(parts[value], values, others, k, shown | {field_at}, out)
    if rest:
        _partition(rest, values, others, k, shown, out)


def _settled(descriptions: Sequence[tuple[str, ...]], at: int) -> str:
    """A participant's value of the field at ``at``: blank (never shown) when it differs between the
    documents they speak in, so every quote of theirs shows the same."""
    found = {d[at] for d in descriptions}
    return found.pop() if len(found) == 1 else ""


@dataclass(frozen=True)
class Disclosure:
    """Which person fields each participant's attribution shows in one report, so that at least ``k``
    participants share what it shows; every quote of a participant shows the same fields."""

    k: int
    fields: tuple[str, ...]  # the person fields asked for, in attribution order
    fixed: tuple[str, ...] = ()  # shown with every quote elsewhere (the --by heading): counted, never left out
    population: int = 0  # participants counted
    shown: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # participant -> fields their attribution shows
    dropped: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # participant -> fields with a value left out
    sharing: Mapping[str, int] = field(default_factory=dict)  # participant -> participants sharing what is shown
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # participant -> their --by values
    group_sizes: Mapping[str, int] = field(default_factory=dict)  # --by value -> participants

    @property
    def off(self) -> bool:
        """Whether the check is switched off (k = 1)."""
        return self.k <= 1

    def shows(self, participant: str | None, name: str) -> bool:
        """Whether ``participant``'s attribution may show the person field ``name``. A speaker outside the
        population (no participants row, no speaker label) shows none: nobody can be counted against them."""
        return self.off or name in self.shown.get(participant or "", ())

    def summary(self, attributed: Iterable[str | None]) -> DisclosureSummary:
        """What a report's method note and the terminal say about the attributions it prints: ``attributed``
        holds the participant of each attribution (None for an unidentified speaker)."""
        people = [p for p in attributed if p]
        quoted = sorted(set(people))
        generalised = {p for p in quoted if self.dropped.get(p)}
        dropped = Counter(f for p in quoted for f in self.dropped.get(p, ()))
        short = [p for p in quoted if not self.off and p in self.sharing and self.sharing[p] < self.k]
        small = {g: self.group_sizes[g] for p in quoted for g in self.groups.get(p, ())
                 if self.group_sizes.get(g, 0) < self.k} if not self.off else {}
        return DisclosureSummary(
            k=self.k, population=self.population, quoted=len(quoted), generalised_participants=len(generalised),
            attributions=len(people), generalised=sum(p in generalised for p in people),
            dropped={f: dropped[f] for f in self.fields if dropped[f]}, short=len(short),
            by=self.fixed[0] if self.fixed else None, small_groups=dict(sorted(small.items())))


@dataclass(frozen=True)
class DisclosureSummary:
    """How identifying a report's attributions are, in numbers only (never which participant)."""

    k: int
    population: int  # participants counted
    quoted: int = 0  # identified participants with an attribution in the report
    generalised_participants: int = 0  # of them, with fields left out
    attributions: int = 0  # attributions of identified participants
    generalised: int = 0  # of them, with fields left out
    dropped: Mapping[str, int] = field(default_factory=dict)  # field -> participants quoted whose attribution lacks it
    short: int = 0  # participants quoted still shared by fewer than k (a small --by group, or too few in all)
    by: str | None = None
    small_groups: Mapping[str, int] = field(default_factory=dict)  # --by value -> participants, when below k

    @property
    def impossible(self) -> bool:
        """Whether fewer than k participants (but some) are counted, so no attribute can be shown at all (with
        none, every speaker is unidentified and shows no attribute anyway)."""
        return self.k > 1 and 0 < self.population < self.k

    def method_note(self) -> str:
        """The appendix method note's line: what k was and how many attributions were generalised."""
        k = self.k
        if k <= 1:
            return ("Attributions were not checked against the participants (k-anonymity switched off, k = 1): "
                    "an attribution may point at one person.")
        if self.impossible:
            return (f"Attributions show no attribute of the participants: this report speaks of "
                    f"{_n(self.population, 'participant')}, fewer than k = {k}, so any value shown could point at "
                    "one person; they show the participant's study id and where the words were said.")
        note = f"Attributions show only what at least {k} participants share (k-anonymity, k = {k}): "
        if not self.generalised:
            note += "none had to leave out a field."
        else:
            note += (f"{self.generalised} of {_n(self.attributions, 'attribution')} "
                     f"({self.generalised_participants} of {_n(self.quoted, 'participant')} quoted) leave out "
                     "their most identifying fields.")
        if self.short:
            one = self.short == 1
            note += (f" {_n(self.short, 'participant')} quoted {'is in a' if one else 'are in'} {self.by} "
                     f"group{'' if one else 's'} smaller than {k}, which {'its' if one else 'their'} heading"
                     f"{'' if one else 's'} show{'s' if one else ''}.")
        return note


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def check_attributions(view, fields: Sequence[str], by: str | None, k: int) -> Disclosure:
    """Decide, once for every participant of ``view``'s population, which of the person ``fields`` their
    attribution shows, so that at least ``k`` participants show exactly the same (with the same ``by``
    value, shown by the group heading); ``k`` 1 shows every field.

    The participants are split into groups by what their attributions show: first by ``by``, then field by
    field, each time by the field that shows a value for the most participants of the group (ties: the field
    listed first), each value shared by at least ``k`` of the group making a branch that shows it. The rest
    (a missing value, or one shared by fewer than ``k``) make one branch that does not show the field; when
    they are fewer than ``k``, others join them (see :func:`_split`). So every attribution is shown
    identically for at least ``k`` participants, and which fields are absent tells a reader who knows the
    rule nothing more.
    """
    person = tuple(dict.fromkeys(f for f in fields if f not in UNCHECKED))
    fixed = (by,) if by and by not in UNCHECKED else ()
    columns = person + tuple(f for f in fixed if f not in person)
    population = view_population(view, columns)
    if k <= 1:
        return Disclosure(k, person, fixed, len(population))
    values = {p: tuple(_settled(d, i) for i in range(len(columns))) for p, d in population.people.items()}
    groups: dict[str, tuple[str, ...]] = {}
    branches: dict[tuple[str, ...], list[str]] = {}
    for participant, descriptions in population.people.items():
        # the heading shows the --by value with every quote: never left out, so it splits first
        key = tuple(sorted({population.spellings.get(d[columns.index(fixed[0])]) or MISSING
                            for d in descriptions})) if fixed else ()
        groups[participant] = key
        branches.setdefault(key, []).append(participant)
    at_fixed = {columns.index(f) for f in fixed}
    chosen: dict[str, frozenset[int]] = {}
    for key in sorted(branches):
        _partition(branches[key], values, [i for i in range(len(person)) if i not in at_fixed], k,
                   frozenset(at_fixed), chosen)
    shown, dropped, records = {}, {}, {}
    for participant, descriptions in population.people.items():
        keep = chosen[participant]
        shown[participant] = tuple(f for i, f in enumerate(person) if i in keep)
        dropped[participant] = tuple(f for i, f in enumerate(person)
                                     if i not in keep and any(d[i] for d in descriptions))
        records[participant] = (groups[participant], keep, tuple(values[participant][i] for i in sorted(keep)))
    alike = Counter(records.values())  # participants whose attributions show exactly the same
    sharing = {p: alike[record] for p, record in records.items()}
    sizes = Counter(g for key in groups.values() for g in key)
    return Disclosure(k, person, fixed, len(population), shown, dropped, sharing, groups, dict(sizes))


def attributed(view, places: Iterable[tuple[str, int]]) -> list[str | None]:
    """The participant of each attribution at ``places`` ((document, turn number) of each quoted turn)."""
    turns = {(t.document, t.number): t for rows in view.turns.values() for t in rows}
    return [identified(turns[place]) if place in turns else None for place in places]

"""Applying a codebook's rules to transcripts: compiled rules → codings. Never reads files or prints.

The spec's matching semantics (section "Codebook") live here: keywords with lemmas, wildcards, fuzzy and
diacritic folding (via :mod:`qualcode.matcher`), patterns, ``all`` groups, ``not`` exclusions, speakers, and
the three units (sentence, turn, match).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qualcode.autocode.lemmas import Lemmatizer
from qualcode.autocode.matcher import Index, Settings, Word
from qualcode.autocode.prefilter import fold_for_search, required_literals
from qualcode.autocode.tokens import TokenCache
from qualcode.codebook.load import Code, Codebook, Rule
from qualcode.errors import Problem, QualcodeError
from qualcode.model import Role, Sentence

# A pattern search that takes longer than this on one sentence or turn is a runaway (catastrophic
# backtracking, e.g. `(a+)+$`): the run stops with an error naming the rule instead of hanging.
PATTERN_SECONDS = 1.0


class PatternTimeout(QualcodeError):
    """A rule's pattern ran past :data:`PATTERN_SECONDS` on one unit; ``code`` is the code it belongs to."""

    def __init__(self, message: str, *, where: str, code: str) -> None:
        super().__init__(message, where=where)
        self.code = code


def compile_pattern(pattern: str):
    """``pattern`` compiled case-insensitively with the ``regex`` engine, whose searches take a timeout.

    Raises ``regex.error`` for an invalid pattern (the codebook loader reports it first).
    """
    import regex

    return regex.compile(pattern, regex.IGNORECASE | regex.VERSION0)


@dataclass(frozen=True)
class CodingTurn:
    """A turn as the coder sees it: its speaker and its sentences with word tokens."""

    number: int
    start: int
    end: int
    role: Role
    label: str | None
    role_name: str | None
    sentences: tuple[Sentence, ...]


@dataclass(frozen=True)
class CodingDoc:
    """A document as the coder sees it."""

    id: str
    text: str
    language: str
    turns: tuple[CodingTurn, ...]


@dataclass(frozen=True)
class Suggestion:
    """A coding proposed by a rule: the span, the code whose rule matched, and which rule and term."""

    document: str
    start: int
    end: int
    code: str
    rule: str


@dataclass(frozen=True)
class _Sent:
    doc: int
    turn: int
    start: int
    end: int
    tokens: tuple[int, ...]  # flat (start, end) pairs


def speaks(turn: CodingTurn, speakers: Sequence[str]) -> bool:
    """Whether a code with ``speakers`` applies to ``turn`` (default: every turn not an interviewer's)."""
    if not speakers:
        return turn.role is not Role.INTERVIEWER
    from qualcode.ingest.labels import label_key  # here: importing qualcode.ingest loads every reader

    for wanted in speakers:
        key = label_key(wanted)
        if (key == "interviewer" and turn.role is Role.INTERVIEWER) or \
                (key in ("participant", "respondent") and turn.role is Role.RESPONDENT) or \
                (turn.role_name and key == label_key(turn.role_name)) or \
                (turn.label and key == label_key(turn.label)):
            return True
    return False


class Coder:
    """Codes a set of documents; build once, then call :meth:`apply` for a codebook."""

    def __init__(self, docs: Sequence[CodingDoc], lemmatizer: Lemmatizer | None = None,
                 tokens: TokenCache | None = None) -> None:
        self.docs = list(docs)
        self.lemmatizer = lemmatizer or Lemmatizer()
        self.tokens = tokens if tokens is not None else TokenCache()
        self.sents: list[_Sent] = []
        rows = []
        for d_index, doc in enumerate(self.docs):
            for t_index, turn in enumerate(doc.turns):
                for sentence in turn.sentences:
                    self.sents.append(_Sent(d_index, t_index, sentence.start, sentence.end, sentence.tokens))
                    rows.append((doc.language, doc.text, sentence.tokens))
        self.index = Index(rows, self.lemmatizer)
        self.sent_texts = [self.docs[s.doc].text[s.start:s.end] for s in self.sents]
        self._words: dict[tuple[str, str], tuple[Word, ...]] = {}
        self._ordered: dict[frozenset[int], list[int]] = {}  # eligible sentence sets, in order
        self._folded: list[tuple[str | None, list[int], list[int]]] | None = None
        self._starts: dict[int, tuple[list[int], list[int]]] | None = None  # per document: sentence starts
        self._turn_sentences: dict[tuple[int, int], list[int]] = {}
        self._eligible: dict[tuple[str, ...] | None, frozenset[int]] = {}

    # -- keywords --------------------------------------------------------------------------------------
    def keyword(self, keyword: str, language: str) -> tuple[Word, ...]:
        """The words of ``keyword`` (tokenised as ``language`` text) with their lemmas."""
        return self._keyword(keyword, language)

    def _keyword(self, keyword: str, language: str) -> tuple[Word, ...]:
        key = (keyword, language)
        if key not in self._words:
            self._words[key] = tuple(Word(w, self.lemmatizer.lemma(w, language) if not w.endswith("*") else w)
                                     for w in self.tokens.keyword(keyword, language))
        return self._words[key]

    def _keyword_hits(self, keywords: Iterable[str], language: str, settings: Settings,
                      eligible: frozenset[int]) -> list[tuple[int, int, int, str]]:
        """``(sentence, start char, end char, keyword)`` for each occurrence, keywords in listed order."""
        hits = []
        for keyword in keywords:
            words = self._keyword(keyword, language)
            if not words:
                continue
            for s_index, first, last in self.index.find(words, settings):
                if s_index in eligible:
                    tokens = self.sents[s_index].tokens
                    hits.append((s_index, tokens[2 * first], tokens[2 * last - 1], keyword))
        return hits

    # -- codes -----------------------------------------------------------------------------------------
    def eligible(self, speakers: Sequence[str] | None) -> frozenset[int]:
        """Indexes of the sentences a code with ``speakers`` may code (None: every sentence)."""
        key = None if speakers is None else tuple(speakers)
        if key not in self._eligible:
            found = frozenset(i for i, s in enumerate(self.sents)
                              if key is None or speaks(self.docs[s.doc].turns[s.turn], key))
            self._eligible[key] = found
            self._ordered[found] = sorted(found)
        return self._eligible[key]

    def apply(self, codebook: Codebook, *, unit: str | None = None, only: Iterable[str] | None = None,
              ignore_speakers: bool = False, lemmas: bool = True) -> list[Suggestion]:
        """Every coding the codebook's rules give, one per (unit, code), in document order.

        ``unit`` overrides the codebook's and codes' units; ``only`` restricts to some code ids;
        ``ignore_speakers`` codes every turn (the example self-test); ``lemmas=False`` compares keyword words
        with token forms only (a search's ``--exact``).
        """
        wanted = set(only) if only is not None else None
        out: list[Suggestion] = []
        for code in codebook.codes:
            if not code.rules or (wanted is not None and code.id not in wanted):
                continue
            eligible = self.eligible(None if ignore_speakers else code.speakers)
            code_unit = unit or code.unit or codebook.unit
            out.extend(self._code(codebook, code, code_unit, eligible, self.settings(code, lemmas)))
        out.sort(key=lambda s: (s.document, s.start, s.end, s.code))
        return out

    @staticmethod
    def settings(code: Code, lemmas: bool = True) -> Settings:
        """How ``code``'s keywords compare (its ``accents`` and ``fuzzy``)."""
        return Settings(code.accents_ignore, code.fuzzy, lemmas)

    def _code(self, codebook: Codebook, code: Code, unit: str, eligible: frozenset[int],
              settings: Settings) -> list[Suggestion]:
        excluded = {s for s, *_ in self._keyword_hits(code.not_, codebook.language, settings, eligible)}
        excluded_turns = {(self.sents[s].doc, self.sents[s].turn) for s in excluded}
        found: dict[tuple, tuple[int, int, str]] = {}  # unit key -> (start, end, rule text); first rule wins
        for rule in code.rules:
            language = rule.lang or codebook.language
            for key, start, end, term in self._guarded(codebook, code.id, rule, language, settings, unit,
                                                               eligible):
                sent_key = key[0] if unit != "turn" else None
                if unit == "turn" and key in excluded_turns:
                    continue
                if sent_key is not None and sent_key in excluded:
                    continue
                found.setdefault(key, (start, end, f"{rule.where} {term}"))
        docs = self.docs
        return [Suggestion(docs[self._doc_of(unit, key)].id, start, end, code.id, rule_text)
                for key, (start, end, rule_text) in found.items()]

    def _guarded(self, codebook: Codebook, code_id: str, rule: Rule, language: str, settings: Settings,
                 unit: str, eligible: frozenset[int]) -> list[tuple[tuple, int, int, str]]:
        """:meth:`_rule_units` as a list; a runaway pattern becomes an error naming the rule's place."""
        try:
            return list(self._rule_units(rule, language, settings, unit, eligible))
        except TimeoutError:
            raise PatternTimeout(
                f"pattern {rule.pattern!r} ran over {PATTERN_SECONDS:g} s on one {unit}: it backtracks without "
                "end (a repeat inside a repeat such as (a+)+, or overlapping choices such as (a|aa)+); rewrite it",
                where=codebook.locate(f"{rule.where}.pattern"), code=code_id) from None

    def _doc_of(self, unit: str, key: tuple) -> int:
        return key[0] if unit == "turn" else self.sents[key[0]].doc

    def _rule_units(self, rule: Rule, language: str, settings: Settings, unit: str,
                    eligible: frozenset[int]) -> Iterable[tuple[tuple, int, int, str]]:
        """``(unit key, start, end, term)`` for every unit the rule matches.

        Unit keys: sentence → ``(sentence,)``; turn → ``(doc, turn)``; match → ``(sentence, start, end)``.
        """
        if rule.kind == "keywords":
            for s_index, start, end, keyword in self._keyword_hits(rule.keywords, language, settings, eligible):
                yield (*self._unit_key(unit, s_index, start, end), f'keyword "{keyword}"')
        elif rule.kind == "pattern":
            yield from self._pattern_units(rule.pattern or "", unit, eligible)
        else:
            yield from self._all_units(rule, language, settings, unit, eligible)

    def _unit_key(self, unit: str, s_index: int, start: int, end: int) -> tuple[tuple, int, int]:
        sent = self.sents[s_index]
        if unit == "sentence":
            return (s_index,), sent.start, sent.end
        if unit == "turn":
            turn = self.docs[sent.doc].turns[sent.turn]
            return (sent.doc, sent.turn), turn.start, turn.end
        return (s_index, start, end), start, end

    def _literal_places(self, literals: frozenset[str]) -> set[tuple[int, int]] | None:
        """``(document, offset)`` of every occurrence of the literals (case folded) in the turns the coder
        holds, or None when unusable. Only those turns' text is searched: a warm re-code holds a few turns of
        each document, and searching whole documents cost it a fifth of its time."""
        if self._folded is None:
            self._folded = [self._turn_text(doc) for doc in self.docs]
        places = set()
        for d_index, (folded, starts, offsets) in enumerate(self._folded):
            if folded is None:
                return None
            for literal in literals:
                at = folded.find(literal)
                while at != -1:
                    k = bisect.bisect_right(starts, at) - 1
                    places.add((d_index, offsets[k] + at - starts[k]))
                    at = folded.find(literal, at + 1)
        return places

    @staticmethod
    def _turn_text(doc: CodingDoc) -> tuple[str | None, list[int], list[int]]:
        """The text of ``doc``'s turns joined by NUL and case folded, with where each turn starts in it and
        in the document (the folded text is None when folding changes its length)."""
        pieces = [doc.text[t.start:t.end] for t in doc.turns]
        starts, at = [], 0
        for piece in pieces:
            starts.append(at)
            at += len(piece) + 1
        joined = "\0".join(pieces)
        folded = fold_for_search(joined)
        return (folded if len(folded) == len(joined) else None), starts, [t.start for t in doc.turns]

    def _candidates(self, pattern: str, unit: str) -> set[int] | None:
        """Sentences (or, for unit turn, sentences of turns) that may hold a match; None: all of them."""
        literals = required_literals(pattern)
        places = self._literal_places(literals) if literals else None
        if places is None:
            return None
        starts = self._sentence_starts()
        found = set()
        for d_index, at in places:
            i = bisect.bisect_right(starts[d_index][0], at) - 1
            if i < 0:
                continue
            s_index = starts[d_index][1][i]
            sent = self.sents[s_index]
            if unit == "turn":
                found.update(self._turn_sentences[(sent.doc, sent.turn)])
            elif at < sent.end:
                found.add(s_index)
        return found

    def _sentence_starts(self) -> dict[int, tuple[list[int], list[int]]]:
        if self._starts is None:
            self._starts = {}
            for s_index, sent in enumerate(self.sents):
                offsets, indexes = self._starts.setdefault(sent.doc, ([], []))
                offsets.append(sent.start)
                indexes.append(s_index)
                self._turn_sentences.setdefault((sent.doc, sent.turn), []).append(s_index)
        return self._starts

    def _pattern_units(self, pattern: str, unit: str,
                       eligible: frozenset[int]) -> Iterable[tuple[tuple, int, int, str]]:
        regex = compile_pattern(pattern)
        term = f'pattern "{pattern}"'
        ordered = self._ordered[eligible]
        candidates = self._candidates(pattern, unit)
        if candidates is not None:
            ordered = [s for s in ordered if s in candidates]
        if unit == "turn":
            seen = set()
            for s_index in ordered:
                sent = self.sents[s_index]
                if (sent.doc, sent.turn) in seen:
                    continue
                seen.add((sent.doc, sent.turn))
                turn = self.docs[sent.doc].turns[sent.turn]
                # search the slice, not text with pos/endpos: `^` must match at the unit's start
                if regex.search(self.docs[sent.doc].text[turn.start:turn.end], timeout=PATTERN_SECONDS):
                    yield (sent.doc, sent.turn), turn.start, turn.end, term
            return
        texts = self.sent_texts
        for s_index in ordered:
            for match in regex.finditer(texts[s_index], timeout=PATTERN_SECONDS):
                sent = self.sents[s_index]
                if match.end() > match.start():
                    start, end = sent.start + match.start(), sent.start + match.end()
                    yield (*self._unit_key(unit, s_index, start, end), term)
                    if unit == "sentence":
                        break

    def _all_units(self, rule: Rule, language: str, settings: Settings, unit: str,
                   eligible: frozenset[int]) -> Iterable[tuple[tuple, int, int, str]]:
        per_group = []
        for group in rule.groups:
            first: dict[tuple, str] = {}
            for s_index, _, _, keyword in self._keyword_hits(group, language, settings, eligible):
                sent = self.sents[s_index]
                key = (sent.doc, sent.turn) if unit == "turn" else (s_index,)
                first.setdefault(key, keyword)
            per_group.append(first)
        common = set(per_group[0]).intersection(*per_group[1:]) if per_group else set()
        for key in sorted(common):
            term = "all " + " + ".join(f'"{g[key]}"' for g in per_group)
            if unit == "turn":
                turn = self.docs[key[0]].turns[key[1]]
                yield key, turn.start, turn.end, term
            else:
                sent = self.sents[key[0]]
                yield (key[0], sent.start, sent.end) if unit == "match" else key, sent.start, sent.end, term


def self_test(codebook: Codebook, lemmatizer: Lemmatizer | None = None,
              tokens: TokenCache | None = None) -> list[Problem]:
    """Examples their own code (or a descendant) does not match, counterexamples it does.

    Each example is coded as one respondent turn in the codebook's language; only codes whose subtree has
    rules are tested. ``tokens`` may hold the examples' and keywords' tokens already.
    """
    tokens = tokens if tokens is not None else TokenCache()
    cases = [(code, kind, i, text) for code in codebook.codes
             for kind, texts in (("examples", code.examples), ("counterexamples", code.counterexamples))
             for i, text in enumerate(texts)]
    if not cases:
        return []
    segmented = [tokens.sentences(text, codebook.language) for *_, text in cases]
    docs = []
    for n, ((_, _, _, text), sentences) in enumerate(zip(cases, segmented)):
        sents = tuple(Sentence(a, b, words) for a, b, words in sentences)
        turn = CodingTurn(1, 0, len(text), Role.RESPONDENT, None, None, sents)
        docs.append(CodingDoc(str(n), text, codebook.language, (turn,)))
    coder = Coder(docs, lemmatizer, tokens)
    problems = []
    remaining = [code.id for code in codebook.codes]
    while True:  # a runaway pattern is reported and its code left out; every other code is still tested
        try:
            suggestions = coder.apply(codebook, unit="turn", only=remaining, ignore_speakers=True)
            break
        except PatternTimeout as exc:
            problems.append(Problem(exc.where or codebook.locate(codebook.code(exc.code).where), exc.message))
            remaining.remove(exc.code)
    coded: dict[str, set[str]] = {}
    matched_by: dict[tuple[str, str], str] = {}  # (example, code) -> the rule and term that matched it
    for s in suggestions:
        coded.setdefault(s.document, set()).add(s.code)
        matched_by.setdefault((s.document, s.code), s.rule)
    for n, (code, kind, i, text) in enumerate(cases):
        family = {code.id, *codebook.descendants(code.id)}
        if not any(codebook.code(c).rules for c in family) or not family <= set(remaining):
            continue
        hit = bool(coded.get(str(n), set()) & family)
        where = codebook.locate(f"{code.where}.{kind}[{i}]")
        if kind == "examples" and not hit:
            problems.append(Problem(where, f"example not matched by {code.id!r} or its children: {text!r}"))
        elif kind == "counterexamples" and hit:
            rule = next(matched_by[(str(n), c)] for c in sorted(family) if (str(n), c) in matched_by)
            problems.append(Problem(where, f"counterexample matched by {code.id!r} ({rule}): {text!r}"))
    return problems

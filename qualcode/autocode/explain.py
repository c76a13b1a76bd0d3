"""`qualcode codebook explain CODE`: what each rule of a code matches in the corpus, and why.

For every keyword (of ``keywords`` rules, ``all`` groups and ``not``) it counts the places it matches, groups
them by the token forms that matched and the reason they did — the form itself, a lemma, a wildcard, a fuzzy
neighbour (with its ratio), diacritic folding — and keeps a few of them in context. Patterns are counted the
same way by the text they matched. The matching is the coder's own (:class:`~qualcode.autocode.coder.Coder`);
only the reasons are worked out afterwards, on a slower path that `qualcode code` never takes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from qualcode.autocode.coder import PATTERN_SECONDS, Coder, PatternTimeout, compile_pattern
from qualcode.autocode.matcher import Settings
from qualcode.codebook.load import Code, Codebook

EXAMPLES_PER_TERM = 3
CONTEXT_CHARS = 45


@dataclass(frozen=True)
class Variant:
    """Token forms a term matched, why they matched, and how often."""

    text: str  # the matched words, lowercased (``in-house`` → ``house``)
    reason: str  # ``form``, ``lemma "house"``, ``wildcard``, ``fuzzy (ratio 91)``, ``…, accents ignored``
    count: int


@dataclass(frozen=True)
class InContext:
    """One match with the words around it inside its turn."""

    document: str
    turn: int
    left: str
    match: str
    right: str


@dataclass(frozen=True)
class TermReport:
    """What one keyword or pattern of a rule matches: places, sentences, variants and a few examples."""

    rule: str  # ``codes[0].rules[1]`` or ``codes[0].not``
    kind: str  # keyword | pattern | all | not
    term: str
    matches: int
    sentences: int
    variants: tuple[Variant, ...]
    examples: tuple[InContext, ...]


@dataclass(frozen=True)
class Explanation:
    """Everything `codebook explain` shows for one code."""

    code: str
    label: str
    settings: str  # ``fuzzy 88; accents ignored; speakers: participant``
    unit: str
    coded: int  # units the code's rules code (after ``not``), as `qualcode code` would suggest them
    terms: tuple[TermReport, ...]


def context(text: str, start: int, end: int, low: int, high: int, width: int = CONTEXT_CHARS) -> tuple[str, str]:
    """The ``width`` characters left and right of ``text[start:end]`` inside ``[low, high)`` (a turn's speech),
    whitespace collapsed, cut at a word with ``…``."""
    left = " ".join(text[max(low, start - 4 * width):start].split())
    right = " ".join(text[end:min(high, end + 4 * width)].split())
    if text[start - 1:start].isspace() and left:
        left += " "
    if text[end:end + 1].isspace() and right:
        right = " " + right
    if len(left) > width:
        cut = left[-width:]
        left = "…" + (cut.split(" ", 1)[1] if " " in cut[:-1] else cut) if not cut.startswith(" ") else "…" + cut
    if len(right) > width:
        cut = right[:width]
        right = (cut.rsplit(" ", 1)[0] if " " in cut[1:] else cut) + "…"
    return left, right


def explain_code(coder: Coder, book: Codebook, code: Code, examples: int = EXAMPLES_PER_TERM) -> Explanation:
    """What each rule of ``code`` matches in the coder's documents, on the turns the code applies to."""
    settings = coder.settings(code)
    eligible = coder.eligible(code.speakers)
    terms: list[TermReport] = []
    for rule in code.rules:
        language = rule.lang or book.language
        if rule.kind == "keywords":
            terms += [_keyword(coder, rule.where, "keyword", k, language, settings, eligible, examples)
                      for k in rule.keywords]
        elif rule.kind == "pattern":
            try:
                terms.append(_pattern(coder, rule.where, rule.pattern or "", eligible, examples))
            except TimeoutError:  # the same limit, and the same words, as `qualcode code`
                raise PatternTimeout(
                    f"pattern {rule.pattern!r} ran over {PATTERN_SECONDS:g} s on one sentence: it backtracks "
                    "without end (a repeat inside a repeat such as (a+)+, or overlapping choices such as (a|aa)+); "
                    "rewrite it", where=book.locate(f"{rule.where}.pattern"), code=code.id) from None
        else:
            terms += [_keyword(coder, f"{rule.where}.all[{g}]", "all", k, language, settings, eligible, examples)
                      for g, group in enumerate(rule.groups) for k in group]
    terms += [_keyword(coder, f"{code.where}.not", "not", k, book.language, settings, eligible, examples)
              for k in code.not_]
    unit = code.unit or book.unit
    coded = len(coder.apply(book, only=[code.id])) if code.rules else 0
    parts = [f"fuzzy {code.fuzzy}" if code.fuzzy is not None else "no fuzzy matching",
             "accents ignored" if code.accents_ignore else "accents compared",
             f"speakers: {', '.join(code.speakers)}" if code.speakers else "every respondent turn"]
    return Explanation(code.id, code.label, "; ".join(parts), unit, coded, tuple(terms))


def _in_context(coder: Coder, s_index: int, start: int, end: int) -> InContext:
    sent = coder.sents[s_index]
    doc = coder.docs[sent.doc]
    turn = doc.turns[sent.turn]
    left, right = context(doc.text, start, end, turn.start, turn.end)
    return InContext(doc.id, turn.number, left, doc.text[start:end], right)


def _keyword(coder: Coder, where: str, kind: str, keyword: str, language: str, settings: Settings,
             eligible: frozenset[int], examples: int) -> TermReport:
    words = coder.keyword(keyword, language)
    hits = [h for h in coder.index.find(words, settings) if h[0] in eligible] if words else []
    variants: Counter = Counter()
    first_of: dict[tuple[str, str], tuple[int, int, int]] = {}
    for s_index, first, last in hits:
        ids = [coder.index.token_id(s_index, p) for p in range(first, last)]
        reasons = [coder.index.why(w, settings, t) for w, t in zip(words, ids)]
        shown = " ".join(coder.index.forms[t] for t in ids)
        distinct = list(dict.fromkeys(reasons))
        key = (shown, distinct[0] if len(distinct) == 1 else " + ".join(reasons))
        variants[key] += 1
        first_of.setdefault(key, (s_index, first, last))
    ordered = sorted(variants.items(), key=lambda kv: (kv[0][1] != "form", -kv[1], kv[0][0]))
    chosen = [first_of[key] for key, _ in ordered][:examples]
    in_context = []
    for s_index, first, last in sorted(chosen):
        tokens = coder.sents[s_index].tokens
        in_context.append(_in_context(coder, s_index, tokens[2 * first], tokens[2 * last - 1]))
    return TermReport(where, kind, keyword, len(hits), len({h[0] for h in hits}),
                      tuple(Variant(text, reason, n) for (text, reason), n in ordered), tuple(in_context))


def _pattern(coder: Coder, where: str, pattern: str, eligible: frozenset[int], examples: int) -> TermReport:
    """What a pattern matches, found as the coder finds it (the ``regex`` engine, case ignored). Raises
    TimeoutError when one sentence takes the pattern past :data:`PATTERN_SECONDS`."""
    regex = compile_pattern(pattern)
    variants: Counter = Counter()
    first_of: dict[str, tuple[int, int, int]] = {}
    sentences = 0
    for s_index in sorted(eligible):
        found = False
        for match in regex.finditer(coder.sent_texts[s_index], timeout=PATTERN_SECONDS):
            if match.end() <= match.start():
                continue
            found = True
            key = " ".join(match.group(0).lower().split())
            variants[key] += 1
            base = coder.sents[s_index].start
            first_of.setdefault(key, (s_index, base + match.start(), base + match.end()))
        sentences += found
    ordered = sorted(variants.items(), key=lambda kv: (-kv[1], kv[0]))
    chosen = sorted(first_of[key] for key, _ in ordered[:examples])
    return TermReport(where, "pattern", pattern, sum(variants.values()), sentences,
                      tuple(Variant(text, "pattern", n) for text, n in ordered),
                      tuple(_in_context(coder, *place) for place in chosen))

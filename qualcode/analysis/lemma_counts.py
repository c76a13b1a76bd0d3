"""`qualcode words`: the lemmas of respondent speech, counted per group, stop words left out.

- **English** turns use the word tokens stored at ingest and the lemma lookup table `qualcode code` uses.
- **Vietnamese** turns are segmented again with pyvi (spaCy's Vietnamese tokenizer, as at ingest), because the
  store keeps syllables: ``dân tộc thiểu số`` counts as one word, not four syllables.
- Other languages use the stored tokens, lowercased.

Stop words: spaCy's English list; for Vietnamese, qualcode's own list (``qualcode/data/stopwords_vi.txt``).
Tokens without a letter (numbers) are not listed, nor the words of bracketed transcriber's notes
(``[laughs]``, ``[in Hmong]``, ``[pause]``). A group's size is its respondent speech in words as the
documents table counts them (whitespace tokens holding a letter or digit, stop words included).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from qualcode.analysis.corpus_view import MISSING, CorpusView
from qualcode.autocode.lemmas import Lemmatizer
from qualcode.codings.pseudonyms import Pseudonyms
from qualcode.codings.where import turn_filter
from qualcode.errors import ProjectError
from qualcode.ingest import words_in
from qualcode.ingest.segment import word_form
from qualcode.model import Role
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import open_store

ALL = "all"
NOTE = re.compile(r"\[[^\]\n]{0,80}\]")  # a transcriber's note: [laughs], [in Hmong], [inaudible 00:12]


@dataclass(frozen=True)
class LemmaCounts:
    """Lemma counts per group and each group's size in words, participants and turns."""

    by: str | None
    counts: dict[tuple[str, str], int]
    words: dict[str, int]
    participants: dict[str, int]
    groups: tuple[str, ...]  # in report order: values sorted, (missing) last


def hide_lemmas(counted: LemmaCounts, pseudonyms: Pseudonyms | None) -> LemmaCounts:
    """``counted`` as `qualcode pseudonymise` shows it: a key term in a lemma or a group name replaced, a lemma
    that is one word of a multi-word term (``séo`` of ``Séo Phìn``) left out."""
    if pseudonyms is None:
        return counted
    counts: Counter = Counter()
    for (group, lemma), n in counted.counts.items():
        shown = pseudonyms.apply(lemma, any_case=True)  # lemmas are lower case: `lành` is the lemma of `Lành`
        if shown == lemma and pseudonyms.is_part(lemma):
            continue
        counts[(pseudonyms.apply(group), shown)] += n
    words: Counter = Counter()
    people: Counter = Counter()
    for group in counted.groups:
        words[pseudonyms.apply(group)] += counted.words[group]
        people[pseudonyms.apply(group)] += counted.participants[group]
    groups = tuple(dict.fromkeys(pseudonyms.apply(g) for g in counted.groups))
    return LemmaCounts(counted.by, dict(counts), dict(words), dict(people), groups)


@cache
def stop_words(language: str) -> frozenset[str]:
    """The stop words of ``language`` (lowercased): spaCy's for English, qualcode's own for Vietnamese,
    none for other languages."""
    if language == "en":
        return frozenset(w.lower() for w in _spacy_stop_words("en"))
    if language == "vi":
        from importlib import resources

        text = resources.files("qualcode").joinpath("data", "stopwords_vi.txt").read_text(encoding="utf-8")
        return frozenset(line.strip().lower() for line in text.splitlines()
                         if line.strip() and not line.startswith("#"))
    return frozenset()


def _spacy_stop_words(language: str) -> set[str]:
    """spaCy's stop-word list of ``language``, read from its module file without importing spaCy (which took
    `words` a sixth of its time); the module is a plain set literal."""
    import importlib.util

    spec = importlib.util.find_spec("spacy")
    folder = next(iter(spec.submodule_search_locations or ())) if spec else None
    if folder is None:  # pragma: no cover - spaCy is a declared dependency
        return set()
    module_spec = importlib.util.spec_from_file_location(f"_qualcode_stop_words_{language}",
                                                         f"{folder}/lang/{language}/stop_words.py")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return set(module.STOP_WORDS)


def count_lemmas(project: ProjectFolder, by: str | None = None, where: str | None = None) -> LemmaCounts:
    """Count the lemmas of every respondent turn (turns not spoken by an interviewer) of the participants
    ``where`` keeps, grouped by the attribute ``by`` (matched ignoring case) or all together. Raises
    ProjectError when nothing was ingested and UsageError for an unknown attribute or a bad ``where``."""
    store = open_store(project.store_path)
    try:
        docs = {d.id: d for d in store.documents()}
        if not docs:
            raise ProjectError("no documents: run `qualcode ingest` first")
        kept = turn_filter(store, where, project.config.value_labels) if where else None
        view = CorpusView(None, docs, {}, {p.id: p.attributes for p in store.participants()},  # type: ignore[arg-type]
                          store.participant_columns(), value_labels=project.config.value_labels,
                          value_order=project.config.value_order)
        attribute = view.resolve_attributes([by])[0] if by else None
        lemmatizer = Lemmatizer()
        counts: Counter = Counter()
        words: Counter = Counter()
        people: dict[str, set[str]] = {}
        vietnamese: list[tuple[str, str]] = []  # (group, turn text) segmented together below
        listed: dict[tuple[str, str], str | None] = {}  # (token text, language) -> its lemma when counted
        for doc in docs.values():  # one document's sentences at a time: memory stays flat
            sentences = None
            for turn in store.turns(doc.id):
                if kept is not None and not kept.keeps(turn):
                    continue
                if turn.role is Role.INTERVIEWER or turn.end <= turn.start:
                    continue
                group = view.value(attribute, turn.participant, doc.id) if attribute else ALL
                words[group] += words_in(doc.text, turn.start, turn.end)
                people.setdefault(group, set()).add(turn.participant or f"{doc.id}/turn {turn.number}")
                speech = NOTE.sub(lambda m: " " * len(m.group(0)), doc.text[turn.start:turn.end])
                if doc.language == "vi":
                    vietnamese.append((group, speech))
                    continue
                stops = stop_words(doc.language)
                if sentences is None:
                    sentences = store.sentences(doc.id)
                for sentence in sentences.get(turn.number, ()):
                    for start, end in sentence.spans():
                        if speech[start - turn.start:end - turn.start].isspace():
                            continue  # inside a transcriber's note
                        key = (doc.text[start:end], doc.language)
                        if key not in listed:  # each distinct token text is looked up once
                            form = word_form(key[0])
                            lemma = lemmatizer.lemma(form, doc.language)
                            listed[key] = lemma if _listed(form, lemma, stops) else None
                        if (lemma := listed[key]) is not None:
                            counts[(group, lemma)] += 1
    finally:
        store.close()
    if vietnamese:
        _count_vietnamese(vietnamese, counts)
    groups = sorted(words, key=lambda g: view.order_key(attribute, g) if attribute else (False, 0, g, g))
    return LemmaCounts(attribute, dict(counts), dict(words), {g: len(p) for g, p in people.items()},
                       tuple(groups))


def _listed(form: str, lemma: str, stops: frozenset[str]) -> bool:
    """Whether a token is counted: it holds a letter and neither its form nor its lemma is a stop word."""
    return any(c.isalpha() for c in form) and form not in stops and lemma not in stops


def _count_vietnamese(turns: list[tuple[str, str]], counts: Counter) -> None:
    """Count pyvi's words (multi-syllable words whole) of Vietnamese turns."""
    from qualcode.ingest.segment import sentence_pipeline

    tokenizer = sentence_pipeline("vi").tokenizer
    stops = stop_words("vi")
    for group, text in turns:
        for token in tokenizer(text):
            form = " ".join(word_form(token.text).split())
            if form and _listed(form, form, stops):
                counts[(group, form)] += 1


__all__ = ["ALL", "MISSING", "LemmaCounts", "count_lemmas", "stop_words"]

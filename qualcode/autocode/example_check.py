"""Why an example failed the self-test of `qualcode codebook check`: an example that one of its code's `not`
keywords excludes (the examples contradict the exclusions), and a code tested without its rules that have
errors. The self-test itself is :func:`qualcode.autocode.coder.self_test`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from qualcode.autocode.coder import self_test
from qualcode.autocode.tokens import TokenCache
from qualcode.codebook.load import Code, Codebook, Rule
from qualcode.errors import Problem

_CASE = re.compile(r"(codes\[\d+\](?:\.children\[\d+\])*)\.(examples|counterexamples)\[(\d+)\]$")


def explain(book: Codebook, problems: Sequence[Problem], dropped: dict[str, tuple[str, ...]],
            tokens: TokenCache | None = None) -> list[Problem]:
    """``problems`` (the self-test's, of ``book``) with the reason added where one is known: the `not` keywords
    that exclude an unmatched example, and the rules a code with errors was tested without (``dropped``, by code
    place)."""
    places = {c.where: c for c in book.codes}
    failed: dict[int, tuple[Code, str]] = {}  # problem index -> (code, example text) of examples not matched
    for n, problem in enumerate(problems):
        found = _CASE.search(problem.where)
        code = places.get(found.group(1)) if found else None
        if code is not None and found.group(2) == "examples":
            failed[n] = (code, code.examples[int(found.group(3))])
    excluded = _excluded_by_not(book, failed, tokens)
    out = []
    for n, problem in enumerate(problems):
        message = problem.message
        if n in excluded:
            message += (f" — its `not` {'keyword' if len(excluded[n]) == 1 else 'keywords'} "
                        f"{', '.join(repr(k) for k in excluded[n])} exclude{'s' if len(excluded[n]) == 1 else ''} "
                        "it: the example contradicts the code's exclusions")
        found = _CASE.search(problem.where)
        if found and found.group(2) == "examples" and found.group(1) in dropped:  # a matched one matched anyway
            rules = dropped[found.group(1)]
            message += f" (tested without {', '.join(rules)}, which {_have(rules)} errors)"
        out.append(replace(problem, message=message))
    return out


def _have(rules: Sequence[str]) -> str:
    return "has" if len(rules) == 1 else "have"


def _excluded_by_not(book: Codebook, failed: dict[int, tuple[Code, str]],
                     tokens: TokenCache | None) -> dict[int, tuple[str, ...]]:
    """For each unmatched example whose code (or a descendant) has `not` keywords: the ones found in it, when the
    example matches without them. One self-test run of a codebook of one code per (example, keyword)."""
    probes: list[Code] = []
    asked: list[tuple[int, str]] = []
    for n, (code, text) in failed.items():
        family = [code, *(book.code(c) for c in book.descendants(code.id))]
        for member in family:
            if not member.rules:
                continue
            for keyword in member.not_:
                at = f"codes[{len(probes)}]"
                probes.append(Code(id=f"probe{len(probes)}", label="probe", where=at, examples=(text,),
                                   rules=(Rule("keywords", f"{at}.rules[0]", keywords=(keyword,)),),
                                   fuzzy=member.fuzzy, accents_ignore=member.accents_ignore))
                asked.append((n, keyword))
    if not probes:
        return {}
    probed = replace(book, codes=tuple(probes), groups={}, marks={})
    missed = {p.where.rsplit(" ", 1)[-1] for p in self_test(probed, tokens=tokens)}
    hits: dict[int, list[str]] = {}
    for i, (n, keyword) in enumerate(asked):
        if f"codes[{i}].examples[0]" not in missed and keyword not in hits.get(n, []):
            hits.setdefault(n, []).append(keyword)
    if not hits:
        return {}
    # only when the example would match without those keywords is `not` the reason it failed
    cleared = replace(book, codes=tuple(replace(c, not_=()) for c in book.codes))
    still = {p.where for p in self_test(cleared, tokens=tokens)}
    return {n: tuple(words) for n, words in hits.items() if _where(book, failed[n]) not in still}


def _where(book: Codebook, failure: tuple[Code, str]) -> str:
    code, text = failure
    return book.locate(f"{code.where}.examples[{code.examples.index(text)}]")

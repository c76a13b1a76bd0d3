"""The references qualcode is compared with, each run as a whole process on the same transcripts.

``floor FOLDER``: spaCy's blank English pipeline with the sentencizer and the lookup lemmatizer, ``nlp.pipe``
over every turn (each line's text after ``Speaker:``) — the least any spaCy-based tool must spend.

``tokenizer FOLDER``: the same without the lemmatizer (tokenizer + sentencizer): what qualcode's ingest runs,
since it looks lemmas up only for the distinct words a rule asks about.

``substring FOLDER CODEBOOK``: how common desktop QDA tools auto-code — every keyword of the codebook searched
as an exact, case-insensitive substring with ``re.finditer`` in every document (no lemmas, no wildcards, no
fuzzy matching, no sentences). Kept for comparison with earlier results; it is slow for no reason.

``find FOLDER CODEBOOK``: the strongest simple method giving the same hits — each document lower-cased once,
then ``str.find`` for every keyword: what a first ``qualcode code`` should beat.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def turns(folder: Path) -> list[str]:
    """Every non-empty line of every ``.txt`` file, without its ``Speaker:`` label."""
    out = []
    for path in sorted(folder.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(line.split(": ", 1)[-1])
    return out


def floor(folder: Path, lemmas: bool = True) -> str:
    """Segment (and, with ``lemmas``, lemmatise) every turn with a bare spaCy pipeline; returns a summary."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    if lemmas:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    texts = turns(folder)
    tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=256))
    return f"{len(texts)} turns, {tokens} tokens"


def keywords(codebook: Path) -> list[str]:
    """Every keyword of the codebook's rules (keyword lists, ``all`` groups, ``not``), once each."""
    import yaml

    found: list[str] = []

    def walk(codes) -> None:
        for code in codes or []:
            for rule in code.get("rules") or []:
                found.extend(str(k) for k in rule.get("keywords") or [])
                found.extend(str(k) for group in rule.get("all") or [] for k in group)
            found.extend(str(k) for k in code.get("not") or [])
            walk(code.get("children"))

    walk(yaml.safe_load(codebook.read_text(encoding="utf-8")).get("codes"))
    return list(dict.fromkeys(k.rstrip("*") for k in found if k.rstrip("*")))


def substring(folder: Path, codebook: Path) -> str:
    """Code every document with every keyword as an exact substring; returns a summary line."""
    words = keywords(codebook)
    patterns = [re.compile(re.escape(w), re.I) for w in words]
    hits = 0
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for pattern in patterns:
            hits += sum(1 for _ in pattern.finditer(text))
    return f"{len(words)} keywords, {hits} hits"


def find(folder: Path, codebook: Path) -> str:
    """The same hits as :func:`substring`, the fast way: each document lower-cased once, ``str.find`` per
    keyword; returns a summary line."""
    words = [w.lower() for w in keywords(codebook)]
    hits = 0
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8").lower()
        for word in words:
            at = text.find(word)
            while at != -1:
                hits += 1
                at = text.find(word, at + 1)
    return f"{len(words)} keywords, {hits} hits"


if __name__ == "__main__":
    if sys.argv[1] == "floor":
        print(floor(Path(sys.argv[2])))
    elif sys.argv[1] == "tokenizer":
        print(floor(Path(sys.argv[2]), lemmas=False))
    elif sys.argv[1] == "find":
        print(find(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        print(substring(Path(sys.argv[2]), Path(sys.argv[3])))

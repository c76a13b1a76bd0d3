"""Building benchmark corpora of a given size from real transcripts, copied under new ids.

The pool is the real TXT transcripts in ``../shared/data/real`` (the QMSum committee sessions first, then the
PD-pilot interviews), or, on a fresh clone without ``../shared``, the sample study's ``.txt`` transcripts.
Files are taken in order and copied again under new ids (``education_0-c2.txt``) until the corpus holds the
wanted number of words (whitespace tokens of the whole file).
"""

from __future__ import annotations

import re
from pathlib import Path

from qualcode.ingest.encoding import decode

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "data" / "real"
POOLS = ("qmsum-welsh-committee-multispeaker/transcripts_txt", "pdpilot-interviews-coded/transcripts_txt")
_ID_LINE = re.compile(r"^id:.*$", re.M)


def pool(real: Path = REAL) -> tuple[str, list[Path]]:
    """``(description, files)``: the real transcripts when ``real`` (../shared/data/real) is there, else the
    sample study's."""
    files = [p for folder in POOLS for p in sorted((real / folder).glob("*.txt"))] if real.is_dir() else []
    if files:
        return "real TXT transcripts of ../shared/data/real (QMSum committee sessions, PD-pilot interviews)", files
    sample = sorted((REPO / "transcripts").glob("*.txt"))
    return "the sample study's .txt transcripts (../shared/data/real is absent)", sample


def build(target: Path, words: int, real: Path = REAL) -> tuple[int, int]:
    """Write about ``words`` words of transcripts into the folder ``target``, as UTF-8; returns (files, words)."""
    target.mkdir(parents=True, exist_ok=True)
    _, files = pool(real)
    # qualcode's own decoder: the sample holds a Windows-1258 transcript (IDI-31.txt), written back as UTF-8
    texts = [(p.stem, decode(p.read_bytes(), str(p))[0]) for p in files]
    total = count = copy = 0
    while total < words:
        copy += 1
        for stem, text in texts:
            name = stem if copy == 1 else f"{stem}-c{copy}"
            if text.startswith("---"):  # front matter: the copy needs its own id
                text = _ID_LINE.sub(f"id: {name}", text, count=1)
            (target / f"{name}.txt").write_text(text, encoding="utf-8")
            total += len(text.split())
            count += 1
            if total >= words:
                break
    return count, total

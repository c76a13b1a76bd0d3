"""Speed benchmark: `qualcode ingest` + `qualcode code` against a bare spaCy floor, in the same run.

The floor is a whole Python process that reads the QMSum committee transcripts (about 295,000 words),
splits each line into its turn and runs spaCy's blank English pipeline with the sentencizer and the lookup
lemmatizer over every turn. qualcode is timed as the real CLI in a fresh project whose qualcode.toml names
the study codebook (codebooks/barriers.yaml): `ingest` of the folder, then `code`, each a whole process. A
second fresh project measures `code --codebook` with a codebook ingest did not prepare. Five interleaved rounds
(floor, ingest, code) are timed; the README reports medians and the median ratio. Skips when ../shared is absent.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QMSUM = REPO.parent / "shared" / "data" / "real" / "qmsum-welsh-committee-multispeaker" / "transcripts_txt"
RUNS = 5

FLOOR = """
import sys
from pathlib import Path
import spacy
nlp = spacy.blank("en")
nlp.add_pipe("sentencizer")
nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
nlp.initialize()
turns = []
for path in sorted(Path(sys.argv[1]).glob("*.txt")):
    for line in path.read_text(encoding="utf-8").splitlines():
        turns.append(line.split(": ", 1)[-1])
words = sum(len(t.split()) for t in turns)
n = sum(len(doc) for doc in nlp.pipe(turns, batch_size=256))
print(words, n)
"""


CODEBOOK = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "codebooks" / "barriers.yaml"


def timed(command: list[str]) -> float:
    """Wall-clock seconds of one run of ``command`` (which must succeed)."""
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    if not QMSUM.is_dir():
        print(f"skipped: {QMSUM} is absent (the benchmark needs ../shared/data/real)")
        return 0
    python = sys.executable
    # Interleaved rounds: each round times the floor, then ingest and code, so a busy machine slows all three;
    # the ratio reported is the median of the rounds' ratios.
    floors, ingests, codes, colds = [], [], [], []
    for _ in range(RUNS):
        floors.append(timed([python, "-c", FLOOR, str(QMSUM)]))
        with tempfile.TemporaryDirectory() as tmp:
            # the usual project: qualcode.toml names the codebook, so ingest prepares its keywords
            Path(tmp, "qualcode.toml").write_text(f'[project]\ncodebook = "{CODEBOOK.as_posix()}"\n',
                                                  encoding="utf-8")
            ingests.append(timed([python, "-m", "qualcode", "ingest", str(QMSUM), "--project", tmp]))
            codes.append(timed([python, "-m", "qualcode", "code", "--project", tmp]))
        with tempfile.TemporaryDirectory() as tmp:  # a codebook named only on the command line: cold cache
            subprocess.run([python, "-m", "qualcode", "ingest", str(QMSUM), "--project", tmp], check=True,
                           capture_output=True)
            colds.append(timed([python, "-m", "qualcode", "code", "--codebook", str(CODEBOOK), "--project", tmp]))
    ratios = sorted((i + c) / f for f, i, c in zip(floors, ingests, codes))
    cold_ratios = sorted((i + c) / f for f, i, c in zip(floors, ingests, colds))
    floor, ingest, code = statistics.median(floors), statistics.median(ingests), statistics.median(codes)
    words = subprocess.run([python, "-c", FLOOR, str(QMSUM)], capture_output=True, text=True,
                           check=True).stdout.split()[0]
    print(f"corpus: QMSum committee transcripts, {int(words):,} words (whitespace tokens of turn text)")
    print(f"floor (spaCy blank en + sentencizer + lookup lemmatizer), median: {floor:6.2f} s")
    print(f"qualcode ingest (fresh store), median:                            {ingest:6.2f} s")
    print(f"qualcode code with {CODEBOOK.name} (named in qualcode.toml), median: {code:6.2f} s")
    print(f"qualcode code --codebook {CODEBOOK.name} (not prepared), median:   {statistics.median(colds):6.2f} s")
    print(f"ratio ingest / floor (medians): {ingest / floor:.2f}")
    print(f"ratio (ingest + code) / floor, median of {RUNS} interleaved rounds: "
          f"{statistics.median(ratios):.2f} (range {ratios[0]:.2f}–{ratios[-1]:.2f}; target: at most 2.00)")
    print(f"the same with the codebook named only on the command line: {statistics.median(cold_ratios):.2f} "
          f"(range {cold_ratios[0]:.2f}–{cold_ratios[-1]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

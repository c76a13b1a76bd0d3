"""Speed benchmark: `qualcode ingest` against a bare spaCy floor, measured in the same run.

The floor is a whole Python process that reads the QMSum committee transcripts (about 295,000 words),
splits each line into its turn and runs spaCy's blank English pipeline with the sentencizer and the lookup
lemmatizer over every turn. qualcode is timed as the real CLI in a fresh project. Each is run three times
and the fastest run counts; the ratio is what the README reports. Skips when ../shared is absent.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QMSUM = REPO.parent / "shared" / "data" / "real" / "qmsum-welsh-committee-multispeaker" / "transcripts_txt"
RUNS = 3

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


def best_of(command: list[str], prepare=None) -> float:
    """The fastest wall-clock time of ``command`` over RUNS runs (``prepare`` runs untimed before each)."""
    times = []
    for _ in range(RUNS):
        if prepare:
            prepare()
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    if not QMSUM.is_dir():
        print(f"skipped: {QMSUM} is absent (the benchmark needs ../shared/data/real)")
        return 0
    python = sys.executable
    floor = best_of([python, "-c", FLOOR, str(QMSUM)])
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / ".qualcode"

        def fresh() -> None:
            subprocess.run(["rm", "-rf", str(store)], check=True)

        ingest = best_of([python, "-m", "qualcode", "ingest", str(QMSUM), "--project", tmp], prepare=fresh)
    words = subprocess.run([python, "-c", FLOOR, str(QMSUM)], capture_output=True, text=True,
                           check=True).stdout.split()[0]
    print(f"corpus: QMSum committee transcripts, {int(words):,} words (whitespace tokens of turn text)")
    print(f"floor  (spaCy blank en + sentencizer + lookup lemmatizer, whole process): {floor:6.2f} s")
    print(f"qualcode ingest (whole process, fresh store):                          {ingest:6.2f} s")
    print(f"ratio ingest / floor: {ingest / floor:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

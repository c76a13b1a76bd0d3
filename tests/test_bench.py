"""The benchmark cannot rot: its smoke run (about 20,000 words) produces every row and ratio."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_smoke_benchmark_produces_every_row(tmp_path: Path) -> None:
    """`benchmarks/run.py --smoke` runs every step as a process and writes a row for each, and every ratio."""
    output = tmp_path / "RESULTS.md"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--smoke", "--output", str(output)],
                   check=True, capture_output=True, text=True, timeout=300)
    text = output.read_text(encoding="utf-8")
    for row in ("spaCy floor", "without the lemmatizer", "str.find per keyword", "python -c pass",
                "qualcode search", "qualcode words", "first code / str.find loop", "− python -c pass",
                "exact-substring coding", "qualcode ingest |", "qualcode code (first run)",
                "nothing changed |", "adding one keyword", "editing one code's rule", "qualcode matrix",
                "about 1,000 quotes", "every quote", "ingest --jobs 2", "code --jobs 2",
                "(ingest + first code) / floor", "/ exact-substring baseline", "matrix / first code",
                "peak memory", "with 1 job / with --jobs 2", "qualcode --help"):
        assert row in text, row
    assert "machine:" in text and "spaCy" in text


def test_corpus_without_shared_reads_the_sample_in_its_own_encodings(tmp_path: Path) -> None:
    """On a machine with only the project, the benchmark corpus is the sample study's .txt transcripts, each
    decoded as qualcode decodes it (IDI-31.txt is Windows-1258) and written back as UTF-8."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import corpus
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    description, files = corpus.pool(tmp_path / "no-shared")
    assert "sample" in description and REPO / "transcripts" / "IDI-31.txt" in files
    whole = sum(len(corpus.decode(p.read_bytes(), str(p))[0].split()) for p in files)
    corpus.build(tmp_path / "out", whole, real=tmp_path / "no-shared")  # every file once
    written = (tmp_path / "out" / "IDI-31.txt").read_text(encoding="utf-8")  # fails if not UTF-8
    assert "\ufffd" not in written and "đ" in written.casefold()

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
    for row in ("spaCy floor", "exact-substring coding", "qualcode ingest |", "qualcode code (first run)",
                "nothing changed |", "adding one keyword", "editing one code's rule", "qualcode matrix",
                "about 1,000 quotes", "every quote", "ingest --jobs 2", "code --jobs 2",
                "(ingest + first code) / floor", "/ exact-substring baseline", "matrix / first code",
                "peak memory", "with 1 job / with --jobs 2", "qualcode --help"):
        assert row in text, row
    assert "machine:" in text and "spaCy" in text

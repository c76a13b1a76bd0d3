"""Golden coding cases: one YAML file per case under tests/cases/coding/ (codebook, transcripts, expected).

Each case is run as a user would: a fresh project, `qualcode ingest`, `qualcode code`, then the stored
suggestions are compared with the expected ``[document, code, text]`` triples (text = the coded span).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import db

CASES = sorted((Path(__file__).parent / "cases" / "coding").glob("*.yaml"))


@pytest.mark.parametrize("case_path", CASES, ids=[p.stem for p in CASES])
def test_coding_case(case_path: Path, tmp_path: Path, cli) -> None:
    """The codings the spec's semantics give for this case, no more and no fewer."""
    case = yaml.safe_load(case_path.read_text(encoding="utf-8"))
    transcripts = tmp_path / "transcripts"
    transcripts.mkdir()
    for name, text in case["transcripts"].items():
        (transcripts / name).write_text(text, encoding="utf-8")
    if case.get("participants"):
        (transcripts / "participants.csv").write_text(case["participants"], encoding="utf-8")
    (tmp_path / "codebook.yaml").write_text(case["codebook"], encoding="utf-8")
    ingest = cli("ingest", "--project", tmp_path)
    assert ingest.exit_code == 0, ingest.output
    args = ["code", "--codebook", tmp_path / "codebook.yaml", "--project", tmp_path]
    if case.get("unit"):
        args += ["--unit", case["unit"]]
    result = cli(*args)
    assert result.exit_code == 0, result.output
    con = db(tmp_path)
    got = sorted(con.execute("SELECT document, code, text FROM codings WHERE coder = 'auto' "
                             "AND status = 'suggested'").fetchall())
    expected = sorted(tuple(row[:3]) for row in case.get("expected") or [])
    assert got == expected, case.get("description", "")
    rules = {tuple(row[:3]): row[3] for row in case.get("expected") or [] if len(row) > 3}
    if rules:
        stored = {(d, c, t): r for d, c, t, r in con.execute(
            "SELECT document, code, text, rule FROM codings WHERE coder = 'auto'")}
        assert {k: stored[k] for k in rules} == rules

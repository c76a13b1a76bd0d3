"""`qualcode suggest --method learned` on the real PDPilot interviews (../shared): cross-validated by document
against the 262 human-coded MAXQDA segments, with a codebook that has no rules."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import SHARED

PDPILOT = SHARED / "pdpilot-interviews-coded"


@pytest.fixture(scope="module")
def pdpilot(tmp_path_factory) -> Path:
    """The PDPilot project: 7 transcripts, Dan as interviewer, the MAXQDA codebook, the segments as `maxqda`."""
    if not PDPILOT.is_dir():
        pytest.skip("../shared/data/real/pdpilot-interviews-coded is absent")
    from typer.testing import CliRunner

    from qualcode.cli import app

    root = tmp_path_factory.mktemp("pdpilot")
    (root / "transcripts").mkdir()
    for path in sorted((PDPILOT / "transcripts_txt").glob("*.txt")):
        shutil.copy(path, root / "transcripts" / path.name)
    people = ["participant,document,speaker,role", "Dan,,Dan,interviewer"]
    people += [f"P{i},P{i},Participant," for i in range(1, 8)]
    (root / "transcripts" / "participants.csv").write_text("\n".join(people) + "\n", encoding="utf-8")
    (root / "qualcode.toml").write_text('[project]\ncodebook = "codebooks/pdpilot.yaml"\n', encoding="utf-8")
    runner = CliRunner()
    for args in (("codebook", "import", PDPILOT / "codebook.csv", "-o", root / "codebooks" / "pdpilot.yaml"),
                 ("ingest",), ("codings", "import", PDPILOT / "coded_segments.csv", "--coder", "maxqda")):
        assert runner.invoke(app, [*map(str, args), "--project", str(root)]).exit_code == 0
    return root


def test_learned_finds_explainability_techniques_in_held_out_interviews(pdpilot, cli) -> None:
    """Cross-validated by interview at turn level, the learned model finds at least half of the 84 turns coded
    `explainability_techniques` (or a sub-code) at a precision of at least 0.5, where the rule-less codebook
    finds none; the suggestions are stored for review."""
    run = cli("suggest", "--method", "learned", "--code", "explainability_techniques", "--unit", "turn",
              "--cross-validate", "5", "--min-precision", "0.5", "--project", pdpilot)
    assert run.exit_code == 0, run.output
    found = re.search(r"rules alone ([\d.]+), learned alone ([\d.]+), rules \+ learned ([\d.]+)", run.stdout)
    assert found and float(found.group(1)) == 0 and float(found.group(3)) >= 0.5, run.stdout
    assert re.search(r"learned: [1-9]\d* suggestions on turns", run.stdout)

"""benchmarks/eval_codebook.py (`make eval-codebook`) on a tiny gold set whose figures are counted by hand."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "eval_codebook.py"

CODEBOOK = """\
codebook: tiny
version: "1"
codes:
  - id: fruit
    label: Fruit
    definition: Fruit.
    rules:
      - keywords: [apple]
    children:
      - id: fruit.red
        label: Red fruit
        definition: Red fruit.
        rules:
          - keywords: [cherry]
  - id: transport
    label: Transport
    definition: Getting about.
    rules:
      - keywords: [bus]
"""

# Hand count, per respondent turn (stored turn numbers 2, 3, 5, 6, 7; the interviewer's "apple" never counts):
#   1 "I ate an apple."           gold fruit       rules fruit            -> fruit TP
#   2 "A cherry fell."            gold -           rules fruit.red        -> fruit.red FP, theme fruit FP
#   3 "The bus was late."         gold transport   rules transport        -> transport TP
#   4 "We walked home."           gold fruit.red   rules -                -> fruit.red FN, theme fruit FN
#   5 "An apple on the bus."      gold transport   rules fruit, transport -> fruit FP, transport TP
#   6 (Lan, second document) "Một quả táo." gold - rules -             -> nothing
DOCUMENT = """\
document: GT-IDI-01
kind: interview
language: en
site: Somewhere
participants:
  R: {gender: female, age: 40}
turns:
  - speaker: Interviewer
    text: "Tell me about the apple."
  - speaker: R
    text: "I ate an apple."
    codes: [fruit]
  - speaker: R
    text: "A cherry fell."
    codes: []
  - speaker: Interviewer
    text: "And then?"
  - speaker: R
    text: "The bus was late."
    codes: [transport]
  - speaker: R
    text: "We walked home."
    codes: [fruit.red]
  - speaker: R
    text: "An apple on the bus."
    codes: [transport]
"""

FOCUS_GROUP = """\
document: GT-FGD-01
kind: focus group
language: vi
site: Somewhere
participants:
  Lan: {gender: female, age: 30}
  Mai: {gender: female, age: 31}
turns:
  - speaker: Interviewer
    text: "Chào các chị."
  - speaker: Lan
    text: "Một quả táo."
    codes: []
  - speaker: Mai
    text: "Đúng rồi."
    codes: []
"""


@pytest.fixture
def gold(tmp_path: Path) -> tuple[Path, Path]:
    """A gold folder with one interview and one Vietnamese focus group, and the tiny codebook."""
    folder = tmp_path / "gold"
    folder.mkdir()
    (folder / "GT-IDI-01.yaml").write_text(DOCUMENT, encoding="utf-8")
    (folder / "GT-FGD-01.yaml").write_text(FOCUS_GROUP, encoding="utf-8")
    codebook = tmp_path / "tiny.yaml"
    codebook.write_text(CODEBOOK, encoding="utf-8")
    return folder, codebook


def _run(folder: Path, codebook: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), "--gold", str(folder), "--codebook", str(codebook), *extra],
                          capture_output=True, text=True, encoding="utf-8", timeout=300)


def test_figures_match_a_hand_count(gold, tmp_path):
    """Per code, per theme (code or any child) and micro counts are those counted by hand, turn by turn."""
    folder, codebook = gold
    out = tmp_path / "figures.json"
    done = _run(folder, codebook, "--json", str(out))
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["turns"] == 7
    counts = {r["name"]: (r["tp"], r["fp"], r["fn"], r["support"]) for r in figures["codes"]}
    assert counts == {"fruit": (1, 1, 0, 1), "fruit.red": (0, 1, 1, 1), "transport": (2, 0, 0, 2)}
    themes = {r["name"]: (r["tp"], r["fp"], r["fn"]) for r in figures["themes"]}
    assert themes == {"fruit": (1, 2, 1), "transport": (2, 0, 0)}
    micro = figures["micro_codes"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (3, 2, 1)
    assert micro["precision"] == pytest.approx(0.6) and micro["recall"] == pytest.approx(0.75)
    assert micro["f1"] == pytest.approx(2 / 3)
    assert figures["micro_themes"]["f1"] == pytest.approx(2 * 3 / (2 * 3 + 2 + 1))
    assert "| fruit | 0.33 | 0.50 | 0.40 | 2 | 1 | 2 | 1 |" in done.stdout


def test_misses_name_the_turn_and_the_rule(gold):
    """Each false positive shows the turn's text and the rule that fired; each false negative what gold coded."""
    folder, codebook = gold
    done = _run(folder, codebook)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "## Misses (3:" in text
    assert 'FP fruit.red | GT-IDI-01 turn 3 (R) | rule codes[0].children[0].rules[0] keyword "cherry"' in text
    assert "\n    A cherry fell." in text
    assert "FN fruit.red | GT-IDI-01 turn 6 (R) | gold ['fruit.red']; rules nothing" in text
    assert "FP fruit | GT-IDI-01 turn 7 (R)" in text


def test_fail_under_sets_the_exit_code(gold):
    """--fail-under exits 1 when the micro F1 over codes is below the threshold, 0 when it is not."""
    folder, codebook = gold
    assert _run(folder, codebook, "--no-misses", "--fail-under", "0.9").returncode == 1
    assert _run(folder, codebook, "--no-misses", "--fail-under", "0.6").returncode == 0

"""`qualcode suggest --method learned` on the real PDPilot interviews (../shared): cross-validated by document
against the 262 human-coded MAXQDA segments, with a codebook that has no rules."""

from __future__ import annotations

import functools
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
    """Held out by interview at turn level, the learned model finds some of the turns coded
    `explainability_techniques` (or a sub-code) where the rule-less codebook finds none; with --everywhere its
    suggestions are stored for review (every interview here is coded)."""
    run = cli("suggest", "--method", "learned", "--code", "explainability_techniques", "--unit", "turn",
              "--cross-validate", "5", "--min-precision", "0.5", "--everywhere", "--project", pdpilot)
    assert run.exit_code == 0, run.output
    learned = re.search(r"│ learned\s+│ [\d.]+ \([\d.–]+\)\s+│ ([\d.]+) \(", run.stdout)
    rules = re.search(r"│ rules \(the codebook's keywords\)\s+│ [–\d.() ]+│ ([\d.]+) \(", run.stdout)
    assert learned and rules and float(rules.group(1)) == 0 < float(learned.group(1)), run.stdout
    assert re.search(r"learned: [1-9]\d* suggestions on turns", run.stdout)


def _independent_leave_one_interview_out(root: Path, min_precision: float) -> dict[str, float]:
    """Pooled held-out precision, recall, F1 and κ of the learned model at respondent-turn level, computed here
    from the store's tables with scikit-learn alone: leave one interview out; inside the other six, the TF-IDF
    features fitted on them, and the threshold the lowest whose leave-one-interview-out precision there reaches
    ``min_precision`` (features refitted in each inner fold)."""
    import sqlite3

    import numpy as np
    import yaml
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import cohen_kappa_score, f1_score, precision_score, recall_score
    from sklearn.model_selection import LeaveOneGroupOut
    from sklearn.pipeline import FeatureUnion

    con = sqlite3.connect(root / ".qualcode" / "qualcode.db")
    text = dict(con.execute("SELECT id, text FROM documents"))
    turns = [(d, s, e) for d, s, e, role in con.execute(
        'SELECT document, start, "end", role FROM turns ORDER BY document, number') if role != "interviewer"
             and text[d][s:e].strip()]
    codings = con.execute('SELECT document, start, "end", code FROM codings WHERE coder = ?', ("maxqda",)).fetchall()
    con.close()
    parent = {}

    def walk(codes, up):
        for c in codes:
            parent[c["id"]] = up
            walk(c.get("children", []), c["id"])

    walk(yaml.safe_load((root / "codebooks" / "pdpilot.yaml").read_text(encoding="utf-8"))["codes"], None)
    positive: dict[str, set[int]] = {}
    for d, s, e, code in codings:
        for i, (td, ts, te) in enumerate(turns):
            if td == d and text[d][max(s, ts):min(e, te)].strip():
                c = code
                while c is not None:  # a parent counts its sub-codes' codings
                    positive.setdefault(c, set()).add(i)
                    c = parent.get(c)
    docs = np.array([d for d, _, _ in turns])
    words = [text[d][s:e] for d, s, e in turns]
    codes = [c for c, rows in sorted(positive.items()) if len(rows) >= 5 and len(turns) - len(rows) >= 5
             and len({turns[i][0] for i in rows}) >= 2]

    @functools.cache
    def probabilities(left_out: frozenset) -> dict:
        """Per code, every turn's probability from a model trained on the interviews not in ``left_out`` (a
        model trained without interviews A and B serves the outer folds of A and of B alike)."""
        train = np.array([i for i in range(len(turns)) if docs[i] not in left_out])
        union = FeatureUnion([
            ("w", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, token_pattern=r"(?u)\b\w+\b")),
            ("c", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2))])
        x, everything = union.fit_transform([words[i] for i in train]), union.transform(words)
        found = {}
        for code in codes:
            y = [i in positive[code] for i in train]
            found[code] = np.zeros(len(turns)) if all(y) or not any(y) else LogisticRegression(
                class_weight="balanced", C=4.0, solver="liblinear", dual=True, max_iter=1000,
                random_state=0).fit(x, y).predict_proba(everything)[:, 1]
        return found

    truth, said = [], []
    everything = np.arange(len(turns))
    for train, test in LeaveOneGroupOut().split(everything, groups=docs):
        outer = frozenset(docs[test])
        for code in codes:
            inner = np.zeros(len(train))
            for _, b in LeaveOneGroupOut().split(train, groups=docs[train]):
                inner[b] = probabilities(outer | frozenset(docs[train][b]))[code][train[b]]
            labels = np.array([i in positive[code] for i in train])
            order = np.argsort(-inner, kind="stable")
            cut = None
            for k in range(len(order)):  # the lowest score whose precision (all scores ≥ it) reaches the target
                if k + 1 < len(order) and inner[order[k + 1]] == inner[order[k]]:
                    continue
                hits = labels[order[:k + 1]]
                if hits.any() and hits.mean() >= min_precision:
                    cut = inner[order[k]]
            held = probabilities(outer)[code][test]
            said += list(held >= cut) if cut is not None else [False] * len(test)
            truth += [i in positive[code] for i in test]
    return {"precision": precision_score(truth, said), "recall": recall_score(truth, said),
            "F1": f1_score(truth, said), "kappa": cohen_kappa_score(truth, said)}


def test_cross_validate_equals_an_independent_leave_one_interview_out(pdpilot, cli) -> None:
    """`--cross-validate 7 --min-precision 0.5` on turns reports pooled held-out precision, recall, F1 and κ of the
    learned model within 0.02 of a leave-one-interview-out computation written here with scikit-learn alone."""
    run = cli("suggest", "--method", "learned", "--unit", "turn", "--cross-validate", "7", "--min-precision", "0.5",
              "--project", pdpilot)
    assert run.exit_code == 0, run.output
    row = re.search(r"│ learned\s+│ ([\d.]+) \([\d.–]+\)\s+│ ([\d.]+) \([\d.–]+\)\s+│ ([\d.]+) \([\d.–]+\)\s+│ "
                    r"([-\d.]+) \(", run.stdout)
    assert row, run.stdout
    ours = dict(zip(("precision", "recall", "F1", "kappa"), map(float, row.groups())))
    theirs = _independent_leave_one_interview_out(pdpilot, 0.5)
    assert all(abs(ours[k] - theirs[k]) <= 0.02 for k in ours), (ours, theirs)
    assert "held out: 7 folds by document, nested" in run.stdout and "of 100 learned suggestions" in run.stdout

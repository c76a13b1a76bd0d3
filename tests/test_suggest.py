"""`qualcode suggest`: learned from review decisions, similar passages, and `review --order score` — on a small
project written here (the llm method: tests/test_llm.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import db
from helpers import make_project, place_codings

from qualcode.autocode import learned
from qualcode.autocode.similar import similarities
from qualcode.codings.review_session import open_review
from qualcode.errors import UsageError

CODEBOOK = """\
codebook: Suggest test
version: "1.0"
unit: sentence
codes:
  - id: language
    label: Language barriers
    definition: Difficulties caused by language, translation or literacy.
    include: Not understanding Vietnamese or Kinh, forms nobody translates, not being able to read.
    exclude: Talk about languages that causes no difficulty.
    examples: ["There was no interpreter, so I could not explain my illness."]
    rules:
      - keywords: [interpreter]
  - id: workload
    label: Workload
    definition: Unpaid work that leaves no time.
    rules:
      - keywords: [housework]
  - id: prejudice
    label: Prejudice
    definition: Being looked down on.
"""

LANGUAGE = ["The nurse speaks Kinh only, so I cannot explain my illness.",
            "Nobody translates the forms into our language.",
            "My mother cannot read the letters from the commune.",
            "The meeting was only in Vietnamese and I understood little of it.",
            "At the health station nobody speaks Hmong with us.",
            "The forms are written in Vietnamese that I cannot read."]
OTHER = ["The weather was good for the rice this year.", "We sell vegetables at the market on Sundays.",
         "My son goes to school in the town.", "The road to the district was repaired last spring.",
         "We keep two buffaloes and some chickens.", "My daughter married a teacher from the next village."]


def transcript(n: int) -> str:
    """Interview ``n``: two language sentences, an interpreter sentence (the rule's), housework, other talk."""
    lines = [f"---\nparticipant: P{n}\n---",
             "Interviewer: Tell me about the commune.",
             f"Respondent: {OTHER[n % 6]} {LANGUAGE[n % 6]} {OTHER[(n + 1) % 6]}",
             "Interviewer: And the services?",
             f"Respondent: There was no interpreter at the meeting. {LANGUAGE[(n + 2) % 6]} {OTHER[(n + 3) % 6]}",
             "Interviewer: And at home?",
             f"Respondent: Housework all day. {OTHER[(n + 4) % 6]} {OTHER[(n + 5) % 6]}"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def study(tmp_path: Path):
    """Six interviews; a person (`minh`) coded the language sentences of the first four, the rules ran."""
    project = make_project(tmp_path, {f"IDI-0{n}.txt": transcript(n) for n in range(1, 7)}, CODEBOOK)
    project.code()
    place_codings(project, [(f"IDI-0{n}", text, "language", "minh", "accepted") for n in range(1, 5)
                            for text in (LANGUAGE[n % 6], LANGUAGE[(n + 2) % 6])])
    return project


def codings_of(project, coder: str) -> list[tuple]:
    """``(document, code, status, rule, text)`` of ``coder``'s codings, in id order."""
    con = db(project.root)
    rows = con.execute("SELECT document, code, status, rule, text FROM codings WHERE coder = ? ORDER BY id",
                       (coder,)).fetchall()
    con.close()
    return rows


def test_learned_suggests_language_sentences_the_rules_missed(study, cli) -> None:
    """Trained on `minh`'s codings, `learned` suggests language on the uncoded interviews' language sentences,
    never on a sentence the rules coded, and lists the codes with too few examples."""
    run = cli("suggest", "--method", "learned", "--project", study.root)
    assert run.exit_code == 0, run.output
    made = codings_of(study, "learned")
    assert made and all(code == "language" and status == "suggested" for _, code, status, _, _ in made)
    assert all(rule.startswith("learned p=") for *_, rule, _ in made)
    texts = {text for doc, *_, text in made if doc in ("IDI-05", "IDI-06")}
    assert texts & {LANGUAGE[5], LANGUAGE[1], LANGUAGE[0], LANGUAGE[2]}
    assert not any("interpreter" in text for *_, text in made)
    assert "skipped 2 codes, too few examples" in run.stdout and "workload, prejudice" in run.stdout


def test_learned_rerun_keeps_decisions(study, cli) -> None:
    """A re-run replaces the unreviewed `learned` suggestions; an accepted one persists and a rejected span is
    not suggested again."""
    assert cli("suggest", "--method", "learned", "--project", study.root).exit_code == 0
    con = db(study.root)
    ids = [r[0] for r in con.execute("SELECT id FROM codings WHERE coder = 'learned' ORDER BY id")]
    con.close()
    assert len(ids) >= 2
    from qualcode.project.store import open_store

    store = open_store(study.store_path)
    with store.transaction():
        store.set_status(ids[0], "accepted")
        store.set_status(ids[1], "rejected")
    rejected = store.coding(ids[1])
    store.close()
    run = cli("suggest", "--method", "learned", "--project", study.root)
    assert run.exit_code == 0 and "earlier suggestions replaced" in run.stdout
    made = codings_of(study, "learned")
    assert sum(status == "accepted" for _, _, status, _, _ in made) == 1
    spans = [(d, c, s, t) for d, c, s, _, t in made]
    assert spans.count((rejected.document, "language", "rejected", rejected.text)) == 1
    assert (rejected.document, "language", "suggested", rejected.text) not in spans


def test_cross_validation_is_reported_and_deterministic(study, cli) -> None:
    """`--cross-validate 3 --min-precision 0.5` prints per-code held-out precision (with its interval), recall, F1
    and κ, the pooled figures beside the rules and the most-frequent-code baselines, what it means for a reviewer;
    two runs print the same."""
    args = ("suggest", "--method", "learned", "--cross-validate", "3", "--min-precision", "0.5", "--project",
            study.root)
    first = cli(*args)
    assert first.exit_code == 0, first.output
    assert "held out: 3 folds by document, nested" in first.stdout and "kappa" in first.stdout
    for baseline in ("rules (the codebook's keywords)", "rules + learned", "always the most frequent code"):
        assert baseline in first.stdout
    assert "of 100 learned suggestions on documents it has not seen, about" in first.stdout
    assert cli(*args).stdout.splitlines()[:-1] == first.stdout.splitlines()[:-1]  # the last counts replacements


def test_suggestions_go_where_no_person_has_coded(study, cli) -> None:
    """By default `learned` and `similar` suggest only on the documents nobody coded (IDI-05, IDI-06);
    `--everywhere` suggests on the coded ones too."""
    assert cli("suggest", "--method", "learned", "--project", study.root).exit_code == 0
    assert cli("suggest", "--method", "similar", "--code", "language", "--model", "tfidf", "--top", "30",
               "--project", study.root).exit_code == 0
    for coder in ("learned", "similar"):
        assert {doc for doc, *_ in codings_of(study, coder)} <= {"IDI-05", "IDI-06"}, coder
    assert cli("suggest", "--method", "similar", "--code", "language", "--model", "tfidf", "--top", "30",
               "--everywhere", "--project", study.root).exit_code == 0
    assert {doc for doc, *_ in codings_of(study, "similar")} - {"IDI-05", "IDI-06"}


def test_every_document_coded_says_how_to_suggest_there(tmp_path, cli) -> None:
    """When a person coded every document, the run suggests nothing and names --everywhere."""
    project = make_project(tmp_path, {f"IDI-0{n}.txt": transcript(n) for n in range(1, 4)}, CODEBOOK)
    place_codings(project, [(f"IDI-0{n}", text, "language", "minh", "accepted") for n in range(1, 4)
                            for text in (LANGUAGE[n % 6], LANGUAGE[(n + 2) % 6])])
    run = cli("suggest", "--method", "learned", "--project", project.root)
    assert run.exit_code == 0 and "add --everywhere" in run.stdout and codings_of(project, "learned") == []


def test_a_code_coded_in_one_document_only_is_listed(study, cli) -> None:
    """A code whose positive units all lie in one document cannot be tested by document: with --cross-validate it
    is listed with that reason and gets no suggestions."""
    sentences = [OTHER[1], LANGUAGE[1], OTHER[2], LANGUAGE[3], OTHER[4]]  # IDI-01's sentences
    place_codings(study, [("IDI-01", text, "prejudice", "minh", "accepted") for text in sentences])
    run = cli("suggest", "--method", "learned", "--cross-validate", "3", "--project", study.root)
    assert run.exit_code == 0, run.output
    assert "skipped 1 code, all positive units in one document" in run.stdout and "prejudice" in run.stdout
    assert not [c for c in codings_of(study, "learned") if c[1] == "prejudice"]


def test_a_code_missing_the_precision_held_out_is_listed_not_suggested(study, cli) -> None:
    """A code whose held-out precision cannot reach --min-precision 1 is listed as not suggested, with none of its
    suggestions stored."""
    place_codings(study, [(f"IDI-0{n}", OTHER[(n + k) % 6], "workload", "minh", "accepted") for n in range(1, 5)
                          for k in (0, 3)])
    run = cli("suggest", "--method", "learned", "--code", "workload", "--cross-validate", "4", "--min-precision",
              "1", "--project", study.root)
    assert run.exit_code == 0, run.output
    assert "not suggested 1 code" in run.stdout and "workload" in run.stdout
    assert codings_of(study, "learned") == []


def test_no_human_codings_is_a_clear_error(tmp_path, cli) -> None:
    """`learned` on a project nobody coded stops with one line saying there is nothing to learn from (exit 1)."""
    project = make_project(tmp_path, {f"IDI-0{n}.txt": transcript(n) for n in range(1, 4)}, CODEBOOK)
    run = cli("suggest", "--method", "learned", "--cross-validate", "2", "--project", project.root)
    assert run.exit_code == 1 and "nothing to learn from" in run.stderr and "Traceback" not in run.output


def test_held_out_figures_and_bootstrap_intervals() -> None:
    """Pooled figures count every unit × code decision once, κ matches scikit-learn's, and the document bootstrap
    is seeded (same intervals twice) and brackets the figure."""
    from sklearn.metrics import cohen_kappa_score

    from qualcode.analysis.heldout import figures

    groups = [f"d{i // 4}" for i in range(20)]
    truth = {"a": frozenset({0, 1, 4, 9, 13}), "b": frozenset({2, 6, 7, 17})}
    said = {"a": frozenset({0, 4, 5, 13, 18}), "b": frozenset({2, 7, 11})}
    rows = {"a": list(range(20)), "b": list(range(20))}
    table = figures(["a", "b"], rows, groups, truth, said)
    pooled = table.pooled.scores
    assert (pooled.true_positives, pooled.false_positives, pooled.false_negatives) == (5, 3, 4)
    flat_truth = [i in truth[c] for c in "ab" for i in range(20)]
    flat_said = [i in said[c] for c in "ab" for i in range(20)]
    assert abs(pooled.kappa - cohen_kappa_score(flat_truth, flat_said)) < 1e-9
    low, high = table.pooled.precision_ci
    assert low <= pooled.precision <= high and figures(["a", "b"], rows, groups, truth, said) == table


def test_cross_validation_needs_two_folds(study, cli) -> None:
    """`--cross-validate 1` and a precision outside 0–1 are usage errors (exit 2) with one line."""
    run = cli("suggest", "--method", "learned", "--cross-validate", "1", "--project", study.root)
    assert run.exit_code == 2 and "at least 2 folds" in run.stderr
    run = cli("suggest", "--method", "learned", "--min-precision", "1.5", "--project", study.root)
    assert run.exit_code == 2 and "between 0 and 1" in run.stderr


def test_more_folds_than_documents_is_refused_at_once(study, cli) -> None:
    """`--cross-validate` above the number of documents is a usage error naming the bound, before any model is
    trained (it ran 101 s and then failed with a ValueError)."""
    import time

    started = time.monotonic()
    run = cli("suggest", "--method", "learned", "--cross-validate", "1000", "--project", study.root)
    assert run.exit_code == 2 and "--cross-validate 1000" in run.stderr and "use at most" in run.stderr
    assert time.monotonic() - started < 5


def test_document_folds_keep_documents_whole_and_balance_units() -> None:
    """Folds hold whole documents of about equal units; asking for as many folds as documents (or more) leaves one
    document out per fold."""
    from qualcode.autocode.nested import document_folds

    sizes = {"a": 10, "b": 8, "c": 5, "d": 3, "e": 2}
    folds = document_folds(sorted(sizes), sizes, 2)
    assert sorted(d for f in folds for d in f) == sorted(sizes)
    assert sorted(sum(sizes[d] for d in f) for f in folds) == [13, 15]  # greedy, largest first
    assert document_folds(sorted(sizes), sizes, 9) == [("a",), ("b",), ("c",), ("d",), ("e",)]


def test_pick_threshold_reaches_the_precision_or_says_none() -> None:
    """The threshold is the lowest score whose precision reaches the target; None when none does."""
    scores, labels = [0.9, 0.8, 0.7, 0.6, 0.2], [True, True, False, True, False]
    assert learned.pick_threshold(scores, labels, 1.0) == 0.8
    assert learned.pick_threshold(scores, labels, 0.75) == 0.6
    assert learned.pick_threshold([0.9, 0.5], [False, True], 0.9) is None


def test_suggestions_are_reviewed_before_reports_count_them(study, cli) -> None:
    """Reports leave `learned` suggestions out by default; --include-suggestions adds them and marks a draft; eval
    measures the learned coder against the person's codings."""
    assert cli("suggest", "--method", "learned", "--project", study.root).exit_code == 0
    out = study.root / "codings.csv"
    assert cli("codings", "export", "-o", out, "--project", study.root).exit_code == 0
    assert "learned" not in out.read_text(encoding="utf-8")
    drafted = cli("codings", "export", "-o", out, "--include-suggestions", "--project", study.root)
    assert "draft" in drafted.stderr and "learned" in out.read_text(encoding="utf-8")
    scored = cli("eval", "--gold", "minh", "--coder", "learned", "--project", study.root)
    assert scored.exit_code == 0 and "micro" in scored.stdout


def test_review_order_score_shows_the_most_likely_first(study, cli) -> None:
    """`review --coder learned --order score` walks the suggestions from the highest score down."""
    assert cli("suggest", "--method", "learned", "--project", study.root).exit_code == 0
    with open_review(study, coder="learned", order="score") as session:
        found = [float(item.coding.rule.split("p=")[1]) for item in session.items]
    assert len(found) >= 2 and found == sorted(found, reverse=True)
    with pytest.raises(UsageError):
        open_review(study, coder="learned", order="random")


def test_similar_ranks_passages_closest_to_the_code(study, cli) -> None:
    """`similar --code language --top 3` stores three suggestions (TF-IDF) on sentences not yet coded language;
    without --code it is a usage error."""
    run = cli("suggest", "--method", "similar", "--code", "Language barriers", "--top", "3", "--model", "tfidf",
              "--project", study.root)
    assert run.exit_code == 0, run.output
    made = codings_of(study, "similar")
    assert len(made) == 3 and all(rule.startswith("similar tfidf s=") for *_, rule, _ in made)
    assert not any("interpreter" in text for *_, text in made)
    assert cli("suggest", "--method", "similar", "--project", study.root).exit_code == 2


def test_tfidf_similarity_prefers_shared_words() -> None:
    """A text sharing words with a query scores higher than an unrelated one, in Vietnamese too."""
    found, model = similarities(["không biết đọc chữ"], ["tôi không biết đọc", "làm ruộng cả ngày"], "tfidf")
    assert model == "tfidf" and found[0] > found[1]

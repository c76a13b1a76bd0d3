"""Agreement and evaluation on a small two-coder project, against hand counts and independent references.

Kappa is checked against scikit-learn's ``cohen_kappa_score`` and alpha against ``krippendorff.alpha``, both run
here on yes/no vectors written out by hand from the codings below — not taken from qualcode.
"""

from __future__ import annotations

import csv
import math

import docx
import krippendorff
import openpyxl
import pytest
from helpers import make_project
from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support

import qualcode
from qualcode.analysis.agreement import agreement, cohen_kappa, evaluate, krippendorff_alpha
from qualcode.errors import ProjectError, UsageError
from qualcode.project.store import open_store

CODEBOOK = """\
codebook: Agreement test
version: "1"
codes:
  - id: language
    label: Language barriers
    children:
      - id: language.literacy
        label: Literacy
  - id: workload
    label: Workload
  - id: prejudice
    label: Prejudice
  - id: service
    label: Service access
    children:
      - id: service.health
        label: Health services
"""

IDI_01 = """---
type: IDI
---
I: Tell me about the commune office.
R: I cannot read the forms. The staff only speak Kinh.
I: What about letters?
R: My son reads the letters for me.
I: And at home?
R: Too much housework, every day.
I: Meetings?
R: I have no time for meetings.
"""

IDI_02 = """---
type: IDI
---
I: How was school?
R: I never learned to write.
I: What about the meetings?
R: The meetings are held in Vietnamese.
I: And the clinic?
R: The clinic is too far away.
I: Anything else?
R: Nothing else, only the clinic hours.
"""

IDI_03 = """---
type: IDI
---
I: Hello?
R: The clinic is often closed.
"""

# The respondent turns of IDI-01 and IDI-02, in order: the units of the turn-level hand counts.
T1, T2, T3, T4 = ("I cannot read the forms. The staff only speak Kinh.", "My son reads the letters for me.",
                  "Too much housework, every day.", "I have no time for meetings.")
T5, T6, T7, T8 = ("I never learned to write.", "The meetings are held in Vietnamese.", "The clinic is too far away.",
                  "Nothing else, only the clinic hours.")
S1 = "I cannot read the forms."

# (document, text, code, coder, status, stale)
CODINGS = [
    ("IDI-01", S1, "language.literacy", "lan", "accepted", False),
    ("IDI-01", T2, "language.literacy", "lan", "accepted", False),
    ("IDI-01", T3, "workload", "lan", "accepted", False),
    ("IDI-01", T4, "workload", "lan", "accepted", False),
    ("IDI-01", "And at home?", "workload", "lan", "accepted", False),  # interviewer turn: ignored, noted
    ("IDI-02", T5, "language.literacy", "lan", "accepted", False),
    ("IDI-02", T7, "service.health", "lan", "accepted", False),
    ("IDI-02", T8, "prejudice", "lan", "accepted", True),  # stale: never counts
    ("IDI-01", T1, "language.literacy", "minh", "accepted", False),  # the whole turn: both sentences
    ("IDI-01", T2, "language", "minh", "accepted", False),  # the parent only
    ("IDI-01", T3, "workload", "minh", "accepted", False),
    ("IDI-01", T4, "workload", "minh", "accepted", False),
    ("IDI-02", T6, "language", "minh", "accepted", False),
    ("IDI-02", T7, "service.health", "minh", "accepted", False),
    ("IDI-02", T8, "service.health", "minh", "accepted", False),
    ("IDI-02", T5, "prejudice", "minh", "rejected", False),  # rejected: not counted for agreement
    ("IDI-03", "The clinic is often closed.", "service.health", "minh", "accepted", False),  # lan never coded IDI-03
    ("IDI-03", "The clinic is often closed.", "service.health", "sam", "accepted", False),
    ("IDI-01", T3, "workload", "ghost", "rejected", False),
    ("IDI-01", S1, "language.literacy", "auto", "suggested", False),
    ("IDI-01", T2, "language.literacy", "auto", "accepted", False),
    ("IDI-01", T3, "workload", "auto", "suggested", False),
    ("IDI-02", T5, "workload", "auto", "rejected", False),  # rejected, yet counts for the evaluated coder
    ("IDI-02", T6, "language.literacy", "auto", "suggested", True),  # stale: never counts
    ("IDI-02", T8, "prejudice", "auto", "suggested", False),
    ("IDI-01", "And at home?", "workload", "auto", "suggested", False),  # interviewer turn
    ("IDI-03", "The clinic is often closed.", "service.health", "auto", "suggested", False),  # not a gold document
]

# Turn-level yes/no of each coder on T1..T8, written out by hand from CODINGS ("coded X" includes sub-codes).
LAN = {"language": [1, 1, 0, 0, 1, 0, 0, 0], "language.literacy": [1, 1, 0, 0, 1, 0, 0, 0],
       "workload": [0, 0, 1, 1, 0, 0, 0, 0], "service": [0, 0, 0, 0, 0, 0, 1, 0],
       "service.health": [0, 0, 0, 0, 0, 0, 1, 0], "prejudice": [0] * 8}
MINH = {"language": [1, 1, 0, 0, 0, 1, 0, 0], "language.literacy": [1, 0, 0, 0, 0, 0, 0, 0],
        "workload": [0, 0, 1, 1, 0, 0, 0, 0], "service": [0, 0, 0, 0, 0, 0, 1, 1],
        "service.health": [0, 0, 0, 0, 0, 0, 1, 1]}
AUTO = {"language": [1, 1, 0, 0, 0, 0, 0, 0], "language.literacy": [1, 1, 0, 0, 0, 0, 0, 0],
        "workload": [0, 0, 1, 0, 1, 0, 0, 0], "service": [0] * 8, "service.health": [0] * 8,
        "prejudice": [0, 0, 0, 0, 0, 0, 0, 1]}
USED_BY_LAN_OR_MINH = ["language", "language.literacy", "workload", "service.health"]
USED_BY_LAN_OR_AUTO = ["language.literacy", "workload", "prejudice", "service.health"]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> qualcode.Project:
    """Three interviews and hand-placed codings by lan, minh, sam, ghost and auto (see CODINGS)."""
    project = make_project(tmp_path_factory.mktemp("agreement"),
                           {"IDI-01.txt": IDI_01, "IDI-02.txt": IDI_02, "IDI-03.txt": IDI_03}, CODEBOOK)
    store = open_store(project.store_path)
    with store.transaction():
        for doc, text, code, coder, status, stale in CODINGS:
            full = store.document(doc).text
            start = full.index(text)
            coding = store.add_coding(doc, start, start + len(text), code, coder, status, text)
            if stale:
                store.move_coding(coding, None, None)
        space = store.document("IDI-01").text.index("forms. The") + len("forms.")
        store.add_coding("IDI-01", space, space + 1, "prejudice", "minh", "accepted", " ")  # covers only a space
    store.close()
    return project


def by_code(rows) -> dict:
    return {row.code: row for row in rows}


def counts(row) -> tuple[int, int, int, int, int]:
    return row.units, row.both, row.only_a, row.only_b, row.neither


# -- agreement ---------------------------------------------------------------------------------------------------
def test_turn_counts_by_hand(project) -> None:
    """Per-code counts over the 8 respondent turns of the two shared documents, sub-codes counting for parents."""
    report = agreement(project, ("lan", "minh"))
    assert report.documents == ("IDI-01", "IDI-02") and report.units == 8
    rows = by_code(report.codes)
    assert list(rows) == ["language", "language.literacy", "workload", "service", "service.health"]
    assert counts(rows["language"]) == (8, 2, 1, 1, 4)
    assert counts(rows["language.literacy"]) == (8, 1, 2, 0, 5)
    assert counts(rows["workload"]) == (8, 2, 0, 0, 6)
    assert counts(rows["service.health"]) == (8, 1, 0, 1, 6)
    assert counts(rows["service"]) == counts(rows["service.health"]) and not rows["service"].used
    assert rows["language"].percent_agreement == pytest.approx(75.0)


def test_kappa_and_alpha_equal_references(project) -> None:
    """Every row's kappa equals sklearn's and alpha equals krippendorff.alpha on hand-written vectors (3 decimals)."""
    rows = by_code(agreement(project, ("lan", "minh")).codes)
    for code, row in rows.items():
        a, b = LAN[code], MINH[code]
        assert round(row.kappa, 3) == round(cohen_kappa_score(a, b), 3), code
        assert round(row.alpha, 3) == round(krippendorff.alpha(reliability_data=[a, b],
                                                                level_of_measurement="nominal"), 3), code
    pinned = {"language": (0.467, 0.5), "language.literacy": (0.385, 0.375), "workload": (1.0, 1.0),
              "service.health": (0.6, 0.615)}
    assert {c: (round(rows[c].kappa, 3), round(rows[c].alpha, 3)) for c in pinned} == pinned


def test_pooled_stacks_used_codes(project) -> None:
    """Pooled: every (unit, code) decision over the 4 codes a coder used (not the ancestor `service`), stacked."""
    pooled = agreement(project, ("lan", "minh")).pooled
    a = [x for code in USED_BY_LAN_OR_MINH for x in LAN[code]]
    b = [x for code in USED_BY_LAN_OR_MINH for x in MINH[code]]
    assert counts(pooled) == (32, 6, 3, 2, 21)
    assert round(pooled.kappa, 3) == round(cohen_kappa_score(a, b), 3) == 0.6
    assert round(pooled.alpha, 3) == round(krippendorff.alpha(reliability_data=[a, b],
                                                              level_of_measurement="nominal"), 3) == 0.606
    assert pooled.percent_agreement == pytest.approx(100 * 27 / 32)


def test_disagreements_with_text(project) -> None:
    """Disagreeing units in document order with their text and what each coder did, sub-codes named."""
    found = [(d.unit.where, d.code, d.a, d.b, d.text) for d in agreement(project, ("lan", "minh")).disagreements]
    assert found == [
        ("IDI-01, turn 4", "language.literacy", "yes", "no (coded language)", T2),
        ("IDI-02, turn 2", "language", "yes (language.literacy)", "no", T5),
        ("IDI-02, turn 2", "language.literacy", "yes", "no", T5),
        ("IDI-02, turn 4", "language", "no", "yes", T6),
        ("IDI-02, turn 8", "service.health", "no", "yes", T8),
    ]


def test_ignored_codings_are_noted(project) -> None:
    """Codings on interviewer turns and codings covering only a space count nowhere and are noted."""
    report = agreement(project, ("lan", "minh"))
    assert (report.interviewer_codings, report.unplaced_codings) == (1, 1)
    notes = " ".join(report.notes())
    assert "1 coding on interviewer turns is not counted" in notes
    assert "1 coding covers no unit's text" in notes
    assert "prejudice" not in by_code(report.codes)  # minh's rejected and lan's stale prejudice count nowhere


def test_sentence_units(project) -> None:
    """Sentences: the first turn splits into two units, and a coding of one sentence marks only that one."""
    report = agreement(project, ("lan", "minh"), unit="sentence")
    assert report.units == 9
    rows = by_code(report.codes)
    assert counts(rows["language.literacy"]) == (9, 1, 2, 1, 5)
    assert counts(rows["language"]) == (9, 2, 1, 2, 4)
    a, b = [1, 0, 1, 0, 0, 1, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0, 0, 0]
    assert round(rows["language.literacy"].kappa, 3) == round(cohen_kappa_score(a, b), 3)
    first = report.disagreements[0]
    assert (first.unit.where, first.code, first.text) == ("IDI-01, turn 2, sentence 2", "language",
                                                           "The staff only speak Kinh.")


@pytest.mark.filterwarnings("ignore::UserWarning")  # sklearn warns that kappa is undefined: the point here
def test_document_units_and_undefined(project) -> None:
    """Documents: both coders coded `language` in both documents, so kappa and alpha are undefined, not 0 or 1."""
    report = agreement(project, ("lan", "minh"), unit="document")
    rows = by_code(report.codes)
    assert report.units == 2
    assert counts(rows["language"]) == (2, 2, 0, 0, 0)
    assert rows["language"].kappa is None and rows["language"].alpha is None
    assert rows["language"].percent_agreement == 100.0
    assert math.isnan(cohen_kappa_score([1, 1], [1, 1]))  # the reference agrees there is nothing to measure
    assert counts(rows["language.literacy"]) == (2, 1, 1, 0, 0)
    assert rows["language.literacy"].kappa == 0.0 == round(cohen_kappa_score([1, 1], [1, 0]), 3)
    a = [1, 1, 1, 1, 1, 0, 0, 1]  # (IDI-01, IDI-02) × language, literacy, workload, health
    b = [1, 1, 1, 0, 1, 0, 0, 1]
    assert counts(report.pooled) == (8, 5, 1, 0, 2)
    assert round(report.pooled.kappa, 3) == round(cohen_kappa_score(a, b), 3) == 0.714
    assert [(d.unit.where, d.code, d.text) for d in report.disagreements] == [
        ("IDI-02", "language.literacy", T5)]


def test_frames_mark_undefined_as_missing(project) -> None:
    """The DataFrames end with the pooled (micro) row and hold NaN, not 0 or 1, where a value is undefined."""
    frame = agreement(project, ("lan", "minh"), unit="document").frame().set_index("code")
    assert list(frame.index)[-1] == "(pooled)" and math.isnan(frame.loc["language", "kappa"])
    assert frame.loc["workload", "kappa"] == 1.0
    scores = evaluate(project, gold="lan").frame().set_index("code")
    assert math.isnan(scores.loc["service.health", "precision"]) and scores.loc["(micro)", "true_positives"] == 3


def test_statistics_without_variation() -> None:
    """Kappa and alpha are None when every decision is the same value, and defined when the coders differ."""
    assert cohen_kappa(3, 0, 0, 0) is None and cohen_kappa(0, 0, 0, 3) is None
    assert krippendorff_alpha([True] * 3, [True] * 3) is None
    assert krippendorff_alpha([False] * 3, [False] * 3) is None
    assert cohen_kappa(0, 3, 0, 0) == 0.0  # A always yes, B always no: no agreement beyond chance
    assert krippendorff_alpha([True, True], [False, False]) == pytest.approx(
        krippendorff.alpha(reliability_data=[[1, 1], [0, 0]], level_of_measurement="nominal"))


def test_agreement_bad_input(project) -> None:
    """Unknown coders are listed, coders without codings and pairs without shared documents are explained."""
    with pytest.raises(UsageError, match="unknown coder 'zed'; coders in this project: auto, ghost, lan, minh, sam"):
        agreement(project, ("lan", "zed"))
    with pytest.raises(ProjectError, match="coder 'ghost' has no codings that count"):
        agreement(project, ("lan", "ghost"))
    with pytest.raises(ProjectError, match="lan and sam have not coded any document in common"):
        agreement(project, ("lan", "sam"))
    with pytest.raises(UsageError, match="name two different coders"):
        agreement(project, ("lan", "lan"))
    with pytest.raises(UsageError, match="unknown unit 'paragraph'; use one of turn, sentence, document"):
        agreement(project, ("lan", "minh"), unit="paragraph")


# -- evaluation --------------------------------------------------------------------------------------------------
def test_eval_by_hand(project) -> None:
    """P/R/F1 per code by hand; auto's rejected coding is a false positive, its stale one counts nowhere."""
    report = evaluate(project, gold="lan")
    rows = {r.code: (r.true_positives, r.false_positives, r.false_negatives, r.precision, r.recall, r.f1)
            for r in report.codes}
    assert list(rows) == ["language", "language.literacy", "workload", "prejudice", "service", "service.health"]
    assert rows["language.literacy"] == (2, 0, 1, 1.0, pytest.approx(2 / 3), pytest.approx(0.8))
    assert rows["workload"] == (1, 1, 1, 0.5, 0.5, 0.5)
    assert rows["service.health"] == (0, 0, 1, None, 0.0, 0.0)  # nothing predicted: precision undefined
    assert rows["prejudice"] == (0, 1, 0, 0.0, None, 0.0)  # nothing in gold: recall undefined
    assert rows["language"] == rows["language.literacy"]
    assert report.units == 8 and report.documents == ("IDI-01", "IDI-02")
    assert report.statuses == (("accepted", 1), ("rejected", 1), ("suggested", 4))
    assert report.interviewer_codings == 2


def test_eval_micro_equals_sklearn(project) -> None:
    """Micro P/R/F1 sum over the codes either coder used and equal sklearn's on the stacked decisions."""
    micro = evaluate(project, gold="lan").micro
    truth = [x for code in USED_BY_LAN_OR_AUTO for x in LAN[code]]
    found = [x for code in USED_BY_LAN_OR_AUTO for x in AUTO[code]]
    p, r, f, _ = precision_recall_fscore_support(truth, found, average="binary")
    assert (micro.true_positives, micro.false_positives, micro.false_negatives) == (3, 2, 3)
    assert (round(micro.precision, 3), round(micro.recall, 3), round(micro.f1, 3)) == \
        (round(p, 3), round(r, 3), round(f, 3)) == (0.6, 0.5, 0.545)


def test_eval_lists_errors_as_quotes(project) -> None:
    """False positives quote what the coder coded, false negatives what gold coded, in document order."""
    misses = [(m.kind, m.unit.where, m.code, m.quote) for m in evaluate(project, gold="lan").misses]
    assert misses == [
        ("false positive", "IDI-02, turn 2", "workload", T5),
        ("false positive", "IDI-02, turn 8", "prejudice", T8),
        ("false negative", "IDI-01, turn 8", "workload", T4),
        ("false negative", "IDI-02, turn 2", "language.literacy", T5),
        ("false negative", "IDI-02, turn 6", "service.health", T7),
    ]


def test_eval_sentence_quotes_the_coded_part(project) -> None:
    """With sentence units a false negative quotes only the part of gold's coding inside that sentence."""
    report = evaluate(project, gold="minh", coder="lan", unit="sentence")
    second = [m for m in report.misses if m.unit.where == "IDI-01, turn 2, sentence 2"]
    assert [(m.kind, m.code, m.quote) for m in second] == [
        ("false negative", "language", "The staff only speak Kinh."),
        ("false negative", "language.literacy", "The staff only speak Kinh.")]


def test_eval_bad_input(project) -> None:
    """Gold equal to the coder, an unknown gold coder and a gold coder without codings are refused."""
    with pytest.raises(UsageError, match="both 'lan'"):
        evaluate(project, gold="lan", coder="lan")
    with pytest.raises(UsageError, match="unknown coder 'zed'"):
        evaluate(project, gold="zed")
    with pytest.raises(ProjectError, match="coder 'ghost' has no codings that count"):
        evaluate(project, gold="ghost")


# -- command line ------------------------------------------------------------------------------------------------
def test_cli_agreement_terminal(project, cli) -> None:
    """The terminal shows the table, the disagreements and the notes; undefined values say so."""
    result = cli("agreement", "--coders", "lan,minh", "-p", project.root)
    assert result.exit_code == 0, result.stderr
    assert "0.467" in result.stdout and "(pooled)" in result.stdout and "5 disagreements" in result.stdout
    assert "1 coding on interviewer turns is not counted" in result.stdout
    documents = cli("agreement", "--coders", "lan,minh", "--unit", "document", "-p", project.root)
    assert documents.exit_code == 0 and "undefined" in documents.stdout


def test_cli_agreement_csv(project, cli, tmp_path) -> None:
    """CSV writes the table (undefined as `undefined`) and a NAME-disagreements.csv beside it."""
    out = tmp_path / "agreement.csv"
    result = cli("agreement", "--coders", "lan,minh", "--unit", "document", "-o", out, "-p", project.root)
    assert result.exit_code == 0, result.stderr
    rows = {r["code"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["language"]["kappa"] == rows["language"]["alpha"] == "undefined"
    assert (rows["language.literacy"]["only lan"], rows["language.literacy"]["only minh"]) == ("1", "0")
    assert rows["(pooled)"]["kappa"] == "0.714"
    listing = list(csv.DictReader((tmp_path / "agreement-disagreements.csv").open(encoding="utf-8")))
    assert [(r["document"], r["code"], r["lan said"], r["minh said"]) for r in listing] == [
        ("IDI-02", "language.literacy", "yes", "no (coded language, service.health)")]


def test_cli_agreement_xlsx(project, cli, tmp_path) -> None:
    """XLSX holds the agreement, disagreements and about sheets."""
    out = tmp_path / "agreement.xlsx"
    assert cli("agreement", "--coders", "lan,minh", "-o", out, "-p", project.root).exit_code == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["agreement", "disagreements", "about"]
    table = list(book["agreement"].iter_rows(values_only=True))
    pooled = dict(zip(table[0], table[-1]))
    assert (pooled["code"], pooled["units"], pooled["kappa"], pooled["alpha"]) == ("(pooled)", 32, 0.6, 0.606)
    assert book["disagreements"].max_row == 6


def test_cli_adjudication_docx(project, cli, tmp_path) -> None:
    """The .docx adjudication sheet has one row per disagreement with both coders' answers and an empty decision."""
    out = tmp_path / "adjudication.docx"
    assert cli("agreement", "--coders", "lan,minh", "-o", out, "-p", project.root).exit_code == 0
    sheet = docx.Document(str(out)).tables[-1]
    rows = [[cell.text for cell in row.cells] for row in sheet.rows]
    assert rows[0] == ["document", "turn", "speaker", "text", "code", "lan", "minh", "decision"]
    assert rows[1] == ["IDI-01", "4", "R", T2, "Literacy (language.literacy)", "yes", "no (coded language)", ""]
    assert len(rows) == 6 and all(row[-1] == "" for row in rows[1:])


def test_cli_agreement_bad_input(project, cli, tmp_path) -> None:
    """Bad pairs and suffixes exit 2 with one line; no shared document exits 1."""
    one = cli("agreement", "--coders", "lan", "-p", project.root)
    assert one.exit_code == 2 and "name two different coders" in one.stderr
    unknown = cli("agreement", "--coders", "lan,zed", "-p", project.root)
    assert unknown.exit_code == 2 and "coders in this project: auto, ghost, lan, minh, sam" in unknown.stderr
    apart = cli("agreement", "--coders", "lan,sam", "-p", project.root)
    assert apart.exit_code == 1 and "not coded any document in common" in apart.stderr
    suffix = cli("agreement", "--coders", "lan,minh", "-o", tmp_path / "a.md", "-p", project.root)
    assert suffix.exit_code == 2 and "use .csv, .xlsx, .docx" in suffix.stderr
    assert "Traceback" not in one.stderr + unknown.stderr + apart.stderr + suffix.stderr


def test_cli_eval_fail_under(project, cli) -> None:
    """--fail-under exits 0 at or below the micro F1 and 1 above it, saying so."""
    ok = cli("eval", "--gold", "lan", "--fail-under", "0.5", "-p", project.root)
    assert ok.exit_code == 0, ok.stderr
    assert "micro: precision 0.6, recall 0.5, F1 0.545" in ok.stdout
    assert "false positive: workload (IDI-02, turn 2)" in ok.stdout and f"“{T5}”" in ok.stdout
    low = cli("eval", "--gold", "lan", "--coder", "auto", "--fail-under", "0.6", "-p", project.root)
    assert low.exit_code == 1 and "micro F1 0.545 is under --fail-under 0.6" in low.stderr
    wrong = cli("eval", "--gold", "lan", "--fail-under", "60", "-p", project.root)
    assert wrong.exit_code == 2


def test_cli_eval_files(project, cli, tmp_path) -> None:
    """Eval writes CSV (with NAME-errors.csv) and XLSX with the scores and the errors."""
    out = tmp_path / "eval.csv"
    assert cli("eval", "--gold", "lan", "-o", out, "-p", project.root).exit_code == 0
    rows = {r["code"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert (rows["service.health"]["precision"], rows["service.health"]["F1"]) == ("undefined", "0.0")
    assert rows["(micro)"]["F1"] == "0.545"
    errors = list(csv.DictReader((tmp_path / "eval-errors.csv").open(encoding="utf-8")))
    assert [r["error"] for r in errors] == ["false positive"] * 2 + ["false negative"] * 3
    assert cli("eval", "--gold", "lan", "-o", tmp_path / "eval.xlsx", "-p", project.root).exit_code == 0
    book = openpyxl.load_workbook(tmp_path / "eval.xlsx")
    assert book.sheetnames == ["evaluation", "errors", "about"]
    assert book["errors"].max_row == 6

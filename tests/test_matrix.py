"""Theme matrices and co-occurrence against hand counts (pandas frames compared with assert_frame_equal)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from helpers import make_project, place_codings
from pandas.testing import assert_frame_equal

import qualcode
from qualcode.project.store import open_store

CODEBOOK = """\
codebook: Matrix test
version: "1"
codes:
  - id: language
    label: Language barriers
    definition: Language.
    children:
      - id: language.literacy
        label: Literacy
        definition: Reading.
      - id: language.vietnamese_only
        label: Only in Vietnamese
        definition: Vietnamese only.
  - id: workload
    label: Workload
    definition: Work.
"""

IDI = """---
type: IDI
site: Site A
participant: P01
---
I: First question?
R: I cannot read the forms.
I: And meetings?
R: The meeting was only in Vietnamese.
"""

FGD = """---
type: FGD
site: Site B
---
Facilitator: What stops you?
Lan: I never learned to read.
Minh: Announcements are in Vietnamese only.
Lan: Also too much housework.
Ba: Same for me, housework all day.
Ba: Yes.
Facilitator: So language is the problem?
"""

PARTICIPANTS = """participant,document,speaker,gender,ethnicity,site
P01,,,female,Hmong,
P02,FGD-01,Minh,male,Kinh,
P03,FGD-01,Lan,female,Kinh,
"""

# (document, text, code, coder, status): the codings of the hand counts below
CODINGS = [
    ("IDI-01", "I cannot read the forms.", "language.literacy", "lan", "accepted"),
    ("IDI-01", "The meeting was only in Vietnamese.", "language.vietnamese_only", "lan", "accepted"),
    ("IDI-01", "The meeting was only in Vietnamese.", "workload", "lan", "rejected"),
    ("FGD-01", "I never learned to read.", "language.literacy", "lan", "accepted"),
    ("FGD-01", "I never learned to read.", "language", "minh", "accepted"),
    ("FGD-01", "Announcements are in Vietnamese only.", "language.vietnamese_only", "lan", "accepted"),
    ("FGD-01", "Also too much housework.", "workload", "auto", "suggested"),
    ("FGD-01", "Same for me, housework all day.", "workload", "lan", "accepted"),
    ("FGD-01", "So language is the problem?", "language", "lan", "accepted"),  # interviewer turn: not counted
]
CODES = [("language", "Language barriers", 1), ("language.literacy", "Literacy", 2),
         ("language.vietnamese_only", "Only in Vietnamese", 2), ("workload", "Workload", 1)]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> qualcode.Project:
    """Two documents (an interview and a focus group with an unmapped speaker), hand-placed codings."""
    project = make_project(tmp_path_factory.mktemp("matrix"), {"IDI-01.txt": IDI, "FGD-01.txt": FGD}, CODEBOOK,
                           PARTICIPANTS)
    place_codings(project, CODINGS)
    return project


def expected(columns: list[str], values: list[list]) -> pd.DataFrame:
    rows = [{"code": c, "label": label, "level": level, **dict(zip(columns, v))}
            for (c, label, level), v in zip(CODES, values)]
    return pd.DataFrame(rows, columns=["code", "label", "level", *columns])


def test_participants_by_gender(project) -> None:
    """Distinct respondents; parents count a person once; FGD speakers by their own gender; (missing) kept."""
    frame = project.matrix(by=["gender"], include_suggestions=True)
    assert_frame_equal(frame, expected(["female", "male", "(missing)", "Total"],
                                       [[2, 1, 0, 3], [2, 0, 0, 2], [1, 1, 0, 2], [1, 0, 1, 2]]))
    assert frame.attrs["count"] == "participants"
    assert frame.attrs["interviewer_codings"] == 1
    assert frame.attrs["unreviewed"] == 1
    assert "1 unreviewed suggestion included" in frame.attrs["selection"]


def test_reviewed_codings_by_default(project) -> None:
    """By default only human codings and accepted suggestions count: Lan's housework turn, an unreviewed
    suggestion, drops out of workload; the frame is no draft."""
    frame = project.matrix(by=["gender"])
    assert_frame_equal(frame, expected(["female", "male", "(missing)", "Total"],
                                       [[2, 1, 0, 3], [2, 0, 0, 2], [1, 1, 0, 2], [0, 0, 1, 1]]))
    assert frame.attrs["unreviewed"] == 0 and frame.attrs["draft"] is False
    assert frame.attrs["selection"].startswith("reviewed codings (human and accepted suggestions)")
    assert project.matrix(by=["gender"], include_suggestions=True).attrs["draft"] is True
    assert project.matrix(by=["gender"], statuses=["suggested"]).attrs["draft"] is True


def test_percent_denominators(project) -> None:
    """Percent of the column's respondents with a respondent turn, one decimal, n in the header."""
    frame = project.matrix(by=["gender"], percent=True, include_suggestions=True)
    columns = ["female (n=2)", "male (n=1)", "(missing) (n=1)", "Total (n=4)"]
    assert_frame_equal(frame, expected(columns, [[100.0, 100.0, 0.0, 75.0], [100.0, 0.0, 0.0, 50.0],
                                                 [50.0, 100.0, 0.0, 50.0], [50.0, 0.0, 100.0, 50.0]]))


def test_segments_count_distinct_spans(project) -> None:
    """Segments: one span coded by two coders (parent and child) counts once."""
    frame = project.matrix(by=["gender"], count="segments", include_suggestions=True)
    assert_frame_equal(frame, expected(["female", "male", "(missing)", "Total"],
                                       [[3, 1, 0, 4], [2, 0, 0, 2], [1, 1, 0, 2], [1, 0, 1, 2]]))


def test_documents_by_document_attribute(project) -> None:
    """Documents by the front-matter `type`: a rejected coding does not count."""
    frame = project.matrix(by=["type"], count="documents", percent=True)
    assert_frame_equal(frame, expected(["FGD (n=1)", "IDI (n=1)", "Total (n=2)"],
                                       [[100.0, 100.0, 100.0], [100.0, 100.0, 100.0],
                                        [100.0, 100.0, 100.0], [100.0, 0.0, 50.0]]))


def test_combined_columns(project) -> None:
    """Several attributes give their observed combinations, sorted, (missing) last."""
    frame = project.matrix(by=["gender", "site"])
    assert list(frame.columns[3:]) == ["female / Site A", "female / Site B", "male / Site B",
                                       "(missing) / (missing)", "Total"]
    assert frame.iloc[0, 3:].tolist() == [1, 1, 1, 0, 3]


def test_min_cell_suppression(project) -> None:
    """Counts 1..K-1 become <K, zero stays zero, totals too."""
    frame = project.matrix(by=["gender"], min_cell=3, include_suggestions=True)
    assert_frame_equal(frame, expected(["female", "male", "(missing)", "Total"],
                                       [["<3", "<3", 0, 3], ["<3", 0, 0, "<3"], ["<3", "<3", 0, "<3"],
                                        ["<3", 0, "<3", "<3"]]))


def test_selection_by_coder_and_status(project) -> None:
    """`--coder` and `--status` choose the codings: only minh's coding, or only accepted ones."""
    minh = project.matrix(by=["gender"], coders=["minh"])
    assert minh["Total"].tolist() == [1, 0, 0, 0]
    accepted = project.matrix(by=["gender"], statuses=["accepted"], count="segments")
    assert accepted.loc[accepted.code == "workload", "Total"].item() == 1  # the suggestion left out


def test_cooccurrence(project) -> None:
    """Turns with both codes; the diagonal is turns with the code; parents include children."""
    frame = project.cooccur(include_suggestions=True)
    ids = [c for c, _, _ in CODES]
    want = pd.DataFrame([[4, 2, 2, 0], [2, 2, 0, 0], [2, 0, 2, 0], [0, 0, 0, 2]], index=ids, columns=ids)
    assert_frame_equal(frame, want)


def test_unknown_attribute(project) -> None:
    """An unknown attribute lists the available ones."""
    with pytest.raises(qualcode.UsageError, match="available: gender, ethnicity, site, type, language"):
        project.matrix(by=["religion"])


def test_cli_outputs_xlsx_csv_png(project, cli, tmp_path: Path) -> None:
    """The CLI writes the same numbers to XLSX and CSV, says what it counts, and draws a heatmap PNG."""
    xlsx, csv_path, png = tmp_path / "m.xlsx", tmp_path / "m.csv", tmp_path / "m.png"
    result = cli("matrix", "--by", "gender", "-o", xlsx, "--plot", png, "--project", project.root)
    assert result.exit_code == 0, result.output
    assert "Counts: participants (distinct respondents who said it)." in result.stdout
    sheet = openpyxl.load_workbook(xlsx)["matrix"]
    assert sheet["A1"].value == ("Participants per code by gender. Counts: participants (distinct respondents who "
                                 "said it).") and sheet["A1"].font.b and sheet.freeze_panes == "A3"
    assert [c.value for c in sheet[2]] == ["code", "label", "level", "female", "male", "(missing)", "Total"]
    assert [c.value for c in sheet[3]] == ["language", "Language barriers", 1, 2, 1, 0, 3]
    assert all(c.data_type == "n" and c.number_format == "General" for c in sheet[3][3:])  # counts: integers
    about = [r[0].value for r in openpyxl.load_workbook(xlsx)["about"].iter_rows()]
    assert about[0] == "Counts: participants (distinct respondents who said it)."
    cli("matrix", "--by", "gender", "--count", "segments", "-o", csv_path, "--project", project.root)
    lines = csv_path.read_text(encoding="utf-8").splitlines()  # reviewed counts: a plain table, no # line
    assert lines[0].startswith("code,label,level,") and lines[1] == "language,Language barriers,1,3,1,0,4"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_errors(project, cli, tmp_path: Path) -> None:
    """Unknown attribute (with the closest one), unwritable output and percent of segments: one line, exit 1 or
    2, no traceback; a missing output folder is created; attribute names ignore case."""
    bad = cli("matrix", "--by", "religion", "--project", project.root)
    assert bad.exit_code == 2 and "unknown attribute 'religion'; available:" in bad.stderr
    close = cli("matrix", "--by", "gendre", "--project", project.root)
    assert close.exit_code == 2 and "unknown attribute 'gendre' (did you mean 'gender'?)" in close.stderr
    assert cli("matrix", "--by", "Gender", "--project", project.root).exit_code == 0
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    unwritable = cli("matrix", "-o", tmp_path / "file" / "m.csv", "--project", project.root)
    assert unwritable.exit_code == 1 and "cannot write" in unwritable.stderr
    made = cli("matrix", "-o", tmp_path / "new" / "folder" / "m.csv", "--project", project.root)
    assert made.exit_code == 0 and (tmp_path / "new" / "folder" / "m.csv").is_file()
    seg = cli("matrix", "--count", "segments", "--percent", "--project", project.root)
    assert seg.exit_code == 2 and "cannot be used with segments" in seg.stderr


def test_no_codings_yet(tmp_path: Path, cli) -> None:
    """A project without codings says to run `qualcode code` first."""
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / "IDI-01.txt").write_text(IDI, encoding="utf-8")
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "qualcode.toml").write_text('[project]\ncodebook = "codebook.yaml"\n', encoding="utf-8")
    cli("ingest", "--project", tmp_path)
    result = cli("matrix", "--project", tmp_path)
    assert result.exit_code == 1 and "no codings yet: run `qualcode code` first" in result.stderr


def test_quotes(project, cli) -> None:
    """Quotes of a code include its children, once per span, attributed, never from interviewer turns."""
    found = project.quotes("Language barriers", k_anonymity=1)  # four participants: all fields shown
    assert [q.text for q in found] == ["I never learned to read.", "Announcements are in Vietnamese only.",
                                       "I cannot read the forms.", "The meeting was only in Vietnamese."]
    assert found[2].attribution == "— P01, female, Hmong, Site A (IDI-01, turn 2)"
    result = cli("quotes", "language", "--by", "gender", "--project", project.root)
    assert "== gender: female" in result.stdout and "4 quotes" in result.stdout


def test_coding_from_question_into_answer_counts_for_the_answer(tmp_path: Path) -> None:
    """A coding that starts in the interviewer's question and runs into the answer counts for the answerer;
    one that stays in the question is left out."""
    project = make_project(tmp_path, {"IDI-01.txt": IDI}, CODEBOOK, PARTICIPANTS)
    store = open_store(project.store_path)
    text = store.document("IDI-01").text
    start = text.index("First question?")
    end = text.index("the forms.") + len("the forms.")
    store.close()
    place_codings(project, [("IDI-01", text[start:end], "workload", "lan", "accepted"),
                            ("IDI-01", text[start:start + 5], "language", "lan", "accepted")])
    frame = project.matrix(by=["gender"])
    assert frame.set_index("code")["Total"].to_dict() == {
        "language": 0, "language.literacy": 0, "language.vietnamese_only": 0, "workload": 1}
    assert frame.attrs["interviewer_codings"] == 1


def test_value_labels_and_order_from_qualcode_toml(tmp_path: Path) -> None:
    """qualcode.toml's [attributes] labels values and orders them: matrix columns, group headings (with n) and
    attributions all say `Women`/`Men`, men first as asked; a malformed table is a clear error."""
    config = '[attributes]\ngender.female = "Women"\ngender.male = "Men"\ngender.order = ["male", "female"]\n'
    project = make_project(tmp_path / "p", {"IDI-01.txt": IDI, "FGD-01.txt": FGD}, CODEBOOK, PARTICIPANTS, config)
    place_codings(project, CODINGS)
    frame = project.matrix(by=["gender"])
    assert list(frame.columns) == ["code", "label", "level", "Men", "Women", "(missing)", "Total"]
    assert frame.iloc[0, 3:].tolist() == [1, 2, 0, 3]
    text = (project.appendix(tmp_path / "a.md", by="gender", k_anonymity=1)
            and (tmp_path / "a.md").read_text(encoding="utf-8"))
    both = [part for part in re.split(r"\n#+ ", text) if "**Gender: Men (n=1)**" in part and "Women (n=2)" in part]
    assert both and all(p.index("Gender: Men") < p.index("Gender: Women") for p in both)
    assert "— P01, Women, Hmong" in text
    (tmp_path / "p" / "qualcode.toml").write_text('[attributes]\ngender = "Women"\n', encoding="utf-8")
    with pytest.raises(qualcode.QualcodeError, match="attributes.gender must be a table of value labels"):
        qualcode.open_project(tmp_path / "p")


def test_drafts_are_marked_in_csv_and_on_the_xlsx_sheet(project, cli, tmp_path: Path) -> None:
    """With unreviewed suggestions, matrix and cooccur CSVs start with a `# DRAFT` line that pandas skips with
    comment="#", and their XLSX sheets say DRAFT in the first row above the header."""
    for command in ("matrix", "cooccur"):
        csv_path, xlsx = tmp_path / f"{command}.csv", tmp_path / f"{command}.xlsx"
        for path in (csv_path, xlsx):
            assert cli(command, "-o", path, "--include-suggestions", "--project", project.root).exit_code == 0
        first = csv_path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# DRAFT: includes unreviewed machine suggestions — not yet checked")
        assert "," not in first  # one cell when a spreadsheet opens the CSV
        table = pd.read_csv(csv_path, comment="#")
        assert table.columns[0] == "code" and table.iloc[0, 0] == "language"
        sheet = openpyxl.load_workbook(xlsx).worksheets[0]
        assert sheet["A1"].value.startswith("DRAFT: includes unreviewed machine suggestions") and sheet["A1"].font.b
        assert sheet["A2"].value == "code" and pd.read_excel(xlsx, header=1).iloc[0, 0] == "language"
    reviewed = tmp_path / "reviewed.xlsx"
    cli("cooccur", "-o", reviewed, "--project", project.root)
    assert openpyxl.load_workbook(reviewed).worksheets[0]["A1"].value == ("Co-occurrence: respondent turns with "
                                                                      "both codes.")


def test_percent_outputs_say_percent_everywhere(project, cli, tmp_path: Path) -> None:
    """--percent: terminal, CSV, XLSX, Markdown, HTML, JSON and the heatmap say "Percent of participants",
    never "Counts:"; XLSX keeps the percentages as numbers shown with one decimal (0.0)."""
    import json

    from qualcode.report.plot import _subtitle

    terminal = cli("matrix", "--percent", "--project", project.root)
    assert terminal.exit_code == 0 and "Percent of participants per code by gender" in terminal.stdout
    assert "Percent of participants: the percent of each column's respondents" in terminal.stdout
    assert "Counts:" not in terminal.stdout
    for suffix in (".csv", ".xlsx", ".md", ".html", ".json"):
        assert cli("matrix", "--percent", "-o", tmp_path / f"p{suffix}", "--project", project.root).exit_code == 0
    csv_text = (tmp_path / "p.csv").read_text(encoding="utf-8")
    assert csv_text.startswith("# Percent of participants per code by gender: the percent of each column's")
    assert "Counts" not in csv_text
    sheet = openpyxl.load_workbook(tmp_path / "p.xlsx")["matrix"]
    assert sheet["A1"].value.startswith("Percent of participants per code by gender:")
    assert sheet["D2"].value == "female (n=2)" and sheet["D3"].value == 100 and sheet["D3"].number_format == "0.0"
    assert sheet["C3"].value == 1 and sheet["C3"].number_format == "General"  # the level stays a plain integer
    about = [r[0].value for r in openpyxl.load_workbook(tmp_path / "p.xlsx")["about"].iter_rows()]
    for text in [*about, (tmp_path / "p.md").read_text(encoding="utf-8"),
                 (tmp_path / "p.html").read_text(encoding="utf-8")]:
        assert "Counts:" not in text
    assert any(a.startswith("Percent of participants:") for a in about)
    assert "Percent of participants:" in (tmp_path / "p.md").read_text(encoding="utf-8")
    notes = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))["notes"]
    assert notes[0].startswith("Percent of participants:") and not any("Counts" in n for n in notes)
    frame = project.matrix(percent=True)
    assert frame.attrs["title"].startswith("Percent of participants") and _subtitle(frame).startswith("Percent of")
    assert _subtitle(project.matrix()).startswith("Participants (distinct respondents")


def test_percent_of_an_empty_column_is_left_empty(tmp_path: Path, cli) -> None:
    """A column whose respondents are all unknown speakers has n=0: --percent leaves its cells empty (not 0.0,
    which would read as "nobody said it") and says why, in every output, without a traceback."""
    monologue = "---\ntype: IDI\n---\nI cannot read the forms at the commune office.\n"
    project = make_project(tmp_path, {"IDI-01.txt": monologue, "IDI-02.txt": IDI}, CODEBOOK, PARTICIPANTS)
    place_codings(project, [("IDI-02", "I cannot read the forms.", "language.literacy", "lan", "accepted")])
    frame = project.matrix(by=["gender"], percent=True)
    assert list(frame.columns[3:]) == ["female (n=1)", "(missing) (n=0)", "Total (n=1)"]
    assert frame["(missing) (n=0)"].tolist() == ["", "", "", ""] and frame["female (n=1)"].tolist()[0] == 100.0
    result = cli("matrix", "--percent", "-o", tmp_path / "p.xlsx", "--plot", tmp_path / "p.png", "--project",
                 project.root)
    assert result.exit_code == 0, result.output
    assert "No percentages for (missing): that column has no participants (n=0)" in result.stdout
    assert openpyxl.load_workbook(tmp_path / "p.xlsx")["matrix"]["E3"].value is None
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"


def test_a_matrix_of_one_column(tmp_path: Path, cli) -> None:
    """An attribute with one value gives one column and Total, in the terminal, XLSX, the heatmap and the
    appendix's Word table."""
    one = PARTICIPANTS.replace("female", "F").replace("male", "F")
    project = make_project(tmp_path, {"IDI-01.txt": IDI, "FGD-01.txt": FGD}, CODEBOOK, one)
    place_codings(project, CODINGS)
    assert list(project.matrix(by=["gender"]).columns[3:]) == ["F", "(missing)", "Total"]
    solo = PARTICIPANTS.replace(",Kinh,", ",Hmong,")
    project = make_project(tmp_path / "solo", {"IDI-01.txt": IDI}, CODEBOOK, solo)
    place_codings(project, CODINGS[:2])
    assert list(project.matrix(by=["ethnicity"]).columns[3:]) == ["Hmong", "Total"]
    for args in (["-o", tmp_path / "m.xlsx", "--plot", tmp_path / "m.png"], ["--percent"]):
        result = cli("matrix", "--by", "ethnicity", *args, "--project", project.root)
        assert result.exit_code == 0, result.output
    result = cli("appendix", "--by", "ethnicity", "-o", tmp_path / "a.docx", "--project", project.root)
    assert result.exit_code == 0, result.output

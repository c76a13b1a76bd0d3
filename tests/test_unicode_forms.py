"""Values typed in any Unicode normal form match: `--where`, `--attribution`, `--by`, codes (ids, labels, paths)
and coders typed decomposed (NFD, as some keyboards and copied file names give them) mean the composed (NFC)
values qualcode stores — on the command line and in the Python API."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

import qualcode


def nfd(text: str) -> str:
    """``text`` decomposed (``à`` as ``a`` and a combining grave)."""
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text
    return decomposed


CODEBOOK = """codebook: Rào cản
codes:
  - id: ngon_ngu
    label: Ngôn ngữ
    definition: Khó khăn về ngôn ngữ.
    examples: ["không biết tiếng Kinh"]
    rules:
      - keywords: [tiếng Kinh]
    children:
      - id: ngon_ngu.giay_to
        label: Giấy tờ
        definition: Giấy tờ chỉ có tiếng Kinh.
        examples: ["giấy tờ chỉ có tiếng Kinh"]
        rules:
          - keywords: [giấy tờ]
"""


@pytest.fixture
def project(tmp_path: Path, cli) -> Path:
    """A Vietnamese project: two respondents (Tày and Kinh, a `dân tộc` column), coded, one turn tagged by
    Lành."""
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / "IDI-01.txt").write_text(
        "Hỏi: Chị gặp khó khăn gì?\nTrả lời: Tôi không biết tiếng Kinh, giấy tờ chỉ có tiếng Kinh.\n",
        encoding="utf-8")
    (tmp_path / "transcripts" / "IDI-02.txt").write_text(
        "Hỏi: Anh gặp khó khăn gì?\nTrả lời: Giấy tờ chỉ có tiếng Kinh nhưng tôi đọc được.\n", encoding="utf-8")
    (tmp_path / "transcripts" / "participants.csv").write_text(
        "participant,document,speaker,ethnicity,dân tộc\nP01,IDI-01,Trả lời,Tày,Tày\nP02,IDI-02,Trả lời,Kinh,Kinh\n",
        encoding="utf-8")
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (tmp_path / "qualcode.toml").write_text('[project]\ncodebook = "codebook.yaml"\nlanguage = "vi"\n',
                                            encoding="utf-8")
    for args in (("ingest",), ("code",), ("tag", "IDI-01", "2", "ngon_ngu", "--coder", "Lành")):
        result = cli(*args, "-p", tmp_path)
        assert result.exit_code == 0, result.output
    return tmp_path


def test_where_matches_a_value_typed_decomposed(project: Path, cli) -> None:
    """`--where "ethnicity = Tày"` typed NFD keeps the Tày participant, as typed NFC does (it was refused)."""
    composed = cli("matrix", "--by", "ethnicity", "--where", "ethnicity = Tày", "--include-suggestions",
                   "-p", project)
    decomposed = cli("matrix", "--by", "ethnicity", "--where", nfd("ethnicity = Tày"), "--include-suggestions",
                     "-p", project)
    assert composed.exit_code == 0, composed.output
    assert decomposed.exit_code == 0, decomposed.output
    assert decomposed.stdout == composed.stdout and "1 of 2 participants" in decomposed.stdout


def test_attribute_names_codes_and_coders_typed_decomposed(project: Path, cli) -> None:
    """`--by`, `--attribution` (an attribute named `dân tộc`), a code's label and path and a coder's name typed
    NFD give what they give typed NFC."""
    out = project / "out"
    for form in ("nfc", "nfd"):
        typed = (lambda t: t) if form == "nfc" else nfd
        runs = [("matrix", "--by", typed("dân tộc"), "--include-suggestions"),
                ("quotes", typed("Ngôn ngữ > Giấy tờ"), "--include-suggestions"),
                ("quotes", typed("Ngôn ngữ"), "--coder", typed("Lành")),
                ("appendix", "-o", out / f"{form}.md", "--attribution", typed("participant,dân tộc"),
                 "--codes", typed("Ngôn ngữ"), "--include-suggestions", "--k-anonymity", "1")]
        for args in runs:
            result = cli(*args, "-p", project)
            assert result.exit_code == 0, (form, args, result.output)
    assert (out / "nfd.md").read_text(encoding="utf-8") == (out / "nfc.md").read_text(encoding="utf-8")
    assert "P01, Tày" in (out / "nfd.md").read_text(encoding="utf-8")


def test_a_coder_typed_decomposed_is_the_same_coder(project: Path, cli) -> None:
    """Tagging as `Lành` typed NFD adds to Lành's codings: the store holds one coder name, composed."""
    assert cli("tag", "IDI-02", "2", "ngon_ngu", "--coder", nfd("Lành"), "-p", project).exit_code == 0
    codings = qualcode.open_project(project).codings()
    assert list(codings["coder"]) == ["Lành", "Lành"] and set(codings["document"]) == {"IDI-01", "IDI-02"}


def test_the_python_api_takes_decomposed_text(project: Path) -> None:
    """`Project.matrix(where=…)` and `Project.quotes(code)` take NFD text as the CLI does."""
    api = qualcode.open_project(project)
    frame = api.matrix(by=[nfd("dân tộc")], where=nfd("ethnicity = Tày"), include_suggestions=True)
    assert [c for c in frame.columns if "Tày" in str(c)]
    assert api.quotes(nfd("Ngôn ngữ > Giấy tờ"), include_suggestions=True)


def test_a_codebook_and_settings_written_decomposed_read_composed(project: Path, cli) -> None:
    """A codebook file saved decomposed (labels and ids) is read composed, so a label typed NFC finds its code."""
    (project / "codebook.yaml").write_text(nfd(CODEBOOK), encoding="utf-8")
    (project / "qualcode.toml").write_text(nfd('[project]\ncodebook = "codebook.yaml"\nlanguage = "vi"\n'
                                               'coder = "Lành"\n'), encoding="utf-8")
    assert qualcode.open_project(project).config.coder == "Lành"
    result = cli("quotes", "Ngôn ngữ > Giấy tờ", "--include-suggestions", "-p", project)
    assert result.exit_code == 0, result.output

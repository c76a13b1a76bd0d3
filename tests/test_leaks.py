"""`qualcode leaks` finds real names (key terms, identifying attribute values) in exported files."""

from __future__ import annotations

import shutil
import unicodedata
from pathlib import Path

import pytest
from conftest import REPO

NAME = "Nguyễn Thị Lành"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    """A project whose transcript names a person, with an appendix (Word, Markdown, HTML) and codings exports."""
    from typer.testing import CliRunner

    from qualcode.cli import app

    def cli(*args):
        return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)

    root = tmp_path_factory.mktemp("leaks") / "p"
    (root / "transcripts").mkdir(parents=True)
    (root / "transcripts" / "IDI-01.txt").write_text(
        "Interviewer: How do you reach the office?\n"
        f"Respondent: My neighbour {NAME} reads the forms for me, they are only in Vietnamese. The Land office "
        "is far.\n", encoding="utf-8")
    (root / "transcripts" / "participants.csv").write_text(
        "participant,document,speaker,gender,village\nP01,IDI-01,Respondent,female,Séo Phìn\n", encoding="utf-8")
    shutil.copy(REPO / "codebooks" / "barriers.yaml", root)
    (root / "qualcode.toml").write_text('[project]\ncodebook = "barriers.yaml"\n\n[participants]\n'
                                        'identifying = ["village"]\n', encoding="utf-8")
    (root / "key.csv").write_text(f"term,replacement\n{NAME.upper()},[Name-1]\nLan,[Name-2]\n", encoding="utf-8")
    out = root / "out"
    for args in (("ingest",), ("code",), ("tag", "IDI-01", "2", "language", "--coder", "minh"),
                 ("appendix", "-o", out / "appendix.docx", "--attribution", "participant,village",
                  "--k-anonymity", "1"),  # the check off: the village planted in the attributions
                 ("appendix", "-o", out / "appendix.md"), ("appendix", "-o", out / "appendix.html"),
                 ("codings", "export", "-o", out / "codings.csv"), ("codings", "export", "-o", out / "codings.xlsx",
                                                                    "--attributes", "village")):
        result = cli(*args, "-p", root)
        assert result.exit_code == 0, (args, result.stderr)
    return root


def test_a_planted_name_is_found_in_every_format(outputs: Path, cli) -> None:
    """The key's name (given in capitals) is found in Word, Markdown, HTML, CSV and XLSX; exit 1."""
    out = outputs / "out"
    files = [out / n for n in ("appendix.docx", "appendix.md", "appendix.html", "codings.csv", "codings.xlsx")]
    result = cli("leaks", *files, "--key", outputs / "key.csv", "-p", outputs)
    assert result.exit_code == 1
    for path in files:
        assert f"{path}: '{NAME.upper()}' (key)" in result.stderr
    assert "'Lan'" not in result.stderr  # `Lan` is not a whole word of `Lành` or `Land`
    assert "found names in 5 files of 5" in result.stdout


def test_identifying_values_and_decomposed_text_are_found(outputs: Path, cli, tmp_path: Path) -> None:
    """A value of an identifying attribute is found without a key, and so is a name written decomposed (NFD)."""
    result = cli("leaks", outputs / "out" / "appendix.docx", "-p", outputs)
    assert result.exit_code == 1 and "'Séo Phìn' (identifying village)" in result.stderr
    decomposed = tmp_path / "note.md"
    decomposed.write_text(f"Thanks to {unicodedata.normalize('NFD', NAME)}.", encoding="utf-8")
    result = cli("leaks", decomposed, "--key", outputs / "key.csv", "-p", outputs)
    assert result.exit_code == 1


def test_a_clean_file_passes_and_an_unknown_format_is_a_usage_error(outputs: Path, cli, tmp_path: Path) -> None:
    """A file without any term exits 0; a suffix leaks does not read exits 2."""
    clean = tmp_path / "clean.csv"
    clean.write_text("code,n\nlanguage,3\n", encoding="utf-8")
    result = cli("leaks", clean, "--key", outputs / "key.csv", "-p", outputs)
    assert result.exit_code == 0 and "no names found in 1 file (3 terms looked for)" in result.stdout
    other = tmp_path / "slides.pptx"
    other.write_bytes(b"x")
    assert cli("leaks", other, "--key", outputs / "key.csv", "-p", outputs).exit_code == 2


def test_leaks_reads_the_key_pseudonymise_saved_and_skips_keep_phrases(outputs: Path, cli, tmp_path: Path) -> None:
    """Without --key, `leaks` looks for the terms of the key `pseudonymise` saved; a `keep` phrase holding a
    name (`người Hoa` beside the name `Hoa`) is not reported, while the name alone is, with its line."""
    key = tmp_path / "hoa.csv"
    key.write_text("term,kind\nHoa,name\nngười Hoa,keep\nHoa people,keep\n", encoding="utf-8")
    note = tmp_path / "note.md"
    note.write_text("# Notes\n\nThe Hoa people and người Hoa speak Teochew.\n\nHoa said so.\n", encoding="utf-8")
    root = tmp_path / "p"
    shutil.copytree(outputs, root, ignore=shutil.ignore_patterns("out"))
    assert cli("pseudonymise", "--key", key, "-p", root).exit_code == 0
    result = cli("leaks", note, "-p", root)
    assert result.exit_code == 1 and f"{note}: 'Hoa' (key) 1 time: line 5" in result.stderr


def test_a_name_in_a_word_header_or_the_file_name_is_found_with_its_place(outputs: Path, cli,
                                                                                tmp_path: Path) -> None:
    """A Word header is read as well as the body, and so is the file's own name; each find says where it is."""
    import docx

    document = docx.Document()
    document.add_paragraph("Appendix")
    document.sections[0].header.paragraphs[0].text = f"Interviews with {NAME}"
    path = tmp_path / "appendix-Nguyen_Thi_Lanh.docx"
    document.save(path)
    result = cli("leaks", path, "--key", outputs / "key.csv", "-p", outputs)
    assert result.exit_code == 1
    assert f"{path}: '{NAME.upper()}' (key) 2 times: file name; header1 paragraph 1" in result.stderr

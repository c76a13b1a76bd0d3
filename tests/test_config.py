"""qualcode.toml: every key optional, wrong types and unknown keys reported with the file, [report] checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.errors import ProjectError
from qualcode.project.folder import DEFAULT_INTERPRETER_LABELS, load_config


def _config(tmp_path: Path, text: str):
    path = tmp_path / "qualcode.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_report_settings_default_to_a4_en_gb_and_k_three(tmp_path: Path) -> None:
    """Without a [report] table, reports are A4, en-GB, k-anonymity 3, in the project's language."""
    config = _config(tmp_path, "[project]\nlanguage = \"en\"\n")
    assert (config.report.page_size, config.report.locale, config.report.k_anonymity) == ("A4", "en-GB", 3)
    assert config.report.language is None and config.report.author == ""
    assert config.interpreter_labels == DEFAULT_INTERPRETER_LABELS and config.interpreter_notes == ()


def test_report_settings_are_read(tmp_path: Path) -> None:
    """[report] sets the page size (any case), locale, author, report language and k."""
    config = _config(tmp_path, '[report]\npage_size = "letter"\nlocale = "vi-VN"\nauthor = "LNOB coalition"\n'
                               'language = "VI"\nk_anonymity = 5\n'
                               '[speakers]\ninterpreter = ["Phiên dịch"]\n'
                               'interpreter_notes = [\'\\[(?P<language>\\w+) interpreted\\]\']\n')
    assert config.report.page_size == "Letter" and config.report.locale == "vi-VN"
    assert config.report.author == "LNOB coalition" and config.report.language == "vi"
    assert config.report.k_anonymity == 5
    assert config.interpreter_labels == ("Phiên dịch",)
    assert config.interpreter_notes == (r"\[(?P<language>\w+) interpreted\]",)


@pytest.mark.parametrize(("text", "message"), [
    ("[report]\nk_anonymity = 0\n", "report.k_anonymity must be a whole number of at least 1"),
    ("[report]\nk_anonymity = \"3\"\n", "report.k_anonymity must be a whole number"),
    ("[report]\nk_anonymity = true\n", "report.k_anonymity must be a whole number"),
    ("[report]\npage_size = \"A5\"\n", "report.page_size 'A5': use A4 or Letter"),
    ("[report]\nauthor = 3\n", "report.author must be a string"),
    ("[report]\nfont = \"Arial\"\n", "unknown key report.font"),
    ("[speakers]\ninterpreter_notes = [\"(\"]\n", "speakers.interpreter_notes: '(' is not a regular expression"),
])
def test_bad_report_settings_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    """A wrong value in [report] or [speakers] is a ProjectError naming qualcode.toml and the key."""
    with pytest.raises(ProjectError) as error:
        _config(tmp_path, text)
    assert message in str(error.value) and "qualcode.toml" in str(error.value)

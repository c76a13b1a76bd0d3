"""Positions in other tools' .qdpx archives never shift silently: archives written as NVivo (UTF-16 units, empty
selection names), ATLAS.ti and QualCoder (code points, names), MAXQDA (code points, no names) and a tool counting
UTF-8 bytes, on text with emoji, CJK extension-B characters, CRLF and decomposed accents, import with every
selection on its words; when nothing decides, the import says so, and `--positions` forces a reading."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from test_exchange import _fresh, _qdpx, _rows

from qualcode.exchange.positions import at_boundary, choose

TEXT = ("Interviewer: How was the market?\r\n"
        "Respondent: The market \U0001F600 was busy and the stall owners were kind.\r\n"
        "Interviewer: And the prices?\r\n"
        "Respondent: Prices rose \U0002000B\U0002000B after the flood, so we bought less rice.\r\n"
        "Interviewer: Anything else?\r\n"
        "Respondent: Cafe\u0301 owners \U0001F600\U0001F600 spoke Kinh only, which made it hard to explain.\r\n")
WORDS = ["market", "stall owners were kind", "Prices rose", "bought less rice", "Cafe\u0301 owners",
         "spoke Kinh only", "hard to explain"]
USER = "AD68FBE7-E1EE-4A82-A279-23CC698C89EB"
CODE = "0F8A1907-7E42-4739-8610-A676B4D1B69F"


def _at(text: str, index: int, unit: str) -> int:
    """Code-point offset ``index`` of ``text`` counted in ``unit``."""
    if unit == "utf16":
        return len(text[:index].encode("utf-16-le")) // 2
    if unit == "bytes":
        return len(text[:index].encode("utf-8"))
    return index


def _archive(path: Path, origin: str, unit: str, named: bool, text: str = TEXT, words=WORDS) -> Path:
    """A .qdpx as a tool writes it: one source whose selections count ``unit`` and are named by their text when
    ``named``; the second occurrence of "market" is meant for the first word."""
    selections = []
    for i, word in enumerate(words):
        start = text.index(word, text.index("Respondent"))
        end = start + len(word)
        name = word if named else ""
        selections.append(
            f'<PlainTextSelection guid="00000000-0000-0000-0000-0000000001{i:02d}" name="{name}" '
            f'startPosition="{_at(text, start, unit)}" endPosition="{_at(text, end, unit)}" creatingUser="{USER}">'
            f'<Coding guid="00000000-0000-0000-0000-0000000002{i:02d}" creatingUser="{USER}">'
            f'<CodeRef targetGUID="{CODE}"/></Coding></PlainTextSelection>')
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Market study" origin="{origin}">
  <Users><User guid="{USER}" name="Ha"/></Users>
  <CodeBook><Codes><Code guid="{CODE}" name="Market" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="69A4332D-5B31-4915-B520-5275CFC21B40" name="IDI-7.docx"
     plainTextPath="internal://01106019-2518-43DD-BBD1-8F0252BACB30.txt">{''.join(selections)}</TextSource></Sources>
</Project>"""
    return _qdpx(path, qde, {"sources/01106019-2518-43DD-BBD1-8F0252BACB30.txt": text.encode("utf-8")})


def _texts(project) -> list[str]:
    return [t for _, t in _rows(project, "SELECT id, text FROM codings")]


@pytest.mark.parametrize("origin, unit, named", [
    ("NVivo for Windows 12.6", "utf16", False),
    ("NVivo for Mac 12.7", "utf16", False),
    ("ATLAS.ti 8.4.0 573", "points", True),
    ("MAXQDA 2020", "points", False),
    ("QualCoder 3.5", "points", True),
    ("SomeTool 1.0", "utf16", False),  # no origin to go by: the word boundaries decide
    ("SomeTool 1.0", "bytes", False),
    ("SomeTool 1.0", "points", True),
])
def test_every_selection_lands_on_its_words(tmp_path: Path, origin: str, unit: str, named: bool) -> None:
    """Each tool's way of counting positions is recognised per source, so every coding holds exactly the words the
    tool selected (in NFC, as the transcript stores them), with no warning."""
    fresh = _fresh(tmp_path / "p")
    report = fresh.import_qdpx(_archive(tmp_path / "a.qdpx", origin, unit, named))
    assert report.codings == len(WORDS)
    assert sorted(_texts(fresh)) == sorted(unicodedata.normalize("NFC", w) for w in WORDS)
    assert not [p for p in report.problems if "positions" in p.message], report.problems


def test_nvivo_that_disagrees_with_its_data_is_read_as_the_data_say_with_a_warning(tmp_path: Path) -> None:
    """An archive whose origin says NVivo but whose positions count code points lands on the words the
    boundaries show, and the import warns with the document and how many selections another reading moves."""
    fresh = _fresh(tmp_path / "p")
    report = fresh.import_qdpx(_archive(tmp_path / "a.qdpx", "NVivo for Windows 12.6", "points", False))
    assert sorted(_texts(fresh)) == sorted(unicodedata.normalize("NFC", w) for w in WORDS)
    warning = next(p for p in report.problems if "positions" in p.message)
    assert "IDI-7.docx" in warning.where and "6 selections would land elsewhere" in warning.message


AMBIGUOUS = "Interviewer: Hi?\nRespondent: a \U0001F600\U0001F600 b c d e\n"


def test_undecidable_positions_warn_and_can_be_forced(tmp_path: Path, cli) -> None:
    """When neither names, word boundaries nor the exporting software decide, the import reads code points and
    warns naming the document and the selections affected; `--positions utf16` reads UTF-16 units instead."""
    root = tmp_path / "p"
    _fresh(root)
    path = _archive(tmp_path / "a.qdpx", "SomeTool 1.0", "utf16", False, AMBIGUOUS, ["b"])
    result = cli("import", path, "--project", root)
    assert result.exit_code == 0, result.output
    assert "source 'IDI-7.docx': cannot tell how its positions count; read as code points: 1 selection land" \
        in result.stderr and "--positions utf16|codepoints|bytes" in result.stderr
    import qualcode

    assert _texts(qualcode.open_project(root)) == ["c"]
    forced = tmp_path / "q"
    _fresh(forced)
    result = cli("import", path, "--project", forced, "--positions", "utf16")
    assert result.exit_code == 0 and "cannot tell" not in result.stderr
    assert "read the positions of 1 source as UTF-16 units" in result.stdout
    assert _texts(qualcode.open_project(forced)) == ["b"]
    assert cli("import", path, "--project", forced, "--positions", "words").exit_code == 2


def test_choice_weighs_names_before_boundaries() -> None:
    """Selection names, when written, decide before word boundaries; a reading that would split a surrogate pair
    or a UTF-8 sequence is never chosen; gaps between CJK characters count as boundaries."""
    raw = "x \U0001F600 ab cd"
    # UTF-16 (5, 7) is "ab"; as code points (5, 7) is "b " — the name says "ab"
    assert choose(raw, raw, [(5, 7, "ab")]).mode == "utf16"
    assert choose(raw, raw, [(5, 7, "b ")]).mode == "points"
    assert choose(raw, raw, [(3, 4, "")], "NVivo").mode == "points"  # 3 is inside the emoji in UTF-16 units
    assert at_boundary("中文字", 1) and not at_boundary("abc", 1) and not at_boundary("e\u0301", 1)

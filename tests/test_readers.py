"""Each reader on small real files, through the shared label and turn rules."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

import pytest
from helpers import write_docx, write_pdf

from qualcode.errors import InputFileError
from qualcode.ingest import add_sentences, read_document
from qualcode.model import DocType
from qualcode.project.folder import Config


def read(path: Path, labels: dict | None = None, **kw):
    doc = read_document(path, path.name, Config(), labels or {}, **kw)
    return doc


def speech(doc) -> list[tuple[str | None, str]]:
    return [(t.label, doc.text[t.start:t.end]) for t in doc.turns]


TXT = """---
id: IDI-07
type: IDI
site: Site A
date: 2019-01-14
participant: P07
---
IDI-07 · 14/01/2019 · Phìn Hồ commune
Interviewed by T.H., 52 minutes

[00:00:05] Interviewer: Can you tell me about the meeting?
[00:00:09] Respondent: My husband went.
I stayed home with the pigs.
Note: recorder paused
[00:01:10] Interviewer: And then?
Respondent: [laughs] Nothing more.

Particpant: one typo line.
"""


def test_txt_front_matter_labels_continuations_and_preamble(tmp_path: Path) -> None:
    """Front matter is removed, the header block is preamble, unlabelled lines continue the turn."""
    doc = read(_write(tmp_path / "x.txt", TXT))
    assert doc.id == "IDI-07" and doc.doc_type is DocType.IDI
    assert doc.attributes["date"] == "2019-01-14" and doc.attributes["participant"] == "P07"
    assert not doc.text.startswith("---")
    assert doc.text.startswith("IDI-07 · 14/01/2019")
    assert speech(doc) == [
        ("Interviewer", "Can you tell me about the meeting?"),
        ("Respondent", "My husband went.\nI stayed home with the pigs.\nNote: recorder paused"),
        ("Interviewer", "And then?"),
        ("Respondent", "[laughs] Nothing more.\n\nParticpant: one typo line."),
    ]
    assert [t.timestamp for t in doc.turns] == ["00:00:05", "00:00:09", "00:01:10", None]
    assert doc.preamble_end == doc.text.index("[00:00:05]")


def _write(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def test_label_used_twice_is_a_speaker_once_is_text(tmp_path: Path) -> None:
    """An unknown label starting two lines is a speaker; a one-off is ordinary text."""
    doc = read(_write(tmp_path / "fgd.txt", "Mai: one\nSùng: two\nMai: three\nSùng: four\nNote: once\n"))
    assert [lbl for lbl, _ in speech(doc)] == ["Mai", "Sùng", "Mai", "Sùng"]
    assert speech(doc)[-1][1] == "four\nNote: once"


def test_label_known_from_participants_counts_once(tmp_path: Path) -> None:
    """A label that participants.csv names for this document is a speaker even when used once."""
    path = _write(tmp_path / "IDI-19.txt", "I: hello\nR: hi\nSister: he says yes\nR: yes\n")
    assert [lbl for lbl, _ in speech(read(path))] == ["I", "R", "R"]
    assert [lbl for lbl, _ in speech(read(path, {"IDI-19": {"sister"}}))] == ["I", "R", "Sister", "R"]


def test_no_labels_gives_one_turn_per_paragraph(tmp_path: Path) -> None:
    """A file without speaker labels is one turn per paragraph, speaker unknown."""
    doc = read(_write(tmp_path / "notes.txt", "First para\nstill first.\n\nSecond para.\n"))
    assert speech(doc) == [(None, "First para\nstill first."), (None, "Second para.")]


def test_utf16_crlf_with_timestamps(tmp_path: Path) -> None:
    """A UTF-16 file with BOM and CRLF newlines reads like its UTF-8 twin, offsets in code points."""
    text = "[00:00:01] Q: Xin chào?\n[00:00:04] A: Chào chị. Tôi là người Hmông 😊 ở đây.\n"
    path = tmp_path / "u16.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + text.replace("\n", "\r\n").encode("utf-16-le"))
    doc = read(path)
    assert "\r" not in doc.text
    assert speech(doc) == [("Q", "Xin chào?"), ("A", "Chào chị. Tôi là người Hmông 😊 ở đây.")]
    assert doc.turns[1].timestamp == "00:00:04"


def test_utf8_bom_and_nfc(tmp_path: Path) -> None:
    """A UTF-8 BOM is dropped and decomposed Vietnamese is stored NFC."""
    nfd = unicodedata.normalize("NFD", "R: người dân tộc thiểu số\nR: vâng\n")
    path = tmp_path / "bom.txt"
    path.write_bytes(codecs.BOM_UTF8 + nfd.encode("utf-8"))
    doc = read(path)
    assert doc.text == "R: người dân tộc thiểu số\nR: vâng\n"
    assert doc.language == "vi"


def test_windows_1258_as_windows_writes_it(tmp_path: Path) -> None:
    """Windows-1258 (base letters precomposed, tone marks combining) decodes to the NFC original."""
    original = "Hỏi: Chị có đi họp thôn không?\nTrả lời: Không, tôi bận việc nhà, chồng tôi đi.\n"
    legacy = "".join(_cp1258_form(ch) for ch in original)
    path = tmp_path / "legacy.txt"
    path.write_bytes(legacy.encode("cp1258"))
    doc = read(path)
    assert doc.text == original
    assert doc.language == "vi"


def _cp1258_form(char: str) -> str:
    try:
        char.encode("cp1258")
        return char
    except UnicodeEncodeError:
        base, *marks = unicodedata.normalize("NFD", char)
        tone = [m for m in marks if m in "\u0300\u0301\u0303\u0309\u0323"]
        rest = unicodedata.normalize("NFC", base + "".join(m for m in marks if m not in tone))
        return rest + "".join(tone)


def test_windows_1252_without_vietnamese(tmp_path: Path) -> None:
    """Legacy bytes without Vietnamese letters decode as Windows-1252 (curly quotes, accents)."""
    path = tmp_path / "w.txt"
    path.write_bytes("Q: “Café” – naïve?\nA: Oui…\n".encode("cp1252"))
    assert speech(read(path))[0] == ("Q", "“Café” – naïve?")


def test_docx_bold_labels_and_front_matter(tmp_path: Path) -> None:
    """Word paragraphs read like lines: front matter paragraphs, a bold label, continuation paragraphs."""
    path = write_docx(tmp_path / "IDI-01.docx", [
        "---", "type: IDI", "participant: P01", "language: en", "---",
        ("title", "Interview with a district official"),
        ("bold", "Interviewer:", " What does the district do?"),
        ("bold", "Mr. Vũ, vice-chair:", " We run literacy classes."),
        "They are in the evening.",
        ("bold", "Interviewer:", " Who comes?"),
        ("bold", "Mr. Vũ, vice-chair:", " Mostly men."),
    ])
    doc = read(path)
    assert doc.id == "IDI-01" and doc.attributes["participant"] == "P01"
    assert speech(doc) == [("Interviewer", "What does the district do?"),
                           ("Mr. Vũ, vice-chair", "We run literacy classes.\nThey are in the evening."),
                           ("Interviewer", "Who comes?"), ("Mr. Vũ, vice-chair", "Mostly men.")]
    assert doc.text.startswith("Interview with a district official\n")


def test_docx_three_column_speaker_table_under_title(tmp_path: Path) -> None:
    """A time | speaker | text table under a title becomes turns rendered as `Label: text` lines."""
    rows = [["Time", "Speaker", "Text"], ["00:00:03", "Interviewer", "Hello."],
            ["00:00:07", "Respondent", "Hello, sister."], ["00:00:12", "Interviewer", "How far is the clinic?"],
            ["00:00:15", "Respondent", "Two hours on foot.\nLonger in the rain."]]
    doc = read(write_docx(tmp_path / "IDI-13.docx", [("title", "IDI-13 transcript"), "Site A, 2019",
                                                    ("table", rows)]))
    assert speech(doc) == [("Interviewer", "Hello."), ("Respondent", "Hello, sister."),
                           ("Interviewer", "How far is the clinic?"),
                           ("Respondent", "Two hours on foot.\nLonger in the rain.")]
    assert [t.timestamp for t in doc.turns] == ["00:00:03", "00:00:07", "00:00:12", "00:00:15"]
    assert "Respondent: Hello, sister." in doc.text
    assert doc.text.startswith("IDI-13 transcript\nSite A, 2019\n")


def test_docx_two_column_table_and_small_table_is_text(tmp_path: Path) -> None:
    """A 2-column speaker table is read as turns; a table with too few rows stays text."""
    rows = [["Lan", "We go to market."], ["Mai", "Sunday only."], ["Lan", "Yes."], ["Mai", "Right."]]
    doc = read(write_docx(tmp_path / "FGD-x.docx", [("table", rows)]))
    assert speech(doc) == [("Lan", "We go to market."), ("Mai", "Sunday only."), ("Lan", "Yes."), ("Mai", "Right.")]
    small = read(write_docx(tmp_path / "small.docx", [("table", [["Site", "A"], ["Date", "2019"]]), "Q: hi",
                                                      "A: yes"]))
    assert small.text.startswith("Site | A\nDate | 2019\n")
    assert speech(small) == [("Q", "hi"), ("A", "yes")]


VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Interviewer>Where do you get water?</v>

00:00:05.000 --> 00:00:09.000
<v Lan>From the stream.</v>

00:00:09.500 --> 00:00:12.000
<v Lan>It takes an hour.

00:00:12.500 --> 00:00:14.000
Every morning.

00:00:15.000 --> 00:00:17.000
<v Lan>Yes.</v> <v Interviewer>Go on.</v>
"""


def test_vtt_voices_merge_split_and_continue(tmp_path: Path) -> None:
    """Consecutive cues of one voice merge, an untagged cue continues, a two-voice cue splits."""
    doc = read(_write(tmp_path / "IDI-20.vtt", VTT))
    assert speech(doc) == [("Interviewer", "Where do you get water?"),
                           ("Lan", "From the stream. It takes an hour. Every morning. Yes."),
                           ("Interviewer", "Go on.")]
    assert [t.timestamp for t in doc.turns] == ["00:00:01", "00:00:05", "00:00:15"]
    assert doc.text.splitlines()[1] == "Lan: From the stream. It takes an hour. Every morning. Yes."


SRT = """1
00:00:01,000 --> 00:00:03,000
Facilitator: Who decides?

2
00:00:04,000 --> 00:00:06,000
Sophal: The men.

3
00:00:06,500 --> 00:00:08,000
Always the men.

4
00:00:09,000 --> 00:00:10,000
Facilitator: Why?

5
00:00:11,000 --> 00:00:12,000
Sophal: Custom.
"""


def test_srt_prefix_labels_and_continuation(tmp_path: Path) -> None:
    """SubRip cues: `Name:` prefixes, a cue without prefix continues the previous speaker."""
    doc = read(_write(tmp_path / "FGD-07.srt", SRT))
    assert speech(doc) == [("Facilitator", "Who decides?"), ("Sophal", "The men. Always the men."),
                           ("Facilitator", "Why?"), ("Sophal", "Custom.")]
    assert doc.turns[1].timestamp == "00:00:04"


def test_pdf_labels_alone_page_markers_tabs(tmp_path: Path) -> None:
    """PDF text: labels alone on their line, page markers like `1/2` dropped, tabs turned to spaces."""
    path = write_pdf(tmp_path / "P9.pdf", [["Interview", "Dan:", "Hello\tthere.", "1/2"],
                                           ["Participant:", "Yes, I agree.", "Page 2 of 2"],
                                           ["Dan:", "Thanks.", "3"]])
    doc = read(path)
    assert speech(doc) == [("Dan", "Hello there."), ("Participant", "Yes, I agree."), ("Dan", "Thanks.")]
    assert "1/2" not in doc.text and "\t" not in doc.text


def test_sentences_are_inside_turns(tmp_path: Path) -> None:
    """Sentences split by spaCy's sentencizer lie inside their turn; paragraphs always split."""
    doc = add_sentences(read(_write(tmp_path / "s.txt", "Q: One. Two? Three!\nA: A long\nline.\n\nNew para\n")))
    q, a = doc.turns
    assert [doc.text[s.start:s.end] for s in q.sentences] == ["One.", "Two?", "Three!"]
    assert [doc.text[s.start:s.end] for s in a.sentences] == ["A long\nline.", "New para"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty file"),
        ("binary.txt", b"Q: hi\x00\x01\x02", "binary"),
        ("bad.docx", b"this is not a zip", "not a Word .docx"),
        ("bad.pdf", b"%PDF-1.4 garbage", "PDF"),
        ("bad.vtt", b"hello\n", "WEBVTT"),
        ("undecodable.txt", b"Q: \x81\x8d\x8f\x90\x9d", "cannot decode"),
    ],
)
def test_bad_files_raise_clear_errors(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    """Corrupt, empty, binary or undecodable files raise InputFileError naming the file."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputFileError) as info:
        read(path)
    assert message in str(info.value)
    assert name in str(info.value)


def test_opening_bracket_starts_the_next_sentence(tmp_path: Path) -> None:
    """A transcriber tag after a full stop belongs to the next sentence, not the end of the last one."""
    doc = add_sentences(read(_write(tmp_path / "b.txt", "Q: Hard?\nA: Some words are hard. [laughs] I learn.\n")))
    assert [doc.text[s.start:s.end] for s in doc.turns[1].sentences] == ["Some words are hard.", "[laughs] I learn."]

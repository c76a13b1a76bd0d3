"""Every word the transcriber wrote reaches the stored text, or a warning says what did not (issue 24): Word's
final view, every subtitle cue, invisible characters, UTF-32, PDF numbers, front matter that cannot be read."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from helpers import write_docx, write_docx_xml, write_pdf

from qualcode.errors import InputFileError
from qualcode.ingest import read_document
from qualcode.project.folder import Config


def read(path: Path):
    return read_document(path, path.name, Config(), {})


def speech(doc) -> list[tuple[str | None, str]]:
    return [(t.label, doc.text[t.start:t.end]) for t in doc.turns]


def warnings(doc) -> str:
    return "\n".join(f"{line}: {message}" for line, message in doc.warnings)


def p(*content: str) -> str:
    return "<w:p>" + "".join(content) + "</w:p>"


def r(text: str, bold: bool = False) -> str:
    return ("<w:r>" + ("<w:rPr><w:b/></w:rPr>" if bold else "") + f'<w:t xml:space="preserve">{text}</w:t></w:r>')


def ins(*runs: str) -> str:
    return '<w:ins w:id="1" w:author="Thu" w:date="2019-01-14T09:00:00Z">' + "".join(runs) + "</w:ins>"


def dele(text: str) -> str:
    return ('<w:del w:id="2" w:author="Thu" w:date="2019-01-14T09:00:00Z"><w:r><w:delText xml:space="preserve">'
            f"{text}</w:delText></w:r></w:del>")


def table(rows: list[list[str]], width: int = 3000) -> str:
    """A table whose cells hold the given block XML."""
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in rows[0])
    body = "".join("<w:tr>" + "".join(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{cell}</w:tc>'
                                      for cell in row) + "</w:tr>" for row in rows)
    return f'<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>'


def text_box(*paragraphs: str) -> str:
    """A floating text box as Word writes it: a DrawingML shape, and a VML copy for older readers."""
    content = "<w:txbxContent>" + "".join(paragraphs) + "</w:txbxContent>"
    return ('<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:inline distT="0" distB="0" '
            'distL="0" distR="0"><wp:extent cx="2000000" cy="500000"/><wp:docPr id="1" name="Text Box 1"/>'
            '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
            '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2000000" '
            f'cy="500000"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr><wps:txbx>{content}'
            '</wps:txbx><wps:bodyPr/></wps:wsp></a:graphicData></a:graphic></wp:inline></w:drawing></mc:Choice>'
            f'<mc:Fallback><w:pict><v:shape style="width:150pt;height:40pt"><v:textbox>{content}</v:textbox>'
            "</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>")


# -- Word ------------------------------------------------------------------------------------------------------

def test_docx_tracked_changes_read_as_words_final_view(tmp_path: Path) -> None:
    """A tracked insertion is read and a deletion is not, a paragraph whose mark was deleted joins the next one,
    as Word's final view shows them, and a warning says the file has tracked changes."""
    body = "".join([
        p(r("I: Do you have papers?")),
        p(r("R: I "), ins(r("do not ")), r("have an ID card"), dele(" at all"), r(".")),
        p(r("I: Why not?")),
        p('<w:pPr><w:rPr><w:del w:id="3" w:author="Thu" w:date="2019-01-14T09:00:00Z"/></w:rPr></w:pPr>',
          r("R: The office is far")),
        p(r(" and the forms are in Vietnamese."), '<w:moveFrom w:id="4" w:author="Thu" w:date="2019-01-14T09:00:00Z">'
          '<w:r><w:t>moved away</w:t></w:r></w:moveFrom>'),
    ])
    doc = read(write_docx_xml(tmp_path / "IDI-30.docx", body))
    assert speech(doc) == [("I", "Do you have papers?"), ("R", "I do not have an ID card."), ("I", "Why not?"),
                           ("R", "The office is far and the forms are in Vietnamese.")]
    assert "tracked changes read as Word's final view (1 insertion kept, 3 deletions left out)" in warnings(doc)


def test_docx_content_controls_fields_smart_tags_and_links(tmp_path: Path) -> None:
    """Text inside content controls (block and inline), smart tags, hyperlinks, simple fields and a complex
    field's shown result is read; a field's instruction and a control still showing its placeholder are not."""
    body = "".join([
        '<w:sdt><w:sdtPr><w:alias w:val="Question"/></w:sdtPr><w:sdtContent>' + p(r("I: Where were you born?"))
        + "</w:sdtContent></w:sdt>",
        p('<w:sdt><w:sdtPr/><w:sdtContent>' + r("R: In Sa Pa, ") + "</w:sdtContent></w:sdt>",
          '<w:smartTag w:uri="urn:schemas-microsoft-com:office:smarttags" w:element="place">' + r("Lào Cai")
          + "</w:smartTag>", r(", in "), '<w:fldSimple w:instr=" DOCPROPERTY year ">' + r("1980") + "</w:fldSimple>",
          r(", near "), '<w:hyperlink w:anchor="x">' + r("the river") + "</w:hyperlink>", r(".")),
        p(r("I: And your village?")),
        p(r("R: It is "), '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> '
          'REF village </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>', r("far away"),
          '<w:r><w:fldChar w:fldCharType="end"/></w:r>', r(".")),
        '<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>' + p(r("Click or tap here to enter text."))
        + "</w:sdtContent></w:sdt>",
    ])
    doc = read(write_docx_xml(tmp_path / "IDI-31.docx", body))
    assert speech(doc) == [("I", "Where were you born?"), ("R", "In Sa Pa, Lào Cai, in 1980, near the river."),
                           ("I", "And your village?"), ("R", "It is far away.")]
    assert "REF" not in doc.text and "Click" not in doc.text


def test_docx_nested_tables_and_text_boxes(tmp_path: Path) -> None:
    """A nested table's cells, a speaker table inside a one-column layout table, and a text box's paragraphs
    (read once, after the paragraph anchoring it) reach the stored text."""
    inner = table([[p(r("rice")), p(r("buffalo"))]])
    speakers = table([[p(r(s)), p(r(t))] for s, t in [("Moderator", "Who sells at the market?"), ("Lan", "I do."),
                                                       ("Moderator", "And Mai?"), ("Mai", "Never.")]])
    body = "".join([
        p(r("Facilitator notes")),
        table([[p(r("Crops:")) + inner]]),
        table([[speakers]]),
        p(r("Moderator:", True), r(" Anything else? "), text_box(p(r("Interpreter: she means the road.")))),
    ])
    doc = read(write_docx_xml(tmp_path / "FGD-30.docx", body))
    assert doc.text.startswith("Facilitator notes\nCrops:\nrice | buffalo\n")
    assert speech(doc) == [("Moderator", "Who sells at the market?"), ("Lan", "I do."), ("Moderator", "And Mai?"),
                           ("Mai", "Never."), ("Moderator", "Anything else?"), ("Interpreter", "she means the road.")]
    assert doc.text.count("she means the road") == 1


def test_docx_merged_speaker_cell_repeats_its_speaker(tmp_path: Path) -> None:
    """In a speaker table, a speaker cell merged down over two rows gives both rows that speaker."""
    rows = [("Moderator", "Who sells at the market?"), ("Lan", "I do."), (None, "On Sundays."),
            ("Moderator", "And Mai?"), ("Mai", "Never.")]
    cells = []
    for i, (speaker, text) in enumerate(rows):
        if speaker is None:
            first = "<w:tcPr><w:vMerge/></w:tcPr>" + p()
        elif i + 1 < len(rows) and rows[i + 1][0] is None:
            first = '<w:tcPr><w:vMerge w:val="restart"/></w:tcPr>' + p(r(speaker))
        else:
            first = p(r(speaker))
        cells.append([first, p(r(text))])
    doc = read(write_docx_xml(tmp_path / "FGD-31.docx", table(cells)))
    assert speech(doc) == [("Moderator", "Who sells at the market?"), ("Lan", "I do."), ("Lan", "On Sundays."),
                           ("Moderator", "And Mai?"), ("Mai", "Never.")]


def test_docx_comments_and_footnotes_are_left_out_with_a_warning(tmp_path: Path) -> None:
    """A reviewer's comment and a footnote are not stored as speech; a warning for each names the line that
    references it."""
    body = "".join([p(r("I: Do you have papers?")), p(r("R: No, I have no ID card.")),
                    p(r("I: Why?"), '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/></w:rPr>'
                      '<w:footnoteReference w:id="1"/></w:r>'), p(r("R: It is far."))])
    path = write_docx_xml(tmp_path / "IDI-32.docx", body, footnotes=["She pointed at the hills."],
                          comment=(1, "Check: no card at all?"))
    doc = read(path)
    assert speech(doc) == [("I", "Do you have papers?"), ("R", "No, I have no ID card."), ("I", "Why?"),
                           ("R", "It is far.")]
    assert "hills" not in doc.text and "Check" not in doc.text
    assert dict(doc.warnings)[2].startswith("1 Word comment (the first on this line) is not read")
    assert dict(doc.warnings)[3].startswith("1 Word footnote (the first on this line) is not read")


def test_docx_tables_nested_past_the_limit_are_refused(tmp_path: Path) -> None:
    """Tables nested 60 deep are refused with a message naming the limit, not walked without end."""
    body = p(r("R: deep"))
    for _ in range(60):
        body = table([[body]])
    with pytest.raises(InputFileError, match="nest more than 50 levels"):
        read(write_docx_xml(tmp_path / "deep.docx", body))


def test_docx_invisible_character_before_a_bold_label(tmp_path: Path) -> None:
    """A zero-width space typed before a bold label in Word neither hides the label nor reaches the text."""
    path = write_docx(tmp_path / "IDI-33.docx", [("bold", "Interviewer:", " Who helps you?"),
                                                 ("bold", "\u200bRespondent:", " My neigh\u00adbours."),
                                                 ("bold", "Interviewer:", " Anyone else?"),
                                                 ("bold", "Respondent:", " No.")])
    doc = read(path)
    assert speech(doc)[1] == ("Respondent", "My neighbours.")


# -- subtitles -------------------------------------------------------------------------------------------------

SRT = """1
00:00:01,000 --> 00:00:03,000
Facilitator: Who decides?

2
00:00:04,000 -> 00:00:06,000
Sophal: The men.

3
00:00:06,500 --> 00:00:08,000
Always the men.

4
00:00:09,000 --> 00:00:10,000
{\\an8}Facilitator: Why?
5
00:00:11,000 --> 00:00:12,000
- Sophal: Custom.
- Facilitator: I see.

And the elders.
"""


def test_srt_odd_arrow_missing_blank_line_and_loose_text(tmp_path: Path) -> None:
    """A cue timed with `->` is read (warning with its line), a cue after a missing blank line is a cue, two
    speakers in one cue get a turn each, override codes go, text without a timing line is kept."""
    doc = read(tmp_path.joinpath("FGD-32.srt").write_text(SRT, encoding="utf-8") and tmp_path / "FGD-32.srt")
    assert speech(doc) == [("Facilitator", "Who decides?"), ("Sophal", "The men. Always the men."),
                           ("Facilitator", "Why?"), ("Sophal", "Custom."), ("Facilitator", "I see. And the elders.")]
    assert [t.timestamp for t in doc.turns][:4] == ["00:00:01", "00:00:04", "00:00:09", "00:00:11"]
    found = dict(doc.warnings)
    assert found[6].startswith("1 cue with an odd timing line ('00:00:04,000 -> 00:00:06,000' here) read as cue")
    assert found[21].startswith("1 block of text without a timing line ('And the elders.' here)")


VTT = """WEBVTT
Kind: captions

NOTE exported by the transcription service

00:00:01.000 --> 00:00:04.000
<v Interviewer>Where do you get water?</v>

00:00:0x.000 --> 00:00:09.000
<v Lan>From the <00:00:06.000>stream, <i>every</i> day &amp; night.</v>

00:00:09.500 --> 00:00:12.000 align:start
<c.yellow>It takes</c> an hour. <laughs>

00:00:12.500 --> 00:00:14.000
<v Interviewer>&lrm;Why?</v>
"""


def test_vtt_bad_timestamp_keeps_its_text_and_timing_tags_go(tmp_path: Path) -> None:
    """A cue whose timing line cannot be read keeps its text and speaker (warning with the line); karaoke
    timing tags and styling tags go, entities are read, an unknown tag like `<laughs>` stays as written."""
    path = tmp_path / "IDI-34.vtt"
    path.write_text(VTT, encoding="utf-8")
    doc = read(path)
    assert speech(doc) == [("Interviewer", "Where do you get water?"),
                           ("Lan", "From the stream, every day & night. It takes an hour. <laughs>"),
                           ("Interviewer", "Why?")]
    assert dict(doc.warnings)[9].startswith("1 timing line qualcode cannot read ('00:00:0x.000 --> 00:00:09.000'")


def test_vtt_cue_right_after_the_header_and_line_break_tags(tmp_path: Path) -> None:
    """A cue written right under `WEBVTT` (no blank line) is read, and a `<br>` separates the words it splits."""
    path = tmp_path / "IDI-41.vtt"
    path.write_text("WEBVTT\n00:00:01.000 --> 00:00:02.000\nI: Hello there<br>friend\n\n00:00:03.000 --> "
                    "00:00:04.000\nR: Yes\n", encoding="utf-8")
    assert speech(read(path)) == [("I", "Hello there friend"), ("R", "Yes")]


def test_subtitles_without_any_readable_time_are_refused(tmp_path: Path) -> None:
    """A file with text but no cue whose time can be read is not a subtitle file: refused, as before."""
    path = tmp_path / "x.srt"
    path.write_text("1\nhello there\n\n2\nstill no times\n\n3\n99:99 --> 00:01:00\nno real time\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="no subtitle cues"):
        read(path)


# -- characters and encodings ----------------------------------------------------------------------------------

@pytest.mark.parametrize("mark", ["\u200b", "\u200f", "\u200e", "\u200d", "\u2060", "\ufeff", "\u202b", "\u2066"])
def test_invisible_character_never_hides_a_speaker_label(tmp_path: Path, mark: str) -> None:
    """An invisible character before a label (zero-width space, bidi mark, joiner, BOM, embedding, isolate)
    leaves the answer R's turn, and is not in the stored text (every offset counts without it)."""
    path = tmp_path / "IDI-35.txt"
    path.write_text(f"I: Do you have a card?\n{mark}R: No{mark}.\nI: Why?\nR: Too far, com\u00admune office.\n",
                    encoding="utf-8")
    doc = read(path)
    assert speech(doc) == [("I", "Do you have a card?"), ("R", "No."), ("I", "Why?"),
                           ("R", "Too far, commune office.")]
    assert doc.text == "I: Do you have a card?\nR: No.\nI: Why?\nR: Too far, commune office.\n"


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")])
def test_utf32_is_detected_by_its_bom(tmp_path: Path, bom: bytes, codec: str) -> None:
    """A UTF-32 file with BOM (either byte order) reads like its UTF-8 twin, not as NUL-interleaved text."""
    path = tmp_path / "IDI-36.txt"
    path.write_bytes(bom + "Q: Chị có khỏe không?\r\nA: Khỏe, cảm ơn. 😊\r\n".encode(codec))
    doc = read(path)
    assert speech(doc) == [("Q", "Chị có khỏe không?"), ("A", "Khỏe, cảm ơn. 😊")]
    assert "\x00" not in doc.text


# -- PDF -------------------------------------------------------------------------------------------------------

def test_pdf_number_is_dropped_only_where_page_numbers_sit(tmp_path: Path) -> None:
    """A lone number in the middle of a page is an answer and kept; at the top or bottom of a page it is a page
    number; a column of line numbers is dropped wherever it sits."""
    path = write_pdf(tmp_path / "IDI-37.pdf", [
        ["2", "Interviewer: How many children do you have?", "Respondent:", "3", "Interviewer: And at school?",
         "Respondent: Two of them.", "- 1 -"],
        ["Interviewer: How old are you?", "Respondent:", "45", "1", "2", "3", "4", "2/2"],
    ])
    doc = read(path)
    assert speech(doc) == [("Interviewer", "How many children do you have?"), ("Respondent", "3"),
                           ("Interviewer", "And at school?"), ("Respondent", "Two of them."),
                           ("Interviewer", "How old are you?"), ("Respondent", "45")]


# -- front matter ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("front, message", [
    ("type: IDI\ndate: 2018-13-45\n", ":3: front matter: '2018-13-45' is not a date (month must be in 1..12)"),
    ("date: 2019-02-30\n", ":2: front matter: '2019-02-30' is not a date (day is out of range for month)"),
    ('site: A\nid: "IDI-38\\nsecond line"\n', ":3: front matter: id must be one line"),
    ("participant: |\n  P07\n  P08\n", ":2: front matter: participant must be one line"),
])
def test_front_matter_date_that_does_not_exist_and_id_over_two_lines(tmp_path: Path, front: str,
                                                                    message: str) -> None:
    """A date that does not exist and an id or participant over two lines are errors naming the file and line
    of the value, never a traceback."""
    path = tmp_path / "IDI-38.txt"
    path.write_text(f"---\n{front}---\nI: Hello?\nR: Hello.\n", encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        read(path)
    assert f"IDI-38.txt{message}" in str(info.value)


def test_front_matter_real_dates_stay_iso(tmp_path: Path) -> None:
    """A real date and date-time are still stored in ISO form, and a quoted impossible date is kept as text."""
    path = tmp_path / "IDI-39.txt"
    path.write_text('---\ndate: 2019-01-14\nrecorded: 2019-01-14 09:30:00\nreviewed: "2018-13-45"\n---\nR: Yes.\n',
                    encoding="utf-8")
    doc = read(path)
    assert (doc.attributes["date"], doc.attributes["recorded"], doc.attributes["reviewed"]) == (
        "2019-01-14", "2019-01-14T09:30:00", "2018-13-45")

"""How a key's names are found (qualcode.codings.name_match): accents, case, invisible characters, whole words,
keep phrases and document ids — one set of rules for `pseudonymise` and `leaks`."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from conftest import REPO

from qualcode.codings.name_match import Matcher, Term
from qualcode.codings.pseudonyms import Pseudonyms, read_key
from qualcode.errors import InputFileError
from qualcode.ingest.encoding import decode

NAME = "Nguyễn Thị Lành"


def _key(*pairs: tuple[str, str | None]) -> Pseudonyms:
    return Pseudonyms(tuple(pairs))


@pytest.mark.parametrize("written", [
    "Nguyen Thi Lanh", "NGUYỄN THỊ LÀNH", "nguyễn thị lành", "Nguyễn Thi Lanh", unicodedata.normalize("NFD", NAME),
    "Nguyễn Thị Là\u00adnh", "Ngu\u200byễn Thị Lành", "Nguyen_Thi_Lanh", "Nguyễn-Thị-Lành", "Nguyễn\u00a0Thị  Lành",
    "Ｎｇｕｙｅｎ Thi Lanh",
])
def test_a_full_name_is_found_however_it_is_written(written: str) -> None:
    """Unaccented, capitalised, decomposed, with a soft hyphen or zero-width space inside, joined by `_` or
    `-`, full-width: every spelling of the full name is replaced whole, the text around it left as it was."""
    key = _key((NAME, "[Name-1]"))
    assert key.apply(f"Ask {written}, please.") == "Ask [Name-1], please."


@pytest.mark.parametrize("written", ["Nguyến Thị Lành", "Nguyễn Thị Lạnh", "Nguyễn Thịnh Lành", "Nguyễn ThịLành"])
def test_other_accents_or_other_words_are_not_the_name(written: str) -> None:
    """A letter with other marks than the key's is another word, and a word joined on is not the term."""
    assert _key((NAME, "[Name-1]")).apply(written) == written


def test_a_capitalised_one_word_term_is_found_only_capitalised() -> None:
    """`Lành` finds `Lành`, `LÀNH` and `Lanh`, not the word `lành` (gentle) nor `lạnh` (cold); a term written in
    lower case in the key is found in any case; ids and lemmas are matched in any case on request."""
    key = _key(("Lành", "[Name-2]"))
    assert key.apply("Lành is hiền lành; LÀNH, Lanh, trời lạnh.") == \
        "[Name-2] is hiền lành; [Name-2], [Name-2], trời lạnh."
    assert key.apply("lành-fgd", any_case=True) == "[Name-2]-fgd"
    assert _key(("lành", "[Name-2]")).apply("Lành, lành") == "[Name-2], [Name-2]"


def test_short_one_word_terms_keep_their_accents() -> None:
    """`Mỹ` does not find the English `My` (nor `Sơn` `Son`, `Đức` `Duc`); four letters and more may lose them
    (`Sung`, `Doan`: đ is d with a stroke)."""
    key = _key(("Mỹ", "[Name-1]"), ("Sơn", "[Name-2]"), ("Sùng", "[Name-3]"), ("Đoàn", "[Name-4]"), ("Đức", "[N-5]"))
    assert key.apply("My children asked Mỹ. Son, ask Sơn.") == "My children asked [Name-1]. Son, ask [Name-2]."
    assert key.apply("Sùng, Sung and Xùng; Doan, DOAN, đoàn.") == \
        "[Name-3], [Name-3] and Xùng; [Name-4], [Name-4], đoàn."
    assert key.apply("Duc and Đức") == "Duc and [N-5]"


def test_whole_words_only_and_the_longest_term_wins() -> None:
    """`Lan` is not in `Land` or `Lành`; initials `H.T.` are not in `H.T.M.`; where terms overlap the longest is
    replaced; `_` and `-` separate words (`Lan_FGD`)."""
    key = _key(("Lan", "[Name-1]"), ("H.T.", "[I-1]"), ("H.T.M.", "[I-2]"), ("Séo Phìn", "[Place-1]"),
               ("Séo", "[Name-3]"))
    assert key.apply("Land, Lành, Lan_FGD, Lan.") == "Land, Lành, [Name-1]_FGD, [Name-1]."
    assert key.apply("H.T.M. and H.T. met in Seo Phin, Séo said") == "[I-2] and [I-1] met in [Place-1], [Name-3] said"


def test_keep_phrases_are_left_as_written_and_win_over_the_name_inside() -> None:
    """A `keep` phrase (`người Hoa`, `Hoa people`) is left as written although it holds the name `Hoa`."""
    key = _key(("Hoa", "[Name-1]"), ("người Hoa", None), ("Hoa people", None))
    assert key.apply("Hoa said the Hoa people, người Hoa, speak Chinese.") == \
        "[Name-1] said the Hoa people, người Hoa, speak Chinese."


def test_document_ids_are_mapped_through_the_key_and_back_without_clashes() -> None:
    """An id holding a term shows it replaced, in any case; two ids that would then show alike are told apart
    by ~2; every text shows the same id, and `original` maps each back."""
    key = _key(("Lành", "[Name-2]")).with_documents(["Lành-FGD", "lanh-fgd", "IDI-01", "[Name-2]-IDI"])
    assert key.document("Lành-FGD") == "[Name-2]-FGD" and key.document("lanh-fgd") == "[Name-2]-fgd"
    assert key.document("IDI-01") == "IDI-01"
    clash = _key(("Lành", "[Name-2]")).with_documents(["Lành-FGD", "Lanh-FGD"])
    assert {clash.document("Lành-FGD"), clash.document("Lanh-FGD")} == {"[Name-2]-FGD", "[Name-2]-FGD~2"}
    assert clash.apply("(Lanh-FGD, turn 2)") == f"({clash.document('Lanh-FGD')}, turn 2)"
    assert clash.original(clash.document("Lanh-FGD")) == "Lanh-FGD" and clash.original("IDI-01") == "IDI-01"


def test_matcher_reports_offsets_in_the_original_text() -> None:
    """Offsets cover the name as written, decomposed accents and invisible characters included."""
    text = "Chị " + unicodedata.normalize("NFD", "Lành") + "\u200b nói"
    found = Matcher([Term("Lành", "[Name-2]")]).find(text)
    assert [(text[s:e].strip("\u200b"), t.text) for s, e, t in found] == [(unicodedata.normalize("NFD", "Lành"),
                                                                            "Lành")]


def test_a_key_whose_replacement_shows_a_term_or_that_keeps_a_name_is_refused(tmp_path: Path) -> None:
    """A replacement holding a term of the key would show it, and a term both kept and replaced is a
    contradiction: both name the key's line."""
    key = tmp_path / "key.csv"
    key.write_text("term,replacement,kind\nHoa,,name\nSéo Phìn,Hoa village,place\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="holds the term 'Hoa'") as caught:
        read_key(key)
    assert caught.value.where.endswith("key.csv:3")
    key.write_text("term,kind\nHoa,name\nHoa,keep\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="both a name and a `keep` phrase"):
        read_key(key)


def test_on_the_sample_study_names_are_found_and_everyday_words_are_not() -> None:
    """With the sample's speakers as a key, the unaccented `Sung` is replaced, while `trung tâm` (centre),
    `chứng minh thư` (ID card), `quan tâm` (care) and the sentences opening with `My` are left as they
    are (before, the lower-case words were replaced and, with accents folded, `Mỹ` would have taken `My`)."""
    key = _key(("Mỹ", "[Name-1]"), ("Tâm", "[Name-2]"), ("Minh", "[Name-3]"), ("Sùng", "[Name-4]"),
               ("Chua", "[Name-5]"))
    texts = [decode(p.read_bytes(), str(p))[0] for p in sorted((REPO / "transcripts").glob("*.txt"))]
    shown = "\n".join(key.apply(t) for t in texts)
    assert "trung tâm" in shown and "chứng minh thư" in shown and "quan tâm" in shown
    assert len(re.findall(r"\bMy\b", shown)) >= 40
    assert "Sung" not in shown and "Sùng" not in shown and "Mỹ" not in shown

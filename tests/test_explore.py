"""`qualcode show`, `search`, `codebook explain` and `words` on small real stores: what a researcher sees of
their transcripts, found with the codebook's own matching."""

from __future__ import annotations

import csv
import json
import math
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import db
from helpers import make_project, place_codings

from qualcode.analysis.keyness import keyness, log_likelihood, log_ratio, top_words
from qualcode.autocode.coder import Coder
from qualcode.autocode.query import Query, find_matches
from qualcode.autocode.run import coding_docs
from qualcode.codebook.load import load_codebook
from qualcode.project.store import open_store

CODEBOOK = """\
codebook: Explore test
version: "1"
unit: sentence
codes:
  - id: language
    label: Language barriers
    color: "#4E79A7"
    definition: Language.
    rules:
      - keywords: [interpreter, illitera*]
      - keywords: [ngôn ngữ]
        lang: vi
    accents: ignore
    children:
      - id: language.literacy
        label: Literacy
        definition: Reading.
  - id: housing
    label: Housing
    color: "#F28E2B"
    definition: Homes.
    rules:
      - keywords: [housing, discrimination]
    fuzzy: 85
"""

IDI = """---
participant: P01
---
[00:00:05] Interviewer: Is there an interpreter at the clinic?
[00:00:12] Respondent: No interpreter. My mother is illiterate, she cannot read the forms. <script>alert(1)</script>
Interviewer: And the house?
Respondent: The in-house team did the repairs. We talked about discrimnation too. The interpreters left.
"""

IDI_VI = """---
participant: P02
language: vi
---
PV: Chị nói về ngôn ngữ được không?
ND: Ở xã, người dân tộc thiểu số gặp khó khăn về ngôn ngữ. Cán bộ chỉ nói tiếng Kinh, tiếng Kinh khó lắm.
"""

PARTICIPANTS = "participant,gender\nP01,female\nP02,male\n"


@pytest.fixture
def explore(tmp_path: Path) -> Path:
    """An ingested two-interview project (English and Vietnamese) with the coder `lan` configured."""
    make_project(tmp_path, {"IDI-01.txt": IDI, "IDI-02.txt": IDI_VI}, CODEBOOK, PARTICIPANTS,
                 config='coder = "lan"\n')
    return tmp_path


def codings(project: Path) -> list[tuple]:
    return db(project).execute("SELECT document, code, coder, status, origin, text FROM codings "
                               "ORDER BY id").fetchall()


# -- show ------------------------------------------------------------------------------------------------------
def test_show_prints_turns_with_numbers_speakers_participants_and_timestamps(explore: Path, cli) -> None:
    """`show` prints each turn's number, label, participant id (or interviewer) and timestamp, then its speech."""
    result = cli("show", "IDI-01", "--project", explore)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "[1] Interviewer [interviewer] 00:00:05" in out
    assert "[2] Respondent [P01] 00:00:12" in out
    assert "    No interpreter. My mother is illiterate" in out
    assert out.index("[1]") < out.index("[2]") < out.index("[3]") < out.index("[4]")


def test_show_turns_range_and_its_errors(explore: Path, cli) -> None:
    """`--turns 2-3` shows those turns only; a range outside the document or unreadable is a usage error."""
    out = cli("show", "idi-01.txt", "--turns", "2-3", "--project", explore).stdout
    assert "[2] " in out and "[3] " in out and "[1] " not in out and "[4] " not in out
    assert cli("show", "IDI-01", "--turns", "4", "--project", explore).stdout.count("\n[") == 1
    bad = cli("show", "IDI-01", "--turns", "9-12", "--project", explore)
    assert bad.exit_code == 2 and "the document has turns 1–4" in bad.stderr
    assert cli("show", "IDI-01", "--turns", "x", "--project", explore).exit_code == 2
    unknown = cli("show", "IDI-1", "--project", explore)
    assert unknown.exit_code == 2 and "did you mean 'IDI-01'" in unknown.stderr


def test_show_codes_follows_the_report_selection(explore: Path, cli) -> None:
    """`--codes` marks reviewed codings by default; suggestions only with --include-suggestions, with a warning."""
    assert cli("code", "--project", explore).exit_code == 0
    cli("tag", "IDI-01", "4", "housing", "--project", explore)
    reviewed = cli("show", "IDI-01", "--codes", "--project", explore)
    assert reviewed.exit_code == 0, reviewed.output
    assert "= housing (lan, accepted)" in reviewed.stdout
    assert "(auto, suggested)" not in reviewed.stdout
    assert "⟦The in-house team did the repairs." in reviewed.stdout
    draft = cli("show", "IDI-01", "--codes", "--include-suggestions", "--project", explore)
    assert "= language (auto, suggested): “No interpreter.”" in draft.stdout
    assert "draft" in draft.stderr


class _Page(HTMLParser):
    """The marks of a coded-document page: (data-codes, title, text), the legend items and the banner."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[list[str]] = []
        self.legend: list[str] = []
        self.draft = False
        self.scripts = 0
        self._open: list[str] | None = None
        self._in_legend = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "mark":
            self._open = [attrs.get("data-codes", ""), attrs.get("title", ""), ""]
        elif tag == "ul" and attrs.get("class") == "legend":
            self._in_legend = True
        elif tag == "p" and attrs.get("class") == "draft":
            self.draft = True
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag):
        if tag == "mark" and self._open is not None:
            self.marks.append(self._open)
            self._open = None
        elif tag == "ul":
            self._in_legend = False

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data
        elif self._in_legend and data.strip():
            self.legend.append(data.strip())


def test_show_html_page_highlights_codes_with_hover_legend_and_escaping(explore: Path, cli) -> None:
    """`-o page.html` writes one page: a mark per coded piece whose title names code, coder, status and rule,
    a legend with the codes' labels, the draft banner for suggestions, and transcript markup as text."""
    cli("code", "--project", explore)
    cli("tag", "IDI-01", "4", "housing", "--project", explore)
    page_path = explore / "out" / "sub" / "IDI-01.html"
    result = cli("show", "IDI-01", "-o", page_path, "--include-suggestions", "--project", explore)
    assert result.exit_code == 0, result.output
    assert f"wrote {page_path}" in result.stdout
    text = page_path.read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    assert page.draft and page.scripts == 0 and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    by_code: dict[str, list[str]] = {}
    for mark in page.marks:
        by_code.setdefault(mark[0], mark)
    assert by_code["language"][2] == "No interpreter."
    assert "coder: auto" in by_code["language"][1] and "status: suggested" in by_code["language"][1]
    assert 'rule: codes[0].rules[0] keyword "interpreter"' in by_code["language"][1]
    assert "coder: lan" in by_code["housing"][1] and "status: accepted" in by_code["housing"][1]
    assert any(" " in m[0] for m in page.marks), "overlapping codings share a striped mark"
    assert "Language barriers (language) · 3" in page.legend and "Housing (housing) · 3" in page.legend
    reviewed = explore / "reviewed.html"
    cli("show", "IDI-01", "-o", reviewed, "--project", explore)
    again = _Page()
    again.feed(reviewed.read_text(encoding="utf-8"))
    assert not again.draft and [m[0] for m in again.marks] == ["housing"]
    assert cli("show", "IDI-01", "-o", explore / "x.pdf", "--project", explore).exit_code == 2


def _browser() -> str | None:
    return next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)),
                None)


@pytest.mark.skipif(_browser() is None, reason="no headless Chromium (chromium, chromium-browser or "
                    "google-chrome) on this machine")
def test_show_html_renders_highlights_in_a_real_browser(explore: Path, cli) -> None:
    """Headless Chromium renders the page with its highlighted marks in the DOM, coloured by code."""
    cli("code", "--project", explore)
    page = explore / "page.html"
    cli("show", "IDI-01", "-o", page, "--include-suggestions", "--project", explore)
    run = subprocess.run([_browser(), "--headless", "--disable-gpu", "--no-sandbox", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=60)
    assert '<mark class="coded" data-codes="language"' in run.stdout
    assert "rgba(78, 121, 167" in run.stdout  # the codebook's #4E79A7


# -- search -------------------------------------------------------------------------------------------------
def test_search_matches_like_a_codebook_keyword_of_unit_match(explore: Path) -> None:
    """A search finds exactly the spans a one-keyword code of unit match would code, on every turn."""
    store = open_store(explore / ".qualcode" / "qualcode.db")
    coder = Coder(coding_docs(store))
    store.close()
    book = load_codebook(explore / "codebook.yaml").codebook
    rule = [s for s in coder.apply(book, unit="match", ignore_speakers=True) if s.rule.endswith('"interpreter"')]
    hits = find_matches(coder, Query("interpreter", accents="ignore"))
    assert [(m.document, m.start, m.end) for m in hits] == [(s.document, s.start, s.end) for s in rule]
    assert len(hits) == 3  # interpreter ×2 and interpreters, interviewer turn included


def test_search_cli_lemmas_exact_wildcard_fuzzy_pattern_and_accents(explore: Path, cli) -> None:
    """Lemmas by default, --exact forms only, `*` wildcards, --fuzzy, --pattern, and Vietnamese found with
    or without diacritics."""
    def hits(*args: str) -> list[str]:
        result = cli("search", *args, "--project", explore)
        assert result.exit_code == 0, result.output
        return [line for line in result.stdout.splitlines() if "⟦" in line]

    assert len(hits("interpreter")) == 3
    assert len(hits("interpreter", "--exact")) == 2
    assert [h.split("⟦")[1].split("⟧")[0] for h in hits("illit*")] == ["illiterate"]
    assert any("⟦discrimnation⟧" in h for h in hits("discrimination", "--fuzzy", "85"))
    assert hits("discrimination") == []
    assert any("⟦cannot read⟧" in h for h in hits("can(not|'t) read", "--pattern"))
    assert len(hits("ngon ngu")) == 2 and len(hits("ngôn ngữ")) == 2
    assert hits("ngon ngu", "--accents", "keep") == []
    assert len(hits("ngon ngu", "--speaker", "participant")) == 1
    first, line = hits("housing")
    assert first.split()[:3] == ["IDI-01", "3", "interviewer"] and "⟦house⟧?" in first
    assert line.split()[:3] == ["IDI-01", "4", "P01"] and "in-⟦house⟧ team" in line
    bad = cli("search", "ill*it", "--project", explore)
    assert bad.exit_code == 2 and "misplaced '*'" in bad.stderr
    assert cli("search", "(", "--pattern", "--project", explore).exit_code == 2


def test_search_code_and_uncoded_filters_use_the_selected_codings(explore: Path, cli) -> None:
    """`--code X` keeps hits inside codings of X or a child; `--uncoded` keeps the others."""
    project = make_project(explore, {"IDI-01.txt": IDI, "IDI-02.txt": IDI_VI}, CODEBOOK, PARTICIPANTS)
    place_codings(project, [("IDI-01", "My mother is illiterate, she cannot read the forms.", "language.literacy",
                             "lan", "accepted")])
    inside = cli("search", "read", "--code", "language", "--project", explore)
    assert inside.exit_code == 0, inside.output
    assert "⟦read⟧" in inside.stdout and "1 hit of “read”" in inside.stdout
    outside = cli("search", "interpreter", "--uncoded", "--project", explore)
    assert outside.stdout.count("⟦") == 3
    none = cli("search", "read", "--uncoded", "--project", explore)
    assert "0 hits" in none.stdout
    both = cli("search", "read", "--code", "language", "--uncoded", "--project", explore)
    assert both.exit_code == 2


def test_search_exports_by_suffix(explore: Path, cli) -> None:
    """`-o` writes the hits with document, turn, participant, left, match and right columns (.csv, .json)."""
    out = explore / "out" / "hits.csv"
    assert cli("search", "interpreter", "-o", out, "--project", explore).exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["participant"] for r in rows] == ["interviewer", "P01", "P01"]
    assert rows[1]["match"] == "interpreter" and rows[1]["right"].startswith(". My mother")
    cli("search", "interpreter", "-o", explore / "hits.json", "--project", explore)
    data = json.loads((explore / "hits.json").read_text(encoding="utf-8"))
    assert len(data["rows"]) == 3 and data["notes"][0].startswith("3 hits")


def test_search_tag_codes_the_hits_once_and_they_show_up(explore: Path, cli) -> None:
    """`--tag CODE --coder NAME` adds human codings of the hits' sentences (not on interviewer turns), says how
    many; a second run adds none; `show`, `matrix` and `quotes` see them."""
    first = cli("search", "interpreter", "--tag", "Literacy", "--coder", "minh", "--project", explore)
    assert first.exit_code == 0, first.output
    assert "tagged 2 sentences with language.literacy as minh (0 already coded so)" in first.stdout
    assert "1 hit on interviewer turns not coded" in first.stderr
    assert codings(explore) == [
        ("IDI-01", "language.literacy", "minh", "accepted", "search", "No interpreter."),
        ("IDI-01", "language.literacy", "minh", "accepted", "search", "The interpreters left.")]
    second = cli("search", "interpreter", "--tag", "language.literacy", "--coder", "minh", "--project", explore)
    assert "tagged 0 sentences with language.literacy as minh (2 already coded so)" in second.stdout
    cli("search", "interpreter", "--tag", "language", "--unit", "match", "--project", explore)
    assert ("IDI-01", "language", "lan", "accepted", "search", "interpreters") in codings(explore)
    assert "= language.literacy (minh, accepted): “No interpreter.”" in cli(
        "show", "IDI-01", "--codes", "--project", explore).stdout
    matrix = cli("matrix", "--by", "gender", "-o", explore / "m.csv", "--project", explore)
    assert matrix.exit_code == 0, matrix.output
    rows = {r["code"]: r for r in csv.DictReader((explore / "m.csv").open(encoding="utf-8"))}
    assert rows["language.literacy"]["female"] == "1"
    assert "The interpreters left." in cli("quotes", "literacy", "--project", explore).stdout
    assert cli("search", "x", "--tag", "nope", "--coder", "minh", "--project", explore).exit_code == 2


# -- codebook explain -------------------------------------------------------------------------------------------
def test_explain_shows_which_variant_matched(explore: Path, cli) -> None:
    """`codebook explain` counts each keyword's matches by the form that matched and why: form, lemma
    (`housing` catches "in-house"), wildcard, fuzzy ratio, accents ignored."""
    housing = cli("codebook", "explain", "Housing", "--project", explore)
    assert housing.exit_code == 0, housing.output
    out = housing.stdout
    assert 'keyword “housing”: 1 match in 1 sentence' in out
    assert 'house      1  lemma "house"' in out
    assert "IDI-01 turn 4: The in-⟦house⟧ team did the repairs." in out
    assert "discrimnation" in out and "fuzzy (ratio 96)" in out
    language = cli("codebook", "explain", "language", "--project", explore).stdout
    assert "illiterate      1  wildcard" in language
    assert "interpreters      1  lemma \"interpreter\"" in language
    assert "ngôn ngữ      1  form" in language
    assert "its rules code 4 sentences" in language  # the respondent sentences `code` suggests
    assert cli("codebook", "explain", "nope", "--project", explore).exit_code == 2


def test_explain_reasons_with_folded_accents(explore: Path) -> None:
    """A keyword written without diacritics matches through folding, and explain says so."""
    import qualcode

    (explore / "codebook.yaml").write_text(CODEBOOK.replace("[ngôn ngữ]", "[ngon ngu]"), encoding="utf-8")
    found = qualcode.open_project(explore).explain_code("language")
    term = next(t for t in found.terms if t.term == "ngon ngu")
    assert [(v.text, v.reason, v.count) for v in term.variants] == [("ngôn ngữ", "form, accents ignored", 1)]


# -- words ------------------------------------------------------------------------------------------------------
def test_keyness_matches_a_hand_computation() -> None:
    """G2, log ratio and p equal the textbook formulas worked by hand, a zero count taken as 0.5."""
    # a=10 in c=1000 words, b=5 in d=2000: E1 = 1000*15/3000 = 5, E2 = 10
    assert log_likelihood(10, 5, 1000, 2000) == pytest.approx(2 * (10 * math.log(2) + 5 * math.log(0.5)))
    assert log_likelihood(10, 5, 1000, 2000) == pytest.approx(6.931472, abs=1e-6)
    assert log_ratio(10, 5, 1000, 2000) == pytest.approx(2.0)
    assert log_ratio(4, 0, 100, 100) == pytest.approx(math.log2(4 / 0.5))
    frame = keyness({("f", "water"): 10, ("m", "water"): 5, ("f", "rice"): 1}, {"f": 1000, "m": 2000}, ["f", "m"])
    water = frame[(frame.group == "f") & (frame.lemma == "water")].iloc[0]
    assert (water["count"], water["rest_count"], water["per_10k"], water["rest_per_10k"]) == (10, 5, 100.0, 25.0)
    assert water["g2"] == pytest.approx(6.931) and water["log_ratio"] == pytest.approx(2.0)
    assert water["p"] == pytest.approx(math.erfc(math.sqrt(6.931472 / 2)), abs=1e-6)
    m = frame[frame.group == "m"].iloc[0]
    assert m["log_ratio"] == pytest.approx(-2.0) and m["g2"] == pytest.approx(6.931)
    assert list(top_words(frame, 1, "keyness")["lemma"]) == ["water", "rice"][:1] + []  # m has no key word
    single = keyness({("all", "x"): 3}, {"all": 10})
    assert math.isnan(single.iloc[0]["g2"])


def test_words_counts_lemmas_of_respondents_without_stop_words(explore: Path, cli) -> None:
    """`words --by gender` lists lemmas of respondent speech only, no stop words or transcriber's notes,
    Vietnamese multi-syllable words whole, with each group's size; -o and --plot write files."""
    import qualcode

    frame = qualcode.open_project(explore).words("Gender", top=50)
    female = dict(zip(frame[frame.group == "female"].lemma, frame[frame.group == "female"]["count"]))
    male = dict(zip(frame[frame.group == "male"].lemma, frame[frame.group == "male"]["count"]))
    assert female["interpreter"] == 2 and "the" not in female and "clinic" not in female  # clinic: interviewer
    assert male["ngôn ngữ"] == 1 and male["dân tộc thiểu số"] == 1 and male["tiếng"] == 2
    assert "về" not in male and "chị" not in male  # Vietnamese stop words
    assert frame.attrs["groups"]["male"]["words"] == 23  # syllables of the respondent turn, as SPEC counts words
    out = explore / "out" / "words.csv"
    result = cli("words", "--by", "gender", "--top", "3", "-o", out, "--plot", explore / "w.png",
                 "--project", explore)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["group", "lemma", "count", "per_10k", "rest_count", "rest_per_10k", "g2",
                             "log_ratio", "p"]
    assert len(rows) == 6 and (explore / "w.png").read_bytes()[:4] == b"\x89PNG"
    unknown = cli("words", "--by", "gendr", "--project", explore)
    assert unknown.exit_code == 2 and "did you mean 'gender'" in unknown.stderr


def test_words_notes_spare_bracketed_notes() -> None:
    """Transcriber's notes in brackets are not words of speech (`[laughs]` is not the lemma laugh)."""
    from qualcode.analysis.lemma_counts import NOTE

    assert NOTE.sub("", "Yes [laughs] we go [in Hmong, long] home") == "Yes  we go  home"


# -- real transcripts -------------------------------------------------------------------------------------------
def test_explore_commands_on_real_transcripts(tmp_path: Path, shared_real: Path, cli) -> None:
    """show, search, explain and words work on a real committee session and a real PDPilot interview."""
    folder = tmp_path / "transcripts"
    folder.mkdir()
    shutil.copy(shared_real / "qmsum-welsh-committee-multispeaker" / "transcripts_txt" / "education_5.txt", folder)
    shutil.copy(shared_real / "pdpilot-interviews-coded" / "transcripts_txt" / "P1.txt", folder)
    shutil.copytree(Path(__file__).resolve().parents[1] / "codebooks", tmp_path / "codebooks")
    (tmp_path / "qualcode.toml").write_text('[project]\ncodebook = "codebooks/barriers.yaml"\n', encoding="utf-8")
    assert cli("ingest", "--project", tmp_path).exit_code in (0, 1)
    shown = cli("show", "education_5", "--turns", "1-3", "--project", tmp_path)
    assert shown.exit_code == 0 and shown.stdout.count("\n[") == 3
    meals = cli("search", "free school meal*", "--project", tmp_path)
    assert meals.exit_code == 0 and meals.stdout.count("⟦free school meals⟧") >= 5
    assert "P1  " in cli("search", "plot", "--project", tmp_path).stdout
    assert cli("code", "--project", tmp_path).exit_code == 0
    explained = cli("codebook", "explain", "language", "--project", tmp_path)
    assert explained.exit_code == 0 and explained.stdout.startswith("language — Language barriers")
    words = cli("words", "--by", "document", "--sort", "keyness", "--top", "5", "-o", tmp_path / "w.csv",
                "--project", tmp_path)
    assert words.exit_code == 0, words.output
    rows = list(csv.DictReader((tmp_path / "w.csv").open(encoding="utf-8")))
    assert {r["group"] for r in rows} == {"education_5", "P1"} and all(float(r["g2"]) > 0 for r in rows)


def test_explain_patterns_all_groups_and_not(explore: Path, cli) -> None:
    """Patterns are counted by the text they matched; `all` group words and `not` words get their own lines."""
    (explore / "other.yaml").write_text("""\
codebook: Other
version: "1"
codes:
  - id: literacy
    label: Literacy
    definition: Reading.
    rules:
      - pattern: 'can(not|''t) read'
      - all: [[mother, father], [illiterate]]
    not: [weather, repairs]
""", encoding="utf-8")
    result = cli("codebook", "explain", "literacy", "--codebook", explore / "other.yaml", "--project", explore)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "codes[0].rules[0] pattern “can(not|'t) read”: 1 match in 1 sentence" in out
    assert "cannot read      1  pattern" in out
    assert "codes[0].rules[1].all[0] all-group keyword “mother”: 1 match" in out
    assert "codes[0].not not (excludes) “repairs”: 1 match" in out
    assert "no match in the corpus: “father”, “weather”" in out
    assert "its rules code 1 sentence\n" in out  # the pattern and the all rule meet in one sentence

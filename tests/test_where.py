"""`--where EXPR`: the grammar, its errors, and the participants it keeps in every report and export, checked
against hand counts on a small interview and focus group."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_project, place_codings
from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.codings.where import All, Any, Compare, Not, parse_where
from qualcode.errors import UsageError

CODEBOOK = """\
codebook: Where test
version: "1"
codes:
  - id: language
    label: Language barriers
    definition: Language.
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
I: And at home?
R: Too much housework, every single day.
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
"""

PARTICIPANTS = """participant,document,speaker,gender,ethnicity,position
P01,,,female,Hmong,community member
P02,FGD-01,Minh,male,Kinh,commune official
P03,FGD-01,Lan,female,Kinh,community member
"""

CODINGS = [
    ("IDI-01", "I cannot read the forms.", "language", "lan", "accepted"),
    ("IDI-01", "Too much housework, every single day.", "workload", "lan", "accepted"),
    ("FGD-01", "I never learned to read.", "language", "lan", "accepted"),
    ("FGD-01", "Announcements are in Vietnamese only.", "language", "lan", "accepted"),
    ("FGD-01", "Also too much housework.", "workload", "lan", "accepted"),
    ("FGD-01", "Same for me, housework all day.", "workload", "lan", "accepted"),  # Ba: no participant row
]


@pytest.fixture
def study(tmp_path: Path):
    """The interview and focus group above, hand-coded by lan; gender labelled in qualcode.toml."""
    project = make_project(tmp_path, {"IDI-01.txt": IDI, "FGD-01.txt": FGD}, CODEBOOK, PARTICIPANTS,
                           config='[attributes]\ngender.female = "Women"\ngender.male = "Men"\n')
    place_codings(project, CODINGS)
    return project


def _truth(expression: str, **values: str) -> bool:
    """Evaluate ``expression`` for one participant whose attributes are ``values``."""
    return parse_where(expression).test(lambda name: frozenset({values[name].casefold()}))


def test_precedence_is_not_then_and_then_or() -> None:
    """`not` binds tightest, then `and`, then `or`; parentheses regroup."""
    assert parse_where("a = x or b = y and not c = z") == Any((
        Compare("a", ("x",)), All((Compare("b", ("y",)), Not(Compare("c", ("z",)))))))
    assert parse_where("(a = x or b = y) and c != z") == All((
        Any((Compare("a", ("x",)), Compare("b", ("y",)))), Compare("c", ("z",), negated=True)))
    assert parse_where("not not a = x") == Compare("a", ("x",))
    assert parse_where("not " * 401 + "a = x") == Not(Compare("a", ("x",)))  # a loop, not recursion


def test_values_bare_multiword_quoted_and_lists() -> None:
    """Bare values run to the next operator or keyword; quoted values keep spaces, keywords and escapes;
    `in` and `not in` take lists."""
    assert parse_where("position = community member and gender = female") == All((
        Compare("position", ("community member",)), Compare("gender", ("female",))))
    assert parse_where("site = 'Site A' or name = \"and\"") == Any((
        Compare("site", ("Site A",)), Compare("name", ("and",))))
    assert parse_where(r"note = 'it\'s'") == Compare("note", ("it's",))
    assert parse_where("ethnicity in (Hmong, Dao, 'Khmer Krom')") == Compare("ethnicity", ("Hmong", "Dao",
                                                                                       "Khmer Krom"))
    assert parse_where("ethnicity NOT IN (Kinh)") == Compare("ethnicity", ("Kinh",), negated=True)
    assert parse_where("gender == female") == Compare("gender", ("female",))


@pytest.mark.parametrize(("expression", "values", "expected"), [
    ("gender = female", {"gender": "Female"}, True),
    ("gender != female", {"gender": "female"}, False),
    ("gender = female and site = B", {"gender": "female", "site": "A"}, False),
    ("gender = female or site = B", {"gender": "male", "site": "b"}, True),
    ("not (gender = female or site = B)", {"gender": "male", "site": "A"}, True),
    ("ethnicity in (Hmong, Dao)", {"ethnicity": "dao"}, True),
    ("ethnicity not in (Hmong, Dao)", {"ethnicity": "Kinh"}, True),
])
def test_truth_table(expression: str, values: dict, expected: bool) -> None:
    """Comparisons ignore case and combine as boolean logic."""
    assert _truth(expression, **values) is expected


@pytest.mark.parametrize(("expression", "message"), [
    ("", "the expression is empty"),
    ("   ", "the expression is empty"),
    ("gender = 'female", "unterminated quote at column 10"),
    ("gender =", "expected a value (quote it if it is a word like 'and') at column 9, found the end"),
    ("gender female", "expected '=', '!=', 'in' or 'not in' after the attribute at column 8, found 'female'"),
    ("gender = female and", "expected an attribute name or '(' at column 20, found the end"),
    ("(gender = female", "expected ')' at column 17, found the end"),
    ("gender = female)", "expected 'and', 'or' or the end at column 16, found ')'"),
    ("gender in female", "expected '(' after 'in' at column 11, found 'female'"),
    ("gender in (a b", "expected ',' or ')' at column 15, found the end"),
    ("gender = and", "expected a value"),
    ("= female", "expected an attribute name or '(' at column 1, found '='"),
    ("gender ! female", "unexpected '!' at column 8"),
    ("__import__('os').system('x') = 1", "expected '=', '!=', 'in' or 'not in'"),
    ("x = " + "y" * 3000, "longer than 2000 characters"),
    ("(" * 300 + "a = b" + ")" * 300, "parentheses nested deeper than 50 at column 51"),
])
def test_syntax_errors_name_their_column(expression: str, message: str) -> None:
    """A malformed expression is a usage error saying what was expected where — never evaluated as Python."""
    with pytest.raises(UsageError, match="--where: ") as caught:
        parse_where(expression)
    assert message in str(caught.value)


def test_matrix_counts_only_the_kept_participants(study) -> None:
    """`gender = female` keeps P01 and Lan (P03) of four speakers (Ba has no row): only their codings count,
    and only they are in the n."""
    frame = study.matrix("gender", where="gender = female")
    counts = frame.set_index("code")[["Women", "Total"]].to_dict("index")
    assert counts == {"language": {"Women": 2, "Total": 2}, "workload": {"Women": 2, "Total": 2}}
    assert "participants where gender = female: 2 of 4 participants" in frame.attrs["selection"]
    percent = study.matrix("gender", percent=True, where="gender = female")
    assert list(percent.columns[3:]) == ["Women (n=2)", "Total (n=2)"]


def test_missing_values_are_not_equal_to_a_value(study) -> None:
    """`gender != female` keeps Minh and the unmapped Ba (gender missing); `(missing)` can be asked for."""
    frame = study.matrix("gender", where="gender != female").set_index("code")
    assert frame.loc["language", "Total"] == 1 and frame.loc["workload", "Total"] == 1  # Minh; Ba
    assert frame.loc["workload", "(missing)"] == 1
    only_ba = study.codings(where="gender = '(missing)'")
    assert list(only_ba["text"]) == ["Same for me, housework all day."]


def test_labels_document_attributes_and_case(study) -> None:
    """A value may be written as its label, any attribute (front matter too) in any case."""
    assert len(study.codings(where="GENDER = women")) == 4
    assert sorted(study.codings(where="site = 'site a'")["text"]) == ["I cannot read the forms.",
                                                                       "Too much housework, every single day."]
    assert len(study.codings(where="type = FGD and position = community member")) == 2  # Lan's two


def test_unknown_names_and_values_suggest_the_closest(study) -> None:
    """An unknown attribute or value is a usage error with "did you mean" and what exists."""
    with pytest.raises(UsageError, match=r"unknown attribute 'gendr' \(did you mean 'gender'\?\); available: "
                                         r"gender, ethnicity, position"):
        study.matrix("gender", where="gendr = female")
    with pytest.raises(UsageError, match=r"no participant has ethnicity 'Hmnog' \(did you mean 'Hmong'\?\); "
                                         r"values of ethnicity: \(missing\), Hmong, Kinh"):
        study.matrix("gender", where="ethnicity = Hmnog")


def test_exports_quotes_and_appendix_follow_where(study, tmp_path: Path) -> None:
    """codings export, quotes and the appendix keep only the kept participants' words, and say so."""
    result = study.export_codings(tmp_path / "out" / "c.csv", where="ethnicity = Hmong")
    assert result.count == 2 and "where ethnicity = Hmong: 1 of 4 participants" in result.selection
    texts = [q.text for q in study.quotes("workload", where="position != commune official")]
    assert texts == ["Also too much housework.", "Same for me, housework all day.",
                     "Too much housework, every single day."]
    content = study.appendix(tmp_path / "a.md", where="gender = male")
    quoted = [q.text for s in content.sections for _, qs in s.groups for q in qs]
    assert quoted == ["Announcements are in Vietnamese only."]
    assert "where gender = male: 1 of 4 participants" in (tmp_path / "a.md").read_text(encoding="utf-8")


def test_a_span_over_several_speakers_quotes_only_the_kept_ones(study) -> None:
    """A coding across Lan's and Minh's turns, filtered to women, quotes Lan's words and not Minh's."""
    place_codings(study, [("FGD-01", "I never learned to read.\nMinh: Announcements are in Vietnamese only.",
                           "workload", "lan", "accepted")])
    found = study.quotes("workload", where="gender = female")
    spoken = [p.text for q in found for p in q.parts if p.kind == "speech"]
    assert "I never learned to read." in spoken and "Announcements are in Vietnamese only." not in spoken


def test_cli_where_on_every_report(study, cli) -> None:
    """matrix, cooccur, quotes, appendix and codings export take --where; a bad one is exit 2."""
    root = str(study.root)
    for args in (["matrix"], ["cooccur"], ["quotes", "language"], ["codings", "export"],
                 ["appendix", "-o", str(study.root / "out" / "a.html")]):
        ok = cli(*args, "--where", "gender = female", "--project", root)
        assert ok.exit_code == 0, (args, ok.output)
        bad = cli(*args, "--where", "gender = femal", "--project", root)
        assert bad.exit_code == 2 and "did you mean 'female'?" in bad.output, (args, bad.output)


def test_search_and_words_follow_where(study) -> None:
    """search keeps the hits in turns of the kept participants (no interviewer lines); words counts only
    their speech."""
    everyone = study.search("housework")
    women = study.search("housework", where="gender = female")
    assert len(everyone.hits) == 3 and len(women.hits) == 2
    assert {h.participant for h in women.hits} == {"P01", "P03"}
    assert list(study.search("stops", where="gender = female").hits) == []  # only the facilitator says it
    lemmas = set(study.words(where="gender = male")["lemma"])
    assert "announcement" in lemmas and "housework" not in lemmas


WORDS = st.sampled_from(["gender", "female", "=", "!=", "in", "not", "and", "or", "(", ")", ",", "'Site A'",
                         '"x', "community member", "==", "!", "\\", "é", "__import__('os')"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(WORDS, max_size=12).map(" ".join)))
def test_any_text_parses_or_is_a_usage_error(text: str) -> None:
    """Arbitrary text and shuffled grammar words give an expression or a UsageError naming --where — never
    another exception, never a hang."""
    try:
        expression = parse_where(text)
    except UsageError as exc:
        assert str(exc).startswith("--where: ")
    else:
        assert list(expression.comparisons())

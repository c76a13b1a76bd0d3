"""`qualcode codebook check`: every problem at once, each with its file, line, column and path."""

from __future__ import annotations

from pathlib import Path

from conftest import db

GOOD = """\
codebook: Test barriers
version: "1.0"
language: en
unit: sentence
codes:
  - id: language
    label: Language barriers
    color: "#4E79A7"
    definition: Difficulties caused by language.
    examples: ["The staff only speak Kinh, so I cannot explain my illness."]
    counterexamples: ["We talked about the weather."]
    rules:
      - keywords: [language, interpreter, "speak Kinh", illitera*]
      - keywords: [ngôn ngữ, phiên dịch]
        lang: vi
    children:
      - id: language.literacy
        label: Literacy
        definition: Reading and writing.
        rules:
          - pattern: '\\bcan(?:not|''t) (?:read|write)\\b'
groups:
  barriers: [language]
"""

BAD = """\
codebook: Broken
version: "1.0"
codes:
  - id: language
    label: Language
    colour: "#4E79A7"
    color: red
    definition: x
    rules:
      - keywords: [language, "inter*preter"]
      - pattern: '(unbalanced'
      - {}
      - keywords: [x]
        pattern: y
    children:
      - id: language
        label: Child repeats parent
        definition: y
  - id: prejudice
    label: Prejudice
    rules:
      - keywords: []
  - id: language
    label: Duplicate
    definition: z
groups:
  barriers: [languages]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_codebook_passes(tmp_path: Path, cli) -> None:
    """A valid codebook whose examples match and counterexamples do not passes with exit 0."""
    result = cli("codebook", "check", _write(tmp_path, GOOD), "--project", tmp_path)
    assert result.exit_code == 0, result.output
    assert "codebook.yaml: ok — 0 errors, 0 warnings" in result.stdout


def test_every_problem_is_listed_with_its_place(tmp_path: Path, cli) -> None:
    """Unknown keys, bad colours, misplaced *, bad regex, empty and mixed rules, duplicate ids: all at once."""
    result = cli("codebook", "check", _write(tmp_path, BAD), "--project", tmp_path)
    assert result.exit_code == 1
    err = result.stderr
    expected = [
        "codebook.yaml:6:5 codes[0].colour: unknown key 'colour'; did you mean 'color'?",
        "codebook.yaml:7:5 codes[0].color: colour 'red': use #RRGGBB or #RGB",
        "codebook.yaml:10:30 codes[0].rules[0].keywords[1]: misplaced '*' in 'inter*preter'",
        "codebook.yaml:11:9 codes[0].rules[1].pattern: missing ), unterminated subpattern at position 0",
        "codebook.yaml:12:9 codes[0].rules[2]: a rule holds exactly one of keywords, pattern, all (found: none)",
        "codebook.yaml:13:9 codes[0].rules[3]: a rule holds exactly one of keywords, pattern, all "
        "(found: keywords, pattern)",
        "codebook.yaml:16:9 codes[0].children[0].id: child id 'language' repeats its parent's id",
        "codebook.yaml:22:9 codes[1].rules[0].keywords: empty rule: list at least one keyword",
        "codebook.yaml:23:5 codes[2].id: duplicate id 'language'",
        "codebook.yaml:27:14 groups.barriers[0]: unknown code 'languages'; did you mean 'language'?",
    ]
    for line in expected:
        assert line in err, f"missing: {line}\n{err}"
    assert "warning: codebook.yaml:19:5 codes[1]: code 'prejudice' has no definition" in err


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path, cli) -> None:
    """A YAML syntax error names the line and column, and nothing else is checked."""
    path = _write(tmp_path, "codebook: x\ncodes:\n  - id: a\n    rules: [keywords: [a\n")
    result = cli("codebook", "check", path, "--project", tmp_path)
    assert result.exit_code == 1
    assert "error: codebook.yaml:5:1: YAML syntax error" in result.stderr


def test_example_self_test(tmp_path: Path, cli) -> None:
    """Examples their code misses and counterexamples it hits are errors; descendants count for parents."""
    text = GOOD.replace('examples: ["The staff only speak Kinh, so I cannot explain my illness."]',
                        'examples: ["She cannot read the form.", "Nothing relevant here."]')
    text = text.replace('counterexamples: ["We talked about the weather."]',
                        'counterexamples: ["We need an interpreter."]')
    result = cli("codebook", "check", _write(tmp_path, text), "--project", tmp_path)
    assert result.exit_code == 1
    assert "codes[0].examples[1]: example not matched by 'language' or its children: 'Nothing relevant here.'" \
        in result.stderr
    assert "codes[0].counterexamples[0]: counterexample matched by 'language' (codes[0].rules[0] keyword " \
           "\"interpreter\"): 'We need an interpreter.'" in result.stderr
    assert "codes[0].examples[0]" not in result.stderr  # matched by the child's pattern


def test_shared_keyword_is_a_warning(tmp_path: Path, cli) -> None:
    """A keyword two codes share is a warning, not an error."""
    text = GOOD.replace("          - pattern: '\\bcan(?:not|''t) (?:read|write)\\b'",
                        "          - keywords: [interpreter]")
    assert text != GOOD
    result = cli("codebook", "check", _write(tmp_path, text), "--project", tmp_path)
    assert result.exit_code == 0, result.output
    assert "keyword 'interpreter' is also a keyword of 'language'" in result.stderr


def test_code_refuses_an_invalid_codebook(tmp_path: Path, cli) -> None:
    """`qualcode code` lists the codebook's problems, codes nothing and exits 1."""
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / "IDI-01.txt").write_text("I: Language?\nR: Language is hard.\n", encoding="utf-8")
    cli("ingest", "--project", tmp_path)
    result = cli("code", "--codebook", _write(tmp_path, BAD), "--project", tmp_path)
    assert result.exit_code == 1
    assert "colour 'red'" in result.stderr and "codebook has" in result.stderr
    assert db(tmp_path).execute("SELECT count(*) FROM codings").fetchone()[0] == 0


def test_unquoted_yaml_booleans_get_a_hint(tmp_path: Path, cli) -> None:
    """`on`/`off`/`no` read as booleans by YAML are reported with the advice to quote them."""
    text = GOOD.replace('[language, interpreter, "speak Kinh", illitera*]', "[language, off, on]")
    result = cli("codebook", "check", _write(tmp_path, text), "--project", tmp_path)
    assert result.exit_code == 1
    assert "codes[0].rules[0].keywords[1]: YAML reads this word as true/false: put it in quotes" in result.stderr


def test_check_runs_the_self_test_beside_other_errors(tmp_path: Path, cli) -> None:
    """With one broken code, `codebook check` still tests the examples of every sound code and lists all."""
    path = tmp_path / "mixed.yaml"
    path.write_text(
        "codebook: Mixed\ncodes:\n  - id: road\n    label: Road\n    definition: roads\n"
        "    examples: [\"the road is long\", \"we have a car\"]\n    rules:\n      - keywords: [road]\n"
        "  - id: Bad Id\n    definition: broken\n    rules:\n      - pattern: \"(unclosed\"\n", encoding="utf-8")
    result = cli("codebook", "check", path)
    assert result.exit_code == 1
    assert "codes[1].id: id 'Bad Id'" in result.stderr
    assert "codes[1].rules[0].pattern: missing )" in result.stderr
    assert "codes[0].examples[1]: example not matched by 'road' or its children: 'we have a car'" in result.stderr
    assert "'the road is long'" not in result.stderr


MANY_ERRORS = """\
codebook: Many errors
version: "1"
codes:
  - id: language
    label: Language
    color: "#12"
    definition: Language barriers.
    examples:
      - "The staff only speak Kinh, so I cannot explain."
      - "We talked about the weather."
    counterexamples: ["Nobody here can speak Kinh well."]
    rules:
      - keywords: [speak Kinh]
      - pattern: '\\bcan(not'
  - id: language
    label: Language again
    definition: Repeated id.
    examples: ["Nobody translates for us.", "The market is far."]
    rules:
      - keywords: [translate]
  - id: workload
    label: Workload
    defintion: misspelt key
    examples: ["I work in the fields all day.", "We rest on Sundays."]
    rules:
      - keywords: [field]
"""


def test_check_reports_failing_examples_beside_every_kind_of_error(tmp_path: Path, cli) -> None:
    """A codebook with a bad colour, a bad pattern, a repeated id and a misspelt key also reports, in the same
    round, every example not matched and counterexample matched, with its YAML line — for the broken codes too
    (a code with a bad pattern is tested with its other rules, and says so)."""
    path = tmp_path / "many.yaml"
    path.write_text(MANY_ERRORS, encoding="utf-8")
    result = cli("codebook", "check", path, "--project", tmp_path)
    assert result.exit_code == 1
    err = result.stderr
    for structural in ("many.yaml:6:5 codes[0].color: colour '#12'", "many.yaml:14:9 codes[0].rules[1].pattern",
                       "many.yaml:15:5 codes[1].id: duplicate id 'language'",
                       "many.yaml:23:5 codes[2].defintion: unknown key 'defintion'; did you mean 'definition'?"):
        assert structural in err
    assert ("many.yaml:10:9 codes[0].examples[1]: example not matched by 'language' or its children: 'We talked "
            "about the weather.' (tested without rules[1], which has errors)") in err
    assert ("many.yaml:11:23 codes[0].counterexamples[0]: counterexample matched by 'language' (codes[0].rules[0] "
            "keyword \"speak Kinh\"): 'Nobody here can speak Kinh well.'") in err
    assert ("many.yaml:18:45 codes[1].examples[1]: example not matched by 'language (codes[1])' or its children: "
            "'The market is far.'") in err
    assert "codes[2].examples[1]: example not matched by 'workload' or its children: 'We rest on Sundays.'" in err
    for matched in ("cannot explain", "Nobody translates", "fields all day"):
        assert f"{matched}" not in err


def test_an_example_its_not_keywords_exclude_is_named(tmp_path: Path, cli) -> None:
    """An example that a `not` keyword of its code excludes is reported with that keyword, as a contradiction."""
    path = tmp_path / "clash.yaml"
    path.write_text('codebook: Clash\ncodes:\n  - id: language\n    definition: Language.\n'
                    '    examples: ["I cannot speak Kinh when it rains."]\n    rules:\n      - keywords: [speak Kinh]\n'
                    '    not: [rain, weather]\n', encoding="utf-8")
    result = cli("codebook", "check", path, "--project", tmp_path)
    assert result.exit_code == 1
    assert ("clash.yaml:5:16 codes[0].examples[0]: example not matched by 'language' or its children: 'I cannot "
            "speak Kinh when it rains.' — its `not` keyword 'rain' excludes it: the example contradicts the code's "
            "exclusions") in result.stderr


def test_a_codebook_with_every_code_broken_still_tests_their_examples(tmp_path: Path, cli) -> None:
    """When every code has an error of its own, every example is still tested and every error listed."""
    path = tmp_path / "broken.yaml"
    path.write_text('codebook: Broken\ncodes:\n  - id: Road Code\n    definition: roads\n'
                    '    examples: ["the road is long", "we have a car"]\n    rules:\n      - keywords: [road]\n'
                    '  - id: school\n    color: blue\n    definition: schools\n    examples: ["no money"]\n'
                    '    rules:\n      - keywords: [school]\n      - pattern: "(fees"\n', encoding="utf-8")
    result = cli("codebook", "check", path, "--project", tmp_path)
    assert result.exit_code == 1
    err = result.stderr
    assert "codes[0].id: id 'Road Code'" in err and "codes[1].color: colour 'blue'" in err
    assert "codes[1].rules[1].pattern: missing )" in err
    assert "codes[0].examples[1]: example not matched by 'Road Code' or its children: 'we have a car'" in err
    assert ("codes[1].examples[0]: example not matched by 'school' or its children: 'no money' (tested without "
            "rules[1], which has errors)") in err
    assert "'the road is long'" not in err

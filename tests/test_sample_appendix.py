"""The appendix a report writer gets from the sample study after a partial review (done through the review
sheet, as a researcher would): only reviewed codings are quoted, voices are spread over the whole appendix,
and LibreOffice shows a filled table of contents."""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import REPO

import qualcode
from qualcode.analysis.corpus_view import view_for
from qualcode.project.store import open_store
from qualcode.report.quotes import code_quotes


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """The sample study, ingested and auto-coded, with two suggestions in five accepted and one in five
    rejected through the review sheet (`codings export --status suggested` → decisions → `import --review`)."""
    root = tmp_path_factory.mktemp("sample")
    for part in ("qualcode.toml", "codebooks", "transcripts"):
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / part)
    project = qualcode.open_project(root)
    project.ingest()
    project.code()
    sheet = root / "review.csv"
    project.export_codings(sheet, statuses=["suggested"])
    with sheet.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["decision"] = {0: "accept", 1: "accept", 2: "reject"}.get(int(row["id"]) % 5, "")
    with sheet.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = project.apply_review(sheet, reviewer="lan")
    assert report.return_code == 0
    return project


def _quotes(content):
    return [(section.code, q) for section in content.sections for _, qs in section.groups for q in qs]


def test_default_appendix_quotes_only_reviewed_codings(reviewed, tmp_path: Path) -> None:
    """Every quoted character of the default appendix lies inside an accepted coding of its code (adjacent
    ones are merged into one quote); none rests on a suggestion left unreviewed or a rejected one."""
    content = reviewed.appendix(tmp_path / "a.docx", limit=4, by="gender")
    store = open_store(reviewed.store_path)
    codings = store.codings()
    texts = {d.id: d.text for d in store.documents()}
    store.close()
    accepted: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for c in codings:
        if c.status == "accepted":
            accepted.setdefault((c.document, c.code), []).append((c.start, c.end))
    quoted = _quotes(content)
    assert len(quoted) > 40
    for code, quote in quoted:
        spans = accepted.get((quote.document, code), [])
        text = texts[quote.document]
        outside = [i for i in range(quote.start, quote.end)
                   if not text[i].isspace() and not any(a <= i < b for a, b in spans)]
        assert outside == [], (code, quote.document, quote.text)
    assert not content.draft


def test_no_participant_quoted_twice_before_every_eligible_one_once(reviewed, tmp_path: Path) -> None:
    """Walking the appendix code by code: whenever a participant is quoted under a code and group, no other
    candidate of that code and group who was left out, and whose passage reads as well (no flaw, or the same
    class), had been quoted fewer times before it."""
    content = reviewed.appendix(tmp_path / "a.docx", limit=3, by="ethnicity")
    view = view_for(reviewed)
    chosen: dict[str, list] = {}
    for code, quote in _quotes(content):
        chosen.setdefault(code, []).append(quote)
    quoted: Counter = Counter()
    checked = 0
    for section in content.sections:
        picked = chosen.get(section.code, [])
        candidates = code_quotes(view, section.code, by="ethnicity")
        mine = {q.speaker for q in picked}
        for quote in picked:
            rivals = {c.speaker for c in candidates if c.group == quote.group and c.speaker not in mine
                      and bool(c.flaws) == bool(quote.flaws)}
            assert all(quoted[quote.speaker] <= quoted[other] for other in rivals), (section.code, quote.speaker)
            checked += 1
        quoted.update(q.speaker for q in picked)
    assert checked > 40
    assert max(quoted.values()) <= 4 and len(quoted) > 40  # many voices, none dominating


def _per_group(content) -> Counter:
    return Counter(q.group for _, q in _quotes(content))


def test_every_ethnic_group_is_heard(reviewed, tmp_path: Path) -> None:
    """`--limit 4 --by ethnicity`: every ethnic group with candidates is quoted, and no group is quoted more
    than twice as often as another group that has at least as many candidates."""
    content = reviewed.appendix(tmp_path / "a.md", limit=4, by="ethnicity")
    view = view_for(reviewed)
    candidates: Counter = Counter()
    for code in view.book.codes:
        candidates.update(q.group for q in code_quotes(view, code.id, by="ethnicity"))
    quotes = _per_group(content)
    assert set(quotes) == set(candidates), (quotes, candidates)
    for a in quotes:
        for b in quotes:
            if candidates[b] >= candidates[a]:
                assert quotes[a] <= 2 * quotes[b], (a, b, quotes, candidates)
    text = (tmp_path / "a.md").read_text(encoding="utf-8")
    assert "Voices by ethnicity — " in text


def test_officials_hold_no_more_than_their_share(reviewed, tmp_path: Path) -> None:
    """`--limit 4 --by position`: officials and village heads get at most their share of the participants
    plus 10 points of the quotes."""
    content = reviewed.appendix(tmp_path / "a.md", limit=4, by="position")
    quotes = _per_group(content)
    officials = sum(n for group, n in quotes.items() if "official" in group or "head" in group)
    sizes = content.group_sizes
    share = sum(n for group, n in sizes.items() if "official" in group or "head" in group) / sum(sizes.values())
    assert officials / sum(quotes.values()) <= share + 0.10, (quotes, sizes)
    assert "village head" in quotes  # the smallest group (2 people) is heard too


def test_no_misplaced_ellipsis(reviewed, tmp_path: Path) -> None:
    """No quote has “…” outside its quotation marks, and a quote that starts a sentence (a capital after a
    full stop in its turn) does not start with “…”."""
    reviewed.appendix(tmp_path / "a.md", limit=4, by="gender")
    lines = [line[2:] for line in (tmp_path / "a.md").read_text(encoding="utf-8").splitlines()
             if line.startswith("> “") or line.startswith("> …")]
    assert lines and all(line.startswith("“") and line.endswith("”") for line in lines), lines[:3]
    content = reviewed.appendix(tmp_path / "b.md", limit=None, by="gender")
    store = open_store(reviewed.store_path)
    texts = {d.id: d.text for d in store.documents()}
    turns = {(t.document, t.number): t for t in store.turns()}
    store.close()
    whole = ends = 0
    for _, quote in _quotes(content):
        turn = turns[(quote.document, quote.turn)]
        before = texts[quote.document][turn.start:max(quote.start, turn.start)].rstrip()
        if not before or before[-1] in ".!?":  # the quote starts a sentence: nothing of it was cut
            whole += 1
            assert not quote.display().startswith("“…"), quote.display()
        last = quote.parts[-1] if quote.parts else None
        if last is not None and last.kind == "speech" and texts[quote.document][:quote.end].rstrip()[-1:] in ".!?":
            ends += 1  # it ends a sentence: no "…" at its end
            assert not last.display().endswith("…”"), last.display()
    assert whole > 100 and ends > 100


def test_no_interpreted_turn_is_attributed_as_direct_speech(reviewed, tmp_path: Path) -> None:
    """Every quote from a turn stored as interpreted says so in its attribution, and none other does."""
    content = reviewed.appendix(tmp_path / "a.md", limit=None, by="gender")
    store = open_store(reviewed.store_path)
    interpreted = {(t.document, t.number) for t in store.turns() if t.interpreted is not None}
    store.close()
    seen = 0
    for _, quote in _quotes(content):
        for part in quote.parts:
            if part.kind == "speech":
                marked = "; interpreted" in part.attribution or "(interpreted" in part.attribution
                assert marked == ((quote.document, part.turn) in interpreted), (quote.document, part.turn)
                seen += marked
    assert seen > 5


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice (soffice) and poppler's pdftotext are not installed")
def test_libreoffice_shows_the_table_of_contents(reviewed, tmp_path: Path) -> None:
    """Converted by LibreOffice without any field update, the first pages list the code headings under
    'Contents' — the TOC is written filled, not left for Word to compute."""
    reviewed.appendix(tmp_path / "appendix.docx", limit=2, by="gender")
    subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(tmp_path / "appendix.docx")], check=True, capture_output=True, timeout=300)
    text = subprocess.run(["pdftotext", "-layout", "-l", "3", str(tmp_path / "appendix.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    contents = text[text.index("Contents"):]
    for label in ("Language barriers", "Prejudice and discrimination", "Workload", "Access to public services",
                  "Participation in decision making"):
        assert label in contents, label


def _attribution_values(markdown: str) -> list[tuple[str, list[str]]]:
    """(participant, shown values) of every identified speaker's attribution line of a Markdown appendix."""
    found = []
    for line in markdown.splitlines():
        if line.startswith("> — ") and not line.startswith("> — unidentified speaker"):
            participant, *values = line[4:].split(" (")[0].split(", ")
            found.append((participant, values))
    return found


def test_no_default_attribution_singles_out_fewer_than_three(reviewed, tmp_path: Path) -> None:
    """Counted straight from participants.csv: every attribution of the default appendix shows values that at
    least 3 respondents hold together (with --k-anonymity 1 some point at one person), and the method note
    counts exactly the attributions that show less than the participant's full gender, ethnicity, position
    and site."""
    with (REPO / "transcripts" / "participants.csv").open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["role"] != "interviewer"]
    fields = ("gender", "ethnicity", "position", "site")
    people = {r["participant"]: [r[name] for name in fields if r[name]] for r in rows}
    assert len(people) == 102

    def holding(values: list[str]) -> int:
        return sum({v.casefold() for v in values} <= {v.casefold() for v in mine} for mine in people.values())

    reviewed.appendix(tmp_path / "open.md", limit=4, k_anonymity=1)
    opened = _attribution_values((tmp_path / "open.md").read_text(encoding="utf-8"))
    assert sum(holding(values) == 1 for _, values in opened) >= 10  # the problem: one person, named by attributes
    content = reviewed.appendix(tmp_path / "a.md", limit=4)
    shown = _attribution_values((tmp_path / "a.md").read_text(encoding="utf-8"))
    assert len(shown) > 60
    assert min(holding(values) for _, values in shown) >= 3
    generalised = sum(values != people[participant] for participant, values in shown)
    assert generalised > 0
    note = next(line for line in content.method if "k-anonymity" in line)
    assert f"(k-anonymity, k = 3): {generalised} of {len(shown)} attributions" in note
    per_participant: dict[str, set] = {}
    for participant, values in shown:
        per_participant.setdefault(participant, set()).add(tuple(values))
    assert all(len(v) == 1 for v in per_participant.values())  # the same in every quote of a participant

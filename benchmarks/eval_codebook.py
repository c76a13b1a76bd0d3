"""Score a codebook's rules against a blind gold set, per respondent turn (`make eval-codebook`).

The gold set (``benchmarks/gold/``, see its PROVENANCE.md) is YAML: one document per file, each turn with its
speaker and text, and every respondent turn with the list of codes a human coder gave it. This script

1. renders each document of one half as a transcript qualcode reads (a ``.txt`` with front matter, one
   ``Speaker: text`` line per turn) with a ``participants.csv``, in a temporary project;
2. ingests it and checks that every stored turn is the gold turn it renders (same speaker, same speech);
3. imports the gold codes as coder ``gold``, one coding per (turn, code) covering the turn's whole speech, by
   turn number (``codings import``), and checks that each landed on its turn;
4. runs ``qualcode code`` with the codebook and reads back every suggestion with the rule that made it;
5. prints precision, recall and F1 per code (the code itself), per theme (a turn is positive for a theme when
   it has the theme's code or any of its children) and micro-averaged over codes and over themes, at the
   respondent-turn level, then every false negative and false positive with the turn's text and the rule
   that fired. The theme figures are cross-checked against ``qualcode eval --unit turn``.

Run from the repository: ``python benchmarks/eval_codebook.py --half tuning`` (default ``test``).
``--gold DIR`` scores another gold folder (the tests use a tiny one); ``--json FILE`` also writes the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "benchmarks" / "gold"
INTERVIEWER = "Interviewer"
GOLD_CODER = "gold"


@dataclass
class Turn:
    """One respondent turn of the gold set and what each side coded there."""

    document: str
    number: int  # the stored turn number
    speaker: str
    text: str
    gold: set[str] = field(default_factory=set)
    auto: dict[str, str] = field(default_factory=dict)  # code -> the rule that fired first


@dataclass(frozen=True)
class Score:
    """Counts and scores of one code, theme or average."""

    name: str
    support: int  # gold positives
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float | None:
        """tp / (tp + fp); None when nothing was suggested."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """tp / (tp + fn); None when gold has no positive."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """2 tp / (2 tp + fp + fn); None when neither side has a positive."""
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp + self.fp + self.fn else None

    def as_dict(self) -> dict:
        """The counts and scores as plain values (for --json)."""
        return {"name": self.name, "support": self.support, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": self.precision, "recall": self.recall, "f1": self.f1}


# -- building the project ----------------------------------------------------------------------------------
def load_documents(folder: Path) -> list[dict]:
    """The gold documents of ``folder`` (``*.yaml``), sorted by file name."""
    docs = []
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or "document" not in doc or "turns" not in doc:
            raise SystemExit(f"{path}: not a gold document (needs document and turns)")
        docs.append(doc)
    if not docs:
        raise SystemExit(f"{folder}: no gold documents (*.yaml)")
    return docs


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def render(doc: dict) -> str:
    """The transcript of one gold document: front matter, then one ``Speaker: text`` line per turn."""
    # "mixed" documents are English with Vietnamese terms: tokenised (and lemmatised) as English
    language = "vi" if doc.get("language") == "vi" else "en"
    speakers = [s for s in doc.get("participants") or {}]
    lines = ["---", f"id: {doc['document']}", f"language: {language}", f"interviewer: {INTERVIEWER}",
             f"speakers: [{', '.join(json.dumps(s, ensure_ascii=False) for s in speakers)}]", "---", ""]
    for turn in doc["turns"]:
        lines += [f"{turn['speaker']}: {_one_line(turn['text'])}", ""]
    return "\n".join(lines)


def write_project(docs: list[dict], folder: Path, codebook: Path) -> None:
    """A qualcode project in ``folder``: qualcode.toml, the rendered transcripts and participants.csv."""
    (folder / "transcripts").mkdir(parents=True)
    (folder / "qualcode.toml").write_text(
        f'[project]\ncodebook = {json.dumps(str(codebook))}\ntranscripts = "transcripts"\nlanguage = "en"\n'
        '\n[participants]\nidentifying = []\n', encoding="utf-8")
    attributes = sorted({k for d in docs for p in (d.get("participants") or {}).values() for k in (p or {})})
    with open(folder / "transcripts" / "participants.csv", "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["participant", "document", "speaker", "site", *attributes])
        for doc in docs:
            for speaker, values in (doc.get("participants") or {}).items():
                values = values or {}
                out.writerow([f"{doc['document']}-{speaker}", doc["document"], speaker, doc.get("site", ""),
                              *(values.get(a, "") for a in attributes)])
    for doc in docs:
        (folder / "transcripts" / f"{doc['document']}.txt").write_text(render(doc), encoding="utf-8")


def build(docs: list[dict], folder: Path, codebook: Path) -> tuple[list[Turn], object]:
    """Ingest, import gold and code; return the respondent turns with both sides' codes, and the project."""
    from qualcode import open_project
    from qualcode.project.store import open_store

    write_project(docs, folder, codebook)
    project = open_project(folder)
    report = project.ingest()
    if report.return_code or report.warnings:
        raise SystemExit("ingest: " + "; ".join(str(p) for p in [*report.failures, *report.warnings]))
    store = open_store(folder / ".qualcode" / "qualcode.db")
    try:
        stored = {d["document"]: store.turns(d["document"]) for d in docs}
        texts = {name: text for name, (text, _) in store.document_texts().items()}
    finally:
        store.close()
    turns: list[Turn] = []
    rows = []
    for doc in docs:
        name = doc["document"]
        mine = stored[name]
        if len(mine) != len(doc["turns"]):
            raise SystemExit(f"{name}: {len(doc['turns'])} gold turns but {len(mine)} stored turns")
        for gold, row in zip(doc["turns"], mine):
            speech = _speech(texts[name], row)
            expected_role = "interviewer" if gold["speaker"] == INTERVIEWER else "respondent"
            if row.label != gold["speaker"] or speech != _one_line(gold["text"]) or row.role.value != expected_role:
                raise SystemExit(f"{name} turn {row.number}: stored as {row.label!r} ({row.role.value}) "
                                 f"{speech[:60]!r}, gold has {gold['speaker']!r} {_one_line(gold['text'])[:60]!r}")
            if gold["speaker"] == INTERVIEWER:
                continue
            turn = Turn(name, row.number, gold["speaker"], speech, set(gold.get("codes") or []))
            turns.append(turn)
            rows += [{"document": name, "turn": row.number, "code": code} for code in sorted(turn.gold)]
    sheet = folder / "gold-codings.csv"
    with open(sheet, "w", newline="", encoding="utf-8") as handle:
        out = csv.DictWriter(handle, ["document", "turn", "code"])
        out.writeheader()
        out.writerows(rows)
    imported = project.import_codings(sheet, coder=GOLD_CODER)
    if imported.return_code:
        raise SystemExit(f"gold import refused rows: {imported.failures}")
    project.code()
    by_place = {(t.document, t.number): t for t in turns}
    codings = project.codings(coders=[GOLD_CODER, "auto"], include_suggestions=True)
    landed = 0
    for row in codings.itertuples():
        turn = by_place.get((row.document, int(row.turn)))
        if row.coder == GOLD_CODER:
            # the position check: a gold coding covers exactly the speech of the turn it names
            if turn is None or row.text != turn.text or row.code not in turn.gold:
                raise SystemExit(f"gold coding {row.code} landed at {row.document} turn {row.turn}: {row.text[:60]!r}")
            landed += 1
        elif turn is not None:
            turn.auto.setdefault(row.code, row.rule)
    if landed != len(rows):
        raise SystemExit(f"{len(rows)} gold codings written, {landed} stored")
    return turns, project


def _speech(text: str, row) -> str:
    """The turn's speech: its stored span after the ``Speaker:`` label."""
    span = text[row.start:row.end]
    if row.label and span.startswith(row.label + ":"):
        span = span[len(row.label) + 1:]
    return _one_line(span)


# -- scoring -----------------------------------------------------------------------------------------------
def theme(code: str) -> str:
    """The top-level code a code belongs to (``service_access.health`` -> ``service_access``)."""
    return code.split(".", 1)[0]


def score(turns: list[Turn], codes: list[str]) -> tuple[list[Score], list[Score], Score, Score]:
    """Per code, per theme, micro over codes and micro over themes."""
    def count(name: str, gold_of, auto_of) -> Score:
        tp = sum(1 for t in turns if name in gold_of(t) and name in auto_of(t))
        fp = sum(1 for t in turns if name not in gold_of(t) and name in auto_of(t))
        fn = sum(1 for t in turns if name in gold_of(t) and name not in auto_of(t))
        return Score(name, tp + fn, tp, fp, fn)

    per_code = [count(c, lambda t: t.gold, lambda t: set(t.auto)) for c in codes]
    themes = list(dict.fromkeys(theme(c) for c in codes))
    per_theme = [count(th, lambda t: {theme(c) for c in t.gold}, lambda t: {theme(c) for c in t.auto})
                 for th in themes]

    def micro(name: str, rows: list[Score]) -> Score:
        return Score(name, sum(r.support for r in rows), sum(r.tp for r in rows), sum(r.fp for r in rows),
                     sum(r.fn for r in rows))

    return per_code, per_theme, micro("micro (codes)", per_code), micro("micro (themes)", per_theme)


def cross_check(project, per_theme: list[Score]) -> None:
    """The theme rows must equal `qualcode eval --unit turn`'s rows for the top-level codes (roll-up)."""
    report = project.evaluate(GOLD_CODER, "auto", "turn")
    rows = {r.code: r for r in report.codes}
    for mine in per_theme:
        theirs = rows.get(mine.name)
        got = (theirs.true_positives, theirs.false_positives, theirs.false_negatives) if theirs else (0, 0, 0)
        if got != (mine.tp, mine.fp, mine.fn):
            raise SystemExit(f"theme {mine.name}: this script counts {(mine.tp, mine.fp, mine.fn)}, "
                             f"qualcode eval counts {got}")


def codebook_codes(codebook: Path) -> list[str]:
    """Every code id of the codebook, parents before their children, in codebook order."""
    data = yaml.safe_load(codebook.read_text(encoding="utf-8"))
    out: list[str] = []

    def walk(codes):
        for code in codes or []:
            out.append(code["id"])
            walk(code.get("children"))

    walk(data.get("codes"))
    return out


# -- printing ----------------------------------------------------------------------------------------------
def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def table(rows: list[Score], title: str) -> list[str]:
    """A Markdown table of scores."""
    out = [f"| {title} | P | R | F1 | support | TP | FP | FN |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r.name} | {_f(r.precision)} | {_f(r.recall)} | {_f(r.f1)} | {r.support} | {r.tp} | {r.fp} "
                   f"| {r.fn} |")
    return out


def misses(turns: list[Turn], codes: list[str]) -> list[str]:
    """Every false negative and false positive, per code, with the turn's text and the rule that fired."""
    out = []
    for code in codes:
        for t in turns:
            if (code in t.gold) == (code in t.auto):
                continue
            if code in t.gold:
                kind, why = "FN", f"gold {sorted(t.gold)}; rules {sorted(t.auto) or 'nothing'}"
            else:
                kind, why = "FP", f"rule {t.auto[code]}; gold {sorted(t.gold) or 'nothing'}"
            out.append(f"{kind} {code} | {t.document} turn {t.number} ({t.speaker}) | {why}\n    {t.text}")
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the evaluation and print the report; exit 0 (1 with --fail-under when micro F1 is lower)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", default="test", choices=["tuning", "test"], help="which half of the gold set")
    parser.add_argument("--gold", type=Path, help="a folder of gold documents (instead of --half)")
    parser.add_argument("--codebook", type=Path, default=ROOT / "codebooks" / "barriers.yaml")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--no-misses", action="store_true", help="leave out the per-turn misses")
    parser.add_argument("--fail-under", type=float, help="exit 1 when micro F1 over codes is lower")
    args = parser.parse_args(argv)
    folder = args.gold or GOLD / args.half
    docs = load_documents(folder)
    codebook = args.codebook.resolve()
    codes = codebook_codes(codebook)
    with tempfile.TemporaryDirectory(prefix="qualcode-eval-") as tmp:
        turns, project = build(docs, Path(tmp) / "project", codebook)
        per_code, per_theme, micro_codes, micro_themes = score(turns, codes)
        cross_check(project, per_theme)
    unknown = sorted({c for t in turns for c in t.gold} - set(codes))
    if unknown:
        raise SystemExit(f"gold codes not in the codebook: {', '.join(unknown)}")
    shown = folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder
    lines = [f"# Codebook evaluation: {codebook.name} against {shown}",
             "", f"{len(docs)} documents, {len(turns)} respondent turns, "
             f"{sum(1 for t in turns if not t.gold)} with no gold code; unit: respondent turn.", ""]
    lines += table([*per_theme, micro_themes], "theme") + [""]
    lines += table([*per_code, micro_codes], "code") + [""]
    if not args.no_misses:
        found = misses(turns, codes)
        lines += [f"## Misses ({len(found)}: FN = gold coded it, the rules did not; FP = the reverse)", ""] + found
    print("\n".join(lines))
    if args.json:
        args.json.write_text(json.dumps({
            "gold": str(folder), "documents": len(docs), "turns": len(turns),
            "themes": [r.as_dict() for r in per_theme], "codes": [r.as_dict() for r in per_code],
            "micro_codes": micro_codes.as_dict(), "micro_themes": micro_themes.as_dict()}, indent=1) + "\n",
            encoding="utf-8")
    if args.fail_under is not None and (micro_codes.f1 or 0) < args.fail_under:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make bench`: qualcode's speed and memory at 0.3, 1 and 3 million words, against two references.

For each corpus size (built by ``benchmarks/corpus.py`` from the real transcripts, or the sample study), in a
fresh project whose ``qualcode.toml`` names a copy of ``codebooks/barriers.yaml``, every step is timed as a
whole process (``benchmarks/measure.py`` gives its wall time and peak memory):

* the spaCy floor and the exact-substring baseline (``benchmarks/references.py``);
* ``qualcode ingest``, the first ``qualcode code``, ``code`` with nothing changed, ``code`` after one keyword
  is added to one code and after one code's rule is edited, ``matrix``, ``appendix`` with about 1,000 quotes
  and with every quote;
* ``ingest --jobs 2`` + ``code --jobs 2`` in a second fresh project.

Then ``qualcode --help`` against ``python -c "import typer"``. It prints every row and ratio and writes
``benchmarks/RESULTS.md``, keeping its hand-written "Notes" section. ``--smoke`` runs one corpus of about
20,000 words (the test suite does, so the benchmark cannot rot) and writes its results to ``--output`` only
when asked. At 1M words and up the --jobs 2 project is measured too (and in the smoke run, so it is tested).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

PYTHON = sys.executable
CODEBOOK = REPO / "codebooks" / "barriers.yaml"
SIZES = {"0.3M": 300_000, "1M": 1_000_000, "3M": 3_000_000}
ADDED_KEYWORD = "translator"
NOTES = "## Notes"  # RESULTS.md from this heading on is written by hand and kept when the results are rewritten


REPEAT = [3]  # runs per repeatable step (the median is kept): --repeat sets it


def run(*command: str, cwd: Path | None = None) -> dict:
    """Run one command as a measured child process: ``{"seconds", "cpu", "rss_mb", "stdout"}``."""
    done = subprocess.run([PYTHON, str(HERE / "measure.py"), *command], capture_output=True, text=True, cwd=cwd)
    if done.returncode != 0:
        raise SystemExit(f"benchmark step failed: {' '.join(command)}\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout)


def median_of(runs: list[dict]) -> dict:
    """One row from repeated runs: the median wall and CPU seconds and memory, the last run's output."""
    return {"seconds": statistics.median(r["seconds"] for r in runs), "cpu": statistics.median(r["cpu"] for r in runs),
            "rss_mb": statistics.median(r["rss_mb"] for r in runs), "stdout": runs[-1]["stdout"],
            "runs": len(runs)}


def repeated(*command: str) -> dict:
    """A step that changes nothing, run :data:`REPEAT` times: the median."""
    return median_of([run(*command) for _ in range(REPEAT[0])])


def warm(project: Path, change) -> dict:
    """``qualcode code`` after ``change(codebook)``, :data:`REPEAT` times: before each repeat after the first,
    the codebook is put back and coded (not measured), so every measured run re-codes the same change."""
    book = project / "codebook.yaml"
    before = book.read_text(encoding="utf-8")
    runs = []
    for n in range(REPEAT[0]):
        if n:
            book.write_text(before, encoding="utf-8")
            qualcode(project, "code")
        change(book)
        runs.append(qualcode(project, "code"))
    return median_of(runs)


def qualcode(project: Path, *args: str) -> dict:
    """A measured ``qualcode ARGS --project PROJECT``."""
    return run(PYTHON, "-m", "qualcode", *args, "--project", str(project))


def make_project(root: Path, transcripts: Path) -> Path:
    """A fresh project in ``root`` reading ``transcripts``, with its own copy of the study codebook."""
    root.mkdir(parents=True)
    (root / "codebook.yaml").write_text(CODEBOOK.read_text(encoding="utf-8"), encoding="utf-8")
    (root / "qualcode.toml").write_text(f'[project]\ncodebook = "codebook.yaml"\ntranscripts = '
                                        f'"{transcripts.as_posix()}"\n', encoding="utf-8")
    return root


def add_keyword(codebook: Path) -> None:
    """Add one keyword to the first keyword list (one code)."""
    text = codebook.read_text(encoding="utf-8")
    codebook.write_text(text.replace("- keywords: [", f"- keywords: [{ADDED_KEYWORD}, ", 1), encoding="utf-8")


def edit_rule(codebook: Path) -> None:
    """Edit one rule of another code: drop the first keyword of the tenth keyword list."""
    text = codebook.read_text(encoding="utf-8")
    at = [m.end() for m in re.finditer(r"- keywords: \[", text)][9]
    end = text.index(",", at)
    codebook.write_text(text[:at] + text[end + 1:].lstrip(" "), encoding="utf-8")


def quotes(stdout: str) -> int:
    """The number of quotes `qualcode appendix` reports."""
    found = re.search(r"([\d,]+) quotes?", stdout)
    return int(found.group(1).replace(",", "")) if found else 0


def measure_size(label: str, words: int, work: Path, jobs: bool) -> dict:
    """Every row for one corpus size."""
    transcripts = work / label / "transcripts"
    files, counted = corpus.build(transcripts, words)
    rows: dict[str, dict] = {"corpus": {"files": files, "words": counted}}
    references = str(HERE / "references.py")
    rows["floor"] = repeated(PYTHON, references, "floor", str(transcripts))
    rows["tokenizer"] = repeated(PYTHON, references, "tokenizer", str(transcripts))
    project = make_project(work / label / "project", transcripts)
    rows["substring"] = run(PYTHON, references, "substring", str(transcripts), str(project / "codebook.yaml"))
    rows["find"] = repeated(PYTHON, references, "find", str(transcripts), str(project / "codebook.yaml"))
    rows["python"] = repeated(PYTHON, "-c", "pass")
    rows["ingest"] = qualcode(project, "ingest")
    rows["code"] = qualcode(project, "code")
    rows["code_unchanged"] = repeated(PYTHON, "-m", "qualcode", "code", "--project", str(project))
    rows["code_keyword"] = warm(project, add_keyword)
    rows["code_rule"] = warm(project, edit_rule)
    rows["search"] = repeated(PYTHON, "-m", "qualcode", "search", "language", "--project", str(project))
    rows["words"] = repeated(PYTHON, "-m", "qualcode", "words", "--by", "type", "--project", str(project))
    rows["matrix"] = qualcode(project, "matrix", "--by", "document", "--count", "segments", "--include-suggestions",
                              "-o", str(project / "out" / "matrix.csv"))
    rows["appendix_1000"] = qualcode(project, "appendix", "--include-suggestions", "--limit", "80",
                                     "-o", str(project / "out" / "appendix-1000.docx"))
    rows["appendix_all"] = qualcode(project, "appendix", "--include-suggestions",
                                    "-o", str(project / "out" / "appendix-all.docx"))
    if jobs:
        parallel = make_project(work / label / "parallel", transcripts)
        rows["ingest_j2"] = qualcode(parallel, "ingest", "--jobs", "2")
        rows["code_j2"] = qualcode(parallel, "code", "--jobs", "2")
    return rows


SPIN = """
import sys, time
from concurrent.futures import ProcessPoolExecutor
def spin(_):
    start = time.process_time()
    while time.process_time() - start < 0.5:
        pass
if __name__ == "__main__":
    start = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(spin, [0, 1]))
    print(time.perf_counter() - start)
"""


def free_cores() -> float:
    """How many cores two CPU-bound processes actually get: two half-second spins run side by side; 2.0 when
    both run at once, 1.0 when they must take turns (other work on the machine)."""
    taken = float(subprocess.run([PYTHON, "-c", SPIN], check=True, capture_output=True, text=True).stdout)
    return max(1.0, min(2.0, 1.0 / max(taken - 0.05, 0.5)))


def help_ratio(rounds: int = 5) -> tuple[float, float]:
    """Median seconds of ``qualcode --help`` and of ``python -c "import typer"``."""
    helps, typers = [], []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run([PYTHON, "-m", "qualcode", "--help"], check=True, capture_output=True)
        helps.append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run([PYTHON, "-c", "import typer"], check=True, capture_output=True)
        typers.append(time.perf_counter() - start)
    return statistics.median(helps), statistics.median(typers)


STEPS = [("floor", "reference: spaCy floor (blank en + sentencizer + lookup lemmatizer)"),
         ("tokenizer", "reference: spaCy floor without the lemmatizer (tokenizer + sentencizer)"),
         ("substring", "reference: exact-substring coding (re.finditer per keyword per document)"),
         ("find", "reference: lower-cased documents + str.find per keyword (same hits)"),
         ("python", "reference: python -c pass"),
         ("ingest", "qualcode ingest"), ("code", "qualcode code (first run)"),
         ("code_unchanged", "qualcode code, nothing changed"),
         ("code_keyword", "qualcode code after adding one keyword to one code"),
         ("code_rule", "qualcode code after editing one code's rule"),
         ("search", "qualcode search language"), ("words", "qualcode words --by type"),
         ("matrix", "qualcode matrix"), ("appendix_1000", "qualcode appendix, about 1,000 quotes"),
         ("appendix_all", "qualcode appendix, every quote"),
         ("ingest_j2", "qualcode ingest --jobs 2"), ("code_j2", "qualcode code --jobs 2 (first run)")]


def ratios(rows: dict, clock: str) -> list[tuple[str, float, str, bool, str]]:
    """``(what, value, target, met, serves)`` for one corpus size, on wall time (``clock`` "seconds") or CPU
    time ("cpu"; the --jobs ratio is left out: CPU time adds up over processes). ``serves``: the target of
    docs/performance.md the ratio checks."""
    cold = rows["ingest"][clock] + rows["code"][clock]
    out = []

    def add(what: str, value: float, target: str, met: bool, serves: str) -> None:
        out.append((what, value, target, met, serves))

    add("(ingest + first code) / floor", cold / rows["floor"][clock], "≤ 1.3",
        cold / rows["floor"][clock] <= 1.3, "cold ingest + code, against spaCy with its lemmatizer")
    if "tokenizer" in rows:
        add("(ingest + first code) / floor without lemmatizer", cold / rows["tokenizer"][clock], "≤ 2.5",
            cold / rows["tokenizer"][clock] <= 2.5, "cold ingest + code, against what ingest really runs")
    for key, what in (("code_keyword", "keyword added"), ("code_rule", "rule edited")):
        speed = cold / rows[key][clock]
        add(f"(ingest + first code) / code after {what}", speed, "≥ 10", speed >= 10, "warm re-code")
        versus = rows[key][clock] / rows["substring"][clock]
        add(f"code after {what} / exact-substring baseline", versus, "≤ 1", versus <= 1,
            "warm re-code (old, weak reference)")
    if "find" in rows:
        versus = rows["code"][clock] / rows["find"][clock]
        add("first code / str.find loop", versus, "≤ 0.7", versus <= 0.7, "first code against the strongest "
            "simple method")
    add("code with nothing changed, seconds", rows["code_unchanged"][clock], "< 1 s",
        rows["code_unchanged"][clock] < 1, "nothing to do")
    if "python" in rows:
        over = rows["code_unchanged"][clock] - rows["python"][clock]
        add("code with nothing changed − python -c pass, seconds", over, "≤ 0.15", over <= 0.15, "start-up")
    for key in ("search", "words"):
        if key in rows:
            add(f"{key}, seconds", rows[key][clock], "≤ 1", rows[key][clock] <= 1, f"{key} from the store (3M)")
    share = rows["matrix"][clock] / rows["code"][clock]
    add("matrix / first code", share, "≤ 0.10", share <= 0.10, "matrix")
    if clock == "seconds":
        for key in ("search", "words"):
            if key in rows:
                add(f"{key}, peak MB", rows[key]["rss_mb"], "≤ 300", rows[key]["rss_mb"] <= 300,
                    f"{key} from the store (3M)")
        peak = max(r["rss_mb"] for k, r in rows.items() if k not in ("corpus", "floor", "tokenizer", "substring",
                                                                      "find", "python"))
        add("peak memory of any qualcode step, MB", peak, "≤ 1024", peak <= 1024, "growth")
        if "ingest_j2" in rows:
            speed = cold / (rows["ingest_j2"]["seconds"] + rows["code_j2"]["seconds"])
            add("(ingest + code) with 1 job / with --jobs 2", speed, "≥ 1.6", speed >= 1.6, "--jobs 2")
    return out


def _cell(value: float, met: bool) -> str:
    return f"{value:.2f} {'met' if met else '**missed**'}"


def report(results: dict, help_times: tuple[float, float], pool: str, load: tuple[float, float] = (0, 0),
           cores: list[float] | None = None) -> str:
    """The results as Markdown (what RESULTS.md holds); ``load``: the 1-minute load average before and after;
    ``cores``: :func:`free_cores` before and after each corpus size."""
    lines = ["# Benchmark results", "",
             f"Measured {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} by `make bench` "
             "(`benchmarks/run.py`).", "",
             f"- machine: {platform.machine()}, {_cores()} cores, {platform.system()} {platform.release()}; "
             f"load average {load[0]:.1f} before the run, {load[1]:.1f} after (other work on the machine "
             "slows wall times; CPU times suffer less)",
             "- cores free for two processes (two CPU-bound processes side by side; 2.0: both at once), "
             f"measured before and after each size: {', '.join(f'{c:.1f}' for c in cores or [])}",
             f"- Python {platform.python_version()}, qualcode {version('qualcode')}, spaCy {version('spacy')}, "
             f"spacy-lookups-data {version('spacy-lookups-data')}",
             f"- corpus: {pool}, copied under new ids", "- codebook: `codebooks/barriers.yaml` (22 codes with rules)",
             "", "Every step is a whole process: wall seconds, CPU seconds (user + system) and the process's peak "
             "resident memory.", ""]
    sizes = list(results)
    lines += ["| step | " + " | ".join(f"{s} wall s | {s} CPU s | {s} MB" for s in sizes) + " |",
              "|---|" + "---|---|---|" * len(sizes)]
    lines.append("| corpus | " + " | ".join(
        f"{results[s]['corpus']['files']} files | {results[s]['corpus']['words']:,} words | " for s in sizes) + " |")
    for key, what in STEPS:
        if not any(key in results[s] for s in sizes):
            continue
        cells = []
        for s in sizes:
            row = results[s].get(key)
            cells.append(f"{row['seconds']:.2f} | {row['cpu']:.2f} | {row['rss_mb']:.0f}" if row else "– | – | –")
        extra = ""
        if key.startswith("appendix"):
            extra = " (" + ", ".join(f"{s}: {quotes(results[s][key]['stdout']):,} quotes" for s in sizes) + ")"
        lines.append(f"| {what}{extra} | " + " | ".join(cells) + " |")
    lines += ["", f"Repeatable steps (references, `python -c pass`, `code` with nothing changed or after an edit, "
              f"`search`, `words`) are medians of {REPEAT[0]} runs; an edit is undone and coded again between "
              "runs.", "", "## Ratios", "",
              "| ratio | target | serves | " + " | ".join(f"{s} wall | {s} CPU" for s in sizes) + " |",
              "|---|---|---|" + "---|---|" * len(sizes)]
    wall = {s: ratios(results[s], "seconds") for s in sizes}
    cpu = {s: {r[0]: r for r in ratios(results[s], "cpu")} for s in sizes}
    for what, _, target, _, serves in max(wall.values(), key=len):
        cells = []
        for s in sizes:
            found = [r for r in wall[s] if r[0] == what]
            cells.append(_cell(found[0][1], found[0][3]) if found else "–")
            cells.append(_cell(cpu[s][what][1], cpu[s][what][3]) if what in cpu[s] else "–")
        lines.append(f"| {what} | {target} | {serves} | " + " | ".join(cells) + " |")
    pad = " – |" * (2 * len(sizes) - 1)
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]
        words = results[last]["corpus"]["words"] / results[first]["corpus"]["words"]
        growth = {c: (results[last]["ingest"][c] + results[last]["code"][c])
                  / (results[first]["ingest"][c] + results[first]["code"][c]) for c in ("seconds", "cpu")}
        lines.append(f"| (ingest + code) at {last} / at {first} ({words:.1f}× the words; wall, CPU) | ≤ 11 | "
                     "growth | "
                     f"{_cell(growth['seconds'], growth['seconds'] <= 11)} | "
                     f"{_cell(growth['cpu'], growth['cpu'] <= 11)} |" + " – |" * (2 * len(sizes) - 2))
    helps, typer_time = help_times
    lines.append(f"| `qualcode --help` / `python -c \"import typer\"` ({helps:.2f} s / {typer_time:.2f} s) | ≤ 3 | "
                 "--help | "
                 f"{_cell(helps / typer_time, helps / typer_time <= 3)} |" + pad)
    return "\n".join(lines) + "\n"


def _cores() -> int:
    return os.cpu_count() or 1


def main() -> int:
    """Build the corpora, measure every step, print the results and write them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one corpus of about 20,000 words")
    parser.add_argument("--sizes", default="0.3M,1M,3M", help="comma-separated: 0.3M, 1M, 3M")
    parser.add_argument("--output", type=Path, default=None, help="where to write the Markdown results")
    parser.add_argument("--no-jobs", action="store_true", help="leave out the --jobs 2 project (for measuring "
                        "a qualcode without --jobs)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each repeatable step (medians are kept)")
    args = parser.parse_args()
    REPEAT[0] = 1 if args.smoke else max(1, args.repeat)
    sizes = {"20k": 20_000} if args.smoke else {s: SIZES[s] for s in args.sizes.split(",")}
    output = args.output if args.output or args.smoke else HERE / "RESULTS.md"
    description, _ = corpus.pool()
    # Start-up is measured as users see it, with compiled modules: an environment that sets
    # PYTHONDONTWRITEBYTECODE would otherwise make every process compile qualcode from source.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "qualcode")], check=True, capture_output=True)
    results = {}
    before = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    cores = []
    with tempfile.TemporaryDirectory(prefix="qualcode-bench-") as tmp:
        for label, words in sizes.items():
            print(f"measuring {label} words …", flush=True)
            cores.append(free_cores())
            jobs = not args.no_jobs and (args.smoke or words >= 1_000_000)
            results[label] = measure_size(label, words, Path(tmp), jobs=jobs)
            cores.append(free_cores())
    helps = help_ratio(3 if args.smoke else 7)
    after = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    text = report(results, helps, description, (before, after), cores)
    print(text)
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        if output.is_file():  # keep the hand-written notes that explain the numbers
            kept = output.read_text(encoding="utf-8")
            if NOTES in kept:
                text += "\n" + kept[kept.index(NOTES):]
        output.write_text(text, encoding="utf-8")
        print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

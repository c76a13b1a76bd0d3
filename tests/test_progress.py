"""Progress: the core reports words (ingest, code) and quotes (appendix) through a callback; the CLI draws a
bar only on a terminal, so piped output stays clean."""

from __future__ import annotations

from pathlib import Path

from helpers import make_project
from test_incremental import CODEBOOK, IDI1, IDI2


def test_callbacks_report_words_and_quotes(tmp_path: Path) -> None:
    """ingest and code report growing word counts up to the total; appendix reports quotes looked at."""
    project = make_project(tmp_path / "p", {}, CODEBOOK)
    (project.root / "transcripts" / "IDI-01.txt").write_text(IDI1, encoding="utf-8")
    (project.root / "transcripts" / "IDI-02.txt").write_text(IDI2, encoding="utf-8")
    seen: dict[str, list[tuple[int, int, str]]] = {"ingest": [], "code": [], "appendix": []}
    project.ingest(on_progress=lambda *a: seen["ingest"].append(a))
    project.code(on_progress=lambda *a: seen["code"].append(a))
    project.appendix(tmp_path / "a.md", include_suggestions=True, on_progress=lambda *a: seen["appendix"].append(a))
    for kind in ("ingest", "code"):
        done = [d for d, _, _ in seen[kind]]
        assert done == sorted(done) and done[-1] == seen[kind][-1][1] > 20, kind
    assert seen["appendix"] and seen["appendix"][-1][0] >= 5 and seen["appendix"][-1][1] == 0


def test_piped_output_has_no_bar(tmp_path: Path, cli) -> None:
    """Run through a pipe (not a terminal), ingest and code print their summaries and no progress bar."""
    project = make_project(tmp_path / "p", {"IDI-01.txt": IDI1}, CODEBOOK)
    for args in (("ingest", "--jobs", "2"), ("code", "--jobs", "2"), ("code",)):
        result = cli(*args, "--project", project.root)
        assert result.exit_code == 0
        assert "words/s" not in result.stdout + result.stderr and "\x1b[2K" not in result.stderr
    assert "nothing changed since the last run" in result.stdout

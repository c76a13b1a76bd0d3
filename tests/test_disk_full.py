"""A full disk while a writer writes (the appendix .docx, an .xlsx export, any other output) gives one line
naming the file, leaves no partial output behind, and leaves an earlier file of that name as it was.

The disk fills through the file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored): every write past it fails with
EFBIG, as a full disk fails with ENOSPC, through the same code paths (PIL, lxml, zipfile, plain writes)."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO


@pytest.fixture(scope="module")
def coded(tmp_path_factory) -> Path:
    """Three sample transcripts, ingested and auto-coded, with the sample codebook."""
    root = tmp_path_factory.mktemp("full")
    (root / "transcripts").mkdir()
    for name in ("IDI-03.txt", "IDI-04.txt", "IDI-06.txt"):
        shutil.copy(REPO / "transcripts" / name, root / "transcripts")
    shutil.copy(REPO / "codebooks" / "barriers.yaml", root)
    (root / "qualcode.toml").write_text('[project]\ncodebook = "barriers.yaml"\n', encoding="utf-8")
    for args in (("ingest",), ("code",)):
        assert _qualcode(root, *args).returncode == 0
    return root


def _qualcode(root: Path, *args: str, limit: int | None = None) -> subprocess.CompletedProcess:
    def full_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "qualcode", *args], cwd=root, capture_output=True, text=True,
                          timeout=300, preexec_fn=full_disk if limit else None, env={**os.environ})


WRITERS = [("appendix", "--include-suggestions", "-o", "out/appendix.docx"),
           ("appendix", "--include-suggestions", "--annex", "codebook", "-o", "out/appendix.md"),
           ("codings", "export", "--include-suggestions", "-o", "out/codings.xlsx"),
           ("matrix", "--include-suggestions", "--by", "site", "-o", "out/matrix.xlsx"),
           ("matrix", "--include-suggestions", "--by", "site", "-o", "out/matrix.csv", "--plot", "out/heatmap.png"),
           ("codebook", "export", "out/codebook.docx"),
           ("export", "out/study.qdpx", "--include-suggestions")]


@pytest.fixture(scope="module")
def sizes(coded: Path, tmp_path_factory) -> dict[str, int]:
    """Each output's size when the disk has room: the writers write every file (so a failure below is the
    disk's)."""
    root = tmp_path_factory.mktemp("room") / "p"
    shutil.copytree(coded, root)
    for args in WRITERS:
        result = _qualcode(root, *args)
        assert result.returncode == 0, result.stderr
    written = {p.name: p.stat().st_size for p in (root / "out").iterdir()}
    assert sorted(written) == ["appendix.docx", "appendix.md", "codebook.docx", "codings.xlsx", "heatmap.png",
                               "matrix.csv", "matrix.xlsx", "study.qdpx"]
    return written


@pytest.mark.parametrize("share", [0.1, 0.6])
@pytest.mark.parametrize("args", WRITERS, ids=[a[-1].split("/")[-1] if a[0] != "export" else "qdpx" for a in WRITERS])
def test_a_full_disk_gives_one_line_and_leaves_nothing_partial(args, share: float, sizes: dict[str, int],
                                                                coded: Path, tmp_path: Path) -> None:
    """Writing past a full disk (room for 10% or 60% of the largest output): exit 1, `cannot write: File too
    large` naming the file, no traceback or ignored exception, no partial or temporary file in the output
    folder, and the earlier file the error names untouched."""
    root = tmp_path / "p"
    shutil.copytree(coded, root)
    (root / "out").mkdir()
    outputs = [a for a in args if a.startswith("out/")]
    for name in outputs:
        (root / name).write_bytes(b"the earlier version")
    result = _qualcode(root, *args, limit=int(share * max(sizes[Path(n).name] for n in outputs)))
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "cannot write: File too large" in errors[0], result.stderr
    assert any(name in errors[0] for name in outputs)
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr
    assert sorted(p.name for p in (root / "out").iterdir()) == sorted(Path(n).name for n in outputs)
    failed = next(name for name in outputs if name in errors[0])  # a command's other outputs may be complete
    assert (root / failed).read_bytes() == b"the earlier version"

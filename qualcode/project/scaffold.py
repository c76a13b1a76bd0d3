"""``qualcode init``: the files a new project starts with."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from qualcode.errors import ProjectError
from qualcode.project.ignore import IGNORE_FILE, IGNORE_NAME

CONFIG = """\
# qualcode project settings (all optional)
[project]
codebook = "codebooks/barriers.yaml"
transcripts = "transcripts"
language = "en"          # default transcript language when neither front matter nor the text says
# coder = "your-name"    # default coder for `qualcode tag`

[participants]
# columns never exported unless asked for
identifying = []

# [speakers]             # replace the built-in interviewer / respondent labels
# interviewer = ["Interviewer", "Int", "I", "Q", "Moderator", "Facilitator", "Researcher", "PV", "Hỏi"]
"""

PARTICIPANTS_HEADER = "participant,document,speaker,role,gender,ethnicity,age_group,disability,site,position\n"


def init_project(directory: Path) -> tuple[list[Path], list[Path]]:
    """Create ``qualcode.toml``, ``codebooks/barriers.yaml``, ``transcripts/participants.csv`` and
    ``transcripts/.qualcodeignore`` in ``directory``; existing files are kept. Returns ``(created, kept)``.

    Raises ProjectError when ``directory`` exists but is not a folder.
    """
    if directory.exists() and not directory.is_dir():
        raise ProjectError(f"{directory} exists and is not a folder")
    sample = resources.files("qualcode").joinpath("data/sample_codebook.yaml").read_text(encoding="utf-8")
    files = {
        directory / "qualcode.toml": CONFIG,
        directory / "codebooks" / "barriers.yaml": sample,
        directory / "transcripts" / "participants.csv": PARTICIPANTS_HEADER,
        directory / "transcripts" / IGNORE_NAME: IGNORE_FILE,
    }
    created, kept = [], []
    for path, content in files.items():
        if path.exists():
            kept.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        created.append(path)
    return created, kept

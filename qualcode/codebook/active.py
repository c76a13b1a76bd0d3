"""The codebook a project uses: named, configured, or the one `code` last used."""

from __future__ import annotations

from pathlib import Path

from qualcode.codebook.load import Codebook, load_codebook
from qualcode.errors import Problem, ProjectError, QualcodeError
from qualcode.project.folder import ProjectFolder
from qualcode.project.store import open_store
from qualcode.wording import plural


class CodebookInvalid(QualcodeError):
    """A codebook with errors: ``problems`` lists every one with its place."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        super().__init__(f"codebook has {plural(len(problems), 'error')}; fix them (see `qualcode codebook check`)",
                         where=path)
        self.problems = problems

def codebook_path(project: ProjectFolder, explicit: str | Path | None = None) -> Path:
    """The codebook to use: ``explicit``, else ``qualcode.toml``'s, else the one ``qualcode code`` last used.

    Raises ProjectError when none is known.
    """
    if explicit:
        return Path(explicit)
    if project.config.codebook:
        return project.root / project.config.codebook
    if project.store_path.exists():
        store = open_store(project.store_path)
        try:
            last = store.get_meta("active_codebook")
        finally:
            store.close()
        if last:
            return project.root / last
    raise ProjectError("no codebook: name one with --codebook, or set [project] codebook in qualcode.toml")

def active_codebook(project: ProjectFolder, explicit: str | Path | None = None) -> Codebook:
    """The project's codebook, loaded and structurally valid. Raises CodebookInvalid or ProjectError."""
    path = codebook_path(project, explicit)
    report = load_codebook(path)
    if report.codebook is None:
        raise CodebookInvalid(str(path), report.errors)
    return report.codebook

"""Outputs never over inputs: an output path (``-o``, ``--plot``, an output argument) naming one of the
project's inputs is refused before the command runs.

Inputs are: ``qualcode.toml``, the store and its journal, the participants file (where they are or would be
read from); the codebook qualcode.toml names, the active one and every file in ``codebooks/`` (when they exist:
`codebook import` creates them); every stored document's source file; and any file the
next `qualcode ingest` would read as a transcript (a supported file under the transcripts folder that
``.qualcodeignore`` does not leave alone) — an appendix written there as ``.md`` would come back as an
interview. A file named as an input of the same command (``--reference-doc``, the codebook of
`codebook export`) is refused too.
"""

from __future__ import annotations

from pathlib import Path

from qualcode.errors import QualcodeError, UsageError


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _stored_paths(project) -> tuple[set[Path], str | None]:
    """Every stored document's source file, and the active codebook (relative), read without side effects."""
    from qualcode.project.store import open_store

    if not project.store_path.is_file():
        return set(), None
    try:
        store = open_store(project.store_path)
    except QualcodeError:
        return set(), None  # the command itself will say what is wrong with the store
    try:
        paths = {project.root / path for path, _ in store.document_keys().values()}
        return paths, store.get_meta("active_codebook")
    finally:
        store.close()


def _would_ingest(project, path: Path) -> bool:
    """Whether a scan of the transcripts folder would read ``path`` as a transcript."""
    from qualcode.ingest import supported
    from qualcode.ingest.run import SCAN_SKIP_NAMES
    from qualcode.project.ignore import ignore_rules

    folder = project.transcripts_dir.resolve()
    try:
        relative = path.resolve().relative_to(folder)
    except ValueError:
        return False
    if any(p.startswith(".") for p in relative.parts) or path.name.startswith("~$") or path.name in SCAN_SKIP_NAMES:
        return False
    try:
        if ignore_rules(folder).ignores(relative):
            return False
    except QualcodeError:
        pass
    return supported(path)


def what_input(project, path: Path) -> str | None:
    """What input of ``project`` the output ``path`` would overwrite or become, or None when it is free."""
    store = project.store_path
    named = [(project.root / "qualcode.toml", "the project's settings (qualcode.toml)"),
             (store, "the project store"),
             *[(store.with_name(store.name + suffix), "the project store's journal")
               for suffix in ("-journal", "-wal", "-shm")],
             (project.participants_path, "the project's participants file"),
             (project.transcripts_dir / "pseudonyms.csv", "the pseudonymisation key")]
    if project.config.codebook and (project.root / project.config.codebook).exists():  # creating it is setting up
        named.append((project.root / project.config.codebook, "the project's codebook"))
    for target, what in named:
        if _same(path, target):
            return what
    codebooks = project.root / "codebooks"
    # a YAML file there is written only by `codebook import`, which never writes over a file and says so itself
    if path.exists() and _same(path.parent, codebooks) and path.suffix.lower() not in (".yaml", ".yml"):
        return "a codebook of the project (codebooks/)"
    documents, active = _stored_paths(project)
    if active and _same(path, project.root / active):
        return "the active codebook"
    if any(_same(path, d) for d in documents):
        return "a transcript of the project"
    if _would_ingest(project, path):
        return ("a transcript of the project" if path.exists() else
                "a file the next `qualcode ingest` would read as a transcript (it lies in the transcripts folder)")
    return None


def refuse_inputs(outputs: dict[str, Path], inputs: list[Path], project_dir: Path | None) -> None:
    """Raise UsageError when an output (``{option: path}``; option ``""`` for an argument) names an input of the
    project or of the command (``inputs``). A project that cannot be opened is left to the command to report."""
    from qualcode.project.folder import open_folder

    for option, path in outputs.items():
        for given in inputs:
            if _same(path, given):
                raise UsageError(f"{option} {path}".strip() + " is also an input of this command: write the output "
                                 "to another file")
    try:
        project = open_folder(project_dir)
    except QualcodeError:
        return
    for option, path in outputs.items():
        what = what_input(project, path)
        if what is not None:
            raise UsageError(f"{option} {path}".strip() + f" is {what}: an output never replaces an input; write "
                             "it to another file")

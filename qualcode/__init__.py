"""qualcode: code qualitative interview transcripts from the command line or from Python.

Every command is a method of :class:`Project`::

    import qualcode
    project = qualcode.open_project("my-study")
    project.ingest()
    project.code()
    frame = project.matrix(by=["gender"])
"""

from qualcode.api import ExportResult, Project, init_project, open_project
from qualcode.errors import InputFileError, ProjectError, QualcodeError, UsageError

__version__ = "0.1.0"

__all__ = [
    "ExportResult",
    "InputFileError",
    "Project",
    "ProjectError",
    "QualcodeError",
    "UsageError",
    "__version__",
    "init_project",
    "open_project",
]

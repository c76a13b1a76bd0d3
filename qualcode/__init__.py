"""qualcode: code qualitative interview transcripts from the command line or from Python.

The public API is what the CLI calls::

    import qualcode
    project = qualcode.open_project("my-study")
    report = qualcode.ingest(project)
    for doc in qualcode.list_documents(project):
        print(doc.id, doc.turns, doc.words)
"""

from .corpus import DocumentSummary, IngestReport, ingest, list_documents
from .errors import InputFileError, ProjectError, QualcodeError, UsageError
from .project import Project, open_project
from .reports import cooccur, matrix, quotes

__version__ = "0.1.0"

__all__ = [
    "DocumentSummary",
    "IngestReport",
    "InputFileError",
    "Project",
    "ProjectError",
    "QualcodeError",
    "UsageError",
    "cooccur",
    "ingest",
    "list_documents",
    "matrix",
    "open_project",
    "quotes",
]

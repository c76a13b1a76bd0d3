"""The ``qualcode`` command line: one thin function per command (parse → one library call → render).

Only this package prints. Library errors arrive as :class:`~qualcode.errors.QualcodeError` and leave as one
line on stderr and an exit code; ``--debug`` shows the traceback instead. ``base`` holds the app and the
shared helpers; each other module registers the commands of one area (importing it registers them).
"""

from . import agreement, coding, corpus, reports, review, tagging  # noqa: F401  (registers the commands)
from .base import app, main

__all__ = ["app", "main"]

"""The ``qualcode`` command line: one thin function per command (parse → one library call → render).

Only this package prints. Library errors arrive as :class:`~qualcode.errors.QualcodeError` and leave as one
line on stderr and an exit code; ``--debug`` shows the traceback instead. ``base`` holds the app and the
shared helpers; each other module registers the commands of one area (importing it registers them).
"""

# Importing a module registers its commands, in the order `qualcode --help` lists them: the workflow.
from . import corpus  # noqa: F401, I001
from . import coding  # noqa: F401
from . import review  # noqa: F401
from . import tagging  # noqa: F401
from . import reports  # noqa: F401
from . import agreement  # noqa: F401
from .base import app, main

__all__ = ["app", "main"]

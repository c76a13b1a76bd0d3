"""The ``qualcode`` command line: one thin function per command (parse → one library call → render).

Only this package prints. Library errors arrive as :class:`~qualcode.errors.QualcodeError` and leave as one
line on stderr and an exit code; ``--debug`` shows the traceback instead. ``base`` holds the app and the
shared helpers; each other module registers the commands of one area (importing it registers them).
"""

# Importing a module registers its commands, in the order `qualcode --help` lists them: the workflow.
from qualcode.cli import corpus_commands  # noqa: F401, I001
from qualcode.cli import coding_commands  # noqa: F401
from qualcode.cli import review_commands  # noqa: F401
from qualcode.cli import suggest_commands  # noqa: F401
from qualcode.cli import tagging_commands  # noqa: F401
from qualcode.cli import memo_commands  # noqa: F401
from qualcode.cli import explore_commands  # noqa: F401
from qualcode.cli import report_commands  # noqa: F401
from qualcode.cli import agreement_commands  # noqa: F401
from qualcode.cli import exchange_commands  # noqa: F401
from qualcode.cli.base import app, main

__all__ = ["app", "main"]

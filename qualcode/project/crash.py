"""A test-only hook that kills the process at a chosen point, to show an interrupted command loses nothing.

With ``QUALCODE_CRASH_AT=STAGE:N`` in the environment, the N-th call of :func:`crash_point` for ``STAGE``
(``ingest-read``, ``ingest-write``, ``code``, ``import``, ``review``) sends the process SIGKILL, as a power cut
or a killed terminal would. Without the variable it does nothing.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

_calls: Counter[str] = Counter()


def crash_point(stage: str) -> None:
    """Count a call for ``stage``; kill the process when ``QUALCODE_CRASH_AT`` names this stage and count."""
    wanted = os.environ.get("QUALCODE_CRASH_AT")
    if not wanted:
        return
    _calls[stage] += 1
    name, _, count = wanted.partition(":")
    if name == stage and count.isdigit() and _calls[stage] == int(count):
        os.kill(os.getpid(), signal.SIGKILL)

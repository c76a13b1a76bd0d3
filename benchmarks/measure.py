"""Run one command as a child process; print its wall and CPU seconds and peak resident memory (MB) as JSON.

Used by ``benchmarks/run.py`` so that every measured step is a whole process of its own and its peak memory
is that process's alone: this wrapper has exactly one child, so ``RUSAGE_CHILDREN`` is that child's.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time


def main() -> int:
    """Run ``sys.argv[1:]`` (which must succeed) and print ``{"seconds", "cpu", "rss_mb", "stdout"}``: wall
    seconds, CPU seconds (user + system, of every process it started), peak memory."""
    start = time.perf_counter()
    done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        return done.returncode
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # ru_maxrss: kilobytes on Linux
    print(json.dumps({"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
                      "stdout": done.stdout[-2000:]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

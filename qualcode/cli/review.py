"""Commands of the human-coding work (review); see the issue on human coding."""

from __future__ import annotations

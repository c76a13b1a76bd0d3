"""Commands of the human-coding work (tagging); see the issue on human coding."""

from __future__ import annotations

"""Commands of the human-coding work (agreement); see the issue on human coding."""

from __future__ import annotations

"""Text made safe for the formats it is written into.

XML (Word, Excel) cannot hold most control characters: a form feed pasted into a transcript would make the
writer fail. The rule, applied by every XML writer: form feed and vertical tab become a space, other control
characters (except tab and line breaks), U+FFFE, U+FFFF and lone surrogates are dropped. Markdown passes raw
HTML through to whatever renders it, so ``&``, ``<`` and ``>`` in transcript text are written as entities.
"""

from __future__ import annotations

import re

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (form feed and vertical tab become spaces)."""
    return _XML_ILLEGAL.sub(lambda m: " " if m.group() in "\x0b\x0c" else "", text)


def markdown_escape(text: str) -> str:
    """``text`` for Markdown: HTML's ``&``, ``<`` and ``>`` as entities, so no tag reaches a renderer."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

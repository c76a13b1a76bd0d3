"""Text made safe for the formats it is written into.

XML (Word, Excel) cannot hold most control characters: a form feed pasted into a transcript would make the
writer fail. The rule, applied by every XML writer: form feed and vertical tab become a space, other control
characters (except tab and line breaks), U+FFFE, U+FFFF and lone surrogates are dropped.

Markdown passes raw HTML through to whatever renders it and turns brackets and bare addresses into links, so
every text that comes from a transcript, a codebook, a memo or a participants file is written by
:func:`markdown_escape`: no tag, no link, no image, no heading or list it did not hold as text, and the same
words on the page.
"""

from __future__ import annotations

import re

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (form feed and vertical tab become spaces)."""
    return _XML_ILLEGAL.sub(lambda m: " " if m.group() in "\x0b\x0c" else "", text)


# Markdown's inline markup, backslash-escaped (CommonMark shows an escaped character as it is): the backslash,
# code spans, emphasis, table cells and strikethrough everywhere; `_` where it could open or close emphasis (not
# inside a word: `service_access` stays as it is); `]` where it would close a link or image (`](`, `][`, `]:`),
# so `[laughs]` stays as transcribed.
_INLINE = re.compile(r"([\\`*|~])|(?<!\w)_|_(?!\w)|\](?=[(\[:])")
# What starts a heading, a list or a thematic break at the start of a line ("1. yes" is text, not a list). A
# link definition (`[x]: url`) needs `]:`, escaped above.
_LINE_MARK = re.compile(r"(?m)^([ \t]*)([#+=-])")
_LINE_NUMBER = re.compile(r"(?m)^([ \t]*\d{1,9})([.)])")
# An e-mail address becomes a mailto link on GitHub whatever is escaped in it: it is shown as code instead.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WWW = re.compile(r"(?i)\bwww\.")


def _escape_plain(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _INLINE.sub(lambda m: "\\" + m.group(0), text)
    text = _LINE_NUMBER.sub(r"\1\\\2", _LINE_MARK.sub(r"\1\\\2", text))
    text = text.replace("://", "\\://")  # a bare https://… or ftp://… is not made a link (GitHub autolinks)
    return _WWW.sub(lambda m: m.group(0)[:-1] + "\\.", text)


def markdown_escape(text: str) -> str:
    """``text`` for Markdown, shown as written and inert: HTML's ``&``, ``<`` and ``>`` as entities (no tag
    reaches a renderer), Markdown's inline markup characters backslash-escaped (no link, image, emphasis or
    code span), a heading, list or quote marker at a line's start escaped, bare web addresses broken up so
    no renderer links them, and e-mail addresses written as code (GitHub links them otherwise)."""
    out, at = [], 0
    for match in _EMAIL.finditer(text):
        out += [_escape_plain(text[at:match.start()]), f"`{match.group(0)}`"]
        at = match.end()
    out.append(_escape_plain(text[at:]))
    return "".join(out)

"""Turning a file's bytes into text: BOMs, strict UTF-8, legacy Windows code pages, NFC and newlines."""

from __future__ import annotations

import codecs
import re
import unicodedata

from qualcode.errors import InputFileError

# Letters (after NFD) that mark Vietnamese: breve, horn, hook above, dot below, and đ.
_VIETNAMESE_MARKS = {"\u0306", "\u031b", "\u0309", "\u0323"}
_VIETNAMESE_LETTERS = {"đ", "Đ"}


def normalise(text: str) -> str:
    """NFC-normalise ``text`` and turn CRLF / CR newlines into ``\\n``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    return unicodedata.normalize("NFC", text)


def _vietnamese_class() -> re.Pattern[str]:
    chars = sorted(c for c in map(chr, range(0x00C0, 0x1F00)) if c.isalpha() and (
        c in _VIETNAMESE_LETTERS or any(m in _VIETNAMESE_MARKS for m in unicodedata.normalize("NFD", c))))
    return re.compile("[" + "".join(chars) + "]")


_VIETNAMESE_CHAR = _vietnamese_class()
_LETTER = re.compile(r"[^\W\d_]")


def vietnamese_share(text: str) -> float:
    """The share of letters in NFC ``text`` that only Vietnamese uses (ă, ơ, ư, đ, hook above, dot below)."""
    marked = len(_VIETNAMESE_CHAR.findall(text))
    if not marked:  # most English transcripts: no need to count every letter
        return 0.0
    return marked / len(_LETTER.findall(text))


def decode(data: bytes, where: str, encoding: str | None = None,
           warnings: list[str] | None = None) -> tuple[str, str]:
    """Decode ``data`` and normalise it; returns ``(text, encoding_used)``.

    A BOM decides (UTF-8, UTF-16); else UTF-8; else Windows-1258 when the text then holds Vietnamese
    letters, else Windows-1252. A file that is mostly UTF-8 (at least one well-formed non-ASCII character,
    and no fewer of them than bad byte sequences) stays UTF-8: each bad sequence becomes U+FFFD and a message
    is appended to ``warnings``. Only a file that is mostly not UTF-8 is read with a legacy code page.
    ``encoding`` overrides detection. Raises InputFileError for binary data (NUL bytes outside UTF-16), an
    empty file, or bytes no candidate decodes.
    """
    if encoding:
        try:
            return normalise(data.decode(encoding)), encoding
        except LookupError:
            raise InputFileError(f"unknown encoding {encoding!r}", where=where) from None
        except UnicodeDecodeError as exc:
            raise InputFileError(f"not valid {encoding} at byte {exc.start}", where=where) from None
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", where), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", where), "utf-16"
    if b"\x00" in data:
        raise InputFileError("binary file (contains NUL bytes), not a text transcript", where=where)
    try:
        return normalise(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    mostly = _mostly_utf8(data)
    if mostly is not None:
        text, bad = mostly
        if warnings is not None:
            warnings.append(f"{bad} byte sequence{'s' if bad != 1 else ''} not valid UTF-8 (the first at byte "
                            f"{first_bad}) replaced by U+FFFD; the rest is read as UTF-8")
        return text, "utf-8"
    candidates = []
    for name in ("cp1258", "cp1252"):
        try:
            candidates.append((normalise(data.decode(name)), name))
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise InputFileError("cannot decode: not UTF-8, UTF-16, Windows-1258 or Windows-1252; "
                             "name the encoding with --encoding", where=where)
    text, name = candidates[0]
    if name == "cp1258" and vietnamese_share(text) == 0 and len(candidates) > 1:
        text, name = candidates[1]
    return text, name


def _mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """``(text, bad sequences)`` when ``data`` is UTF-8 with a few bad bytes, else None."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for char in text if char > "\x7f" and char != "\ufffd")
    if good == 0 or good < bad:
        return None
    return normalise(text), bad


def _strict(data: bytes, name: str, where: str) -> str:
    try:
        return normalise(data.decode(name))
    except UnicodeDecodeError as exc:
        raise InputFileError(f"not valid {name.upper()} at byte {exc.start}", where=where) from None

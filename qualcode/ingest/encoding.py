"""Turning a file's bytes into text: BOMs, strict UTF-8, legacy Windows code pages, NFC, newlines and invisible
format characters."""

from __future__ import annotations

import codecs
import re
import unicodedata

from qualcode.errors import InputFileError

# Letters (after NFD) that mark Vietnamese: breve, horn, hook above, dot below, and đ.
_VIETNAMESE_MARKS = {"\u0306", "\u031b", "\u0309", "\u0323"}
_VIETNAMESE_LETTERS = {"đ", "Đ"}


# Characters with no visible form that carry no letter: zero-width space, non-joiner and joiner, word joiner,
# invisible operators, left-to-right / right-to-left / Arabic letter marks, bidi embeddings, overrides and
# isolates, the Mongolian vowel separator, a BOM anywhere in the text, and the soft hyphen (shown only where a
# line breaks). Left in, they hide speaker labels (`\u200bR:` is not `R:`) and split words for the coder, the
# search and the leak check; so decoding removes them and the stored text -- the one every offset counts in --
# never holds them (docs/choices.md, "Invisible characters").
INVISIBLE = frozenset("\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                      "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff")
_INVISIBLE_TABLE = dict.fromkeys(map(ord, INVISIBLE))


def normalise(text: str) -> str:
    """NFC-normalise ``text``, turn CRLF / CR newlines into ``\\n`` and remove :data:`INVISIBLE` characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE_TABLE)
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
    """Decode ``data`` and normalise it (:func:`normalise`); returns ``(text, encoding_used)``.

    See :func:`decode_raw` for the detection and what it raises.
    """
    text, name = decode_raw(data, where, encoding, warnings)
    return normalise(text), name


_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # UTF-32 LE starts like UTF-16 LE


def decode_raw(data: bytes, where: str, encoding: str | None = None,
               warnings: list[str] | None = None) -> tuple[str, str]:
    """Decode ``data`` as it is, without normalising it; returns ``(text, encoding_used)``.

    A BOM decides (UTF-8, UTF-16, UTF-32; the BOM is not part of the text); else UTF-8; else Windows-1258 when
    the text then holds Vietnamese letters, else Windows-1252. A file that is mostly UTF-8 (at least one
    well-formed non-ASCII character, and no fewer of them than bad byte sequences) stays UTF-8: each bad
    sequence becomes U+FFFD and a message is appended to ``warnings``. Only a file that is mostly not UTF-8 is
    read with a legacy code page. ``encoding`` overrides detection. Raises InputFileError for binary data (NUL
    bytes without a UTF-16 or UTF-32 BOM), bad bytes after a BOM, or bytes no candidate decodes.
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise InputFileError(f"unknown encoding {encoding!r}", where=where) from None
        except UnicodeDecodeError as exc:
            raise InputFileError(f"not valid {encoding} at byte {exc.start}", where=where) from None
    for bom, name in _BOMS:
        if data.startswith(bom):
            if name == "utf-8":
                return _strict(data[3:], "utf-8", where), "utf-8-sig"
            return _strict(data, name, where), name  # Python's utf-16 / utf-32 codecs read the BOM
    if b"\x00" in data:
        raise InputFileError("binary file (contains NUL bytes), not a text transcript", where=where)
    try:
        return data.decode("utf-8"), "utf-8"
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
            candidates.append((data.decode(name), name))
        except UnicodeDecodeError:
            continue
    if not candidates:
        raise InputFileError("cannot decode: not UTF-8, UTF-16, Windows-1258 or Windows-1252; "
                             "name the encoding with --encoding", where=where)
    text, name = candidates[0]
    if name == "cp1258" and vietnamese_share(unicodedata.normalize("NFC", text)) == 0 and len(candidates) > 1:
        text, name = candidates[1]
    return text, name


def _mostly_utf8(data: bytes) -> tuple[str, int] | None:
    """``(text, bad sequences)`` when ``data`` is UTF-8 with a few bad bytes, else None."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for char in text if char > "\x7f" and char != "\ufffd")
    if good == 0 or good < bad:
        return None
    return text, bad


def _strict(data: bytes, name: str, where: str) -> str:
    try:
        return data.decode(name)
    except UnicodeDecodeError as exc:
        raise InputFileError(f"not valid {name.upper()} at byte {exc.start}", where=where) from None

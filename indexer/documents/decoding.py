"""Decode a text file's bytes: UTF-8 (with or without a BOM) or UTF-16 with a byte-order mark;
anything else is refused with a reason that says how to fix the file."""

from __future__ import annotations

import unicodedata

from indexer.errors import UnreadableFileError

__all__ = ["decode_text"]


def decode_text(data: bytes) -> str:
    """Decode a text file's bytes, refusing empty, binary and non-UTF-8 content."""
    if not data.strip():
        raise UnreadableFileError("the file is empty; add text or remove it")
    utf16 = _decode_utf16(data) if data.startswith((_UTF16_LE_BOM, _UTF16_BE_BOM)) else None
    if utf16 is not None:
        text = utf16
    elif b"\x00" in data:
        if _looks_like_utf16(data):
            raise UnreadableFileError("looks like UTF-16 without a byte-order mark: save it as UTF-8")
        raise UnreadableFileError("not a text file (it contains NUL bytes)")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnreadableFileError(
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
            ) from exc
    if not text.strip():
        raise UnreadableFileError("the file is empty; add text or remove it")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f")
    if controls > 0.05 * len(text):
        raise UnreadableFileError("not a text file (too many control characters)")
    return text


_UTF16_LE_BOM, _UTF16_BE_BOM = b"\xff\xfe", b"\xfe\xff"


def _decode_utf16(data: bytes) -> str | None:
    """The text of a file with a UTF-16 byte-order mark, or None if the rest is not UTF-16 text
    (`\xff\xfe` may also start a binary or Latin-1 file)."""
    codec = "utf-16-le" if data.startswith(_UTF16_LE_BOM) else "utf-16-be"
    try:
        text = data[2:].decode(codec)
    except UnicodeDecodeError:
        return None
    unassigned = sum(1 for ch in text if unicodedata.category(ch) in ("Cn", "Co", "Cs"))
    return text if unassigned == 0 else None


def _looks_like_utf16(data: bytes) -> bool:
    """Mostly ASCII text in UTF-16 has a NUL in every other byte, all at even or all at odd offsets."""
    sample = data[:4096]
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return max(even, odd) >= 0.3 * len(sample) / 2 and min(even, odd) <= 0.05 * max(even, odd)

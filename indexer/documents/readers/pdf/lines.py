"""Positioned text from a pdfium text page: one `Segment` per run of words on a line, with its font size and weight.

pdfium splits a page's text into rectangles (one per text object on a line); each one costs a few calls,
where reading character by character would cost a few calls per character. Rectangles that touch on one
baseline are merged into a segment; a wide gap (a table's column, a page's gutter) starts another.
"""

from __future__ import annotations

import ctypes
import math
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

import pypdfium2.raw as pdfium_c

MAX_RECTS = 60_000
MAX_RECT_CHARS = 2_000  # a page with more pieces of text than this is built to be slow: it is skipped
_CELL_GAP = 1.2  # a gap wider than this many font sizes separates two segments (cells, columns)
_SPACE_GAP = 0.15  # a gap wider than this many font sizes between two pieces is a space
_BOLD = 600
_BOLD_NAMES = ("bold", "black", "heavy", "semibold", "demi")
_SPACES = str.maketrans({"\r": " ", "\n": " ", "\t": " ", "\x02": "-", "\xad": "-", "\ufffe": "-", "\x00": ""})


@dataclass(frozen=True)
class Segment:
    """Words on one line of a page, in top-down coordinates (y grows downwards from the page's top)."""

    x0: float
    x1: float
    top: float
    bottom: float
    text: str
    size: float
    bold: bool

    @property
    def height(self) -> float:
        return self.bottom - self.top


def page_segments(textpage: Any, page_height: float) -> list[Segment]:
    """The segments of a page in content order; an empty list for a page built to be slow."""
    count = textpage.count_rects()
    if count > MAX_RECTS:
        return []
    boxes = [textpage.get_rect(i) for i in range(count)]
    starts = [_first_char(textpage, box) for box in boxes]
    ends = [*starts[1:], textpage.count_chars()][: len(starts)]
    pieces = []
    for box, start, end in zip(boxes, starts, ends, strict=True):
        piece = _piece(textpage, box, start, end, page_height)
        if piece is not None and piece.bottom > 0 and piece.top < page_height:  # text off the page is not shown
            pieces.append(piece)
    return _merge(pieces)


def _first_char(textpage: Any, box: tuple[float, float, float, float]) -> int:
    left, bottom, right, top = box
    height = max(top - bottom, 0.1)
    return int(
        pdfium_c.FPDFText_GetCharIndexAtPos(
            textpage, left + min(0.5, (right - left) / 2), (top + bottom) / 2, 1.0, height / 2
        )
    )


def _piece(
    textpage: Any, box: tuple[float, float, float, float], start: int, end: int, height: float
) -> Segment | None:
    """A rectangle's text: its characters by index (neighbouring glyphs that overlap it are not taken twice)."""
    left, bottom, right, top = box
    if 0 <= start < end and end - start < 4 * MAX_RECT_CHARS:
        text = textpage.get_text_range(start, end - start)
    else:
        text = textpage.get_text_bounded(left, bottom, right, top)
    text = text.translate(_SPACES)
    if not text.strip():
        return None
    size, bold = _style(textpage, start, max(top - bottom, 0.1))
    return Segment(left, right, height - top, height - bottom, unicodedata.normalize("NFKC", text), size, bold)


def _style(textpage: Any, char: int, height: float) -> tuple[float, bool]:
    """The effective font size (the nominal size times the text matrix's scale) and boldness of a character."""
    if char < 0:
        return round(height, 1), False
    matrix = pdfium_c.FS_MATRIX()
    nominal = pdfium_c.FPDFText_GetFontSize(textpage, char)
    scale = (
        math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c))
        if pdfium_c.FPDFText_GetMatrix(textpage, char, matrix)
        else 1.0
    )
    size = nominal * scale
    if not 0.5 < size < 500:
        size = height
    return round(size, 1), pdfium_c.FPDFText_GetFontWeight(textpage, char) >= _BOLD or _bold_name(textpage, char)


def _bold_name(textpage: Any, char: int) -> bool:
    """Whether the font's name says bold (many fonts give no weight)."""
    buffer = ctypes.create_string_buffer(96)
    flags = ctypes.c_int()
    length = pdfium_c.FPDFText_GetFontInfo(textpage, char, buffer, len(buffer), flags)
    name = buffer.value[: max(0, length - 1)].decode("latin-1").lower()
    return any(word in name for word in _BOLD_NAMES)


def _merge(pieces: list[Segment]) -> list[Segment]:
    """Pieces on one line, close enough to be the next words, joined into one segment each."""
    segments: list[Segment] = []
    current: Segment | None = None
    chars = 0  # characters of `current` in its main style, to give the segment the style of most of its text
    for piece in pieces:
        if current is not None and _continues(current, piece):
            current = _joined(current, piece, restyle=len(piece.text) > chars)
            chars = max(chars, len(piece.text))
            continue
        if current is not None:
            segments.append(current)
        current, chars = piece, len(piece.text)
    if current is not None:
        segments.append(current)
    tidy = (replace(s, text=" ".join(s.text.split())) for s in segments)
    return [s for s in tidy if s.text]


def _joined(current: Segment, piece: Segment, restyle: bool) -> Segment:
    """`current` followed by `piece`, with a space where the gap between them is a word gap."""
    gap = piece.x0 - current.x1
    glued = current.text.endswith(" ") or piece.text.startswith(" ") or gap < _SPACE_GAP * current.size
    style = piece if restyle else current
    return Segment(
        current.x0,
        max(current.x1, piece.x1),
        min(current.top, piece.top),
        max(current.bottom, piece.bottom),
        current.text + ("" if glued else " ") + piece.text,
        style.size,
        style.bold,
    )


def _continues(current: Segment, piece: Segment) -> bool:
    """Whether `piece` is the next word(s) of `current` on the same line."""
    gap = piece.x0 - current.x1
    size = max(current.size, piece.size)
    if gap > _CELL_GAP * size or gap < -0.5 * size:
        return False
    overlap = min(current.bottom, piece.bottom) - max(current.top, piece.top)
    return overlap >= 0.3 * min(current.bottom - current.top, piece.bottom - piece.top)

"""Headings: short lines set larger or bolder than the body text, and the titles of the PDF's outline.

Levels come from the outline where a heading is one of its entries, else from the heading sizes of
the document, largest first. Number-only lines, lines ending with a full stop, long lines and table
rows are never headings.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from indexer.documents.readers.pdf.blocks import Block, Line
from indexer.models import BlockKind

MAX_WORDS = 18
_MAX_CHARS = 150
_MAX_LEVEL = 6
_MAX_CAPS_WORDS = 8  # an upper-case line at the body size this short is a heading
_LARGER = 1.1  # a heading's size is at least this many times the body's, unless it is bold
_LEADERS = re.compile(r"(?:\.\s?){4,}|\u2026{2,}")


@dataclass(frozen=True)
class OutlineEntry:
    """A bookmark of the PDF: its title, depth (0 = top) and 0-based page."""

    title: str
    level: int
    page: int


def fold(text: str) -> str:
    """Text folded for matching a line to an outline title."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def body_size(lines: list[Line]) -> float:
    """The font size of most of the document's characters."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def mark_headings(blocks: list[Block], body: float, outline: list[OutlineEntry]) -> None:
    """Turn heading-like paragraphs into headings with their levels."""
    by_outline = _outline_levels(blocks, outline)
    candidates = [b for b in blocks if b.kind is BlockKind.PARAGRAPH and _heading_like(b, body)]
    sizes = sorted({_size_key(b, body) for b in candidates}, reverse=True)
    for b in candidates:
        b.kind = BlockKind.HEADING
        b.level = min(sizes.index(_size_key(b, body)) + 1, _MAX_LEVEL)
    for b, level in by_outline.items():
        b.kind = BlockKind.HEADING
        b.level = level


def _size_key(block: Block, body: float) -> float:
    size = round(block.first.size * 2) / 2
    if size >= body * _LARGER:
        return size
    return body + (0.25 if block.first.bold else 0.0) + (0.1 if block.text.isupper() else 0.0)


def has_words(text: str) -> bool:
    """Whether the text holds at least two letters (a number-only line is not a heading)."""
    return sum(c.isalpha() for c in text) >= 2


def _heading_like(block: Block, body: float) -> bool:
    first = block.first
    text = block.text
    if len(block.lines) > 3 or len(first.cells) > 1 or not _short_title(text):
        return False
    if any(line.size != first.size or line.bold != first.bold for line in block.lines):
        return False
    if first.size >= body * _LARGER:
        return True
    return first.size >= body - 0.5 and (first.bold or (text.isupper() and len(text.split()) <= _MAX_CAPS_WORDS))


def _short_title(text: str) -> bool:
    return (
        0 < len(text.split()) <= MAX_WORDS
        and len(text) <= _MAX_CHARS
        and has_words(text)
        and not text.endswith((".", ",", ";"))
        and not text[0].islower()
        and _LEADERS.search(text) is None
    )


def _outline_levels(blocks: list[Block], outline: list[OutlineEntry]) -> dict[Block, int]:
    """The blocks that are outline entries, on the entry's page or the next, with the entry's level."""
    wanted: dict[tuple[int, str], int] = {}
    for entry in outline:
        title = fold(entry.title)
        if title:
            wanted.setdefault((entry.page, title), entry.level)
    found: dict[Block, int] = {}
    for b in blocks:
        if b.kind not in (BlockKind.PARAGRAPH, BlockKind.HEADING) or len(b.lines) > 3 or not _short_title(b.text):
            continue
        key = fold(b.text)
        for page in (b.page - 1, b.page - 2):
            level = wanted.get((page, key))
            if level is not None:
                found[b] = min(level + 1, _MAX_LEVEL)
                break
    return found

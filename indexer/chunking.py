"""Cut documents into passages that follow their structure and fit the model's window.

A chunk never crosses a section boundary. A section's first chunk starts at its
heading, so the heading is part of the quote. Consecutive blocks merge while the
chunk is still small; a block too long for the window is cut at sentence ends,
and a sentence too long for it at word ends. The section path the model sees
before each passage takes at most half the window (outer headings are dropped
first), so every passage has room: the window holds for every chunk.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from indexer.models import Block, BlockKind, Chunk, Document, Section
from indexer.sentences import sentence_spans

TokenCounter = Callable[[str], int]

_WORD = re.compile(r"\S+")
PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class ChunkerSettings:
    """How passages are cut: `max_tokens` is the model window, `min_tokens` the merge threshold."""

    max_tokens: int = 256
    min_tokens: int = 64


def embed_text(section_path: tuple[str, ...], passage: str) -> str:
    """The text the model embeds: the section path on one line, then the passage."""
    if not section_path:
        return passage
    return PATH_SEPARATOR.join(section_path) + "\n" + passage


def chunk_document(doc: Document, count_tokens: TokenCounter, settings: ChunkerSettings | None = None) -> list[Chunk]:
    """Chunk a document section by section."""
    settings = settings or ChunkerSettings()
    chunks: list[Chunk] = []
    for section in doc.sections:
        blocks = [b for b in doc.blocks if b.section == section.ordinal]
        chunks.extend(_chunk_section(doc, section, blocks, count_tokens, settings))
    return chunks


def _chunk_section(
    doc: Document,
    section: Section,
    blocks: list[Block],
    count_tokens: TokenCounter,
    settings: ChunkerSettings,
) -> Iterator[Chunk]:
    if all(b.kind is BlockKind.HEADING for b in blocks):
        return

    path = _path_in_budget(section.path, count_tokens, settings.max_tokens // 2)

    def tokens(start: int, end: int) -> int:
        return count_tokens(embed_text(path, doc.text[start:end]))

    units = _units(doc.text, blocks, tokens, settings.max_tokens)
    for start, end in _merge(units, tokens, settings):
        page = next((b.page for b in blocks if b.end > start), None)
        yield Chunk(
            document_id=doc.id,
            section=section.ordinal,
            section_path=section.path,
            start=start,
            end=end,
            text=doc.text[start:end],
            embed_text=embed_text(path, doc.text[start:end]),
            page=page,
        )


def _path_in_budget(path: tuple[str, ...], count_tokens: TokenCounter, budget: int) -> tuple[str, ...]:
    """The innermost headings of `path` that fit `budget` tokens; none if the last heading alone is over.

    A path longer than the window would leave no room for the passage; the heading of an
    overlong path is still quoted by the section's first passage.
    """
    for i in range(len(path)):
        if count_tokens(embed_text(path[i:], "")) <= budget:
            return path[i:]
    return ()


def _units(
    text: str, blocks: list[Block], tokens: Callable[[int, int], int], limit: int
) -> list[tuple[int, int, bool]]:
    """(start, end, sticky) spans that each fit the window; a sticky span (a heading) joins the next."""
    units: list[tuple[int, int, bool]] = []
    for block in blocks:
        start = block.start
        if units and units[-1][2] and tokens(units[-1][0], block.end) > limit:
            start = units.pop()[0]  # cut heading and block together, so the heading leads the first piece
        if tokens(start, block.end) <= limit:
            units.append((start, block.end, block.kind is BlockKind.HEADING))
        else:
            units.extend((s, e, False) for s, e in _split_long(text, start, block.end, tokens, limit))
    return units


def _split_long(
    text: str, start: int, end: int, tokens: Callable[[int, int], int], limit: int
) -> list[tuple[int, int]]:
    """Cut a span that is too long at sentence ends, then word ends, then characters."""
    spans: list[tuple[int, int]] = []
    for s, e in sentence_spans(text, start, end):
        if tokens(s, e) <= limit:
            spans.append((s, e))
            continue
        for ws, we in _pack(_pieces(_WORD, text, s, e), tokens, limit):
            if tokens(ws, we) <= limit:
                spans.append((ws, we))
            else:
                spans.extend(_split_chars(ws, we, tokens, limit))
    return _pack(spans, tokens, limit)


def _pieces(pattern: re.Pattern[str], text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = (_trim(text, *m.span()) for m in pattern.finditer(text, start, end))
    return [(s, e) for s, e in spans if s < e]


def _split_chars(start: int, end: int, tokens: Callable[[int, int], int], limit: int) -> list[tuple[int, int]]:
    """Cut one overlong word (a URL, unspaced script) into the longest pieces that fit."""
    out: list[tuple[int, int]] = []
    while start < end:
        lo, hi = start + 1, end
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if tokens(start, mid) <= limit:
                lo = mid
            else:
                hi = mid - 1
        out.append((start, lo))
        start = lo
    return out


def _pack(spans: list[tuple[int, int]], tokens: Callable[[int, int], int], limit: int) -> list[tuple[int, int]]:
    """Greedily join neighbouring spans while the joined span fits the window."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and tokens(out[-1][0], e) <= limit:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _merge(
    units: list[tuple[int, int, bool]], tokens: Callable[[int, int], int], settings: ChunkerSettings
) -> list[tuple[int, int]]:
    """Join a unit to the chunk before it while that chunk is sticky or still small."""
    out: list[tuple[int, int]] = []
    sticky = False
    for start, end, unit_sticky in units:
        if out:
            prev_start, _ = out[-1]
            small = tokens(*out[-1]) < settings.min_tokens or tokens(start, end) < settings.min_tokens
            if (sticky or small) and tokens(prev_start, end) <= settings.max_tokens:
                out[-1] = (prev_start, end)
                sticky = unit_sticky
                continue
        out.append((start, end))
        sticky = unit_sticky
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end

"""From a PDF's positioned text to the reader's items, labels and the titles its cover prints."""

from __future__ import annotations

from indexer.documents.readers.pdf.blocks import Block, classify, group, join_two, to_lines, vocabulary
from indexer.documents.readers.pdf.columns import reading_order
from indexer.documents.readers.pdf.cover import cover_of, unmark_cover
from indexer.documents.readers.pdf.figures import drop_chart_text
from indexer.documents.readers.pdf.headings import body_size, mark_headings
from indexer.documents.readers.pdf.matter import mark_matter
from indexer.documents.readers.pdf.running import strip_running
from indexer.documents.readers.pdf.source import Source
from indexer.documents.structure import Item
from indexer.models import BlockKind

_SENTENCE_END = (".", "!", "?", ":", ";")
_SKIPPED = (BlockKind.FOOTNOTE, BlockKind.CAPTION)  # what may sit between a paragraph and its continuation


def items_of(source: Source) -> tuple[list[Item], list[str | None], tuple[str, ...]]:
    """The items of the document, the printed label of each page and the title candidates of its cover."""
    pages, numbers = strip_running(source.segments, source.heights)
    cover = cover_of(pages)
    labels = source.page_labels if any(source.page_labels) else numbers
    lines = [to_lines(reading_order(segments), index) for index, segments in enumerate(pages, start=1)]
    every = [line for page in lines for line in page]
    body = body_size(every)
    words = vocabulary(every)
    blocks: list[Block] = []
    for page_lines, height in zip(lines, source.heights, strict=True):
        for block in group(page_lines, height, body):
            classify(block, height, body, words)
            blocks.append(block)
    blocks = drop_chart_text(blocks, body)
    mark_headings(blocks, body, source.outline)
    unmark_cover(blocks, cover, [source.title, *cover.titles[:1]], body)
    mark_matter(blocks)
    return _items(_rejoin(blocks, words)), labels, cover.titles


def _rejoin(blocks: list[Block], words: set[str]) -> list[Block]:
    """Paragraphs cut by a column or page break joined again (notes and captions in between stay after)."""
    out: list[Block] = []
    for block in blocks:
        last = next((b for b in reversed(out) if b.kind not in _SKIPPED), None)
        if last is not None and _continues(last, block):
            last.text = join_two(last.text, block.text, words)
            last.lines.extend(block.lines)
            continue
        out.append(block)
    return out


def _continues(last: Block, block: Block) -> bool:
    """Whether `block` is the rest of `last`: a paragraph cut by a column or page break, or the wrapped
    lines of a list item that were set apart from its bullet."""
    if last.kind not in (BlockKind.PARAGRAPH, BlockKind.LIST) or block.kind is not BlockKind.PARAGRAPH:
        return False
    end, start = last.lines[-1], block.first
    moved = start.page != end.page or start.region != end.region
    return (
        (moved or last.kind is BlockKind.LIST)
        and not last.text.endswith(_SENTENCE_END)
        and start.text[:1].islower()
        and abs(start.size - end.size) <= 0.6
    )


def _items(blocks: list[Block]) -> list[Item]:
    items: list[Item] = []
    for b in blocks:
        if b.kind is BlockKind.TABLE:
            items.extend(Item(BlockKind.TABLE, row, 0, b.page) for row in b.rows)
        elif b.kind is BlockKind.HEADING:
            items.append(Item(BlockKind.HEADING, b.text, max(1, b.level), b.page))
        else:
            items.append(Item(b.kind, b.text, 0, b.page))
    return items

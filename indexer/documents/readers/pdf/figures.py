"""The text of charts: axis ticks, data labels and legends that a figure's drawing scatters over the page.

On a page with a figure caption ("Figure 3", "Fig. 12", "Chart No2"), blocks that are only numbers
("2,500", "11%  19%", "2010 2011 2012") or a word or two set smaller than the body are the chart's own
labels: they are dropped, not read as paragraphs. Tables (rows of cells over several lines) stay.
"""

from __future__ import annotations

import re

from indexer.documents.readers.pdf.blocks import Block
from indexer.models import BlockKind

_FIGURE = re.compile(r"^(?:(?:Figure|Chart|Graph|Map|Diagram|Infographic|Exhibit)\b|Fig\.)", re.IGNORECASE)
_NUMBER = re.compile(r"^[(\[]?[-+\u2212\u2013]?[$\u20ac\u00a3]?\d[\d.,]*[%\u2030]?[)\]]?$|^[-\u2013\u2014*]$")
_MIN_FRAGMENTS = 3  # a chart scatters at least this many labels with numbers
_LABEL_WORDS = 3  # a legend or axis label is this short
_KEPT = re.compile(r"^(?:source|note)s?\b", re.IGNORECASE)  # a figure's source line is text


def drop_chart_text(blocks: list[Block], body: float) -> list[Block]:
    """The blocks without the chart labels of the pages that have a figure caption."""
    figure_pages = {b.page for b in blocks if b.kind is BlockKind.CAPTION and _FIGURE.match(b.text)}
    if not figure_pages:
        return blocks
    fragments = {id(b) for b in blocks if b.page in figure_pages and _chart_label(b, body)}
    numbers: dict[int, int] = {}
    for b in blocks:
        if id(b) in fragments and any(_NUMBER.match(t) for t in b.text.split()):
            numbers[b.page] = numbers.get(b.page, 0) + 1
    scattered = {page for page, count in numbers.items() if count >= _MIN_FRAGMENTS}
    return [b for b in blocks if not (id(b) in fragments and b.page in scattered)]


def _chart_label(block: Block, body: float) -> bool:
    if block.kind is not BlockKind.PARAGRAPH or _KEPT.match(block.text):
        return False
    tokens = block.text.split()
    numbers = sum(1 for t in tokens if _NUMBER.match(t))
    if numbers * 2 >= len(tokens) and len(tokens) - numbers <= _LABEL_WORDS:
        return True  # ticks and data labels, with a legend's word or two among them
    return len(tokens) <= _LABEL_WORDS and block.first.size < body - 0.5 and not block.first.bold

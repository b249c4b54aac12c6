"""Tables of contents and reference lists: kept in the text as CONTENTS and REFERENCES, never passages.

A contents section opens with a "Contents" heading (or "List of figures"...) and runs while its lines
end with a page number or dot leaders; a references section opens with "References", "Bibliography",
"Index"... and runs to the next heading of the same or a higher level. Outside them, lines with dot
leaders are contents and paragraphs that open like a citation ("Author, A. (2019).") are references.
A contents heading never holds the document's sections: set larger than the chapter headings, it would
otherwise root every section path ("Table of contents > Chapter II > 2.1 Coverage").
"""

from __future__ import annotations

import re

from indexer.documents.readers.pdf.blocks import Block
from indexer.documents.readers.pdf.headings import fold
from indexer.models import BlockKind

_CONTENTS = re.compile(r"^(?:table of )?contents?$|^(?:list|table) of (?:figures|tables|boxes|charts|maps|annexes)")
_REFERENCES = re.compile(
    r"^(?:\d+(?: \d+)* )?(?:references?|bibliography|works cited|literature(?: cited)?|sources|index|"
    r"selected references|reference list|further reading|endnotes)$"
)
_LEADERS = re.compile(r"(?:\.\s?){4,}|\u2026{2,}|_{4,}")
_ENDS_WITH_PAGE = re.compile(r"(?:\s|\.)(?:\d{1,4}|[ivxlc]{1,6})$")
_CITATION = re.compile(
    r"^(?:[A-Z][\w'\u2019-]+, (?:[A-Z]\.\s?)+[^\n]{0,160}?\b(?:19|20)\d{2}[a-z]?\b"
    r"|[A-Z][\w&.'\u2019 -]{1,60} \((?:19|20)\d{2}[a-z]?\)\.)"
)


def mark_matter(blocks: list[Block]) -> None:
    """Mark the blocks of contents and reference sections."""
    state: BlockKind | None = None
    opened = 0
    contents_headings: list[Block] = []  # since the last heading that is not a contents heading
    for b in blocks:
        if b.kind is BlockKind.HEADING:
            title = fold(b.text)
            if _CONTENTS.match(title):
                state, opened = BlockKind.CONTENTS, b.level
                contents_headings.append(b)
                continue
            _close_contents(contents_headings, b.level)
            if _REFERENCES.match(title):
                state, opened = BlockKind.REFERENCES, b.level
                continue
        if state is BlockKind.CONTENTS:
            if _contents_like(b):
                b.kind = BlockKind.CONTENTS
                continue
            if b.kind is BlockKind.HEADING or len(b.lines) > 2:
                state = None
        elif state is BlockKind.REFERENCES:
            if b.kind is BlockKind.HEADING and b.level <= opened:
                state = None
            elif b.kind in (BlockKind.PARAGRAPH, BlockKind.LIST, BlockKind.TABLE):
                b.kind = BlockKind.REFERENCES
                continue
        _mark_alone(b)


def _close_contents(contents_headings: list[Block], level: int) -> None:
    """The next heading after a run of contents headings is none of their children: it gets their level."""
    for heading in contents_headings:
        heading.level = max(heading.level, level)
    contents_headings.clear()


def _mark_alone(b: Block) -> None:
    if b.kind not in (BlockKind.PARAGRAPH, BlockKind.HEADING, BlockKind.TABLE):
        return
    lines = [line.text for line in b.lines]
    if sum(_LEADERS.search(line) is not None for line in lines) * 2 >= len(lines):
        b.kind = BlockKind.CONTENTS
    elif b.kind is BlockKind.PARAGRAPH and _CITATION.match(b.text):
        b.kind = BlockKind.REFERENCES


def _contents_like(b: Block) -> bool:
    lines = [line.text for line in b.lines]
    if b.kind in (BlockKind.CAPTION, BlockKind.HEADING, BlockKind.TABLE) or len(lines) <= 2:
        return any(_LEADERS.search(x) or _ENDS_WITH_PAGE.search(x) for x in lines)
    return sum(_LEADERS.search(x) is not None or _ENDS_WITH_PAGE.search(x) is not None for x in lines) * 2 >= len(lines)

"""Turn raw text into canonical text with blocks and sections.

Plain-text reports carry their structure in layout only: short title-like lines
are headings, tab-separated lines are table rows (and rows whose tab was lost
still start with a label seen in other rows), lines starting with a superscript
number are footnotes, and a paragraph cut by a page break continues with a
lower-case word after the break. Markdown `#` headings are honoured as given.

Every pass is linear in the size of the document (hostile files of many headings, rows
or continued paragraphs once took seconds to minutes): labels are looked up by prefix,
rejoined lines are built once, and each section is closed from its last block.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, replace

from indexer.documents.canonical import clean_line, markdown_heading, split_paragraphs
from indexer.models import Block, BlockKind, Page, Section

_FOOTNOTE = re.compile(r"^[\u00b9\u00b2\u00b3\u2070-\u2079]+\s")
_BULLET = re.compile(r"^(?:[-*+\u2022]|\d{1,3}[.)])\s")
_SENTENCE_END = tuple(".!?:;,)]\"'\u201d\u2019")
_TITLE_END = tuple(".!?:;,")
_MAX_HEADING_WORDS = 18
_MAX_HEADING_CHARS = 150
_MAX_LEVEL = 6  # the deepest a colon nests a heading: as deep as Markdown and HTML go
_MAX_LABEL_CHARS = 150  # a longer first cell is not a row label: it is not looked for in rows without tabs


@dataclass
class _Para:
    kind: BlockKind
    lines: list[str]
    level: int = 0
    page: int | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Structure:
    """Canonical text of a document with its blocks and sections."""

    text: str
    blocks: tuple[Block, ...]
    sections: tuple[Section, ...]
    pages: tuple[Page, ...] = ()


@dataclass(frozen=True)
class Item:
    """A block already identified by a structured format (HTML, DOCX)."""

    kind: BlockKind
    text: str
    level: int = 0
    page: int | None = None


def parse(raw: str) -> Structure:
    """Parse raw document text into canonical text, blocks and sections."""
    return _structure(_paragraphs(raw))


def parse_pages(pages: list[str], labels: Sequence[str | None] = ()) -> Structure:
    """Parse the text of consecutive pages; every block remembers its 1-based page.

    `labels[i]` is the label printed on page i + 1 (None or missing: the index is the label).
    """
    paras: list[_Para] = []
    for number, text in enumerate(pages, start=1):
        for p in _paragraphs(text):
            p.page = number
            paras.append(p)
    return _structure(paras, labels)


def from_items(items: list[Item], labels: Sequence[str | None] = ()) -> Structure:
    """Assemble already identified blocks, cleaning each line of their text.

    Items with a `page` make a paged structure; `labels` as in `parse_pages`.
    """
    paras: list[_Para] = []
    for item in items:
        lines = [line for line in (clean_line(x) for x in item.text.split("\n")) if line]
        if lines:
            paras.append(_Para(item.kind, lines, item.level, item.page))
    return _with_pages(_assemble(paras), labels)


def _structure(paras: list[_Para], labels: Sequence[str | None] = ()) -> Structure:
    explicit_headings = any(p.kind is BlockKind.HEADING for p in paras)
    _mark_footnotes_lists_tables(paras)
    paras = _rejoin_split_paragraphs(paras)
    if not explicit_headings:
        _mark_plain_headings(paras)
    return _with_pages(_assemble(paras), labels)


def _with_pages(structure: Structure, labels: Sequence[str | None]) -> Structure:
    """The pages of a structure whose blocks carry pages: each starts at its first block."""
    pages: list[Page] = []
    for block in structure.blocks:
        if block.page is not None and (not pages or block.page > pages[-1].number):
            given = labels[block.page - 1] if block.page <= len(labels) else None
            pages.append(Page(block.page, given or str(block.page), block.start))
    return replace(structure, pages=tuple(pages)) if pages else structure


def _paragraphs(raw: str) -> list[_Para]:
    paras: list[_Para] = []
    for raw_lines in split_paragraphs(raw):
        body: list[str] = []
        for line in raw_lines:
            heading = markdown_heading(line)
            if heading is None:
                cleaned = clean_line(line)
                if cleaned:
                    body.append(cleaned)
                continue
            if body:
                paras.append(_Para(BlockKind.PARAGRAPH, body))
                body = []
            title = clean_line(heading[1])
            if title:
                paras.append(_Para(BlockKind.HEADING, [title], level=heading[0]))
        if body:
            paras.append(_Para(BlockKind.PARAGRAPH, body))
    return paras


def _mark_footnotes_lists_tables(paras: list[_Para]) -> None:
    labels: set[str] = set()
    for p in paras:
        if p.kind is not BlockKind.PARAGRAPH:
            continue
        if _FOOTNOTE.match(p.lines[0]):
            p.kind = BlockKind.FOOTNOTE
        elif all(_BULLET.match(line) for line in p.lines):
            p.kind = BlockKind.LIST
        elif all("\t" in line for line in p.lines):
            p.kind = BlockKind.TABLE
            labels.update(line.split("\t", 1)[0] for line in p.lines)
    _mark_rows_without_tabs(paras, labels)


def _mark_rows_without_tabs(paras: list[_Para], labels: set[str]) -> None:
    """One-line paragraphs that start with a known row label and sit next to other rows."""
    labels = {label for label in labels if len(label) <= _MAX_LABEL_CHARS}
    found = {
        i: label
        for i, p in enumerate(paras)
        if p.kind is BlockKind.PARAGRAPH and len(p.lines) == 1 and (label := _row_label(p.lines[0], labels)) is not None
    }

    def row_like(i: int) -> bool:
        return i in found or (0 <= i < len(paras) and paras[i].kind is BlockKind.TABLE)

    for i, label in found.items():
        if row_like(i - 1) or row_like(i + 1):
            p = paras[i]
            p.kind = BlockKind.TABLE
            p.lines = [label + "\t" + p.lines[0][len(label) + 1 :]]


def _row_label(line: str, labels: set[str]) -> str | None:
    """The table label a tab-less row starts with, if any (longest match wins).

    A label is followed by a space and more text, so only the prefixes that end before a space
    within the first `_MAX_LABEL_CHARS` characters are looked up: bounded work per line,
    however many labels the document has.
    """
    cut = line.rfind(" ", 0, min(_MAX_LABEL_CHARS, len(line) - 2) + 1)
    while cut > 0:
        if line[:cut] in labels:
            return line[:cut]
        cut = line.rfind(" ", 0, cut)
    return None


@dataclass
class _Run:
    """A paragraph being rejoined across page breaks; its last line is kept in pieces and joined
    once, so a chain of continued paragraphs costs its length, not the square of it."""

    first: _Para
    lines: list[str]
    tail: list[str]
    tail_chars: int  # the length of the last line once joined
    merged: bool = False

    @classmethod
    def of(cls, para: _Para) -> _Run:
        return cls(para, para.lines[:-1], para.lines[-1:], len(para.lines[-1]))

    def continued_by(self, second: _Para) -> bool:
        """Whether `second` is the rest of this paragraph, cut off by a page break."""
        if self.first.kind is not BlockKind.PARAGRAPH or second.kind is not BlockKind.PARAGRAPH:
            return False
        head = second.lines[0][:1]
        if self.tail[-1].endswith(_SENTENCE_END):
            return False
        if head.islower():
            return True
        # a digit may open the paragraph under a heading ("Kyrgyzstan" / "2013 saw..."), so a
        # digit continues only a paragraph that cannot be a heading
        return head.isdigit() and not self._one_title_like_line()

    def _one_title_like_line(self) -> bool:
        if self.lines or self.tail_chars > _MAX_HEADING_CHARS:
            return False
        return _is_title_like(" ".join(self.tail))

    def join(self, nxt: _Para) -> None:
        self.merged = True
        self.tail.append(nxt.lines[0])
        self.tail_chars += 1 + len(nxt.lines[0])
        if len(nxt.lines) > 1:
            self.lines.append(" ".join(self.tail))
            self.lines.extend(nxt.lines[1:-1])
            self.tail = [nxt.lines[-1]]
            self.tail_chars = len(nxt.lines[-1])

    def para(self) -> _Para:
        if not self.merged:
            return self.first
        return _Para(BlockKind.PARAGRAPH, [*self.lines, " ".join(self.tail)], page=self.first.page)


def _rejoin_split_paragraphs(paras: list[_Para]) -> list[_Para]:
    """Join paragraphs split by a page break; footnotes in between move after them."""
    out: list[_Para] = []
    i = 0
    while i < len(paras):
        run = _Run.of(paras[i])
        i += 1
        held: list[_Para] = []
        while True:
            j = i
            while j < len(paras) and paras[j].kind is BlockKind.FOOTNOTE:
                j += 1
            if j >= len(paras) or not run.continued_by(paras[j]):
                break
            held.extend(paras[i:j])
            run.join(paras[j])
            i = j + 1
        out.append(run.para())
        out.extend(held)
    return out


def _is_title_like(line: str) -> bool:
    words = line.split()
    return (
        0 < len(words) <= _MAX_HEADING_WORDS
        and len(line) <= _MAX_HEADING_CHARS
        and (line[0].isupper() or line[0].isdigit())
        and not line.endswith(_TITLE_END)
        and "\t" not in line
    )


def _mark_plain_headings(paras: list[_Para]) -> None:
    """Mark title-like lines as headings: 1 for a leading title, 3 above a table, else 2."""
    for i, p in enumerate(paras[:-1]):
        if p.kind is not BlockKind.PARAGRAPH or len(p.lines) != 1 or not _is_title_like(p.lines[0]):
            continue
        p.kind = BlockKind.HEADING
        if i == 0:
            p.level = 1
        elif paras[i + 1].kind is BlockKind.TABLE:
            p.level = 3
        else:
            p.level = 2
    _nest_headings_introduced_by_a_colon(paras)


def _nest_headings_introduced_by_a_colon(paras: list[_Para]) -> None:
    """A section whose text ends with a colon right before the next heading introduces the
    sections that follow ("...will require dedicated attention:"): they become its children.

    Each colon opens a nesting: every later heading goes one level deeper until one is above the
    introducing section's level. The nestings are applied oldest first in one pass; a heading goes
    no deeper than `_MAX_LEVEL`, so each one passes at most that many open nestings (a chain of
    colons once made the pass, and the section paths, grow with the square of the headings).
    """
    nestings: deque[int] = deque()  # the introducing sections' levels, newest first
    parent: _Para | None = None
    for i, p in enumerate(paras):
        if p.kind is not BlockKind.HEADING:
            continue
        p.level = _nest(nestings, p.level)
        intro = paras[i - 1]
        if (
            parent is not None
            and intro.kind is BlockKind.PARAGRAPH
            and intro.lines[-1].endswith(":")
            and p.level == parent.level
        ):
            nestings.appendleft(parent.level)
            p.level = min(p.level + 1, _MAX_LEVEL)
        parent = p


def _nest(nestings: deque[int], level: int) -> int:
    """A heading's level after the open nestings, oldest first; a heading above a nesting's level closes it."""
    kept: list[int] = []
    while nestings and level < _MAX_LEVEL:
        opened_at = nestings.pop()
        if level >= opened_at:
            level += 1
            kept.append(opened_at)
    nestings.extend(reversed(kept))
    return level


def _assemble(paras: list[_Para]) -> Structure:
    parts: list[str] = []
    blocks: list[Block] = []
    sections: list[Section] = []
    heads: list[tuple[int, str]] = []  # (level, title) of the open headings
    current = Section(0, (), 0, 0, 0)
    last_end: int | None = None  # where the current section's last block ends
    pos = 0
    for p in paras:
        text = p.text
        if p.kind is BlockKind.HEADING:
            _close(current, last_end, sections)
            while heads and heads[-1][0] >= p.level:
                heads.pop()
            heads.append((p.level, text))
            current = Section(len(sections), tuple(h[1] for h in heads), p.level, pos, pos)
        blocks.append(Block(p.kind, pos, pos + len(text), current.ordinal, p.page))
        last_end = pos + len(text)
        parts.append(text)
        pos += len(text) + 2
    _close(current, last_end, sections)
    return Structure("\n\n".join(parts), tuple(blocks), tuple(sections))


def _close(section: Section, last_end: int | None, sections: list[Section]) -> None:
    """Record `section`, ending at its last block; an empty root section (no block yet) is dropped."""
    if last_end is None:
        return
    sections.append(replace(section, end=last_end))

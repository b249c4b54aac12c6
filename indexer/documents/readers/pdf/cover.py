"""The title printed on the cover: the largest text of the first page with text, with its subtitle.

The cover's text is grouped into blocks: lines of one font size that sit one under the other. The
largest block is the title; the block right under it, in a smaller size, is joined to it as a subtitle
when it reads as one (short, set in title case or capitals, not a numbered heading or a sentence). The
next blocks by size follow as further candidates, so that a date or a number printed largest is passed
over by the title's choice. Cover lines are not headings: they are the title, a date, a publisher.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.documents.readers.pdf.blocks import Block
from indexer.documents.readers.pdf.headings import fold
from indexer.documents.readers.pdf.lines import Segment
from indexer.documents.titles import is_plausible_title
from indexer.models import BlockKind

_COVER_PAGES = 3  # the cover is the first page with text among these
_SAME_SIZE = 0.03  # two sizes within this share (or half a point) are one style
_LINE_GAP = 1.3  # lines of one block are at most this many font sizes apart (bottom to top)
_SUBTITLE_GAP = 1.5  # a subtitle starts at most this many title font sizes under the title
_MAX_CANDIDATES = 6
_MAX_WORDS = 30  # a block longer than this is prose, not a title
_SUBTITLE_WORDS = 14
_SPARSE = 80  # a cover with fewer words than this and no paragraph has no headings at all
_TITLE_END = (":", ";", ".", "?", "!", "-", "\u2013", "\u2014", ",")
_LEADERS = re.compile(r"\s*(?:\.\s?){3,}\s*\d{0,4}$")
_NUMBERED = re.compile(r"^(?:\d+(?:\.\d+)*|[IVX]+)[.)]?\s")


@dataclass(frozen=True)
class Cover:
    """The cover page (1-based, 0 where no page has text) and its title candidates, best first."""

    page: int
    titles: tuple[str, ...]


@dataclass
class _Group:
    size: float
    segments: list[Segment]
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def text(self) -> str:
        lines: list[list[Segment]] = []
        for s in sorted(self.segments, key=lambda s: (s.top, s.x0)):
            if lines and s.top < lines[-1][0].bottom - 0.3 * s.height:
                lines[-1].append(s)
            else:
                lines.append([s])
        text = " ".join(s.text for line in lines for s in sorted(line, key=lambda s: s.x0))
        return _LEADERS.sub("", " ".join(text.split()))


def cover_of(pages: list[list[Segment]]) -> Cover:
    """The cover among the first pages (running lines already taken out) and the titles it prints.

    It is the first page with text that could be a title (a page with a date only is passed over).
    """
    first = Cover(0, ())
    for index, segments in enumerate(pages[:_COVER_PAGES], start=1):
        if not segments:
            continue
        cover = Cover(index, _titles(_groups(segments)))
        if any(is_plausible_title(t) for t in cover.titles):
            return cover
        first = first if first.page else cover
    return first


def _titles(groups: list[_Group]) -> tuple[str, ...]:
    ordered = [g for g in sorted(groups, key=lambda g: (-g.size, g.top)) if _title_like(g.text)]
    if not ordered:
        return ()
    out: list[str] = []
    main = next((g for g in ordered if is_plausible_title(g.text)), None)  # a date printed largest is not it
    below = _subtitle(main, groups) if main is not None else None
    if main is not None and below is not None:
        out.append(_joined(main.text, below.text))
    out.extend(g.text for g in ordered[:_MAX_CANDIDATES])
    return tuple(dict.fromkeys(out))


def _title_like(text: str) -> bool:
    return 0 < len(text.split()) <= _MAX_WORDS and not text.endswith(".")


def _groups(segments: list[Segment]) -> list[_Group]:
    """Segments of one size that touch or sit one under the other, each group once."""
    groups: list[_Group] = []
    for s in sorted(segments, key=lambda s: (s.top, s.x0)):
        group = next((g for g in reversed(groups) if _joins(g, s)), None)
        if group is None:
            groups.append(_Group(s.size, [s], s.x0, s.x1, s.top, s.bottom))
            continue
        group.segments.append(s)
        group.x0, group.x1 = min(group.x0, s.x0), max(group.x1, s.x1)
        group.bottom = max(group.bottom, s.bottom)
    return groups


def _same_size(a: float, b: float) -> bool:
    return abs(a - b) <= max(0.5, _SAME_SIZE * max(a, b))


def _joins(group: _Group, s: Segment) -> bool:
    if not _same_size(group.size, s.size):
        return False
    if s.x0 > group.x1 + s.size or s.x1 < group.x0 - s.size:
        return False
    return s.top - group.bottom <= _LINE_GAP * s.size


def _subtitle(title: _Group, groups: list[_Group]) -> _Group | None:
    """The group right under the title, smaller, if it reads as a subtitle."""
    under = [g for g in groups if g is not title and g.top >= title.bottom - 1 and g.x0 < title.x1 and g.x1 > title.x0]
    if not under:
        return None
    below = min(under, key=lambda g: g.top)
    if below.size >= title.size or _same_size(below.size, title.size):
        return None
    if below.top - title.bottom > _SUBTITLE_GAP * title.size:
        return None
    return below if _reads_as_subtitle(below.text) else None


def _reads_as_subtitle(text: str) -> bool:
    words = text.split()
    if len(words) > _SUBTITLE_WORDS or text.endswith(".") or _NUMBERED.match(text) or not is_plausible_title(text):
        return False
    if text.isupper():
        return True
    long = [w for w in words if sum(c.isalpha() for c in w) >= 4]
    return bool(long) and sum(w[0].isupper() for w in long) >= 0.8 * len(long)


def _joined(title: str, subtitle: str) -> str:
    return f"{title} {subtitle}" if title.endswith(_TITLE_END) else f"{title}: {subtitle}"


def unmark_cover(blocks: list[Block], cover: Cover, titles: list[str], body: float) -> None:
    """Headings that are cover lines or repeat the title turned back into paragraphs.

    On a sparse cover every heading goes. On a cover page that goes on with text, the title stays
    the first heading and the other large lines above the first paragraph go (a subtitle that reads
    as a sentence, a date). Elsewhere, a heading that repeats one of `titles` is not a section.
    """
    folded = {fold(t) for t in titles if t}
    printed = {fold(t) for t in cover.titles[:2]}
    page = [b for b in blocks if b.page == cover.page]
    sparse = not any(_body_paragraph(b, body) for b in page) and sum(len(b.text.split()) for b in page) < _SPARSE
    opened = False
    for b in page:
        opened = opened or _body_paragraph(b, body)
        if b.kind is not BlockKind.HEADING:
            continue
        if sparse or (not opened and b.first.size > body * 1.1 and fold(b.text) not in printed):
            b.kind, b.level = BlockKind.PARAGRAPH, 0
    for b in blocks:
        if b.kind is BlockKind.HEADING and b.page != cover.page and fold(b.text) in folded:
            b.kind, b.level = BlockKind.PARAGRAPH, 0


def _body_paragraph(block: Block, body: float) -> bool:
    return block.kind is BlockKind.PARAGRAPH and abs(block.first.size - body) <= 0.6 and len(block.text.split()) >= 12

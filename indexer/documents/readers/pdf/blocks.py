"""Lines in reading order grouped into blocks: paragraphs, table rows, list items, captions, footnotes.

A block ends where the vertical gap grows, the font changes, reading moves to another column, a line
starts with a bullet or a footnote marker, or a short line ends a sentence. Table rows are lines of
several cells; a run of two or more of them is a table, one item per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from indexer.documents.readers.pdf.columns import Row
from indexer.documents.readers.pdf.lines import Segment
from indexer.models import BlockKind

_BULLET = re.compile(
    r"^(?:[\u2022\u25cf\u25aa\u25a0\u25e6\u2023\u2043\u2219\u00b7\uf0b7\uf0a7\uf076\uf0d8\u27a2\u2713]\s*|[-*\u2013\u2014o]\s+)"
)
_CAPTION = re.compile(
    r"^(?:Figure|Fig\.|Table|Chart|Graph|Box|Map|Exhibit|Diagram|Infographic)(?:\s+|\s*No\.?\s*)"
    r"(?:[A-Z]?\d[\w.\-]*|[IVX]{1,5})\b",
    re.I,
)
_FOOTNOTE = re.compile(r"^\d{1,3}(?:\s+[A-Za-z\u201c\"(]|(?=[A-Z]))")
_MARKER = re.compile(r"^(?:\(?\d{1,2}(?:\.\d{1,2})*[.)]?|\(?[A-Za-z][.)]|[ivxIVX]{1,4}[.)])$")
_SENTENCE_END = (".", "!", "?", ":", ";", "\u201d", '"')
_SIZE_STEP = 0.6  # points of font size that separate two styles


@dataclass(frozen=True)
class Line:
    """One row of a page in reading order, its cells left to right."""

    cells: tuple[str, ...]
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    page: int
    region: int

    @property
    def text(self) -> str:
        return " ".join(self.cells)


@dataclass(eq=False)
class Block:
    """Lines read as one unit; `kind` is settled by the passes that follow."""

    lines: list[Line]
    kind: BlockKind = BlockKind.PARAGRAPH
    level: int = 0
    text: str = ""
    rows: list[str] = field(default_factory=list)

    @property
    def first(self) -> Line:
        return self.lines[0]

    @property
    def page(self) -> int:
        return self.lines[0].page


def to_lines(rows: list[Row], page: int) -> list[Line]:
    """The page's rows as lines, with the style of most of each row's text."""
    lines = []
    for row in rows:
        main = max(row.segments, key=lambda s: len(s.text))
        segs = row.segments
        lines.append(
            Line(
                _cells(segs),
                segs[0].x0,
                segs[-1].x1,
                min(s.top for s in segs),
                max(s.bottom for s in segs),
                main.size,
                main.bold,
                page,
                row.region,
            )
        )
    return lines


def _cells(segments: tuple[Segment, ...]) -> tuple[str, ...]:
    """The texts of a row's segments; a number, letter or bullet set apart from the text it opens is not a cell."""
    cells = tuple(s.text for s in segments)
    if len(cells) == 2 and (_MARKER.match(cells[0]) or _BULLET.fullmatch(cells[0] + " ")) and has_words(cells[1]):
        return (cells[0] + " " + cells[1],)
    return cells


def has_words(text: str) -> bool:
    """Whether the text holds at least two words of letters."""
    return sum(1 for w in text.split() if sum(c.isalpha() for c in w) >= 2) >= 2


def group(lines: list[Line], page_height: float, body: float) -> list[Block]:
    """The blocks of one page's lines."""
    pitch = _typical_pitch(lines)
    blocks: list[Block] = []
    for prev, line in zip([None, *lines], lines, strict=False):
        if prev is None or _breaks(prev, line, pitch, page_height, body):
            blocks.append(Block([line]))
        else:
            blocks[-1].lines.append(line)
    return blocks


def _typical_pitch(lines: list[Line]) -> dict[float, float]:
    """The usual distance from one line's top to the next's, per font size, on this page."""
    pitches: dict[float, list[float]] = {}
    for a, b in zip(lines, lines[1:], strict=False):
        if a.region == b.region and a.size == b.size and 0 < b.top - a.top < 3 * a.size:
            pitches.setdefault(a.size, []).append(b.top - a.top)
    return {size: median(values) for size, values in pitches.items()}


def _breaks(prev: Line, line: Line, pitch: dict[float, float], page_height: float, body: float) -> bool:
    """Whether `line` starts a new block after `prev`."""
    if line.region != prev.region or (len(line.cells) > 1) != (len(prev.cells) > 1):
        return True
    if abs(line.size - prev.size) > _SIZE_STEP or line.bold != prev.bold:
        return True
    step = line.top - prev.top
    usual = pitch.get(prev.size, 1.3 * prev.size)
    if step < -0.5 * prev.size or step > max(1.3 * usual, usual + 0.4 * prev.size):
        return True
    if _BULLET.match(line.text):
        return True
    if is_footnote_start(line, page_height, body):
        return True
    return prev.text.endswith(_SENTENCE_END) and (line.x0 > prev.x0 + prev.size or prev.x1 < line.x1 - 6 * prev.size)


def is_footnote_start(line: Line, page_height: float, body: float) -> bool:
    """A small line in the lower half of the page that starts with a note number."""
    return line.size < body - 0.5 and line.top > 0.5 * page_height and _FOOTNOTE.match(line.text) is not None


def classify(block: Block, page_height: float, body: float, words: set[str]) -> None:
    """Settle a block's kind and text from its lines (headings, contents and references come later)."""
    lines = block.lines
    if len(lines[0].cells) > 1:
        if len(lines) > 1:
            block.kind = BlockKind.TABLE
            block.rows = ["\t".join(line.cells) for line in lines]
            block.text = "\n".join(block.rows)
            return
        block.text = lines[0].text
        return
    block.text = join_lines([line.text for line in lines], words)
    bullet = _BULLET.match(block.text)
    if bullet and bullet.end() < len(block.text):
        block.kind = BlockKind.LIST
        block.text = "- " + block.text[bullet.end() :]
    elif _CAPTION.match(block.text) and len(block.text.split()) <= 60:
        block.kind = BlockKind.CAPTION
    elif is_footnote_start(lines[0], page_height, body):
        block.kind = BlockKind.FOOTNOTE


def join_lines(texts: list[str], words: set[str]) -> str:
    """Lines of a paragraph joined with a space, words hyphenated at a line end rejoined."""
    out = texts[0]
    for text in texts[1:]:
        out = join_two(out, text, words)
    return out


def join_two(left: str, right: str, words: set[str]) -> str:
    """`left` and `right` joined: a space, or nothing where `left` ends with a hyphenated word's first part."""
    if len(left) > 1 and left.endswith("-") and left[-2].isalpha() and right[:1].isalpha():
        head = left.rsplit(" ", 1)[-1][:-1]
        tail = right.split(" ", 1)[0]
        joined = (head + tail).casefold().strip(".,;:)")
        hyphenated = f"{head}-{tail}".casefold().strip(".,;:)")
        if right[0].isupper() or (hyphenated in words and joined not in words):
            return left + right
        return left[:-1] + right
    return left + " " + right


def vocabulary(lines: list[Line]) -> set[str]:
    """The words of the document, casefolded, as printed within lines (where no line break hyphenates them)."""
    return {
        w.casefold().strip(".,;:()[]\u201c\u201d\"'") for line in lines for cell in line.cells for w in cell.split()
    }

"""DOCX: headings by style or outline level, lists, tables row by row, footnotes and endnotes at the end.

The document XML is walked in order (paragraphs, tables, content controls; a table of contents is
left out). A Title-style paragraph that is a plausible title is a level-1 heading and the second title
candidate after the core properties' title; then come the largest text on the cover and the first
Heading 1. A note reference stays in the text as a superscript number; the note itself follows the
body as a footnote block starting with that number.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from indexer.documents.archives import check_zip
from indexer.documents.readers.docx_parts import (
    Notes,
    Style,
    default_points,
    default_style,
    linked_styles,
    notes,
    styles,
    val,
)
from indexer.documents.readers.docx_parts import (
    W as _W,
)
from indexer.documents.readers.result import Read
from indexer.documents.structure import Item, from_items
from indexer.documents.titles import clean_title, is_plausible_title
from indexer.errors import UnreadableFileError
from indexer.models import BlockKind

_HEADING_STYLE = re.compile(r"^(?:heading|überschrift|titre)\s*(\d)$", re.IGNORECASE)
_CONTAINERS = {_W + t for t in ("hyperlink", "ins", "smartTag", "sdt", "sdtContent", "fldSimple", "customXml", "dir")}
_SUPERSCRIPT = str.maketrans("0123456789", "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")
_MAX_STYLE_CHAIN = 20
_COVER_PARAGRAPHS = 40  # how far into the document the cover's title may be
_MIN_COVER_POINTS = 14.0


@dataclass
class _Walker:
    styles: dict[str, Style]
    notes: Notes
    default_points: float
    default_style: str | None
    linked: dict[str, str]  # character style id -> the paragraph style it is linked to
    items: list[Item] = field(default_factory=list)
    title: str | None = None  # the Title-style paragraph, when plausible
    first_heading: str | None = None
    cover: list[tuple[float, str]] = field(default_factory=list)  # (points, text) before the first heading
    _paragraphs: int = 0
    _in_title: bool = False
    _seen_heading: bool = False

    def body(self, parent: Any) -> None:
        for child in parent.iterchildren():
            if child.tag == _W + "p":
                self.paragraph(child)
            elif child.tag == _W + "tbl":
                self._in_title = False
                self.items.extend(self.table(child))
            elif child.tag == _W + "sdt" and not _is_contents(child):
                content = child.find(_W + "sdtContent")
                if content is not None:
                    self.body(content)
            elif child.tag == _W + "customXml":
                self.body(child)

    def paragraph(self, p: Any) -> None:
        text = self.text(p)
        if not text.strip():
            return
        self._paragraphs += 1
        chain = list(self._chain(val(p, f"{_W}pPr/{_W}pStyle")))
        level = _heading_level(p, chain)
        if level == 0:
            self._title_paragraph(text)
            return
        self._in_title = False
        run_in = self._run_in_heading(p, text) if level is None else None
        if run_in is not None:
            level, text = run_in[0], run_in[1]
            self.items.append(Item(BlockKind.HEADING, run_in[2], level))
            level = None
        if level is not None:
            self.first_heading = self.first_heading or (text if level == 1 else None)
            self._seen_heading = True
            self.items.append(Item(BlockKind.HEADING, text, level))
            return
        if self._paragraphs <= _COVER_PARAGRAPHS and not self._seen_heading:
            self.cover.append((self._points(p, chain), text))
        numbered = p.find(f"{_W}pPr/{_W}numPr") is not None or any(s.numbered for s in chain)
        if numbered or any(s.name.lower().startswith("list") for s in chain):
            self.items.append(Item(BlockKind.LIST, "- " + text))
        else:
            self.items.append(Item(BlockKind.PARAGRAPH, text))

    def _run_in_heading(self, p: Any, text: str) -> tuple[int, str, str] | None:
        """(level, body, heading) of a paragraph that opens with a heading in a heading's character style and a tab.

        Some documents set "Background<tab>As part of..." in one paragraph, the first word in the
        "Heading 2 Char" style linked to Heading 2.
        """
        head, tab, body = text.partition("\t")
        runs = [r for r in p.iter(_W + "r") if any((t.text or "").strip() for t in r.iterchildren(_W + "t"))]
        if not tab or not body.strip() or not runs:
            return None
        char_style = val(runs[0], f"{_W}rPr/{_W}rStyle")
        linked = self.linked.get(char_style or "")
        level = _heading_level(runs[0], list(self._chain(linked))) if linked else None
        leading = "".join(
            t.text or "" for r in runs for t in r.iterchildren(_W + "t") if val(r, f"{_W}rPr/{_W}rStyle") == char_style
        )
        if not level or head.strip() != leading.strip():
            return None
        self._seen_heading = True
        return level, body, head

    def _title_paragraph(self, text: str) -> None:
        """A Title-style line: a level-1 heading when it is a plausible title (a title on two lines is joined)."""
        if self._in_title and is_plausible_title(text):
            last = self.items[-1]
            self.items[-1] = Item(BlockKind.HEADING, f"{last.text} {text}", 1)
            self.title = clean_title(self.items[-1].text)
        elif is_plausible_title(text) and not self._in_title:
            self.items.append(Item(BlockKind.HEADING, text, 1))
            self.title = self.title or clean_title(text)
            self._in_title = True
        else:  # a date or a short line in the Title style is not a title
            self._in_title = False
            self.items.append(Item(BlockKind.PARAGRAPH, text))

    def _chain(self, style_id: str | None) -> Iterator[Style]:
        """The paragraph's style and the styles it is based on (the default style when it names none)."""
        style_id = style_id or self.default_style
        for _ in range(_MAX_STYLE_CHAIN):  # a loop of basedOn in a hostile file ends here
            style = self.styles.get(style_id or "")
            if style is None:
                return
            yield style
            style_id = style.based_on

    def _points(self, p: Any, chain: list[Style]) -> float:
        """The font size most of the paragraph's characters are set in."""
        style_points = next((s.points for s in chain if s.points), None) or self.default_points
        sizes: dict[float, int] = {}
        for run in p.iter(_W + "r"):
            size = val(run, f"{_W}rPr/{_W}sz")
            points = int(size) / 2 if size and size.isdigit() else style_points
            chars = sum(len(t.text or "") for t in run.iterchildren(_W + "t"))
            sizes[points] = sizes.get(points, 0) + chars
        return max(sizes, key=lambda k: sizes[k]) if sizes else style_points

    def text(self, element: Any) -> str:
        """The visible text of a paragraph (or a container in it): runs, tabs, breaks, note numbers."""
        parts: list[str] = []
        for child in element.iterchildren():
            if child.tag == _W + "r":
                parts.extend(self._run(child))
            elif child.tag in _CONTAINERS:
                parts.append(self.text(child))
        return "".join(parts)

    def _run(self, run: Any) -> Iterator[str]:
        for child in run.iterchildren():
            tag = child.tag
            if tag == _W + "t":
                yield child.text or ""
            elif tag in (_W + "tab", _W + "ptab"):
                yield "\t"
            elif tag == _W + "br" and child.get(_W + "type") not in ("page", "column") or tag == _W + "cr":
                yield "\n"
            elif tag == _W + "noBreakHyphen":
                yield "-"
            elif tag in (_W + "footnoteReference", _W + "endnoteReference"):
                kind = "footnotes" if tag == _W + "footnoteReference" else "endnotes"
                yield self.notes.marker(kind, child.get(_W + "id") or "").translate(_SUPERSCRIPT)

    def table(self, tbl: Any) -> list[Item]:
        """Rows as tab-separated cells, each merged cell once; a table inside a cell follows its row."""
        rows: list[Item] = []
        for tr in _children(tbl, "tr"):
            cells: list[str] = []
            nested: list[Item] = []
            for tc in _children(tr, "tc"):
                merge = tc.find(f"{_W}tcPr/{_W}vMerge")
                if merge is not None and merge.get(_W + "val") != "restart":
                    continue  # the rest of a vertically merged cell: its text is in the row above
                texts = [self.text(p) for p in _children(tc, "p")]
                cell = " ".join(" ".join(texts).split())
                if cell:
                    cells.append(cell)
                for inner in _children(tc, "tbl"):
                    nested.extend(self.table(inner))
            if cells:
                rows.append(Item(BlockKind.TABLE, "\t".join(cells)))
            rows.extend(nested)
        return rows

    def footnotes(self) -> list[Item]:
        out: list[Item] = []
        for (kind, note_id), number in sorted(
            self.notes.numbers.items(), key=lambda kv: (kv[0][0] != "footnotes", kv[1])
        ):
            text = " ".join(" ".join(self.text(p) for p in self.notes.bodies[(kind, note_id)]).split())
            if text:
                out.append(Item(BlockKind.FOOTNOTE, f"{number} {text}"))
        return out

    def cover_title(self) -> str | None:
        """The largest text before the first heading, when it is set larger than the body (lines joined)."""
        if not self.cover:
            return None
        largest = max(points for points, _ in self.cover)
        if largest < max(_MIN_COVER_POINTS, 1.25 * self.default_points):
            return None
        start = next(i for i, (points, _) in enumerate(self.cover) if points == largest)
        lines = []
        for points, text in self.cover[start : start + 4]:
            if points != largest:
                break
            lines.append(text)
        return " ".join(" ".join(lines).split())


def _children(element: Any, name: str) -> Iterator[Any]:
    """Children named `name`, looking through content controls around them."""
    for child in element.iterchildren():
        if child.tag == _W + name:
            yield child
        elif child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                yield from _children(content, name)


def _is_contents(sdt: Any) -> bool:
    gallery = val(sdt, f"{_W}sdtPr/{_W}docPartObj/{_W}docPartGallery")
    return gallery is not None and "contents" in gallery.lower()


def _heading_level(p: Any, chain: list[Style]) -> int | None:
    """0 for the Title style, 1-9 for a heading (by style name or outline level), None for body text."""
    own = val(p, f"{_W}pPr/{_W}outlineLvl")
    if own is not None and own.isdigit():
        return int(own) + 1 if int(own) < 9 else None
    for style in chain:
        if style.name.lower() == "title":
            return 0
        match = _HEADING_STYLE.match(style.name)
        if match:
            return int(match.group(1))
        if style.outline is not None:
            return style.outline + 1 if style.outline < 9 else None
    return None


def read_docx(data: bytes) -> Read:
    import docx

    check_zip(data, "DOCX")
    try:
        document = docx.Document(io.BytesIO(data))
        walker = _Walker(
            styles(document),
            notes(document),
            default_points(document),
            default_style(document),
            linked_styles(document),
        )
    except Exception as exc:  # python-docx raises zip, XML and key errors for broken files
        raise UnreadableFileError(f"not a readable DOCX ({type(exc).__name__}: {exc})") from exc
    walker.body(document.element.body)
    items = walker.items + walker.footnotes()
    if not items:
        raise UnreadableFileError("the DOCX holds no text")
    candidates = (document.core_properties.title, walker.title, walker.cover_title(), walker.first_heading)
    titles = tuple(dict.fromkeys(t for t in (clean_title(c or "") for c in candidates) if t))
    return Read(from_items(items), titles)

"""HTML: headings, paragraphs, list items and table rows of the body."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from indexer.documents.decoding import decode_text
from indexer.documents.readers.result import Read
from indexer.documents.structure import Item, from_items
from indexer.errors import UnreadableFileError
from indexer.models import BlockKind

_SKIP = {"script", "style", "nav", "noscript", "template", "head", "svg", "iframe", "button"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "li",
    "dd",
    "dt",
    "figcaption",
    "caption",
    "address",
    "header",
    "footer",
    "aside",
    "br",
    "hr",
    "table",
    "ul",
    "ol",
    "dl",
}
_SPACE = re.compile(r"\s+")


class _HtmlText(HTMLParser):
    """Collects headings, paragraphs, list items and table rows from an HTML body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[Item] = []
        self.title: str | None = None
        self._skip = 0
        self._buf: list[str] = []
        self._kind = BlockKind.PARAGRAPH
        self._level = 0
        self._row: list[str] | None = None
        self._in_title = False
        self._svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self._svg += 1  # its <title> names an icon, not the page
        if tag == "body":
            self._skip = 0  # an unclosed <head> (valid HTML5) must not hide the body
        elif tag in _SKIP:
            self._skip += 1
        elif tag == "title" and self.title is None and not self._svg:
            self._in_title = True
        elif tag in _HEADINGS:
            self._flush()
            self._kind, self._level = BlockKind.HEADING, _HEADINGS[tag]
        elif tag == "tr":
            self._flush()
            self._row = []
        elif tag in ("td", "th"):
            self._flush_cell()
        elif tag in _BLOCKS:
            self._flush()
            if tag == "li":
                self._kind = BlockKind.LIST

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._svg = max(0, self._svg - 1)
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in ("td", "th"):
            self._flush_cell()
        elif tag == "tr":
            self._end_row()
        elif tag in _HEADINGS or tag in _BLOCKS:
            self._flush()

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        """Read `<![name ...` that is not a known marked section as a bogus comment, as HTML5 does.

        The base class raises AssertionError on it ("<![ x", "<![foo["), which no reader expects:
        it would escape `load_corpus` and stop the whole build.
        """
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            return self.parse_bogus_comment(i, report)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = (self.title or "") + data
        elif not self._skip:
            self._buf.append(data)

    def _text(self) -> str:
        text = _SPACE.sub(" ", "".join(self._buf)).strip()
        self._buf = []
        return text

    def _flush_cell(self) -> None:
        if self._row is not None:
            text = self._text()
            if text:
                self._row.append(text)

    def _end_row(self) -> None:
        self._flush_cell()
        if self._row:
            self.items.append(Item(BlockKind.TABLE, "\t".join(self._row)))
        self._row = None

    def _flush(self) -> None:
        if self._row is not None:
            return
        text = self._text()
        if text:
            if self._kind is BlockKind.LIST:
                text = "- " + text
            self.items.append(Item(self._kind, text, self._level))
        self._kind, self._level = BlockKind.PARAGRAPH, 0

    def close(self) -> None:
        super().close()
        self._end_row() if self._row is not None else self._flush()


def read_html(data: bytes) -> Read:
    parser = _HtmlText()
    parser.feed(decode_text(data))
    parser.close()
    if not parser.items:
        raise UnreadableFileError("the HTML body holds no text")
    title = _SPACE.sub(" ", parser.title).strip() if parser.title else ""
    return Read(from_items(parser.items), (title,) if title else ())

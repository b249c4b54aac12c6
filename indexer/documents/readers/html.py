"""HTML: headings, paragraphs, list items and table rows of the page's main content.

When the page marks its content (the first `<main>` or `role="main"`, else the largest `<article>`),
only that is read. Page chrome is left out wherever it is: `nav`, `aside`, `footer`, a page's
`header` (an article's is kept), the navigation, banner, contentinfo and complementary roles, hidden
elements, and a few common class or id names (`_CHROME`). Title candidates: the `<title>`, without
a " - Site" or " | Site" suffix when the first `<h1>` is the part before it, then that `<h1>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from indexer.documents.decoding import decode_text
from indexer.documents.readers.result import Read
from indexer.documents.structure import Item, from_items
from indexer.errors import UnreadableFileError
from indexer.models import BlockKind

_SKIP = {"script", "style", "noscript", "template", "head", "svg", "iframe", "button"}
_CHROME_TAGS = {"nav", "aside", "footer"}
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search"}
_CHROME = ("navbox", "sidebar", "mw-jump-link", "toc", "catlinks", "footer", "breadcrumb", "cookie", "menu", "dropdown")
# elements whose end tag may be left out, and void ones: a region could not be closed by counting them
_OPEN_ENDED = {"li", "p", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "colgroup", "caption"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_SITE_SUFFIX = re.compile(r"\s+(?:[-|\u2013\u2014\u00b7]|::)\s+")
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


@dataclass(frozen=True)
class _Region:
    """Where a block was found: inside the first main element, in which outermost article (0: none)."""

    main: bool = False
    article: int = 0


@dataclass
class _Open:
    """An open element that starts a region: it ends when its tag's open count drops below `depth`."""

    tag: str
    depth: int
    kind: str  # "skip", "main" or "article"


def _is_chrome(tag: str, attrs: dict[str, str | None], in_content: bool) -> bool:
    if tag in _OPEN_ENDED or tag in _VOID:
        return False
    if tag in _CHROME_TAGS or (tag == "header" and not in_content) or "hidden" in attrs:
        return True
    if (attrs.get("role") or "").strip().lower() in _CHROME_ROLES or (attrs.get("aria-hidden") or "") == "true":
        return True
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower().split()
    return any(name == word or name.startswith(word + "-") or name.endswith(word) for name in names for word in _CHROME)


class _HtmlText(HTMLParser):
    """Collects headings, paragraphs, list items and table rows from an HTML body, with their region."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[tuple[_Region, Item]] = []
        self.title: str | None = None
        self._skip = 0
        self._buf: list[str] = []
        self._kind = BlockKind.PARAGRAPH
        self._level = 0
        self._row: list[str] | None = None
        self._in_title = False
        self._svg = 0
        self._counts: dict[str, int] = {}
        self._open: list[_Open] = []
        self._chrome = 0
        self._region = _Region()
        self._mains = 0
        self._articles = 0
        self._sections = 0  # open section and article elements: a header inside one is the content's own

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _VOID:
            self._counts[tag] = self._counts.get(tag, 0) + 1
        self._enter(tag, dict(attrs))
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

    def _enter(self, tag: str, attrs: dict[str, str | None]) -> None:
        """Open a region at this element: chrome to leave out, the main content, or an article."""
        if tag in _VOID or tag in _OPEN_ENDED:
            return
        in_content = self._region.main or bool(self._region.article) or self._sections > 0
        kind = None
        if _is_chrome(tag, attrs, in_content):
            kind = "skip"
        elif (tag == "main" or (attrs.get("role") or "").strip().lower() == "main") and self._mains == 0:
            kind = "main"
        elif tag == "article" and not self._region.article:
            kind = "article"
        if tag in ("article", "section"):
            self._sections += 1
        if kind is None:
            return
        self._flush_all()
        self._open.append(_Open(tag, self._counts.get(tag, 0), kind))
        if kind == "skip":
            self._chrome += 1
        elif kind == "main":
            self._mains += 1
            self._region = _Region(True, self._region.article)
        else:
            self._articles += 1
            self._region = _Region(self._region.main, self._articles)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self._counts.get(tag, 0) > 0:
            self._counts[tag] -= 1
            if tag in ("article", "section"):
                self._sections = max(0, self._sections - 1)
            self._leave(tag)
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

    def _leave(self, tag: str) -> None:
        """Close the regions opened at elements of this tag that are now closed (and any opened inside them)."""
        while any(o.tag == tag and self._counts.get(tag, 0) < o.depth for o in self._open):
            self._flush_all()
            closed = self._open.pop()
            if closed.kind == "skip":
                self._chrome -= 1
            elif closed.kind == "main":
                self._region = _Region(False, self._region.article)
            else:
                self._region = _Region(self._region.main, 0)

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
        elif not self._skip and not self._chrome:
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
            self.items.append((self._region, Item(BlockKind.TABLE, "\t".join(self._row))))
        self._row = None

    def _flush(self) -> None:
        if self._row is not None:
            return
        text = self._text()
        if text:
            if self._kind is BlockKind.LIST:
                text = "- " + text
            self.items.append((self._region, Item(self._kind, text, self._level)))
        self._kind, self._level = BlockKind.PARAGRAPH, 0

    def _flush_all(self) -> None:
        """End the block or row being read, before a region starts or ends."""
        if self._row is not None:
            self._flush_cell()
        else:
            kind, level = self._kind, self._level
            self._flush()
            self._kind, self._level = kind, level  # a heading that holds a region goes on after it

    def close(self) -> None:
        super().close()
        self._end_row() if self._row is not None else self._flush()


def _content(items: list[tuple[_Region, Item]]) -> list[Item]:
    """The first main element's blocks, else the largest article's, else all."""
    main = [item for region, item in items if region.main]
    if main:
        return main
    sizes: dict[int, int] = {}
    for region, item in items:
        if region.article:
            sizes[region.article] = sizes.get(region.article, 0) + len(item.text)
    if sizes:
        largest = max(sizes, key=lambda k: sizes[k])
        return [item for region, item in items if region.article == largest]
    return [item for _, item in items]


def _titles(title: str, items: list[Item]) -> tuple[str, ...]:
    """The page title, without a site's name after it when the first h1 is the part before it; then that h1."""
    h1 = next((i.text for i in items if i.kind is BlockKind.HEADING and i.level == 1), "")
    if title and h1:
        heads = (title[: m.start()] for m in _SITE_SUFFIX.finditer(title))
        title = next((head for head in heads if _fold(head) == _fold(h1)), title)
    return tuple(dict.fromkeys(t for t in (title, h1) if t))


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())


def read_html(data: bytes) -> Read:
    parser = _HtmlText()
    parser.feed(decode_text(data))
    parser.close()
    items = _content(parser.items)
    if not items:
        raise UnreadableFileError("the HTML body holds no text")
    title = _SPACE.sub(" ", parser.title).strip() if parser.title else ""
    return Read(from_items(items), _titles(title, items))

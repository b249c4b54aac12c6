"""The source view: a document as HTML with the cited span highlighted (the page `GET /documents/{id}`).

The source view costs O(n log n) in the document's size and number of headings: its body (the
escaped text with headings in <strong>) is rendered once per generation and document and kept in a
bounded LRU; a request re-renders only the few segments that the cited span touches. The route
(`server.routes.documents`) is a plain `def`, so it runs in the threadpool, never on the event loop.
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from indexer import Document, Page

_STYLE = """
body{font:16px/1.6 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1f3a5f;color:#fff;padding:.8rem 1.5rem}
header a{color:#cfe0ff}
main{max-width:48rem;margin:1.5rem auto;padding:0 1rem}
.doc{white-space:pre-wrap;tab-size:4;background:#fff;padding:1.5rem;border-radius:6px;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
mark{background:#ffe58a;padding:.1em 0;scroll-margin:30vh}
.crumbs{color:#555;font-size:.9rem}
.page{float:right;clear:right;margin:0 -1rem 0 .5rem;color:#6b7280;font-size:.8rem;user-select:none}
"""


@dataclass(frozen=True)
class SourceBody:
    """A document's text as HTML, cut at heading bounds and page starts: segment k is text[cuts[k]:cuts[k + 1]]
    and html[offsets[k]:offsets[k + 1]] (in <strong> when a heading holds it; a page's label before its
    first segment)."""

    cuts: tuple[int, ...]
    bold: tuple[bool, ...]
    offsets: tuple[int, ...]
    html: str
    section_starts: tuple[int, ...]
    marks: dict[int, str]  # the page label shown at each page's start


def source_body(doc: Document) -> SourceBody:
    """Render the body once: a sort, then one pass over segments and headings."""
    n = len(doc.text)
    headings = sorted({(s.start, s.start + len(s.path[-1])) for s in doc.sections if s.path})
    page_starts = {p.start: p for p in doc.pages if 0 <= p.start < n}
    cuts = sorted({0, n} | {p for h in headings for p in h if 0 <= p <= n} | set(page_starts))
    bold: list[bool] = []
    reach, h = -1, 0  # the furthest end of the headings that start at or before a segment
    for a, b in zip(cuts, cuts[1:], strict=False):
        while h < len(headings) and headings[h][0] <= a:
            reach = max(reach, headings[h][1])
            h += 1
        bold.append(reach >= b)
    marks = {start: _page_mark(page) for start, page in page_starts.items()}
    pieces = [
        marks.get(a, "") + _piece(doc.text[a:b], strong) for a, b, strong in zip(cuts, cuts[1:], bold, strict=False)
    ]
    offsets = [0]
    for piece in pieces:
        offsets.append(offsets[-1] + len(piece))
    starts = tuple(s.start for s in doc.sections)
    return SourceBody(tuple(cuts), tuple(bold), tuple(offsets), "".join(pieces), starts, marks)


def _page_mark(page: Page) -> str:
    """The printed label of a page, beside the text where the page starts (`#page-N` links to it)."""
    label = escape(page.label)
    return f'<span class="page" id="page-{page.number}" title="page {page.number} of the file">p. {label}</span>'


def _piece(text: str, strong: bool) -> str:
    piece = escape(text)
    return f"<strong>{piece}</strong>" if strong else piece


def _section_of(doc: Document, body: SourceBody, start: int) -> tuple[str, ...]:
    """The path of the last section that holds `start` (sections are in document order)."""
    for i in range(bisect_right(body.section_starts, start) - 1, -1, -1):
        if doc.sections[i].start <= start <= doc.sections[i].end:
            return doc.sections[i].path
        if doc.sections[i].end < start:
            break
    return ()


def page_at(doc: Document, offset: int) -> Page | None:
    """The page where `offset` of the canonical text lies (None: the document has no pages)."""
    i = bisect_right([p.start for p in doc.pages], offset) - 1
    return doc.pages[max(i, 0)] if doc.pages else None


def _marked_up(doc: Document, body: SourceBody, span: tuple[int, int] | None) -> str:
    """The body with the cited span in <mark> (the first one scrolled to); only the segments from the
    one holding the span's start to the one holding its end are rendered again."""
    segments = len(body.cuts) - 1
    if span is None or segments < 1:
        return body.html
    first = max(0, min(segments - 1, bisect_right(body.cuts, span[0]) - 1))
    last = max(first, min(segments - 1, bisect_right(body.cuts, span[1]) - 1))
    region = sorted({*body.cuts[first : last + 2], *span})
    out = [body.html[: body.offsets[first]]]
    k = first
    anchor = ' id="cited"'
    for a, b in zip(region, region[1:], strict=False):
        while body.cuts[k + 1] <= a:
            k += 1
        piece = _piece(doc.text[a:b], body.bold[k])
        if span[0] <= a and b <= span[1]:
            piece = f"<mark{anchor}>{piece}</mark>"
            anchor = ""
        out.append(body.marks.get(a, "") + piece)
    out.append(body.html[body.offsets[last + 1] :])
    return "".join(out)


def render_document(
    doc: Document, span: tuple[int, int] | None, body: SourceBody | None = None, original: str | None = None
) -> str:
    """The document as HTML-escaped text with its page labels, the cited span highlighted and scrolled into
    view; `original` links to the file (at the cited page)."""
    body = body or source_body(doc)
    crumbs = ""
    if span is not None:
        path = " › ".join(_section_of(doc, body, span[0]))
        page = page_at(doc, span[0])
        where = f"p. {page.label}, characters" if page is not None else "characters"
        crumbs = f'<p class="crumbs">Cited from: {escape(path)} ({escape(where)} {span[0]}–{span[1]})</p>'
    if original is not None:
        crumbs += f'<p class="crumbs"><a href="{escape(original)}">Open the original file</a></p>'
    title = escape(doc.title)
    scroll = "<script>const m=document.getElementById('cited');if(m){m.scrollIntoView({block:'center'});}</script>"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{title} · askreport</title><style>{_STYLE}</style></head><body>"
        f'<header><a href="/">askreport</a> · {title}</header><main><h1>{title}</h1>{crumbs}'
        f'<div class="doc">{_marked_up(doc, body, span)}</div></main>{scroll}</body></html>'
    )


class SourceViews:
    """Documents with their rendered bodies, by generation and id; the least recently used go first
    once more than `max_entries` are held or their text and HTML pass `max_chars` characters.

    Concurrent first views of one document render it once: the others wait for that one.
    """

    def __init__(self, max_entries: int = 32, max_chars: int = 64_000_000) -> None:
        self._max_entries = max_entries
        self._max_chars = max_chars
        self._entries: OrderedDict[tuple[str, str, str], tuple[Document, SourceBody]] = OrderedDict()
        self._rendering: dict[tuple[str, str, str], threading.Lock] = {}
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str], load: Callable[[], Document]) -> tuple[Document, SourceBody]:
        with self._lock:
            rendering = self._rendering.setdefault(key, threading.Lock())
        with rendering:
            try:
                found = self._cached(key)
                if found is not None:
                    return found
                doc = load()
                entry = (doc, source_body(doc))
                self._keep(key, entry)
                return entry
            finally:
                with self._lock:
                    self._rendering.pop(key, None)

    def _cached(self, key: tuple[str, str, str]) -> tuple[Document, SourceBody] | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def _keep(self, key: tuple[str, str, str], entry: tuple[Document, SourceBody]) -> None:
        size = _size(entry)
        if size > self._max_chars:
            return
        with self._lock:
            self._entries[key] = entry
            self._chars += size
            while len(self._entries) > self._max_entries or self._chars > self._max_chars:
                self._chars -= _size(self._entries.popitem(last=False)[1])


def _size(entry: tuple[Document, SourceBody]) -> int:
    return len(entry[0].text) + len(entry[1].html)

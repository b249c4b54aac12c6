"""Turn the bytes of one file into structure, by format: text/markdown, HTML, PDF, DOCX.

Each reader returns the document's structure and, when the file names one, its title.
Anything that makes a file unusable raises UnreadableFileError with the reason.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from indexer.documents.archives import check_zip
from indexer.documents.decoding import decode_text
from indexer.documents.structure import Item, Structure, from_items, parse, parse_pages
from indexer.errors import UnreadableFileError
from indexer.models import BlockKind


@dataclass(frozen=True)
class Read:
    """What a reader found in a file."""

    structure: Structure
    title: str | None


def read_plain(data: bytes) -> Read:
    return Read(parse(decode_text(data)), None)


def read_markdown(data: bytes) -> Read:
    structure = parse(decode_text(data))
    first = structure.sections[0] if structure.sections else None
    title = first.path[0] if first is not None and first.path and first.level == 1 else None
    return Read(structure, title)


# --- HTML ---------------------------------------------------------------------------------------

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
    title = _SPACE.sub(" ", parser.title).strip() if parser.title else None
    return Read(from_items(parser.items), title or None)


# --- PDF ----------------------------------------------------------------------------------------

_SENTENCE_END = (".", "!", "?", ":", ";")


def _pdf_paragraphs(page_text: str) -> str:
    """Re-flow a PDF page's visual lines into blank-line separated paragraphs."""
    lines = [line.strip() for line in page_text.splitlines()]
    lengths = sorted(len(line) for line in lines if line)
    typical = lengths[int(0.75 * (len(lengths) - 1))] if lengths else 0
    paras: list[list[str]] = [[]]
    for line in lines:
        if not line:
            paras.append([])
            continue
        current = paras[-1]
        if (
            current
            and len(current[-1]) < 0.7 * typical
            and (current[-1].endswith(_SENTENCE_END) or not current[-1].endswith(","))
        ):
            paras.append([])
        paras[-1].append(line)
    return "\n\n".join(" ".join(p) for p in paras if p)


def _page_text(page: Any) -> str:
    """Text of a page; layout mode keeps the vertical gaps that separate paragraphs."""
    try:
        return str(page.extract_text(extraction_mode="layout") or "")
    except RecursionError:  # a page that refers to itself: plain mode would loop as well
        raise
    except Exception:  # layout mode fails on some fonts; plain mode still gets the words
        return str(page.extract_text() or "")


def read_pdf(data: bytes) -> Read:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [_pdf_paragraphs(_page_text(page)) for page in reader.pages]
        meta = reader.metadata
        title = str(meta.title).strip() if meta is not None and meta.title else None
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFileError(f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if not any(p.strip() for p in pages):
        raise UnreadableFileError("the PDF has no extractable text (is it a scan? run OCR first)")
    return Read(parse_pages(pages), title or None)


# --- DOCX ---------------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^(?:heading|überschrift|titre)\s*(\d)$", re.IGNORECASE)


def _docx_item(style: str, text: str) -> Item:
    if style.lower() == "title":
        return Item(BlockKind.HEADING, text, 0)  # above Heading 1
    match = _HEADING_STYLE.match(style)
    if match:
        return Item(BlockKind.HEADING, text, int(match.group(1)))
    if style.lower().startswith("list"):
        return Item(BlockKind.LIST, "- " + text)
    return Item(BlockKind.PARAGRAPH, text)


def read_docx(data: bytes) -> Read:
    import docx
    from docx.table import Table

    check_zip(data, "DOCX")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zip, XML and key errors for broken files
        raise UnreadableFileError(f"not a readable DOCX ({type(exc).__name__}: {exc})") from exc
    items: list[Item] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = [c.text.strip() for c in row.cells if c.text.strip()]
                if cells:
                    items.append(Item(BlockKind.TABLE, "\t".join(cells)))
        elif block.text.strip():
            style = block.style.name if block.style is not None and block.style.name else ""
            items.append(_docx_item(style, block.text))
    if not items:
        raise UnreadableFileError("the DOCX holds no text")
    title = (document.core_properties.title or "").strip() or None
    return Read(from_items(items), title)


READERS: dict[str, Callable[[bytes], Read]] = {
    ".txt": read_plain,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
}


def read_file(suffix: str, data: bytes) -> Read:
    """Read a file's bytes with the reader for its suffix; any failure becomes UnreadableFileError.

    Raises:
        UnreadableFileError: no reader for the suffix, or the file cannot be read (the reason says why).
    """
    reader = READERS.get(suffix.lower())
    if reader is None:
        supported = ", ".join(sorted(READERS))
        raise UnreadableFileError(f"unsupported file type '{suffix or '(none)'}' (supported: {supported})")
    try:
        return reader(data)
    except UnreadableFileError:
        raise
    except Exception as exc:  # a reader's library failing on a hostile file must not stop the build
        raise UnreadableFileError(failure_reason(exc)) from exc


def failure_reason(exc: BaseException) -> str:
    """Why reading failed, for an exception no reader expected (RecursionError on a looping PDF...)."""
    detail = str(exc).strip()
    described = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return f"reading it failed ({described[:300]}): the file is corrupt or built to break readers; re-save it"

"""Opening a PDF with pdfium and taking out what the reader needs, closing every pdfium object it opens."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import pypdfium2 as pdfium

from indexer.documents.readers.pdf.headings import OutlineEntry
from indexer.documents.readers.pdf.lines import Segment, page_segments
from indexer.errors import UnreadableFileError

log = logging.getLogger(__name__)

MAX_PAGES = 5_000
MAX_PAGE_CHARS = 200_000  # a page with more characters is built to be slow, not to be read
_MAX_OUTLINE = 5_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Source:
    """What a PDF holds, page by page: positioned text, page heights, labels, outline and title."""

    segments: list[list[Segment]]
    heights: list[float]
    chars: int
    page_labels: list[str | None]
    outline: list[OutlineEntry]
    title: str


def load(data: bytes) -> Source:
    """Read a PDF's bytes.

    Raises:
        UnreadableFileError: the PDF is encrypted, broken or has no pages.
    """
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise UnreadableFileError("encrypted PDF: save a copy without a password") from exc
        raise UnreadableFileError(f"not a readable PDF ({exc})") from exc
    try:
        return _read(document)
    finally:
        document.close()


def _read(document: Any) -> Source:
    count = len(document)
    if count == 0:
        raise UnreadableFileError("not a readable PDF (it has no pages): re-save it from the program that made it")
    if count > MAX_PAGES:
        log.warning("PDF has %d pages: only the first %d are read", count, MAX_PAGES)
        count = MAX_PAGES
    segments: list[list[Segment]] = []
    heights: list[float] = []
    chars = 0
    for index in range(count):
        page_chars, page, height = _page(document, index)
        chars += page_chars
        segments.append(page)
        heights.append(height)
    title = _CONTROL.sub(" ", str(document.get_metadata_value("Title") or "")).strip()
    return Source(segments, heights, chars, _page_labels(document, count), _outline(document), title)


def _page(document: Any, index: int) -> tuple[int, list[Segment], float]:
    page = document[index]
    try:
        height = float(page.get_height())
        textpage = page.get_textpage()
        try:
            chars = textpage.count_chars()
            if chars > MAX_PAGE_CHARS:
                log.warning("page %d has %d characters: skipped", index + 1, chars)
                return 0, [], height
            return max(chars, 0), page_segments(textpage, height), height
        finally:
            textpage.close()
    finally:
        page.close()


def _page_labels(document: Any, count: int) -> list[str | None]:
    """The /PageLabels of each page; none at all where they only repeat the page index."""
    labels = [str(document.get_page_label(i) or "").strip() or None for i in range(count)]
    if all(label is None or label == str(i + 1) for i, label in enumerate(labels)):
        return [None] * count
    return labels


def _outline(document: Any) -> list[OutlineEntry]:
    entries: list[OutlineEntry] = []
    for item in document.get_toc(max_depth=8):
        if len(entries) >= _MAX_OUTLINE:
            break
        dest = item.get_dest()
        page = dest.get_index() if dest is not None else None
        title = item.get_title()
        if page is not None and title:
            entries.append(OutlineEntry(title, item.level, page))
    return entries

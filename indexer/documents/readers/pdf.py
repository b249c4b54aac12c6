"""PDF: the text of each page, re-flowed into paragraphs."""

from __future__ import annotations

import io
from typing import Any

from indexer.documents.readers.result import Read
from indexer.documents.structure import parse_pages
from indexer.errors import UnreadableFileError

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
        title = str(meta.title).strip() if meta is not None and meta.title else ""
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFileError(f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if not any(p.strip() for p in pages):
        raise UnreadableFileError("the PDF has no extractable text (is it a scan? run OCR first)")
    return Read(parse_pages(pages), (title,) if title else ())

"""PDF: a layout-aware reader on pdfium.

Text lines come with their positions and font (`lines`), are read column by column (`columns`),
lose their running headers and footers, whose page numbers become labels (`running`), and are
grouped into paragraphs, tables, lists, captions and footnotes (`blocks`), headings (`headings`),
contents and references (`matter`). A paragraph cut by a column or page break is rejoined. Pages whose
text is mostly unreadable are named (`quality`).
"""

from __future__ import annotations

from indexer.documents.readers.pdf.assemble import items_of
from indexer.documents.readers.pdf.headings import fold
from indexer.documents.readers.pdf.quality import unreadable_pages
from indexer.documents.readers.pdf.source import load
from indexer.documents.readers.result import Read
from indexer.documents.structure import from_items
from indexer.errors import UnreadableFileError

__all__ = ["read_pdf"]


def read_pdf(data: bytes) -> Read:
    """Read a PDF's bytes into structure and title candidates (metadata title, then the cover's, best first).

    Raises:
        UnreadableFileError: the PDF is encrypted, broken, or has no text layer.
    """
    try:
        source = load(data)
        if source.chars == 0 or not any(source.segments):
            raise UnreadableFileError("no text layer: run OCR first, e.g. ocrmypdf")
        items, labels, printed = items_of(source)
    except UnreadableFileError:
        raise
    except (ValueError, TypeError, OSError, RuntimeError, IndexError, KeyError, ArithmeticError) as exc:
        raise UnreadableFileError(f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    if not items:  # every line repeats from page to page: headers, footers and page numbers only
        raise UnreadableFileError(
            "its only text is what repeats on every page (running headers, footers, page numbers): nothing to index"
        )
    return Read(from_items(items, labels), _titles(source.title, printed), unreadable_pages(source.segments))


def _titles(metadata: str, printed: tuple[str, ...]) -> tuple[str, ...]:
    """The metadata title first, unless the cover prints it at more length ("KILM 3" for "KILM 3. Status in ...")."""
    first = fold(metadata)
    longer = [t for t in printed[:2] if first and fold(t).startswith(first + " ")]
    return tuple(dict.fromkeys(t for t in (*longer[:1], metadata, *printed) if t))

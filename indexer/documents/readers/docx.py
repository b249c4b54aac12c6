"""DOCX: paragraphs by style (Title, Heading N, List), and tables row by row."""

from __future__ import annotations

import io
import re

from indexer.documents.archives import check_zip
from indexer.documents.readers.result import Read
from indexer.documents.structure import Item, from_items
from indexer.errors import UnreadableFileError
from indexer.models import BlockKind

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
    title = (document.core_properties.title or "").strip()
    return Read(from_items(items), (title,) if title else ())

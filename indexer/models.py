"""Value types shared by the indexer: documents, their structure, chunks and hits."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BlockKind(StrEnum):
    """What a block of canonical text is."""

    HEADING = "heading"
    PARAGRAPH = "paragraph"
    TABLE = "table"
    LIST = "list"
    FOOTNOTE = "footnote"
    CAPTION = "caption"  # a figure's or a table's caption
    CONTENTS = "contents"  # a table of contents: kept in the text, never a passage
    REFERENCES = "references"  # a reference list, bibliography or index: kept in the text, never a passage


@dataclass(frozen=True)
class Block:
    """A structural unit of a document: `text[start:end]` of its canonical text."""

    kind: BlockKind
    start: int
    end: int
    section: int
    page: int | None = None


@dataclass(frozen=True)
class Page:
    """A page of a paged document (PDF): its 1-based index, the label printed on it, where its text starts.

    `label` is the PDF's own page label, else the number printed on the page, else the index as text.
    """

    number: int
    label: str
    start: int


@dataclass(frozen=True)
class Section:
    """A heading and the text under it, up to the next heading of the same or a higher level.

    `path` holds the headings from the outermost down to this one; the root section,
    which holds text before the first heading, has an empty path.
    """

    ordinal: int
    path: tuple[str, ...]
    level: int
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    """A corpus file turned into canonical text with its structure."""

    id: str
    title: str
    source: str
    text: str
    sections: tuple[Section, ...]
    blocks: tuple[Block, ...]
    content_hash: str
    pages: tuple[Page, ...] = ()
    unreadable_pages: tuple[int, ...] = ()  # 1-based pages whose text came out mostly unreadable


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: `document.text[start:end] == text`.

    `embed_text` is what the model sees (section path, then the passage; a path longer than half the
    model window loses its outer headings there, `section_path` keeps them all).
    """

    document_id: str
    section: int
    section_path: tuple[str, ...]
    start: int
    end: int
    text: str
    embed_text: str
    page: int | None = None  # the 1-based PDF page where the passage starts
    page_label: str | None = None  # the label printed on that page


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from, precisely enough for a reader to check it."""

    document: str
    title: str
    section: tuple[str, ...]
    page: str | None  # the printed page label where the passage starts
    start: int
    end: int
    pdf_page: int | None = None  # the 1-based page index in the PDF


@dataclass(frozen=True)
class Span:
    """Character offsets [start, end) into some text."""

    start: int
    end: int


@dataclass(frozen=True)
class Hit:
    """One retrieved passage with its score, citation, and the span of it that answers best."""

    rank: int
    score: float
    chunk_id: int
    text: str
    citation: Citation
    highlight: Span | None = None


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file that the build left out, and why."""

    path: str
    reason: str

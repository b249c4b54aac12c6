"""What reading the documents gives, before any search: titles, page labels, headings, depth, speed."""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer import Document, load_document

NUMBER_ONLY = re.compile(r"^[\d\W_]+$")
MAX_DEPTH = 6


def fold(text: str) -> str:
    """Case, compatibility characters, punctuation spacing and whitespace folded, for comparing short strings."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


@dataclass(frozen=True)
class Read:
    """One file read in this process: its document, how long it took and how many PDF pages it has."""

    name: str
    document: Document
    seconds: float
    pdf_pages: int


def read_all(docs: Path) -> list[Read]:
    """Read every file of `docs` (sorted), timing each."""
    reads = []
    for path in sorted(p for p in docs.iterdir() if p.is_file()):
        started = time.perf_counter()
        document = load_document(path, docs)
        seconds = time.perf_counter() - started
        pages = max((b.page or 0 for b in document.blocks), default=0) if path.suffix.lower() == ".pdf" else 0
        reads.append(Read(path.name, document, seconds, pages))
    return reads


def page_label(document: Document, pdf_page: int) -> str | None:
    """The label passages on PDF page `pdf_page` (1-based) cite; None if no text starts there."""
    return next((p.label for p in document.pages if p.number == pdf_page), None)


def section_pages(document: Document) -> dict[int, int | None]:
    """Each section's first page (the page of its first block)."""
    pages: dict[int, int | None] = {}
    for block in document.blocks:
        pages.setdefault(block.section, block.page)
    return pages


@dataclass(frozen=True)
class Headings:
    """Our headings against the printed ones on the pages they cover."""

    ours: int
    right: int
    given: int
    found: int


def compare_headings(document: Document, given: Sequence[dict[str, Any]]) -> Headings:
    """Precision and recall counts over the pages up to the last given heading's page."""
    last = max(h["pdf_page"] for h in given)
    pages = section_pages(document)
    ours = [fold(s.path[-1]) for s in document.sections if s.path and (pages.get(s.ordinal) or 0) <= last]
    wanted = [fold(h["text"]) for h in given]
    return Headings(len(ours), sum(o in wanted for o in ours), len(wanted), sum(w in ours for w in wanted))


def deepest(document: Document) -> int:
    """The longest section path."""
    return max((len(s.path) for s in document.sections), default=0)


def number_only_headings(document: Document) -> int:
    """Headings made of digits and punctuation only (page numbers, chart labels)."""
    return sum(1 for s in document.sections if s.path and NUMBER_ONLY.match(s.path[-1]))

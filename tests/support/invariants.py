"""The invariants the document property tests check: offsets slice the canonical text exactly, sections
nest, pages go forward, and chunks keep every promise of the chunker."""

from __future__ import annotations

from collections.abc import Callable

from indexer import Block, BlockKind, Chunk, ChunkerSettings, Document, Section
from indexer.documents.chunking import NEVER_PASSAGES, embed_text


def check_structure(text: str, blocks: tuple[Block, ...], sections: tuple[Section, ...]) -> None:
    """What `_assemble` promises: blocks joined by blank lines, sections contiguous, ordered, nested."""
    if not blocks:
        assert text == "" and sections == ()
        return
    assert blocks[0].start == 0 and blocks[-1].end == len(text)
    for a, b in zip(blocks, blocks[1:], strict=False):
        assert text[a.end : b.start] == "\n\n"
        assert a.section <= b.section
    for block in blocks:
        piece = text[block.start : block.end]
        assert 0 <= block.start < block.end <= len(text)
        assert "\n\n" not in piece
        assert all(line and line == line.strip() for line in piece.split("\n")), piece
        assert 0 <= block.section < len(sections)
    for i, section in enumerate(sections):
        own = [b for b in blocks if b.section == i]
        assert section.ordinal == i and own
        assert (section.start, section.end) == (own[0].start, own[-1].end)
        headings = [b for b in own if b.kind is BlockKind.HEADING]
        if section.path:
            assert own[0].kind is BlockKind.HEADING and headings == [own[0]]
            assert text[own[0].start : own[0].end] == section.path[-1]
        else:
            assert i == 0 and section.level == 0 and section.start == 0 and not headings
    for before, after in zip(sections, sections[1:], strict=False):
        assert before.end < after.start
    _check_nesting(sections)


def _check_nesting(sections: tuple[Section, ...]) -> None:
    """A section's parent is the last earlier section one level up the path, with a lower heading level."""
    for i, section in enumerate(sections):
        depth = len(section.path)
        if depth == 0:
            continue
        earlier = [s for s in sections[:i] if s.path]
        shallower = [s for s in earlier if len(s.path) < depth]
        if depth == 1:
            assert not shallower
            continue
        parent = shallower[-1]
        assert parent.path == section.path[:-1] and parent.level < section.level
        between = earlier[earlier.index(parent) + 1 :]
        assert all(len(s.path) >= depth for s in between)
        previous = earlier[-1]
        assert (len(section.path) == len(previous.path) + 1) == (section.level > previous.level)


def check_pages(blocks: tuple[Block, ...], pages: int | None = None) -> None:
    """Every block of a paged document knows its page, and pages only go forward."""
    numbers = [b.page for b in blocks]
    assert all(n is not None and 1 <= n <= (pages or n) for n in numbers)
    assert numbers == sorted(n for n in numbers if n is not None)


def check_document(doc: Document) -> None:
    """A loaded document: a consistent structure, pages exactly when it is a PDF, text, title, id and hash."""
    check_structure(doc.text, doc.blocks, doc.sections)
    if doc.source.endswith(".pdf"):
        check_pages(doc.blocks)
    else:
        assert all(b.page is None for b in doc.blocks)
    assert doc.text.strip() and doc.title.strip() == doc.title and doc.id and doc.content_hash


def check_chunks(
    doc: Document, chunks: list[Chunk], count: Callable[[str], int], limits: ChunkerSettings, monotone: bool
) -> None:
    """Every documented promise of the chunker.

    `monotone` says the token counter never decreases when a span grows at its end (the fake's
    word count does; a real tokenizer need not), which the merge rules are checked against.
    """
    for c in chunks:
        section = doc.sections[c.section]
        assert c.document_id == doc.id and c.section_path == section.path
        assert doc.text[c.start : c.end] == c.text and c.text and c.text == c.text.strip()
        assert section.start <= c.start < c.end <= section.end
        # the model sees the innermost headings that fit half the window (and half the cap), then the passage
        shown = next(p for p in _suffixes(section.path) if c.embed_text == embed_text(p, c.text))
        budget, char_budget = limits.max_tokens // 2, limits.max_chars // 2
        assert not shown or (count(embed_text(shown, "")) <= budget and len(embed_text(shown, "")) <= char_budget)
        full = embed_text(section.path, "")
        assert shown == section.path or count(full) > budget or len(full) > char_budget
        assert count(c.embed_text) <= limits.max_tokens, (count(c.embed_text), c.embed_text[:200])
        assert len(c.text) <= limits.max_chars
        home = [b for b in doc.blocks if b.start <= c.start < b.end]
        assert len(home) == 1 and home[0].section == c.section and c.page == home[0].page
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.end <= b.start and a.section <= b.section
    for section in doc.sections:
        own = [c for c in chunks if c.section == section.ordinal]
        blocks = [b for b in doc.blocks if b.section == section.ordinal]
        if any(b.kind in NEVER_PASSAGES for b in blocks):
            _check_never_passages(doc, own, blocks)
            continue
        if all(b.kind is BlockKind.HEADING for b in blocks):
            assert not own
            continue
        assert own[0].start == section.start  # the heading leads the section's first passage
        covered = set().union(*(range(c.start, c.end) for c in own))
        assert all(i in covered for b in blocks for i in range(b.start, b.end) if not doc.text[i].isspace())
        if monotone:
            _check_merging(doc, own, blocks, count, limits)


def _check_never_passages(doc: Document, own: list[Chunk], blocks: list[Block]) -> None:
    """No passage holds any of a table of contents or a reference list; every other block's text is in one,
    except headings that lead no passage text."""
    covered = set().union(*(range(c.start, c.end) for c in own))
    for b in blocks:
        chars = {i for i in range(b.start, b.end) if not doc.text[i].isspace()}
        if b.kind in NEVER_PASSAGES:
            assert not chars & covered
        elif b.kind is not BlockKind.HEADING:
            assert chars <= covered


def _suffixes(path: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [path[i:] for i in range(len(path) + 1)]


def _check_merging(
    doc: Document, own: list[Chunk], blocks: list[Block], count: Callable[[str], int], limits: ChunkerSettings
) -> None:
    """A small chunk, or a chunk that is only its heading, stands alone only when joining the next overflows
    (the window in tokens or the cap in characters) or, for a small one, when the next starts a new page."""
    heading = blocks[0] if blocks[0].kind is BlockKind.HEADING else None
    path = own[0].embed_text[: len(own[0].embed_text) - len(own[0].text)]

    def overflows(a: Chunk, b: Chunk) -> bool:
        return b.end - a.start > limits.max_chars or count(path + doc.text[a.start : b.end]) > limits.max_tokens

    page_starts = {y.start for x, y in zip(blocks, blocks[1:], strict=False) if y.page != x.page}
    for a, b in zip(own, own[1:], strict=False):
        if count(a.embed_text) < limits.min_tokens:
            assert overflows(a, b) or b.start in page_starts  # a new page starts a new passage
    first = own[0]
    if heading is not None and first.end == heading.end and count(path + first.text) <= limits.max_tokens:
        assert len(own) > 1 and overflows(first, own[1])

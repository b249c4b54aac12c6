"""Property tests of the structure parser: every offset it reports slices the canonical text exactly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from indexer.documents.structure import Item, from_items, parse, parse_pages
from tests.support.invariants import check_pages, check_structure
from tests.support.strategies import item_lists, max_examples, raw_text


@max_examples(300)
@given(raw_text)
def test_parse_keeps_offsets_and_sections_consistent(raw: str) -> None:
    s = parse(raw)
    check_structure(s.text, s.blocks, s.sections)
    assert all(b.page is None for b in s.blocks)


@max_examples(120)
@given(st.lists(raw_text, max_size=5))
def test_parse_pages_numbers_blocks_by_page(pages: list[str]) -> None:
    s = parse_pages(pages)
    check_structure(s.text, s.blocks, s.sections)
    check_pages(s.blocks, len(pages))


@max_examples(200)
@given(item_lists)
def test_from_items_keeps_offsets_and_sections_consistent(items: list[Item]) -> None:
    s = from_items(items)
    check_structure(s.text, s.blocks, s.sections)
    kept = [item for item in items if any(line.strip(" \t") for line in item.text.split("\n"))]
    assert len(s.blocks) <= len(kept)

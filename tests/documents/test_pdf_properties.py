"""Property tests of the PDF reader: damaged PDFs and random bytes are read into a consistent structure,
with pages in order and every page labelled, or refused with a reason; never another exception."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from indexer import UnreadableFileError
from indexer.documents.readers import read_pdf
from tests.support import pdfs
from tests.support.invariants import check_structure
from tests.support.strategies import max_examples

_SOURCES = (pdfs.two_columns(), pdfs.running_headers(), pdfs.contents_and_references(), pdfs.roman_front_matter())


@st.composite
def damaged_pdfs(draw: st.DrawFn) -> bytes:
    """A generated PDF with a few runs of its bytes overwritten, cut short or repeated."""
    data = bytearray(draw(st.sampled_from(_SOURCES)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data) - 1))
        data[at : at + draw(st.integers(1, 40))] = draw(st.binary(min_size=0, max_size=40))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


def _check(data: bytes) -> None:
    try:
        read = read_pdf(data)
    except UnreadableFileError as exc:
        assert str(exc).strip()
        return
    s = read.structure
    check_structure(s.text, s.blocks, s.sections)
    numbers = [p.number for p in s.pages]
    assert numbers == sorted(set(numbers)) and all(p.label for p in s.pages)
    assert [p.start for p in s.pages] == sorted(p.start for p in s.pages)
    assert {b.page for b in s.blocks} <= set(numbers)
    assert all(t.strip() == t != "" for t in read.titles)
    assert all(n >= 1 for n in read.unreadable_pages)


@max_examples(150)
@given(damaged_pdfs())
def test_damaged_pdfs_are_read_consistently_or_refused(data: bytes) -> None:
    _check(data)


@max_examples(100)
@given(st.binary(max_size=2000).map(lambda tail: b"%PDF-1.7\n" + tail))
def test_random_bytes_after_a_pdf_header_are_refused_with_a_reason(data: bytes) -> None:
    _check(data)

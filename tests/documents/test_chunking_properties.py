"""Property tests of the chunker: chunks slice the text, fit the window (the fake's and the real model's)
and merge only where the rules say."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from indexer import ChunkerSettings, Document, SentenceTransformerEmbedder, chunk_document
from indexer.documents.structure import Structure, from_items, parse, parse_pages
from tests.support.fakes import HashingEmbedder
from tests.support.invariants import check_chunks
from tests.support.strategies import item_lists, line_break, max_examples, raw_text, text_line


def _doc(structure: Structure) -> Document:
    return Document("d", "D", "d.txt", structure.text, structure.sections, structure.blocks, "h")


@st.composite
def structures(draw: st.DrawFn) -> Structure:
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return parse(draw(raw_text))
    if kind == 1:
        return parse_pages(draw(st.lists(raw_text, max_size=4)))
    return from_items(draw(item_lists))


@st.composite
def chunker_settings(draw: st.DrawFn) -> ChunkerSettings:
    max_tokens = draw(st.integers(4, 48))
    return ChunkerSettings(max_tokens=max_tokens, min_tokens=draw(st.integers(0, max_tokens)))


@max_examples(300)
@given(structures(), chunker_settings())
@example(parse("# 0 0\n\n0"), ChunkerSettings(max_tokens=4, min_tokens=0))
@example(parse("# Outer heading\n\n## " + "inner " * 30 + "\n\nBody text."), ChunkerSettings(max_tokens=40))
def test_chunks_slice_the_text_and_fit_the_window(structure: Structure, limits: ChunkerSettings) -> None:
    doc = _doc(structure)
    count = HashingEmbedder().count_tokens
    check_chunks(doc, chunk_document(doc, count, limits), count, limits, monotone=True)


_long_text = st.builds(  # repeating a random document makes one longer than the model window cheaply
    lambda pairs, times: "".join(a + b for a, b in pairs) * times,
    st.lists(st.tuples(text_line, line_break), min_size=4, max_size=16),
    st.integers(1, 8),
)


@max_examples(40)
@given(text=st.one_of(_long_text, raw_text), max_tokens=st.sampled_from([24, 64, None]))
@example(text="# " + "\u79fb" * 90 + "\n\n\u79fb", max_tokens=24)
@example(text="# " + "A very long heading " * 80 + "\n\nThe body of the section.", max_tokens=None)
def test_chunks_fit_the_real_model_window(
    embedder: SentenceTransformerEmbedder, text: str, max_tokens: int | None
) -> None:
    """The model's own window by default, smaller ones to force more cuts with the real tokenizer."""
    if max_tokens is None:
        limits = ChunkerSettings(max_tokens=embedder.max_tokens)
    else:
        limits = ChunkerSettings(max_tokens=max_tokens, min_tokens=max_tokens // 4)
    doc = _doc(parse(text))
    chunks = chunk_document(doc, embedder.count_tokens, limits)
    check_chunks(doc, chunks, embedder.count_tokens, limits, monotone=False)
    assert all(embedder.count_tokens(c.embed_text) <= embedder.max_tokens for c in chunks)

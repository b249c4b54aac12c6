"""Dense retrieval over a loaded generation: question in, cited passages out."""

from __future__ import annotations

from indexer.embedding import Embedder
from indexer.index import IndexGeneration
from indexer.models import Citation, Hit
from indexer.vectors import search_vectors


def search(generation: IndexGeneration, embedder: Embedder, query: str, k: int) -> list[Hit]:
    """The k passages closest to `query`, best first, each with its citation."""
    if generation.vectors.ntotal == 0:
        return []
    query_vector = embedder.embed([query])
    scores, ids = search_vectors(generation.vectors, query_vector, k)
    pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
    chunks = generation.store.chunks([i for i, _ in pairs])
    hits: list[Hit] = []
    for rank, (chunk_id, score) in enumerate(pairs, start=1):
        chunk = chunks[chunk_id]
        citation = Citation(
            document=chunk.document_id,
            title=generation.titles[chunk.document_id],
            section=chunk.section_path,
            page=chunk.page,
            start=chunk.start,
            end=chunk.end,
        )
        hits.append(Hit(rank, score, chunk_id, chunk.text, citation))
    return hits

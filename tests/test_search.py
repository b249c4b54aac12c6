"""Retrieval with the real model: FAISS agrees with brute force, and answers carry exact citations."""

from pathlib import Path

import numpy as np
import pytest

from indexer import Document, SentenceTransformerEmbedder, open_current, search

QUERIES = [
    "remittances Kyrgyzstan GDP",
    "What handbook came out of the Timor-Leste Action?",
    "trafficking for forced labour in Eastern Europe and Central Asia",
    "data collection in Lao PDR",
    "ASEAN declaration on migrant workers",
]


@pytest.mark.parametrize("query", QUERIES)
def test_faiss_top_k_equals_numpy_brute_force(
    query: str, report_index: Path, embedder: SentenceTransformerEmbedder
) -> None:
    generation = open_current(report_index, embedder.name, embedder.dim)
    n = generation.manifest.chunk_count
    chunks = generation.store.chunks(list(range(n)))
    matrix = embedder.embed([chunks[i].embed_text for i in range(n)])
    scores = matrix @ embedder.embed([query])[0]
    expected = np.argsort(-scores, kind="stable")[:5]
    hits = search(generation, embedder, query, 5)
    assert [h.chunk_id for h in hits] == [int(i) for i in expected]
    assert [h.score for h in hits] == pytest.approx([float(scores[i]) for i in expected], abs=1e-4)
    generation.close()


def test_hits_cite_exact_spans(
    report_index: Path, embedder: SentenceTransformerEmbedder, report: Document
) -> None:
    generation = open_current(report_index, embedder.name, embedder.dim)
    hits = search(generation, embedder, "remittances Kyrgyzstan GDP", 5)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert "30.4%" in hits[0].text
    assert hits[0].citation.section == ("Asia", "Regional migration trends and challenges")
    for h in hits:
        assert report.text[h.citation.start : h.citation.end] == h.text
        assert h.citation.page is None
    generation.close()


def test_k_larger_than_the_index_returns_everything(
    report_index: Path, embedder: SentenceTransformerEmbedder
) -> None:
    generation = open_current(report_index, embedder.name, embedder.dim)
    hits = search(generation, embedder, "migration", 1000)
    assert len(hits) == generation.manifest.chunk_count
    assert len({h.chunk_id for h in hits}) == len(hits)
    generation.close()


def test_embeddings_are_normalised_float32(embedder: SentenceTransformerEmbedder) -> None:
    vectors = embedder.embed(["one", "two words", ""])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)

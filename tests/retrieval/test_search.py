"""Retrieval with the real model: FAISS agrees with brute force, and answers carry exact citations."""

from pathlib import Path

import numpy as np
import pytest

from indexer import Document, SearchMode, SentenceTransformerEmbedder, open_current, search
from indexer.index.lexical import LexicalIndex, analyse

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
    hits = search(generation, embedder, query, 5, SearchMode.DENSE)
    assert [h.chunk_id for h in hits] == [int(i) for i in expected]
    assert [h.score for h in hits] == pytest.approx([float(scores[i]) for i in expected], abs=1e-4)
    generation.close()


def test_hits_cite_exact_spans(report_index: Path, embedder: SentenceTransformerEmbedder, report: Document) -> None:
    generation = open_current(report_index, embedder.name, embedder.dim)
    hits = search(generation, embedder, "remittances Kyrgyzstan GDP", 5)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert "30.4%" in hits[0].text
    assert hits[0].citation.section == ("Asia", "Regional migration trends and challenges")
    for h in hits:
        assert report.text[h.citation.start : h.citation.end] == h.text
        assert h.citation.page is None
    generation.close()


def test_k_larger_than_the_index_returns_everything(report_index: Path, embedder: SentenceTransformerEmbedder) -> None:
    generation = open_current(report_index, embedder.name, embedder.dim)
    hits = search(generation, embedder, "migration", 1000)
    assert len(hits) == generation.manifest.chunk_count
    assert len({h.chunk_id for h in hits}) == len(hits)
    generation.close()


def test_embeddings_are_normalised_float32(embedder: SentenceTransformerEmbedder) -> None:
    vectors = embedder.embed(["one", "two words", ""])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_bm25_matches_a_hand_computed_example() -> None:
    texts = ["migrant workers send remittances", "remittances remittances GDP", "fishing industry"]
    index = LexicalIndex.build(texts)
    # Lucene BM25 (k1=1.2, b=0.75): "remitt" is in 2 of 3 docs; docs have 4, 3 and 2 terms
    # after stop words and stemming ("migrant worker send remitt", "remitt remitt gdp", "fish industri")
    idf = np.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    avgdl = (4 + 3 + 2) / 3

    def bm25(tf: int, dl: int) -> float:
        return float(idf * tf / (tf + 1.2 * (1 - 0.75 + 0.75 * dl / avgdl)))

    assert analyse("Remittances") == ["remitt"]
    assert index.scores("remittances") == pytest.approx([bm25(1, 4), bm25(2, 3), 0.0], rel=1e-5)


@pytest.mark.parametrize("mode", list(SearchMode))
def test_every_mode_returns_cited_passages(
    mode: SearchMode, report_index: Path, embedder: SentenceTransformerEmbedder, report: Document
) -> None:
    generation = open_current(report_index, embedder.name, embedder.dim)
    hits = search(generation, embedder, "Local Government Units coordination in the Philippines", 5, mode)
    assert len(hits) == 5 and "Local Government Units" in hits[0].text
    for h in hits:
        assert report.text[h.citation.start : h.citation.end] == h.text
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    generation.close()


def test_highlight_points_at_the_answering_sentence(report_index: Path, embedder: SentenceTransformerEmbedder) -> None:
    from indexer import retrieve

    generation = open_current(report_index, embedder.name, embedder.dim)
    result = retrieve(generation, embedder, "How many migrants lived in Asia in 2017?", 3)
    top = result.hits[0]
    assert top.highlight is not None
    sentence = top.text[top.highlight.start : top.highlight.end]
    assert "80 million (60%) lived in Asia" in sentence
    assert len(sentence) < len(top.text)
    assert result.found and 0 < result.confidence <= 1
    strict = retrieve(generation, embedder, "How many migrants lived in Asia in 2017?", 3, found_threshold=0.99)
    assert not strict.found and len(strict.hits) == 3
    generation.close()


def test_every_passage_is_highlighted_also_beyond_the_embedded_ones(
    report_index: Path, embedder: SentenceTransformerEmbedder
) -> None:
    from indexer import retrieve

    generation = open_current(report_index, embedder.name, embedder.dim)
    result = retrieve(generation, embedder, "trafficking for forced labour", 25)
    assert len(result.hits) == 25
    for hit in result.hits:
        assert hit.highlight is not None
        assert 0 <= hit.highlight.start < hit.highlight.end <= len(hit.text)
    generation.close()

"""Retrieval over a loaded generation: dense, BM25, or both fused; question in, cited passages out."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from indexer.embedding.model import Embedder
from indexer.index.loading import IndexGeneration
from indexer.models import Citation, Hit
from indexer.retrieval.highlight import SentenceVectors, highlight_hits


class SearchMode(StrEnum):
    """How passages are ranked."""

    HYBRID = "hybrid"
    DENSE = "dense"
    BM25 = "bm25"


class FusionMethod(StrEnum):
    """How hybrid mode combines the dense and the BM25 ranking (see `Fusion`)."""

    CONVEX = "convex"
    RRF = "rrf"


@dataclass(frozen=True)
class Fusion:
    """How hybrid mode combines the two rankings.

    `convex`: alpha * dense + (1 - alpha) * BM25, each min-max normalised over the
    candidates; `rrf`: reciprocal rank fusion, sum of 1 / (rrf_k + rank). A plain string
    `method` is taken as the FusionMethod of that value (ValueError if there is none).
    """

    method: FusionMethod = FusionMethod.CONVEX
    alpha: float = 0.5
    rrf_k: int = 60
    candidates: int = 100

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", FusionMethod(self.method))


@dataclass(frozen=True)
class Scored:
    """Candidate chunk rows with their dense and BM25 scores, best first."""

    ids: np.ndarray
    scores: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray
    best_dense: float = 0.0  # the nearest chunk's cosine, whatever the mode and k


def rank(
    generation: IndexGeneration,
    query_vector: np.ndarray,
    query: str,
    k: int,
    mode: SearchMode = SearchMode.HYBRID,
    fusion: Fusion | None = None,
) -> Scored:
    """The top-k chunk rows for a query, in the given mode."""
    fusion = fusion or Fusion()
    n = int(generation.vectors.ntotal)
    if n == 0:
        empty = np.zeros(0, dtype=np.float32)
        return Scored(np.zeros(0, dtype=np.int64), empty, empty, empty)
    # dense mode needs no BM25: skip scoring every chunk for it
    lexical_all = np.zeros(n, dtype=np.float32) if mode is SearchMode.DENSE else generation.lexical.scores(query)
    depth = min(n, max(k, fusion.candidates))
    dense_top, dense_ids = generation.vectors.search(query_vector[0], depth)
    lexical_ids = _top(lexical_all, depth)
    ids = np.unique(np.concatenate([dense_ids, lexical_ids]))
    dense = generation.vectors.rows(ids) @ query_vector[0]
    lexical = lexical_all[ids]
    if mode is SearchMode.DENSE:
        scores = dense
    elif mode is SearchMode.BM25:
        scores = lexical
    elif fusion.method is FusionMethod.RRF:
        scores = _rrf(ids, dense_ids, lexical_ids, fusion.rrf_k)
    else:
        scores = fusion.alpha * _minmax(dense) + (1 - fusion.alpha) * _minmax(lexical)
    if mode is SearchMode.BM25:
        keep = scores > 0  # no shared term: nothing to rank by
        ids, scores, dense, lexical = ids[keep], scores[keep], dense[keep], lexical[keep]
    order = np.lexsort((ids, -scores))[:k]
    best = float(dense_top[0]) if len(dense_top) else 0.0
    return Scored(ids[order], scores[order], dense[order], lexical[order], best)


def _top(scores: np.ndarray, depth: int) -> np.ndarray:
    """Ids of the `depth` best positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > depth:
        positive = positive[np.argpartition(-scores[positive], depth - 1)[:depth]]
    return positive[np.lexsort((positive, -scores[positive]))]


def _minmax(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-9:
        return np.zeros_like(values) if high <= 0 else np.ones_like(values)
    return (values - low) / (high - low)


def _rrf(ids: np.ndarray, dense_ids: np.ndarray, lexical_ids: np.ndarray, rrf_k: int) -> np.ndarray:
    scores = np.zeros(len(ids), dtype=np.float64)
    position = {int(i): p for p, i in enumerate(ids)}
    for ranking in (dense_ids, lexical_ids):
        for r, i in enumerate(ranking, start=1):
            scores[position[int(i)]] += 1.0 / (rrf_k + r)
    return scores


def hits_for(generation: IndexGeneration, scored: Scored) -> list[Hit]:
    """Turn ranked chunk rows into hits with citations."""
    chunks = generation.store.chunks([int(i) for i in scored.ids])
    hits: list[Hit] = []
    for r, (chunk_id, score) in enumerate(zip(scored.ids, scored.scores, strict=True), start=1):
        chunk = chunks[int(chunk_id)]
        citation = Citation(
            document=chunk.document_id,
            title=generation.titles[chunk.document_id],
            section=chunk.section_path,
            page=chunk.page_label if chunk.page_label is not None else _index_label(chunk.page),
            start=chunk.start,
            end=chunk.end,
            pdf_page=chunk.page,
        )
        hits.append(Hit(r, float(score), int(chunk_id), chunk.text, citation))
    return hits


def _index_label(page: int | None) -> str | None:
    return None if page is None else str(page)


def search(
    generation: IndexGeneration,
    embedder: Embedder,
    query: str,
    k: int,
    mode: SearchMode = SearchMode.HYBRID,
    fusion: Fusion | None = None,
) -> list[Hit]:
    """The k passages that best match `query`, best first, each with its citation."""
    scored = rank(generation, embedder.embed([query]), query, k, mode, fusion)
    return hits_for(generation, scored)


@dataclass(frozen=True)
class Retrieval:
    """The answer to one query: passages with highlights, and whether they seem to answer it.

    `confidence` is the best dense (cosine) similarity of any chunk to the query, so it
    does not depend on k or the mode; `found` is `confidence >= threshold`.
    """

    query: str
    hits: list[Hit]
    found: bool
    confidence: float


DEFAULT_FOUND_THRESHOLD = 0.25


def retrieve(
    generation: IndexGeneration,
    embedder: Embedder,
    query: str,
    k: int,
    mode: SearchMode = SearchMode.HYBRID,
    fusion: Fusion | None = None,
    found_threshold: float = DEFAULT_FOUND_THRESHOLD,
    sentence_vectors: SentenceVectors | None = None,
) -> Retrieval:
    """Rank, cite and highlight passages for `query`, and judge whether they answer it.

    Pass one `SentenceVectors` for many calls to reuse sentence embeddings across queries.
    """
    query_vector = embedder.embed([query])
    scored = rank(generation, query_vector, query, k, mode, fusion)
    vectors = sentence_vectors or SentenceVectors(embedder)
    hits = highlight_hits(hits_for(generation, scored), query, query_vector[0], vectors)
    confidence = scored.best_dense
    return Retrieval(query, hits, confidence >= found_threshold, confidence)

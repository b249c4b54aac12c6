"""Pick the sentence (or two) of a passage that best answers the question."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from indexer.documents.sentences import sentence_spans
from indexer.embedding.cache import VectorCache
from indexer.embedding.model import Embedder
from indexer.index.lexical import analyse
from indexer.models import Hit, Span

LEXICAL_WEIGHT = 0.5
NEIGHBOUR_SHARE = 0.95
DENSE_HITS = 10


def sentences(text: str) -> list[Span]:
    """Sentence spans of a passage (table rows and list items count as sentences)."""
    return [Span(s, e) for s, e in sentence_spans(text)]


def _overlap(query_terms: set[str], text: str) -> float:
    if not query_terms:
        return 0.0
    return len(query_terms & set(analyse(text))) / len(query_terms)


class SentenceVectors:
    """A bounded LRU of sentence embeddings: the same passages come back for many queries."""

    def __init__(self, embedder: Embedder, size: int = 50_000) -> None:
        self._embedder = embedder
        self._cache = VectorCache(size)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._cache.embed(texts, self._embedder.embed, self._embedder.dim)


def _candidates(hit: Hit) -> list[Span]:
    """The passage's sentences, without a leading heading line when there is more to choose from."""
    spans = sentences(hit.text)
    heading = hit.citation.section[-1] if hit.citation.section else None
    if len(spans) > 1 and heading and hit.text[spans[0].start : spans[0].end] == heading:
        return spans[1:]
    return spans


def highlight_hits(hits: Sequence[Hit], query: str, query_vector: np.ndarray, vectors: SentenceVectors) -> list[Hit]:
    """Hits with `highlight` set: candidate sentences scored by meaning and shared terms.

    Sentences of the first `DENSE_HITS` passages are embedded (cached); further passages, which a
    large `k` asks for, are judged by shared terms alone so latency stays bounded.
    """
    per_hit = [_candidates(h) for h in hits]
    texts = [h.text[s.start : s.end] for h, spans in zip(hits, per_hit, strict=True) for s in spans]
    if not texts:
        return list(hits)
    embedded = sum(len(spans) for spans in per_hit[:DENSE_HITS])
    dense = np.zeros(len(texts), dtype=np.float32)
    if embedded:
        dense[:embedded] = vectors.embed(texts[:embedded]) @ query_vector
    terms = set(analyse(query))
    scores = dense + LEXICAL_WEIGHT * np.array([_overlap(terms, t) for t in texts])
    out: list[Hit] = []
    offset = 0
    for hit, spans in zip(hits, per_hit, strict=True):
        own = scores[offset : offset + len(spans)]
        offset += len(spans)
        out.append(replace(hit, highlight=_best(spans, own)) if spans else hit)
    return out


def _best(spans: list[Span], scores: np.ndarray) -> Span:
    best = int(np.argmax(scores))
    start, end = spans[best].start, spans[best].end
    top = float(scores[best])
    if top > 0:
        if best + 1 < len(spans) and scores[best + 1] >= NEIGHBOUR_SHARE * top:
            end = spans[best + 1].end
        elif best > 0 and scores[best - 1] >= NEIGHBOUR_SHARE * top:
            start = spans[best - 1].start
    return Span(start, end)

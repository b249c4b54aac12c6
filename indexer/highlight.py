"""Pick the sentence (or two) of a passage that best answers the question."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from indexer.embedding import Embedder
from indexer.lexical import analyse
from indexer.models import Hit, Span
from indexer.sentences import sentence_spans

LEXICAL_WEIGHT = 0.5
NEIGHBOUR_SHARE = 0.95


def sentences(text: str) -> list[Span]:
    """Sentence spans of a passage (table rows and list items count as sentences)."""
    return [Span(s, e) for s, e in sentence_spans(text)]


def _overlap(query_terms: set[str], text: str) -> float:
    if not query_terms:
        return 0.0
    return len(query_terms & set(analyse(text))) / len(query_terms)


def highlight_hits(hits: Sequence[Hit], query: str, query_vector: np.ndarray, embedder: Embedder) -> list[Hit]:
    """Hits with `highlight` set: one embed call scores every sentence of every passage."""
    from dataclasses import replace

    per_hit = [sentences(h.text) for h in hits]
    texts = [h.text[s.start : s.end] for h, spans in zip(hits, per_hit, strict=True) for s in spans]
    if not texts:
        return list(hits)
    dense = embedder.embed(texts) @ query_vector
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

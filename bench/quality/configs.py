"""The ways of ranking that are scored (dense, BM25, hybrid under each fusion) and the metrics reported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from indexer import Fusion, SearchMode


METRICS = (("ndcg10", "nDCG@10"), ("map", "MAP"), ("recall100", "R@100"), ("mrr", "MRR"))


@dataclass(frozen=True)
class Config:
    """One way of ranking: a search mode and, for hybrid, a fusion."""

    label: str
    mode: str  # an indexer.SearchMode value
    method: str = "convex"
    alpha: float = 0.5
    rrf_k: int = 60

    @property
    def hybrid(self) -> bool:
        return self.mode == "hybrid"

    def fusion(self) -> Fusion:
        from indexer import Fusion

        return Fusion(method=self.method, alpha=self.alpha, rrf_k=self.rrf_k)

    def search_mode(self) -> SearchMode:
        from indexer import SearchMode

        return SearchMode(self.mode)


CONFIGS = (
    Config("dense", "dense"),
    Config("bm25", "bm25"),
    Config("hybrid convex α=0.3", "hybrid", "convex", alpha=0.3),
    Config("hybrid convex α=0.5", "hybrid", "convex", alpha=0.5),
    Config("hybrid convex α=0.7", "hybrid", "convex", alpha=0.7),
    Config("hybrid rrf k=10", "hybrid", "rrf", rrf_k=10),
    Config("hybrid rrf k=60", "hybrid", "rrf", rrf_k=60),
)
DEFAULT_LABEL = "hybrid convex α=0.5"  # indexer.Fusion() as shipped

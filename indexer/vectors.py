"""The FAISS half of an index generation: vectors keyed by chunk row id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faiss
import numpy as np

VECTORS_FILE = "vectors.faiss"
INDEX_TYPE = "IDMap2,Flat(inner product)"


def build_vectors(vectors: np.ndarray, dim: int) -> Any:
    """An exact inner-product index whose ids are the chunk row ids 0..n-1."""
    index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    if len(vectors):
        index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.arange(len(vectors), dtype=np.int64))
    return index


def write_vectors(index: Any, path: Path) -> None:
    faiss.write_index(index, str(path))


def read_vectors(path: Path) -> Any:
    return faiss.read_index(str(path))


def search_vectors(index: Any, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (scores, ids) per query row; ids of -1 (fewer than k vectors) are dropped by callers."""
    k = max(1, min(k, int(index.ntotal))) if index.ntotal else 1
    scores, ids = index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
    return scores, ids

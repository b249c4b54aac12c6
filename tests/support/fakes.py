"""A deterministic stand-in embedder for fast tests of chunking and storage only.

Every feature is also tested with the real model; this one only saves start-up time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from indexer.embedding.model import normalise


class HashingEmbedder:
    """Bag of hashed lower-cased words; texts sharing words get similar vectors."""

    def __init__(self, dim: int = 64, name: str = "hashing-test-embedder", max_tokens: int = 256) -> None:
        self._dim = dim
        self._name = name
        self._max_tokens = max_tokens
        self.embedded: list[str] = []

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self._dim] += 1.0
        return normalise(out)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2

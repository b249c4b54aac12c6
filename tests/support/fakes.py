"""A deterministic stand-in embedder for fast tests of chunking and storage only.

Every feature is also tested with the real model; this one only saves start-up time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from indexer.embedding.model import normalise


@dataclass(frozen=True, eq=False)
class HashingEmbedder:
    """Bag of hashed lower-cased words; texts sharing words get similar vectors.

    `embedded` records every text it was asked for, in order.
    """

    dim: int = 64
    name: str = "hashing-test-embedder"
    max_tokens: int = 256
    embedded: list[str] = field(default_factory=list)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        return normalise(out)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2

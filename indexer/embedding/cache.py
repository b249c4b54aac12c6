"""One LRU of vectors by text, for query embeddings and for sentence embeddings alike."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

Embed = Callable[[Sequence[str]], np.ndarray]


class VectorCache:
    """The vectors of the last `size` distinct texts, the least recently used evicted first; thread-safe.

    `hits` and `misses` count distinct texts per call: a text asked for twice in one call counts once.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str], compute: Embed, dim: int) -> np.ndarray:
        """The rows of `texts`, `compute` called once for those not cached (each only once)."""
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
            for t in known:
                self._vectors.move_to_end(t)
            missing = [t for t in dict.fromkeys(texts) if t not in known]
            self.hits += len(known)
            self.misses += len(missing)
        if missing:
            fresh = compute(missing)
            known.update(zip(missing, fresh, strict=True))
            with self._lock:
                self._vectors.update(zip(missing, fresh, strict=True))
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        return np.stack([known[t] for t in texts])

"""The one batching loop, and embedders for serving: micro-batching of concurrent callers, a cache of query vectors.

`embed_batches` cuts a list of texts into consecutive batches of a fixed size: the model's batches (the
sentence-transformers embedder) and a build's progress steps both go through it.

A model encodes 16 short texts in one call much faster than in 16 calls (on 2 cores: about
430 texts/s against 120). `BatchingEmbedder` lets concurrent requests share calls: each caller
queues its texts and waits; one worker thread takes whatever is queued (waiting at most
`max_wait` seconds for more while the batch is not full), encodes it in one call and hands each
caller its own rows. It waits for more only while it is busy (the last call served more than
one request), so a lone caller pays no wait. `CachingEmbedder` remembers the vectors of recent texts (search-as-you-type
repeats prefixes and whole questions).
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from indexer.embedding.cache import Embed, VectorCache

if TYPE_CHECKING:
    from indexer.embedding.model import Embedder  # model.py imports this module for `embed_batches`


def embed_batches(
    embed: Embed, texts: Sequence[str], size: int, dim: int, progress: Callable[[int, int], None] | None = None
) -> np.ndarray:
    """The rows of `texts`, embedded `size` at a time in order (`dim` columns, even for no texts).

    `progress(done, total)` is called before the first batch and after each one.
    """
    parts = [np.zeros((0, dim), dtype=np.float32)]
    if progress is not None:
        progress(0, len(texts))
    for start in range(0, len(texts), size):
        parts.append(embed(texts[start : start + size]))
        if progress is not None:
            progress(min(start + size, len(texts)), len(texts))
    return np.vstack(parts)


@dataclass(frozen=True)
class BatchStats:
    """How many model calls the batcher made, and how many callers' requests each one served."""

    calls: int
    texts: int
    requests_per_call: dict[int, int]  # requests in one call -> how many calls had that many

    @property
    def largest(self) -> int:
        return max(self.requests_per_call, default=0)


@dataclass
class _Request:
    texts: Sequence[str]
    done: threading.Event = field(default_factory=threading.Event)
    vectors: np.ndarray | None = None
    error: BaseException | None = None


class _Wrapper:
    """An embedder around another one: name, dimension and tokenizer are the inner one's."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner

    @property
    def name(self) -> str:
        return self._inner.name

    @property
    def dim(self) -> int:
        return self._inner.dim

    @property
    def max_tokens(self) -> int:
        return self._inner.max_tokens

    def count_tokens(self, text: str) -> int:
        return self._inner.count_tokens(text)


class BatchingEmbedder(_Wrapper):
    """An `Embedder` that encodes the texts of concurrent callers together (see the module doc)."""

    def __init__(self, inner: Embedder, max_batch: int = 64, max_wait: float = 0.002) -> None:
        if max_batch < 1 or max_wait < 0:
            raise ValueError("max_batch must be at least 1 and max_wait at least 0")
        super().__init__(inner)
        self._max_batch = max_batch
        self._max_wait = max_wait
        self._queue: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._stats_lock = threading.Lock()
        self._calls = 0
        self._texts = 0
        self._sizes: Counter[int] = Counter()
        self._closed = False
        self._busy = False  # the last call served several requests: more are likely on the way
        self._worker = threading.Thread(target=self._run, name="askreport-batcher", daemon=True)
        self._worker.start()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The vectors of `texts`, computed in a model call shared with other callers."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._closed:
            raise RuntimeError("this BatchingEmbedder is closed")
        request = _Request(list(texts))
        self._queue.put(request)
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def stats(self) -> BatchStats:
        with self._stats_lock:
            return BatchStats(self._calls, self._texts, dict(self._sizes))

    def close(self) -> None:
        """Stop the worker after the requests already queued."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._worker.join(timeout=30)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stop = self._gather(first)
            self._encode(batch)
            if stop:
                return

    def _gather(self, first: _Request) -> tuple[list[_Request], bool]:
        """`first` and the requests queued behind it, up to `max_batch` texts or `max_wait` seconds."""
        batch, size = [first], len(first.texts)
        deadline = time.monotonic() + (self._max_wait if self._busy else 0.0)
        while size < self._max_batch:
            try:
                remaining = deadline - time.monotonic()
                nxt = self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                return batch, True
            batch.append(nxt)
            size += len(nxt.texts)
        self._busy = len(batch) > 1
        return batch, False

    def _encode(self, batch: list[_Request]) -> None:
        texts = [t for r in batch for t in r.texts]
        try:
            vectors = self._inner.embed(texts)
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
                batch[0].done.set()
                return
            for request in batch:  # one caller's bad text must not fail the others
                self._encode([request])
            return
        with self._stats_lock:
            self._calls += 1
            self._texts += len(texts)
            self._sizes[len(batch)] += 1
        start = 0
        for request in batch:
            request.vectors = vectors[start : start + len(request.texts)]
            start += len(request.texts)
            request.done.set()


class CachingEmbedder(_Wrapper):
    """An `Embedder` that remembers the vectors of the last `size` distinct texts (LRU)."""

    def __init__(self, inner: Embedder, size: int = 1024) -> None:
        super().__init__(inner)
        self._cache = VectorCache(size)

    @property
    def hits(self) -> int:
        """Texts answered from the cache (distinct texts per call)."""
        return self._cache.hits

    @property
    def misses(self) -> int:
        """Texts the inner embedder had to encode (distinct texts per call)."""
        return self._cache.misses

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._cache.size <= 0:
            return self._inner.embed(texts)
        return self._cache.embed(texts, self._inner.embed, self.dim)

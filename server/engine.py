"""The model and the current index generation, shared by all requests.

A background thread watches the index's CURRENT pointer and swaps a newly
published generation in between requests: a request keeps the generation it
started with, so in-flight requests finish on it; the old one is released when
the last of them is done.

A generation that fails to load is never fatal: the one already loaded keeps
serving, the failure is kept in `load_error` (so `/api/ready` and the
`askreport_index_load_failed` gauge report it) and logged once, and the load is
tried again when CURRENT changes, or after a back-off that doubles up to
`RETRY_MAX_SECONDS` (a permission fixed, a directory copied in late).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from indexer import (
    DEFAULT_FOUND_THRESHOLD,
    AskreportError,
    BatchingEmbedder,
    CachingEmbedder,
    Embedder,
    IndexCorruptError,
    IndexGeneration,
    IndexNotFoundError,
    Retrieval,
    SearchMode,
    SentenceVectors,
    current_name,
    open_current,
    retrieve,
    rewrite,
)
from server.settings import Settings

log = logging.getLogger(__name__)
RETRY_MAX_SECONDS = 300.0  # a generation that failed to load is tried again at most this far apart


@dataclass(frozen=True)
class LoadFailure:
    """The last failed load: what CURRENT said (or why it could not be read) and when to try again."""

    key: str
    error: AskreportError
    delay: float
    retry_at: float


@dataclass(frozen=True)
class Batching:
    """How queries share model calls (see `indexer.BatchingEmbedder`) and how many are cached."""

    max_batch: int = 64
    max_wait_ms: float = 2.0
    query_cache_size: int = 1024


@dataclass(frozen=True)
class Answer:
    """The retrieval for a question and the generation that produced it."""

    question: str
    mode: SearchMode
    retrieval: Retrieval
    generation: IndexGeneration
    took_ms: float


class Engine:
    """Answers questions from whichever generation is current."""

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder,
        reload_interval: float = 1.0,
        mode: SearchMode = SearchMode.HYBRID,
        found_threshold: float = DEFAULT_FOUND_THRESHOLD,
        batching: Batching | None = None,
    ) -> None:
        batching = batching or Batching()
        self.index_dir = index_dir
        self.embedder = embedder
        self.reload_interval = reload_interval
        self.mode = mode
        self.found_threshold = found_threshold
        # concurrent requests share model calls; repeated questions skip the model
        self.batcher = BatchingEmbedder(embedder, batching.max_batch, batching.max_wait_ms / 1000)
        self.query_embedder = CachingEmbedder(self.batcher, batching.query_cache_size)
        self.sentence_vectors = SentenceVectors(self.batcher)
        self._failure: LoadFailure | None = None
        self._generation: IndexGeneration | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder) -> Engine:
        """An engine configured as the settings say (index, reload interval, mode, threshold)."""
        batching = Batching(settings.batch_size, settings.batch_wait_ms, settings.query_cache_size)
        return cls(
            settings.index_dir,
            embedder,
            settings.reload_interval,
            settings.search_mode,
            settings.found_threshold,
            batching,
        )

    @property
    def loaded(self) -> IndexGeneration | None:
        return self._generation

    @property
    def load_error(self) -> AskreportError | None:
        """Why the generation CURRENT names is not the one served; None when it is."""
        failure = self._failure
        return failure.error if failure is not None else None

    def refresh(self) -> bool:
        """Load the published generation if it is not the one loaded; True if it swapped.

        Never raises: a failure is logged and kept in `load_error`; the generation already loaded
        keeps serving.
        """
        with self._lock:
            try:
                name = current_name(self.index_dir)
            except AskreportError as exc:  # CURRENT unreadable: reading it again costs nothing
                self._failed(str(exc), exc)
                return False
            old = self._generation
            if old is not None and old.name == name:
                self._failure = None  # e.g. rolled back to the generation being served
                return False
            failure = self._failure
            if failure is not None and failure.key == name and time.monotonic() < failure.retry_at:
                return False
            fresh = self._open(name)
            if fresh is None:
                return False
            self._generation, self._failure = fresh, None
        log.info("serving generation %s (was %s)", fresh.name, old.name if old else "none")
        return True

    def _open(self, name: str) -> IndexGeneration | None:
        """The generation CURRENT names, or None after recording why it cannot be loaded."""
        try:
            return open_current(self.index_dir, self.embedder.name, self.embedder.dim)
        except AskreportError as exc:
            self._failed(name, exc)
        except Exception as exc:  # the library names every failure it knows; anything else is a bug
            log.exception("unexpected error loading generation %s", name)
            message = f"generation {name} in {self.index_dir} cannot be loaded ({type(exc).__name__}: {exc})"
            self._failed(name, IndexCorruptError(f"{message}: run `askreport index --full` to rebuild it"))
        return None

    def _failed(self, key: str, error: AskreportError) -> None:
        """Remember a failed load; log it when it is news; back off before trying the same key again."""
        previous = self._failure
        if previous is None or str(previous.error) != str(error):
            log.warning("index not (re)loaded: %s", error)
        if previous is not None and previous.key == key:
            delay = min(previous.delay * 2, RETRY_MAX_SECONDS)
            self._failure = replace(previous, error=error, delay=delay, retry_at=time.monotonic() + delay)
            return
        delay = min(2 * self.reload_interval, RETRY_MAX_SECONDS)
        self._failure = LoadFailure(key, error, delay, time.monotonic() + delay)

    def generation(self) -> IndexGeneration:
        """The generation to answer from; raises the load error if none is loaded."""
        current = self._generation
        if current is not None:
            return current
        self.refresh()
        current, error = self._generation, self.load_error
        if current is None:
            if error is None:
                raise IndexNotFoundError(f"no index at {self.index_dir}: run `askreport index` to build it")
            raise type(error)(str(error))
        return current

    def ask(self, question: str, k: int, mode: SearchMode | None = None, earlier: Sequence[str] = ()) -> Answer:
        """Answer `question`; a follow-up of the `earlier` questions is rewritten first."""
        started = time.perf_counter()
        generation = self.generation()
        mode = mode or self.mode
        query = rewrite(question, earlier)
        result = retrieve(
            generation,
            self.query_embedder,
            query,
            k,
            mode,
            found_threshold=self.found_threshold,
            sentence_vectors=self.sentence_vectors,
        )
        took = (time.perf_counter() - started) * 1000
        return Answer(question, mode, result, generation, took)

    def warm_up(self) -> None:
        """Answer one question before the first request does: torch's first call is slow."""
        try:
            self.ask("warm-up question", 1)
        except AskreportError:  # no index yet: at least the model is warm
            self.embedder.embed(["warm-up question"])
        except Exception:  # serving 503s beats exiting at start-up (a restart loop under systemd)
            log.exception("warm-up search failed")
            self.embedder.embed(["warm-up question"])

    def start_watching(self) -> None:
        """Check for a newly published generation every `reload_interval` seconds."""
        self._watcher = threading.Thread(target=self._watch, name="askreport-index-watcher", daemon=True)
        self._watcher.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.reload_interval):
            try:
                self.refresh()
            except Exception:  # last line of defence: the watcher must outlive any one failure
                log.exception("index watcher: refresh failed; trying again in %s s", self.reload_interval)

    def close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        self.batcher.close()
        self._generation = None

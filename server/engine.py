"""The model and the current index generation, loaded once and shared by all requests."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from indexer import AskreportError, Embedder, Hit, IndexGeneration, open_current, search

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Answer:
    """Passages for a question and the generation that produced them."""

    question: str
    query: str
    hits: list[Hit]
    generation: IndexGeneration
    took_ms: float


class Engine:
    """Answers questions; loads the index lazily so one built after start-up is picked up."""

    def __init__(self, index_dir: Path, embedder: Embedder) -> None:
        self.index_dir = index_dir
        self.embedder = embedder
        self._generation: IndexGeneration | None = None
        self._lock = threading.Lock()

    def try_load(self) -> None:
        """Load the current generation if possible; otherwise requests get 503 with the reason."""
        try:
            self.generation()
        except AskreportError as exc:
            log.warning("serving without an index for now: %s", exc)

    def generation(self) -> IndexGeneration:
        """The loaded generation; raises IndexNotFoundError (or a load error) if none can be loaded."""
        current = self._generation
        if current is not None:
            return current
        with self._lock:
            if self._generation is None:
                self._generation = open_current(self.index_dir, self.embedder.name, self.embedder.dim)
            return self._generation

    @property
    def loaded(self) -> IndexGeneration | None:
        return self._generation

    def ask(self, question: str, k: int) -> Answer:
        started = time.perf_counter()
        generation = self.generation()
        query = question.strip()
        hits = search(generation, self.embedder, query, k)
        took = (time.perf_counter() - started) * 1000
        return Answer(question, query, hits, generation, took)

    def close(self) -> None:
        if self._generation is not None:
            self._generation.close()
            self._generation = None

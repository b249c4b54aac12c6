"""Index builds started by the server (POST /api/admin/reindex), one at a time, in a thread."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from indexer import (
    AskreportError,
    BuildInProgressError,
    BuildSummary,
    Embedder,
    VectorIndexKind,
    build_index,
    build_lock,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildState:
    """The state of one server-started build."""

    id: str
    state: str  # running | succeeded | failed
    full: bool
    started_at: str
    finished_at: str | None = None
    error: str | None = None
    summary: BuildSummary | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class BuildManager:
    """Runs at most one build at a time and remembers the last one."""

    def __init__(
        self,
        corpus_dir: Path,
        index_dir: Path,
        embedder: Embedder,
        max_file_bytes: int,
        on_published: Callable[[], object],
        on_finished: Callable[[str, float], object] | None = None,
        vector_index: VectorIndexKind = VectorIndexKind.AUTO,
    ) -> None:
        self._corpus_dir = corpus_dir
        self._index_dir = index_dir
        self._embedder = embedder
        self._max_file_bytes = max_file_bytes
        self._on_published = on_published
        self._on_finished = on_finished  # (outcome, seconds): for the metrics
        self._vector_index = vector_index
        self._started = 0.0
        self._lock = threading.Lock()
        self._last: BuildState | None = None
        self._thread: threading.Thread | None = None

    @property
    def last(self) -> BuildState | None:
        return self._last

    def start(self, full: bool = False) -> BuildState:
        """Start a build in the background; BuildInProgressError if one is running."""
        with self._lock:
            if self._last is not None and self._last.state == "running":
                raise BuildInProgressError(
                    f"build {self._last.id} is already running: GET /api/index shows when it ends"
                )
            with build_lock(self._index_dir):  # another process (askreport index, a second worker) building?
                pass
            state = BuildState(id=uuid.uuid4().hex[:12], state="running", full=full, started_at=_now())
            self._last = state
            self._started = time.monotonic()
            self._thread = threading.Thread(target=self._run, args=(state,), name="askreport-build", daemon=True)
            self._thread.start()
            return state

    def _run(self, state: BuildState) -> None:
        try:
            summary = build_index(
                self._corpus_dir,
                self._index_dir,
                self._embedder,
                full=state.full,
                max_file_bytes=self._max_file_bytes,
                vector_index=self._vector_index,
            )
        except AskreportError as exc:
            self._finish(replace(state, state="failed", error=str(exc)))
            return
        except Exception as exc:  # a disk error or a bug: report it, keep serving the old index
            log.exception("build %s failed", state.id)
            self._finish(replace(state, state="failed", error=f"{type(exc).__name__}: {exc}"))
            return
        try:
            self._on_published()
        finally:
            self._finish(replace(state, state="succeeded", summary=summary))

    def _finish(self, state: BuildState) -> None:
        state = replace(state, finished_at=_now())
        with self._lock:
            self._last = state
        log.info("build %s %s%s", state.id, state.state, f": {state.error}" if state.error else "")
        if self._on_finished is not None:
            self._on_finished(state.state, time.monotonic() - self._started)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the running build, if any (used at shutdown and by tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

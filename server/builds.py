"""Index builds started by the server (POST /api/admin/reindex), one at a time, each in a child process.

A thread waits for the child and records its outcome; the server process itself never parses a
document or embeds a chunk for a build, so a hostile file or a crash cannot take serving down.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from indexer import AskreportError, BuildInProgressError, BuildSummary, build_lock
from server.build_process import BuildProcess
from server.settings import Settings

log = logging.getLogger(__name__)


class BuildStatus(StrEnum):
    """Where a server-started build is (its `state` in the API)."""

    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class BuildState:
    """The state of one server-started build."""

    id: str
    state: BuildStatus
    full: bool
    started_at: str
    finished_at: str | None = None
    error: str | None = None
    summary: BuildSummary | None = None
    progress: tuple[int, int] | None = None  # (chunks embedded, chunks to embed) while running


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class BuildManager:
    """Runs at most one build at a time and remembers the last one."""

    def __init__(
        self,
        settings: Settings,
        on_published: Callable[[], object],
        on_finished: Callable[[str, float], object] | None = None,
    ) -> None:
        self._settings = settings
        self._on_published = on_published
        self._on_finished = on_finished  # (outcome, seconds): for the metrics
        self._started = 0.0
        self._lock = threading.Lock()
        self._last: BuildState | None = None
        self._thread: threading.Thread | None = None
        self._process: BuildProcess | None = None

    @property
    def process_id(self) -> int | None:
        """The running build's child process id (None when no build runs)."""
        process = self._process
        return process.pid if process is not None else None

    @property
    def last(self) -> BuildState | None:
        return self._last

    def start(self, full: bool = False) -> BuildState:
        """Start a build in the background; BuildInProgressError if one is running."""
        with self._lock:
            if self._last is not None and self._last.state is BuildStatus.RUNNING:
                raise BuildInProgressError(
                    f"build {self._last.id} is already running: GET /api/index shows when it ends"
                )
            with build_lock(self._settings.index_dir):  # another process (askreport index, a second worker) building?
                pass
            state = BuildState(id=uuid.uuid4().hex[:12], state=BuildStatus.RUNNING, full=full, started_at=_now())
            self._last = state
            self._started = time.monotonic()
            self._process = BuildProcess(self._settings, full, self._settings.build_niceness)
            self._thread = threading.Thread(target=self._run, args=(state,), name="askreport-build", daemon=True)
            self._thread.start()
            return state

    def _run(self, state: BuildState) -> None:
        process = self._process
        if process is None:
            return
        try:
            summary = process.run(progress=lambda done, total: self._progress(state.id, done, total))
        except AskreportError as exc:
            self._finish(replace(state, state=BuildStatus.FAILED, error=str(exc)))
            return
        except Exception as exc:  # the child could not even be started: report it, keep serving
            log.exception("build %s failed", state.id)
            self._finish(replace(state, state=BuildStatus.FAILED, error=f"{type(exc).__name__}: {exc}"))
            return
        try:
            self._on_published()
        finally:
            self._finish(replace(state, state=BuildStatus.SUCCEEDED, summary=summary))

    def _progress(self, build_id: str, done: int, total: int) -> None:
        with self._lock:
            if self._last is not None and self._last.id == build_id and self._last.state is BuildStatus.RUNNING:
                self._last = replace(self._last, progress=(done, total))

    def _finish(self, state: BuildState) -> None:
        with self._lock:
            state = replace(state, finished_at=_now(), progress=self._last.progress if self._last else None)
            self._last = state
            self._process = None
        log.info("build %s %s%s", state.id, state.state, f": {state.error}" if state.error else "")
        if self._on_finished is not None:
            self._on_finished(state.state, time.monotonic() - self._started)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the running build, if any (used by tests)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def close(self) -> None:
        """At shutdown: end a running build's child (the next build cleans up after it) and wait."""
        process = self._process
        if process is not None:
            process.stop()
        self.join(timeout=30)

"""The child process of a server-started build: `python -m server.build_child`.

It reads one JSON line from stdin (the settings and whether to build in full), builds, and writes
JSON lines to stdout: `{"progress": [done, total]}` while embedding, then `{"summary": ...}` or
`{"error": ..., "type": ...}`. Its log goes to stderr, which the server passes on to its own log.
When stdin reaches end-of-file (the server is gone) it exits at once: a build never outlives its
server, and the lock it held is released with it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from typing import Any

from indexer import AskreportError, prefer_passive_openmp
from server.build_process import Progress, build_with_settings, summary_to_json
from server.settings import Settings

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 0.5  # progress is reported at most this often (and always at the end)
ORPHANED_EXIT = 3


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _throttled_progress() -> Progress:
    last = 0.0

    def report(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done >= total or now - last >= PROGRESS_EVERY_S:
            last = now
            _emit({"progress": [done, total]})

    return report


def _exit_when_orphaned() -> None:
    """Block on stdin; its end-of-file means the server died or stopped the build."""
    sys.stdin.read()
    log.warning("the server is gone: stopping the build")
    os._exit(ORPHANED_EXIT)  # at once: no clean-up may wait on the build's threads


def main() -> int:
    """Read the request, build, report; the exit status is 0 when a result was written."""
    prefer_passive_openmp()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    request = json.loads(sys.stdin.readline())
    threading.Thread(target=_exit_when_orphaned, name="askreport-orphan-check", daemon=True).start()
    settings = Settings(**request["settings"])
    try:
        from indexer import SentenceTransformerEmbedder, limit_threads

        limit_threads(settings.threads_per_worker())
        embedder = SentenceTransformerEmbedder(settings.model_path())
        summary = build_with_settings(settings, embedder, bool(request["full"]), _throttled_progress())
    except AskreportError as exc:
        _emit({"error": str(exc), "type": type(exc).__name__})
        return 0
    except Exception as exc:  # a bug: the traceback goes to the server's log, the reason to the caller
        log.exception("the build failed")
        _emit({"error": f"the build failed ({type(exc).__name__}: {exc}); see the server log", "type": "internal"})
        return 1
    _emit({"summary": summary_to_json(summary)})
    return 0


if __name__ == "__main__":
    sys.exit(main())

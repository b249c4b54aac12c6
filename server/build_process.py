"""Run an index build in a child process, so that nothing a build does can take the server down.

The server starts `python -m server.build_process`, lowers its CPU priority, sends it the settings
on stdin and reads JSON lines back on stdout: progress while chunks are embedded, then the build's
summary or its error. A child that dies (the kernel's OOM killer, a crash in a parser or the model)
is reported as a failed build; the server goes on serving the generation it has.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import indexer
from indexer import AskreportError, BuildSummary, Embedder, SkippedFile, build_index
from server.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
PROGRESS_EVERY_S = 0.5  # the child reports at most this often (and always at the end)


class BuildProcessError(AskreportError):
    """The build's child process ended without a result (killed, crashed or unreadable output)."""


def build_with_settings(
    settings: Settings, embedder: Embedder, full: bool, progress: Progress | None = None
) -> BuildSummary:
    """One build of `settings.corpus_dir` into `settings.index_dir`, as the settings say (the CLI's and
    the server's builds alike)."""
    return build_index(
        settings.corpus_dir,
        settings.index_dir,
        embedder,
        progress=progress,
        full=full,
        max_file_bytes=settings.max_file_bytes,
        parse_budget=settings.parse_budget,
        vector_index=settings.vector_index,
    )


def summary_to_json(summary: BuildSummary) -> dict[str, Any]:
    out = asdict(summary)
    out["path"] = str(summary.path)
    return out


def summary_from_json(data: dict[str, Any]) -> BuildSummary:
    fields = dict(data)
    fields["path"] = Path(fields["path"])
    fields["skipped"] = tuple(SkippedFile(**s) for s in fields["skipped"])
    return BuildSummary(**fields)


def _error_from_json(data: dict[str, Any]) -> AskreportError:
    """The named error the child reported, as the same class where indexer exports it."""
    kind = getattr(indexer, str(data.get("type", "")), None)
    if isinstance(kind, type) and issubclass(kind, AskreportError):
        return kind(str(data["error"]))
    return AskreportError(str(data["error"]))


class BuildProcess:
    """One build in a child process; `run()` blocks until it ends, `stop()` ends it early."""

    def __init__(self, settings: Settings, full: bool, niceness: int) -> None:
        self._request = json.dumps({"settings": _absolute(settings).model_dump(mode="json"), "full": full})
        self._niceness = niceness
        self._proc: subprocess.Popen[str] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def run(self, progress: Progress | None = None) -> BuildSummary:
        """Build; raises the child's named error, or BuildProcessError if it died without one."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "server.build_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            start_new_session=True,  # a Ctrl+C meant for the server is the server's to handle
        )
        if self._niceness:
            os.setpriority(os.PRIO_PROCESS, proc.pid, os.getpriority(os.PRIO_PROCESS, 0) + self._niceness)
        self._proc = proc
        if proc.stdin is None or proc.stdout is None:  # never: both were asked for as pipes
            raise BuildProcessError("the build process was started without its pipes")
        with proc.stdin:
            proc.stdin.write(self._request)
        result: dict[str, Any] | None = None
        for line in proc.stdout:
            message = _parse(line)
            if "progress" in message and progress is not None:
                progress(*message["progress"])
            elif "summary" in message or "error" in message:
                result = message
        code = proc.wait()
        if result is None:
            raise BuildProcessError(_death_message(code))
        if "error" in result:
            raise _error_from_json(result)
        return summary_from_json(result["summary"])

    def stop(self) -> None:
        """End the child (a build cut short leaves only a staging directory the next build removes)."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _absolute(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"corpus_dir": settings.corpus_dir.absolute(), "index_dir": settings.index_dir.absolute()}
    )


def _parse(line: str) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except ValueError:
        log.warning("build process wrote a line that is not JSON: %.200r", line)
        return {}
    return message if isinstance(message, dict) else {}


def _death_message(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        how = f"was killed by {name}"
        if -code == signal.SIGKILL:
            how += " (the kernel kills a process that runs out of memory: see `dmesg`)"
    else:
        how = f"exited with status {code}"
    return (
        f"the build process {how} before it finished; the current generation is unchanged and still served: "
        "see the server log for its output, then build again"
    )


# --- the child ----------------------------------------------------------------------------------


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


def child_main() -> int:
    """The child: read the request from stdin, build, write JSON lines to stdout."""
    logging.basicConfig(level=logging.INFO, format="build: %(levelname)s %(name)s: %(message)s")
    request = json.loads(sys.stdin.read())
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
    sys.exit(child_main())

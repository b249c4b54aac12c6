"""Run an index build in a child process, so that nothing a build does can take the server down.

The server starts `python -m server.build_child` (see there), lowers its CPU priority, sends it the
settings as one line on stdin and reads JSON lines back on stdout: progress while chunks are
embedded, then the build's summary or its error. Its log lines (stderr) are passed on to the
server's log. stdin stays open: when the server dies, the child sees end-of-file and stops, so no
build outlives its server. A child that dies (the kernel's OOM killer, a crash in a parser or the
model) is reported as a failed build; the server goes on serving the generation it has.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

import indexer
from indexer import AskreportError, BuildSummary, Embedder, SkippedFile, build_index
from server.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


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
        self._lock = threading.Lock()
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def run(self, progress: Progress | None = None) -> BuildSummary:
        """Build; raises the child's named error, or BuildProcessError if it died without one."""
        proc = self._start()
        try:
            result = self._read(proc, progress)
        except BaseException:
            self.stop()
            raise
        finally:
            code = proc.wait()
        if result is None:
            raise BuildProcessError(_death_message(code))
        if "error" in result:
            raise _error_from_json(result)
        return summary_from_json(result["summary"])

    def _start(self) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server.build_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env={**os.environ, "PYTHONPATH": os.pathsep.join(p or os.curdir for p in sys.path)},
            start_new_session=True,  # a Ctrl+C meant for the server is the server's to handle
        )
        with self._lock:
            self._proc = proc
            stopping = self._stopping
        if stopping:  # stop() came while the child was starting
            proc.kill()
        elif self._niceness:
            try:
                os.setpriority(os.PRIO_PROCESS, proc.pid, os.getpriority(os.PRIO_PROCESS, 0) + self._niceness)
            except OSError as exc:  # it has already exited, or a container forbids it: build anyway
                log.warning("could not lower the build process's priority: %s", exc)
        return proc

    def _read(self, proc: subprocess.Popen[str], progress: Progress | None) -> dict[str, Any] | None:
        if proc.stdin is None or proc.stdout is None or proc.stderr is None:  # never: all three are pipes
            raise BuildProcessError("the build process was started without its pipes")
        relay = threading.Thread(target=_relay_log, args=(proc.stderr,), name="askreport-build-log", daemon=True)
        relay.start()
        try:
            proc.stdin.write(self._request + "\n")
            proc.stdin.flush()  # and kept open: its end-of-file tells the child the server is gone
        except OSError:
            pass  # the child died at once: its exit status says why
        result: dict[str, Any] | None = None
        for line in proc.stdout:
            message = _parse(line)
            if "progress" in message and progress is not None:
                progress(*message["progress"])
            elif "summary" in message or "error" in message:
                result = message
        relay.join(timeout=5)
        try:
            proc.stdin.close()
        except OSError:
            pass  # the child died before it read the request: flushing it again fails, its exit status tells
        return result

    def stop(self) -> None:
        """End the child (a build cut short leaves only a staging directory the next build removes)."""
        with self._lock:
            self._stopping = True
            proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def _relay_log(stream: IO[str]) -> None:
    """Pass the child's log lines on to the server's log (JSON or not, as the server logs)."""
    for line in stream:
        line = line.rstrip("\n")
        level, _, text = line.partition(" ")
        if level in _LEVELS:
            log.log(logging.getLevelName(level), "build process: %s", text)
        elif line.strip():  # a traceback's lines, a library's own print
            log.info("build process: %s", line)


_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


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

"""Parse documents in a child process under a time and memory budget.

A hostile file (a zip bomb the archive check misses, a PDF whose reader loops or recurses) can only
exhaust the child: before each file the child's address space is capped at what it holds plus the
budget (the soft RLIMIT_AS) and its CPU time with RLIMIT_CPU, the parent waits at most the time budget
for each file, and a child that dies or overruns is replaced before the next file. One child serves a
whole build, so a file costs a pipe round trip. The child is a fresh interpreter (`python -c`, never
a fork of the threaded server or CLI) with a minimal environment (no keys) that imports only
`indexer`, without re-running the caller's main script; messages are pickled over its stdin and
stdout. A child that cannot start at all fails the build (ReaderStartError): every file would fail.
This module is the parent's side; the child runs `indexer.documents.sandbox_child`.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import TracebackType

from indexer.documents.readers import Read
from indexer.errors import ReaderStartError, UnreadableFileError

log = logging.getLogger(__name__)

DEFAULT_PARSE_TIMEOUT_S = 60.0
DEFAULT_PARSE_MEMORY_MB = 2048
_START_TIMEOUT_S = 120.0
_CHILD_CODE = "from indexer.documents.sandbox_child import serve_stdio; serve_stdio()"
_START_HINT = f"check that `{sys.executable} -c 'import indexer'` works"
# What the child's environment keeps: never the caller's keys (ASKREPORT_ADMIN_KEY and the like).
_CHILD_ENV = ("PATH", "HOME", "TMPDIR", "TZ", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES")
_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def child_environment() -> dict[str, str]:
    """The reader child's environment: the locale, paths and thread limits, and no secrets."""
    env = {name: os.environ[name] for name in (*_CHILD_ENV, *_THREAD_ENV) if name in os.environ}
    env["PYTHONPATH"] = os.pathsep.join(p or os.curdir for p in sys.path)
    return env


def _spawn_failure(exc: OSError) -> str:
    return (
        f"the reader process could not start ({exc.strerror or exc}): free memory, or raise the limits on "
        "open files and processes (ulimit -n, ulimit -u), then build again"
    )


@dataclass(frozen=True)
class ParseBudget:
    """Limits for reading one file: wall-clock seconds and MB of memory beyond the reader's own start."""

    timeout_s: float = DEFAULT_PARSE_TIMEOUT_S
    memory_mb: int = DEFAULT_PARSE_MEMORY_MB


_idle: ParserProcess | None = None  # the child of the last build, kept for the next one
_idle_lock = threading.Lock()


@contextmanager
def shared_parser(budget: ParseBudget | None = None) -> Iterator[ParserProcess]:
    """A parser for one build, whose child is kept for the next build in this process (a rebuild, a
    test) instead of starting a fresh interpreter each time; concurrent builds get their own."""
    global _idle
    budget = budget or ParseBudget()
    with _idle_lock:
        parser, _idle = _idle, None
    if parser is not None and (parser.budget != budget or parser.owner != os.getpid()):
        parser.close()
        parser = None
    parser = parser or ParserProcess(budget)
    try:
        yield parser
    except BaseException:
        parser.close()
        raise
    with _idle_lock:
        if _idle is None:
            _idle, parser = parser, None
    if parser is not None:
        parser.close()


class ParserProcess:
    """A child process that reads files one at a time, replaced after a crash or an overrun.

    Not thread-safe: one build uses one instance. Use it as a context manager so the child ends, or
    through `shared_parser`, which keeps it for the next build (an idle child ends with this process:
    its stdin closes).
    """

    def __init__(self, budget: ParseBudget | None = None) -> None:
        self.budget = budget or ParseBudget()
        self.starts = 0  # children started, for tests and benchmarks
        self.owner = os.getpid()  # a forked copy must not talk to its parent's child
        self._process: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None  # the child's answers
        self._send_conn: Connection | None = None  # files for the child

    @property
    def pid(self) -> int | None:
        """The running child's process id, if one runs."""
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> ParserProcess:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def read(self, suffix: str, data: bytes) -> Read:
        """Read one file's bytes in the child. Raises UnreadableFileError with the reason."""
        conn = self._send((suffix, data))
        if not conn.poll(self.budget.timeout_s):
            self._stop()
            raise UnreadableFileError(
                f"reading it took more than {self.budget.timeout_s:g} s (ASKREPORT_PARSE_TIMEOUT_S): "
                "raise the limit if the file is genuine, or split it"
            )
        try:
            kind, value = conn.recv()
        except (EOFError, OSError):
            raise UnreadableFileError(self._crash_reason(self._stop(grace_s=5))) from None
        if kind == "ok":
            return value  # type: ignore[no-any-return]
        if kind == "memory":
            self._stop()
            raise UnreadableFileError(self._memory_reason())
        raise UnreadableFileError(str(value))

    def close(self) -> None:
        """End the child, if one is running (and it is this process's)."""
        if self.owner != os.getpid():
            return
        if self._send_conn is not None and self._process is not None:
            try:
                self._send_conn.send(None)  # ask it to exit; it is idle between files
                self._process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop()

    def _send(self, message: tuple[str, bytes]) -> Connection:
        """Send to a live child, starting one if there is none or the last one died while idle."""
        for _ in range(2):
            receiver = self._conn or self._start()
            try:
                if self._send_conn is not None:
                    self._send_conn.send(message)
                    return receiver
            except OSError:
                if receiver.poll(0):  # it answered before taking all of it (the file alone is over budget)
                    return receiver
            self._stop()
        raise UnreadableFileError(f"the reader process ended before it could read the file: {_START_HINT}")

    def _start(self) -> Connection:
        """Start a child and wait until it is ready, so its start-up never counts against a file."""
        self._spawn()
        self.starts += 1
        conn = self._conn
        try:
            ready = conn is not None and conn.poll(_START_TIMEOUT_S) and conn.recv() == ("ready", None)
        except (EOFError, OSError):
            ready = False
        if conn is None or not ready:
            code = self._stop()
            log.error("the reader process did not start (exit status %s)", code)
            raise ReaderStartError(f"the reader process did not start (exit status {code}): {_START_HINT}")
        return conn

    def _spawn(self) -> None:
        """Start the child process with pipes to it. Raises ReaderStartError if the system refuses."""
        try:
            process = subprocess.Popen(
                [sys.executable, "-c", _CHILD_CODE, str(self.budget.memory_mb), str(self.budget.timeout_s)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=child_environment(),
            )
        except OSError as exc:
            raise ReaderStartError(_spawn_failure(exc)) from exc
        self._process = process
        try:
            if process.stdin is None or process.stdout is None:  # never: both are pipes; this tells mypy
                raise OSError("the reader process has no pipes")
            self._send_conn = Connection(os.dup(process.stdin.fileno()), readable=False)
            self._conn = Connection(os.dup(process.stdout.fileno()), writable=False)
        except OSError as exc:
            self._stop()
            raise ReaderStartError(_spawn_failure(exc)) from exc
        finally:
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()

    def _stop(self, grace_s: float = 0) -> int | None:
        """Kill the child (if still running after `grace_s`) and return its exit code."""
        process, conns = self._process, (self._conn, self._send_conn)
        self._process = self._conn = self._send_conn = None
        for conn in conns:
            if conn is not None:
                conn.close()
        if process is None:
            return None
        try:
            process.wait(timeout=grace_s)  # a child that closed its pipe may still be exiting
        except subprocess.TimeoutExpired:
            process.kill()
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            return None

    def _memory_reason(self) -> str:
        return (
            f"reading it needed more than {self.budget.memory_mb} MB of memory (ASKREPORT_PARSE_MEMORY_MB): "
            "raise the limit if the file is genuine, or split it"
        )

    def _crash_reason(self, code: int | None) -> str:
        if code == -signal.SIGXCPU:
            return (
                f"reading it used more than {self.budget.timeout_s:g} s of CPU time (ASKREPORT_PARSE_TIMEOUT_S): "
                "raise the limit if the file is genuine, or split it"
            )
        if code == -signal.SIGKILL:
            return (
                "the reader was killed while reading it (by the kernel, out of memory?): the machine may lack "
                f"the {self.budget.memory_mb} MB ASKREPORT_PARSE_MEMORY_MB allows; lower it, or split the file"
            )
        how = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit status {code}"
        return f"the reader crashed while reading it ({how}): the file is corrupt or built to break readers"

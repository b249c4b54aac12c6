"""The reader child's side of the sandbox (`indexer.documents.sandbox`): read files under its limits.

The parent starts it as `python -c "from indexer.documents.sandbox_child import serve_stdio; serve_stdio()"
MEMORY_MB TIMEOUT_S` and sends `(suffix, data)` messages; before each file the child caps its own address
space (soft RLIMIT_AS) and CPU time (RLIMIT_CPU) at what it uses now plus the budget.
"""

from __future__ import annotations

import logging
import os
import resource
import sys
from multiprocessing.connection import Connection

from indexer.documents.readers import failure_reason, read_file
from indexer.errors import UnreadableFileError

_CPU_GRACE_S = 2  # the parent's wall-clock timeout should fire first; RLIMIT_CPU is the backstop


def serve_stdio() -> None:
    """The child's entry point: messages on stdin, answers on stdout (nothing else may write there)."""
    receive = Connection(os.dup(0), writable=False)
    answer = Connection(os.dup(1), readable=False)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # a reader that prints must not corrupt the answers
    serve(receive, answer, int(sys.argv[1]), float(sys.argv[2]))


def serve(receive: Connection, conn: Connection, memory_mb: int, timeout_s: float) -> None:
    """The child's loop: read `(suffix, data)` messages and answer `(kind, value)` until None."""
    logging.getLogger().addHandler(logging.NullHandler())  # readers' warnings must not reach stderr
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a reader killed by SIGXCPU must not dump core
    conn.send(("ready", None))
    while True:
        _limit_memory(memory_mb)  # the message itself counts against the file's budget
        try:
            message = receive.recv()
        except (EOFError, OSError):
            return  # the parent went away
        except MemoryError:  # the file alone does not fit in the budget
            conn.send(("memory", None))
            return
        if message is None:
            return
        _limit_cpu(timeout_s)
        answer = _answer(*message)
        try:
            conn.send(answer)
        except MemoryError:
            answer = ("memory", None)
            conn.send(answer)
        except Exception as exc:  # a result that cannot be pickled (too deep, too large)
            conn.send(("error", failure_reason(exc)))
        if answer[0] == "memory":
            return  # a heap that ran out may be left fragmented: start afresh


def _answer(suffix: str, data: bytes) -> tuple[str, object]:
    try:
        return "ok", read_file(suffix, data)
    except UnreadableFileError as exc:
        if isinstance(exc.__cause__, MemoryError):
            return "memory", None
        return "unreadable", str(exc)
    except MemoryError:
        return "memory", None


def _limit_memory(memory_mb: int) -> None:
    """Allow the next file the budget on top of what the child has mapped now.

    Only the soft limit moves, so it can be raised again for each file: what earlier files and lazily
    imported readers keep mapped must not shrink the budget of the files after them.
    """
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            mapped = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # no /proc (not Linux): the time budget and the archive checks still apply
        return
    soft = mapped + memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _limit_cpu(timeout_s: float) -> None:
    """Allow this file the budget's CPU seconds on top of what the child has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    soft = int(usage.ru_utime + usage.ru_stime + timeout_s) + 1 + _CPU_GRACE_S
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))

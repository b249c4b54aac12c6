"""The two servers the benchmarks start: `askreport serve` and bench/common/naive_server.py under uvicorn."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common.paths import REPO_ROOT
from bench.common.processes import Server, free_port, running

KINDS = ("askreport", "naive")


def askreport_command() -> list[str]:
    """The `askreport` console script beside this interpreter, else `python -m server`."""
    script = Path(sys.executable).parent / "askreport"
    return [str(script)] if script.exists() else [sys.executable, "-m", "server"]


def serve_takes_workers() -> bool:
    """Whether `askreport serve` has a --workers option (checked at run time: it is being added)."""
    out = subprocess.run([*askreport_command(), "serve", "--help"], capture_output=True, text=True, timeout=120)
    return "--workers" in out.stdout


def server_command(kind: str, index: Path, port: int, workers: int, askreport_workers: bool) -> list[str]:
    """The command line of a server of `kind` ("askreport" or "naive") on `port`."""
    if kind == "askreport":
        extra = ["--workers", str(workers)] if askreport_workers else []
        return [*askreport_command(), "serve", "--index", str(index), "--port", str(port), *extra]
    return [
        sys.executable, "-m", "uvicorn", "bench.common.naive_server:create_app", "--factory",
        "--app-dir", str(REPO_ROOT), "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
    ]  # fmt: skip


@contextmanager
def server(kind: str, index: Path, work: Path, label: str, workers: int, askreport_workers: bool) -> Iterator[Server]:
    """A running server of `kind` serving `index` on a free port, logging to work/label.log; stopped on exit."""
    port = free_port()
    env = dict(
        os.environ,
        NAIVE_INDEX_DIR=str(index),
        ASKREPORT_CONVERSATIONS_DB=str(work / "conversations.db"),
        ASKREPORT_RATE_LIMIT="0",  # the load generator is one client: askreport's rate limit would refuse it
        ASKREPORT_MAX_CONVERSATIONS_PER_CLIENT="0",  # likewise its cap on conversations per client
    )
    command = server_command(kind, index, port, workers, askreport_workers)
    with running(command, port, work / f"{label}.log", env) as proc:
        yield proc

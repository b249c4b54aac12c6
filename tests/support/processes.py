"""Real processes for tests: a free port, start one, wait until it answers over HTTP, stop it afterwards."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import IO

import httpx
import pytest

ASKREPORT = [sys.executable, "-m", "server"]
START_TIMEOUT = 120.0  # seconds for a server to answer; generous: a loaded CI machine is slow
STOP_TIMEOUT = 30.0  # seconds between SIGTERM and SIGKILL


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running(
    command: list[str],
    env: dict[str, str],
    ready_url: str,
    *,
    log: Path | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> Iterator[subprocess.Popen[str]]:
    """A process that serves `ready_url` within 120 s; stopped on exit.

    Its output (stdout and stderr) goes to a pipe, or into the file `log` when one is given: a pipe
    nobody reads fills up, and a process that writes a lot then waits on it.
    """
    output: nullcontext[int] | IO[bytes] = nullcontext(subprocess.PIPE) if log is None else log.open("wb")
    with output as out:
        proc = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, text=True, env=env, preexec_fn=preexec_fn
        )
    try:
        _wait_until_ready(proc, command, ready_url, log)
        yield proc
    finally:
        stop(proc)


def _wait_until_ready(proc: subprocess.Popen[str], command: list[str], ready_url: str, log: Path | None) -> None:
    """Return once GET `ready_url` answers 200; fail the test, with the output, if it exits or never does."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{command[:4]} exited early ({proc.returncode}):\n{_output(proc, log)}")
        try:
            if httpx.get(ready_url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            tail = _output(proc, log) if log is not None else ""  # a pipe cannot be read while it runs
            pytest.fail(f"{ready_url} did not answer within {START_TIMEOUT:.0f} s:\n{tail}")
        time.sleep(0.3)


def _output(proc: subprocess.Popen[str], log: Path | None) -> str:
    """The last of what `proc` wrote: from its log file, or from its pipe once it has exited."""
    if log is not None:
        return log.read_text(errors="replace")[-3000:]
    return proc.stdout.read() if proc.stdout else ""


def stop(proc: subprocess.Popen[str]) -> None:
    """SIGTERM, then SIGKILL if it has not exited within 30 s."""
    proc.terminate()
    try:
        proc.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_TIMEOUT)


@contextmanager
def watching(corpus: Path, index: Path, stderr: int = subprocess.STDOUT) -> Iterator[subprocess.Popen[str]]:
    """`askreport watch` (200 ms debounce), its stdout a pipe to read with `read_until`; stopped on exit."""
    proc = subprocess.Popen(
        [*ASKREPORT, "watch", "--corpus", str(corpus), "--index", str(index), "--debounce", "200"],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=STOP_TIMEOUT)


def read_until(proc: subprocess.Popen[str], marker: str, timeout: float) -> list[str]:
    """Lines printed by `proc` up to and including the first that holds `marker`."""
    if not hasattr(proc, "lines"):
        lines_q: queue.Queue[str] = queue.Queue()
        assert proc.stdout is not None
        stdout = proc.stdout
        threading.Thread(target=lambda: [lines_q.put(line) for line in stdout], daemon=True).start()
        proc.lines = lines_q  # type: ignore[attr-defined]
    lines: list[str] = []
    try:
        while True:
            line = proc.lines.get(timeout=timeout)  # type: ignore[attr-defined]
            lines.append(line)
            if marker in line:
                return lines
    except queue.Empty:
        raise AssertionError(f"no line with {marker!r} within {timeout} s; got {lines}") from None


def static_server(directory: Path, port: int) -> list[str]:
    """The command for a plain static file server (a host page on another origin)."""
    return [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(directory)]

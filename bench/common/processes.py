"""Server processes for the benchmarks: start, wait for the first answer, measure from /proc, stop.

Every process is started in a session of its own, so that stopping it (SIGTERM to its process
group, SIGKILL after a grace period) also stops the workers it forked, and so that a Ctrl-C in the
benchmark's terminal reaches the benchmark alone, whose `finally` blocks then stop the servers.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


class ServerError(RuntimeError):
    """A server process exited or never answered."""


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so `finally` blocks stop the processes a benchmark started."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    """A running server process: its Popen handle, base URL and log file."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path
    started: float  # time.perf_counter() just before the process was spawned

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@contextmanager
def running(command: Sequence[str], port: int, log: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Start `command` (which must listen on `port`), yield it, and always stop it and its children."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        yield Server(process, f"http://127.0.0.1:{port}", log, started)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM the process's group, then SIGKILL it if it is still there after `grace` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)  # the group id is the pid: start_new_session=True
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        process.wait()


def get(url: str, path: str, timeout: float = 60.0) -> tuple[int, bytes]:
    """One GET on a fresh connection: status and body."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_for_answer(server: Server, path: str, timeout: float = 180.0, interval: float = 0.01) -> float:
    """Poll `path` until it answers 200; seconds from spawning the process to that answer."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.process.poll() is not None:
            raise ServerError(f"server exited with status {server.process.returncode}:\n{server.log_tail()}")
        try:
            status, body = get(server.url, path)
        except OSError:
            time.sleep(interval)
            continue
        if status == 200:
            return time.perf_counter() - server.started
        raise ServerError(f"GET {path} answered {status}: {body[:300]!r}\n{server.log_tail()}")
    raise ServerError(f"no answer from {server.url}{path} within {timeout:.0f} s:\n{server.log_tail()}")


def tree(pid: int) -> list[int]:
    """`pid` and all its descendants, read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by `pid` and its living descendants."""
    total = 0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICKS


def memory_mib(pid: int, field: str) -> float:
    """A /proc/PID/status memory field (VmRSS, VmHWM) summed over `pid` and its descendants, in MiB."""
    total = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def wait_idle(pid: int, timeout: float = 120.0, window: float = 0.3, busy: float = 0.03) -> None:
    """Wait until the process tree uses less than `busy` of a core for a `window` (in-flight work done)."""
    deadline = time.perf_counter() + timeout
    before = cpu_seconds(pid)
    while time.perf_counter() < deadline:
        time.sleep(window)
        after = cpu_seconds(pid)
        if after - before < busy * window:
            return
        before = after

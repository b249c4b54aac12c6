"""Closed-loop load against a server from a separate process: wrk with a Lua script, or bench.common.loadgen.

wrk (C, one thread, epoll) costs far less CPU per request than any Python client, which matters on a
2-core machine where the load generator competes with the server. Both walk the same list of request
paths in order, stop after a number of responses or a time bound, and report the same figures; the
load generator's own CPU time comes from `os.wait4`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from bench.common.paths import REPO_ROOT

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk_paths.lua"
LOADGEN = "bench.common.loadgen"
TOOLS = ("auto", "wrk", "python")


@dataclass(frozen=True)
class LoadResult:
    """One bounded load run: throughput, latency percentiles (ms) and what the client cost."""

    concurrency: int
    answered: int
    failed: int  # non-200 responses, socket errors and timeouts
    seconds: float  # first request sent to last response received
    p50: float
    p90: float
    p99: float
    max: float
    client_cpu: float  # CPU seconds used by the load generator process
    statuses: dict[str, int]  # failed responses by HTTP status; "socket" and "timeout" for the others
    server_cpu: float = 0.0  # CPU seconds used by the server's process tree, filled in by the caller

    @property
    def qps(self) -> float:
        return self.answered / self.seconds if self.seconds > 0 else 0.0


def search_path(query: str, k: int = 5) -> str:
    """The search-box request for `query`."""
    return f"/api/search?q={quote(query, safe='')}&k={k}"


def pick_tool(choice: str) -> str:
    """`wrk` if asked or (for `auto`) installed, else `python`; SystemExit if wrk is asked but missing."""
    if choice == "python":
        return "python"
    if shutil.which("wrk"):
        return "wrk"
    if choice == "wrk":
        raise SystemExit("wrk is not installed: `apt-get install -y wrk`, or pass --loadgen python")
    return "python"


def tool_version(tool: str) -> str:
    """A one-line description of the load generator."""
    if tool == "python":
        python = sys.version.split()[0]
        return f"bench/common/loadgen.py (Python {python}, http.client keep-alive, one thread per connection)"
    try:
        out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=10)
        first = (out.stdout or out.stderr).splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        first = "wrk"
    return f"{first.split(' Copyright')[0]}, 1 thread, Lua script bench/common/wrk_paths.lua"


def run_load(url: str, paths: Sequence[str], concurrency: int, requests: int, seconds: float, tool: str) -> LoadResult:
    """Send at most `requests` requests (or for at most `seconds`) with `concurrency` connections."""
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(paths) + "\n")
        paths_file = Path(fh.name)
    try:
        if tool == "wrk":
            command = [
                "wrk", "-t1", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--timeout", "60s",
                "-s", str(WRK_SCRIPT), url, "--", str(paths_file), str(requests),
            ]  # fmt: skip
            marker, prefix = "WRK_LIMIT_REACHED", "WRK_RESULT "
        else:
            command = [
                sys.executable, "-m", LOADGEN, url, str(paths_file),
                "--concurrency", str(concurrency), "--requests", str(requests), "--seconds", str(seconds),
            ]  # fmt: skip
            marker, prefix = "", "LOADGEN_RESULT "
        lines, cpu = _run(command, marker, seconds + 120)
    finally:
        paths_file.unlink(missing_ok=True)
    row = next((json.loads(line[len(prefix) :]) for line in lines if line.startswith(prefix)), None)
    if row is None:
        raise RuntimeError(f"{command[0]} printed no result:\n" + "\n".join(lines[-20:]))
    return LoadResult(
        concurrency=concurrency,
        answered=int(row["answered"]),
        failed=int(row["failed"]) + int(row["socket_errors"]) + int(row["timeouts"]),
        seconds=float(row["last_answer"]) - float(row["first_sent"]),
        p50=row["p50_us"] / 1000,
        p90=row["p90_us"] / 1000,
        p99=row["p99_us"] / 1000,
        max=row["max_us"] / 1000,
        client_cpu=cpu,
        statuses=failures(row),
    )


def failures(row: dict[str, Any]) -> dict[str, int]:
    """Failed requests by kind, from a load generator's result row."""
    counts = {str(status): int(n) for status, n in row.get("statuses", {}).items()}
    for key, kind in (("socket_errors", "socket"), ("timeouts", "timeout")):
        if row.get(key):
            counts[kind] = int(row[key])
    return counts


def _run(command: Sequence[str], marker: str, timeout: float) -> tuple[list[str], float]:
    """Run the load generator; SIGINT it once it prints `marker`. Its stdout lines and CPU seconds."""
    process = subprocess.Popen(
        list(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO_ROOT
    )
    lines: list[str] = []
    reached = threading.Event()

    def read(stream: IO[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))
            if marker and line.startswith(marker):
                reached.set()

    reader = threading.Thread(target=read, args=(process.stdout,), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    try:
        while True:
            # os.wait4 reaps the process so that its CPU time can be read; nothing else may reap it
            # (Popen.poll, .wait, .send_signal and .kill all do), hence os.kill below
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.kill(process.pid, signal.SIGKILL)
                time.sleep(0.1)
            elif reached.wait(0.2):
                # wrk's main thread sleeps for -d; SIGINT wakes it. A signal that lands in a worker
                # thread is lost, so repeat it every 0.2 s until wrk exits.
                os.kill(process.pid, signal.SIGINT)
                time.sleep(0.2)
    except BaseException:
        process.kill()
        process.wait()
        raise
    process.returncode = os.waitstatus_to_exitcode(status)
    reader.join(timeout=5)
    return lines, usage.ru_utime + usage.ru_stime
